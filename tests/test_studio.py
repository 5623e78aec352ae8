"""The preview studio's server side: previews, geometry measured from the PDF (checked
against pdfplumber's reading of the same PDF), prescribed sizes, sample sets, missing
translations, separations and the reference upload. The browser tests are in
test_studio_browser.py."""

import base64
import io
import json
import re
from dataclasses import replace

import pdfplumber
import pytest
from PIL import Image

from renderer.catalogs import Catalogs, UsedMessages
from renderer.compose import Composer
from renderer.options import Limits, RenderOptions
from renderer.raster import page_png
from renderer.registry import Prescribed
from renderer.studio import preview
from renderer.studio.resources import ASSETS_DIR
from renderer.studio.samplesets import sample_sets

from .conftest import sample
from .helpers import post_json as post
from .pdfmeasure import MM_PER_PT

MAX_UPLOAD_BYTES = Limits().max_upload_bytes

ENVELOPE = "envelope.personal-delivery"


def png_of(answer) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(answer["png"])))


@pytest.fixture(scope="module")
def envelope_pdf(pipeline):
    return pipeline.render(ENVELOPE, sample(ENVELOPE), RenderOptions("pdf")).content


def test_preview_is_the_page_its_geometry_and_checks(client):
    resp = post(
        client, "/v1/studio/stamp.receipt/preview?dpi=100", sample("stamp.receipt", ("sl", "it"))
    )
    assert resp.status_code == 200
    answer = resp.json
    image = png_of(answer)
    assert all(
        abs(a - b) <= 1 for a, b in zip(image.size, (65 / 25.4 * 100, 25 / 25.4 * 100), strict=True)
    )
    assert answer["pages"] == 1 and answer["geometry"]["trim"] == {
        "x": 0,
        "y": 0,
        "width": 65.0,
        "height": 25.0,
    }
    texts = [e["text"] for e in answer["geometry"]["elements"] if e["kind"] == "text"]
    assert any("Capodistria" in t for t in texts)
    assert [c["pass"] for c in answer["checks"]] == [True]


def test_invalid_data_is_the_render_apis_422(client):
    body = sample("stamp.receipt")
    body["data"]["authority"] = "x" * 500
    studio = post(client, "/v1/studio/stamp.receipt/preview", body)
    api = post(client, "/v1/render/stamp.receipt", body)
    assert studio.status_code == api.status_code == 422
    assert studio.json["errors"] == api.json["errors"]
    assert studio.json["errors"][0]["pointer"] == "/data/authority"


def test_pages_one_at_a_time(client):
    body = sample(ENVELOPE)
    third = post(client, f"/v1/studio/{ENVELOPE}/preview?page=3&dpi=50", body).json
    assert third["pages"] == 3 and third["geometry"]["trim"]["height"] == pytest.approx(
        162, abs=0.01
    )
    assert all(
        abs(a - b) <= 1
        for a, b in zip(png_of(third).size, (229 / 25.4 * 50, 162 / 25.4 * 50), strict=True)
    )
    resp = post(client, f"/v1/studio/{ENVELOPE}/preview?page=4", body)
    assert resp.status_code == 400 and resp.json["errors"][0]["parameter"] == "page"
    resp = post(client, f"/v1/studio/{ENVELOPE}/preview?dpi=9000", body)
    assert resp.status_code == 400 and resp.json["errors"][0]["parameter"] == "dpi"


