"""One implementation of each press thing (issue 16): the content-stream walker, the
Separation builder, the font embedder and the units, each in one module of renderer/, and
what each of them guarantees (the walker's depth limit, fonts' named references and
deterministic subsets)."""

from __future__ import annotations

import io
import re
import time
import zlib
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from fontTools.ttLib import TTFont

from renderer.paths import FONTS_DIR
from renderer.press import content
from renderer.press.fonts import SlugFont, embed, metrics, subset_program, write_raw
from renderer.press.printready import neutral_to_gray
from renderer.press.rawpdf import RawPdf
from renderer.press.spots import apply_spots, load_spots
from renderer.textfit import text_width_mm

RENDERER = Path(__file__).resolve().parent.parent / "renderer"


def sources_with(pattern: str, allowed: set[str]) -> list[str]:
    """The modules of renderer/ (relative paths) whose code matches ``pattern``, but those
    ``allowed``."""
    found = []
    for path in sorted(RENDERER.rglob("*.py")):
        name = path.relative_to(RENDERER).as_posix()
        if name not in allowed and re.search(pattern, path.read_text(encoding="utf-8")):
            found.append(name)
    return found


# --- one module each ----------------------------------------------------------------------


def test_content_streams_are_parsed_and_written_only_by_the_walker():
    assert sources_with(r"(un)?parse_content_stream", {"press/content.py"}) == []


def test_separations_are_built_only_by_the_builder():
    assert sources_with(r"Name\.Separation|FunctionType", {"press/separation.py"}) == []


def test_fonts_are_subset_measured_and_mapped_only_in_press_fonts():
    pattern = r"fontTools import subset|\bhmtx\b|beginbfchar|/FontDescriptor|CIDFontType2"
    assert sources_with(pattern, {"press/fonts.py"}) == []


def test_no_object_number_is_written_by_hand_in_the_press():
    # "6 0 R" in a writer must match the order another writes its objects: names instead
    assert sources_with(r"\d+ 0 R", set()) == []


def test_lengths_are_converted_only_in_units():
    assert (
        sources_with(
            r"25\.4|/ ?72\b|\b72 ?/|/ ?96\b|\b96 ?/|\* ?72\b|PT_PER_\w+ = |MM_PER_\w+ = ",
            {"units.py"},
        )
        == []
    )


# --- the walker -----------------------------------------------------------------------------


