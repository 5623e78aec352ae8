"""Cancelling a batch on both engines: nothing more is rendered, a chunk in flight commits
nothing and leaves no file, a packaging under way likewise, the print shop never sees the
job, a finished batch is refused, and cancelling twice changes nothing."""

from __future__ import annotations

import io
import json
import sqlite3
import threading
import time

from renderer.batch import tasks
from renderer.batch.executor import ProcessExecutor
from renderer.batch.runner import Runner
from renderer.batch.service import BatchService, batch_spec
from renderer.batch.specs import Access, EngineSpec
from renderer.batch.store import SCHEMA, Store
from renderer.registry import Registry

from .backends import BrokerDrain
from .batchenv import SHOP_A_KEY, plates, problem


def cancel(env, batch_id):
    return env.post(f"/v1/batches/{batch_id}/cancel")


def test_a_queued_batch_is_cancelled_and_nothing_of_it_rendered(env):
    batch = env.submit(plates(10)).json
    answer = cancel(env, batch["id"])
    assert answer.status_code == 200, answer.text
    status = answer.json
    assert status["state"] == "cancelled"
    assert status["counts"] == {"total": 10, "pending": 0, "done": 0, "failed": 0, "cancelled": 10}
    env.runner.run_until_idle()
    assert env.status(batch["id"]).json == status  # nothing ran, nothing changed
    assert env.stored(batch["id"]) == []
    again = cancel(env, batch["id"])  # cancelling twice: the same answer
    assert again.status_code == 200 and again.json == status
    listed = env.get("/v1/batches", state="cancelled").json["batches"]
    assert [b["id"] for b in listed] == [batch["id"]]


def test_records_not_rendered_yet_never_are_and_every_file_goes(env):
    batch = env.submit(plates(12), output="merged").json  # three chunks of 4
    env.runner.step()  # the first chunk rendered
    rendered = env.status(batch["id"]).json["counts"]["done"]
    assert 0 < rendered < 12 and env.stored(batch["id"])
    status = cancel(env, batch["id"]).json
    assert status["state"] == "cancelled" and status["counts"]["cancelled"] == 12 - rendered
    env.runner.run_until_idle()
    after = env.status(batch["id"]).json
    assert after["counts"] == status["counts"] and "files" not in after
    assert env.stored(batch["id"]) == []  # the records rendered before the cancel went too


def test_a_chunk_in_flight_commits_nothing_and_leaves_no_file(make_env):
    """The runner renders one chunk of 40 records in a thread; the cancel arrives once its
    first record's file is written: the chunk stops, commits none of its records and removes
    what it wrote (nothing half-written stays)."""
    env = make_env(chunk_size=40)
    batch = env.submit(plates(40)).json
    worker = threading.Thread(target=env.runner.step)
    worker.start()
    try:
        end = time.monotonic() + 120
        while not env.stored(batch["id"]) and time.monotonic() < end:
            time.sleep(0.02)
        assert env.stored(batch["id"]), "no record was rendered"
        assert cancel(env, batch["id"]).json["state"] == "cancelled"
    finally:
        worker.join(120)
    if isinstance(env.runner, BrokerDrain):  # the celery task's own verdict
        assert env.runner.results[0][2] == "cancelled"
    env.runner.run_until_idle()
    status = env.status(batch["id"]).json
    assert status["counts"] == {"total": 40, "pending": 0, "done": 0, "failed": 0, "cancelled": 40}
    assert env.stored(batch["id"]) == []


def test_a_packaging_under_way_leaves_no_job(make_env, monkeypatch):
    """The cancel arrives while the job's files are being written: the batch stays cancelled
    (never ready), and the files the packaging wrote go with the records'."""
    env = make_env()
    batch = env.submit(plates(3), output="merged").json
    manifest = tasks._manifest

    def cancelled_meanwhile(store, batch, *args):
        assert cancel(env, batch.id).json["state"] == "cancelled"
        return manifest(store, batch, *args)

    monkeypatch.setattr(tasks, "_manifest", cancelled_meanwhile)
    env.runner.run_until_idle()
    status = env.status(batch["id"]).json
    assert status["state"] == "cancelled" and "files" not in status
    assert status["counts"]["done"] == 3  # rendered before the cancel; their files are gone
    env.runner.run_until_idle()
    assert env.stored(batch["id"]) == []


