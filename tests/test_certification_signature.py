"""Certification of a handwritten signature (P 51(2)): the wording verbatim, every alternative
selectable and shown unambiguously (the others struck through), the endings following the
parties' gender and number."""

import io
import json
import re
from pathlib import Path

import pdfplumber
import pytest

from renderer.options import RenderOptions

from .conftest import sample
from .pdfmeasure import MM_PER_PT, Box, all_text, lines
from .test_place import BOUNDARY, multipart

LAYOUT = "certification.signature"
DATA = Path(__file__).parent / "data"
DOTS = re.compile(r"[.…]{3,}")
MARIJA = {"surname": "Novak", "given_name": "Marija", "residence": "Celje", "gender": "female"}
JANEZ = {"surname": "Kralj", "given_name": "Janez", "residence": "Celje", "gender": "male"}
ANA = {"surname": "Kos", "given_name": "Ana", "residence": "Celje", "gender": "female"}


def render(pipeline, data, languages=("sl",), fmt="pdf"):
    return pipeline.render(
        LAYOUT, {"languages": list(languages), "data": data}, RenderOptions(fmt)
    ).content


def normalise(text: str) -> str:
    """Whitespace collapsed, quotation marks dropped, each run of blank lines one '<dots>'."""
    text = DOTS.sub(" <dots> ", text.replace("»", "").replace("«", ""))
    text = " ".join(text.split())
    return re.sub(r"<dots>( <dots>)+", "<dots>", text)


def test_wording_verbatim_blanks_filled(pipeline):
    data = sample(LAYOUT)["data"]  # one woman; signed; identity card
    seed = (DATA / "p51-2.txt").read_text(encoding="utf-8")
    seed = (
        seed.replace("podpisal…", "podpisala")
        .replace("priznal…", "priznala")
        .replace("imenovan .....", "imenovane")
    )
    party = data["parties"][0]
    values = iter(
        [
            f"{party['surname']} {party['given_name']}, {party['residence']}",
            data["document_number"],
            "15. 3. 2021",
            data["issued_by"],
            None,
            None,
            "4,25 EUR",
            data["number"],
            data["place"],
            "20. 11. 2026",
        ]
    )
    # a blank spread over lines of dots alone is one blank
    seed = re.sub(
        r"[.…]{3,}(?:[ \t]*\n[ \t]*[.…]{3,}[ \t]*(?=\n))*(\s*SIT)?",
        lambda _: f" {next(values) or '<dots>'} ",
        seed,
    )
    expected = normalise(seed).replace(" ,", ",").replace(" .", ".")
    text = normalise(all_text(render(pipeline, data))).replace(" ,", ",").replace(" .", ".")
    text = text.replace("Upravna enota Celje ", "", 1).replace(
        " Maja Kos", ""
    )  # the body at the top; the official
    # the signature block is read in two columns: compare word for word, spaces aside
    assert text.replace(" ", "") == expected.replace(" ", "")


