"""Render slots: how many renders one HTTP worker process runs at once (one: rendering is
CPU-bound and holds the GIL), how long a request may wait for one, and a watchdog for a
render that never ends.

A request that would wait longer than ``wait_s`` is answered 503 with ``Retry-After``
instead of queueing without limit. A render still running ``deadline_s`` + 10 s after it
started means the worker is stuck (a pathological input, a library loop): the watchdog
ends the process and gunicorn's master starts a fresh one.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import falcon

from .problems import Problem

log = logging.getLogger(__name__)

STUCK_GRACE_S = 10.0


class RenderSlots:
    def __init__(self, count: int = 1, wait_s: float = 10.0, deadline_s: float = 60.0):
        self.count = count
        self.wait_s = wait_s
        self.deadline_s = deadline_s
        self._free = threading.BoundedSemaphore(count)
        self._lock = threading.Lock()
        self._running: dict[int, float] = {}  # thread id -> when its render started (monotonic)
        self._watchdog: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        """Every slot of this process is rendering."""
        return len(self._running) >= self.count

    @contextmanager
    def held(self, watched: bool = True) -> Iterator[None]:
        """Hold a slot for a render, or raise the 503 that says when to come back.
        ``watched=False``: work that has no deadline (the warm-up at start)."""
        if not self._free.acquire(timeout=self.wait_s):
            retry = max(1, round(self.deadline_s / 4))
            raise Problem(
                falcon.HTTP_503,
                "Busy",
                f"every render slot is busy; retry in {retry} s",
                [{"detail": f"no render slot became free within {self.wait_s:g} s"}],
                headers={"Retry-After": str(retry)},
            )
        with self._lock:
            self._running[threading.get_ident()] = time.monotonic() if watched else float("inf")
            if watched:
                self._start_watchdog()
        try:
            yield
        finally:
            with self._lock:
                self._running.pop(threading.get_ident(), None)
            self._free.release()

    def _start_watchdog(self) -> None:
        if self._watchdog is None or not self._watchdog.is_alive():
            self._watchdog = threading.Thread(
                target=self._watch, name="render-watchdog", daemon=True
            )
            self._watchdog.start()

    def _watch(self) -> None:
        while True:
            time.sleep(1)
            with self._lock:
                oldest = min(self._running.values(), default=None)
            if oldest is not None and time.monotonic() - oldest > self.deadline_s + STUCK_GRACE_S:
                log.critical(
                    "a render has run %.0f s (deadline %g s): this worker is replaced",
                    time.monotonic() - oldest,
                    self.deadline_s,
                )
                logging.shutdown()
                os._exit(70)


#: This process's slots; ``configure`` sets them from the settings when the app is made.
SLOTS = RenderSlots()


def configure(count: int, wait_s: float, deadline_s: float) -> RenderSlots:
    global SLOTS
    SLOTS = RenderSlots(count, wait_s, deadline_s)
    return SLOTS


def render_slot():
    """``with render_slot(): …`` around every render, signature and verification."""
    return SLOTS.held()
