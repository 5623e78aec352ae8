"""Print-ready output: PDF/X-4 structure, bleed, crop marks, measured from the PDF.

There is no PDF/X validator offline (no veraPDF/Acrobat preflight profile for PDF/X here):
these tests check the structure ISO 15930-7 asks for, field by field.
"""

import io
import re

import pdfplumber
import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import ImageCms

from renderer.options import OptionError, RenderOptions
from renderer.press.printready import MARK_GAP_MM, MARK_LENGTH_MM

from .conftest import sample
from .pdfmeasure import MM_PER_PT, find, fonts

BLEED_LAYOUTS = [
    "complaint-book.cover",
    "certification-book.cover",
    "complaint-book",
    "certification-book",
    "envelope.personal-delivery",
    "sign.facade",
    "sign.directory",
    "sign.unit-door",
    "sign.name-plate",
    "sign.room-plate",
]


def render(pipeline, layout_id, fmt="pdf", variant=None, marks=None, languages=("sl",)):
    return pipeline.render(
        layout_id, sample(layout_id, languages), RenderOptions(fmt, variant=variant, marks=marks)
    ).content


def boxes_mm(pdf_bytes, page=0):
    """Each page box as (x0, y0, x1, y1) in mm."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        obj = pdf.pages[page].obj
        return {
            name: tuple(float(v) * MM_PER_PT for v in obj["/" + name])
            for name in ("MediaBox", "CropBox", "BleedBox", "TrimBox")
            if "/" + name in obj
        }


def inside(inner, outer, tol=0.01):
    return (
        inner[0] >= outer[0] - tol
        and inner[1] >= outer[1] - tol
        and inner[2] <= outer[2] + tol
        and inner[3] <= outer[3] + tol
    )


def pixel(pdf_bytes, x_mm, y_mm, page=0, dpi=50):
    """The colour at (x, y) mm from the MediaBox's top left."""
    image = pdfium.PdfDocument(pdf_bytes)[page].render(scale=dpi / 72).to_pil().convert("RGB")
    return image.getpixel((int(x_mm / 25.4 * dpi), int(y_mm / 25.4 * dpi)))


def close(a, b, tol=12):
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=False))


# ---------------------------------------------------------------- PDF/X-4 structure


@pytest.mark.parametrize(
    "layout_id, variant",
    [
        ("complaint-book.cover", None),
        ("stamp.receipt", None),
        ("envelope.personal-delivery", "preprint"),
        ("envelope.personal-delivery", "proof"),
        ("sign.facade", "print"),
        ("certification-book", None),
    ],
)
def test_pdfx4_structure(pipeline, layout_id, variant):
    pdf_bytes = render(pipeline, layout_id, "pdfx-4", variant)
    assert pdf_bytes.startswith(b"%PDF-1.6")
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        assert not pdf.is_encrypted and "/ID" in pdf.trailer
        intents = pdf.Root.OutputIntents
        assert (
            len(intents) == 1 and intents[0].S == "/GTS_PDFX" and intents[0].Type == "/OutputIntent"
        )
        assert str(intents[0].OutputConditionIdentifier) == "FOGRA39"
        icc = intents[0].DestOutputProfile
        assert icc.N == 4
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc.read_bytes())).profile
        assert profile.xcolor_space.strip() == "CMYK" and profile.device_class == "prtr"
        info = pdf.docinfo
        assert (
            str(info.GTS_PDFXVersion) == "PDF/X-4" and info.Trapped == "/False" and str(info.Title)
        )
        xmp = pdf.Root.Metadata.read_bytes().decode("utf-8")
        assert re.search(
            r'xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/"[^>]*>\s*'
            r"<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>",
            xmp,
        )
        assert "<pdf:Trapped>False</pdf:Trapped>" in xmp
        for needed in (
            "xmpMM:DocumentID",
            "xmpMM:VersionID",
            "xmpMM:RenditionClass",
            "xmp:CreateDate",
            "xmp:ModifyDate",
            "dc:title",
        ):
            assert f"<{needed}>" in xmp
        for page in pdf.pages:
            media, bleed, trim = (
                tuple(float(v) for v in page.obj[k]) for k in ("/MediaBox", "/BleedBox", "/TrimBox")
            )
            assert inside(trim, bleed) and inside(bleed, media)
            srgb = page.Resources.ColorSpace.DefaultRGB
            assert srgb[0] == "/ICCBased" and srgb[1].N == 3
            group = page.obj.get("/Group")
            assert group is None or group.get("/CS") != "/DeviceRGB"
    assert fonts(pdf_bytes) and all(embedded for _, embedded in fonts(pdf_bytes))


