"""`renderer serve`: the Falcon app under gunicorn, and the batch runner beside it.

Processes:

- gunicorn's **master** starts the **batch runner** first (a child process, on the other
  core while the master works), then imports the code and warms one pipeline
  (``preload_app``: templates compiled, stylesheets parsed, one document per format, the
  layers of the warm cache read back) before it listens, and forks the HTTP workers from
  that warm state. Layers the cache lacks (a first start, an upgrade) are drawn in the
  background by ``renderer warm --background`` at a lower priority; until each is stored, a
  request that needs it draws it itself. It supervises the runner: restarted with backoff whenever it exits, left
  running across a reload (HUP) and worker recycling, stopped cleanly on SIGTERM (its
  chunks simply stay pending).
- each **HTTP worker** (``RenderWorker``, threads) puts its app around the master's warm
  pipeline after the fork and is ready at once; none warms on its own (``--dev`` excepted:
  its templates change under it). A worker is replaced after ``max_requests`` (with jitter)
  or when its resident memory passes ``max_worker_rss_mib`` after a request.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import subprocess
import sys
import threading
import time

from gunicorn.app.base import BaseApplication

from ..logs import configure_logging
from ..settings import Settings

log = logging.getLogger("obrazci.server")

RUNNER_BACKOFF_S = (1, 2, 5, 10, 30)  # waits before restarting a runner that exited
RUNNER_HEALTHY_S = 60  # a runner that lived this long starts the backoff anew


class RunnerSupervisor:
    """In gunicorn's master: runs the batch runner as a child process (``python -m
    renderer.batch.runner``, reading the same settings from the environment) and starts it
    again, with backoff, whenever it exits.

    A plain subprocess, not a multiprocessing one: gunicorn's workers are forked from the
    master, and multiprocessing would have each of them try to join the runner at exit.
    gunicorn's master reaps every child that exits, this one too; ``Popen.poll`` still
    sees it go.
    """

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._process: subprocess.Popen | None = None
        self._started = 0.0
        self._thread: threading.Thread | None = None

    def launch(self) -> None:
        """Start the runner now, from the main thread, before anything else of the service."""
        self._started = time.monotonic()
        # the settings reach it through the environment (serve() exported them)
        self._process = subprocess.Popen([sys.executable, "-m", "renderer.batch.runner"])

    def start(self) -> None:
        """Watch the runner (and start it, if ``launch`` did not) from a thread."""
        self._thread = threading.Thread(
            target=self._supervise, name="batch-runner-supervisor", daemon=True
        )
        self._thread.start()

    def _supervise(self) -> None:
        from .. import metrics

        failures = 0
        while not self._stop.is_set():
            if self._process is None:
                self.launch()
            assert self._process is not None
            started = self._started
            while not self._stop.is_set() and self._process.poll() is None:
                self._stop.wait(0.5)
            if self._stop.is_set():
                self._end(self._process)
                return
            if time.monotonic() - started > RUNNER_HEALTHY_S:
                failures = 0
            pause = RUNNER_BACKOFF_S[min(failures, len(RUNNER_BACKOFF_S) - 1)]
            failures += 1
            metrics.RESTARTS.labels("batch-runner").inc()
            log.error(
                "the batch runner (pid %d) exited; starting it again in %d s",
                self._process.pid,
                pause,
            )
            self._process = None
            self._stop.wait(pause)

    @staticmethod
    def _end(process: subprocess.Popen, timeout: float = 30) -> None:
        """Stop the runner from this thread: the runner dies with the thread that started it
        (PR_SET_PDEATHSIG is per thread), so the thread must outlive its clean stop."""
        if process.poll() is None:
            process.terminate()  # SIGTERM: it finishes the step it is in and stops its workers
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=45)


class _LazyApp:
    """The WSGI callable gunicorn's master holds; each worker puts its own app in after the
    fork (``post_worker_init``), so nothing built for rendering is shared between processes."""

    def __init__(self):
        self.app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


class Service(BaseApplication):
    def __init__(self, settings: Settings, batches: bool = True, dev: bool = False):
        self.settings = settings
        self.batches = batches
        self.dev = dev
        self.supervisor = RunnerSupervisor() if batches else None
        self.pipeline = None  # the master's warm pipeline (not with --dev)
        self.drawer: subprocess.Popen | None = None  # `renderer warm --background`, if started
        self.warm_error: str | None = None
        super().__init__()

    def load_config(self):
        s = self.settings
        values = {
            "bind": f"{s.host}:{s.port}",
            "workers": s.workers,
            "worker_class": "renderer.http.worker.RenderWorker",
            "threads": s.threads,
            "worker_connections": 2
            * s.threads,  # open connections (kept alive, or waiting for a thread)
            "timeout": 30,  # the worker's heartbeat; renders have their own deadline (capacity.py)
            "graceful_timeout": math.ceil(s.graceful_timeout_s),
            "keepalive": 5,
            "max_requests": s.max_requests,
            "max_requests_jitter": s.max_requests_jitter,
            "preload_app": True,
            "limit_request_line": 8190,
            "accesslog": None,  # one JSON line per request comes from the app (observe.py)
            "errorlog": "-",
            "loglevel": s.log_level,
            # gunicorn 27's control socket (~/.gunicorn) is shared per host: not wanted
            # gunicorn 27's ~/.gunicorn control socket, shared per host
            "control_socket_disable": True,
            "proc_name": "obrazci",
            "logger_class": "renderer.http.worker.GunicornLogger",
            "when_ready": self._when_ready,
            "on_exit": self._on_exit,
            "post_worker_init": self._post_worker_init,
            "post_request": self._post_request,
            "child_exit": self._child_exit,
        }
        for name, value in values.items():
            self.cfg.set(name, value)

    def load(self):
        """In the master, before it listens and forks: the runner started, the code imported
        and (not with --dev) one pipeline warmed, which every worker then shares. A SIGTERM
        meanwhile (``serve`` set its handler; gunicorn's own comes once it listens) ends it
        at once, exit 0."""
        log.info("starting: the pipeline is warmed before the service listens")
        from .. import ffiload
        from ..warmcache import WarmCache

        if self.supervisor is not None:
            self.supervisor.launch()
        cache = WarmCache(self.settings.data_dir / "cache")
        ffiload.install(cache.cdefs)
        if not self.dev and not cache.complete():  # a first start, or after an upgrade
            self.drawer = subprocess.Popen(
                [sys.executable, "-m", "renderer", "warm", "--background"]
            )
        from ..pipeline import Pipeline
        from . import app  # noqa: F401 - imported once, here, for every worker

        if self.settings.signing_config is not None:  # pyHanko, which only signing loads
            from ..sign import pades, signer, verify  # noqa: F401

        if not self.dev:
            started = time.perf_counter()
            self.pipeline = Pipeline(self.settings.limits(), cache)
            try:
                missing = self.pipeline.warm(draw_layers=False)
            except Exception as exc:  # noqa: BLE001 - a failed warm-up leaves slower first renders, not a dead service
                log.exception("warm-up failed")
                self.warm_error = f"{type(exc).__name__}: {exc}"
                missing = 0
            log.info("warm in %.1f s", time.perf_counter() - started)
            if missing:
                log.info(
                    "%d layers are not in the warm cache yet: drawn in the background, or by "
                    "the first request that needs one",
                    missing,
                )
        return _LazyApp()

    # -- the master -------------------------------------------------------------------

    def _when_ready(self, server) -> None:
        if self.supervisor is not None:
            self.supervisor.start()
        log.info(
            "listening on %s:%d with %d workers; batches %s",
            self.settings.host,
            self.settings.port,
            self.settings.workers,
            "beside" if self.batches else "elsewhere",
        )

    def _on_exit(self, server) -> None:
        if self.drawer is not None and self.drawer.poll() is None:
            self.drawer.terminate()  # what it stored so far is whole; the next start draws the rest
            self.drawer.wait()
        if self.supervisor is not None:
            self.supervisor.stop()
        log.info("stopped")

    def _child_exit(self, server, worker) -> None:
        from .. import metrics

        metrics.process_exited(worker.pid)
        metrics.RESTARTS.labels("http-worker").inc()

    # -- each HTTP worker -------------------------------------------------------------

    def _post_worker_init(self, worker) -> None:
        from .. import weasycompat
        from ..pipeline import Pipeline
        from .app import create_app

        if self.pipeline is not None:  # the master's, warm: its font files stay the master's
            weasycompat.disown_font_files(self.pipeline.renderer.font_config)
        worker.wsgi.app = create_app(
            pipeline=self.pipeline or Pipeline(self.settings.limits()),
            settings=self.settings,
            dev=self.dev,
            warm_error=self.warm_error,
            runner_beside=self.batches,
        )

    def _post_request(self, worker, req, environ, resp) -> None:
        from .. import metrics

        resident = metrics.note_memory("http")
        if resident > self.settings.max_worker_rss_mib * 2**20 and worker.alive:
            log.warning(
                "worker %d holds %d MiB, above %d MiB: it is replaced",
                os.getpid(),
                resident // 2**20,
                self.settings.max_worker_rss_mib,
            )
            worker.alive = False


def _stop_starting(signum, frame) -> None:
    """SIGTERM before the service listens: nothing is in flight, so stop now, cleanly (the
    runner and the layer drawer end with this process)."""
    log.info("stopped while starting")
    raise SystemExit(0)


def serve(settings: Settings, batches: bool = True, dev: bool = False) -> None:
    """Run the service until SIGTERM/SIGINT. ``batches``: run the batch runner here;
    ``dev``: the studio's live templates (renderer/studio/devreload.py), never in production.
    PROMETHEUS_MULTIPROC_DIR must be set before this module is imported (``cli.py`` does)."""
    signal.signal(signal.SIGTERM, _stop_starting)  # until gunicorn listens and sets its own
    os.environ.update(settings.environment())  # the workers and the runner read the same settings
    configure_logging(settings.log_level, settings.log_format)
    if batches:
        from ..batch.runner import lock_data_dir

        lock_data_dir(
            settings.data_dir
        ).close()  # fail now if another runner owns the data directory
    Service(settings, batches, dev).run()