def test_geometry_agrees_with_pdfplumber(envelope_pdf):
    """What pdfplumber reads from the same PDF is where the inspector says. Every filled
    rectangle lies within a path element (a barcode is one path of many bars); a box's
    frame is one filled path of two rectangles, which pdfplumber reports by its inner
    rectangle and the inspector by its outer edge, the frame's width (≤ 0.4 mm) apart."""
    document = preview.open_pdf(envelope_pdf)
    geometry = preview.measure_page(document[0], 1)
    paths = [e.rect for e in geometry.elements if e.kind == "path"]
    texts = [e for e in geometry.elements if e.kind == "text"]
    with pdfplumber.open(io.BytesIO(envelope_pdf)) as pdf:
        page = pdf.pages[0]
        rects = [
            (
                r["x0"] * MM_PER_PT,
                r["top"] * MM_PER_PT,
                r["width"] * MM_PER_PT,
                r["height"] * MM_PER_PT,
            )
            for r in page.rects
            if r["width"] > 0.01 and r["height"] > 0.01
        ]
        words = page.extract_words()
    assert len(rects) > 20
    for x, y, w, h in rects:
        gaps = [(x - p.x, y - p.y, p.x + p.width - x - w, p.y + p.height - y - h) for p in paths]
        assert any(all(g > -0.05 for g in gap) for gap in gaps), (x, y, w, h)
    for x, y, w, h in (
        (23, 21.5, 60, 18),
        (124, 27, 80, 27),
        (124, 77, 40, 13),
        (124, 128, 80, 14),
    ):
        inner = next(
            r for r in rects if all(0 < a - b < 0.45 for a, b in zip(r[:2], (x, y), strict=True))
        )
        frame = next(p for p in paths if abs(p.x - x) < 0.05 and abs(p.y - y) < 0.05)
        assert (frame.width, frame.height) == pytest.approx((w, h), abs=0.05)
        assert 0 < frame.width - inner[2] < 0.9 and 0 < frame.height - inner[3] < 0.9
    vrocilnica = next(w for w in words if w["text"] == "VROČILNICA")
    run = next(e for e in texts if e.text.startswith("VROČILNICA"))
    assert abs(run.rect.x - vrocilnica["x0"] * MM_PER_PT) < 0.3
    # PDFium boxes a text run by its glyphs (capitals on the baseline, the caron of Č above
    # the cap height); pdfplumber boxes the font size, from the descent down below the baseline
    top, bottom = vrocilnica["top"] * MM_PER_PT, vrocilnica["bottom"] * MM_PER_PT
    assert top < run.rect.y + run.rect.height < bottom - 0.5
    assert abs(run.rect.height - (bottom - top)) < 0.5


def test_envelope_prescribed_boxes_pass_and_a_wrong_one_fails(pipeline, envelope_pdf):
    layout = pipeline.layout(ENVELOPE)
    geometry = preview.measure_page(preview.open_pdf(envelope_pdf)[0], 1)
    results = preview.checks(layout.prescribed, geometry, 3)
    names = [r["name"] for r in results]
    assert any(n.startswith("delivery slip") for n in names) and len(results) >= 12
    assert all(r["pass"] for r in results), [r for r in results if not r["pass"]]
    slip = next(p for p in layout.prescribed if p.name.startswith("delivery slip"))
    # 1 mm further from the left than drawn: the measured slip is 1 mm off → fail
    moved = replace(slip, box=(21.0, 15.0, 94.5, 132.0))
    result = preview.check(moved, geometry)
    assert not result["pass"]
    assert {m["member"]: m["pass"] for m in result["members"]}["x"] is False
    # a box 0.8 mm wider than prescribed fails on the width
    wider = Prescribed("AR", (124, 77, 40.8, 13), 1, ("width", "height"))
    assert not preview.check(wider, geometry)["pass"]
    # nothing drawn there at all
    empty = Prescribed("nothing", (150, 240, 10, 10), 1, ("width",))
    assert preview.check(empty, geometry)["measured"] is None


def test_page_size_check_uses_the_trim_box(pipeline, envelope_pdf):
    layout = pipeline.layout(ENVELOPE)
    document = preview.open_pdf(envelope_pdf)
    inner = preview.checks(layout.prescribed, preview.measure_page(document[2], 3), 3)
    assert [(c["name"], c["pass"]) for c in inner] == [("inner layer (C5)", True)]
    wrong = Prescribed("C4", (0, 0, 229, 324), 3, ("width", "height"), "page")
    assert not preview.check(wrong, preview.measure_page(document[2], 3))["pass"]


def test_every_layout_has_its_page_size_prescribed(pipeline):
    for layout in pipeline.registry:
        pages = [p for p in layout.prescribed if p.kind == "page"]
        assert pages, layout.id
        if not layout.upload:
            assert any(p.box[2] == layout.page.width_mm for p in pages), layout.id


