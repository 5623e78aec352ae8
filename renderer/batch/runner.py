"""The batch runner: one per data directory. It finds the chunks still to render and the
batches ready to package, hands them to the executor and takes back what finished.

Everything it knows at start comes from the store, so after a crash (of the runner, the
whole service, or a worker) a new runner simply carries on: a chunk is pending until its
task committed its records, and a task that runs again writes the same files. A cancelled
batch's files are removed once none of its tasks is in flight; webhooks are delivered by a
thread beside the loop (delivery.py), from the store's outbox.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from pathlib import Path

from .delivery import Deliverer
from .executor import Event, Executor
from .outputs import LocalOutputs, Outputs
from .retention import expire_collected, purge_cancelled
from .store import Store
from .work import ChunkTask, PackageTask, Task, chunk_keys

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # a chunk or package that raises or passes its deadline this often gives up
MAX_LOST = 10  # … or whose worker is killed from outside (kill -9, out of memory) this often
STORE_BACKOFF_S = (0.5, 1, 2, 5, 10, 30)  # waits after consecutive store errors
BESIDE_SERVICE_NICENESS = 10  # how much lower the batch workers beside the service run


class RunnerBusy(RuntimeError):
    pass


def lock_data_dir(data_dir: Path):
    """An exclusive lock held while this process runs batches in ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = open(data_dir / "runner.lock", "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise RunnerBusy(f"another batch runner is using {data_dir}") from None
    return handle


class Runner:
    """``outputs``: where a chunk's files go, so that a chunk given up, or a cancelled batch,
    leaves none behind; ``deliverer``: the webhooks' (run beside ``run_forever``)."""

    def __init__(
        self,
        store: Store,
        executor: Executor,
        outputs: Outputs | None = None,
        heartbeat: Path | None = None,
        retention_s: float | None = None,
        deliverer: Deliverer | None = None,
    ):
        self.store = store
        self.retention_s = retention_s
        self.executor = executor
        self.outputs = outputs
        self.heartbeat = heartbeat
        self.deliverer = deliverer
        self.inflight: set[Task] = set()
        self.failures: dict[Task, dict[str, int]] = {}
        self._beat, self._state = 0.0, ""

    def step(self, timeout: float = 0.2) -> int:
        """Submit what can run, collect what finished; returns the number of tasks in flight."""
        for batch, chunk in self.store.runnable_chunks():
            if len(self.inflight) >= 2 * self.executor.capacity:
                break
            task: Task = ChunkTask(batch, chunk)
            if task not in self.inflight:
                self.store.start(batch)
                self._submit(task)
        for batch in self.store.batches_to_package():
            task = PackageTask(batch)
            if task not in self.inflight:
                self._submit(task)
        for event in self.executor.poll(timeout if self.inflight else 0):
            self._finished(event)
        if self.outputs is not None:
            purge_cancelled(self.store, self.outputs, self._working_on)
        return len(self.inflight)

    def _working_on(self, batch_id: str) -> bool:
        return any(task.batch == batch_id for task in self.inflight)

    def _submit(self, task: Task) -> None:
        self.inflight.add(task)
        self.executor.submit(task)

    def _finished(self, event: Event) -> None:
        self.inflight.discard(event.task)
        if event.kind == "done":
            self.failures.pop(event.task, None)
            return
        # a worker killed from outside is not the task's fault: counted apart, with a higher limit
        kind = "lost" if event.kind == "lost" else "failed"
        limit = MAX_LOST if kind == "lost" else MAX_ATTEMPTS
        counts = self.failures.setdefault(event.task, {})
        count = counts[kind] = counts.get(kind, 0) + 1
        log.warning("%s %s (%d of %d): %s", event.task, event.kind, count, limit, event.detail)
        if count < limit:
            return  # still pending in the store: the next step submits it again
        del self.failures[event.task]
        reason = f"rendering stopped {count} times ({event.detail})"
        if isinstance(event.task, ChunkTask):
            self._give_up(event.task, reason)
        else:
            self.store.finish_batch(event.task.batch, "failed", None, f"packaging failed: {reason}")

    def _give_up(self, task: ChunkTask, reason: str) -> None:
        """The chunk's pending records fail; files an attempt wrote but never committed go."""
        keys: list[str] = []
        batch = self.store.batch(task.batch)
        if batch is not None and self.outputs is not None:
            pending = self.store.records(task.batch, task.chunk, state="pending")
            keys = chunk_keys(batch, task.chunk, [r.index for r in pending])
        self.store.fail_chunk(task.batch, task.chunk, reason)
        if self.outputs is not None:
            for key in keys:
                self.outputs.delete(key)

    def beat(self, state: str = "ok") -> None:
        """Say the runner lives (once a second, and at once when its state changes):
        readiness reads this."""
        now = time.time()
        if self.heartbeat is None or (now - self._beat < 1 and state == self._state):
            return
        self._beat, self._state = now, state
        temporary = self.heartbeat.with_name(f".{self.heartbeat.name}.tmp")
        temporary.write_text(
            json.dumps(
                {"pid": os.getpid(), "time": now, "state": state, "workers": self.executor.capacity}
            )
        )
        temporary.replace(self.heartbeat)

    def run_until_idle(self, timeout: float = 0.05) -> None:
        """Run until nothing is left to do (tests, the CLI)."""
        while self.step(timeout) or self.store.runnable_chunks() or self.store.batches_to_package():
            pass

    def run_forever(self, stop: threading.Event, idle_s: float = 0.25) -> None:
        """Until ``stop``; a store error (locked, unreachable) is retried with backoff, never
        fatal. Once a minute: submits abandoned mid-upload dropped, retention applied. The
        deliverer's thread runs until ``stop`` too."""
        delivering = self.deliverer.start(stop) if self.deliverer is not None else None
        try:
            self._loop(stop, idle_s)
        finally:
            if delivering is not None:
                delivering.join(timeout=30)

    def _loop(self, stop: threading.Event, idle_s: float) -> None:
        errors, swept = 0, 0.0
        while not stop.is_set():
            try:
                if time.monotonic() - swept > 60:
                    self.store.sweep_abandoned()
                    if self.outputs is not None and self.retention_s is not None:
                        expire_collected(self.store, self.outputs, self.retention_s)
                    swept = time.monotonic()
                busy = self.step()
                errors = 0
                self.beat()
            except Exception as exc:  # noqa: BLE001 - the runner must outlive any store error
                wait = STORE_BACKOFF_S[min(errors, len(STORE_BACKOFF_S) - 1)]
                errors += 1
                log.warning("batch runner: %s: %s; retrying in %g s", type(exc).__name__, exc, wait)
                self.beat(f"error: {type(exc).__name__}: {exc}")
                stop.wait(wait)
                continue
            if not busy:
                stop.wait(idle_s)


def run_batches(engine, stop: threading.Event | None = None, niceness: int = 0) -> None:
    """The runner process: hold the data directory's lock, start the workers (``niceness``
    below its own priority), run until ``stop`` is set or SIGTERM/SIGINT arrives."""
    import signal

    from .executor import ProcessExecutor

    stop = stop or threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    lock = lock_data_dir(engine.data_dir)
    store = Store(engine.database)
    deliverer = Deliverer.configured(store, engine.webhooks)
    executor = ProcessExecutor(engine, niceness=niceness)
    try:
        log.info("batch runner: %d workers on %s", executor.capacity, engine.data_dir)
        Runner(
            store,
            executor,
            LocalOutputs(engine.outputs),
            engine.heartbeat,
            engine.retention_s,
            deliverer,
        ).run_forever(stop)
    finally:
        executor.close()
        lock.close()


def run_beside_service(engine) -> None:
    """The runner as the service's child: it dies with the service (and its workers with it),
    and its workers render at a lower priority than the service's HTTP requests
    (``BESIDE_SERVICE_NICENESS``): an interactive request never waits behind a batch."""
    from .executor import die_with_parent

    die_with_parent()
    run_batches(engine, niceness=BESIDE_SERVICE_NICENESS)


if __name__ == "__main__":  # the runner that `renderer serve` starts beside the service
    from ..logs import configure_from_environment
    from ..settings import Settings

    configure_from_environment()
    run_beside_service(Settings.load().engine())