def part_box(pdf: bytes, phrase: str, part: str, page: int = 0) -> Box:
    """The box of ``part`` inside the first occurrence of ``phrase`` (both on one line)."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        hits = doc.pages[page].search(phrase, regex=False, case=True, return_chars=True)
        assert hits, f"{phrase!r} not found"
        chars = hits[0]["chars"]
    squeezed = phrase.replace(" ", "")
    start = squeezed.index(part.replace(" ", ""))
    chosen = chars[start : start + len(part.replace(" ", ""))]
    return Box(
        min(c["x0"] for c in chosen) * MM_PER_PT,
        min(c["top"] for c in chosen) * MM_PER_PT,
        max(c["x1"] for c in chosen) * MM_PER_PT,
        max(c["bottom"] for c in chosen) * MM_PER_PT,
    )


def strokes(pdf: bytes, page: int = 0) -> list[Box]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        found = doc.pages[page].rects + doc.pages[page].lines
    return [
        Box(s["x0"] * MM_PER_PT, s["top"] * MM_PER_PT, s["x1"] * MM_PER_PT, s["bottom"] * MM_PER_PT)
        for s in found
        if (s["bottom"] - s["top"]) * MM_PER_PT < 0.5
    ]  # thin: not the frame


def struck(pdf: bytes, phrase: str, part: str | None = None) -> bool:
    """Whether one thin horizontal stroke runs through ``part`` of ``phrase``, end to end,
    between its top and bottom."""
    box = part_box(pdf, phrase, part or phrase)
    return any(
        s.x0 <= box.x0 + 0.3 and s.x1 >= box.x1 - 0.3 and box.top < s.top <= s.bottom < box.bottom
        for s in strokes(pdf)
    )


def with_(**changes):
    data = {
        key: value
        for key, value in sample(LAYOUT)["data"].items()
        if key not in ("document_number", "issued_on", "issued_by")
    }
    return {**data, **changes}


@pytest.mark.parametrize(
    "parties, chosen, other", [([MARIJA], "je", "so"), ([MARIJA, JANEZ], "so", "je")]
)
def test_je_so_follows_the_number_of_parties(pipeline, parties, chosen, other):
    pdf = render(pipeline, with_(parties=parties, identity="acquaintance"))
    assert struck(pdf, "da je – so", other) and not struck(pdf, "da je – so", chosen)


@pytest.mark.parametrize(
    "act, chosen, other",
    [
        ("signed", "lastnoročno podpisala to listino", "priznala podpis na tej listini"),
        ("acknowledged", "priznala podpis na tej listini", "lastnoročno podpisala to listino"),
    ],
)
def test_signed_or_acknowledged(pipeline, act, chosen, other):
    pdf = render(pipeline, with_(act=act, identity="acquaintance"))
    assert struck(pdf, other) and not struck(pdf, chosen)


IDENTITY_PHRASES = {
    "acquaintance": "osebnega znanstva",
    "identity-card": "osebno izkaznico",
    "passport": "potnim listom",
    "witnesses": "s pričami",
}


@pytest.mark.parametrize("identity", list(IDENTITY_PHRASES))
def test_each_way_of_identification(pipeline, identity):
    extra = (
        {"document_number": "PB123", "issued_on": "2020-01-02", "issued_by": "UE Celje"}
        if identity in ("identity-card", "passport")
        else {}
    )
    if identity == "witnesses":
        extra = {
            "witnesses": [{"surname": "Kralj", "given_name": "Ana", "residence": "Celje"}],
            "witnesses_identified": "z osebno izkaznico",
        }
    pdf = render(pipeline, with_(identity=identity, **extra))
    for other, phrase in IDENTITY_PHRASES.items():
        assert struck(pdf, phrase) == (other != identity), (other, phrase)
    if identity in ("identity-card", "passport"):  # ki jo – ga: the pronoun of the document chosen
        pronoun, other = ("jo", "ga") if identity == "identity-card" else ("ga", "jo")
        assert struck(pdf, "ki jo – ga", other) and not struck(pdf, "ki jo – ga", pronoun)
        assert "PB123" in all_text(pdf) and "2. 1. 2020" in all_text(pdf)
    witnesses_struck = identity != "witnesses"
    assert struck(pdf, "katerih istovetnost") == witnesses_struck
    parties_caption, witnesses_caption = _all_boxes(pdf, "(priimek, ime, prebivališče)")
    assert (
        not _struck_box(pdf, parties_caption)
        and _struck_box(pdf, witnesses_caption) == witnesses_struck
    )


def _all_boxes(pdf, phrase):
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        hits = doc.pages[0].search(phrase, regex=False, case=True)
    return [
        Box(h["x0"] * MM_PER_PT, h["top"] * MM_PER_PT, h["x1"] * MM_PER_PT, h["bottom"] * MM_PER_PT)
        for h in hits
    ]


def _struck_box(pdf, box):
    return any(
        s.x0 <= box.x0 + 0.3 and s.x1 >= box.x1 - 0.3 and box.top < s.top <= s.bottom < box.bottom
        for s in strokes(pdf)
    )


def test_empty_witness_lines_are_struck_when_not_chosen(pipeline):
    """The dotted lines for witnesses carry a stroke through their dots when another way was chosen."""
    for identity, expected in (("acquaintance", True), ("witnesses", False)):
        pdf = render(pipeline, with_(identity=identity))
        dotted = [box for text, box in lines(pdf) if re.fullmatch(r"…{20,}", text)]
        assert len(dotted) == 2  # the parties are given: only the witnesses' lines are dots
        assert all(_struck_box(pdf, box) == expected for box in dotted), identity


ENDINGS = [
    pytest.param(
        [JANEZ],
        ("podpisal to listino", "imenovanega je"),
        ("ha firmato", "del suddetto"),
        ("aláírta –", "Nevezett személy"),
        id="one-man",
    ),
    pytest.param(
        [MARIJA],
        ("podpisala to listino", "imenovane je"),
        ("ha firmato", "della suddetta"),
        ("aláírta –", "Nevezett személy"),
        id="one-woman",
    ),
    pytest.param(
        [MARIJA, JANEZ],
        ("podpisali to listino", "imenovanih je"),
        ("hanno firmato", "dei suddetti"),
        ("aláírták –", "Nevezettek személy"),
        id="woman-and-man",
    ),
    pytest.param(
        [MARIJA, ANA],
        ("podpisale to listino", "imenovanih je"),
        ("hanno firmato", "delle suddette"),
        ("aláírták –", "Nevezettek személy"),
        id="two-women",
    ),
    pytest.param(
        [],
        ("podpisal… to listino", "imenovan ..... je"),
        ("ha/hanno firmato", "del/della/dei/delle suddetto/a/i/e"),
        ("aláírta/aláírták –", "Nevezett(ek) személy"),
        id="no-party",
    ),
]


@pytest.mark.parametrize("parties, sl, it, hu", ENDINGS)
def test_endings_follow_the_parties(pipeline, parties, sl, it, hu):
    data = with_(parties=parties, identity="acquaintance")
    for languages, phrases in ((("sl", "it"), sl + it), (("sl", "hu"), hu)):
        bilingual = dict(data, authority={lang: "Upravna enota" for lang in languages})
        text = " ".join(all_text(render(pipeline, bilingual, languages)).split())
        for phrase in phrases:
            assert phrase in text, (phrase, text)


def test_bilingual_both_texts_slovenian_first(pipeline):
    for languages, word in ((("sl", "it"), "attesta"), (("sl", "hu"), "igazolja,")):
        data = sample(LAYOUT, languages)["data"]
        text = " ".join(all_text(render(pipeline, data, languages)).split())
        assert text.index("potrjuje,") < text.index(word)


def test_fee_with_the_requested_currency(pipeline):
    text = (
        all_text(render(pipeline, with_(fee="12.5", currency="EUR")))
        .replace(" ", "")
        .replace("\n", "")
    )
    assert "vznesku12,50EURjeplačana" in text


@pytest.mark.parametrize(
    "change, pointer",
    [
        ({"identity": "acquaintance", "document_number": "1"}, "/data/document_number"),
        (
            {
                "identity": "passport",
                "witnesses": [{"surname": "A", "given_name": "B", "residence": "C"}],
            },
            "/data/witnesses",
        ),
        (
            {"parties": [{"surname": "A", "given_name": "B", "residence": "C"}]},
            "/data/parties/0/gender",
        ),
        ({"parties": [JANEZ] * 5}, "/data/parties"),
        ({"act": "stamped"}, "/data/act"),
    ],
)
def test_inconsistent_choices_refused(client, change, pointer):
    body = {"languages": ["sl"], "data": with_(**change)}
    resp = client.simulate_post(
        f"/v1/render/{LAYOUT}", body=json.dumps(body), headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 422 and pointer in [e["pointer"] for e in resp.json["errors"]], (
        resp.text
    )


def test_what_does_not_fit_is_refused_not_dropped(client):
    long = {
        "surname": "Szabó-Kovácsné Horváth",
        "given_name": "Erzsébet Mária",
        "residence": "Ulica Borisa Kidriča 120, 9220 Lendava (Közigazgatási Egység Lendva)",
        "gender": "female",
    }
    data = dict(
        sample(LAYOUT, ("sl", "hu"))["data"],
        parties=[long] * 4,
        identity="witnesses",
        witnesses=[{k: long[k] for k in ("surname", "given_name", "residence")}] * 3,
        witnesses_identified="z osebno izkaznico št. 001234567 in potnim listom št. PB7654321 / útlevél alapján",
    )
    resp = client.simulate_post(
        f"/v1/render/{LAYOUT}",
        body=json.dumps({"languages": ["sl", "hu"], "data": data}),
        headers={"Content-Type": "application/json"},
    )
    assert resp.status_code == 422 and resp.json["errors"][0]["pointer"].startswith("/data"), (
        resp.text
    )


def test_placed_onto_an_uploaded_pdf(client, pipeline):
    document = pipeline.render_sample(
        "notice.complaint-right", ("sl",), RenderOptions("pdf")
    ).content
    resp = client.simulate_post(
        f"/v1/place/{LAYOUT}",
        params={"page": "1", "at": "25,140"},
        body=multipart(sample(LAYOUT), document),
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert resp.status_code == 200, resp.text
    text = all_text(resp.content)
    assert "potrjuje," in text and "KNJIGA PRIPOMB IN POHVAL" in text


def test_only_placeable_layouts_are_placed(client, pipeline):
    document = pipeline.render_sample(
        "notice.complaint-right", ("sl",), RenderOptions("pdf")
    ).content
    resp = client.simulate_post(
        "/v1/place/e-delivery.notice",
        params={"at": "0,0"},
        body=multipart(sample("e-delivery.notice"), document),
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert resp.status_code == 404 and LAYOUT in resp.json["detail"]
    enum = client.simulate_get("/openapi.json").json["paths"]["/v1/place/{layout_id}"]["post"][
        "parameters"
    ][0]["schema"]["enum"]
    assert set(enum) == {"certification.copy", LAYOUT, "stamp.receipt", "stamp.certified-copy"}
