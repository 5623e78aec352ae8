"""Executors run tasks; only task ids cross a process boundary, never documents.

``ProcessExecutor`` keeps one worker process per core. Each worker holds a warm pipeline
and is given one task at a time through its own queue, so the executor always knows which
task a worker holds: if the worker dies (``kill -9``, out of memory) the task is reported
``lost`` and the runner puts it back. Each worker has its own pipe (no queue shared by all
workers, which a worker killed while holding its lock would leave blocked for every other),
and each task a deadline (``task_deadline_s``) after which its worker is killed
(``timeout``). A worker retires after ``max_chunks_per_worker`` tasks or when its resident
memory passes ``max_worker_rss_mib`` (WeasyPrint processes grow over time), and a fresh one
takes its place.

``InlineExecutor`` runs a task in the caller's thread (tests, one-off runs). A distributed
engine would be a third implementation of the same three methods.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import TYPE_CHECKING, Protocol

from ..metrics import resident_bytes
from .outputs import LocalOutputs
from .specs import EngineSpec
from .store import Store
from .work import Task

if TYPE_CHECKING:  # the rendering code: imported by the workers, not by the runner
    from .tasks import TaskContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    task: Task
    kind: str  # "done", "error" (the task raised; detail says what), "lost" (its worker died:
    #            killed from outside, out of memory) or "timeout" (killed at its deadline)
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
    """This process's resident memory now, in MiB."""
    return resident_bytes() / 2**20


def _worker(slot: int, engine: EngineSpec, conn, niceness: int = 0) -> None:
    die_with_parent()
    if niceness:
        os.nice(niceness)
    from .. import ffiload
    from ..warmcache import WarmCache

    ffiload.install(WarmCache(engine.data_dir / "cache").cdefs)
    from .tasks import TaskContext

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    context = TaskContext(engine, Store(engine.database), LocalOutputs(engine.outputs))
    done = 0
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return  # the runner is gone
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
        conn.send((task, kind, detail, memory, retire))
        if retire:
            return


class _Slot:
    """One worker process and the pipe to it (its own: a worker killed while writing breaks
    only its own pipe, which dies with it)."""

    def __init__(self, process, conn):
        self.process = process
        self.conn = conn
        self.task: Task | None = None
        self.since = 0.0  # when the task was handed over (monotonic)
        self.retiring = False  # said it exits after its last task: give it no other


class ProcessExecutor:
    """``niceness``: the workers' CPU priority below the runner's (``os.nice``), e.g. so that
    batch work beside the service yields the CPU to its HTTP requests."""

    def __init__(self, engine: EngineSpec, processes: int | None = None, niceness: int = 0):
        self.engine = engine
        self.niceness = niceness
        self.capacity = processes or engine.workers
        self._mp = multiprocessing.get_context("spawn")
        self._waiting: deque[Task] = deque()
        self._slots: dict[int, _Slot] = {}
        self.started = 0  # worker processes started so far (recycling shows here)
        self.peak_rss_mib = 0.0
        for slot in range(self.capacity):
            self._start(slot)

    def _start(self, slot: int) -> None:
        parent, child = self._mp.Pipe(duplex=True)
        process = self._mp.Process(
            target=_worker,
            args=(slot, self.engine, child, self.niceness),
            name=f"obrazci-batch-worker-{slot}",
            daemon=True,
        )
        process.start()
        child.close()
        self._slots[slot] = _Slot(process, parent)
        self.started += 1

    def submit(self, task: Task) -> None:
        self._waiting.append(task)
        self._assign()

    def _assign(self) -> None:
        for slot in self._slots.values():
            if slot.task is None and not slot.retiring and self._waiting:
                task = self._waiting.popleft()
                try:
                    slot.conn.send(task)
                except OSError:  # the worker just died: the task waits for its replacement
                    self._waiting.appendleft(task)
                    continue
                slot.task, slot.since = task, time.monotonic()

    def poll(self, timeout: float) -> list[Event]:
        waitables = [s.conn for s in self._slots.values()] + [
            s.process.sentinel for s in self._slots.values()
        ]
        ready = set(wait(waitables, timeout))
        events: list[Event] = []
        for number, slot in list(self._slots.items()):
            exited = slot.process.sentinel in ready
            if slot.conn in ready or exited:
                events += self._receive(slot)
            if exited or (
                slot.retiring and slot.task is None
            ):  # a retiring worker is replaced at once
                self._replace(number, events, "lost", None)
            elif (
                slot.task is not None
                and time.monotonic() - slot.since > self.engine.task_deadline_s
            ):
                log.warning(
                    "worker %d passed the %g s deadline on %s: killed",
                    slot.process.pid,
                    self.engine.task_deadline_s,
                    slot.task,
                )
                slot.process.kill()
                self._replace(
                    number,
                    events,
                    "timeout",
                    f"passed its deadline of {self.engine.task_deadline_s:g} s",
                )
        self._assign()
        return events

    def _receive(self, slot: _Slot) -> list[Event]:
        """What the worker sent (nothing if it died before or while sending)."""
        events = []
        try:
            while slot.conn.poll(0):
                task, kind, detail, memory, retire = slot.conn.recv()
                slot.retiring = slot.retiring or retire
                if task == slot.task:
                    slot.task = None
                    self.peak_rss_mib = max(self.peak_rss_mib, memory)
                    events.append(Event(task, kind, detail))
        except (EOFError, OSError):
            pass
        return events

    def _replace(self, number: int, events: list[Event], kind: str, detail: str | None) -> None:
        slot = self._slots[number]
        slot.process.join(timeout=30)
        slot.conn.close()
        if slot.task is not None:
            exitcode = slot.process.exitcode
            if kind == "lost":
                log.warning(
                    "worker %d died (exit %s) holding %s", slot.process.pid, exitcode, slot.task
                )
            events.append(Event(slot.task, kind, detail or f"worker exited with {exitcode}"))
        self._start(number)

    def close(self) -> None:
        for slot in self._slots.values():
            try:
                slot.conn.send(None)
            except OSError:
                pass
        for slot in self._slots.values():
            slot.process.join(timeout=10)
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join(timeout=5)
            slot.conn.close()
