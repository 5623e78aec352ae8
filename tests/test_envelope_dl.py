"""The standardised-letter edition of the personal-delivery envelope (``envelope_size`` DL,
P 28(3), P 33), measured from the output (mm from the top left of the trim)."""

import io

import pdfplumber
import pikepdf
import pypdfium2 as pdfium
import pytest

from renderer.options import RenderOptions
from renderer.press.imprint import EnvelopeImprint
from renderer.validation import InvalidRequest

from .conftest import sample
from .pdfmeasure import MM_PER_PT
from .test_envelope import (
    RED_032,
    decode,
    effective_size,
    has_box,
    longest_blank_mm,
    rects,
    write_in_lines,
)
from .test_imprint import assert_in_register

LAYOUT = "envelope.personal-delivery"
LANGUAGE_SETS = [("sl",), ("sl", "it"), ("sl", "hu")]
IDS = ["sl", "sl+it", "sl+hu"]
#: The slip's table on DL (P 30(4), 80 x 17): its bilingual headings are 5.2 pt, as on C5.
GRID = (116, 119, 196, 136)


def dl_body(languages=("sl",), **data) -> dict:
    base = sample(LAYOUT, languages)
    return {"languages": list(languages), "data": {**base["data"], "envelope_size": "DL", **data}}


def render(pipeline, variant, languages=("sl",), fmt="pdf", **data) -> bytes:
    options = RenderOptions(fmt, variant=variant)
    return pipeline.render(LAYOUT, dl_body(languages, **data), options).content


@pytest.fixture(scope="module")
def proofs(pipeline):
    return {languages: render(pipeline, "proof", languages) for languages in LANGUAGE_SETS}


def sizes(pdf: bytes, box="/MediaBox") -> list[tuple[float, float]]:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        result = []
        for page in doc.pages:
            x0, y0, x1, y1 = (float(v) * MM_PER_PT for v in page.obj[box])
            result.append((round(x1 - x0, 1), round(y1 - y0, 1)))
        return result


@pytest.mark.parametrize("languages", LANGUAGE_SETS, ids=IDS)
def test_dl_is_a_standardised_letter(proofs, languages):
    """The closed envelope (the inner layer) is 220 x 110 mm: within the standardised letter
    (90 x 140 to 120 x 235 mm, length at least 1.4 x the width); the top layer carries the
    slip and the notices on its extension."""
    assert sizes(proofs[languages]) == [(220.0, 310.0), (220.0, 310.0), (220.0, 110.0)]
    width, height = sizes(proofs[languages])[2]
    assert 140 <= width <= 235 and 90 <= height <= 120 and width >= 1.4 * height


def test_c5_stays_the_default(pipeline):
    c5 = pipeline.render(LAYOUT, sample(LAYOUT), RenderOptions("pdf")).content
    assert sizes(c5) == [(229.0, 282.0), (229.0, 282.0), (229.0, 162.0)]


def test_an_unknown_size_is_a_422_naming_the_field(pipeline):
    with pytest.raises(InvalidRequest) as exc:
        pipeline.render(LAYOUT, dl_body(envelope_size="C6"), RenderOptions("pdf"))
    assert [e.pointer for e in exc.value.errors] == ["/data/envelope_size"]


@pytest.mark.parametrize(
    "x, y, w, h, what",
    [
        (10, 20.5, 80, 27, "P 29 sender"),
        (10, 50, 60, 18, "P 29 post office and item number"),
        (130, 48, 80, 27, "P 29 addressee"),
        (130, 77, 80, 14, "P 29 document number"),
        (14, 119, 60, 18, "P 30(3) slip: post office and item number"),
        (116, 170.5, 80, 14, "P 30(5) slip: document number"),
    ],
)
def test_prescribed_boxes_keep_their_size(proofs, x, y, w, h, what):
    assert has_box(rects(proofs[("sl",)]), x, y, w, h), what


