"""The personal-delivery envelope, measured from the output (mm from the top left)."""

import io
import re
from pathlib import Path

import pdfplumber
import pikepdf
import pypdfium2 as pdfium
import pytest
import zxingcpp

from renderer.barcodes import s10_check_digit, s10_problem
from renderer.options import OptionError, RenderOptions
from renderer.validation import InvalidRequest

from .conftest import sample
from .pdfmeasure import MM_PER_PT

DATA = Path(__file__).parent / "data"
LAYOUT = "envelope.personal-delivery"
BLUE_2995 = (0x22 / 255, 0xA3 / 255, 0xDC / 255)
RED_032 = (0xF2 / 255, 0x55 / 255, 0x5F / 255)


def render(pipeline, variant, languages=("sl",), fmt="pdf", data=None):
    body = (
        sample(LAYOUT, languages) if data is None else {"languages": list(languages), "data": data}
    )
    return pipeline.render(LAYOUT, body, RenderOptions(fmt, variant=variant)).content


@pytest.fixture(scope="module")
def proof(pipeline):
    return render(pipeline, "proof")


def rects(pdf_bytes, page=0):
    """Filled rectangles in mm: (x, y, w, h, colour)."""
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as doc:
        return [
            (
                r["x0"] * MM_PER_PT,
                r["top"] * MM_PER_PT,
                (r["x1"] - r["x0"]) * MM_PER_PT,
                (r["bottom"] - r["top"]) * MM_PER_PT,
                tuple(r["non_stroking_color"] or ()),
            )
            for r in doc.pages[page].rects
        ]


def has_box(found, x, y, w, h, colour=BLUE_2995, tol=0.5):
    return any(
        abs(fx - x) <= tol
        and abs(fy - y) <= tol
        and abs(fw - w) <= tol
        and abs(fh - h) <= tol
        and all(abs(a - b) < 0.01 for a, b in zip(c, colour, strict=False))
        for fx, fy, fw, fh, c in found
    )


def test_slip_rectangle_position(proof):
    with pdfplumber.open(io.BytesIO(proof)) as doc:
        dashed = [c for c in doc.pages[0].lines + doc.pages[0].curves if c.get("dash")]
        edges = [
            (
                c["x0"] * MM_PER_PT,
                c["top"] * MM_PER_PT,
                c["x1"] * MM_PER_PT,
                c["bottom"] * MM_PER_PT,
            )
            for c in dashed
        ]
    slip = [e for e in edges if e[1] < 100]  # the envelope part, not the extension's perforations
    x0, y0 = min(e[0] for e in slip), min(e[1] for e in slip)
    x1, y1 = max(e[2] for e in slip), max(e[3] for e in slip)
    assert abs(x0 - 20) <= 0.5 and abs(y0 - 15) <= 0.5  # 20 mm from the left, 15 mm from the top
    assert abs(162 - y1 - 15) <= 0.5  # 15 mm from the bottom of the envelope
    assert abs(x1 - 229 / 2) <= 0.5  # right edge on the vertical centre line


@pytest.mark.parametrize(
    "x, y, w, h, what",
    [
        (23, 21.5, 60, 18, "slip: post office + item number"),
        (23, 132, 80, 14, "slip: document number"),
        (124, 27, 80, 27, "sender"),
        (124, 56, 60, 18, "post office + item number"),
        (124, 98, 80, 27, "addressee"),
        (124, 128, 80, 14, "document number"),
    ],
)
def test_boxes_of_arts_29_30(proof, x, y, w, h, what):
    assert has_box(rects(proof), x, y, w, h), what


def test_ar_box_red_and_corner_ticked_boxes(proof):
    found = rects(proof)
    assert has_box(found, 124, 77, 40, 13, RED_032)
    for x, y in ((23, 53), (23, 104)):  # 80 x 27 marked by corner ticks: four 4 mm corners
        corners = [(x, y), (x + 76, y), (x, y + 23), (x + 76, y + 23)]
        for cx, cy in corners:
            assert has_box(found, cx, cy, 4, 4), (cx, cy)