def test_rgb_is_characterised_in_every_form(pipeline):
    """Form XObjects (the book's repeated page, the proof's layer) have their own
    resources: DefaultRGB must be in each, or their DeviceRGB stays uncharacterised."""
    for layout_id, variant in (("complaint-book", None), ("envelope.personal-delivery", "proof")):
        with pikepdf.open(io.BytesIO(render(pipeline, layout_id, "pdfx-4", variant))) as pdf:
            forms = [
                x
                for page in pdf.pages
                for x in (page.Resources.get("/XObject") or {}).values()
                if x.get("/Subtype") == "/Form"
            ]
            assert forms
            assert all("/DefaultRGB" in form.Resources.ColorSpace for form in forms)


def test_spot_variants_keep_their_separations_in_pdfx4(pipeline):
    pdf_bytes = render(pipeline, "envelope.personal-delivery", "pdfx-4", "preprint")
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        names = {
            str(cs[1])
            for page in pdf.pages
            for cs in page.Resources.ColorSpace.values()
            if isinstance(cs, pikepdf.Array) and cs[0] == "/Separation"
        }
    assert {"/PANTONE 277 U", "/PANTONE 2995 U", "/PANTONE Red 032 U"} <= names, names


def test_screen_formats_have_no_bleed_and_no_output_intent(pipeline):
    for fmt in ("pdf", "pdfa-2b"):
        pdf_bytes = render(pipeline, "complaint-book.cover", fmt)
        boxes = boxes_mm(pdf_bytes)
        assert all(
            abs(a - b) < 0.01
            for box in boxes.values()
            for a, b in zip(box, (0, 0, 210, 297), strict=False)
        )
        with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
            assert all(str(i.S) != "/GTS_PDFX" for i in pdf.Root.get("/OutputIntents") or ())


def test_embedded_original_is_not_pdfx(pipeline):
    with pytest.raises(OptionError) as caught:
        pipeline.render_sample("certification.electronic-copy", ("sl",), RenderOptions("pdfx-4"))
    assert caught.value.parameter == "format"


# ---------------------------------------------------------------- bleed


@pytest.mark.parametrize("layout_id", BLEED_LAYOUTS)
def test_bleed_boxes_and_the_colour_runs_into_the_bleed(pipeline, layout_id):
    layout = pipeline.layout(layout_id)
    assert layout.bleed_mm == 3
    variant = "preprint" if layout_id.startswith("envelope") else None
    screen = render(pipeline, layout_id, "pdf", "proof" if variant else None)
    ready = render(pipeline, layout_id, "pdfx-4", variant)
    width, height = (v for v in boxes_mm(screen)["TrimBox"][2:])
    boxes = boxes_mm(ready)
    assert boxes["MediaBox"] == pytest.approx((0, 0, width + 6, height + 6), abs=0.01)
    assert boxes["BleedBox"] == pytest.approx(boxes["MediaBox"], abs=0.01)
    assert boxes["CropBox"] == pytest.approx(boxes["MediaBox"], abs=0.01)
    assert boxes["TrimBox"] == pytest.approx((3, 3, width + 3, height + 3), abs=0.01)
    # The edge colour of the screen page continues into the bleed, at every corner and edge.
    for x, y in ((0.5, 0.5), (width / 2, 0.5), (width + 5.5, height + 5.5), (0.5, height / 2)):
        inner = pixel(screen, min(max(x - 3, 1), width - 1), min(max(y - 3, 1), height - 1))
        assert close(pixel(ready, x, y), inner), (layout_id, x, y)
    assert inner != (255, 255, 255)


def test_layouts_without_a_coloured_edge_have_no_bleed(pipeline):
    pdf_bytes = render(pipeline, "stamp.receipt", "pdfx-4")
    boxes = boxes_mm(pdf_bytes)
    assert boxes["MediaBox"] == pytest.approx((0, 0, 65, 25), abs=0.01)
    assert boxes["TrimBox"] == pytest.approx((0, 0, 65, 25), abs=0.01)


