"""Every layout's samples, measured from the output PDF."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from renderer.options import LANGUAGE_SETS
from renderer.registry import Registry

from .conftest import sample
from .pdfmeasure import all_text, find, fonts, lines, page_boxes_mm

LAYOUTS = [layout.id for layout in Registry()]
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
OPTIONS = {
    "kind",
    "identity",
    "verify_url",
    "source",
    "medium",
    "made",
    "act",
    "gender",
    "witnesses_identified_by",
    "addressee_gender",
}  # choices, or printed as a QR code
ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
AMOUNT = re.compile(r"\d+\.\d{1,2}")
TIME = re.compile(r"\d\d:\d\d")
HOURS = re.compile(r"\d\d:\d\d-\d\d:\d\d")
CASES = [
    pytest.param(lid, langs, id=f"{lid}-{'+'.join(langs)}")
    for lid in LAYOUTS
    for langs in LANGUAGE_SETS
]


def _strings(value):
    """Every string inside a sample's data."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            if k not in OPTIONS:
                yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


@pytest.mark.parametrize("layout_id, languages", CASES)
def test_page_size_and_boxes_exact(pipeline, rendered_samples, layout_id, languages):
    layout = pipeline.layout(layout_id)
    pdf = rendered_samples(layout_id, languages)
    boxes = page_boxes_mm(pdf)
    media = boxes["MediaBox"]
    assert abs(media[0] - layout.page.width_mm) <= 0.1, media
    if layout.page.auto_height:  # the height follows the content: whole mm, within the maximum
        assert media[1] <= layout.page.max_height_mm and abs(media[1] - round(media[1])) <= 0.01, (
            media
        )
    else:
        assert abs(media[1] - layout.page.height_mm) <= 0.1, media
    for name in ("TrimBox", "BleedBox", "CropBox"):
        assert boxes[name] == media, name


def _printed(value: str) -> str:
    """How a value appears on the page: dates as the dater prints them, hours as 8.00–15.00."""
    if ISO_DATETIME.fullmatch(
        value
    ):  # a signature's time on Slovenia's clock: 20. 11. 2026 11:15:00 (UTC+1)
        moment = datetime.fromisoformat(value).astimezone(ZoneInfo("Europe/Ljubljana"))
        return f"{moment:%d. %m. %Y %H:%M:%S} (UTC{int(moment.utcoffset().total_seconds() // 3600):+d})"
    if ISO_DATE.fullmatch(value):
        year, month, day = value.split("-")
        return f"{int(day)}. {int(month)}. {year}"
    if AMOUNT.fullmatch(value):  # a fee: 1,50
        return f"{float(value):.2f}".replace(".", ",")
    if TIME.fullmatch(value):  # a time of day: 8.17
        return f"{int(value[:2])}.{value[3:]}"
    if HOURS.fullmatch(value):
        start, end = value.split("-")
        return "–".join(f"{int(t[:2])}.{t[3:]}" for t in (start, end))
    return value


@pytest.mark.parametrize("layout_id, languages", CASES)
def test_every_value_printed_inside_the_page(pipeline, rendered_samples, layout_id, languages):
    """Every string of the sample is on the page (capitals are checked per layout)."""
    layout = pipeline.layout(layout_id)
    pdf = rendered_samples(layout_id, languages)
    # a book's repeated pages carry no data: its distinct pages are enough
    pages = range(layout.assembly.front + layout.assembly.repeat) if layout.assembly else None
    text = " ".join(all_text(pdf, pages).split()).casefold()
    words = set(text.split())
    data = sample(layout_id, languages)["data"]
    for value in _strings(data):
        printed = " ".join(_printed(value).split()).casefold()
        # a value wrapped inside a table cell interleaves with its neighbours' lines
        # (a URL may break across lines at a slash)
        assert (
            printed in text
            or set(printed.split()) <= words
            or printed.replace(" ", "") in text.replace(" ", "")
        ), f"{value!r} missing from {layout_id}"
    height = page_boxes_mm(pdf)["MediaBox"][1]
    for line, box in lines(pdf):
        assert box.inside(0, 0, layout.page.width_mm, height), (line, box)


@pytest.mark.parametrize("layout_id, languages", CASES)
def test_all_fonts_embedded_and_only_ours(rendered_samples, layout_id, languages):
    found = fonts(rendered_samples(layout_id, languages))
    assert found
    for name, embedded in found:
        assert embedded, name
        # WeasyPrint names a font by the CSS family; the press (press/fonts.py: the register's
        # cells) by the font file's PostScript name
        assert "Obrazci-Sans" in name or name.endswith("+NotoSans-Regular"), name


@pytest.mark.parametrize("languages", [("sl", "it"), ("sl", "hu")], ids=["sl+it", "sl+hu"])
def test_bilingual_fixed_texts_in_both_languages(pipeline, rendered_samples, languages):
    """Each fixed text appears in Slovenian and in the second language, Slovenian first."""
    second = languages[1]
    checks = {
        "stamp.receipt": ["Prejeto", "Sig. znak", "Šifra zadeve", "Vredn.", "Priloge"],
        "stamp.certified-copy": [
            "KOPIJA ENAKA IZVIRNIKU",
            "kraj in datum",
            "podpis uradne osebe",
            "(žig)",
        ],
    }
    for layout_id, msgids in checks.items():
        pdf = rendered_samples(layout_id, languages)
        for msgid in msgids:
            translated = pipeline.catalogs.gettext(second, msgid)
            sl_box, other_box = find(pdf, msgid), find(pdf, translated)
            assert (sl_box.top, sl_box.x0) < (
                other_box.top,
                other_box.x0,
            ) or sl_box.top < other_box.top, msgid
            # equal prominence: the same type size (glyph box height within 5 %)
            sl_h, other_h = sl_box.bottom - sl_box.top, other_box.bottom - other_box.top
            assert abs(sl_h - other_h) <= 0.05 * sl_h, (msgid, sl_h, other_h)


def test_room_plate_hungarian_number_first(rendered_samples):
    pdf = rendered_samples("sign.room-plate", ("sl", "hu"))
    text = all_text(pdf)
    assert "Soba št. 3" in text and "3. sz. szoba" in text
