"""Electronic messages and e-delivery slips: the regulation's words in every output format."""

import json
import re
from pathlib import Path

import pytest
from lxml import html as lxml_html

from renderer.options import OptionError, RenderOptions

from .conftest import sample
from .pdfmeasure import all_text

DATA = Path(__file__).parent / "data"
BLANK = re.compile(r"[.…]{3,}")
HINT = re.compile(r"\s*\((?:navedba|izpolni|ime, priimek)[^)]*\)")


def normalise(text: str) -> str:
    text = text.replace("»", "").replace("«", "").replace("V R O Č I L N I C A", "")
    return " ".join(text.split())


def expected(seed: str, values: list[str]) -> str:
    """The seed's text with its hints dropped and its blanks filled, in order."""
    filled = iter(values)
    text = BLANK.sub(lambda _: " " + next(filled) + " ", seed)  # before the hints go: a hint
    text = HINT.sub("", text)  # can separate a blank from the sentence's full stop
    text = re.sub(r"\s+([,.])", r"\1", text)  # a filled blank before punctuation
    text = re.sub(
        r"(?<=\w\.)\.(?=[\s«»]|$)", "", text
    )  # a value ending in "d.o.o." ends the sentence
    return normalise(text)


CASES = {
    "e-delivery.accepted": (
        "p36.txt",
        ["provider", "received_on", "document_code", "addressee", "notified_on", "notified_at"],
    ),
    "e-delivery.slip": (
        "p41.txt",
        ["addressee", "taken_on", "taken_at", "authority", "document_code"],
    ),
    "e-delivery.failed": ("p44.txt", ["addressee", "document_code"]),
    "e-delivery.unknown-address": (
        "p37.txt",
        ["provider", "sent_on", "sent_at", "addressee", "email", "document_code", "provider"],
    ),
    "e-delivery.notice": (
        "p38.txt",
        ["provider", "received_on", "received_at", "authority", "document_code", "web_address"],
    ),
    "e-delivery.reminder": (
        "p39.txt",
        [
            "provider",
            "received_on",
            "received_at",
            "authority",
            "document_code",
            "notified_on",
            "notified_at",
            "email",
            "web_address",
        ],
    ),
    "e-delivery.physical-notice": (
        "p40.txt",
        [
            "provider",
            "received_on",
            "received_at",
            "authority",
            "document_code",
            "notified_on",
            "notified_at",
            "email",
            "web_address",
        ],
    ),
    "e-delivery.slip-deemed": (
        "p42.txt",
        ["addressee", "document_code", "entered_on", "entered_at", "document_code"],
    ),
    "e-delivery.slip-deemed-absent": (
        "p43.txt",
        [
            "addressee",
            "document_code",
            "first_notice_on",
            "first_notice_at",
            "second_notice_on",
            "second_notice_at",
            "physical_sent_on",
            "physical_received_on",
            "document_code",
        ],
    ),
}


def printed(value: str) -> str:
    if re.fullmatch(r"\d{4}-\d\d-\d\d", value):
        y, m, d = value.split("-")
        return f"{int(d)}. {int(m)}. {y}"
    if re.fullmatch(r"\d\d:\d\d", value):
        h, m = value.split(":")
        return f"{int(h)}.{m}"
    return value


def full_data(layout_id):
    return dict(sample(layout_id)["data"])  # the Slovenian samples fill every blank


@pytest.mark.parametrize("layout_id", list(CASES))
@pytest.mark.parametrize("fmt", ["pdf", "txt", "html"])
def test_text_verbatim_with_blanks_filled(pipeline, layout_id, fmt):
    seed_file, order = CASES[layout_id]
    data = full_data(layout_id)
    want = expected(
        (DATA / seed_file).read_text(encoding="utf-8"), [printed(data[k]) for k in order]
    )
    body = {"languages": ["sl"], "data": data}
    content = pipeline.render(layout_id, body, RenderOptions(fmt)).content
    if fmt == "pdf":
        got = all_text(content)
    elif fmt == "txt":
        got = content.decode("utf-8")
    else:
        got = lxml_html.fromstring(content.decode("utf-8")).body.text_content()
    got = normalise(got).replace("varen e-podpis", "").strip()
    assert got == want


def test_empty_blanks_print_dots_and_hints_filled_ones_do_not(pipeline):
    empty = pipeline.render(
        "e-delivery.failed", {"languages": ["sl"], "data": {}}, RenderOptions("txt")
    ).content.decode()
    assert "…………… (navedba naslovnika: ime, priimek, poštni in elektronski naslov)" in empty
    filled = pipeline.render(
        "e-delivery.failed", sample("e-delivery.failed"), RenderOptions("txt")
    ).content.decode()
    assert "navedba naslovnika" not in filled and "Janez Novak" in filled


def test_bilingual_in_every_format(pipeline):
    for fmt in ("pdf", "txt", "html"):
        content = pipeline.render(
            "e-delivery.slip", sample("e-delivery.slip", ("sl", "it")), RenderOptions(fmt)
        ).content
        text = all_text(content) if fmt == "pdf" else content.decode()
        assert "varen e-podpis" in text and "firma elettronica qualificata" in text
        assert text.index("varen e-podpis") < text.index(
            "firma elettronica qualificata"
        )  # Slovenian first


def test_markup_in_values_is_text_in_html(pipeline):
    data = {"addressee": "<script>alert(1)</script>", "document_code": "<b>1</b>"}
    html = pipeline.render(
        "e-delivery.failed", {"languages": ["sl"], "data": data}, RenderOptions("html")
    ).content.decode()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_text_formats_only_for_messages(pipeline, client):
    with pytest.raises(OptionError):
        pipeline.render("stamp.receipt", sample("stamp.receipt"), RenderOptions("txt"))
    resp = client.simulate_post(
        "/v1/render/stamp.receipt",
        params={"format": "html"},
        body=json.dumps(sample("stamp.receipt")),
        headers={"Content-Type": "application/json"},
    )
    assert resp.status_code == 400 and resp.json["errors"][0]["parameter"] == "format"
    ok = client.simulate_post(
        "/v1/render/e-delivery.failed",
        params={"format": "txt"},
        body=json.dumps(sample("e-delivery.failed")),
        headers={"Content-Type": "application/json"},
    )
    assert ok.status_code == 200 and ok.headers["content-type"] == "text/plain; charset=utf-8"


def test_regions_forms_and_choices_in_segments():
    from renderer.messages import segments

    text = "da {=n:je|so} {<a=0}podpisal{~g:|a|…} {x}{>} – {<a=1}priznal{~g:|a|…}{>}."
    kinds = lambda values: [(k, t) for k, t, _ in segments(text, values)]  # noqa: E731
    assert kinds({"n": 0, "a": 1, "g": 1, "x": "X"}) == [
        ("text", "da "),
        ("text", "je"),
        ("text", " – "),
        ("struck", "so"),
        ("text", " "),
        ("struck", "podpisala X"),
        ("text", " – "),
        ("text", "priznal"),
        ("text", "a"),
        ("text", "."),
    ]
    unchosen = kinds({})
    assert (
        ("text", "…") in unchosen
        and all(k != "struck" for k, _ in unchosen)
        and ("blank", "……………") in unchosen
    )
    for broken in ("{<a=0}open", "closed{>}"):
        with pytest.raises(ValueError):
            segments(broken, {})