@pytest.mark.parametrize(
    "layout_id", ["stamp.receipt", "sign.directory", "envelope.personal-delivery"]
)
def test_sample_sets_validate_and_are_edge_cases(pipeline, layout_id):
    layout = pipeline.layout(layout_id)
    schema = layout.request_schema
    for languages in (("sl",), ("sl", "hu")):
        sets = sample_sets(layout, languages, pipeline.limits)
        assert sets["sample"] == layout.sample(languages)
        for body in sets.values():
            pipeline.validate(layout, body)  # raises if invalid
            assert len(json.dumps(body).encode()) <= pipeline.limits.max_body_bytes
    data_props = schema["properties"]["data"]["properties"]
    required = set(schema["properties"]["data"].get("required", ()))
    empty = sample_sets(layout, ("sl",), pipeline.limits).get("empty-optional")
    if empty:
        assert set(empty["data"]) <= required | {k for k in data_props if k in required}
    if layout_id == "stamp.receipt":
        longest = sample_sets(layout, ("sl", "it"), pipeline.limits)["longest"]["data"]
        limit = data_props["authority"]["anyOf"][0]["maxLength"]
        assert all(len(v) >= limit - 1 for v in longest["authority"].values())
        assert len(longest["case_code"]) >= 39
    if layout_id == "sign.directory":  # floors must differ, so units grow within each floor
        rows = sample_sets(layout, ("sl",), pipeline.limits)["most-rows"]["data"]
        most = schema["$defs"]["Floor"]["properties"]["units"]["maxItems"]
        assert all(len(floor["units"]) == most for floor in rows["floors"])


def test_missing_translations_are_listed():
    catalogs = Catalogs()
    used = UsedMessages(catalogs)
    some = next(iter(catalogs._messages["hu"]))
    del catalogs._messages["hu"][some]
    assert used.gettext("hu", some) == some  # printed in Slovenian instead of refused
    used.gettext("hu", next(iter(catalogs._messages["hu"])))
    assert used.missing("hu") == [some]
    assert used.missing("it") == []


def test_studio_lists_a_layouts_missing_translation(pipeline, monkeypatch):
    from renderer.studio.resources import Studio

    hu = dict(pipeline.catalogs._messages["hu"])
    del hu["Prejeto"]
    monkeypatch.setitem(pipeline.catalogs._messages, "hu", hu)
    assert Studio(pipeline).missing_translations("stamp.receipt") == {"it": [], "hu": ["Prejeto"]}


def test_layout_json_lists_sets_prescribed_and_no_missing_translations(client, pipeline):
    answer = client.simulate_get("/v1/studio/stamp.receipt").json
    assert set(answer["sample_sets"]) == {"sl", "sl,it", "sl,hu"}
    assert {"sample", "longest", "empty-optional"} <= set(answer["sample_sets"]["sl,hu"])
    assert answer["missing_translations"] == {"it": [], "hu": []}
    assert answer["prescribed"][0]["kind"] == "page"
    # the composition really asked for the layout's fixed texts
    layout = pipeline.layout("stamp.receipt")
    used = UsedMessages(pipeline.catalogs)
    Composer(used).compose(layout, pipeline.validate(layout, sample("stamp.receipt", ("sl", "hu"))))
    assert "Prejeto" in used.used


def test_separation_plates(client, pipeline):
    body = sample(ENVELOPE)
    path = f"/v1/studio/{ENVELOPE}/preview?variant=preprint&dpi=40"
    whole = post(client, path, body).json
    assert whole["separations"] == [
        "PANTONE 277 U",
        "PANTONE 2995 U",
        "PANTONE Red 032 U",
        "Process",
    ]
    base = png_of(post(client, path + "&separation=PANTONE%20277%20U", body).json).convert("L")
    red = png_of(post(client, path + "&separation=PANTONE%20Red%20032%20U", body).json).convert("L")
    scale = 40 / 25.4
    at = lambda img, x, y: img.getpixel((round(x * scale), round(y * scale)))  # noqa: E731
    # a plain spot of the envelope base: base ink only
    assert at(base, 10, 150) < 40 and at(red, 10, 150) > 215
    # in the AR box (124, 77, 40 x 13): where the red ink prints, the base is knocked out
    box = tuple(round(v * scale) for v in (124, 77, 164, 90))
    inked = [
        (x, y)
        for x in range(box[0], box[2])
        for y in range(box[1], box[3])
        if red.getpixel((x, y)) < 40
    ]
    assert len(inked) > 20
    assert all(base.getpixel(p) > 200 for p in inked)
    resp = post(client, path + "&separation=Cyan", body)
    assert resp.status_code == 400 and resp.json["errors"][0]["parameter"] == "separation"


def test_plate_hides_process_colours(envelope_pdf):
    """The proof has no spot colours: a spot plate of it is blank."""
    blank = preview.plate(envelope_pdf, "PANTONE 277 U")
    image = Image.open(io.BytesIO(page_png(preview.open_pdf(blank)[0], 20, 10**7))).convert("L")
    assert image.getextrema()[0] > 250


