"""The batch engine's rules under failure: deadlines, kills that are not the record's fault,
store errors, and a slow upload that must not hold the store."""

from __future__ import annotations

import io
import json
import threading
import time

from renderer.batch.executor import Event, ProcessExecutor
from renderer.batch.runner import MAX_ATTEMPTS, MAX_LOST, Runner
from renderer.batch.service import BatchService, batch_spec
from renderer.batch.specs import Access, EngineSpec
from renderer.batch.store import Store
from renderer.batch.work import ChunkTask
from renderer.registry import Registry

from .conftest import sample


def records(n: int) -> bytes:
    data = sample("sign.name-plate")["data"]
    return json.dumps([dict(data, name=f"Oseba {i}") for i in range(n)]).encode()


def submit(service: BatchService, n: int):
    spec = batch_spec(Registry(), "sign.name-plate", ("sl",))
    batch, _ = service.submit(spec, "anonymous", None, io.BytesIO(records(n)), "application/json")
    return batch


class ScriptedExecutor:
    """Answers every task with the next event kind of a script."""

    capacity = 1

    def __init__(self, kinds: list[str]):
        self.kinds = kinds
        self.events: list[Event] = []

    def submit(self, task):
        self.events.append(Event(task, self.kinds.pop(0), "scripted"))

    def poll(self, timeout):
        events, self.events = self.events, []
        return events

    def close(self):
        pass


def run(runner: Runner, steps: int) -> None:
    for _ in range(steps):
        runner.step(0)


def test_kills_from_outside_are_not_the_records_fault(tmp_path):
    service = BatchService(EngineSpec(data_dir=tmp_path), Access())
    batch = submit(service, 3)
    runner = Runner(service.store, ScriptedExecutor(["lost"] * (MAX_LOST - 1)), service.outputs)
    run(runner, MAX_LOST - 1)
    assert service.store.counts(batch.id) == {
        "pending": 3,
        "done": 0,
        "failed": 0,
    }  # still to render
    runner.executor.kinds = ["error"] * MAX_ATTEMPTS
    run(runner, MAX_ATTEMPTS)
    failed = service.store.failures(batch.id)
    assert len(failed) == 3 and "scripted" in failed[0].errors[0]["detail"]


def test_a_task_past_its_deadline_is_killed_counted_and_leaves_no_files(tmp_path):
    engine = EngineSpec(data_dir=tmp_path, chunk_size=40, workers=1, task_deadline_s=0.5)
    service = BatchService(engine, Access())
    batch = submit(service, 40)  # one chunk of 40 name plates: seconds, far past 0.5 s
    executor = ProcessExecutor(engine)
    try:
        runner = Runner(service.store, executor, service.outputs)
        end = time.monotonic() + 120
        while service.store.counts(batch.id)["pending"] and time.monotonic() < end:
            runner.step(0.2)
    finally:
        executor.close()
    failed = service.store.failures(batch.id)
    assert len(failed) == 40 and "deadline" in failed[0].errors[0]["detail"]
    assert executor.started == 1 + MAX_ATTEMPTS  # the first worker and one per kill
    records_dir = service.outputs.root / batch.id / "records"
    assert not records_dir.exists() or not list(records_dir.iterdir())  # nothing uncommitted stays


class FlakyStore(Store):
    """A store that says 'database is locked' a few times."""

    def __init__(self, path, failures: int):
        super().__init__(path)
        self.failures = failures

    def runnable_chunks(self):
        if self.failures:
            self.failures -= 1
            import sqlite3

            raise sqlite3.OperationalError("database is locked")
        return super().runnable_chunks()


def test_store_errors_are_retried_never_fatal(tmp_path, monkeypatch):
    import renderer.batch.runner as runner_module

    monkeypatch.setattr(runner_module, "STORE_BACKOFF_S", (0.01,))
    engine = EngineSpec(data_dir=tmp_path)
    store = FlakyStore(engine.database, failures=3)
    runner = Runner(store, ScriptedExecutor(["done"] * 10), heartbeat=engine.heartbeat)
    stop = threading.Event()
    thread = threading.Thread(target=runner.run_forever, args=(stop, 0.01))
    thread.start()
    end = time.monotonic() + 10
    while store.failures and time.monotonic() < end:
        time.sleep(0.01)
    time.sleep(0.1)
    stop.set()
    thread.join(timeout=10)
    assert store.failures == 0 and not thread.is_alive()
    assert json.loads(engine.heartbeat.read_text())["state"] == "ok"


def test_a_slow_upload_does_not_hold_the_store(tmp_path):
    """While a submit's records trickle in, the runner's writes go through at once."""
    service = BatchService(EngineSpec(data_dir=tmp_path, chunk_size=2), Access())
    running = submit(service, 4)
    arrived = threading.Event()

    class Trickle(io.RawIOBase):
        def __init__(self):
            self.lines = [
                json.dumps(sample("sign.name-plate")["data"]).encode() + b"\n" for _ in range(4)
            ]

        def readable(self):
            return True

        def readinto(self, buffer):
            if not self.lines:
                return 0
            time.sleep(0.5)
            line = self.lines.pop(0)
            buffer[: len(line)] = line
            arrived.set()
            return len(line)

    result = {}
    spec = batch_spec(Registry(), "sign.name-plate", ("sl",))
    upload = threading.Thread(
        target=lambda: result.update(
            batch=service.submit(
                spec, "anonymous", None, io.BufferedReader(Trickle()), "application/x-ndjson"
            )[0]
        )
    )
    upload.start()
    arrived.wait(10)
    started = time.perf_counter()
    service.store.start(running.id)  # a write: BEGIN IMMEDIATE
    service.store.finish_chunk(running.id, 0, [])
    waited = time.perf_counter() - started
    upload.join()
    assert waited < 0.5, waited
    batch = result["batch"]
    assert batch.state == "queued" and batch.total == 4
    assert service.store.batches_for_shop("nobody") == []


def test_an_abandoned_upload_is_swept(tmp_path):
    service = BatchService(EngineSpec(data_dir=tmp_path), Access())

    def dies():
        yield json.dumps(sample("sign.name-plate")["data"])
        raise KeyboardInterrupt  # the process goes away mid-upload

    spec = batch_spec(Registry(), "sign.name-plate", ("sl",))
    try:
        service.store.submit(spec, "anonymous", None, dies(), lambda: "", 100, 10)
    except KeyboardInterrupt:
        pass
    assert (
        service.store.read().execute("SELECT COUNT(*) FROM batches").fetchone()[0] == 0
    )  # removed at once
    # a staged batch whose process was killed (no except ran) is swept once idle
    with service.store.transaction() as db:
        db.execute(
            "INSERT INTO batches (id, spec, client, fingerprint, state, total, created, updated)"
            " VALUES ('bx', '{}', 'a', '', 'receiving', 0, 0, 0)"
        )
    assert service.store.sweep_abandoned(idle_s=60) == 1
    assert service.store.batch("bx") is None


def test_chunk_task_is_named_by_ids_only():
    assert ChunkTask("b0123", 7) == ChunkTask("b0123", 7)
    assert len(json.dumps(ChunkTask("b0123456789abcdef", 99999).__dict__)) < 64
