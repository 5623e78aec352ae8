"""Executors run tasks; only task ids cross a process boundary, never documents.

``ProcessExecutor`` keeps one worker process per core. Each worker holds a warm pipeline
and is given one task at a time through its own queue, so the executor always knows which
task a worker holds: if the worker dies (``kill -9``, out of memory) the task is reported
``lost`` and the runner puts it back. A worker retires after ``max_chunks_per_worker``
tasks or when its resident memory passes ``max_worker_rss_mib`` (WeasyPrint processes grow
over time), and a fresh one takes its place.

``InlineExecutor`` runs a task in the caller's thread (tests, one-off runs). A distributed
engine would be a third implementation of the same three methods.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import queue
import resource
import signal
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from .outputs import LocalOutputs
from .specs import EngineSpec
from .store import Store
from .tasks import Task, TaskContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    task: Task
    kind: str  # "done", "error" (the task raised; detail says what) or "lost" (its worker died)
    detail: str = ""


class Executor(Protocol):
    capacity: int

    def submit(self, task: Task) -> None: ...
    def poll(self, timeout: float) -> list[Event]: ...
    def close(self) -> None: ...


class InlineExecutor:
    capacity = 1

    def __init__(self, context: TaskContext):
        self.context = context
        self.events: list[Event] = []

    def submit(self, task: Task) -> None:
        try:
            self.context.run(task)
            self.events.append(Event(task, "done"))
        except Exception as exc:
            log.exception("task %s", task)
            self.events.append(Event(task, "error", f"{type(exc).__name__}: {exc}"))

    def poll(self, timeout: float) -> list[Event]:
        events, self.events = self.events, []
        return events

    def close(self) -> None:
        pass


def die_with_parent() -> None:
    """Linux: the kernel kills this process when its parent dies, so no orphan keeps
    working on a chunk that a restarted service also renders."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def rss_mib() -> float:
    """This process's resident memory now (from /proc), or its peak where /proc is missing."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker(slot: int, engine: EngineSpec, tasks, events) -> None:
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    context = TaskContext(engine, Store(engine.database), LocalOutputs(engine.outputs))
    done = 0
    while True:
        task = tasks.get()
        if task is None:
            return
        try:
            context.run(task)
            kind, detail = "done", ""
        except Exception as exc:
            log.exception("task %s", task)
            kind, detail = "error", f"{type(exc).__name__}: {exc}"
        done += 1
        memory = rss_mib()
        retire = done >= engine.max_chunks_per_worker or memory > engine.max_worker_rss_mib
        events.put((slot, task, kind, detail, memory, retire))
        if retire:
            return


class _Slot:
    def __init__(self, process, tasks):
        self.process = process
        self.tasks = tasks
        self.task: Task | None = None
        self.peak_rss_mib = 0.0


class ProcessExecutor:
    def __init__(self, engine: EngineSpec, processes: int | None = None):
        self.engine = engine
        self.capacity = processes or engine.workers
        self._mp = multiprocessing.get_context("spawn")
        self._events = self._mp.Queue()
        self._waiting: deque[Task] = deque()
        self._slots: dict[int, _Slot] = {}
        self.started = 0  # worker processes started so far (recycling shows here)
        self.peak_rss_mib = 0.0
        for slot in range(self.capacity):
            self._start(slot)

    def _start(self, slot: int) -> None:
        tasks = self._mp.SimpleQueue()
        process = self._mp.Process(target=_worker, args=(slot, self.engine, tasks, self._events),
                                   name=f"obrazci-batch-worker-{slot}", daemon=True)
        process.start()
        self._slots[slot] = _Slot(process, tasks)
        self.started += 1

    def submit(self, task: Task) -> None:
        self._waiting.append(task)
        self._assign()

    def _assign(self) -> None:
        for slot in self._slots.values():
            if slot.task is None and self._waiting and slot.process.is_alive():
                slot.task = self._waiting.popleft()
                slot.tasks.put(slot.task)

    def poll(self, timeout: float) -> list[Event]:
        events = self._drain(timeout)
        dead = [number for number, slot in self._slots.items() if not slot.process.is_alive()]
        if dead:
            events += self._drain(0)  # what a worker sent just before it exited is in the pipe
        for number in dead:
            slot = self._slots[number]
            slot.process.join()
            if slot.task is not None:
                log.warning("worker %d died (exit %s) holding %s", slot.process.pid, slot.process.exitcode, slot.task)
                events.append(Event(slot.task, "lost", f"worker exited with {slot.process.exitcode}"))
            self._start(number)
        self._assign()
        return events

    def _drain(self, timeout: float) -> list[Event]:
        events = []
        try:
            message = self._events.get(timeout=timeout) if timeout else self._events.get_nowait()
            while True:
                event = self._received(*message)
                if event is not None:
                    events.append(event)
                message = self._events.get_nowait()
        except queue.Empty:
            pass
        return events

    def _received(self, number, task, kind, detail, memory, retire) -> Event | None:
        slot = self._slots[number]
        if slot.task != task:
            return None  # already reported lost
        slot.task = None
        self.peak_rss_mib = max(self.peak_rss_mib, memory)
        if retire:
            slot.process.join(timeout=30)
        return Event(task, kind, detail)

    def close(self) -> None:
        for slot in self._slots.values():
            if slot.process.is_alive():
                slot.tasks.put(None)
        for slot in self._slots.values():
            slot.process.join(timeout=10)
            if slot.process.is_alive():
                slot.process.kill()
