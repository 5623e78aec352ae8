"""The real parts of the celery engine for tests: a PostgreSQL cluster (``initdb``/``pg_ctl``),
a Redis server and moto's standalone S3 server, each started once per test process on a
free loopback port in a temporary directory and stopped at the end. A test gets its own
database, Redis database flushed, and bucket.

Skipped (not failed) where the programs are not installed; ``.ci/setup --test`` installs them.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from .helpers import free_port

PG_BIN = (
    next((p for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)
    if Path("/usr/lib/postgresql").exists()
    else None
)


def wait_for_port(port: int, process: subprocess.Popen | None = None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def _as_postgres_user() -> dict:
    """PostgreSQL refuses to run as root: run it as the postgres user then."""
    if os.geteuid() != 0:
        return {}
    entry = pwd.getpwnam("postgres")
    return {"user": entry.pw_uid, "group": entry.pw_gid}


@dataclass
class Postgres:
    root: Path
    port: int

    @property
    def admin_url(self) -> str:
        return f"postgresql://obrazci@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql://obrazci@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        import psycopg

        name = "t_" + secrets.token_hex(6)
        with psycopg.connect(self.admin_url, autocommit=True) as db:
            db.execute(f"CREATE DATABASE {name}")
        return self.url(name)


def start_postgres() -> tuple[Postgres, callable]:
    if PG_BIN is None or not (PG_BIN / "initdb").exists():
        pytest.skip("PostgreSQL is not installed (bash .ci/setup --test)")
    user = _as_postgres_user()
    root = Path(tempfile.mkdtemp(prefix="obrazci-pg-"))
    if user:
        os.chown(root, user["user"], user["group"])
    data = root / "data"
    subprocess.run(
        [PG_BIN / "initdb", "-D", data, "-U", "obrazci", "-A", "trust", "-E", "UTF8", "--no-sync"],
        check=True,
        capture_output=True,
        **user,
    )
    port = free_port()
    options = f"-p {port} -k {root} -h 127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    subprocess.run(
        [PG_BIN / "pg_ctl", "-D", data, "-l", root / "log", "-o", options, "-w", "start"],
        check=True,
        capture_output=True,
        **user,
    )

    def stop():
        subprocess.run(
            [PG_BIN / "pg_ctl", "-D", data, "-m", "immediate", "stop"], capture_output=True, **user
        )
        shutil.rmtree(root, ignore_errors=True)

    return Postgres(root, port), stop


@dataclass
class Redis:
    port: int

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def flush(self) -> None:
        import redis

        redis.Redis(port=self.port).flushall()


def start_redis() -> tuple[Redis, callable]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (bash .ci/setup --test)")
    root = Path(tempfile.mkdtemp(prefix="obrazci-redis-"))
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(root),
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "yes",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, process)

    def stop():
        process.terminate()
        process.wait(10)
        shutil.rmtree(root, ignore_errors=True)

    return Redis(port), stop


@dataclass
class S3:
    endpoint: str

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    def new_bucket(self) -> str:
        name = "t-" + secrets.token_hex(6)
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return sorted(o["Key"] for page in pages for o in page.get("Contents", ()))


S3_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def start_s3() -> tuple[S3, callable]:
    try:
        import moto.server  # noqa: F401
    except ImportError:
        pytest.skip("moto[server] is not installed (bash .ci/setup --test)")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, process)

    def stop():
        process.kill()  # a test server holding nothing worth a clean stop
        process.wait(10)

    return S3(f"http://127.0.0.1:{port}"), stop


@pytest.fixture(scope="session")
def postgres():
    server, stop = start_postgres()
    yield server
    stop()


@pytest.fixture(scope="session")
def redis_server():
    server, stop = start_redis()
    yield server
    stop()


@pytest.fixture(scope="session")
def s3():
    os.environ.update(S3_ENVIRONMENT)  # boto3 reads its credentials from the environment
    server, stop = start_s3()
    yield server
    stop()


@dataclass
class CeleryBackends:
    """The three servers; ``fresh()`` gives a test its own database, broker and bucket."""

    postgres: Postgres
    redis: Redis
    s3: S3
    database_url: str | None = None
    bucket: str | None = None

    def fresh(self) -> CeleryBackends:
        from renderer.batch.pgstore import migrate

        self.redis.flush()
        url = self.postgres.new_database()
        migrate(url)
        return CeleryBackends(self.postgres, self.redis, self.s3, url, self.s3.new_bucket())

    def engine(self, outputs_url: str | None = None) -> dict:
        return {
            "kind": "celery",
            "database_url": self.database_url,
            "broker_url": self.redis.url(),
            "outputs_url": outputs_url or f"s3://{self.bucket}/obrazci",
            "s3_endpoint_url": self.s3.endpoint,
        }

    def environment(self, outputs_url: str | None = None) -> dict[str, str]:
        """The same as settings, for `renderer serve` and `renderer worker` processes."""
        engine = self.engine(outputs_url)
        return {
            "OBRAZCI_BATCH_ENGINE": "celery",
            "OBRAZCI_DATABASE_URL": engine["database_url"],
            "OBRAZCI_BROKER_URL": engine["broker_url"],
            "OBRAZCI_OUTPUTS_URL": engine["outputs_url"],
            "OBRAZCI_S3_ENDPOINT_URL": engine["s3_endpoint_url"],
            **S3_ENVIRONMENT,
        }


@pytest.fixture(scope="session")
def celery_backends(postgres, redis_server, s3):
    return CeleryBackends(postgres, redis_server, s3)


class BrokerDrain:
    """Stands in for `renderer worker` in the HTTP tests: takes the celery engine's task
    messages from the real Redis queue one at a time and runs them in this process (with the
    session's warm pipeline), so a test can watch a batch between two tasks."""

    def __init__(self, service, pipeline):
        from renderer.batch.distributed import (
            CHUNK_TASK,
            PACKAGE_TASK,
            WorkerContext,
            package_batch,
            render_chunk,
        )

        context = WorkerContext(service.engine, service.store, service.outputs, service.dispatcher)
        context.__dict__["pipeline"] = pipeline
        self.app = service.dispatcher.app
        self.tasks = {
            CHUNK_TASK: lambda batch, chunk: render_chunk(context, batch, chunk),
            PACKAGE_TASK: lambda batch: package_batch(context, batch),
        }
        self.results: list[tuple[str, list, str]] = []

    def step(self, timeout: float = 0.2) -> int:
        from renderer.batch.distributed import QUEUE

        with self.app.connection_for_read() as connection:
            queue = connection.SimpleQueue(QUEUE)
            try:
                message = queue.get(timeout=timeout)
            except queue.Empty:
                return 0
            name, args = message.headers["task"], message.payload[0]
            self.results.append((name, args, self.tasks[name](*args)))
            message.ack()
            queue.close()
        return 1

    def run_until_idle(self) -> None:
        while self.step():
            pass
