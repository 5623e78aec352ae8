"""Certification confirmations (P 51): the wording verbatim, the choices unambiguous."""

import io
import re
from pathlib import Path

import pdfplumber
import pytest

from renderer.options import RenderOptions

from .conftest import sample
from .pdfmeasure import MM_PER_PT, all_text, find_all

DATA = Path(__file__).parent / "data"


def normalise(text: str) -> str:
    return " ".join(text.replace("»", "").replace("«", "").split())


def render(pipeline, data, languages=("sl",)):
    return pipeline.render(
        "certification.copy", {"languages": list(languages), "data": data}, RenderOptions("pdf")
    ).content


def test_wording_verbatim_blanks_filled(pipeline):
    data = sample("certification.copy")["data"]
    seed = (DATA / "p51-3.txt").read_text(encoding="utf-8")
    values = iter(
        [
            data["document"],
            "2",
            "stranki",
            "1,50 EUR",
            data["number"],
            data["place"],
            "20. 11. 2026",
        ]
    )
    seed = re.sub(
        r"\s*\.{20,}\s*\n\s*\.{20,}", " ....", seed
    )  # a blank spread over two lines is one blank
    expected = re.sub(r"[.…]{3,}(\s*SIT)?", lambda _: " " + next(values) + " ", seed)
    expected = normalise(expected).replace(" ,", ",").replace(" .", ".")
    text = normalise(all_text(render(pipeline, data))).replace(" ,", ",").replace(" .", ".")
    text = text.replace("Upravna enota Celje ", "").replace(" Maja Kos", "")
    # the PDF's text runs in reading order except the signature block, and the extraction
    # may drop the space between two adjacent values: compare word for word, spaces aside
    assert text.replace(" ", "") == expected.replace(" ", "")


def struck(pdf: bytes, phrase: str) -> bool:
    """Whether a line runs through the middle of ``phrase`` (its first occurrence)."""
    box = find_all(pdf, phrase)[0]
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0]
        strokes = page.rects + page.lines
    middle = (box.top + box.bottom) / 2
    for s in strokes:
        x0, x1 = s["x0"] * MM_PER_PT, s["x1"] * MM_PER_PT
        top, bottom = s["top"] * MM_PER_PT, s["bottom"] * MM_PER_PT
        if (
            x0 <= box.x0 + 0.5
            and x1 >= box.x1 - 0.5
            and box.top < top <= bottom < box.bottom
            and abs((top + bottom) / 2 - middle) < 1.0
        ):
            return True
    return False


@pytest.mark.parametrize(
    "source, chosen, others",
    [
        (
            "original",
            "originalne listine",
            ["overjenega prepisa", "navadnega prepisa", "kopije listine"],
        ),
        (
            "copy",
            "kopije listine",
            ["originalne listine", "overjenega prepisa", "navadnega prepisa"],
        ),
    ],
)
def test_alternatives_not_chosen_are_struck(pipeline, source, chosen, others):
    data = dict(sample("certification.copy")["data"], source=source)
    pdf = render(pipeline, data)
    assert not struck(pdf, chosen)
    for phrase in others:
        assert struck(pdf, phrase), phrase


def test_without_a_choice_nothing_is_struck_and_blanks_are_dots(pipeline):
    pdf = render(pipeline, {"authority": "Upravna enota Celje"})
    for phrase in ("originalne listine", "overjenega prepisa", "s črnilom", "kopija izvirnika"):
        assert not struck(pdf, phrase)
    assert "……………" in all_text(pdf)


def test_bilingual_both_texts(pipeline):
    pdf = render(pipeline, sample("certification.copy", ("sl", "hu"))["data"], ("sl", "hu"))
    text = normalise(all_text(pdf))
    assert "potrjuje," in text and "igazolja," in text
    assert text.index("potrjuje,") < text.index("igazolja,")


def test_fee_with_the_requested_currency(pipeline):
    data = dict(sample("certification.copy")["data"], fee="12.5", currency="EUR")
    assert "vznesku12,50EURjeplačana" in all_text(render(pipeline, data)).replace(" ", "").replace(
        "\n", ""
    )


def test_what_does_not_fit_is_refused_not_dropped(client):
    """Values that push the text past the rectangle are a 422; before, the end of the text
    (fee, Št. OV, the official) was silently lost at the page's edge."""
    import json

    data = dict(
        sample("certification.copy", ("sl", "it"))["data"],
        document=("MMMM WWWW " * 20)[:200],
        held_at=("MMMM WWWW " * 20)[:200],
    )
    resp = client.simulate_post(
        "/v1/render/certification.copy",
        body=json.dumps({"languages": ["sl", "it"], "data": data}),
        headers={"Content-Type": "application/json"},
    )
    assert resp.status_code == 422 and resp.json["errors"][0]["pointer"].startswith("/data"), (
        resp.text
    )
