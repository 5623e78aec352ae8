"""The envelope imprint (renderer/press/imprint.py) against the pipeline's variable variant:
positions measured with pdfplumber on both, barcodes decoded from a raster, fit decisions
compared on values straddling each box's edge."""

from __future__ import annotations

import io
import math

import pdfplumber
import pikepdf
import pypdfium2 as pdfium
import pytest
import zxingcpp

from renderer.barcodes import s10_check_digit
from renderer.options import LANGUAGE_SETS, RenderOptions
from renderer.press.imprint import EnvelopeImprint
from renderer.textfit import text_width_mm
from renderer.validation import InvalidRequest

from .conftest import sample
from .pdfmeasure import MM_PER_PT

LAYOUT = "envelope.personal-delivery"
TOLERANCE_MM = 0.2


@pytest.fixture(scope="module")
def imprints(pipeline):
    made = {}

    def get(languages=("sl",), bleed_mm=None) -> EnvelopeImprint:
        """By default with the layout's bleed, as the pipeline's variable (print) layer has."""
        bleed_mm = pipeline.layout(LAYOUT).bleed_mm if bleed_mm is None else bleed_mm
        key = (tuple(languages), bleed_mm)
        if key not in made:
            made[key] = EnvelopeImprint(pipeline, tuple(languages), bleed_mm)
        return made[key]

    return get


def body(languages=("sl",), **data) -> dict:
    base = sample(LAYOUT, languages)
    return {"languages": list(languages), "data": {**base["data"], **data}}


def valid(pipeline, request_body):
    return pipeline.validate(pipeline.layout(LAYOUT), request_body)


def variable(pipeline, request_body) -> bytes:
    return pipeline.render(LAYOUT, request_body, RenderOptions("pdf", variant="variable")).content