def test_three_column_table(proof):
    with pdfplumber.open(io.BytesIO(proof)) as doc:
        lines = [
            (
                c["x0"] * MM_PER_PT,
                c["top"] * MM_PER_PT,
                c["x1"] * MM_PER_PT,
                c["bottom"] * MM_PER_PT,
            )
            for c in doc.pages[0].lines + doc.pages[0].curves
            if not c.get("dash")
        ]
    table = [seg for seg in lines if 22 <= seg[0] <= 104 and 81 <= seg[1] <= 99]
    xs = sorted({round((seg[0] + seg[2]) / 2, 1) for seg in table if abs(seg[0] - seg[2]) < 0.5})
    ys = sorted({round((seg[1] + seg[3]) / 2, 1) for seg in table if abs(seg[1] - seg[3]) < 0.5})
    assert abs(xs[0] - 23) <= 0.5 and abs(xs[-1] - 103) <= 0.5  # 80 mm wide
    assert abs(xs[1] - xs[0] - 14) <= 0.5  # first column 14 mm
    assert abs((xs[2] - xs[1]) - (xs[3] - xs[2])) <= 0.5  # the others share the rest equally
    assert abs(ys[-1] - ys[0] - 17) <= 0.5 and len(ys) == 4  # 17 mm, three equal rows
    assert abs((ys[1] - ys[0]) - (ys[3] - ys[2])) <= 0.5


def normalise(text: str) -> str:
    text = text.replace("“", "").replace("”", "").replace("»", "").replace("«", "")
    return re.sub(r"\s+", "", text)


def region_text(pdf_bytes, page, x0, top, x1, bottom):
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as doc:
        pt = 72 / 25.4
        p = doc.pages[page]
        box = (x0 * pt, top * pt, min(x1 * pt, float(p.width)), min(bottom * pt, float(p.height)))
        return p.crop(box).extract_text()


def test_notice_text_art_31_2_verbatim_on_both_notices(proof):
    expected = normalise((DATA / "p31-2.txt").read_text(encoding="utf-8"))
    # the signature row is laid out on two rows (lines long enough to write on): place and
    # date with their captions, then the carrier's signature with its caption
    place_date, signature = "_________________dne________________", "_________________________"
    captions = "(krajobveščanja)(datumobveščanja)"
    expected = expected.replace(
        place_date + signature + captions + "(čitljivpodpisvročevalca)",
        place_date + captions + signature + "(čitljivpodpisvročevalca)",
    )
    for x in (0, 114.5):
        text = region_text(proof, 0, x + 7, 178, x + 114.5, 282)  # right of OBRNI!
        assert normalise(text) == expected


def test_warning_art_31_4_verbatim_on_the_back(proof):
    expected = normalise((DATA / "p31-4.txt").read_text(encoding="utf-8"))
    for x in (0, 114.5):
        text = normalise(region_text(proof, 1, x, 162, x + 114.5, 282))
        assert text.startswith("OPOZORILO" + expected)
        assert (
            "Potrjujem,dasemv/na" in text
            and "(podpisprejemnika)" in text
            and "(podpisvročevalca)" in text
        )


def decode(pdf_bytes, page=0, dpi=300):
    image = pdfium.PdfDocument(pdf_bytes)[page].render(scale=dpi / 72).to_pil()
    return sorted(
        r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.Code128
    )


@pytest.mark.parametrize("variant", ["proof", "variable"])
def test_every_barcode_decodes_to_its_input(pipeline, proof, variant):
    pdf = proof if variant == "proof" else render(pipeline, "variable")
    data = sample(LAYOUT)["data"]
    postal = data["item_number"]  # the S10 number alone (13 characters); the post office is text
    assert decode(pdf) == sorted([postal, postal, data["document_number"], data["document_number"]])


def test_each_barcode_is_one_path(pipeline):
    layout = pipeline.layout(LAYOUT)
    request = pipeline.validate(layout, sample(LAYOUT))
    html = pipeline.composer.compose(layout, request, "variable").html
    svgs = re.findall(r"<svg[^>]*class=\"barcode\".*?</svg>", html, flags=re.S)
    assert len(svgs) == 4 and all(svg.count("<path") == 1 and "<rect" not in svg for svg in svgs)


@pytest.mark.parametrize(
    "number, ok",
    [
        ("RR123456785SI", True),
        ("RR987654326SI", True),
        ("EE123456785SI", True),
        ("RR123456784SI", False),
        ("RR12345678SI", False),
        ("rr123456785si", False),
    ],
)
def test_s10(number, ok):
    assert (s10_problem(number) is None) == ok