def test_overlay_accepts_a_scan_and_refuses_what_is_not_one(client):
    out = io.BytesIO()
    Image.new("RGB", (650, 250), "white").save(out, "PNG", dpi=(254, 254))
    resp = post(client, "/v1/studio/overlay?dpi=50", out.getvalue(), "application/octet-stream")
    assert resp.status_code == 200
    assert resp.json["width_mm"] == pytest.approx(65, abs=0.1) and resp.json[
        "height_mm"
    ] == pytest.approx(25, abs=0.1)
    for data, reason in (
        (b"GIF89a" + b"\0" * 100, "not a PDF, PNG"),
        (b"%PDF-1.7\n broken", "broken"),
    ):
        resp = post(client, "/v1/studio/overlay", data, "application/octet-stream")
        assert resp.status_code == 422 and resp.json["errors"][0]["pointer"] == "/overlay"
        assert reason in resp.json["errors"][0]["detail"]
    bomb = io.BytesIO()
    Image.new("1", (10_000, 7_000)).save(bomb, "PNG")  # 70 Mpx in a few kB
    resp = post(client, "/v1/studio/overlay", bomb.getvalue(), "application/octet-stream")
    assert (
        resp.status_code == 422
        and "max_image_pixels) is 60000000 pixels" in resp.json["errors"][0]["detail"]
    )
    resp = client.simulate_post(
        "/v1/studio/overlay",
        body=b"x" * 16,
        headers={
            "Content-Type": "application/octet-stream",
            "Content-Length": str(MAX_UPLOAD_BYTES + 1),
        },
    )
    assert resp.status_code == 413


def test_studio_pages_and_assets(client):
    page = client.simulate_get("/studio/stamp.receipt")
    assert page.status_code == 200 and "studio.js" in page.text
    assert client.simulate_get("/studio/no.such-layout").status_code == 404
    assert (
        client.simulate_get("/studio/assets/studio.js")
        .headers["content-type"]
        .startswith("text/javascript")
    )
    assert client.simulate_get("/studio/assets/..%2Fapp.py").status_code == 404


def test_a_missing_translation_prints_in_slovenian_and_is_highlighted(pipeline, monkeypatch):
    """The API refuses a document with an untranslated fixed text; the studio shows it with
    the Slovenian text in its place and names the text runs that print it."""
    from falcon import testing

    from renderer.http.app import create_app

    hu = dict(pipeline.catalogs._messages["hu"])
    del hu["Prejeto"]
    monkeypatch.setitem(pipeline.catalogs._messages, "hu", hu)
    client = testing.TestClient(create_app(pipeline))
    body = sample("stamp.receipt", ("sl", "hu"))
    assert post(client, "/v1/render/stamp.receipt", body).status_code != 200
    answer = post(client, "/v1/studio/stamp.receipt/preview", body).json
    runs = [answer["geometry"]["elements"][i]["text"] for i in answer["untranslated"]]
    assert runs and all("Prejeto" in run for run in runs)
    assert not any("Érkezett" in e.get("text", "") for e in answer["geometry"]["elements"])


@pytest.mark.slow
def test_every_layouts_sample_previews_with_its_prescribed_sizes_passing(client, pipeline):
    for layout in pipeline.registry:
        body = sample(layout.id, ("sl", "it"))
        answer = post(client, f"/v1/studio/{layout.id}/preview?dpi=36", body).json
        assert "png" in answer, (layout.id, answer)
        last = post(
            client, f"/v1/studio/{layout.id}/preview?dpi=36&page={answer['pages']}", body
        ).json
        for result in answer["checks"] + last["checks"]:
            assert result["pass"], (layout.id, result)