def test_ar_box_and_the_slip_table(proofs):
    found = rects(proofs[("sl",)])
    assert has_box(found, 10, 71, 40, 13, RED_032)
    with pdfplumber.open(io.BytesIO(proofs[("sl",)])) as doc:
        edges = doc.pages[0].edges
    xs = {
        round(e["x0"] * MM_PER_PT, 1)
        for e in edges
        if e["orientation"] == "v" and 118 <= e["top"] * MM_PER_PT <= 137
    }
    # 80 mm wide, first column 14 mm, the other two equal (P 30(4))
    assert any(abs(x - 116) < 0.3 for x in xs) and any(abs(x - 130) < 0.3 for x in xs)
    assert any(abs(x - 163) < 0.3 for x in xs) and any(abs(x - 196) < 0.3 for x in xs)


def test_the_face_keeps_clear_the_franking_corner_and_the_bottom_15_mm(proofs):
    """Nothing printed in the envelope's top right 80 x 40 mm (stamp or franking) or in its
    bottom 15 mm (the post's coding zone); the face is the top 110 mm of page 1."""
    for languages, pdf in proofs.items():
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            page = doc.pages[0]
            marks = [
                (
                    o["x0"] * MM_PER_PT,
                    o["top"] * MM_PER_PT,
                    o["x1"] * MM_PER_PT,
                    o["bottom"] * MM_PER_PT,
                )
                for o in page.chars + page.rects + page.curves + page.lines
                if o.get("text", "x").strip() and o["top"] * MM_PER_PT < 109
            ]
        for x0, top, x1, bottom in marks:
            if bottom - top > 100:  # the page background
                continue
            assert not (x1 > 140 and top < 40), (languages, x0, top)
            assert bottom <= 95 + 0.01, (languages, x0, bottom)


@pytest.mark.parametrize("languages", LANGUAGE_SETS, ids=IDS)
def test_no_pre_printed_text_under_6pt_and_all_on_the_page(pipeline, languages):
    pre = render(pipeline, "preprint", languages)
    assert sizes(pre)[0] == (226.0, 316.0)  # the pre-print of DL, with its 3 mm bleed
    with pdfplumber.open(io.BytesIO(pre)) as doc:
        for number, page in enumerate(doc.pages[:2]):
            for char in page.chars:
                if not char["text"].strip():
                    continue
                x, y = char["x0"] * MM_PER_PT - 3, char["top"] * MM_PER_PT - 3
                assert -0.01 <= x and char["x1"] * MM_PER_PT - 3 <= 220.01, (number, char["text"])
                assert -0.01 <= y and char["bottom"] * MM_PER_PT - 3 <= 310.01, (
                    number,
                    char["text"],
                )
                in_grid = number == 0 and GRID[0] <= x <= GRID[2] and GRID[1] <= y <= GRID[3]
                least = 5.15 if in_grid and len(languages) > 1 else 5.95
                assert effective_size(char) >= least, (number, char["text"], round(x), round(y))


def test_the_pre_print_is_drawn_per_size(pipeline):
    """The shared pre-print layer is cached per language set, bleed and size: the DL proof
    has the DL pre-print under it (VROČILNICA on the extension), not C5's."""
    c5 = pipeline.render(LAYOUT, sample(LAYOUT), RenderOptions("pdf", variant="preprint")).content
    dl = render(pipeline, "preprint")
    assert sizes(c5)[0] == (235.0, 288.0) and sizes(dl)[0] == (226.0, 316.0)
    with pdfplumber.open(io.BytesIO(render(pipeline, "proof"))) as doc:
        words = doc.pages[0].extract_words()
    slip = [w for w in words if w["text"] == "VROČILNICA"]
    assert len(slip) == 1 and abs(slip[0]["x0"] * MM_PER_PT - 14) < 0.5
    assert 112 < slip[0]["top"] * MM_PER_PT < 119


