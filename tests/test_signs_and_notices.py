"""Facade and directory signs, spot colours, and the office notices — measured from the output."""

import io
import json

import pdfplumber
import pikepdf
import pypdfium2 as pdfium
import pytest
from markupsafe import Markup

from renderer.compose import _by_language, _roman
from renderer.options import OptionError, RenderOptions
from renderer.validation import InvalidRequest

from .conftest import sample
from .pdfmeasure import all_text, find, page_boxes_mm

ARMS_BLUE = (0, 93, 164)
SILVER = (0xDC / 255, 0xDD / 255, 0xE0 / 255)


def render(pipeline, layout_id, data, languages=("sl",), **options):
    return pipeline.render(
        layout_id, {"languages": list(languages), "data": data}, RenderOptions(**options)
    ).content


def arms_box_mm(pdf: bytes, dpi: int = 60):
    """Bounding box (mm) of the arms' blue, found in a raster of page 1."""
    page = pdfium.PdfDocument(pdf)[0]
    image = page.render(scale=dpi / 72).to_pil().convert("RGB")
    width, height = image.size
    pixels = image.load()
    xs, ys = [], []
    for y in range(height):
        for x in range(width):
            r, g, b = pixels[x, y]
            if (
                abs(r - ARMS_BLUE[0]) < 25
                and abs(g - ARMS_BLUE[1]) < 25
                and abs(b - ARMS_BLUE[2]) < 25
            ):
                xs.append(x)
                ys.append(y)
    assert xs, "no arms found"
    mm = 25.4 / dpi
    return min(xs) * mm, min(ys) * mm, (max(xs) + 1) * mm, (max(ys) + 1) * mm


@pytest.mark.parametrize("layout_id", ["sign.facade", "sign.directory"])
def test_arms_centred_at_the_top(rendered_samples, layout_id):
    pdf = rendered_samples(layout_id, ("sl",))
    width, _ = page_boxes_mm(pdf)["MediaBox"]
    x0, y0, x1, y1 = arms_box_mm(pdf)
    assert abs((x0 + x1) / 2 - width / 2) <= 1.0, (x0, x1)
    rs = find(pdf, "REPUBLIKA SLOVENIJA")
    assert y0 < 40 and y1 < rs.top  # the arms first, the logotype under them


def test_facade_size_and_logotype(rendered_samples):
    pdf = rendered_samples("sign.facade", ("sl",))
    assert [round(v, 1) for v in page_boxes_mm(pdf)["MediaBox"]] == [600.0, 400.0]
    rs = find(pdf, "REPUBLIKA SLOVENIJA")
    level1, level2 = (
        find(pdf, "MINISTRSTVO ZA OKOLJE, PODNEBJE IN ENERGIJO"),
        find(pdf, "AGENCIJA REPUBLIKE SLOVENIJE ZA OKOLJE"),
    )
    assert rs.bottom <= level1.top and level1.bottom <= level2.top
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        chars = [c for c in doc.pages[0].chars if c["text"].strip()]
    name_chars = [c for c in chars if c["top"] * 25.4 / 72 >= level1.top - 0.5]
    assert name_chars and all("Bold" in c["fontname"] for c in name_chars)
    rs_chars = [c for c in chars if c["top"] * 25.4 / 72 < level1.top - 0.5]
    assert rs_chars and not any("Bold" in c["fontname"] for c in rs_chars)
    for c in chars:  # the whole logotype is silver
        assert all(
            abs(a - b) < 0.01 for a, b in zip(c["non_stroking_color"], SILVER, strict=False)
        ), c["non_stroking_color"]


def test_facade_bilingual_order(rendered_samples):
    pdf = rendered_samples("sign.facade", ("sl", "it"))
    order = [
        find(pdf, t).top
        for t in (
            "REPUBLIKA SLOVENIJA",
            "REPUBBLICA DI SLOVENIA",
            "UPRAVNA ENOTA KOPER",
            "UNITÀ AMMINISTRATIVA CAPODISTRIA",
        )
    ]
    assert order == sorted(order)


