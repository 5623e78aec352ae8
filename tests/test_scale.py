"""The celery engine beyond one process, with the real parts (PostgreSQL, Redis, moto's S3
server): migrations, the fenced chunk commit, leases and the sweeper, outputs on S3 and on a
shared directory, and whole deployments of `renderer serve --no-batches` replicas and
`renderer worker` processes."""

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import psycopg
import pytest
from falcon import testing

from renderer.batch.distributed import (
    CHUNK_TASK,
    PACKAGE_TASK,
    QUEUE,
    Dispatcher,
    Sweeper,
    WorkerContext,
    render_chunk,
)
from renderer.batch.outputs import LocalOutputs, S3Outputs, open_outputs
from renderer.batch.pgstore import PgStore, SchemaTooNew, known_version, migrate
from renderer.batch.service import BatchService, batch_spec
from renderer.batch.specs import Access, EngineSpec
from renderer.batch.store import Outcome
from renderer.http.app import create_app
from renderer.registry import Registry

from .conftest import sample
from .helpers import free_port
from .test_service import Service

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def backends(celery_backends):
    return celery_backends.fresh()


def engine(backends, **options) -> EngineSpec:
    return EngineSpec(
        **{"chunk_size": 5, **backends.engine(options.pop("outputs_url", None)), **options}
    )


def plates(n, broken=()):
    data = sample("sign.name-plate")["data"]
    return [{"bad": i} if i in broken else dict(data, name=f"Oseba {i}") for i in range(n)]


def submit(service, records, output="files", key=None):
    spec = batch_spec(Registry(), "sign.name-plate", ("sl",), output=output)
    body = io.BytesIO(json.dumps(records).encode())
    return service.submit(spec, "anonymous", key, body, "application/json")


def queued(backends) -> list[list]:
    """The task messages waiting in the broker: (task name, args) each, and their sizes."""
    import redis

    client = redis.Redis(port=backends.redis.port)
    return [json.loads(raw) for raw in client.lrange(QUEUE, 0, -1)]


# -- migrations -------------------------------------------------------------------------


def test_migrations_are_applied_once_and_a_newer_schema_is_refused(celery_backends):
    url = celery_backends.postgres.new_database()
    assert migrate(url) == (0, known_version())
    assert migrate(url) == (known_version(), known_version())  # nothing to do the second time
    with psycopg.connect(url, autocommit=True) as db:
        assert db.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall() == [
            (version,) for version in range(1, known_version() + 1)
        ]
        db.execute(
            "INSERT INTO schema_migrations VALUES (%s, 'from the future', 0)",
            (known_version() + 1,),
        )
    with pytest.raises(SchemaTooNew, match="upgrade obrazci"):
        migrate(url)