def test_same_write_in_lines_in_every_language_set(proofs):
    for page in (0, 1):
        counts = {languages: len(write_in_lines(pdf, page)) for languages, pdf in proofs.items()}
        assert len(set(counts.values())) == 1, (page, counts)
    for languages, pdf in proofs.items():
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            back = doc.pages[1].crop(
                (10 / MM_PER_PT, 112 / MM_PER_PT, 210 / MM_PER_PT, 188 / MM_PER_PT)
            )
            text = back.extract_text()
            seals = [c for c in back.curves if (c["x1"] - c["x0"]) * MM_PER_PT > 10]
        assert text.count("(podpis prejemnika") == 1 and text.count("(podpis vročevalca") == 1
        assert seals and all(c["bottom"] * MM_PER_PT <= 187.5 for c in seals), languages


def test_barcodes_decode_to_exactly_their_numbers(pipeline):
    data = dl_body()["data"]
    codes = decode(render(pipeline, "variable"))
    assert codes.count(data["item_number"]) == 2 and codes.count(data["document_number"]) == 2


def test_inner_raster_has_no_see_through_gap(proofs):
    image = pdfium.PdfDocument(proofs[("sl",)])[2].render(scale=300 / 72).to_pil()
    assert longest_blank_mm(image, "columns", 300) <= 1.0
    assert longest_blank_mm(image, "rows", 300) <= 1.0


@pytest.mark.parametrize("languages", LANGUAGE_SETS, ids=IDS)
def test_imprint_in_register_with_the_pipeline(pipeline, languages):
    bleed = pipeline.layout(LAYOUT).bleed_mm
    imprint = EnvelopeImprint(pipeline, languages, bleed, "DL")
    request = pipeline.validate(pipeline.layout(LAYOUT), dl_body(languages))
    mine = imprint.write([request])
    reference = render(pipeline, "variable", languages)
    assert_in_register(reference, mine)
    assert sizes(mine, "/TrimBox") == [(220.0, 310.0)] and sizes(mine) == sizes(reference)[:1]


def test_imprint_refuses_a_record_of_the_other_size(pipeline):
    imprint = EnvelopeImprint(pipeline, ("sl",), 0, "DL")
    c5 = pipeline.validate(pipeline.layout(LAYOUT), sample(LAYOUT))
    assert [e.pointer for e in imprint.check(c5)] == ["/data/envelope_size"]
    with pytest.raises(InvalidRequest):
        imprint.write([c5])


def test_notice_and_warning_verbatim_on_both_notices(proofs):
    from .test_envelope import DATA, normalise, region_text

    notice = normalise((DATA / "p31-2.txt").read_text(encoding="utf-8"))
    place_date, signature = "_________________dne________________", "_________________________"
    captions = "(krajobveščanja)(datumobveščanja)"
    notice = notice.replace(
        place_date + signature + captions + "(čitljivpodpisvročevalca)",
        place_date + captions + signature + "(čitljivpodpisvročevalca)",
    )
    warning = normalise((DATA / "p31-4.txt").read_text(encoding="utf-8"))
    pdf = proofs[("sl",)]
    for x in (0, 110):
        assert normalise(region_text(pdf, 0, x + 7, 206, x + 110, 310)) == notice
        assert normalise(region_text(pdf, 1, x, 190, x + 110, 310)).startswith(
            "OPOZORILO" + warning
        )


def test_the_studio_pre_print_preview_follows_the_envelope_size(client):
    """The studio keeps the pre-print it drew (it does not depend on the data) but per size:
    a DL edit is not answered with the C5 drawing."""
    import base64
    import json

    from PIL import Image

    def preview(body):
        answer = client.simulate_post(
            f"/v1/studio/{LAYOUT}/preview",
            params={"dpi": "40", "variant": "preprint"},
            body=json.dumps(body),
            headers={"Content-Type": "application/json"},
        )
        assert answer.status_code == 200, answer.text
        return Image.open(io.BytesIO(base64.b64decode(answer.json["png"])))

    c5, dl = preview(sample(LAYOUT)), preview(dl_body())
    assert c5.size != dl.size  # 235 x 288 mm against 226 x 316 (the bleed included)
    assert abs(dl.size[0] / dl.size[1] - 226 / 316) < 0.01
