"""Warm render time per layout, against a raw WeasyPrint render of the same HTML.

    .venv/bin/python bench/bench_render.py [--repeat 20] [--format pdf] [--layout ID ...]

For each layout's Slovenian and bilingual samples: the full pipeline warm (validate,
compose, render, overflow check, finish), and, in the same run, plain WeasyPrint
``HTML(string=...).write_pdf()`` of the same composed HTML with the same CSS inlined and
nothing kept between renders. Prints the median ms per document and the ratio
pipeline / raw. Not a test: timing is not asserted anywhere.
"""

from __future__ import annotations

import argparse
import statistics

from common import median_ms, standalone_html
from weasyprint import HTML

from renderer.options import RenderOptions
from renderer.pipeline import Pipeline


def raw_html(pipeline: Pipeline, layout, languages) -> tuple[str, str]:
    """The composed HTML with fonts, base, page and layout CSS inlined in a <style>."""
    request = pipeline.validate(layout, layout.sample(languages))
    composition = pipeline.composer.compose(layout, request)
    return standalone_html(pipeline, layout, composition), composition.base_url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--format", default="pdf", choices=["pdf", "pdfa-1b", "pdfa-2b", "pdfa-3b"])
    parser.add_argument("--layout", action="append", help="only these layouts (default: all)")
    args = parser.parse_args()
    pipeline = Pipeline()
    options = RenderOptions(args.format)
    variant = options.output.pdf_variant
    print(f"format={args.format} repeat={args.repeat} (median ms per document)")
    print(f"{'layout':<24} {'langs':<6} {'pipeline':>9} {'raw WP':>9} {'ratio':>6}")
    ratios = []
    for layout in pipeline.registry:
        if args.layout and layout.id not in args.layout:
            continue
        for languages in (("sl",), ("sl", "hu")):
            # the sample with its bundled upload, for a layout that takes one
            ours = median_ms(
                lambda layout=layout, languages=languages: pipeline.render_sample(
                    layout.id, languages, options
                ),
                args.repeat,
            )
            html, base_url = raw_html(pipeline, layout, languages)
            raw = median_ms(
                lambda html=html, base_url=base_url: HTML(string=html, base_url=base_url).write_pdf(
                    **({"pdf_variant": variant} if variant else {})
                ),
                args.repeat,
            )
            ratios.append(ours / raw)
            print(
                f"{layout.id:<24} {'+'.join(languages):<6} {ours:>9.1f} {raw:>9.1f} {ours / raw:>6.2f}"
            )
    print(f"geometric mean ratio: {statistics.geometric_mean(ratios):.2f}")


if __name__ == "__main__":
    main()
