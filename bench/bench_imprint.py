"""The envelope imprint (renderer/imprint.py) against plain WeasyPrint, pages per second.

    .venv/bin/python bench/bench_imprint.py [--records 1000] [--baseline 100]

Records: generated personal-delivery envelopes (varied names with diacritics, streets,
S10 item numbers, document numbers), the same for every contender. Measured in the same
run, wall time of the whole batch once the workers are warm:

- baseline: plain WeasyPrint rendering the variable variant's HTML (CSS inlined) as one
  document per envelope, in 2 processes, on ``--baseline`` records;
- the imprint: validate + ``check`` + ``write`` in chunks of 100 records, in 1 process and
  in 2 processes (multiprocessing).

Prints pages/s, the ratios to the baseline, the PDF size per 100 pages and each worker's
peak RSS. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import time

from weasyprint import HTML

from common import standalone_html
from renderer.barcodes import s10_check_digit
from renderer.imprint import EnvelopeImprint
from renderer.pipeline import Pipeline

LAYOUT = "envelope.personal-delivery"
LANGUAGES = ("sl",)
CHUNK = 100

FIRST = ["Janez", "Marija", "Đurđa", "Ivan", "Ana", "Žiga", "Čedomir", "Šimen", "Ćiril", "Giulia", "Zoltán", "Ödön"]
LAST = ["Novak", "Horvat", "Kovačič", "Krajnc", "Zupančič", "Potočnik", "Čebašek", "Žužek", "Đurić", "Rossi", "Kovács", "Szőke"]
STREETS = ["Celovška cesta", "Tobačna ulica", "Trg ljudske pravice", "Ulica Istrskega odreda", "Glavna ulica",
           "Cesta v Šmartno", "Pot na Ključ", "Ulica Ćirila Kosmača"]
PLACES = ["1000 Ljubljana", "2000 Maribor", "6000 Koper", "9220 Lendava", "3000 Celje", "4000 Kranj"]


def records(count: int, seed: int = 8) -> list[dict]:
    rng = random.Random(seed)
    bodies = []
    for i in range(count):
        serial = f"{rng.randrange(10**8):08d}"
        addressee = [f"{rng.choice(FIRST)} {rng.choice(LAST)}", f"{rng.choice(STREETS)} {rng.randrange(1, 200)}",
                     rng.choice(PLACES)]
        if rng.random() < 0.2:
            addressee.insert(1, f"c/o {rng.choice(FIRST)} {rng.choice(LAST)}")
        bodies.append({"languages": list(LANGUAGES), "data": {
            "code": f"351-{rng.randrange(1, 9999)}/2026-{rng.randrange(1, 20)}",
            "content": rng.choice(["odločba", "sklep", "poziv", "vabilo", None]),
            "sender": ["Upravna enota Ljubljana", "Tobačna ulica 5", "1000 Ljubljana"],
            "addressee": addressee,
            "post_office": "1102",
            "item_number": f"RR{serial}{s10_check_digit(serial)}SI",
            "document_number": f"351-{i + 1}/2026-{rng.randrange(1, 9)}",
        }})
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


def _imprint_chunk(bodies: list[dict]) -> tuple[int, int]:
    layout = _pipeline.layout(LAYOUT)
    requests = [_pipeline.validate(layout, body) for body in bodies]
    errors = [e for request in requests for e in _imprint.check(request)]
    if errors:
        raise RuntimeError(errors)
    return len(_imprint.write(requests)), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _weasyprint_one(body: dict) -> tuple[int, int]:
    layout = _pipeline.layout(LAYOUT)
    request = _pipeline.validate(layout, body)
    composition = _pipeline.composer.compose(layout, request, "variable")
    pdf = HTML(string=standalone_html(_pipeline, layout, composition), base_url=composition.base_url).write_pdf()
    return len(pdf), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _timed(pool, fn, items) -> tuple[float, list]:
    start = time.perf_counter()
    results = pool.map(fn, items, chunksize=1) if pool else [fn(item) for item in items]
    return time.perf_counter() - start, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--baseline", type=int, default=100)
    args = parser.parse_args()
    bodies = records(args.records)
    chunks = [bodies[i:i + CHUNK] for i in range(0, len(bodies), CHUNK)]
    context = multiprocessing.get_context("fork")

    with context.Pool(2, initializer=_init_baseline) as pool:
        pool.map(_weasyprint_one, records(4, seed=2), chunksize=1)  # both workers started
        base_s, base_results = _timed(pool, _weasyprint_one, bodies[:args.baseline])
    with context.Pool(2, initializer=_init_imprint) as pool:
        pool.map(_imprint_chunk, [records(CHUNK, seed=2)] * 2, chunksize=1)
        two_s, two_results = _timed(pool, _imprint_chunk, chunks)
    _init_imprint()
    one_s, one_results = _timed(None, _imprint_chunk, chunks)

    base = args.baseline / base_s
    one, two = len(bodies) / one_s, len(bodies) / two_s
    size_100 = sum(size for size, _ in two_results) / len(bodies) * 100
    print(f"baseline: plain WeasyPrint, one document per envelope, 2 processes: {base:7.1f} pages/s "
          f"({args.baseline} records, {base_s * 1000 / args.baseline * 2:.1f} ms per page per process)")
    print(f"imprint, 1 process : {one:7.1f} pages/s  ratio {one / base:5.1f}x")
    print(f"imprint, 2 processes: {two:7.1f} pages/s  ratio {two / base:5.1f}x  "
          f"(target >= 150 pages/s on 2 cores, >= 5.5x)")
    print(f"imprint PDF: {size_100 / 1024:.0f} KiB per 100 pages (chunks of {CHUNK}, font subset included)")
    print(f"peak RSS per worker: imprint {max(r for _, r in two_results) / 1024:.0f} MiB, "
          f"baseline {max(r for _, r in base_results) / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