def test_facade_long_name_wraps_and_impossible_name_refused(pipeline):
    long = "Ministrstvo za gospodarstvo, turizem in šport, Direktorat za notranji trg, Sektor za tehnično zakonodajo"
    pdf = render(pipeline, "sign.facade", {"authority": [long]})
    assert long.upper() in " ".join(all_text(pdf).split())
    word = "Ž" * 100  # one word wider than the sign even at 28 pt
    with pytest.raises(InvalidRequest) as exc:
        render(
            pipeline,
            "sign.facade",
            {"authority": [{"sl": "Upravna enota", "it": "Unità"}, {"sl": word, "it": "Unità"}]},
            ("sl", "it"),
        )
    assert [e.pointer for e in exc.value.errors] == ["/data/authority/1/sl"]
    assert "does not fit" in exc.value.errors[0].reason


def test_directory_five_level_limit(pipeline):
    rooms = [{"name": "Glavna pisarna", "rooms": [{"number": "1", "purpose": "sprejem vlog"}]}]
    levels = [
        "Ministrstvo za notranje zadeve",
        "Policija",
        "Policijska uprava Celje",
        "Policijska postaja Celje",
    ]
    assert render(pipeline, "sign.directory", {"authority": levels, "units": rooms})  # 1 + 4 levels
    with pytest.raises(InvalidRequest) as exc:
        render(pipeline, "sign.directory", {"authority": levels + ["Oddelek"], "units": rooms})
    assert exc.value.errors[0].pointer == "/data/authority"
    assert "at most five (P 9(4))" in exc.value.errors[0].reason


@pytest.mark.parametrize(
    "languages, expected",
    [
        (("sl",), ["XII. nadstropje", "II. nadstropje", "pritličje", "klet"]),
        (("sl", "it"), ["XII piano", "II piano", "pianterreno", "piano interrato"]),
        (("sl", "hu"), ["XII. emelet", "II. emelet", "földszint", "alagsor"]),
    ],
)
def test_directory_floors_in_roman_numerals(pipeline, languages, expected):
    def unit(name):
        return {
            "name": {lang: name for lang in languages},
            "rooms": [{"number": "1", "purpose": {lang: "informacije" for lang in languages}}],
        }

    floors = [{"floor": n, "units": [unit(f"Enota {n}")]} for n in (12, 2, 0, -1)]
    pdf = render(
        pipeline,
        "sign.directory",
        {"authority": [{lang: "Upravna enota" for lang in languages}], "floors": floors},
        languages,
    )
    tops = [find(pdf, label).top for label in expected]
    assert tops == sorted(tops)  # in the order given
    assert "nadstropje" in all_text(pdf)  # lower case, after the numeral's full stop
    sl_tops = [
        find(pdf, label).top for label in ["XII. nadstropje", "II. nadstropje", "pritličje", "klet"]
    ]
    assert all(
        abs(a - b) < 0.5 for a, b in zip(tops, sl_tops, strict=False)
    )  # both languages on the floor's line


def test_directory_rooms_and_height_follow_content(pipeline):
    def data(rooms):
        return {
            "authority": ["Upravna enota Kranj"],
            "units": [
                {
                    "name": "Glavna pisarna",
                    "rooms": [
                        {"number": str(i), "purpose": "sprejem vlog"} for i in range(1, rooms + 1)
                    ],
                }
            ],
        }

    short, tall = (
        render(pipeline, "sign.directory", data(2)),
        render(pipeline, "sign.directory", data(12)),
    )
    (w1, h1), (w2, h2) = page_boxes_mm(short)["MediaBox"], page_boxes_mm(tall)["MediaBox"]
    assert round(w1) == round(w2) == 600 and h2 > h1 + 50
    assert (
        find(tall, "soba št. 12").bottom > h2 - 40
    )  # the last room near the bottom: no empty tail
    assert find(short, "GLAVNA PISARNA").top < find(short, "soba št. 1").top


