"""The facade sign (P 8) uses its height: the arms at the top, the logotype under them, and
no more than 15 % of the sign empty below the last line (issue 15: it was 39 %)."""

import io

import pdfplumber
import pytest

from renderer.options import RenderOptions

from .conftest import sample
from .pdfmeasure import MM_PER_PT


@pytest.mark.parametrize("languages", [("sl",), ("sl", "it"), ("sl", "hu")], ids="+".join)
def test_facade_fills_its_height(pipeline, languages):
    pdf = pipeline.render("sign.facade", sample("sign.facade", languages), RenderOptions("pdf"))
    with pdfplumber.open(io.BytesIO(pdf.content)) as doc:
        page = doc.pages[0]
        chars = [c for c in page.chars if c["text"].strip()]
        bottom = max(c["bottom"] for c in chars) * MM_PER_PT
        assert float(page.height) * MM_PER_PT == pytest.approx(400, abs=0.1)
    assert 400 - bottom <= 0.15 * 400, bottom
    assert bottom <= 400 - 16 + 0.5  # the bottom margin kept


def test_a_name_that_wraps_keeps_the_arms_at_their_least(pipeline):
    """A name too long for one line at the least size wraps; the arms then stay 128 mm so
    the wrapped lines still fit (the fit check refuses nothing)."""
    long = (
        "Ministrstvo za gospodarstvo, turizem in šport, Direktorat za notranji trg, "
        "Sektor za tehnično zakonodajo"
    )
    body = {"languages": ["sl"], "data": {"authority": [long]}}
    pdf = pipeline.render("sign.facade", body, RenderOptions("pdf")).content
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = " ".join(doc.pages[0].extract_text().split())
    assert long.upper() in text
