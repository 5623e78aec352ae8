"""The printed register drawn directly (renderer/press/register.py): its cells broken into the
lines WeasyPrint breaks them into, where WeasyPrint puts them, refused as the fit check
refuses them, on the blank spread's numbered pages, in every output format."""

from __future__ import annotations

import copy
import dataclasses
import io
import itertools

import pdfplumber
import pikepdf
import pytest

from renderer.options import FORMATS, RenderOptions
from renderer.press import register
from renderer.press.shaping import shaper
from renderer.validation import InvalidRequest

from .pdfmeasure import MM_PER_PT, page_boxes_mm
from .preflight import preflight, require_preflight
from .test_books import entries

LAYOUT = "certification-book.register"


def body(data_entries, languages=("sl",), first_page=1) -> dict:
    return {
        "languages": list(languages),
        "data": {"entries": data_entries, "first_page": first_page},
    }


def laid_out(pipeline, request_body):
    """WeasyPrint's layout of a register (the table, as the pipeline laid it out before)."""
    layout = pipeline.layout(LAYOUT)
    request = pipeline.validate(layout, request_body)
    composition = pipeline.composer.compose(layout, request)
    document = pipeline.renderer.lay_out(layout, composition)
    plan = pipeline.register_plan(layout, tuple(request.languages))
    return plan, document, composition.html


def weasyprint_pdf(pipeline, request_body) -> bytes:
    """The register as WeasyPrint draws it (the table layout, before finishing)."""
    layout = pipeline.layout(LAYOUT)
    request = pipeline.validate(layout, request_body)
    return pipeline._draw(layout, request, layout.variants[0], FORMATS["pdf"])[0]


def weasyprint_errors(pipeline, request_body) -> list[tuple[str, str]]:
    with pytest.raises(InvalidRequest) as exc:
        weasyprint_pdf(pipeline, request_body)
    return [(e.pointer, e.reason) for e in exc.value.errors]


def words(pdf_bytes: bytes) -> list[list[tuple[str, float, float]]]:
    """Each page's words, text and top-left corner in mm from the trim box's top left."""
    pages = []
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        for page in pdf.pages:
            trim = page.trimbox or page.mediabox
            left, top = trim[0], trim[1]
            found = [
                (w["text"], (w["x0"] - left) * MM_PER_PT, (w["top"] - top) * MM_PER_PT)
                for w in page.extract_words()
            ]
            pages.append(sorted(found, key=lambda w: (round(w[2], 1), w[1])))
    return pages


def assert_same_words(drawn: bytes, laid: bytes, tolerance_mm: float = 0.02) -> None:
    a, b = words(drawn), words(laid)
    assert len(a) == len(b)
    for page_a, page_b in zip(a, b, strict=True):
        assert [w[0] for w in page_a] == [w[0] for w in page_b]
        for (_, xa, ya), (_, xb, yb) in zip(page_a, page_b, strict=True):
            assert abs(xa - xb) < tolerance_mm and abs(ya - yb) < tolerance_mm


def _fill(width_units: float, words_: list[str], language: str) -> tuple[str, str]:
    """Two values: ``words_`` and a last word made to fill ``width_units``: the widest that
    fits on one line (within 10 font units, 0.1 px at 10 px: a value that exactly fills
    it) and the narrowest that does not."""
    font = shaper()
    base = ""
    for word in itertools.cycle(words_):
        if font.shape(f"{base}{word} mm", language).width > width_units:
            break
        base += word + " "
    while font.shape(base + "mmm", language).width <= width_units:
        base += "m"
    fitting, over = (0, ""), (float("inf"), "")
    for letters in itertools.product("aeiklmnorstuvzč", repeat=3):
        text = base + "".join(letters)
        width = font.shape(text, language).width
        if width <= width_units:
            fitting = max(fitting, (width, text))
        else:
            over = min(over, (width, text))
    assert width_units - fitting[0] < 10 and over[0] - width_units < 100  # 0.1 px, 1 px
    return fitting[1], over[1]


# --- line breaks ------------------------------------------------------------------------