def test_s10_check_digit_by_hand():
    # 1·8 + 2·6 + 3·4 + 4·2 + 5·3 + 6·5 + 7·9 + 8·7 = 204; 204 mod 11 = 6; 11 − 6 = 5
    assert s10_check_digit("12345678") == 5
    assert s10_check_digit("00000012") == 0  # remainder 1 → 0
    assert s10_check_digit("00000000") == 5  # remainder 0 → 5


def test_wrong_check_digit_is_a_422_that_says_so(pipeline):
    data = dict(sample(LAYOUT)["data"], item_number="RR123456784SI")
    with pytest.raises(InvalidRequest) as exc:
        render(pipeline, "proof", data=data)
    assert exc.value.errors[0].pointer == "/data/item_number"
    assert "check digit 4" in exc.value.errors[0].reason and "is 5" in exc.value.errors[0].reason


def test_document_number_must_be_code128_text(pipeline):
    data = dict(sample(LAYOUT)["data"], document_number="351-č/2026")
    with pytest.raises(InvalidRequest) as exc:
        render(pipeline, "proof", data=data)
    assert exc.value.errors[0].pointer == "/data/document_number"


def separations(pdf_bytes):
    names = set()
    with pikepdf.open(io.BytesIO(pdf_bytes)) as doc:
        for page in doc.pages:
            for cs in page.Resources.get("/ColorSpace", {}).values():
                if isinstance(cs, pikepdf.Array) and cs[0] == "/Separation":
                    names.add(str(cs[1]))
    return names


def test_preprint_has_the_three_pantones_as_spot_colours(pipeline):
    pre = render(pipeline, "preprint")
    assert separations(pre) == {"/PANTONE 277 U", "/PANTONE 2995 U", "/PANTONE Red 032 U"}
    with pdfplumber.open(io.BytesIO(pre)) as doc:
        assert not [
            w for w in doc.pages[0].extract_words() if w["text"] in ("Novak", "RR123456785SI")
        ]
    with pytest.raises(OptionError):
        render(pipeline, "preprint", fmt="pdfa-2b")


def test_preprint_is_the_same_for_every_request(pipeline):
    other = dict(
        sample(LAYOUT)["data"],
        addressee=["Ana Kos", "Trg 1", "4000 Kranj"],
        item_number="RR987654326SI",
    )
    a = render(pipeline, "preprint")
    b = render(pipeline, "preprint", data=other)
    with pdfplumber.open(io.BytesIO(a)) as x, pdfplumber.open(io.BytesIO(b)) as y:
        assert x.pages[0].extract_words() == y.pages[0].extract_words()


def test_variable_layer_is_black_only(pipeline):
    var = render(pipeline, "variable")
    assert separations(var) == set()
    with pdfplumber.open(io.BytesIO(var)) as doc:
        colours = {tuple(c["non_stroking_color"] or ()) for c in doc.pages[0].chars}
        assert colours <= {(0,), (0, 0, 0), (0.0, 0.0, 0.0)}
        assert not doc.pages[1].chars and not doc.pages[2].chars


def words(pdf_bytes, page=0):
    """Words with their position from the trim's top left (the print layers have bleed)."""
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as doc:
        p = doc.pages[page]
        x0, _, _, y1 = (float(v) for v in p.page_obj.attrs["TrimBox"])
        left, top = x0 - float(p.mediabox[0]), float(p.mediabox[3]) - y1
        return sorted((w["text"], w["x0"] - left, w["top"] - top) for w in p.extract_words())


def same_words(a, b, tol=0.02):
    return len(a) == len(b) and all(
        ta == tb and abs(xa - xb) <= tol and abs(ya - yb) <= tol
        for (ta, xa, ya), (tb, xb, yb) in zip(a, b, strict=False)
    )


@pytest.mark.parametrize("languages", [("sl",), ("sl", "hu")], ids=["sl", "sl+hu"])
def test_variable_over_preprint_equals_proof(pipeline, languages):
    proof = render(pipeline, "proof", languages)
    pre = render(pipeline, "preprint", languages)
    var = render(pipeline, "variable", languages)
    for page in range(3):
        assert same_words(words(proof, page), sorted(words(pre, page) + words(var, page)))


def test_page_sizes(proof):
    with pikepdf.open(io.BytesIO(proof)) as doc:
        sizes = [tuple(round(float(v) * MM_PER_PT, 1) for v in p.MediaBox[2:]) for p in doc.pages]
    assert sizes == [(229.0, 282.0), (229.0, 282.0), (229.0, 162.0)]


