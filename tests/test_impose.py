"""Imposition, measured from the imposed PDF: slots, crop marks, slug line, stack order."""

import io
import math

import pdfplumber
import pikepdf
import pypdfium2 as pdfium
import pytest
from weasyprint import HTML

from renderer.options import RenderOptions
from renderer.press.impose import (
    EDGE_MM,
    SHEETS,
    SLUG_MM,
    Imposition,
    ImpositionError,
    impose,
    plan,
)
from renderer.press.printready import MARK_GAP_MM, MARK_LENGTH_MM

from .conftest import sample
from .pdfmeasure import MM_PER_PT

CARD = (85.0, 55.0)
BLUE = (0x1F, 0x5A, 0xA6)


def cards(count: int, bleed_mm: float = 3, size=CARD) -> bytes:
    """``count`` pages of ``size`` mm with bleed, blue to the edge, each saying "R<n>" in
    its middle (WeasyPrint: its MediaBox starts at minus the bleed)."""
    pages = "".join(
        f'<div style="break-after: page; text-align: center; padding-top: 20mm;">R{n}</div>'
        for n in range(count)
    )
    css = (
        f"<style>@page {{ size: {size[0]}mm {size[1]}mm; margin: 0; bleed: {bleed_mm}mm; background: #1f5aa6; }}"
        "body { margin: 0; font-size: 14pt; color: #fff; }</style>"
    )
    return HTML(string=css + pages).write_pdf()


@pytest.fixture(scope="module")
def thirty():
    return cards(30)


def words(pdf_bytes: bytes, page: int) -> dict[str, tuple[float, float]]:
    """Each R<n> on a sheet → the centre of its text in mm from the sheet's top left."""
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as doc:
        return {
            w["text"]: (
                (w["x0"] + w["x1"]) / 2 * MM_PER_PT,
                (w["top"] + w["bottom"]) / 2 * MM_PER_PT,
            )
            for w in doc.pages[page].extract_words()
            if w["text"].startswith("R")
        }


def slot_of(point, grid) -> int:
    for slot in range(grid.slots):
        x, y = grid.slot_mm(slot)
        if x <= point[0] <= x + grid.width_mm and y <= point[1] <= y + grid.height_mm:
            return slot
    raise AssertionError(f"{point} is in no slot")