TRICKY = {
    "party": [
        "Novak-Kovačič-Horvat-Zupan-Krajnc-Potočnik-Kos-Mlakar-Vidmar-Kolar-Golob, Celje",
        "Ljubljana/Maribor/Celje/Kranj/Koper/Novo mesto/Velenje/Ptuj/Trbovlje/Kamnik",
        "Dolgobesedniškoimenovanjebrezpresledkovinševeč, Celje, Ljubljanska cesta 12",
        "Office affluent ffi fl, Tavčarjeva 7,  dva  presledka / Őrség — Ελλάδα Москва",
        "1.500,00 EUR; št. 1-2/2026-3/a, http://example.si/a/b/c?d=e",
    ],
    "identity_detail": [
        "Jože Kranjc-Novak, Mojca Lipnik/Horvat",
        "PB5000091PB5000091PB5000091",
        "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p",
    ],
    "document": [
        "pogodba o prodaji vozila-prikolice/priklopnika in dodatek-aneks št. 2",
        "Vzajemnopogodbenodoločilnidokument",
    ],
    "official": ["Maja Kos-Novak/Horvat", "Marija-Magdalena Žnidaršič-Potočnik"],
    "remarks": ["overitev na domu/v bolnišnici - stranka nepokretna"],
    "number": ["OV-12/2026/a-b", "OV-123456789012345"],
}


def tricky_entries(languages) -> list[dict]:
    rows = entries(12)
    for i, row in enumerate(rows):
        for field, values in TRICKY.items():
            row[field] = values[i % len(values)]
        row["identity"] = ["acquaintance", "identity-card", "passport", "witnesses"][i % 4]
    return rows


@pytest.mark.parametrize("languages", [("sl",), ("sl", "it"), ("sl", "hu")])
def test_lines_are_weasyprints_for_tricky_values(pipeline, languages):
    """Breaks after '-' and '/', words longer than their cell (they overflow whole), spaces
    collapsed, ligatures, letters outside the Latin subset: every cell's lines, and where
    each of its pieces starts, as WeasyPrint lays them out."""
    plan, document, html = laid_out(pipeline, body(tricky_entries(languages), languages))
    register.compare(plan, document, html)  # raises LayoutError naming the first difference
    cells = register.cells(html, plan.language)
    party = cells[0][2]  # the first entry's party: broken after a hyphen
    lines = register.lines(plan, shaper(), plan.sides[0].columns[2], party)
    assert len(lines) > 1 and all(line[-1].text.endswith("-") for line in lines[:-1])


def test_the_breaker_sees_a_difference(pipeline):
    """The comparison fails when the lines differ (a narrower cell breaks earlier)."""
    plan, document, html = laid_out(pipeline, body(tricky_entries(("sl",))))
    side = plan.sides[0]
    column = dataclasses.replace(side.columns[2], width=side.columns[2].width * 0.8)
    columns = (*side.columns[:2], column, *side.columns[3:])
    narrower = dataclasses.replace(
        plan, sides=(dataclasses.replace(side, columns=columns),) + plan.sides[1:]
    )
    font = shaper()
    cell = register.cells(html, plan.language)[0][2]
    assert register.lines(narrower, font, column, cell) != register.lines(
        plan, font, side.columns[2], cell
    )


@pytest.mark.parametrize("column, field", [(2, "party"), (3, "identity_detail")])
def test_a_value_exactly_filling_a_line(pipeline, column, field):
    """The widest value that fits a cell's line stays on it, the narrowest that does not
    breaks: as WeasyPrint breaks them."""
    plan = pipeline.register_plan(pipeline.layout(LAYOUT), ("sl",))
    font = shaper()
    width = plan.sides[0].columns[column].width * font.upem / plan.size
    prefix = "osebna izkaznica: " if field == "identity_detail" else ""
    fitting, over = _fill(width, [prefix + "Novak", "Kovač", "Celje"], "sl")
    rows = entries(2)
    for row, value in zip(rows, (fitting, over), strict=True):
        row[field] = value.removeprefix(prefix)
    plan, document, html = laid_out(pipeline, body(rows))
    register.compare(plan, document, html)
    cells = register.cells(html, plan.language)[0]
    lines = [
        register.lines(plan, font, plan.sides[0].columns[column], cells[5 * row + column])
        for row in range(2)
    ]
    assert [len(lines[0]), len(lines[1])] == [1, 2]


