"""Print-shop batches end to end: submit → render in worker processes → package.

    .venv/bin/python bench/bench_batch.py [--envelopes 10000] [--plates 1000] [--books 10]
                                          [--baseline 200] [--workers 2]

For each batch: the records are stored (as a submission would), then a runner with
``--workers`` worker processes renders and packages them; the time from the runner's start
(worker start-up included) to the batch being ready is measured, and pages/s computed.
Baseline, measured in the same run: plain WeasyPrint rendering one document per record from
the same composed HTML, in the same number of processes (a pool), on ``--baseline`` records.
Prints pages/s, the ratio, and the peak resident memory of any worker. Not a test.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import tempfile
import time
from pathlib import Path

from common import standalone_html
from weasyprint import HTML

from renderer.batch.executor import ProcessExecutor, rss_mib
from renderer.batch.runner import Runner
from renderer.batch.service import BatchService, batch_spec
from renderer.batch.specs import Access, EngineSpec
from renderer.paths import SAMPLES_DIR
from renderer.pipeline import Pipeline
from renderer.registry import Registry

_pipeline = None


def envelope_records(n: int) -> list[dict]:
    data = json.loads((SAMPLES_DIR / "envelope.personal-delivery.json").read_text())["data"]
    streets = ["Celovška cesta", "Trg republike", "Šmartinska cesta", "Ulica Janeza Pavla II."]
    return [
        dict(
            data,
            addressee=[f"Oseba Številka {i}", f"{streets[i % 4]} {i % 200 + 1}", "1000 Ljubljana"],
            document_number=f"351-{i}/2026-4",
        )
        for i in range(n)
    ]


def plate_records(n: int) -> list[dict]:
    data = json.loads((SAMPLES_DIR / "sign.name-plate.json").read_text())["data"]
    return [dict(data, name=f"Ana Novak {i}") for i in range(n)]


def book_records(n: int) -> list[dict]:
    data = json.loads((SAMPLES_DIR / "complaint-book.json").read_text())["data"]
    return [data for _ in range(n)]


def _init_baseline() -> None:
    global _pipeline
    _pipeline = Pipeline()


def _plain_pages(job: tuple[str, str | None, dict]) -> tuple[int, float]:
    """Plain WeasyPrint, one document for one record (no caches of ours); pages and RSS."""
    layout_id, variant, data = job
    layout = _pipeline.layout(layout_id)
    request = _pipeline.validate(layout, {"languages": ["sl"], "data": data})
    composition = _pipeline.composer.compose(layout, request, variant or layout.variants[0])
    html = standalone_html(_pipeline, layout, composition)
    document = HTML(string=html, base_url=composition.base_url).render()
    document.write_pdf()
    return len(document.pages), rss_mib()


def baseline(
    layout_id: str, variant: str | None, records: list[dict], workers: int
) -> tuple[float, float, float]:
    """Records/s and pages/s of plain WeasyPrint in ``workers`` processes (warm pool, timed
    from the first job), and the peak RSS of a process."""
    with multiprocessing.get_context("spawn").Pool(workers, initializer=_init_baseline) as pool:
        pool.map(_plain_pages, [(layout_id, variant, records[0])] * workers)  # warm-up
        start = time.perf_counter()
        results = pool.map(_plain_pages, [(layout_id, variant, r) for r in records], chunksize=4)
        elapsed = time.perf_counter() - start
    return len(records) / elapsed, sum(p for p, _ in results) / elapsed, max(m for _, m in results)


def batch(layout_id: str, records: list[dict], workers: int, output: str | None = None) -> dict:
    with tempfile.TemporaryDirectory() as directory:
        engine = EngineSpec(data_dir=Path(directory), workers=workers)
        service = BatchService(engine, Access())
        spec = batch_spec(Registry(), layout_id, ("sl",), output=output)
        body = io.BytesIO(json.dumps(records, ensure_ascii=False).encode())
        start = time.perf_counter()
        submitted, _ = service.submit(spec, "bench", None, body, "application/json")
        stored = time.perf_counter() - start
        start = time.perf_counter()
        executor = ProcessExecutor(engine)
        try:
            Runner(service.store, executor).run_until_idle()
        finally:
            executor.close()
        elapsed = time.perf_counter() - start
        done = service.store.batch(submitted.id)
        pages = {f["name"]: f.get("pages") for f in done.files or ()}
        return {
            "state": done.state,
            "seconds": elapsed,
            "stored_s": stored,
            "files": pages,
            "peak_rss_mib": executor.peak_rss_mib,
            "workers_started": executor.started,
        }


def report(name: str, result: dict, pages: int, plain_rate: float, plain_rss: float) -> None:
    rate = pages / result["seconds"]
    print(
        f"{name}: {result['state']}, {pages} pages in {result['seconds']:.1f} s (records stored in "
        f"{result['stored_s']:.2f} s) = {rate:.0f} pages/s | plain WeasyPrint {plain_rate:.1f} pages/s "
        f"→ ratio {rate / plain_rate:.1f}x | peak worker RSS {result['peak_rss_mib']:.0f} MiB "
        f"(plain {plain_rss:.0f} MiB), {result['workers_started']} worker processes | files {result['files']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envelopes", type=int, default=10_000)
    parser.add_argument("--plates", type=int, default=1_000)
    parser.add_argument("--books", type=int, default=10)
    parser.add_argument(
        "--baseline", type=int, default=200, help="records rendered by the plain baseline"
    )
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    if args.envelopes:
        records = envelope_records(args.envelopes)
        # an envelope's imprint is one page; the plain baseline renders the variable layer's
        # document per envelope, counted as one envelope (one imprint page) each
        envelopes_s, pages_s, plain_rss = baseline(
            "envelope.personal-delivery", "variable", records[: args.baseline], args.workers
        )
        result = batch("envelope.personal-delivery", records, args.workers)
        report(
            f"{args.envelopes} envelopes (variable imprint)",
            result,
            result["files"]["imprint.pdf"],
            envelopes_s,
            plain_rss,
        )
        print(
            f"  (plain WeasyPrint's variable document has 3 pages: {pages_s:.1f} pages/s counted that way; "
            f"the imprint's {result['files']['imprint.pdf'] / result['seconds']:.0f} pages/s is "
            f"{result['files']['imprint.pdf'] / result['seconds'] / pages_s:.1f}x that)"
        )
    if args.plates:
        records = plate_records(args.plates)
        _, plain, plain_rss = baseline(
            "sign.name-plate", None, records[: args.baseline], args.workers
        )
        result = batch("sign.name-plate", records, args.workers, "merged")
        report(
            f"{args.plates} name plates (merged)",
            result,
            result["files"]["merged.pdf"],
            plain,
            plain_rss,
        )
    if args.books:
        records = book_records(args.books)
        _, plain, plain_rss = baseline(
            "complaint-book",
            None,
            records[: max(2, min(args.books, args.baseline // 50))],
            args.workers,
        )
        result = batch("complaint-book", records, args.workers, "merged")
        report(
            f"{args.books} complaint books (merged)",
            result,
            result["files"]["merged.pdf"],
            plain,
            plain_rss,
        )


if __name__ == "__main__":
    main()
