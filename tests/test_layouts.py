"""Every layout's samples, measured from the output PDF."""

import re

import pytest

from renderer.registry import Registry
from renderer.specs import LANGUAGE_SETS

from .conftest import sample
from .pdfmeasure import all_text, find, fonts, lines, page_boxes_mm

LAYOUTS = [layout.id for layout in Registry()]
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
CASES = [pytest.param(lid, langs, id=f"{lid}-{'+'.join(langs)}") for lid in LAYOUTS for langs in LANGUAGE_SETS]


def _strings(value):
    """Every string inside a sample's data."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


@pytest.mark.parametrize("layout_id, languages", CASES)
def test_page_size_and_boxes_exact(pipeline, rendered_samples, layout_id, languages):
    layout = pipeline.layout(layout_id)
    pdf = rendered_samples(layout_id, languages)
    boxes = page_boxes_mm(pdf)
    for name in ("MediaBox", "TrimBox", "BleedBox", "CropBox"):
        width, height = boxes[name]
        assert abs(width - layout.page.width_mm) <= 0.1, (name, width)
        assert abs(height - layout.page.height_mm) <= 0.1, (name, height)


@pytest.mark.parametrize("layout_id, languages", CASES)
def test_every_value_printed_inside_the_page(pipeline, rendered_samples, layout_id, languages):
    layout = pipeline.layout(layout_id)
    pdf = rendered_samples(layout_id, languages)
    text = all_text(pdf)
    data = sample(layout_id, languages)["data"]
    for value in _strings(data):
        if not value.strip():
            continue
        expected = value.upper() if _printed_upper(layout_id, value, data) else value
        if ISO_DATE.fullmatch(value):  # dates print as the dater does: 20. 11. 2026
            year, month, day = value.split("-")
            expected = f"{int(day)}. {int(month)}. {year}"
        assert expected in text.replace("\n", " "), f"{expected!r} missing from {layout_id}"
    for line, box in lines(pdf):
        assert box.inside(0, 0, layout.page.width_mm, layout.page.height_mm), (line, box)


def _printed_upper(layout_id, value, data) -> bool:
    """Fields the regulation prints in capitals."""
    upper_fields = {
        "sign.unit-door": ["authority"],
        "sign.name-plate": ["name", "position"],
        "badge.official": ["name"],
    }.get(layout_id, [])
    return any(value in _strings_of(data.get(f)) for f in upper_fields)


def _strings_of(value):
    return list(_strings(value)) if value is not None else []


@pytest.mark.parametrize("layout_id, languages", CASES)
def test_all_fonts_embedded_and_only_ours(rendered_samples, layout_id, languages):
    found = fonts(rendered_samples(layout_id, languages))
    assert found
    for name, embedded in found:
        assert embedded, name
        assert "Obrazci-Sans" in name, name


@pytest.mark.parametrize("languages", [("sl", "it"), ("sl", "hu")], ids=["sl+it", "sl+hu"])
def test_bilingual_fixed_texts_in_both_languages(pipeline, rendered_samples, languages):
    """Each fixed text appears in Slovenian and in the second language, Slovenian first."""
    second = languages[1]
    checks = {
        "stamp.receipt": ["Prejeto", "Sig. znak", "Šifra zadeve", "Vredn.", "Priloge"],
        "stamp.certified-copy": ["KOPIJA ENAKA IZVIRNIKU", "kraj in datum", "podpis uradne osebe", "(žig)"],
    }
    for layout_id, msgids in checks.items():
        pdf = rendered_samples(layout_id, languages)
        for msgid in msgids:
            translated = pipeline.catalogs.gettext(second, msgid)
            sl_box, other_box = find(pdf, msgid), find(pdf, translated)
            assert (sl_box.top, sl_box.x0) < (other_box.top, other_box.x0) or sl_box.top < other_box.top, msgid
            # equal prominence: the same type size (glyph box height within 5 %)
            sl_h, other_h = sl_box.bottom - sl_box.top, other_box.bottom - other_box.top
            assert abs(sl_h - other_h) <= 0.05 * sl_h, (msgid, sl_h, other_h)


def test_room_plate_hungarian_number_first(rendered_samples):
    pdf = rendered_samples("sign.room-plate", ("sl", "hu"))
    text = all_text(pdf)
    assert "Soba št. 3" in text and "3. sz. szoba" in text
