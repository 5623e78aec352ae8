"""The batch runner: one per data directory. It finds the chunks still to render and the
batches ready to package, hands them to the executor and takes back what finished.

Everything it knows at start comes from the store, so after a crash (of the runner, the
whole service, or a worker) a new runner simply carries on: a chunk is pending until its
task committed its records, and a task that runs again writes the same files.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from pathlib import Path

from .executor import Event, Executor
from .store import Store
from .tasks import ChunkTask, PackageTask, Task

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # a chunk or package that fails (or kills its worker) this often gives up


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
    def __init__(self, store: Store, executor: Executor):
        self.store = store
        self.executor = executor
        self.inflight: set[Task] = set()
        self.failures: dict[Task, int] = {}

    def step(self, timeout: float = 0.2) -> int:
        """Submit what can run, collect what finished; returns the number of tasks in flight."""
        for batch, chunk in self.store.runnable_chunks():
            if len(self.inflight) >= 2 * self.executor.capacity:
                break
            task = ChunkTask(batch, chunk)
            if task not in self.inflight:
                self.store.start(batch)
                self._submit(task)
        for batch in self.store.batches_to_package():
            task = PackageTask(batch)
            if task not in self.inflight:
                self._submit(task)
        for event in self.executor.poll(timeout if self.inflight else 0):
            self._finished(event)
        return len(self.inflight)

    def _submit(self, task: Task) -> None:
        self.inflight.add(task)
        self.executor.submit(task)

    def _finished(self, event: Event) -> None:
        self.inflight.discard(event.task)
        if event.kind == "done":
            self.failures.pop(event.task, None)
            return
        count = self.failures[event.task] = self.failures.get(event.task, 0) + 1
        log.warning("%s %s (%d of %d): %s", event.task, event.kind, count, MAX_ATTEMPTS, event.detail)
        if count < MAX_ATTEMPTS:
            return  # still pending in the store: the next step submits it again
        reason = f"rendering stopped {MAX_ATTEMPTS} times ({event.detail})"
        if isinstance(event.task, ChunkTask):
            self.store.fail_chunk(event.task.batch, event.task.chunk, reason)
        else:
            self.store.finish_batch(event.task.batch, "failed", None, f"packaging failed: {reason}")

    def run_until_idle(self, timeout: float = 0.05) -> None:
        """Run until nothing is left to do (tests, the CLI)."""
        while self.step(timeout) or self.store.runnable_chunks() or self.store.batches_to_package():
            pass

    def run_forever(self, stop: threading.Event, idle_s: float = 0.25) -> None:
        while not stop.is_set():
            if not self.step():
                stop.wait(idle_s)


def run_batches(engine, stop: threading.Event | None = None) -> None:
    """The runner process: hold the data directory's lock, start the workers, run until
    ``stop`` is set or SIGTERM/SIGINT arrives."""
    import signal

    from .executor import ProcessExecutor

    stop = stop or threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    lock = lock_data_dir(engine.data_dir)
    executor = ProcessExecutor(engine)
    try:
        log.info("batch runner: %d workers on %s", executor.capacity, engine.data_dir)
        Runner(Store(engine.database), executor).run_forever(stop)
    finally:
        executor.close()
        lock.close()


def run_beside_service(engine) -> None:
    """The runner as the service's child: it dies with the service (and its workers with it)."""
    from .executor import die_with_parent

    die_with_parent()
    run_batches(engine)
