"""Whole books and the printed register.

    .venv/bin/python bench/bench_books.py [--repeat 5]

1. The complaint book (105 pages: cover, endpaper, the 100-page block), warm, through the
   pipeline (the inner page rendered once and reused), against plain WeasyPrint rendering
   the same 105 pages as one HTML document (the 98 inner pages written out with their
   numbers) in the same run. Prints both medians
   and the ratio.
2. The printed certification register for 60, 120 and 240 entries (the most a request takes): median time, ms per
   entry, and the peak RSS of a fresh process rendering it, to show time and memory grow
   linearly. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

from common import median_ms, standalone_html
from weasyprint import HTML

from renderer.compose import Composition
from renderer.options import RenderOptions
from renderer.pipeline import Pipeline

WHOLE_BOOKS = {
    # every page of the book written out, numbered as the assembler numbers them
    "complaint-book": (
        '{% import "common/complaint-book.html.j2" as book with context %}'
        '{% from "common/books.html.j2" import title_page, blank_page with context %}'
        "{% block page %}{{ book.cover() }}{{ blank_page() }}{{ blank_page() }}{{ blank_page() }}"
        "{{ book.notice() }}"
        '{{ title_page(_("KNJIGA PRIPOMB IN POHVAL"), _("Organ javne uprave"), _("Žig"), '
        'arms="grb-rs-black.svg") }}{{ blank_page() }}'
        "{% for n in range(1, count + 1) %}{{ book.inner_page(n) }}{% endfor %}{% endblock %}"
    ),
    "certification-book": (
        '{% import "common/certification-book.html.j2" as book with context %}'
        '{% from "common/books.html.j2" import title_page, blank_page with context %}'
        "{% block page %}{{ book.cover() }}"
        '{{ title_page(_("KNJIGA OVERITEV"), _("(naziv organa, ki vodi knjigo overitev)"), _("žig")) }}'
        "{% for n in range(1, count + 1) %}{{ book.left_page(book.ROWS, 2 * n - 1) }}"
        "{{ book.right_page(book.ROWS, 2 * n) }}{% endfor %}"
        "{{ blank_page() }}{{ blank_page() }}{{ blank_page() }}{% endblock %}"
    ),
    # a page and a spread alone, numbered from the request as the assembler numbers them
    "complaint-book.page": (
        '{% import "common/complaint-book.html.j2" as book with context %}'
        "{% block page %}{{ book.inner_page(data.page_number) }}{% endblock %}"
    ),
    "certification-book.spread": (
        '{% import "common/certification-book.html.j2" as book with context %}'
        "{% block page %}{{ book.left_page(book.ROWS, data.first_page) }}"
        "{{ book.right_page(book.ROWS, data.first_page + 1) }}{% endblock %}"
    ),
}


def plain_book_html(
    pipeline: Pipeline, layout_id: str = "complaint-book", languages=("sl",)
) -> tuple[str, str]:
    """A whole book (``WHOLE_BOOKS``) as one HTML document, every page written out."""
    layout = pipeline.layout(layout_id)
    request = pipeline.validate(layout, layout.sample(languages))
    template = pipeline.composer.env.from_string(
        '{% extends "common/base.html.j2" %}' + WHOLE_BOOKS[layout_id]
    )
    html = template.render(
        _=pipeline.catalogs.translator(request.languages),
        languages=request.languages,
        bilingual=len(request.languages) > 1,
        data=request.data,
        layout=layout,
        variant="screen",
        title=" / ".join(layout.titles[lang] for lang in request.languages),
        count=layout.assembly.count or request.data.repeat_count,
    )
    return standalone_html(pipeline, layout, Composition(html, "")), layout.directory.as_uri() + "/"


def register_entries(count: int) -> list[dict]:
    return [
        {
            "number": f"{i + 1}/26",
            "certified_on": "2026-11-20",
            "party": f"Priimek{i + 1} Ime, Celje, Ulica {i % 90 + 1}",
            "identity": "identity-card",
            "identity_detail": f"{100000 + i}",
            "kind": ["signature", "transcript", "copy"][i % 3],
            "document": "pooblastilo",
            "pages_or_copies": "1 str.",
            "fee": "4,50 EUR",
            "official": "Maja Kos",
        }
        for i in range(count)
    ]


def register_child(count: int) -> None:
    """In a fresh process: render the register once warm, print seconds and peak RSS."""
    pipeline = Pipeline()
    body = {"languages": ["sl"], "data": {"entries": register_entries(count)}}
    pipeline.render(
        "certification-book.register",
        {"languages": ["sl"], "data": {"entries": register_entries(12)}},
    )
    start = time.perf_counter()
    result = pipeline.render("certification-book.register", body, RenderOptions("pdf"))
    elapsed = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": elapsed, "peak_mib": peak_kib / 1024, "pages": result.pages}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--register-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.register_child:
        register_child(args.register_child)
        return

    pipeline = Pipeline()
    for fmt in ("pdf", "pdfa-2b"):
        options = RenderOptions(fmt)
        body = pipeline.layout("complaint-book").sample(("sl",))
        ours = (
            median_ms(
                lambda b=body, o=options: pipeline.render("complaint-book", b, o), args.repeat
            )
            / 1000
        )
        html, base_url = plain_book_html(pipeline)
        plain_pages = len(HTML(string=html, base_url=base_url).render().pages)
        ours_pages = pipeline.render("complaint-book", body, options).pages
        if plain_pages != ours_pages:
            raise SystemExit(
                f"the baseline has {plain_pages} pages, the pipeline's book {ours_pages}: not the same document"
            )
        variant = {"pdf_variant": options.output.pdf_variant} if options.output.pdf_variant else {}
        plain = (
            median_ms(
                lambda h=html, u=base_url, v=variant: HTML(string=h, base_url=u).write_pdf(**v),
                max(1, args.repeat // 2),
            )
            / 1000
        )
        print(
            f"complaint book, {ours_pages} pages both, {fmt:<8} pipeline {ours * 1000:7.0f} ms   "
            f"plain WeasyPrint {plain * 1000:7.0f} ms   ratio {ours / plain:.3f}"
        )

    print("certification register (fresh process each): entries, seconds, ms/entry, peak RSS")
    for count in (60, 120, 240):
        out = subprocess.run(
            [sys.executable, __file__, "--register-child", str(count)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        result = json.loads(out)
        print(
            f"  {count:4d} entries  {result['pages']:3d} pages  {result['seconds']:6.2f} s  "
            f"{result['seconds'] * 1000 / count:5.1f} ms/entry  {result['peak_mib']:6.0f} MiB"
        )


if __name__ == "__main__":
    main()
