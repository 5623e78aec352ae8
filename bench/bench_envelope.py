"""The personal-delivery envelope: proof, variable layer, pre-print.

    .venv/bin/python bench/bench_envelope.py [--repeat 10]

Baseline, measured in the same run: plain WeasyPrint rendering the envelope's complete
proof HTML (every page, pre-printed matter and variable data together) as PDF/A-2b, nothing
kept between renders. Against it: the pipeline's warm proof in PDF/A-2b (the cached
pre-print with the variable layer drawn over it) and the variable layer alone. Prints the
medians and the ratios. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse

from common import median_ms, standalone_html
from weasyprint import HTML

from renderer.options import RenderOptions
from renderer.pipeline import Pipeline

LAYOUT = "envelope.personal-delivery"


def full_html(pipeline: Pipeline, languages) -> tuple[str, str]:
    """The whole envelope (both layers) as one HTML document with its CSS inlined."""
    layout = pipeline.layout(LAYOUT)
    request = pipeline.validate(layout, layout.sample(languages))
    composition = pipeline.composer.compose(layout, request, "all")  # neither layer left out
    return standalone_html(pipeline, layout, composition), composition.base_url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    pipeline = Pipeline()
    for languages in (("sl",), ("sl", "hu")):
        body = pipeline.layout(LAYOUT).sample(languages)
        html, base_url = full_html(pipeline, languages)
        plain = median_ms(
            lambda html=html, base_url=base_url: HTML(string=html, base_url=base_url).write_pdf(
                pdf_variant="pdf/a-2b"
            ),
            args.repeat,
        )
        proof = median_ms(
            lambda body=body: pipeline.render(
                LAYOUT, body, RenderOptions("pdfa-2b", variant="proof")
            ),
            args.repeat,
        )
        variable = median_ms(
            lambda body=body: pipeline.render(
                LAYOUT, body, RenderOptions("pdfa-2b", variant="variable")
            ),
            args.repeat,
        )
        preprint = median_ms(
            lambda body=body: pipeline.render(
                LAYOUT, body, RenderOptions("pdf", variant="preprint")
            ),
            args.repeat,
        )
        print(
            f"{'+'.join(languages):<6} plain WeasyPrint {plain:7.1f} ms | proof pdfa-2b {proof:6.1f} ms "
            f"(ratio {proof / plain:.2f}) | variable {variable:6.1f} ms (ratio {variable / plain:.2f}) | "
            f"preprint (cached) {preprint:5.1f} ms"
        )


if __name__ == "__main__":
    main()
