"""Where each field of the first layouts lands, measured from the PDF (mm, top left)."""

import io

import pdfplumber
import pytest

from renderer.options import RenderOptions
from renderer.validation import InvalidRequest

from .pdfmeasure import find, find_all, lines

PDF = RenderOptions("pdf")


def render(pipeline, layout_id, data, languages=("sl",)):
    return pipeline.render(layout_id, {"languages": list(languages), "data": data}, PDF).content


def test_receipt_stamp_fields_in_their_cells(pipeline):
    pdf = render(
        pipeline,
        "stamp.receipt",
        {
            "authority": "Upravna enota Ljubljana",
            "received": "2026-11-20",
            "sig_code": "0621",
            "case_code": "351-1187/2026-2",
            "value": "12 EUR",
            "attachments": "2",
        },
    )
    name = find(pdf, "Upravna enota Ljubljana")
    assert (
        name.inside(0, 0, 65, 8.4) and abs(name.cx - 32.5) < 1.0
    )  # engraved above the others, centred
    assert find(pdf, "Prejeto").inside(0, 8.4, 20, 13.4)
    assert find(pdf, "20. 11. 2026").inside(15, 8.4, 65, 13.4)
    columns = {  # label, value, column's x range
        "Sig. znak": ("0621", 0.4, 14.4),
        "Šifra zadeve": ("351-1187/2026-2", 14.4, 34.9),
        "Vredn.": ("12 EUR", 34.9, 50.9),
        "Priloge": ("2", 50.9, 64.6),
    }
    for label, (value, x0, x1) in columns.items():
        label_box = find(pdf, label)
        assert label_box.inside(x0, 13.4, x1, 16.6), (label, label_box)
        assert any(b.inside(x0, 16.4, x1, 24.6) for b in find_all(pdf, value)), value
    assert "V vednost" not in " ".join(t for t, _ in lines(pdf))


def test_receipt_stamp_optional_seventh_field(pipeline):
    pdf = render(
        pipeline, "stamp.receipt", {"authority": "Upravna enota Kranj", "cc": "Občina Kranj"}
    )
    label, value = find(pdf, "V vednost"), find(pdf, "Občina Kranj")
    assert label.inside(0, 20.2, 20, 24.6) and value.inside(label.x1, 20.2, 64.6, 24.6)
    blank = render(pipeline, "stamp.receipt", {"authority": "Upravna enota Kranj", "with_cc": True})
    assert find(blank, "V vednost").inside(0, 20.2, 20, 24.6)


def test_receipt_stamp_artwork_has_blank_fields(pipeline):
    pdf = render(pipeline, "stamp.receipt", {"authority": "Upravna enota Kranj"})
    texts = [t.strip() for t, _ in lines(pdf)]
    assert texts[0] == "Upravna enota Kranj" and len(texts) == 3  # name, Prejeto, the label row


def test_receipt_stamp_long_name_shrinks_then_refuses(pipeline):
    long_name = "Ministrstvo za javno upravo, Direktorat za informatiko"
    pdf = render(pipeline, "stamp.receipt", {"authority": long_name})
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        sizes = {round(c["size"], 1) for c in doc.pages[0].chars if c["top"] < 20}
    assert find(pdf, long_name).inside(0, 0, 65, 8.4) and min(sizes) < 7  # shrunk to one line
    with pytest.raises(InvalidRequest) as exc:  # one word wider than the stamp
        render(pipeline, "stamp.receipt", {"authority": "Upravna enota " + "X" * 60})
    assert exc.value.errors[0].pointer == "/data/authority/sl"


def test_value_taller_than_its_box_is_refused(pipeline):
    wide = ("MINISTRSTVO " * 10).strip()  # 119 wide capitals: three lines in each language
    authority = {"sl": wide, "it": wide}
    with pytest.raises(InvalidRequest) as exc:
        render(
            pipeline,
            "badge.official",
            {
                "authority": authority,
                "name": "Ana Kos",
                "title": {"sl": "referentka", "it": "referente"},
            },
            ("sl", "it"),
        )
    assert [e.pointer for e in exc.value.errors] == ["/data/authority/sl", "/data/authority/it"]
    assert exc.value.errors[0].reason == "does not fit its box (77 x 12 mm); shorten it"


def test_certified_copy_stamp_geometry(pipeline):
    pdf = render(
        pipeline,
        "stamp.certified-copy",
        {"place": "Celje", "certified_on": "2026-01-05", "official": "Ana Kos"},
    )
    title = find(pdf, "KOPIJA ENAKA IZVIRNIKU")
    assert title.inside(0, 0, 70, 8.5) and abs(title.cx - 35) < 1.0
    place_date = find(pdf, "Celje, 5. 1. 2026")
    caption = find(pdf, "(kraj in datum)")
    assert place_date.bottom <= caption.top + 0.3 and place_date.top > title.bottom
    signature, seal = find(pdf, "(podpis uradne osebe)"), find(pdf, "(žig)")
    assert seal.x0 > signature.x1 and seal.top > caption.bottom  # the seal beside the signature
    assert find(pdf, "Ana Kos").top > signature.top


def test_name_plate_bold_capitals_and_one_title(pipeline):
    pdf = render(
        pipeline,
        "sign.name-plate",
        {"name": "Ana Novak", "scientific_title": "dr.", "position": "svetovalka"},
    )
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        name_chars = [
            c for c in doc.pages[0].chars if c["text"] in "ANOVK" and c["top"] < 30 * 72 / 25.4
        ]
    assert name_chars and all("Bold" in c["fontname"] for c in name_chars)
    assert find(pdf, "dr. ANA NOVAK") and find(pdf, "SVETOVALKA")
    with pytest.raises(InvalidRequest) as exc:
        render(
            pipeline,
            "sign.name-plate",
            {
                "name": "Ana Novak",
                "scientific_title": "dr.",
                "professional_title": "univ. dipl. prav.",
                "position": "svetovalka",
            },
        )
    assert [e.pointer for e in exc.value.errors] == ["/data/professional_title"]
    assert "never both" in exc.value.errors[0].reason


def test_name_plate_has_no_room_number(pipeline):
    with pytest.raises(InvalidRequest) as exc:
        render(
            pipeline,
            "sign.name-plate",
            {"name": "Ana Novak", "position": "svetovalka", "room": "12"},
        )
    assert exc.value.errors[0].pointer == "/data/room"


def test_room_plate_same_width_as_name_plate(pipeline):
    assert (
        pipeline.layout("sign.room-plate").page.width_mm
        == pipeline.layout("sign.name-plate").page.width_mm
    )


def test_unit_door_body_in_capitals_above_unit(pipeline):
    pdf = render(
        pipeline,
        "sign.unit-door",
        {"authority": "Upravna enota Celje", "unit": "Krajevni urad Vojnik"},
    )
    body, unit = find(pdf, "UPRAVNA ENOTA CELJE"), find(pdf, "Krajevni urad Vojnik")
    assert body.bottom < unit.top and abs(body.cx - 150) < 1 and abs(unit.cx - 150) < 1
