"""The batch engine with real worker processes: kill -9 of the runner (the service's batch
process, with its workers) or of one worker in the middle of a batch loses nothing and
duplicates nothing; workers are recycled."""

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from renderer.batch.executor import ProcessExecutor
from renderer.batch.runner import Runner, RunnerBusy, lock_data_dir
from renderer.batch.service import BatchService, batch_spec
from renderer.batch.specs import Access, EngineSpec
from renderer.registry import Registry

from .conftest import sample
from .helpers import free_port

ROOT = Path(__file__).resolve().parent.parent


def submit(service, n, output="files"):
    data = sample("sign.name-plate")["data"]
    records = [dict(data, name=f"Oseba {i}") for i in range(n)]
    spec = batch_spec(Registry(), "sign.name-plate", ("sl",), output=output)
    batch, _ = service.submit(
        spec, "anonymous", None, io.BytesIO(json.dumps(records).encode()), "application/json"
    )
    return batch


def processes():
    """(pid, parent pid, command line) of every process now."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                found.append((int(entry.name), ppid, (entry / "cmdline").read_bytes()))
            except (OSError, ValueError):
                continue
    return found


def children(pid):
    """The worker processes of ``pid`` (not multiprocessing's resource tracker)."""
    return [
        child
        for child, parent, command in processes()
        if parent == pid and b"spawn_main" in command
    ]


def descendants(pid):
    table = processes()
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        below = [child for child, ppid, _ in table if ppid == parent]
        found += below
        frontier += below
    return found


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition, timeout=180, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def start_service(data_dir):
    """`renderer serve` itself: gunicorn and, beside it, the batch runner with its workers.
    The runner starts at once (before the HTTP workers have warmed up), which is all this
    test needs: the batch is followed in the store."""
    env = dict(os.environ, OBRAZCI_DATA_DIR=str(data_dir), OBRAZCI_BATCH_WORKERS="2")
    return subprocess.Popen(
        [sys.executable, "-m", "renderer", "serve", "--port", str(free_port()), "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def start_runner(data_dir):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "renderer",
            "batch",
            "run",
            "--data",
            str(data_dir),
            "--workers",
            "2",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def check_exactly_one_output_per_record(service, batch_id, total):
    store = service.store
    assert store.batch(batch_id).state == "ready"
    assert store.counts(batch_id) == {"pending": 0, "done": total, "failed": 0}
    records_dir = service.outputs.root / batch_id / "records"
    files = sorted(p.name for p in records_dir.iterdir())
    assert files == sorted(
        f"{batch_id}.{i:06d}.pdf" for i in range(total)
    )  # none missing, none extra
    assert not [
        p for p in service.outputs.root.rglob("*") if p.name.endswith(".tmp")
    ]  # nothing half-written
    for record in store.records(batch_id):
        assert service.outputs.sha256(record.file) == record.sha256
    manifest = json.loads((service.outputs.root / batch_id / "job" / "manifest.json").read_text())
    ids = [r["id"] for r in manifest["records"]]
    assert len(ids) == len(set(ids)) == total and manifest["counts"]["done"] == total


@pytest.mark.parametrize(
    "start",
    [
        pytest.param(start_runner, id="runner"),
        pytest.param(start_service, id="service", marks=pytest.mark.slow),
    ],
)
def test_kill_9_of_the_process_mid_batch_then_recover(tmp_path, start):
    """kill -9 of `renderer batch run`, or of `renderer serve` itself (gunicorn, the runner and
    its workers): every process of it ends, and the restarted one finishes the batch."""
    total = 120
    service = BatchService(EngineSpec(data_dir=tmp_path, chunk_size=10), Access())
    batch = submit(service, total)
    process = start(tmp_path)
    try:
        wait_for(lambda: service.store.counts(batch.id)["done"] >= 20, what="the first chunks")
        family = descendants(process.pid)
        if start is start_runner:
            assert len(children(process.pid)) == 2
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        wait_for(
            lambda: not any(alive(p) for p in family), timeout=30, what="every process of it to end"
        )
        interrupted = service.store.counts(batch.id)
        assert 0 < interrupted["done"] < total
        process = start(tmp_path)  # the restarted service carries on
        wait_for(lambda: service.store.batch(batch.id).state == "ready", what="the batch to finish")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    check_exactly_one_output_per_record(service, batch.id, total)


def test_kill_9_of_a_worker_mid_batch_then_recover(tmp_path):
    total = 120
    service = BatchService(EngineSpec(data_dir=tmp_path, chunk_size=10), Access())
    batch = submit(service, total)
    runner = start_runner(tmp_path)
    try:
        wait_for(lambda: service.store.counts(batch.id)["done"] >= 20, what="the first chunks")
        workers = children(runner.pid)
        assert len(workers) == 2
        os.kill(
            workers[0], signal.SIGKILL
        )  # the runner notices, puts its chunk back, starts another worker
        wait_for(
            lambda: len([c for c in children(runner.pid) if c not in workers]) >= 1,
            timeout=60,
            what="a replacement worker",
        )
        wait_for(lambda: service.store.batch(batch.id).state == "ready", what="the batch to finish")
    finally:
        runner.send_signal(signal.SIGTERM)
        runner.wait(timeout=60)
    check_exactly_one_output_per_record(service, batch.id, total)


def test_one_runner_per_data_directory(tmp_path):
    held = lock_data_dir(tmp_path)
    try:
        with pytest.raises(RunnerBusy):
            lock_data_dir(tmp_path)
        second = start_runner(tmp_path)
        assert second.wait(timeout=60) == 1 and b"another batch runner" in second.stderr.read()
    finally:
        held.close()


@pytest.mark.parametrize(
    "limit", [{"max_chunks_per_worker": 1}, {"max_worker_rss_mib": 1}], ids=["chunks", "memory"]
)
def test_workers_are_recycled(tmp_path, limit):
    """A worker retires after N tasks, or when its resident memory passes the limit; a fresh
    one takes its place and nothing is lost."""
    engine = EngineSpec(data_dir=tmp_path, chunk_size=2, workers=2, **limit)
    service = BatchService(engine, Access())
    batch = submit(service, 6)
    executor = ProcessExecutor(engine)
    try:
        Runner(service.store, executor).run_until_idle()
    finally:
        executor.close()
    assert service.store.batch(batch.id).state == "ready"
    assert executor.started >= 2 + 4  # 3 chunks + the package task, one per worker life
    assert 0 < executor.peak_rss_mib < 1024
    check_exactly_one_output_per_record(service, batch.id, 6)