def test_directory_either_units_or_floors(pipeline):
    with pytest.raises(InvalidRequest) as exc:
        render(pipeline, "sign.directory", {"authority": ["UE"], "units": [], "floors": []})
    assert {e.pointer for e in exc.value.errors} == {"/data/units", "/data/floors"}
    floors = [{"floor": 1, "units": [{"name": "A"}]}, {"floor": 1, "units": [{"name": "B"}]}]
    with pytest.raises(InvalidRequest) as exc:
        render(pipeline, "sign.directory", {"authority": ["UE"], "floors": floors})
    assert (
        exc.value.errors[0].pointer == "/data/floors"
        and "floor 1 more than once" in exc.value.errors[0].reason
    )


def test_roman():
    assert [_roman(n) for n in (1, 2, 4, 9, 14, 19, 30)] == [
        "I",
        "II",
        "IV",
        "IX",
        "XIV",
        "XIX",
        "XXX",
    ]


# --- spot colours -------------------------------------------------------------------------


def separations(pdf_bytes: bytes) -> tuple[dict, bytes]:
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        page = pdf.pages[0]
        spaces = page.Resources.get("/ColorSpace", {})
        found = {
            str(cs[1]): (str(key), list(map(float, cs[3].C1)))
            for key, cs in spaces.items()
            if isinstance(cs, pikepdf.Array) and cs[0] == "/Separation"
        }
        return found, page.Contents.read_bytes()


@pytest.mark.parametrize("layout_id", ["sign.facade", "sign.directory"])
def test_print_variant_has_silver_as_a_used_separation(pipeline, layout_id, tmp_path):
    body = sample(layout_id)
    screen = pipeline.render(layout_id, body, RenderOptions("pdf")).content
    printed = pipeline.render(layout_id, body, RenderOptions("pdf", variant="print"))
    assert printed.filename.endswith(".print.pdf")
    assert separations(screen)[0] == {}
    found, content = separations(printed.content)
    assert set(found) == {"/Silver", "/Sign Grey"}
    silver_key, silver_alt = found["/Silver"]
    assert silver_alt == [0, 0, 0, 0.2]
    assert f"{silver_key} cs".encode() in content and b"1 scn" in content
    assert f"{found['/Sign Grey'][0]} cs".encode() in content
    assert b"0.862745 0.866667 0.878431 rg" not in content  # no silver left as RGB
    assert all_text(printed.content) == all_text(screen)


def test_print_variant_only_where_offered_and_only_as_pdf(pipeline, client):
    with pytest.raises(OptionError):
        pipeline.render(
            "stamp.receipt", sample("stamp.receipt"), RenderOptions("pdf", variant="print")
        )
    with pytest.raises(OptionError):
        pipeline.render(
            "sign.facade", sample("sign.facade"), RenderOptions("pdfa-2b", variant="print")
        )
    resp = client.simulate_get("/v1/layouts/sign.facade/sample", params={"variant": "gold"})
    assert resp.status_code == 400 and resp.json["errors"][0]["parameter"] == "variant"


@pytest.mark.parametrize(
    "layout_id",
    [
        "sign.facade",
        "sign.directory",
        "notice.office-hours",
        "notice.complaint-right",
        "notice.discretion-zone",
    ],
)
def test_pdfa_2b_of_new_layouts(rendered_samples, layout_id):
    for languages in (("sl",), ("sl", "it"), ("sl", "hu")):
        with pikepdf.open(io.BytesIO(rendered_samples(layout_id, languages, "pdfa-2b"))) as pdf:
            xmp = pdf.Root.Metadata.read_bytes().decode()
            assert "<pdfaid:part>2</pdfaid:part>" in xmp and "/OutputIntents" in pdf.Root


# --- office hours ---------------------------------------------------------------------------


def hours(office, strict=False):
    data = sample("notice.office-hours")["data"]
    return {"languages": ["sl"], "data": {**data, "office_hours": office, "strict": strict}}


def test_compliant_schedule_has_no_findings(client):
    resp = client.simulate_post(
        "/v1/render/notice.office-hours",
        body=json.dumps(sample("notice.office-hours")),
        headers={"Content-Type": "application/json"},
    )
    assert resp.status_code == 200 and "x-findings" not in resp.headers


def test_lunch_break_is_allowed_monday_to_wednesday(pipeline):
    office = {
        "monday": ["08:00-12:00", "13:00-15:00"],
        "tuesday": ["08:00-12:00", "13:00-15:00"],
        "wednesday": ["08:00-12:00", "13:00-18:00"],
        "friday": ["08:00-13:00"],
    }
    assert pipeline.render("notice.office-hours", hours(office), RenderOptions()).findings == ()