# --- the fit check ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value",
    [
        ("identity_detail", "WWWWWWWWW " * 12),  # lines below the cell
        ("party", "Dolgobesedniškoimenovanjebrezpresledkovinševeččččččččččččč"),  # too wide
        ("fee", "1234567890123456789012"),  # one word wider than its narrow cell
        ("remarks", "opomba " * 22),
    ],
)
def test_a_value_that_does_not_fit_is_refused_as_the_fit_check_refuses_it(pipeline, field, value):
    data = entries(14)
    data[13][field] = value
    request_body = body(data)
    with pytest.raises(InvalidRequest) as exc:
        pipeline.render(LAYOUT, request_body, RenderOptions("pdf"))
    drawn = [(e.pointer, e.reason) for e in exc.value.errors]
    assert drawn == weasyprint_errors(pipeline, request_body)
    assert drawn[0][0] == f"/data/entries/13/{field}"
    assert drawn[0][1].startswith("does not fit its box (") and drawn[0][1].endswith("; shorten it")


# --- where it is drawn ------------------------------------------------------------------


@pytest.mark.parametrize("languages", [("sl",), ("sl", "it"), ("sl", "hu")])
def test_the_samples_are_drawn_where_weasyprint_lays_them_out(pipeline, languages):
    layout = pipeline.layout(LAYOUT)
    request_body = layout.sample(languages)
    drawn = pipeline.render(LAYOUT, request_body, RenderOptions("pdf")).content
    assert_same_words(drawn, weasyprint_pdf(pipeline, request_body))


def test_pages_are_numbered_from_first_page_where_weasyprint_numbers_them(pipeline):
    request_body = body(entries(30), first_page=7)
    result = pipeline.render(LAYOUT, request_body, RenderOptions("pdf"))
    assert result.pages == 6
    numbers = [page[-1] for page in words(result.content)]  # the lowest word: the number
    assert [n[0] for n in numbers] == ["7", "8", "9", "10", "11", "12"]
    assert_same_words(result.content, weasyprint_pdf(pipeline, request_body))
    with pikepdf.open(io.BytesIO(result.content)) as pdf:
        assert "/PageLayout" not in pdf.Root  # a register alone is not a bound book


def test_the_blank_spread_is_drawn_once_and_each_spread_draws_it(pipeline):
    result = pipeline.render(LAYOUT, body(entries(30)), RenderOptions("pdf"))
    with pikepdf.open(io.BytesIO(result.content)) as pdf:
        forms = {page.Resources.XObject.Tpl.objgen for page in pdf.pages}
        assert len(forms) == 2  # the left page and the right page of the spread
        font = pdf.pages[0].Resources.Font["/OBZText"]
        assert all(page.Resources.Font["/OBZText"].objgen == font.objgen for page in pdf.pages)


def test_print_ready_boxes_and_crop_marks_keep_the_text_on_the_trim(pipeline):
    request_body = body(entries(14))
    screen = pipeline.render(LAYOUT, request_body, RenderOptions("pdf")).content
    press = pipeline.render(LAYOUT, request_body, RenderOptions("pdfx-4", marks="crop")).content
    spread = pipeline.render(
        "certification-book.spread",
        {"languages": ["sl"], "data": {"first_page": 1}},
        RenderOptions("pdfx-4", marks="crop"),
    ).content
    assert page_boxes_mm(press) == page_boxes_mm(spread)  # the blank spread's own boxes
    boxes = page_boxes_mm(press)
    assert boxes["TrimBox"] == pytest.approx((210, 297), abs=0.01)
    assert boxes["MediaBox"][0] > 210 + 5 and boxes["MediaBox"][1] > 297 + 5  # room for the marks
    assert_same_words(press, screen)  # from the trim box's corner


