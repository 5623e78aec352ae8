"""The gunicorn worker and logger: gthread, with two changes (the only place that reaches into
gunicorn's worker; ``tests/test_service.py`` fails if gunicorn changes what they rely on).

- A worker whose render slot is busy lets an idle worker take a new connection first: it
  waits a few milliseconds before ``accept``, so connections go where a CPU is free. When
  every worker is busy, each still accepts, and its other threads answer health checks at
  once and hold the requests that wait for the slot (or answer them 503).
- On SIGTERM it takes the connections already waiting in the kernel's queue, then closes
  its listening sockets: a request that arrives during the drain is refused at once
  (connection refused) instead of waiting to be reset, and none that was queued is lost.
"""

from __future__ import annotations

import errno
import time

from gunicorn.glogging import Logger
from gunicorn.workers.gthread import ThreadWorker

from . import capacity

ACCEPT_DEFER_S = 0.005


class RenderWorker(ThreadWorker):
    def accept(self, listener):
        if capacity.SLOTS.busy:
            time.sleep(ACCEPT_DEFER_S)  # an idle worker, if there is one, takes it meanwhile
        super().accept(listener)

    def handle_exit(self, sig, frame):
        if self.alive:
            self.method_queue.defer(self._stop_listening)
        super().handle_exit(sig, frame)

    def _stop_listening(self) -> None:
        if not self._accepting:
            return
        for listener in self.sockets:
            while True:  # what the kernel already queued is served during the drain
                try:
                    before = self.nr_conns
                    super().accept(listener)
                    if self.nr_conns == before:
                        break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK):
                        raise
                    break
        self.set_accept_enabled(False)
        for listener in self.sockets:
            listener.close()


class GunicornLogger(Logger):
    """gunicorn's own messages through the application's handler (JSON or text, one line)."""

    def setup(self, cfg):
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            logger.handlers[:] = []
            logger.propagate = True
