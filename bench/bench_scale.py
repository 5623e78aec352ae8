"""The celery engine against the embedded one, on this machine, in the same run.

    .venv/bin/python bench/bench_scale.py [--records 200] [--chunk-size 20]

Starts PostgreSQL, Redis and moto's S3 server (as the tests do: free loopback ports, temporary
directories). For each case the same batch of name plates (``output=merged``) is submitted,
then the workers are started and the time until the batch is ready is measured (worker
start-up and packaging included): the embedded engine (SQLite, its runner with 1 and 2 worker
processes, local outputs) and the celery engine (PostgreSQL, one `renderer worker` with 1 and
2 pool processes, outputs on S3). Prints pages/s, the ratio to the embedded engine with as
many processes, and the bytes of a task message in the broker. Not a test.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from renderer.batch.executor import ProcessExecutor  # noqa: E402
from renderer.batch.pgstore import migrate  # noqa: E402
from renderer.batch.runner import Runner  # noqa: E402
from renderer.batch.service import BatchService, batch_spec  # noqa: E402
from renderer.batch.specs import Access, EngineSpec  # noqa: E402
from renderer.paths import SAMPLES_DIR  # noqa: E402
from renderer.registry import Registry  # noqa: E402
from tests.backends import S3_ENVIRONMENT, start_postgres, start_redis, start_s3  # noqa: E402


def records(n: int) -> bytes:
    data = json.loads((SAMPLES_DIR / "sign.name-plate.json").read_text())["data"]
    return json.dumps([dict(data, name=f"Ana Novak {i}") for i in range(n)]).encode()


def submit(service: BatchService, body: bytes):
    spec = batch_spec(Registry(), "sign.name-plate", ("sl",), output="merged")
    batch, _ = service.submit(spec, "anonymous", None, io.BytesIO(body), "application/json")
    return batch


def embedded(body: bytes, workers: int, chunk_size: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        service = BatchService(
            EngineSpec(data_dir=Path(tmp), chunk_size=chunk_size, workers=workers), Access()
        )
        batch = submit(service, body)
        start = time.perf_counter()
        executor = ProcessExecutor(service.engine)
        try:
            Runner(service.store, executor, service.outputs).run_until_idle()
        finally:
            executor.close()
        elapsed = time.perf_counter() - start
        assert service.store.batch(batch.id).state == "ready"
        return elapsed, sum(r.pages for r in service.store.iter_records(batch.id))


def celery(body: bytes, workers: int, chunk_size: int, pg, redis, s3) -> tuple[float, int, float]:
    import boto3
    import redis as redis_client

    url = pg.new_database()
    migrate(url)
    redis.flush()
    bucket = f"bench-{os.getpid()}-{workers}"
    boto3.client("s3", endpoint_url=s3.endpoint).create_bucket(Bucket=bucket)
    spec = EngineSpec(
        chunk_size=chunk_size,
        kind="celery",
        database_url=url,
        broker_url=redis.url(),
        outputs_url=f"s3://{bucket}/b",
        s3_endpoint_url=s3.endpoint,
    )
    service = BatchService(spec, Access())
    batch = submit(service, body)
    messages = redis_client.Redis(port=redis.port).lrange("obrazci", 0, -1)
    per_message = sum(len(m) for m in messages) / len(messages)
    env = {
        **os.environ,
        "OBRAZCI_BATCH_ENGINE": "celery",
        "OBRAZCI_DATABASE_URL": url,
        "OBRAZCI_BROKER_URL": redis.url(),
        "OBRAZCI_OUTPUTS_URL": spec.outputs_url,
        "OBRAZCI_S3_ENDPOINT_URL": s3.endpoint,
        "OBRAZCI_BATCH_WORKERS": str(workers),
        "OBRAZCI_LOG_LEVEL": "warning",
    }
    start = time.perf_counter()
    worker = subprocess.Popen(
        [sys.executable, "-m", "renderer", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while service.store.batch(batch.id).state != "ready":
            if worker.poll() is not None:
                raise RuntimeError(f"renderer worker exited with {worker.returncode}")
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(60)
    return elapsed, sum(r.pages for r in service.store.iter_records(batch.id)), per_message


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=200)
    parser.add_argument("--chunk-size", type=int, default=20)
    args = parser.parse_args()
    os.environ.update(S3_ENVIRONMENT)
    body = records(args.records)
    pg, stop_pg = start_postgres()
    redis, stop_redis = start_redis()
    s3, stop_s3 = start_s3()
    try:
        print(
            f"{args.records} name plates (output=merged), chunks of {args.chunk_size}; "
            f"{os.cpu_count()} cores; worker start-up and packaging included"
        )
        base = {}
        for workers in (1, 2):
            elapsed, pages = embedded(body, workers, args.chunk_size)
            base[workers] = pages / elapsed
            print(
                f"embedded, {workers} worker process(es): {elapsed:6.1f} s  {pages / elapsed:6.1f} pages/s"
            )
        for workers in (1, 2):
            elapsed, pages, per_message = celery(body, workers, args.chunk_size, pg, redis, s3)
            rate = pages / elapsed
            print(
                f"celery,   {workers} worker process(es): {elapsed:6.1f} s  {rate:6.1f} pages/s"
                f"  ×{rate / base[workers]:.2f} of embedded  broker: {per_message:.0f} bytes per task message"
            )
    finally:
        stop_s3()
        stop_redis()
        stop_pg()


if __name__ == "__main__":
    main()
