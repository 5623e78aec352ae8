"""The envelope imprint (renderer/imprint.py) against plain WeasyPrint, pages per second.

    .venv/bin/python bench/bench_imprint.py [--records 1000] [--baseline 100]

Records: generated personal-delivery envelopes (varied names with diacritics, streets,
S10 item numbers, document numbers), the same for every contender. Measured in the same
run, wall time of the whole batch once the workers are warm:

- baselines, one document per envelope in 2 processes on ``--baseline`` records: plain
  WeasyPrint rendering the variable variant's HTML (CSS inlined, nothing kept between
  documents), and the pipeline's own ``variable`` render (WeasyPrint with its fonts and
  stylesheets kept, plus the fit check and finishing: the faster of the two, and the one
  the ratios are taken against);
- the imprint: validate + ``check`` + ``write`` in chunks of 100 records, in 1 process and
  in 2 processes (multiprocessing).

Prints pages/s, the ratios to the baselines, the PDF size per 100 pages, each worker's
peak RSS and the load average (the machine is shared: wall-clock rates fall with it, the
ratios much less). Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import time

from common import standalone_html
from weasyprint import HTML

from renderer.barcodes import s10_check_digit
from renderer.imprint import EnvelopeImprint
from renderer.options import RenderOptions
from renderer.pipeline import Pipeline

LAYOUT = "envelope.personal-delivery"
LANGUAGES = ("sl",)
CHUNK = 100

FIRST = [
    "Janez",
    "Marija",
    "Đurđa",
    "Ivan",
    "Ana",
    "Žiga",
    "Čedomir",
    "Šimen",
    "Ćiril",
    "Giulia",
    "Zoltán",
    "Ödön",
]
LAST = [
    "Novak",
    "Horvat",
    "Kovačič",
    "Krajnc",
    "Zupančič",
    "Potočnik",
    "Čebašek",
    "Žužek",
    "Đurić",
    "Rossi",
    "Kovács",
    "Szőke",
]
STREETS = [
    "Celovška cesta",
    "Tobačna ulica",
    "Trg ljudske pravice",
    "Ulica Istrskega odreda",
    "Glavna ulica",
    "Cesta v Šmartno",
    "Pot na Ključ",
    "Ulica Ćirila Kosmača",
]
PLACES = [
    "1000 Ljubljana",
    "2000 Maribor",
    "6000 Koper",
    "9220 Lendava",
    "3000 Celje",
    "4000 Kranj",
]


def records(count: int, seed: int = 8) -> list[dict]:
    rng = random.Random(seed)
    bodies = []
    for i in range(count):
        serial = f"{rng.randrange(10**8):08d}"
        addressee = [
            f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            f"{rng.choice(STREETS)} {rng.randrange(1, 200)}",
            rng.choice(PLACES),
        ]
        if rng.random() < 0.2:
            addressee.insert(1, f"c/o {rng.choice(FIRST)} {rng.choice(LAST)}")
        bodies.append(
            {
                "languages": list(LANGUAGES),
                "data": {
                    "code": f"351-{rng.randrange(1, 9999)}/2026-{rng.randrange(1, 20)}",
                    "content": rng.choice(["odločba", "sklep", "poziv", "vabilo", None]),
                    "sender": ["Upravna enota Ljubljana", "Tobačna ulica 5", "1000 Ljubljana"],
                    "addressee": addressee,
                    "post_office": "1102",
                    "item_number": f"RR{serial}{s10_check_digit(serial)}SI",
                    "document_number": f"351-{i + 1}/2026-{rng.randrange(1, 9)}",
                },
            }
        )
    return bodies


# --- workers ----------------------------------------------------------------------------

_pipeline: Pipeline | None = None
_imprint: EnvelopeImprint | None = None


def _init_imprint() -> None:
    global _pipeline, _imprint
    _pipeline = Pipeline()
    _imprint = EnvelopeImprint(_pipeline, LANGUAGES)
    _imprint_chunk(records(CHUNK, seed=1))  # warm: fonts, HarfBuzz


def _init_baseline() -> None:
    global _pipeline
    _pipeline = Pipeline()
    _weasyprint_one(records(1, seed=1)[0])  # warm: WeasyPrint's fonts
    _pipeline_one(records(1, seed=1)[0])


def _cpu(fn):
    """``fn`` returning (PDF size, peak RSS KiB, CPU seconds of this call)."""

    def timed(arg):
        start = time.process_time()
        size = fn(arg)
        return size, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.process_time() - start

    timed.__name__ = timed.__qualname__ = fn.__name__.lstrip("_")
    return timed


def _imprint_chunk(bodies: list[dict]) -> int:
    layout = _pipeline.layout(LAYOUT)
    requests = [_pipeline.validate(layout, body) for body in bodies]
    errors = [e for request in requests for e in _imprint.check(request)]
    if errors:
        raise RuntimeError(errors)
    return len(_imprint.write(requests))


def _weasyprint_one(body: dict) -> int:
    layout = _pipeline.layout(LAYOUT)
    request = _pipeline.validate(layout, body)
    composition = _pipeline.composer.compose(layout, request, "variable")
    return len(
        HTML(
            string=standalone_html(_pipeline, layout, composition), base_url=composition.base_url
        ).write_pdf()
    )


def _pipeline_one(body: dict) -> int:
    return len(_pipeline.render(LAYOUT, body, RenderOptions("pdf", variant="variable")).content)


imprint_chunk, weasyprint_one, pipeline_one = (
    _cpu(_imprint_chunk),
    _cpu(_weasyprint_one),
    _cpu(_pipeline_one),
)


def _timed(pool, fn, items) -> tuple[float, list]:
    start = time.perf_counter()
    results = pool.map(fn, items, chunksize=1) if pool else [fn(item) for item in items]
    return time.perf_counter() - start, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--baseline", type=int, default=60)
    args = parser.parse_args()
    bodies = records(args.records)
    chunks = [bodies[i : i + CHUNK] for i in range(0, len(bodies), CHUNK)]
    context = multiprocessing.get_context("fork")

    with context.Pool(2, initializer=_init_baseline) as pool:
        pool.map(_weasyprint_one, records(4, seed=2), chunksize=1)  # both workers started
        plain_s, plain_results = _timed(pool, weasyprint_one, bodies[: args.baseline])
        base_s, base_results = _timed(pool, pipeline_one, bodies[: args.baseline])
    with context.Pool(2, initializer=_init_imprint) as pool:
        pool.map(_imprint_chunk, [records(CHUNK, seed=2)] * 2, chunksize=1)
        two_s, two_results = _timed(pool, imprint_chunk, chunks)
    _init_imprint()
    one_s, one_results = _timed(None, imprint_chunk, chunks)

    plain, base = args.baseline / plain_s, args.baseline / base_s
    one, two = len(bodies) / one_s, len(bodies) / two_s
    size_100 = sum(size for size, _, _ in two_results) / len(bodies) * 100

    def cpu_ms(results, pages):
        return sum(cpu for _, _, cpu in results) / pages * 1000

    plain_cpu, base_cpu = cpu_ms(plain_results, args.baseline), cpu_ms(base_results, args.baseline)
    mine_cpu = cpu_ms(two_results, len(bodies))
    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared: wall-clock rates fall with it)"
    )
    print(f"baselines, 2 processes, one document per envelope ({args.baseline} records):")
    print(f"  plain WeasyPrint      {plain:7.1f} pages/s   CPU {plain_cpu:6.1f} ms/page")
    print(f"  pipeline, variable    {base:7.1f} pages/s   CPU {base_cpu:6.1f} ms/page")
    print(f"imprint (validate + check + write, chunks of {CHUNK}):")
    print(
        f"  1 process             {one:7.1f} pages/s   {one / base:6.1f}x the pipeline, {one / plain:6.1f}x plain"
    )
    print(
        f"  2 processes           {two:7.1f} pages/s   {two / base:6.1f}x the pipeline, {two / plain:6.1f}x plain   "
        f"CPU {mine_cpu:5.2f} ms/page: {base_cpu / mine_cpu:.0f}x less than the pipeline"
    )
    print(
        f"  target: >= 150 pages/s on 2 cores (>= 5.5x); per core by CPU time: {1000 / mine_cpu:.0f} pages/s"
    )
    print(f"imprint PDF: {size_100 / 1024:.0f} KiB per 100 pages (font subset included)")
    print(
        f"peak RSS per worker: imprint {max(r for _, r, _ in two_results) / 1024:.0f} MiB, "
        f"pipeline {max(r for _, r, _ in base_results) / 1024:.0f} MiB"
    )


if __name__ == "__main__":
    main()
