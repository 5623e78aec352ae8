"""Soak: kill -9 batch workers again and again while a CPU burner runs, and check that every
batch still ends with exactly one output per record.

    .venv/bin/python bench/soak_worker_kill.py [--runs 30] [--records 120] [--kills 3]

Each run: a batch of name plates (chunks of 10) is stored, `renderer batch run` starts with
two workers, and ``--kills`` times, 1–3 s apart, one of its workers is killed with SIGKILL.
The run passes when the batch is ready with every record done once, checksums matching and
no temporary or uncommitted file left. Prints each run's time and the count of passes. Not
a test (it takes minutes); the single-kill case is tests/test_batch_recovery.py.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from renderer.batch.service import BatchService  # noqa: E402
from renderer.batch.specs import Access, EngineSpec  # noqa: E402
from tests.test_batch_recovery import (  # noqa: E402
    check_exactly_one_output_per_record,
    children,
    start_runner,
    submit,
    wait_for,
)


def burn(stop) -> None:
    while not stop.is_set():
        sum(i * i for i in range(10_000))


def one_run(records: int, kills: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        service = BatchService(EngineSpec(data_dir=data, chunk_size=10), Access())
        batch = submit(service, records)
        started = time.monotonic()
        runner = start_runner(data)
        try:
            wait_for(lambda: service.store.counts(batch.id)["done"] >= 10, what="the first chunk")
            for _ in range(kills):
                workers = children(runner.pid)
                if workers:
                    os.kill(random.choice(workers), signal.SIGKILL)
                time.sleep(random.uniform(1, 3))
            wait_for(
                lambda: (
                    service.store.batch(batch.id).state
                    in ("ready", "completed-with-errors", "failed")
                ),
                timeout=300,
                what="the batch to finish",
            )
        finally:
            runner.send_signal(signal.SIGTERM)
            runner.wait(timeout=60)
        check_exactly_one_output_per_record(service, batch.id, records)
        return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--records", type=int, default=120)
    parser.add_argument("--kills", type=int, default=3)
    args = parser.parse_args()
    stop = multiprocessing.Event()
    burner = multiprocessing.Process(target=burn, args=(stop,), daemon=True)
    burner.start()
    passed = 0
    try:
        for run in range(1, args.runs + 1):
            try:
                seconds = one_run(args.records, args.kills)
                passed += 1
                print(f"run {run:2d}: passed in {seconds:5.1f} s", flush=True)
            except AssertionError as exc:
                print(f"run {run:2d}: FAILED: {exc}", flush=True)
    finally:
        stop.set()
        burner.join(timeout=5)
    print(f"{passed} of {args.runs} runs passed ({args.kills} kills each, a CPU burner beside)")
    sys.exit(0 if passed == args.runs else 1)


if __name__ == "__main__":
    main()