def test_text_runs_are_merged_per_line_with_their_font_size_weight_and_colour(pipeline):
    """A bilingual caption is one element per line (not "/" on its own), and how each run is
    set agrees with pdfplumber's reading of the same characters."""
    pdf = pipeline.render(
        ENVELOPE, sample(ENVELOPE, ("sl", "it")), RenderOptions("pdf", variant="preprint")
    ).content
    geometry = preview.measure_page(preview.open_pdf(pdf)[0], 1)
    texts = [e for e in geometry.elements if e.kind == "text"]
    assert not [e for e in texts if e.text.strip() == "/"]
    line = next(e for e in texts if e.text == "VROČILNICA / RICEVUTA DI NOTIFICA")
    ox, oy = (
        geometry.media.x,
        geometry.media.y,
    )  # pdfplumber measures from the media box (3 mm of bleed here)
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        chars = [
            c
            for c in document.pages[0].chars
            if abs(c["top"] * MM_PER_PT + oy - line.rect.y) < 1.5
            and line.rect.x - 0.3 <= c["x0"] * MM_PER_PT + ox <= line.rect.x + line.rect.width
        ]
    assert "".join(c["text"] for c in chars).replace(" ", "") == line.text.replace(" ", "")
    font, style = chars[0]["fontname"], line.runs[0][1]
    assert font.split("+", 1)[-1] == style.font == "Obrazci-Sans-Bold" and style.weight == 700
    assert style.size_pt == pytest.approx(chars[0]["size"], abs=0.05)
    colour = chars[0]["non_stroking_color"]  # PANTONE 2995 U's alternate; PDFium shows it in sRGB
    assert colour is not None and style.colour.startswith("#") and style.colour != "#000000"
    answer = line.as_json()
    assert answer["style"] == {
        "font": "Obrazci-Sans-Bold",
        "size_pt": round(chars[0]["size"], 2),
        "weight": 700,
        "colour": style.colour,
    }


def test_an_overflow_is_drawn_with_its_box_and_excess_beside_the_422(client):
    """The longest values on the envelope: the API refuses them (5 fields); the studio draws
    the page anyway and says where each value overflows its box and by how much."""
    longest = client.simulate_get(f"/v1/studio/{ENVELOPE}").json["sample_sets"]["sl"]["longest"]
    api = post(client, f"/v1/render/{ENVELOPE}", longest)
    studio = post(client, f"/v1/studio/{ENVELOPE}/preview", longest)
    assert api.status_code == 422 and studio.status_code == 200
    assert studio.json["errors"] == api.json["errors"]
    overflows: dict[str, list[dict]] = {}
    for o in studio.json[
        "overflows"
    ]:  # a value printed twice (slip and addressing part) may overflow twice
        overflows.setdefault(o["pointer"], []).append(o)
    assert set(overflows) == {e["pointer"] for e in api.json["errors"]}
    for error in api.json["errors"]:
        width, height = re.search(r"\(([\d.]+) x ([\d.]+) mm\)", error["detail"]).groups()
        boxes = [(o["box"]["width"], o["box"]["height"]) for o in overflows[error["pointer"]]]
        assert (float(width), float(height)) in boxes  # the box the 422 names
        for o in overflows[error["pointer"]]:
            assert o["excess_mm"] and all(v > 0 for v in o["excess_mm"].values())
            below = o["ink"]["y"] + o["ink"]["height"] - (o["box"]["y"] + o["box"]["height"])
            assert o["excess_mm"].get("bottom", 0) == pytest.approx(max(below, 0), abs=0.06)
    assert overflows["/data/sender/3"][0]["lines_over"] == 2
    # the outlined box is where the page draws it: the sender's frame measured from the PDF
    frames = [e for e in studio.json["geometry"]["elements"] if e["kind"] == "path"]
    box = overflows["/data/sender/3"][0]["box"]
    assert any(abs(f["x"] - box["x"]) < 2.5 and abs(f["y"] - box["y"]) < 2.5 for f in frames)
    # with a bleed (the variable layer, print-ready) the box stays where the trim puts it
    variable = post(client, f"/v1/studio/{ENVELOPE}/preview?variant=variable", longest).json
    assert variable["geometry"]["media"]["x"] == -3.0
    assert next(o["box"] for o in variable["overflows"] if o["pointer"] == "/data/sender/3") == box