def nested_forms(depth: int) -> pikepdf.Pdf:
    """One page drawing a form that draws a form … ``depth`` deep, each filling neutral
    grey (``0.5 0.5 0.5 rg``)."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(100, 100))
    inner = None
    for _ in range(depth):
        form = pdf.make_stream(b"0.5 0.5 0.5 rg 0 0 10 10 re f" + (b" /F Do" if inner else b""))
        form.Type, form.Subtype, form.BBox = (
            pikepdf.Name.XObject,
            pikepdf.Name.Form,
            [0, 0, 100, 100],
        )
        if inner is not None:
            form.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(F=inner))
        inner = pdf.make_indirect(form)
    page = pdf.pages[0]
    page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(F=inner))
    page.obj.Contents = pdf.make_stream(b"q /F Do Q")
    return pdf


def test_the_walker_visits_each_form_once_down_to_its_depth_limit():
    pdf = nested_forms(content.MAX_FORM_DEPTH)
    assert len(list(content.owners(pdf))) == content.MAX_FORM_DEPTH + 1
    assert neutral_to_gray(pdf) == content.MAX_FORM_DEPTH  # every form rewritten, once


@pytest.mark.parametrize(
    "walk",
    [
        lambda pdf: list(content.owners(pdf)),
        lambda pdf: list(content.drawn(pdf.pages[0].obj)),
        neutral_to_gray,  # printready walks with it
        lambda pdf: apply_spots(pdf, load_spots()),  # and so do the spot colours
    ],
    ids=["owners", "drawn", "neutral_to_gray", "apply_spots"],
)
def test_forms_nested_beyond_the_limit_are_refused(walk):
    with pytest.raises(content.ContentDepthError):
        walk(nested_forms(content.MAX_FORM_DEPTH + 2))


def test_a_form_drawn_twice_is_rewritten_once():
    pdf = nested_forms(1)
    form = pdf.pages[0].Resources.XObject.F
    pdf.add_blank_page(page_size=(100, 100))
    second = pdf.pages[1].obj
    second.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(G=form))
    second.Contents = pdf.make_stream(b"/G Do")
    assert neutral_to_gray(pdf) == 1
    assert form.read_bytes().startswith(b"0.5 g")


def test_drawn_enters_forms_where_they_are_drawn_with_the_inherited_resources():
    pdf = nested_forms(2)
    ops = [(d.operator, d.depth) for d in content.drawn(pdf.pages[0].obj)]
    assert ops == [
        ("q", 0),
        ("Do", 0),
        ("q", 0),  # the form's painting, bracketed as PDF defines it
        ("rg", 1),
        ("re", 1),
        ("f", 1),
        ("Do", 1),
        ("q", 1),
        ("rg", 2),
        ("re", 2),
        ("f", 2),
        ("Q", 1),
        ("Q", 0),
        ("Q", 0),
    ]


# --- the fonts ---------------------------------------------------------------------------


def test_the_font_objects_are_found_by_name_wherever_they_are_numbered():
    """The imprint's font written after other objects: its references still resolve
    (hard-coded numbers pointed at whatever object had them)."""
    program = subset_program(frozenset(map(ord, "Žalec ffi 1102")), closure=True)
    pdf = RawPdf()
    for name in ("catalog", "pages", "page", "content", "info", "spare"):
        pdf.number(name)
    pdf.put("spare", b"<< /Spare true >>")
    write_raw(program, pdf, "body font")
    gids = b"".join(b"%04x" % program.face.cmap[ord(c)] for c in "Žalec 1102")
    pdf.put_stream("content", zlib.compress(b"BT /F1 12 Tf 10 50 Td <%s> Tj ET" % gids))
    pdf.put(
        "page",
        b"<< /Type /Page /Parent %s /MediaBox [0 0 200 100] /Resources << /Font << /F1 %s >> >> "
        b"/Contents %s >>" % (pdf.ref("pages"), pdf.ref("body font"), pdf.ref("content")),
    )
    pdf.put("pages", b"<< /Type /Pages /Count 1 /Kids [%s] >>" % pdf.ref("page"))
    pdf.put("catalog", b"<< /Type /Catalog /Pages %s >>" % pdf.ref("pages"))
    pdf.put("info", b"<< /Producer (test) >>")
    data = pdf.write(root="catalog", info="info")
    with pikepdf.open(io.BytesIO(data)) as doc:
        font = doc.pages[0].Resources.Font.F1
        assert font.Subtype == "/Type0"
        descriptor = font.DescendantFonts[0].FontDescriptor
        assert descriptor.Type == "/FontDescriptor"
        assert TTFont(io.BytesIO(descriptor.FontFile2.read_bytes()))["head"].unitsPerEm == 1000
        assert b"beginbfchar" in font.ToUnicode.read_bytes()
    with pdfplumber.open(io.BytesIO(data)) as doc:
        assert doc.pages[0].extract_text() == "Žalec 1102"


def test_a_reference_to_an_object_never_written_is_refused():
    pdf = RawPdf()
    pdf.put("catalog", b"<< /Pages %s >>" % pdf.ref("pages"))
    pdf.put("info", b"<< >>")
    with pytest.raises(ValueError, match="pages"):
        pdf.write(root="catalog", info="info")
    with pytest.raises(ValueError, match="twice"):
        pdf.put("info", b"<< >>")


def test_both_writers_write_the_same_font():
    program = subset_program(frozenset(map(ord, "Koper 6000")), closure=False)
    raw = RawPdf()
    raw.number("catalog")
    raw.put("catalog", b"<< /Type /Catalog /Pages %s >>" % raw.ref("pages"))
    raw.put("pages", b"<< /Type /Pages /Count 0 /Kids [] >>")
    raw.put("info", b"<< >>")
    write_raw(program, raw)
    with pikepdf.open(io.BytesIO(raw.write(root="catalog", info="info"))) as written:
        raw_font = next(
            o
            for o in written.objects
            if isinstance(o, pikepdf.Dictionary) and o.get("/Subtype") == "/Type0"
        )
        made = pikepdf.new()
        embedded = embed(made, program)

        def facts(font):
            descendant = font.DescendantFonts[0]
            descriptor = descendant.FontDescriptor
            return (
                str(font.BaseFont),
                [
                    float(v) if not isinstance(v, pikepdf.Array) else [float(w) for w in v]
                    for v in descendant.W
                ],
                {k: str(v) for k, v in descriptor.items() if k != "/FontFile2"},
                descriptor.FontFile2.read_bytes(),
                font.ToUnicode.read_bytes(),
            )

        assert facts(raw_font) == facts(embedded)


def test_subsets_are_the_same_bytes_at_any_time(monkeypatch):
    """The font's own date is kept: a subset made a second later is the same file (the
    imprint's checksum must not depend on when its worker started)."""
    unicodes = frozenset(map(ord, "Upravna enota Lendava"))
    made = []
    for now in (1_800_000_000, 1_900_000_000):
        monkeypatch.setattr(time, "time", lambda now=now: now)
        made.append(subset_program.__wrapped__(unicodes, closure=True).data)
    assert made[0] == made[1]
    source = TTFont(FONTS_DIR / "NotoSans-Regular.ttf")["head"].modified
    assert TTFont(io.BytesIO(made[0]))["head"].modified == source


def test_the_slug_font_shows_and_measures_with_the_face_metrics():
    pdf = pikepdf.new()
    slug = SlugFont(pdf, "JOB-7 Žalec")
    face = metrics(400)
    assert slug.show("Ža") == b"<%04X%04X>" % (face.cmap[ord("Ž")], face.cmap[ord("a")])
    expected_pt = sum(face.char_advances[ord(c)] for c in "JOB-7 Žalec") / face.upem * 9
    assert slug.width_pt("JOB-7 Žalec", 9) == pytest.approx(expected_pt, abs=1e-9)
    # textfit measures with the same reader: mm = pt * 25.4 / 72
    assert text_width_mm("JOB-7 Žalec", 9) == pytest.approx(expected_pt * 25.4 / 72, abs=1e-9)


def test_a_character_the_font_lacks_is_named():
    with pytest.raises(ValueError, match="ア"):
        SlugFont(pikepdf.new(), "JOB ア")
