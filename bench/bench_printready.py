"""Print-ready output and imposition.

    .venv/bin/python bench/bench_printready.py [--repeat 5]

1. What print-readiness costs: the warm pipeline rendering a layout as format=pdf (the
   baseline, same run) against format=pdfx-4 (bleed, output intent, sRGB characterisation)
   and pdfx-4 with crop marks. Prints the medians and the ratios.
2. Imposition: the 100-page complaint book (pdfx-4) imposed 2-up on SRA3, n-up and
   cut-and-stack, and 200 business-card pages 21-up: median time and ms per source page,
   against re-rendering the same source document through the pipeline (the baseline).
Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
from io import BytesIO

import pikepdf
from common import median_ms

from renderer.options import RenderOptions
from renderer.pipeline import Pipeline
from renderer.press.impose import Imposition, impose


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    pipeline = Pipeline()

    print("1. format=pdf (baseline) vs pdfx-4 vs pdfx-4 + crop marks, warm, median ms")
    for layout_id, variant in (
        ("complaint-book.cover", None),
        ("complaint-book", None),
        ("envelope.personal-delivery", "proof"),
        ("sign.facade", "print"),
    ):
        body = pipeline.layout(layout_id).sample(("sl",))
        times = [
            median_ms(
                lambda o=o, layout_id=layout_id, body=body: pipeline.render(layout_id, body, o),
                repeat,
            )
            for o in (
                RenderOptions("pdf", variant=variant),
                RenderOptions("pdfx-4", variant=variant),
                RenderOptions("pdfx-4", variant=variant, marks="crop"),
            )
        ]
        print(
            f"   {layout_id:<28} pdf {times[0]:7.1f}   pdfx-4 {times[1]:7.1f} ({times[1] / times[0]:.2f}x)"
            f"   +marks {times[2]:7.1f} ({times[2] / times[0]:.2f}x)"
        )

    print("2. imposition, median ms (baseline: rendering the source document)")
    book_body = pipeline.layout("complaint-book").sample(("sl",))
    book = pipeline.render("complaint-book", book_body, RenderOptions("pdfx-4")).content
    baseline = median_ms(
        lambda: pipeline.render("complaint-book", book_body, RenderOptions("pdfx-4")), repeat
    )
    for mode in ("n-up", "cut-and-stack"):
        ms = median_ms(lambda m=mode: impose(book, Imposition(mode=m), "BENCH"), repeat)
        print(
            f"   complaint book, 100 pages, {mode:<13} {ms:7.1f} ms ({ms / 100:.2f} ms/page; "
            f"rendering the book: {baseline:.1f} ms, ratio {ms / baseline:.2f})"
        )
    card_body = pipeline.layout("badge.official").sample(("sl",))
    card = pipeline.render("badge.official", card_body, RenderOptions("pdfx-4")).content
    with pikepdf.open(BytesIO(card)) as pdf:
        for _ in range(199):
            pdf.pages.append(pdf.pages[0])
        out = BytesIO()
        pdf.save(out)
    cards = out.getvalue()
    ms = median_ms(lambda: impose(cards, Imposition(), "BENCH"), repeat)
    print(f"   200 badge pages n-up on SRA3          {ms:7.1f} ms ({ms / 200:.2f} ms/page)")


if __name__ == "__main__":
    main()