def test_a_finished_batch_cannot_be_cancelled(env):
    batch = env.submit(plates(2)).json
    env.runner.run_until_idle()
    refused = problem(cancel(env, batch["id"]), 409)
    assert "ready" in refused["detail"] and refused["errors"]
    assert env.status(batch["id"]).json["state"] == "ready"
    problem(cancel(env, "no-such-batch"), 404)


def test_a_cancelled_batch_is_not_rerun_and_can_be_deleted(env):
    batch = env.submit(plates(4, broken={1})).json
    cancel(env, batch["id"])
    assert "cancelled" in problem(env.post(f"/v1/batches/{batch['id']}/rerun"), 409)["detail"]
    url = f"/v1/batches/{batch['id']}"
    deleted = env.client.simulate_delete(url, headers={"X-API-Key": "client-key"})
    assert deleted.status_code == 204
    assert env.status(batch["id"]).status_code == 404


def test_the_shop_never_sees_a_cancelled_batch_as_a_job(env):
    batch = env.submit(plates(5), shop="tiskarna-a").json
    jobs = env.get("/v1/print-jobs", key=SHOP_A_KEY).json["jobs"]
    assert [j["id"] for j in jobs] == [batch["id"]]
    cancel(env, batch["id"])
    env.runner.run_until_idle()
    for state in (None, "pending", "ready", "failed"):
        params = {"state": state} if state else {}
        assert env.get("/v1/print-jobs", key=SHOP_A_KEY, **params).json["jobs"] == []
    problem(env.get(f"/v1/print-jobs/{batch['id']}", key=SHOP_A_KEY), 404)
    problem(env.post(f"/v1/print-jobs/{batch['id']}/claim", key=SHOP_A_KEY), 404)
    # the client may delete it although the shop never collected it
    deleted = env.client.simulate_delete(
        f"/v1/batches/{batch['id']}", headers={"X-API-Key": "client-key"}
    )
    assert deleted.status_code == 204


def test_a_database_of_the_earlier_version_gets_the_new_columns(tmp_path):
    path = tmp_path / "batches.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(SCHEMA)  # the tables as the first version made them
    old.close()
    store = Store(path)
    columns = {row["name"] for row in store.read().execute("PRAGMA table_info(batches)")}
    assert {"callback_url", "shop_callback_url", "purge_outputs"} <= columns
    Store(path)  # opening it again adds nothing twice


def test_a_worker_process_stops_its_chunk_for_a_cancel(tmp_path):
    """The embedded engine as it runs: a worker process renders a chunk of 40; the cancel,
    from another process's point of view, stops it within its next check; nothing of the
    chunk is committed or left on disk, and the worker serves on."""
    engine = EngineSpec(data_dir=tmp_path, chunk_size=40, workers=1)
    service = BatchService(engine, Access())
    spec = batch_spec(Registry(), "sign.name-plate", ("sl",))
    body = io.BytesIO(json.dumps(plates(40)).encode())
    batch, _ = service.submit(spec, "anonymous", None, body, "application/json")
    executor = ProcessExecutor(engine)
    try:
        runner = Runner(service.store, executor, service.outputs)
        records = service.outputs.root / batch.id / "records"
        end = time.monotonic() + 180
        while not (records.exists() and any(records.iterdir())):
            assert time.monotonic() < end, "no record was rendered"
            runner.step(0.05)
        service.cancel(batch)
        while runner.step(0.05):
            assert time.monotonic() < end, "the chunk did not stop"
        runner.step(0)  # the purge, now that nothing is in flight
        assert executor.started == 1  # stopped, not killed
    finally:
        executor.close()
    assert service.store.counts(batch.id) == {"pending": 0, "done": 0, "failed": 0, "cancelled": 40}
    assert not (service.outputs.root / batch.id).exists()