def test_serve_and_worker_refuse_a_newer_schema_with_one_line(celery_backends, tmp_path):
    url = celery_backends.postgres.new_database()
    migrate(url)
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(
            "INSERT INTO schema_migrations VALUES (%s, 'from the future', 0)",
            (known_version() + 1,),
        )
    env = {
        **os.environ,
        **celery_backends.environment(),
        "OBRAZCI_DATABASE_URL": url,
        "OBRAZCI_OUTPUTS_URL": f"file://{tmp_path}",
    }
    for command in (["serve", "--no-batches"], ["worker"], ["migrate"]):
        done = subprocess.run(
            [sys.executable, "-m", "renderer", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert (
            done.returncode in (1, 2)
            and "schema version" in done.stderr
            and "Traceback" not in done.stderr
        ), (command, done.stderr)


# -- the store's fencing, leases and packaging ------------------------------------------


def test_a_stale_attempt_commits_nothing_and_packaging_is_due_once(backends):
    service = BatchService(engine(backends), Access())
    store: PgStore = service.store
    batch, _ = submit(service, plates(10))  # chunks 0 and 1, both enqueued by the submit
    assert [m["headers"]["task"] for m in queued(backends)] == [CHUNK_TASK, CHUNK_TASK]
    first = store.lease_chunk(batch.id, 0)
    assert store.lease_chunk(batch.id, 0) is None  # a duplicate delivery while the lease is live
    store.read().execute(
        "UPDATE chunks SET lease_until = 0 WHERE batch = %s AND chunk = 0", (batch.id,)
    )
    second = store.lease_chunk(batch.id, 0)  # the first attempt's lease expired: another takes it
    assert second.attempt == first.attempt + 1
    outcomes = [Outcome(i, f"k{i}", 1, 1, "0" * 64) for i in range(5)]
    assert store.commit_chunk(first, outcomes) == (False, False)  # the stale attempt's late commit
    assert store.counts(batch.id)["done"] == 0
    assert store.commit_chunk(second, outcomes) == (True, False)  # chunk 1 still pending
    assert store.commit_chunk(second, outcomes) == (False, False)  # and only once
    last = store.lease_chunk(batch.id, 1)
    assert store.commit_chunk(
        last, [Outcome(i, errors=[{"pointer": "", "detail": "x"}]) for i in range(5, 10)]
    ) == (True, True)  # done + failed = total: packaging is due, for this commit only
    chunks, packages = store.due()
    assert (chunks, packages) == ([], [batch.id]) and store.due() == ([], [])  # handed out once


def test_a_chunk_whose_worker_vanished_is_enqueued_again_by_the_sweeper(backends):
    spec = engine(backends, chunk_lease_s=0.5, sweep_interval_s=0.1)
    service = BatchService(spec, Access())
    batch, _ = submit(service, plates(5))
    assert len(queued(backends)) == 1
    lease = service.store.lease_chunk(batch.id, 0)  # a worker took it … and died without a word
    assert lease is not None
    sweeper = Sweeper(spec, Dispatcher(spec))
    assert sweeper.sweep() == 0  # its lease is still live
    time.sleep(0.7)
    assert sweeper.sweep() == 1 and len(queued(backends)) == 2
    other = Sweeper(spec, Dispatcher(spec))
    assert not other.holds_lock()  # one sweeper at a time (a PostgreSQL advisory lock)
    sweeper.stop()
    assert other.holds_lock()  # … and another takes over when it is gone
    other.stop()


def test_a_record_that_raises_fails_alone_and_the_chunk_commits(backends, pipeline):
    service = BatchService(engine(backends), Access())
    batch, _ = submit(service, plates(5, broken={2}))
    context = WorkerContext(service.engine, service.store, service.outputs, service.dispatcher)
    context.__dict__["pipeline"] = pipeline
    assert render_chunk(context, batch.id, 0) == "done"
    assert render_chunk(context, batch.id, 0) == "not due"  # a second delivery of the same message
    assert service.store.counts(batch.id) == {"pending": 0, "done": 4, "failed": 1}


# -- outputs ----------------------------------------------------------------------------


def test_s3_outputs_are_whole_checksummed_and_confined(backends):
    outputs = open_outputs(f"s3://{backends.bucket}/some/prefix", backends.s3.endpoint)
    assert isinstance(outputs, S3Outputs)
    sha = outputs.put("b/r.pdf", b"whole")
    assert (
        outputs.sha256("b/r.pdf") == sha == hashlib.sha256(b"whole").hexdigest()
        and outputs.size("b/r.pdf") == 5
    )
    with pytest.raises(RuntimeError):
        with outputs.writer("b/t.pdf") as fh:
            fh.write(b"half")
            raise RuntimeError("killed mid-write")
    with outputs.writer("b/big.bin") as fh:
        for _ in range(20):
            fh.write(b"x" * 2**20)  # beyond the in-memory spool: a temporary file, still one PUT
    assert backends.s3.keys(backends.bucket) == ["some/prefix/b/big.bin", "some/prefix/b/r.pdf"]
    assert (
        backends.s3.client().list_multipart_uploads(Bucket=backends.bucket).get("Uploads", []) == []
    )
    for bad in ("../escape.pdf", "/abs.pdf", "a//b", ""):
        with pytest.raises(ValueError):
            outputs.put(bad, b"x")
    outputs.delete("b/r.pdf")
    outputs.delete("b/r.pdf")  # no error for what is not there
    assert backends.s3.keys(backends.bucket) == ["some/prefix/b/big.bin"]


@pytest.mark.parametrize(
    "url, reason",
    [
        ("file://relative/path", "file:///absolute"),
        ("file:///", "file:///absolute"),
        ("s3:///no-bucket", "s3://bucket"),
        ("ftp://x/y", "s3://bucket"),
    ],
)
def test_outputs_urls_are_checked(url, reason):
    with pytest.raises(ValueError, match=reason):
        open_outputs(url)


def test_a_batch_on_shared_directory_outputs(backends, tmp_path, pipeline):
    """The celery engine with outputs on a shared path (file:///): the job's files are there."""
    from .backends import BrokerDrain

    service = BatchService(engine(backends, outputs_url=f"file://{tmp_path}/shared"), Access())
    assert isinstance(service.outputs, LocalOutputs)
    batch, _ = submit(service, plates(7), output="merged")
    drain = BrokerDrain(service, pipeline)
    drain.run_until_idle()
    done = service.store.batch(batch.id)
    assert done.state == "ready"
    merged = tmp_path / "shared" / batch.id / "job" / "merged.pdf"
    assert (
        hashlib.sha256(merged.read_bytes()).hexdigest()
        == service.file(done, "merged.pdf")["sha256"]
    )
    assert [name for name, *_ in drain.results].count(PACKAGE_TASK) == 1


def test_task_messages_carry_ids_only(backends):
    service = BatchService(engine(backends, chunk_size=1000), Access())
    big = plates(1)[0] | {"name": "Ž" * 200}
    submit(service, [big] * 2000)
    messages = queued(backends)  # two chunks of 1,000 records, about 400 kB each
    assert [m["headers"]["task"] for m in messages] == [CHUNK_TASK] * 2
    for message in messages:
        assert len(json.dumps(message)) < 2000 and "Ž" not in json.dumps(
            message, ensure_ascii=False
        )


# -- deployments ------------------------------------------------------------------------


class Worker:
    """One `renderer worker` process (its pool of ``concurrency`` processes)."""

    def __init__(self, tmp: Path, environment: dict, concurrency: int = 1, name: str = "worker"):
        self.log = tmp / f"{name}.log"
        env = {
            **os.environ,
            **environment,
            "OBRAZCI_BATCH_WORKERS": str(concurrency),
            "OBRAZCI_LOG_FORMAT": "text",
        }
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "renderer", "worker"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        """kill -9 of the worker and its pool: a machine gone."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.kill()


def replica_client(spec: EngineSpec, pipeline) -> testing.TestClient:
    return testing.TestClient(create_app(pipeline, batches=BatchService(spec, Access())))


def check_job(backends, status: dict, fetch) -> dict:
    """The manifest's checksums match the stored objects; no object is left that the job does
    not account for."""
    files = {f["name"]: f for f in status["files"]}
    manifest = json.loads(fetch(files["manifest.json"]["url"]))
    stored = backends.s3.keys(backends.bucket)
    for entry in manifest["files"]:
        assert hashlib.sha256(fetch(files[entry["name"]]["url"])).hexdigest() == entry["sha256"]
    assert all("/job/" in key or "/records/" in key or "/imprint/" in key for key in stored), stored
    assert (
        backends.s3.client().list_multipart_uploads(Bucket=backends.bucket).get("Uploads", []) == []
    )
    return manifest


def test_submitted_on_one_replica_rendered_by_a_worker_pulled_on_another(
    backends, tmp_path, pipeline
):
    """The distributed case of the default run: a real `renderer worker` process takes the
    tasks from Redis; two API replicas (in-process apps, each its own store connections)
    share the batch through PostgreSQL and S3."""
    spec = engine(backends)
    worker = Worker(tmp_path, backends.environment())
    try:
        one, two = replica_client(spec, pipeline), replica_client(spec, pipeline)
        headers = {"Content-Type": "application/json"}
        records = plates(12, broken={5})
        created = one.simulate_post(
            "/v1/batches",
            params={"layout": "sign.name-plate"},
            body=json.dumps(records),
            headers={**headers, "Idempotency-Key": "k1"},
        )
        assert created.status_code == 202
        batch_id = created.json["id"]
        again = two.simulate_post(
            "/v1/batches",
            params={"layout": "sign.name-plate"},
            body=json.dumps(records),
            headers={**headers, "Idempotency-Key": "k1"},
        )
        assert (
            again.json["id"] == batch_id and again.headers["idempotent-replayed"] == "true"
        )  # across replicas
        status = _wait(two, batch_id, workers=[worker])
        assert status["state"] == "completed-with-errors" and status["counts"]["failed"] == 1, (
            worker.log.read_text()
        )
        assert [f["index"] for f in status["failures"]] == [5]
        fetch = lambda url: two.simulate_get(url).content  # noqa: E731
        manifest = check_job(backends, status, fetch)
        with zipfile.ZipFile(io.BytesIO(fetch(status["files"][0]["url"]))) as archive:
            assert len(archive.namelist()) == 11
        assert [r["state"] for r in manifest["records"]].count("done") == 11
        # the poison record re-run, corrected, on the first replica
        rerun = one.simulate_post(
            f"/v1/batches/{batch_id}/rerun", json={"records": {"5": plates(6)[5]}}
        )
        assert rerun.status_code == 202, rerun.text
        status = _wait(two, batch_id, workers=[worker])
        assert status["state"] == "ready" and status["counts"] == {
            "total": 12,
            "pending": 0,
            "done": 12,
            "failed": 0,
        }
        check_job(backends, status, fetch)
    finally:
        worker.stop()


def _wait(client, batch_id, timeout=180, workers=()):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for worker in workers:
            assert worker.process.poll() is None, worker.log.read_text()[-3000:]
        status = client.simulate_get(f"/v1/batches/{batch_id}").json
        if status["state"] in ("ready", "completed-with-errors", "failed"):
            return status
        time.sleep(0.3)
    raise AssertionError(f"batch {batch_id} did not finish: {status}")


@pytest.mark.slow  # two API replicas and two worker processes rendering 2,000 envelopes, with kills: minutes
def test_two_replicas_two_workers_2000_envelopes_with_kills(backends, tmp_path):
    """The issue's whole case: a 2,000-envelope batch submitted on API 1, followed and pulled
    on API 2; one worker killed with kill -9 mid-batch (a replacement started), API 1 killed
    and restarted; exactly 2,000 records with one output each, the manifest's checksums
    match the stored objects, nothing else is left in the bucket; a poison record fails alone
    and is re-run."""
    environment = {**backends.environment(), "OBRAZCI_BATCH_TASK_DEADLINE": "120"}
    workers = [Worker(tmp_path, environment, name=f"worker-{n}") for n in (1, 2)]
    for n in (1, 2):
        (tmp_path / f"api-{n}").mkdir()
    apis = [
        Service(tmp_path / f"api-{n}", "--no-batches", "--workers", "1", env=environment)
        for n in (1, 2)
    ]
    try:
        for api in apis:
            api.wait_ready()
        status, _, ready = apis[1].json("GET", "/readyz")
        assert (
            set(ready["components"]) >= {"batch_store", "batch_broker"}
            and "batch_runner" not in ready["components"]
        )
        data = sample("envelope.personal-delivery")["data"]
        records = [
            dict(data, addressee=[f"Prejemnik {i}", *data["addressee"][1:]]) for i in range(2000)
        ]
        records[1234] = {"poison": True}
        body = "".join(json.dumps(r) + "\n" for r in records).encode()
        code, _, created = apis[0].request(
            "POST",
            "/v1/batches?layout=envelope.personal-delivery",
            body,
            {"Content-Type": "application/x-ndjson"},
        )
        assert code == 202, created
        batch_id = json.loads(created)["id"]
        # mid-batch: kill -9 one worker (a replacement starts), kill API 1 and start it again
        end = time.monotonic() + 300
        while (counts := apis[1].json("GET", f"/v1/batches/{batch_id}")[2]["counts"])["done"] == 0:
            assert time.monotonic() < end
            time.sleep(0.2)
        assert counts["pending"] > 0  # mid-batch
        workers[0].kill()
        workers.append(Worker(tmp_path, environment, name="worker-3"))
        apis[0].process.kill()
        apis[0].process.wait()
        apis[0] = Service(tmp_path / "api-1", "--no-batches", "--workers", "1", env=environment)
        status = apis[1].wait_batch(batch_id, timeout=900)
        assert status["state"] == "completed-with-errors", status
        assert status["counts"] == {"total": 2000, "pending": 0, "done": 1999, "failed": 1}
        assert [f["index"] for f in status["failures"]] == [1234]

        def fetch(url):
            code, _, content = apis[1].request("GET", url)
            assert code == 200
            return content

        manifest = check_job(backends, status, fetch)
        done = [r for r in manifest["records"] if r["state"] == "done"]
        assert len(done) == 1999 and len({r["index"] for r in manifest["records"]}) == 2000
        assert sorted(r["page"] for r in done) == list(
            range(1, 2000)
        )  # one imprint page each, no duplicates
        # the poison record corrected and re-run on the restarted API 1
        apis[0].wait_ready()
        code, _, _ = apis[0].json(
            "POST", f"/v1/batches/{batch_id}/rerun", {"records": {"1234": records[0]}}
        )
        assert code == 202
        status = apis[1].wait_batch(batch_id, timeout=300)
        assert status["state"] == "ready" and status["counts"]["done"] == 2000
        manifest = check_job(backends, status, fetch)
        assert sorted(r["page"] for r in manifest["records"]) == list(range(1, 2001))
    finally:
        for api in apis:
            api.stop()
        for worker in workers:
            worker.stop()


# -- settings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "environment, message",
    [
        (
            {"OBRAZCI_DATABASE_URL": "postgresql://a@b/c"},
            "OBRAZCI_DATABASE_URL (--database-url): is used by the celery",
        ),
        (
            {"OBRAZCI_BATCH_ENGINE": "kafka"},
            "OBRAZCI_BATCH_ENGINE (--batch-engine): one of embedded, celery",
        ),
        (
            {"OBRAZCI_BATCH_ENGINE": "celery"},
            "OBRAZCI_DATABASE_URL (--database-url): the celery engine needs it",
        ),
        (
            {
                "OBRAZCI_BATCH_ENGINE": "celery",
                "OBRAZCI_DATABASE_URL": "mysql://u:secret@h/d",
                "OBRAZCI_BROKER_URL": "redis://r",
                "OBRAZCI_OUTPUTS_URL": "s3://b/p",
            },
            "'mysql://u:***@h/d' is not a postgresql:// or postgres:// URL",
        ),
        (
            {
                "OBRAZCI_BATCH_ENGINE": "celery",
                "OBRAZCI_DATABASE_URL": "postgresql://h/d",
                "OBRAZCI_BROKER_URL": "redis://r",
                "OBRAZCI_OUTPUTS_URL": "file://relative",
            },
            "OBRAZCI_OUTPUTS_URL (--outputs-url): 'file://relative': outputs are",
        ),
    ],
)
def test_engine_settings_are_checked(environment, message):
    from renderer.settings import Settings, SettingsError

    with pytest.raises(SettingsError) as error:
        Settings.load(environment)
    assert (
        str(error.value).startswith("OBRAZCI_")
        and message in str(error.value)
        and "secret" not in str(error.value)
    )


def test_config_masks_the_passwords_of_the_engine_urls(tmp_path):
    env = {
        **os.environ,
        "OBRAZCI_BATCH_ENGINE": "celery",
        "OBRAZCI_DATABASE_URL": "postgresql://obrazci:pg-secret@db/obrazci",
        "OBRAZCI_BROKER_URL": "redis://:redis-secret@redis:6379/0",
        "OBRAZCI_OUTPUTS_URL": "s3://bucket/prefix",
    }
    done = subprocess.run(
        [sys.executable, "-m", "renderer", "config", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    shown = json.loads(done.stdout)
    assert shown["OBRAZCI_DATABASE_URL"] == "postgresql://obrazci:***@db/obrazci"
    assert (
        shown["OBRAZCI_BROKER_URL"] == "redis://:***@redis:6379/0" and "secret" not in done.stdout
    )


def test_a_worker_without_its_database_stops_with_one_line(tmp_path):
    port = free_port()  # nothing listens there
    env = {
        **os.environ,
        "OBRAZCI_BATCH_ENGINE": "celery",
        "OBRAZCI_DATABASE_URL": f"postgresql://u:pw@127.0.0.1:{port}/d",
        "OBRAZCI_BROKER_URL": "redis://127.0.0.1:1/0",
        "OBRAZCI_OUTPUTS_URL": f"file://{tmp_path}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "renderer", "worker"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stderr.startswith(
        "renderer: cannot start: OBRAZCI_DATABASE_URL"
    )
    assert "Traceback" not in done.stderr and ":pw@" not in done.stderr