def measured(pdf: bytes, page: int = 0):
    """Characters (text, x0, top, size) and filled shapes (x0, top, x1, bottom), in mm."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        p = doc.pages[page]
        chars = [(c["text"], c["x0"] * MM_PER_PT, c["top"] * MM_PER_PT, c["size"]) for c in p.chars]
        shapes = [
            tuple(r[k] * MM_PER_PT for k in ("x0", "top", "x1", "bottom"))
            for r in p.rects + p.curves + p.lines
        ]
        return chars, shapes


def assert_in_register(reference: bytes, mine: bytes, page: int = 0, shift_mm: float = 0.0):
    """Every character and every bar of ``mine`` (page ``page``) where the pipeline put it:
    same characters, each within 0.2 mm (x0, top) of its counterpart with the same size."""
    ref_chars, ref_shapes = measured(reference)
    my_chars, my_shapes = measured(mine, page)
    assert sorted(c[0] for c in my_chars) == sorted(c[0] for c in ref_chars)
    assert len(my_shapes) == len(ref_shapes) > 0

    def gap(a, b):
        return max(abs(u - v - shift_mm) for u, v in zip(a, b, strict=False))

    for mine_c in my_chars:
        nearest = min(
            (gap(mine_c[1:3], ref[1:3]), abs(mine_c[3] - ref[3]))
            for ref in ref_chars
            if ref[0] == mine_c[0]
        )
        assert nearest[0] <= TOLERANCE_MM and nearest[1] < 0.01, mine_c
    for ref_c in ref_chars:  # and nothing of the pipeline's is missing
        assert min(gap(m[1:3], ref_c[1:3]) for m in my_chars if m[0] == ref_c[0]) <= TOLERANCE_MM, (
            ref_c
        )
    for shape in my_shapes:
        assert min(gap(shape, ref) for ref in ref_shapes) <= TOLERANCE_MM, shape
    for ref in ref_shapes:
        assert min(gap(shape, ref) for shape in my_shapes) <= TOLERANCE_MM, ref


def s10(serial: str) -> str:
    return f"RR{serial}{s10_check_digit(serial)}SI"


@pytest.mark.parametrize("languages", LANGUAGE_SETS, ids="-".join)
def test_samples_in_register_with_the_pipeline(pipeline, imprints, languages):
    request_body = sample(LAYOUT, languages)
    mine = imprints(languages).write([valid(pipeline, request_body)])
    reference = variable(pipeline, request_body)
    assert_in_register(reference, mine)
    with pikepdf.open(io.BytesIO(mine)) as pdf, pikepdf.open(io.BytesIO(reference)) as ref:
        assert len(pdf.pages) == 1
        for box in ("/MediaBox", "/TrimBox", "/BleedBox", "/CropBox"):
            assert [float(v) for v in pdf.pages[0].obj[box]] == pytest.approx(
                [float(v) for v in ref.pages[0].obj[box]], abs=1e-3
            )


GENERATED = {
    "diacritics": dict(
        sender=["Upravna enota Šmarje pri Jelšah", "Aškerčeva cesta 15", "3240 Šmarje pri Jelšah"],
        addressee=["Đurđa Čičić Žužek-Ćosić", "Ulica Ćirila Kosmača 8", "2000 Maribor"],
    ),
    "it-ligatures-kerning": dict(
        addressee=[
            "Ufficio affari fiscali",
            "AVA Tower, Yvonne Tòffoli",
            "Via dell'Officina 5",
            "34100 Trieste",
        ],
        content="Affidavit",
    ),
    "hu": dict(addressee=["Kőrösi Őrs Ünőkő", "Szőlő utca 12", "Győrújbarát Űrhajós tér 3"]),
    "empty-optional": dict(
        code=None, content=None, sender=["Upravna enota Ljubljana"], addressee=["Janez Novak"]
    ),
    # lines of 60 characters (the most allowed) that wrap; a 24-character document number
    "max-length": dict(
        code="351-11870/2026-4-1/1-1",
        content="odločba o dodelitvi pravice",
        sender=[
            "Upravna enota Ljubljana, Izpostava Šiška in Bežigrad, Ulica",
            "Tobačna ulica 5",
            "p. p. 100",
            "1000 Ljubljana",
        ],
        addressee=[
            "Janez Novak Kranjski Potomec Gospod Inženir Doktor Ščepec",
            "Celovška cesta 112",
            "c/o Marija-Terezija Novak-Kovačič",
            "1000 Ljubljana",
        ],
        item_number=s10("99999999"),
        document_number="351-1187/2026-4-ABCDEFGH",
    ),
    "spaces-and-other-letters": dict(
        addressee=["Janez   Novak", "Жуковский Ωmega  ǅ", "1000\u00a0Ljubljana"]
    ),
}


@pytest.mark.parametrize("name", GENERATED)
def test_generated_records_in_register(pipeline, imprints, name):
    request_body = body(**GENERATED[name])
    request = valid(pipeline, request_body)
    assert imprints().check(request) == []
    assert_in_register(variable(pipeline, request_body), imprints().write([request]))


def test_the_front_carries_all_the_variable_data(pipeline):
    """Why one page per record is enough: the variable variant draws nothing on pages 2-3."""
    with pdfplumber.open(io.BytesIO(variable(pipeline, sample(LAYOUT)))) as doc:
        assert len(doc.pages) == 3 and doc.pages[0].chars
        for page in doc.pages[1:]:
            assert not (page.chars or page.rects or page.curves or page.lines)


def filled(
    limit_mm: float, size_pt: float, base: str, filler: str = "l", max_chars: int = 60
) -> str:
    """The longest ``base``... + ``filler``... that fits ``limit_mm`` by the font's advance widths."""
    text = base * math.floor(limit_mm / text_width_mm(base, size_pt))
    while len(text) > max_chars or text_width_mm(text, size_pt) > limit_mm:
        text = text[:-1]
    while len(text) < max_chars and text_width_mm(text + filler, size_pt) <= limit_mm:
        text += filler
    return text