def test_print_layers_of_the_envelope_have_identical_boxes(pipeline):
    """The pre-print shell and the variable imprint print in register: the same boxes on
    every page, in pdf and pdfx-4, and the proof in pdfx-4 too."""
    for fmt in ("pdf", "pdfx-4"):
        layers = [
            render(pipeline, "envelope.personal-delivery", fmt, v) for v in ("preprint", "variable")
        ]
        if fmt == "pdfx-4":
            layers.append(render(pipeline, "envelope.personal-delivery", fmt, "proof"))
        for page in range(3):
            first = boxes_mm(layers[0], page)
            assert first["TrimBox"][0] == pytest.approx(3, abs=0.01)
            assert all(boxes_mm(layer, page) == first for layer in layers[1:])


def test_content_keeps_its_place_on_the_trim(pipeline):
    """Bleed moves the trim 3 mm into the page; everything drawn moves with it, including
    the numbers the book assembler writes on its repeated pages."""
    screen, ready = render(pipeline, "complaint-book"), render(pipeline, "complaint-book", "pdfx-4")
    for page, text in ((0, "KNJIGA PRIPOMB"), (7, "Zap."), (7, "1"), (104, "98")):
        a, b = find(screen, text, page), find(ready, text, page)
        assert (b.x0 - a.x0, b.top - a.top) == pytest.approx((3, 3), abs=0.05), (page, text)


# ---------------------------------------------------------------- crop marks


def marks(pdf_bytes, page=0):
    """The stroked lines at full tint outside the trim (the registration colour's marks), in
    mm from the top left: (x0, top, x1, bottom)."""
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as doc:
        p = doc.pages[page]
        trim = [float(v) for v in p.page_obj.attrs["TrimBox"]]

        def outside(e):
            return (
                e["x1"] <= trim[0] or e["x0"] >= trim[2] or e["y1"] <= trim[1] or e["y0"] >= trim[3]
            )  # noqa: E731

        return [
            tuple(round(v * MM_PER_PT, 2) for v in (e["x0"], e["top"], e["x1"], e["bottom"]))
            for e in p.lines
            if e.get("stroking_color") in (1, (1,)) and outside(e)
        ]


def test_crop_marks_sit_on_the_trim_lines_outside_the_bleed(pipeline):
    pdf_bytes = render(pipeline, "certification-book.cover", "pdf", marks="crop")
    margin = 3 + MARK_GAP_MM + MARK_LENGTH_MM
    boxes = boxes_mm(pdf_bytes)
    assert boxes["MediaBox"] == pytest.approx((0, 0, 210 + 2 * margin, 297 + 2 * margin), abs=0.01)
    assert boxes["TrimBox"] == pytest.approx((margin, margin, margin + 210, margin + 297), abs=0.01)
    assert boxes["BleedBox"] == pytest.approx(
        (margin - 3, margin - 3, margin + 213, margin + 300), abs=0.01
    )
    found = marks(pdf_bytes)
    assert len(found) == 8
    vertical = [m for m in found if m[0] == m[2]]
    horizontal = [m for m in found if m[1] == m[3]]
    assert sorted({m[0] for m in vertical}) == pytest.approx([margin, margin + 210], abs=0.02)
    assert sorted({m[1] for m in horizontal}) == pytest.approx([margin, margin + 297], abs=0.02)
    for _, top, _, bottom in vertical:  # above and below the bleed, starting MARK_GAP_MM past it
        assert bottom <= margin - 3 - MARK_GAP_MM + 0.02 or top >= margin + 300 + MARK_GAP_MM - 0.02
        assert bottom - top == pytest.approx(MARK_LENGTH_MM, abs=0.02)
    for x0, _, x1, _ in horizontal:
        assert x1 <= margin - 3 - MARK_GAP_MM + 0.02 or x0 >= margin + 213 + MARK_GAP_MM - 0.02
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        spaces = list(pdf.pages[0].Resources.ColorSpace.values())
    assert any(
        cs[0] == "/Separation" and cs[1] == "/All" and cs[2] == "/DeviceCMYK" for cs in spaces
    )