def test_with_a_bleed_the_text_moves_with_the_trim_box(pipeline):
    layout = dataclasses.replace(pipeline.layout(LAYOUT), bleed_mm=3.0)
    request = pipeline.validate(layout, body(entries(14)))
    bled = pipeline.render_valid(layout, request, RenderOptions("pdfx-4")).content
    screen = pipeline.render(LAYOUT, body(entries(14)), RenderOptions("pdf")).content
    boxes = page_boxes_mm(bled)
    assert boxes["MediaBox"] == pytest.approx((216, 303), abs=0.01)
    assert boxes["TrimBox"] == pytest.approx((210, 297), abs=0.01)
    assert_same_words(bled, screen)


# --- formats ------------------------------------------------------------------------------


def test_pdfa_1b_passes_preflight_with_the_cells_font(pipeline, tmp_path):
    require_preflight()
    paths = []
    greek = entries(3)
    greek[1]["party"] = "Παπαδόπουλος Νίκος, Αθήνα"  # outside the Latin subset: the whole face
    for name, request_body in {
        "sl": pipeline.layout(LAYOUT).sample(("sl",)),
        "sl-it": pipeline.layout(LAYOUT).sample(("sl", "it")),
        "greek": body(greek),
    }.items():
        pdf = pipeline.render(LAYOUT, request_body, RenderOptions("pdfa-1b")).content
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            font = doc.pages[0].Resources.Font["/OBZText"]
            descriptor = font.DescendantFonts[0].FontDescriptor
            assert "/CIDSet" in descriptor and "/FontFile2" in descriptor
            subset = "+" in str(font.BaseFont)
            assert subset == (name != "greek")
        paths.append(tmp_path / f"{name}.pdf")
        paths[-1].write_bytes(pdf)
    for path in paths:
        valid, report = preflight(path)
        assert valid, (path.name, report)


@pytest.mark.parametrize("fmt", ["pdfa-2b", "pdfa-3b", "png"])
def test_every_format_of_the_register(pipeline, fmt):
    result = pipeline.render(LAYOUT, body(entries(13)), RenderOptions(fmt))
    assert result.pages == 4
    if fmt == "png":
        assert result.content.startswith(b"\x89PNG")
    else:
        with pikepdf.open(io.BytesIO(result.content)) as pdf:
            xmp = pdf.Root.Metadata.read_bytes().decode()
            assert f"<pdfaid:part>{fmt[5]}</pdfaid:part>" in xmp and len(pdf.pages) == 4


def test_the_studio_pipeline_still_lays_the_table_out(pipeline):
    """The studio draws an overflow instead of refusing it: that pipeline renders the table
    with WeasyPrint, and reports where the value overflows."""
    studio = copy.copy(pipeline)
    studio.refuse_overflow = False
    data = entries(2)
    data[1]["party"] = "W" * 40  # one word wider than the cell
    result = studio.render(LAYOUT, body(data), RenderOptions("pdf"))
    assert result.fit is not None and result.fit.errors[0].pointer == "/data/entries/1/party"


def test_a_second_process_reads_the_plan_from_the_warm_cache(tmp_path, monkeypatch):
    """The plan is kept with the layers: a second process renders a register without any
    WeasyPrint layout, the same bytes."""
    from renderer.pipeline import Pipeline
    from renderer.warmcache import WarmCache

    Pipeline._layer.cache_clear()
    first = Pipeline(warm_cache=WarmCache(tmp_path))
    sample = first.layout(LAYOUT).sample(("sl", "hu"))
    drawn = first.render(LAYOUT, sample, RenderOptions("pdf")).content
    second = Pipeline(warm_cache=WarmCache(tmp_path))
    monkeypatch.setattr(second.renderer, "lay_out", lambda *a, **k: pytest.fail("laid out"))
    assert second.render(LAYOUT, sample, RenderOptions("pdf")).content == drawn
    layout = second.layout(LAYOUT)
    assert second.register_plan(layout, ("sl", "hu")) == first.register_plan(
        first.layout(LAYOUT), ("sl", "hu")
    )