FIVE_LINES = [
    "Janez Novak Kranjski Potomec Gospod Inženir Doktor Ščepec",
    "Celovška cesta 112",
    "p. p. 12",
    "1000 Ljubljana",
]
EDGES = {  # name: (the data it sets, a value just fitting, one just overflowing)
    "code 52 mm": (lambda v: dict(code=v), filled(52, 7, "0", max_chars=39)),
    "content 52 mm": (lambda v: dict(content=v), filled(52, 7, "O", max_chars=59)),
    "content in words": (lambda v: dict(content=v), filled(52, 7, "ab ", max_chars=59).rstrip()),
    "address line 76 mm": (
        lambda v: dict(addressee=[v, "1000 Ljubljana"]),
        filled(76, 9, "W", max_chars=59),
    ),
    "notice 72 mm at 6 pt": (
        lambda v: dict(sender=[v]),
        filled(72, 6, "MMMM ", max_chars=59).rstrip(),
    ),
    "five address lines": (
        lambda lines: dict(addressee=lines),
        FIVE_LINES,
        [
            FIVE_LINES[0],
            FIVE_LINES[1] + " in še nekaj besed, da se vrstica prelomi",
            *FIVE_LINES[2:],
        ],
    ),
}


@pytest.mark.parametrize("name", EDGES)
def test_check_agrees_with_the_pipeline_at_the_edge(pipeline, imprints, name):
    make, fitting, *over = EDGES[name]
    outcomes = []
    for value in (fitting, over[0] if over else fitting + "l"):
        request_body = body(**make(value))
        mine = [(e.pointer, e.reason) for e in imprints().check(valid(pipeline, request_body))]
        try:
            variable(pipeline, request_body)
            theirs = []
        except InvalidRequest as exc:
            theirs = [(e.pointer, e.reason) for e in exc.errors]
        assert mine == theirs, value
        outcomes.append(bool(theirs))
    assert outcomes == [False, True]  # the two values do straddle the edge


def decode(pdf: bytes, page: int) -> list[str]:
    bitmap = pdfium.PdfDocument(pdf)[page].render(scale=300 / 72, crop=(0, 120 * 72 / 25.4, 0, 0))
    return sorted(
        r.text
        for r in zxingcpp.read_barcodes(bitmap.to_pil())
        if r.format == zxingcpp.BarcodeFormat.Code128
    )


def test_one_page_per_record_in_order_and_barcodes_decode(pipeline, imprints):
    bodies = [
        body(
            addressee=[f"Naslovnik {i}"],
            item_number=s10(f"1234{i:04d}"),
            document_number=f"DOC-{i}/2026",
        )
        for i in range(3)
    ]
    pdf = imprints().write([valid(pipeline, b) for b in bodies])
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) == 3
        for i, page in enumerate(doc.pages):
            assert f"Naslovnik {i}" in page.extract_text()
    for i, b in enumerate(bodies[:2]):
        postal = b["data"]["item_number"]  # the S10 number alone
        number = b["data"]["document_number"]
        assert decode(pdf, i) == sorted([postal, postal, number, number])


def test_fonts_embedded_text_extractable_and_black_is_k_only(pipeline, imprints):
    request_body = body(addressee=["Đurđa Čičić Žužek", "Szőlő utca 12", "Жуковский"])
    pdf = imprints().write([valid(pipeline, request_body)])
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0]
        for font in page.Resources.Font.values():
            descendant = font.DescendantFonts[0]
            assert "/FontFile2" in descendant.FontDescriptor and "/ToUnicode" in font
        colours = [
            (str(op), [float(v) for v in operands])
            for operands, op in pikepdf.parse_content_stream(page)
            if str(op) in ("k", "K", "g", "G", "rg", "RG", "sc", "scn", "SC", "SCN", "cs", "CS")
        ]
        assert colours == [("k", [0, 0, 0, 1])]
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = doc.pages[0].extract_text()
        assert "Đurđa Čičić Žužek" in text and "Szőlő utca 12" in text and "Жуковский" in text
        assert {tuple(c["non_stroking_color"]) for c in doc.pages[0].chars} == {(0, 0, 0, 1)}