def test_marks_without_bleed_and_in_pdfx(pipeline):
    pdf_bytes = render(pipeline, "stamp.receipt", "pdfx-4", marks="crop")
    margin = MARK_GAP_MM + MARK_LENGTH_MM
    assert boxes_mm(pdf_bytes)["TrimBox"] == pytest.approx(
        (margin, margin, margin + 65, margin + 25), abs=0.01
    )
    assert sorted({m[0] for m in marks(pdf_bytes) if m[0] == m[2]}) == pytest.approx(
        [margin, margin + 65], abs=0.02
    )


@pytest.mark.parametrize(
    "fmt, marks_value", [("png", "crop"), ("pdfa-2b", "crop"), ("pdf", "bleed"), ("txt", "crop")]
)
def test_marks_only_where_they_belong(fmt, marks_value):
    with pytest.raises(OptionError) as caught:
        RenderOptions(fmt, marks=marks_value)
    assert caught.value.parameter == "marks"


# ---------------------------------------------------------------- HTTP


def test_http_pdfx4_and_marks(client):
    body = sample("complaint-book.cover")
    resp = client.simulate_post(
        "/v1/render/complaint-book.cover", params={"format": "pdfx-4", "marks": "crop"}, json=body
    )
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/pdf"
    assert boxes_mm(resp.content)["TrimBox"][0] == pytest.approx(
        3 + MARK_GAP_MM + MARK_LENGTH_MM, abs=0.01
    )
    resp = client.simulate_post(
        "/v1/render/envelope.personal-delivery",
        params={"format": "pdfx-4", "variant": "preprint"},
        json=sample("envelope.personal-delivery"),
    )
    assert resp.status_code == 200


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({"format": "png", "marks": "crop"}, "marks"),
        ({"format": "pdfa-1b", "marks": "crop"}, "marks"),
        ({"marks": "registration"}, "marks"),
        ({"format": "pdfx-5"}, "format"),
        ({"format": "pdfa-2b", "variant": "print"}, "variant"),
    ],
)
def test_http_wrong_combinations_are_problems(client, params, parameter):
    resp = client.simulate_post("/v1/render/sign.facade", params=params, json=sample("sign.facade"))
    assert resp.status_code == 400
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json["errors"][0]["parameter"] == parameter


def test_openapi_offers_pdfx4_and_marks(client):
    doc = client.simulate_get("/openapi.json").json
    parameters = {
        p["name"]: p for p in doc["paths"]["/v1/render/sign.facade"]["post"]["parameters"]
    }
    assert "pdfx-4" in parameters["format"]["schema"]["enum"]
    assert parameters["marks"]["schema"]["enum"] == ["crop"]


def colour_operators(pdf_bytes):
    """Every fill/stroke colour operator in pages and forms: (operator, operands)."""
    found = []
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        owners = [page.obj for page in pdf.pages]
        owners += [
            x
            for page in pdf.pages
            for x in (page.Resources.get("/XObject") or {}).values()
            if x.get("/Subtype") == "/Form"
        ]
        for owner in owners:
            for operands, operator in pikepdf.parse_content_stream(owner):
                if str(operator) in ("rg", "RG", "g", "G", "k", "K"):
                    found.append((str(operator), tuple(round(float(v), 4) for v in operands)))
    return found


def test_black_prints_on_the_black_plate_only(pipeline):
    """Neutral RGB becomes DeviceGray on pages for the press, so black text and barcodes
    are not colour-managed into four-colour black; the screen output keeps RGB."""
    for variant in ("variable", "proof"):
        ops = colour_operators(render(pipeline, "envelope.personal-delivery", "pdfx-4", variant))
        assert ("g", (0.0,)) in ops
        assert not [op for op in ops if op[0] in ("rg", "RG") and len(set(op[1])) == 1]
    ops = colour_operators(render(pipeline, "envelope.personal-delivery", "pdf", "proof"))
    assert ("rg", (0.0, 0.0, 0.0)) in ops and ("g", (0.0,)) not in ops
    with pdfplumber.open(io.BytesIO(render(pipeline, "complaint-book", "pdfx-4"))) as doc:
        chars = doc.pages[
            7
        ].chars  # an inner page: its table drawn by the form, the number by the page
        assert chars and all(tuple(c["non_stroking_color"]) in ((0,), (0.0,)) for c in chars)