def test_schedule_findings_reported_then_refused_when_strict(client):
    office = {
        "monday": ["09:30-12:00", "14:00-15:00"],
        "wednesday": ["08:00-12:00", "14:00-18:00"],
        "friday": ["08:00-11:30"],
    }
    resp = client.simulate_post(
        "/v1/render/notice.office-hours",
        body=json.dumps(hours(office)),
        headers={"Content-Type": "application/json"},
    )
    assert resp.status_code == 200 and resp.content.startswith(b"%PDF")
    findings = json.loads(resp.headers["x-findings"])
    by_day = {}
    for f in findings:
        by_day.setdefault(f["pointer"], []).append(f["detail"])
    assert set(by_day) == {
        "/data/office_hours/monday",
        "/data/office_hours/tuesday",
        "/data/office_hours/wednesday",
        "/data/office_hours/friday",
    }
    monday = " ".join(by_day["/data/office_hours/monday"])
    assert "not covered: 8.00–9.30, 13.00–14.00" in monday  # 12–13 is the allowed break
    assert "must start by 9.00, not at 9.30" in monday
    assert "afternoon office hours must not end before 16.00 (14.00–15.00)" in monday
    assert "last at least 2 hours" in monday
    assert "not covered: 8.00–12.00, 13.00–15.00" in by_day["/data/office_hours/tuesday"][0]
    assert "not covered: 13.00–14.00" in by_day["/data/office_hours/wednesday"][0]
    friday = " ".join(by_day["/data/office_hours/friday"])
    assert "not covered: 11.30–13.00" in friday and "must not end before 12.00" in friday
    strict = client.simulate_post(
        "/v1/render/notice.office-hours",
        body=json.dumps(hours(office, strict=True)),
        headers={"Content-Type": "application/json"},
    )
    assert strict.status_code == 422
    assert [e["pointer"] for e in strict.json["errors"]] == [f["pointer"] for f in findings]


def test_other_bodies_are_not_checked(pipeline):
    body = hours({"monday": ["10:00-11:00"]})
    body["data"]["kind"] = "other"
    assert pipeline.render("notice.office-hours", body, RenderOptions()).findings == ()


@pytest.mark.parametrize(
    "bad, reason",
    [
        (["8-15"], "not an interval"),
        (["15:00-08:00"], "ends before it starts"),
        (["08:00-12:00", "11:00-13:00"], "overlaps"),
        (["25:00-26:00"], "not an interval"),
    ],
)
def test_schedule_syntax(pipeline, bad, reason):
    with pytest.raises(InvalidRequest) as exc:
        pipeline.validate(pipeline.layout("notice.office-hours"), hours({"monday": bad}))
    assert (
        exc.value.errors[0].pointer == "/data/office_hours/monday"
        and reason in exc.value.errors[0].reason
    )


def test_complaint_right_notice_in_both_languages(rendered_samples, pipeline):
    text = " ".join(all_text(rendered_samples("notice.complaint-right", ("sl", "hu"))).split())
    for msgid in (
        "KNJIGA PRIPOMB IN POHVAL",
        "Na zahtevo stranke mora javni uslužbenec stranki omogočiti zapis v knjigo pripomb in pohval.",
        "Uradni naslov upravne inšpekcije",
    ):
        assert msgid in text and pipeline.catalogs.gettext("hu", msgid) in text
    assert "Tržaška cesta 21, 1000 Ljubljana" in text


def test_the_first_language_is_not_wrapped_in_a_block_of_its_own():
    """by_language: the first language's words alone (the page carries its language), each
    other language's in a block of its own; escaped as any value."""
    two = _by_language([("sl", "Soba"), ("hu", "Szoba <1>")], ":")
    assert two == 'Soba:<div lang="hu">Szoba &lt;1&gt;:</div>'
    assert _by_language([("sl", "A & B")]) == "A &amp; B"
    assert _by_language([("sl", Markup('<span class="v">x</span>'))], ":") == (
        '<span class="v">x</span>:'
    )