def test_the_preview_takes_the_designers_own_upload_checked_like_every_upload(client):
    body = json.dumps(sample("certification.electronic-copy"))
    image = io.BytesIO()
    Image.new("RGB", (827, 1169), (250, 250, 250)).save(image, "PNG", dpi=(100, 100))

    def multipart(upload: bytes) -> dict:
        boundary = "studio-test"
        parts = [
            ("request", "request.json", "application/json", body.encode()),
            ("scan", "scan.png", "application/octet-stream", upload),
        ]
        data = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{n}"; filename="{f}"\r\n'
            f"Content-Type: {t}\r\n\r\n".encode()
            + v
            + b"\r\n"
            for n, f, t, v in parts
        )
        return {
            "body": data + f"--{boundary}--\r\n".encode(),
            "headers": {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        }

    bundled = post(
        client, "/v1/studio/certification.electronic-copy/preview", json.loads(body)
    ).json
    own = client.simulate_post(
        "/v1/studio/certification.electronic-copy/preview", **multipart(image.getvalue())
    )
    assert own.status_code == 200 and own.json["png"] != bundled["png"]
    refused = client.simulate_post(
        "/v1/studio/certification.electronic-copy/preview", **multipart(b"%PDF-1.7 nothing else")
    )
    assert refused.status_code == 422 and refused.json["errors"][0]["pointer"] == "/scan"
    sample_file = client.simulate_get("/v1/studio/certification.electronic-copy/upload")
    assert sample_file.status_code == 200 and sample_file.content.startswith(b"%PDF")
    assert client.simulate_get("/v1/studio/stamp.receipt/upload").status_code == 404


def test_a_variant_that_does_not_depend_on_the_data_is_drawn_once_and_still_validated(client):
    """The envelope's pre-print is the same for every request of a language set: after an
    edit its pages and separations come from what was drawn, but the data is checked each time."""
    body = sample(ENVELOPE)
    path = f"/v1/studio/{ENVELOPE}/preview?dpi=40&variant=preprint&separation=PANTONE%202995%20U"
    first = post(client, path, body).json
    body["data"]["content"] = "sklep o dedovanju"
    again = post(client, path, body)
    assert again.status_code == 200 and again.json["png"] == first["png"]
    body["data"]["item_number"] = "RR123456784SI"  # a wrong check digit
    refused = post(client, path, body)
    api = post(client, f"/v1/render/{ENVELOPE}?variant=preprint", body)
    assert (
        refused.status_code == api.status_code == 422
        and refused.json["errors"] == api.json["errors"]
    )


def test_text_runs_name_their_spot_colour(client, pipeline):
    """In a spot-colour variant each text run names the Separation it is filled with (read
    from the content stream; PDFium gives the colour as RGB only); nothing is named when the
    content order does not match PDFium's text objects."""
    answer = post(
        client, f"/v1/studio/{ENVELOPE}/preview?dpi=40&variant=preprint", sample(ENVELOPE)
    ).json
    lines = [e for e in answer["geometry"]["elements"] if e["kind"] == "text"]
    heading = next(e for e in lines if e["text"] == "VROČILNICA")
    assert heading["style"]["spot"] == "PANTONE 2995 U"
    assert {e["style"].get("spot") for e in lines} <= {"PANTONE 2995 U", "PANTONE Red 032 U"}
    assert any(e["style"].get("spot") == "PANTONE Red 032 U" for e in lines)  # the AR mark
    pdf = pipeline.render(
        ENVELOPE, sample(ENVELOPE), RenderOptions("pdf", variant="preprint")
    ).content
    fills = preview.text_fills(pdf, 0)
    page = preview.open_pdf(pdf)[0]
    assert all(
        "spot" not in e.as_json().get("style", {})
        for e in preview.measure_page(page, 1, fills[:-1]).elements
    )


def test_overlay_upload_is_in_the_openapi(client):
    operation = client.simulate_get("/openapi.json").json["paths"]["/v1/studio/overlay"]["post"]
    assert {p["name"] for p in operation["parameters"]} == {"page", "dpi"}
    assert {"413", "422"} <= set(operation["responses"])


def test_the_studio_modules_are_served_by_the_static_route(client):
    """studio.html loads studio.js as a module; every module it imports (and they import)
    is served as JavaScript in UTF-8, asked for again on each load and answered 304 by its
    ETag when unchanged."""
    page = client.simulate_get("/studio/stamp.receipt").text
    assert '<script type="module" src="/studio/assets/studio.js">' in page
    seen, todo = set(), ["studio.js"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        resp = client.simulate_get(f"/studio/assets/{name}")
        assert resp.status_code == 200, name
        assert resp.headers["content-type"] == "text/javascript; charset=utf-8", name
        assert resp.headers["cache-control"] == "no-cache" and resp.headers["etag"], name
        again = client.simulate_get(
            f"/studio/assets/{name}", headers={"If-None-Match": resp.headers["etag"]}
        )
        assert again.status_code == 304, name
        todo += re.findall(r'^import [^;]*? from "\./([\w-]+\.js)";', resp.text, re.M)
    assert seen == {path.name for path in ASSETS_DIR.glob("*.js")}  # no module left unused
    css = client.simulate_get("/studio/assets/studio.css")
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    assert client.simulate_get("/studio/assets/nothing.js").status_code == 404