# --- issue #15: one set of blanks, legible type, OBRNI!, captions -----------------------

LANGUAGE_SETS = [("sl",), ("sl", "it"), ("sl", "hu")]
#: P 30(4) prescribes the slip's table: 80 x 17 mm, three equal rows. Its headings in two
#: languages do not fit a 5.67 mm row at 6 pt; they are set at 5.2 pt (the one exception).
GRID = (23, 81.5, 103, 98.5)


def effective_size(char) -> float:
    """A character's type size in pt, also when it is turned (OBRNI!): pdfminer's size is the
    extent across the text line, which for turned text is its width on the page."""
    upright = abs(char["matrix"][1]) < 1e-6 and abs(char["matrix"][2]) < 1e-6
    return char["size"] if upright else char["x1"] - char["x0"]


@pytest.fixture(scope="module")
def proofs(pipeline):
    return {languages: render(pipeline, "proof", languages) for languages in LANGUAGE_SETS}


@pytest.mark.parametrize("languages", LANGUAGE_SETS, ids=["sl", "sl+it", "sl+hu"])
def test_no_pre_printed_text_under_6pt(pipeline, languages):
    pre = render(pipeline, "preprint", languages)
    with pdfplumber.open(io.BytesIO(pre)) as doc:
        for number, page in enumerate(doc.pages[:2]):
            for char in page.chars:
                if not char["text"].strip():
                    continue
                x, y = (
                    char["x0"] * MM_PER_PT - 3,
                    char["top"] * MM_PER_PT - 3,
                )  # the preprint's 3 mm bleed
                in_grid = number == 0 and GRID[0] <= x <= GRID[2] and GRID[1] <= y <= GRID[3]
                least = 5.15 if in_grid and len(languages) > 1 else 5.95
                assert effective_size(char) >= least, (
                    number,
                    char["text"],
                    round(x, 1),
                    round(y, 1),
                )


def write_in_lines(pdf: bytes, page: int) -> list[tuple[float, float, float]]:
    """Every write-in line (a run of at least three underscores) as (x0, x1, bottom) in mm."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        chars = sorted(
            (c for c in doc.pages[page].chars if c["text"] == "_"),
            key=lambda c: (round(c["top"], 1), c["x0"]),
        )
    runs = []
    for c in chars:
        run = runs[-1] if runs else None
        if run and abs(c["top"] - run[-1]["top"]) < 0.3 and abs(c["x0"] - run[-1]["x1"]) < 0.5:
            run.append(c)
        else:
            runs.append([c])
    return [
        (r[0]["x0"] * MM_PER_PT, r[-1]["x1"] * MM_PER_PT, r[0]["bottom"] * MM_PER_PT)
        for r in runs
        if len(r) >= 3
    ]


def test_bilingual_envelope_has_as_many_write_in_lines_as_the_slovenian(proofs):
    for page in (0, 1):
        counts = {languages: len(write_in_lines(pdf, page)) for languages, pdf in proofs.items()}
        assert len(set(counts.values())) == 1, (page, counts)
    for languages, pdf in proofs.items():
        text = region_text(pdf, 1, 114.5, 15, 209, 147)
        assert text.count("(podpis prejemnika") == 1 and text.count("(podpis vročevalca") == 1, (
            languages
        )
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            seals = {
                (round((c["x0"] + c["x1"]) / 2), round((c["top"] + c["bottom"]) / 2))
                for c in doc.pages[1].curves
                if 114.5 <= c["x0"] * MM_PER_PT <= 209 and (c["x1"] - c["x0"]) * MM_PER_PT > 10
            }
        assert len(seals) == 1, (
            languages
        )  # one stamp circle on the slip's back (its edge: two paths)


def test_write_in_lines_for_a_place_or_a_name_are_40_mm(proofs):
    for languages, pdf in proofs.items():
        lines = write_in_lines(pdf, 0) + write_in_lines(pdf, 1)
        long_ones = [x1 - x0 for x0, x1, _ in lines if x1 - x0 >= 39.5]
        # per notice: the door, the other place, the place of notice and the carrier's signature;
        # on each notice's back the place and two signatures; on the slip's back the day, two
        # signatures, the three remarks and the day of leaving it
        assert len(long_ones) >= 2 * 4 + 2 * 3 + 7, (
            languages,
            sorted(round(length) for length in long_ones),
        )


@pytest.mark.parametrize("languages", LANGUAGE_SETS, ids=["sl", "sl+it", "sl+hu"])
def test_obrni_clear_of_the_trim_and_the_perforation(proofs, languages):
    with pdfplumber.open(io.BytesIO(proofs[languages])) as doc:
        turned = [c for c in doc.pages[0].chars if abs(c["matrix"][1]) > 1e-6]
    for left in (0, 114.5):
        chars = [c for c in turned if left <= c["x0"] * MM_PER_PT < left + 20]
        assert chars, left
        x0, x1 = min(c["x0"] for c in chars) * MM_PER_PT, max(c["x1"] for c in chars) * MM_PER_PT
        assert x0 >= left + 2 and x1 <= left + 8.5, (
            left,
            x0,
            x1,
        )  # the notice's text starts at 9 mm


def captions(pdf: bytes, page: int) -> list[tuple[str, float, float]]:
    """Each caption's first line as (text, centre x, top) in mm: words beginning with "("
    and those following them on their line up to a gap of more than 2 mm."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        words = sorted(
            doc.pages[page].extract_words(x_tolerance=1.5), key=lambda w: (round(w["top"]), w["x0"])
        )
    groups, current = [], None
    for w in words:
        if (
            current
            and abs(w["top"] - current["top"]) < 1
            and (w["x0"] - current["x1"]) * MM_PER_PT < 2
            and not w["text"].startswith("(")
        ):
            current["x1"], current["text"] = w["x1"], current["text"] + " " + w["text"]
        else:
            current = dict(w)
            groups.append(current)
    return [
        (g["text"], (g["x0"] + g["x1"]) / 2 * MM_PER_PT, g["top"] * MM_PER_PT)
        for g in groups
        if g["text"].startswith("(")
        and re.match(r"\((kraj|datum|čitljiv|podpis|dan in|ura)", g["text"])
    ]


