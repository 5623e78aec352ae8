"""The clause page of a certified electronic copy (P 52): an A4 page read on screen, so the
confirmation spans the page's width in legible type, not the paper form's 160 x 100 mm at
6.4 pt (issue 15)."""

import io

import pdfplumber
import pytest

from renderer.options import RenderOptions

from .pdfmeasure import MM_PER_PT

LAYOUT = "certification.electronic-copy"


@pytest.mark.parametrize("languages", [("sl",), ("sl", "it"), ("sl", "hu")], ids="+".join)
def test_clause_spans_the_page_in_legible_type(pipeline, languages):
    pdf = pipeline.render_sample(LAYOUT, languages, RenderOptions("pdf")).content
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[-1]  # the clause page, after the scan's pages
        assert float(page.width) * MM_PER_PT == pytest.approx(210, abs=0.1)
        sizes = [c["size"] for c in page.chars if c["text"].strip()]
        frame = max(page.rects, key=lambda r: r["width"] * r["height"])
        width = frame["width"] * MM_PER_PT
        bottom = frame["bottom"] * MM_PER_PT
    assert min(sizes) >= (9.4 if len(languages) > 1 else 10.9), min(sizes)
    assert 165 <= width <= 171 and bottom <= 297 - 20, (width, bottom)