def expected_grid(sheet, item, bleed, gap, marks=True):
    """The grid worked out by hand from the rules: room inside the edge, the marks' zone
    (the bleed shown, gap, length) and the slug band; the orientation holding more."""
    zone = min(bleed, gap / 2) + (MARK_GAP_MM + MARK_LENGTH_MM if marks else 0)
    room_w = sheet[0] - 2 * (EDGE_MM + zone)
    room_h = sheet[1] - 2 * (EDGE_MM + zone) - SLUG_MM
    best = None
    for rotated in (False, True):
        w, h = (item[1], item[0]) if rotated else item
        cols, rows = (
            int((room_w + gap + 0.01) // (w + gap)),
            int((room_h + gap + 0.01) // (h + gap)),
        )
        if best is None or cols * rows > best[0]:
            best = (cols * rows, cols, rows, rotated, w, h)
    count, cols, rows, rotated, w, h = best
    if count == 0:
        return None
    left = (sheet[0] - (cols * w + (cols - 1) * gap)) / 2
    top = EDGE_MM + zone + (room_h - (rows * h + (rows - 1) * gap)) / 2
    return cols, rows, rotated, left, top


def test_n_up_places_cards_in_reading_order_where_planned(thirty):
    imposed = impose(thirty, Imposition(), "JOB-7")
    cols, rows, rotated, left, top = expected_grid(SHEETS["SRA3"], CARD, 3, 6)
    grid = imposed.grid
    assert (grid.columns, grid.rows, grid.rotated) == (cols, rows, rotated) == (3, 7, False)
    assert (grid.left_mm, grid.top_mm) == pytest.approx((left, top), abs=0.01)
    assert imposed.sheets == math.ceil(30 / 21) == 2
    with pikepdf.open(io.BytesIO(imposed.pdf)) as pdf:
        assert len(pdf.pages) == 2
        for page in pdf.pages:
            assert [round(float(v) * MM_PER_PT, 2) for v in page.MediaBox] == [0, 0, 320, 450]
            assert [float(v) for v in page.TrimBox] == [float(v) for v in page.MediaBox]
    for placement in imposed.placements:  # every card's text is found in the slot recorded for it
        x, y = grid.slot_mm(placement.slot)
        assert (placement.x_mm, placement.y_mm) == pytest.approx((x, y), abs=0.01)
        assert placement.page == placement.sheet * 21 + placement.slot
        centre = words(imposed.pdf, placement.sheet)[f"R{placement.page}"]
        assert slot_of(centre, grid) == placement.slot
        assert centre[0] == pytest.approx(x + CARD[0] / 2, abs=2)


def test_crop_marks_are_on_the_items_trim_lines_outside_every_trim(thirty):
    imposed = impose(thirty, Imposition(), "JOB-7")
    grid = imposed.grid
    trims_x = sorted(
        {round(grid.slot_mm(s)[0] + d, 2) for s in range(grid.slots) for d in (0, grid.width_mm)}
    )
    trims_y = sorted(
        {round(grid.slot_mm(s)[1] + d, 2) for s in range(grid.slots) for d in (0, grid.height_mm)}
    )
    with pdfplumber.open(io.BytesIO(imposed.pdf)) as doc:
        lines = [
            tuple(v * MM_PER_PT for v in (e["x0"], e["top"], e["x1"], e["bottom"]))
            for e in doc.pages[0].lines
        ]
    vertical = [line for line in lines if abs(line[0] - line[2]) < 0.01]
    horizontal = [line for line in lines if abs(line[1] - line[3]) < 0.01]
    assert sorted({round(v[0], 2) for v in vertical}) == pytest.approx(trims_x, abs=0.02)
    assert sorted({round(h[1], 2) for h in horizontal}) == pytest.approx(trims_y, abs=0.02)
    assert len(vertical) == 2 * len(trims_x) and len(horizontal) == 2 * len(trims_y)
    first = MARK_GAP_MM + 3  # past the bleed shown
    for _, top, _, bottom in vertical:
        assert bottom <= grid.top_mm - first + 0.02 or top >= grid.bottom_mm + first - 0.02
        assert EDGE_MM <= top and bottom <= 450 - EDGE_MM
    for x0, _, x1, _ in horizontal:
        assert x1 <= grid.left_mm - first + 0.02 or x0 >= grid.right_mm + first - 0.02


def test_slug_line_names_job_sheet_and_records_outside_the_trims(thirty):
    records = [1000 + n for n in range(30)]
    imposed = impose(thirty, Imposition(), "JOB-7", records)
    grid = imposed.grid
    with pdfplumber.open(io.BytesIO(imposed.pdf)) as doc:
        for index, page in enumerate(doc.pages):
            on_sheet = [records[p.page] for p in imposed.placements if p.sheet == index]
            text = f"JOB-7 sheet {index + 1}/2 records {min(on_sheet)}–{max(on_sheet)}"
            hits = page.search(text, regex=False)
            assert len(hits) == 1, page.extract_text()
            top = hits[0]["top"] * MM_PER_PT
            assert top > grid.bottom_mm + 3 + MARK_GAP_MM + MARK_LENGTH_MM - 0.5  # below the marks
            assert hits[0]["bottom"] * MM_PER_PT < 450 - EDGE_MM
        fonts = [f for f in doc.pages[0].chars if "sheet" in f["text"] or f["text"] == "J"]
        assert fonts and all("NotoSans" in c["fontname"] for c in fonts)


def test_cut_and_stack_puts_the_records_in_order_after_cutting(thirty):
    imposed = impose(thirty, Imposition(mode="cut-and-stack"), "JOB-8")
    grid, sheets = imposed.grid, imposed.sheets
    found = {}  # (sheet, slot) → the card printed there, read from the PDF
    for sheet in range(sheets):
        for text, centre in words(imposed.pdf, sheet).items():
            found[(sheet, slot_of(centre, grid))] = int(text[1:])
    # Cut every sheet into its slots, stack each slot's pieces sheet by sheet, then put the
    # stacks on top of each other in slot order: the records must come out in order.
    pile = [
        found[(sheet, slot)]
        for slot in range(grid.slots)
        for sheet in range(sheets)
        if (sheet, slot) in found
    ]
    assert pile == list(range(30))
    assert {(p.sheet, p.slot): p.page for p in imposed.placements} == found


def test_rotates_when_more_fit(pipeline):
    cover = pipeline.render(
        "certification-book.cover", sample("certification-book.cover"), RenderOptions("pdfx-4")
    ).content
    with pikepdf.open(io.BytesIO(cover)) as pdf:  # three copies of the cover
        for _ in range(2):
            pdf.pages.append(pdf.pages[0])
        out = io.BytesIO()
        pdf.save(out)
    imposed = impose(out.getvalue(), Imposition(), "BOOKS")
    grid = imposed.grid
    assert (grid.columns, grid.rows, grid.rotated) == (1, 2, True)  # A4 landscape, two on SRA3
    assert (grid.width_mm, grid.height_mm) == pytest.approx((297, 210), abs=0.01)
    assert imposed.sheets == 2
    with pdfplumber.open(io.BytesIO(imposed.pdf)) as doc:
        title = [
            c for c in doc.pages[0].chars if c["text"] == "K" and "OBZSLG" not in c["fontname"]
        ]
        assert title and not any(c["upright"] for c in title)  # the text turned with the page


def test_pdfx_source_stays_pdfx(pipeline):
    cover = pipeline.render(
        "complaint-book.cover", sample("complaint-book.cover"), RenderOptions("pdfx-4")
    ).content
    imposed = impose(cover, Imposition(sheet="A3"), "X")
    with pikepdf.open(io.BytesIO(imposed.pdf)) as pdf:
        assert pdf.Root.OutputIntents[0].S == "/GTS_PDFX"
        assert "pdfxid:GTS_PDFXVersion" in pdf.Root.Metadata.read_bytes().decode()
        page = pdf.pages[0]
        forms = list(page.Resources.XObject.values())
        assert forms and all(
            form.Resources.ColorSpace.DefaultRGB[0] == "/ICCBased" for form in forms
        )
        assert (
            b"rg" not in page.Contents.read_bytes()
        )  # the sheet's own drawing is gray and registration
        assert float(page.TrimBox[2]) == float(page.MediaBox[2])
        fonts = [
            f
            for f in pdf.objects
            if isinstance(f, pikepdf.Dictionary) and f.get("/Type") == "/FontDescriptor"
        ]
        assert fonts and all(
            any(k in f for k in ("/FontFile", "/FontFile2", "/FontFile3")) for f in fonts
        )


def test_raster_shows_the_bleed_up_to_half_the_gap(tmp_path):
    """Looked at as pixels: the card's colour reaches past the trim by the bleed, the rest
    of a wide gap stays paper white."""
    imposed = impose(cards(4), Imposition(gap_mm=12), "JOB")
    grid = imposed.grid
    dpi = 100
    image = pdfium.PdfDocument(imposed.pdf)[0].render(scale=dpi / 72).to_pil().convert("RGB")
    image.save(tmp_path / "sheet.png")
    at = lambda x, y: image.getpixel((round(x / 25.4 * dpi), round(y / 25.4 * dpi)))  # noqa: E731
    x, y = grid.slot_mm(0)
    right = x + grid.width_mm
    mid_y = y + grid.height_mm / 2
    assert all(
        abs(a - b) < 16 for a, b in zip(at(right - 1, mid_y), BLUE, strict=False)
    )  # inside the trim
    assert all(
        abs(a - b) < 16 for a, b in zip(at(right + 1.5, mid_y), BLUE, strict=False)
    )  # the bleed
    assert at(right + 6, mid_y) == (255, 255, 255)  # the middle of the gap


def test_wrong_impositions_are_refused(thirty):
    with pytest.raises(ImpositionError):
        Imposition(mode="saddle-stitch")
    with pytest.raises(ImpositionError):
        Imposition(sheet="B2")
    with pytest.raises(ImpositionError):
        impose(cards(1, size=(460, 330)), Imposition(), "BIG")
    mixed = io.BytesIO()
    with (
        pikepdf.open(io.BytesIO(thirty)) as pdf,
        pikepdf.open(io.BytesIO(cards(1, size=(90, 50)))) as other,
    ):
        pdf.pages.append(other.pages[0])
        pdf.save(mixed)
    with pytest.raises(ImpositionError, match="trimmed size"):
        impose(mixed.getvalue(), Imposition(), "MIX")
    with pytest.raises(ImpositionError, match="page_records"):
        impose(thirty, Imposition(), "JOB", [1, 2])
    with pytest.raises(ImpositionError, match="job"):
        impose(thirty, Imposition(), "")


def test_plan_matches_the_hand_worked_grid_for_each_sheet():
    for sheet_name, sheet in SHEETS.items():
        for item in ((85, 55), (65, 25), (210, 297), (229, 162)):
            expected = expected_grid(sheet, item, 3, 6)
            if (
                expected is None
            ):  # e.g. A4 with marks on SRA4: 210 + 2 x (edge + bleed + marks) > 225
                with pytest.raises(ImpositionError, match="does not fit"):
                    plan(item, 3, Imposition(sheet=sheet_name))
                continue
            grid = plan(item, 3, Imposition(sheet=sheet_name))
            cols, rows, rotated, left, top = expected
            assert (grid.columns, grid.rows, grid.rotated) == (cols, rows, rotated)
            assert (grid.left_mm, grid.top_mm) == pytest.approx((left, top), abs=0.01)


def test_a_long_slug_line_stays_on_the_sheet():
    job = "W" * 80  # wide letters: with the records listed, longer than the sheet is wide
    imposed = impose(
        cards(100, size=(200, 25)),
        Imposition(mode="cut-and-stack", sheet="SRA4"),
        job,
        [100001 + n for n in range(100)],
    )
    assert imposed.grid.columns == 1
    with pdfplumber.open(io.BytesIO(imposed.pdf)) as doc:
        page = doc.pages[0]
        slug = [c for c in page.chars if "OBZSLG" in c["fontname"]]
        assert "".join(c["text"] for c in slug).startswith(
            job + "   sheet 1/12   records 100001, 100013, 100025"
        )
        assert min(c["x0"] for c in slug) * MM_PER_PT >= EDGE_MM - 0.01
        assert max(c["x1"] for c in slug) * MM_PER_PT <= SHEETS["SRA4"][0] - EDGE_MM + 0.01
        assert (
            min(c["x0"] for c in slug) * MM_PER_PT < imposed.grid.left_mm - 1
        )  # moved left to fit
        assert 3.5 < slug[0]["size"] < 6  # and set smaller


def test_rotated_pages_are_refused(thirty):
    with pikepdf.open(io.BytesIO(thirty)) as pdf:
        pdf.pages[3].Rotate = 90
        out = io.BytesIO()
        pdf.save(out)
    with pytest.raises(ImpositionError, match="Rotate"):
        impose(out.getvalue(), Imposition(), "JOB")