def test_latin_records_embed_the_subset_other_letters_the_whole_font(pipeline, imprints):
    def embedded(pdf):
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            font = doc.pages[0].Resources.Font.F1
            return str(font.BaseFont), len(
                font.DescendantFonts[0].FontDescriptor.FontFile2.read_bytes()
            )

    latin = imprints().write(
        [valid(pipeline, body(addressee=["Ödön Kőrösi-Čučnik", "Via Žiga Ffi 3"]))] * 20
    )
    name, size = embedded(latin)
    assert "+" in name and size < 100_000 and len(latin) < 100_000  # a subset, tagged; 20 pages
    name, size = embedded(imprints().write([valid(pipeline, body(addressee=["Жуковский"]))]))
    assert "+" not in name and size > 400_000


def test_bleed_grows_the_media_box_and_moves_the_content(pipeline, imprints):
    request = valid(pipeline, sample(LAYOUT))
    plain, bled = imprints(bleed_mm=0).write([request]), imprints(bleed_mm=3).write([request])
    with pikepdf.open(io.BytesIO(bled)) as doc:
        page = doc.pages[0].obj
        media = [float(v) * MM_PER_PT for v in page.MediaBox]
        trim = [float(v) * MM_PER_PT for v in page.TrimBox]
        assert media == pytest.approx([0, 0, 235, 288], abs=1e-3)
        assert trim == pytest.approx([3, 3, 232, 285], abs=1e-3)
        assert [float(v) for v in page.BleedBox] == [float(v) for v in page.MediaBox]
    assert_in_register(plain, bled, shift_mm=3)


def test_write_refuses_what_check_refuses_and_other_languages(pipeline, imprints):
    too_long = valid(pipeline, body(code="W" * 40))
    assert [e.pointer for e in imprints().check(too_long)] == ["/data/code"]
    with pytest.raises(InvalidRequest):
        imprints().write([too_long])
    with pytest.raises(ValueError):
        imprints().write([valid(pipeline, sample(LAYOUT, ("sl", "it")))])


FUZZ_WORDS = [
    "Janez",
    "Novak",
    "Čebašek",
    "Žužek-Ćosić",
    "Đurđa",
    "ulica",
    "cesta",
    "(dvorišče)",
    "„Pri",
    "lipi“",
    "d.o.o.",
    "1000",
    "p.p.",
    "12/a",
    "3-5",
    "Kőrösi",
    "Ünőkő",
    "dell'Officina",
    "&",
    "Ffi",
    "AVA",
    "Tòffoli",
    "Izpostava",
    "Bežigrad,",
    "dr.",
    "—",
    "Wwwwww",
    "7/II",
    "1/2",
    "A-5",
    "zgoraj:",
    "Kranj;",
    "Ptuj…",
]


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(3))
def test_random_records_agree_with_the_pipeline(pipeline, imprints, seed):
    """Random lines of words, numbers and punctuation: the same refusals, and what is
    accepted is in register (wrapping at Pango's break opportunities included)."""
    import random

    rng = random.Random(seed)

    def line(limit=60):
        return " ".join(rng.choice(FUZZ_WORDS) for _ in range(rng.randint(1, 12)))[:limit].strip()

    for _i in range(12):
        request_body = body(
            code=line(40),
            content=line(),
            sender=[line() for _ in range(rng.randint(1, 4))],
            addressee=[line() for _ in range(rng.randint(1, 4))],
        )
        request = valid(pipeline, request_body)
        mine = [(e.pointer, e.reason) for e in imprints().check(request)]
        try:
            reference = variable(pipeline, request_body)
        except InvalidRequest as exc:
            assert mine == [(e.pointer, e.reason) for e in exc.errors], request_body
            continue
        assert mine == [], request_body
        assert_in_register(reference, imprints().write([request]))