@pytest.mark.parametrize("languages", LANGUAGE_SETS, ids=["sl", "sl+it", "sl+hu"])
def test_captions_centred_under_their_lines(proofs, languages):
    pdf = proofs[languages]
    for page in (0, 1):
        lines = write_in_lines(pdf, page)
        found = captions(pdf, page)
        assert len(found) >= (6 if page == 0 else 13), (page, found)
        for text, centre, top in found:
            above = [
                seg
                for seg in lines
                if seg[2] <= top + 0.2 and top - seg[2] < 4 and seg[0] - 1 <= centre <= seg[1] + 1
            ]
            assert above, (page, text)
            x0, x1, _ = max(above, key=lambda seg: seg[2])
            assert abs((x0 + x1) / 2 - centre) <= 1.0, (
                page,
                text,
                round((x0 + x1) / 2, 1),
                round(centre, 1),
            )


def longest_blank_mm(image, axis: str, dpi: int) -> float:
    """The widest strip (all columns or all rows) with no ink, in mm."""
    ink = image.convert("L").point(lambda v: 0 if v < 200 else 255)
    width, height = ink.size
    count = width if axis == "columns" else height
    best = run = 0
    for i in range(count):
        strip = ink.crop((i, 0, i + 1, height) if axis == "columns" else (0, i, width, i + 1))
        run = run + 1 if strip.getextrema()[0] == 255 else 0
        best = max(best, run)
    return best * 25.4 / dpi


def test_inner_raster_has_no_see_through_gap(proof):
    """P 28(4): the inner layer hides the contents: at 300 dpi no blank strip, between the
    digits' columns or rows or at the edges, is wider than 1 mm."""
    image = pdfium.PdfDocument(proof)[2].render(scale=300 / 72).to_pil()
    assert longest_blank_mm(image, "columns", 300) <= 1.0
    assert longest_blank_mm(image, "rows", 300) <= 1.0


def test_item_barcode_is_the_s10_number_alone(pipeline, proof):
    data = sample(LAYOUT)["data"]
    codes = decode(proof)
    assert codes.count(data["item_number"]) == 2 and len(data["item_number"]) == 13
    assert not any(code.startswith(data["post_office"]) for code in codes)
    assert f"{data['post_office']} {data['item_number']}" in region_text(
        proof, 0, 23, 21.5, 83, 39.5
    )
