"""The preview studio end to end in headless Chromium (Debian's ``chromium``, driven by
Playwright without a browser download): open it, edit, switch languages, inspect, compare,
overlay a reference, use the keyboard. Any console error fails the test."""

from __future__ import annotations

import base64
import io
import json
import re

import pytest
from PIL import Image

# the fixtures server (the service on loopback) and browser (headless Chromium): tests/helpers.py


class Studio:
    """One studio tab; collects console errors (``expected`` lists allowed substrings)."""

    def __init__(self, browser, url: str):
        self.page = browser.new_page(viewport={"width": 1500, "height": 950})
        self.errors: list[str] = []
        self.expected: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)
        self.wait_renders(1)

    def renders(self) -> int:
        return self.page.evaluate("window.studio.renders")

    def wait_renders(self, count: int) -> None:
        self.page.wait_for_function(f"window.studio.renders >= {count}", timeout=60_000)

    def image(self) -> str:
        return self.page.get_attribute("#page-image", "src")

    def body(self) -> dict:
        return json.loads(self.page.input_value("#editor"))

    def edit(self, change) -> None:
        body = self.body()
        change(body["data"])
        self.page.fill("#editor", json.dumps(body, ensure_ascii=False, indent=2))

    def close(self) -> None:
        unexpected = [e for e in self.errors if not any(x in e for x in self.expected)]
        self.page.close()
        assert unexpected == [], unexpected


@pytest.fixture
def open_studio(browser, server):
    opened = []

    def open_(path: str) -> Studio:
        studio = Studio(browser, server + path)
        opened.append(studio)
        return studio

    yield open_
    for studio in opened:
        studio.close()


def test_index_lists_every_layout_with_a_thumbnail(browser, server, pipeline):
    page = browser.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(server + "/")
    links = page.eval_on_selector_all(".card a", "as => as.map(a => a.getAttribute('href'))")
    assert links == [f"/studio/{layout.id}" for layout in pipeline.registry]
    page.locator(".card img").first.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('.card img').naturalWidth > 0")
    page.click("a[href='/studio/stamp.receipt']")
    page.wait_for_function("window.studio && window.studio.renders >= 1", timeout=60_000)
    page.close()
    assert errors == []


def test_edit_switch_language_and_inspect(open_studio):
    studio = open_studio("/studio/stamp.receipt")
    page = studio.page
    first = studio.image()
    # edit a field: a new preview replaces the old one
    studio.edit(lambda data: data.update(authority="Upravna enota Piran"))
    studio.wait_renders(2)
    assert studio.image() != first
    assert "Piran" in json.dumps(
        page.evaluate("window.studio.state.preview.geometry.elements"), ensure_ascii=False
    )
    # two quick edits: the render of the first, still under way, is cancelled
    count = studio.renders()
    body = studio.body()
    izola = json.dumps({**body, "data": {**body["data"], "authority": "Upravna enota Izola"}})
    koper = json.dumps({**body, "data": {**body["data"], "authority": "Upravna enota Koper"}})
    page.evaluate(
        """async ([first, second]) => {
        const editor = document.querySelector('#editor');
        editor.value = first; editor.dispatchEvent(new Event('input'));
        while (document.body.dataset.state !== 'rendering')
            await new Promise(r => setTimeout(r, 1));
        editor.value = second; editor.dispatchEvent(new Event('input'));
    }""",
        [izola, koper],
    )
    studio.wait_renders(count + 1)
    page.wait_for_selector("body[data-state='idle']")
    elements = json.dumps(
        page.evaluate("window.studio.state.preview.geometry.elements"), ensure_ascii=False
    )
    assert "Koper" in elements and "Izola" not in elements
    assert studio.renders() == count + 1 and page.evaluate("window.studio.cancelled") >= 1
    # switch language: the editor holds the sl+it sample and the preview is bilingual
    before, count = studio.image(), studio.renders()
    page.click("#languages button[data-languages='sl,it']")
    studio.wait_renders(count + 1)
    assert studio.body()["languages"] == ["sl", "it"]
    assert studio.image() != before
    texts = page.evaluate(
        "window.studio.state.preview.geometry.elements.filter(e => e.text).map(e => e.text)"
    )
    assert any("Ricevuto" in t or "Capodistria" in t for t in texts), texts
    assert "lang=sl%2Cit" in page.input_value("#share-link")
    # inspector: point at the word Prejeto, read its box in mm
    element = page.evaluate(
        "window.studio.state.preview.geometry.elements"
        ".find(e => e.text && e.text.startsWith('Prejeto'))"
    )
    stage = page.locator("#stage").bounding_box()
    scale = stage["width"] / page.evaluate("window.studio.state.preview.geometry.media.width")
    x = stage["x"] + (element["x"] + element["width"] / 2) * scale
    y = stage["y"] + (element["y"] + element["height"] / 2) * scale
    page.mouse.move(x, y)
    info = page.inner_text("#hover-info")
    assert (
        "Prejeto" in info
        and f"{element['x']:.2f} mm" in info
        and f"{element['width']:.2f} mm" in info
    )
    page.mouse.click(x, y)
    assert "pinned" in page.inner_text("#hover-info")
    assert page.locator("#marks rect[stroke='#0b57d0']").count() == 1
    # the prescribed page size, measured from the PDF
    checks = page.inner_text("#checks")
    assert "pass" in checks and "65.00 / 65.00" in checks and "25.00 / 25.00" in checks


def test_invalid_data_keeps_the_last_good_preview_and_marks_the_field(open_studio):
    studio = open_studio("/studio/stamp.receipt")
    studio.expected.append("status of 422")  # the browser logs the API's 422 answer
    page = studio.page
    good = studio.image()
    studio.edit(lambda data: data.update(authority="x" * 500))
    page.wait_for_selector("body[data-state='invalid']")
    errors = page.inner_text("#errors")
    line = 1 + page.input_value("#editor").split('"authority"')[0].count("\n")
    assert f"line {line} · /data/authority" in errors and "the limit is 120" in errors
    assert "x" * 20 in page.inner_html("#editor-backdrop mark")
    assert studio.image() == good
    page.fill("#editor", '{"data": {')
    page.wait_for_function("document.querySelector('#errors').innerText.includes('does not parse')")
    assert studio.image() == good
    # the position comes from scanning the text (not from the browser's wording), marked there
    page.fill("#editor", '{"languages": ["sl"],\n "data": {"authority": "x",}}')
    page.wait_for_function("document.querySelector('#errors').innerText.includes('column 28')")
    assert "line 2 · column 28: expected a member name" in page.inner_text("#errors")
    assert page.inner_text("#editor-backdrop mark") == "}"


def test_share_link_pins_layout_set_and_languages(open_studio):
    studio = open_studio("/studio/stamp.receipt?lang=sl,hu&set=empty-optional")
    page = studio.page
    body = studio.body()
    assert body["languages"] == ["sl", "hu"]
    assert "value" not in body["data"] and "authority" in body["data"]
    assert page.input_value("#sample-set") == "empty-optional"
    assert page.get_attribute("#languages button[data-languages='sl,hu']", "aria-pressed") == "true"
    link = page.input_value("#share-link")
    assert (
        "/studio/stamp.receipt?" in link and "lang=sl%2Chu" in link and "set=empty-optional" in link
    )


def test_diff_and_overlay(open_studio, tmp_path):
    studio = open_studio("/studio/stamp.receipt")
    page = studio.page
    page.select_option("#diff", "lang:sl,hu")
    page.wait_for_function(
        "document.querySelector('#diff-result').innerText.includes('pixels differ')"
    )
    diff = page.evaluate("window.studio.diff")
    assert 0 < diff["differ"] < diff["total"]
    assert page.is_visible("#diff-canvas")
    page.select_option("#diff", "")
    assert not page.is_visible("#diff-canvas")
    # a reference scan at 254 dpi, 65 x 25 mm: laid over the render at its size in mm
    scan = tmp_path / "annex.png"
    Image.new("RGB", (650, 250), (255, 0, 0)).save(scan, dpi=(254, 254))
    page.set_input_files("#overlay-file", str(scan))
    page.wait_for_selector("#overlay-image:not([hidden])")
    stage = page.locator("#stage").bounding_box()
    overlay = page.locator("#overlay-image").bounding_box()
    assert (
        abs(overlay["width"] - stage["width"]) < 2 and abs(overlay["height"] - stage["height"]) < 2
    )
    page.fill("#overlay-x", "10")
    moved = page.locator("#overlay-image").bounding_box()
    assert abs((moved["x"] - overlay["x"]) - stage["width"] * 10 / 65) < 1.5
    # a file that is not a scan is refused by the server, with the reason
    junk = tmp_path / "annex.pdf"
    junk.write_bytes(b"%PDF-1.7 nothing else")
    studio.expected.append("status of 422")
    page.set_input_files("#overlay-file", str(junk))
    page.wait_for_function(
        "document.querySelector('#status').innerText.includes('Reference refused')"
    )
    assert "broken PDF" in page.inner_text("#status")


def test_keyboard_and_labels(open_studio):
    studio = open_studio("/studio/stamp.receipt")
    page = studio.page
    unnamed = page.evaluate("""() =>
        [...document.querySelectorAll('input, select, textarea, button')]
        .filter(el => !((el.labels && el.labels.length) || el.getAttribute('aria-label')
                        || el.textContent.trim() || el.title))
        .map(el => el.id || el.outerHTML)""")
    assert unnamed == []
    page.focus("#editor")
    page.keyboard.press("Control+Home")
    page.keyboard.press("Shift+Tab")  # back to the header controls
    for _ in range(30):
        if page.evaluate("document.activeElement.dataset.languages") == "sl,hu":
            break
        page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.dataset.languages") == "sl,hu"
    count = studio.renders()
    page.keyboard.press("Enter")
    studio.wait_renders(count + 1)
    assert studio.body()["languages"] == ["sl", "hu"]
    # manual mode: edits wait for Ctrl+Enter
    page.check("#manual")
    count = studio.renders()
    studio.edit(lambda data: data.update(sig_code="0999"))
    page.wait_for_timeout(400)
    assert studio.renders() == count
    page.focus("#editor")
    page.keyboard.press("Control+Enter")
    studio.wait_renders(count + 1)


def test_missing_translation_is_counted_listed_and_highlighted(open_studio, pipeline, monkeypatch):
    from renderer.catalogs import UsedMessages
    from renderer.compose import Composer

    layout = pipeline.layout("stamp.certified-copy")  # opened by no other test: nothing cached
    used = UsedMessages(pipeline.catalogs)
    Composer(used).compose(layout, pipeline.validate(layout, layout.sample(("sl", "hu"))))
    msgid = max(used.used, key=len)
    hu = dict(pipeline.catalogs._messages["hu"])
    del hu[msgid]
    monkeypatch.setitem(pipeline.catalogs._messages, "hu", hu)
    studio = open_studio("/studio/stamp.certified-copy?lang=sl,hu")
    page = studio.page
    assert page.inner_text("#languages button[data-languages='sl,hu'] .badge") == "1"
    assert page.locator("#languages button[data-languages='sl,it'] .badge").count() == 0
    assert msgid in page.inner_text("#missing")
    assert page.locator("#marks rect.untranslated").count() >= 1
    assert "without translation" in page.inner_text("#status")


@pytest.mark.slow
def test_envelope_pages_variants_separations_and_prescribed(open_studio):
    studio = open_studio("/studio/envelope.personal-delivery")
    page = studio.page
    assert page.inner_text("#page-count") == "of 3"
    checks = page.locator("#checks li")
    assert checks.count() >= 12 and page.locator("#checks li.fail").count() == 0
    assert "delivery slip" in page.inner_text("#checks")
    count = studio.renders()
    page.click("#page-next")
    page.click("#page-next")
    studio.wait_renders(count + 1)
    page.wait_for_function("window.studio.state.preview.page === 3")
    assert page.evaluate("window.studio.state.preview.geometry.trim.height") == pytest.approx(
        162, abs=0.01
    )
    page.click("#page-prev")
    page.click("#page-prev")
    page.wait_for_function("window.studio.state.preview.page === 1")
    page.select_option("#variant", "preprint")
    page.wait_for_function("!document.querySelector('#separation').disabled")
    before = studio.image()
    count = studio.renders()
    page.select_option("#separation", "PANTONE Red 032 U")
    studio.wait_renders(count + 1)
    plate = Image.open(io.BytesIO(base64.b64decode(studio.image().split(",", 1)[1]))).convert("L")
    dark = sum(plate.histogram()[:60]) / (plate.width * plate.height)
    assert studio.image() != before and 0 < dark < 0.03  # only the AR mark is red
    page.check("#show-print")
    assert page.locator("#marks rect[stroke='#8430ce']").count() == 1  # the safe area
    assert "trim 229.00 × 282.00 mm" in page.inner_text("#print-legend")


# --- the designer's work is never lost ---------------------------------------------------------


def _authority(studio):
    return studio.body()["data"]["authority"]


def test_edits_survive_language_switches_and_a_reload(open_studio, pipeline):
    studio = open_studio("/studio/stamp.receipt")
    page = studio.page
    it_sample = pipeline.layout("stamp.receipt").sample(("sl", "it"))["data"]["authority"]["it"]
    hu_sample = pipeline.layout("stamp.receipt").sample(("sl", "hu"))["data"]["authority"]["hu"]
    studio.edit(lambda data: data.update(authority="Upravna enota Piran", sig_code="0815"))
    studio.wait_renders(2)

    def switch(languages):
        count = studio.renders()
        page.click(f"#languages button[data-languages='{languages}']")
        studio.wait_renders(count + 1)

    switch("sl,it")  # the bilingual field gains the Italian, the Slovenian edit stays
    assert studio.body()["languages"] == ["sl", "it"]
    assert _authority(studio) == {"sl": "Upravna enota Piran", "it": it_sample}
    assert studio.body()["data"]["sig_code"] == "0815"
    assert page.input_value("#sample-set") == "edited"
    studio.edit(lambda data: data["authority"].update(it="Unità amministrativa Pirano"))
    studio.wait_renders(studio.renders() + 1)
    switch("sl,hu")
    assert _authority(studio) == {"sl": "Upravna enota Piran", "hu": hu_sample}
    switch("sl,it")  # the Italian edit was kept while Hungarian was shown
    assert _authority(studio) == {"sl": "Upravna enota Piran", "it": "Unità amministrativa Pirano"}
    texts = " ".join(
        e["text"]
        for e in page.evaluate("window.studio.state.preview.geometry.elements")
        if "text" in e
    )
    assert "Pirano" in texts and "Piran" in texts
    switch("sl")
    assert _authority(studio) == "Upravna enota Piran"
    page.wait_for_timeout(
        400
    )  # the draft is saved 300 ms after the last keystroke, at once on a switch
    page.reload()
    studio.wait_renders(1)
    assert (
        _authority(studio) == "Upravna enota Piran" and studio.body()["data"]["sig_code"] == "0815"
    )
    assert page.input_value("#sample-set") == "edited"
    switch("sl,it")  # what was remembered survives the reload too
    assert _authority(studio) == {"sl": "Upravna enota Piran", "it": "Unità amministrativa Pirano"}


def test_choosing_a_sample_set_asks_before_replacing_edits(open_studio, pipeline):
    studio = open_studio("/studio/stamp.receipt")
    page = studio.page
    studio.edit(lambda data: data.update(authority="Upravna enota Piran"))
    studio.wait_renders(2)
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.select_option("#sample-set", "longest")
    page.wait_for_function("document.querySelector('#sample-set').value === 'edited'")
    assert asked and "Replace your edits" in asked[0]
    assert _authority(studio) == "Upravna enota Piran"
    count = studio.renders()
    page.once("dialog", lambda dialog: dialog.accept())
    page.select_option("#sample-set", "empty-optional")
    studio.wait_renders(count + 1)
    assert page.input_value("#sample-set") == "empty-optional"
    assert "sig_code" not in studio.body()["data"]
    assert "set=empty-optional" in page.input_value(
        "#share-link"
    ) and "#edit=" not in page.input_value("#share-link")
    # even agreed to, the replaced edits are kept aside and come back
    assert "Restore them" in page.inner_text("#draft-notice")
    count = studio.renders()
    page.click("#restore-previous")
    studio.wait_renders(count + 1)
    assert (
        _authority(studio) == "Upravna enota Piran" and page.input_value("#sample-set") == "edited"
    )
    # a link naming a sample set does not overwrite this browser's edits either
    page.wait_for_timeout(400)
    page.goto(page.url.split("?")[0] + "?set=longest")
    studio.wait_renders(1)
    assert page.input_value("#sample-set") == "longest"
    count = studio.renders()
    page.click("#restore-previous")
    studio.wait_renders(count + 1)
    assert _authority(studio) == "Upravna enota Piran"


def test_an_edited_share_link_restores_the_edit_and_the_view(browser, open_studio):
    studio = open_studio("/studio/sign.name-plate")
    page = studio.page
    studio.edit(lambda data: data.update(name="Ana Šarec"))
    studio.wait_renders(2)
    page.select_option("#variant", "print")
    page.wait_for_function("!document.querySelector('#separation').disabled")
    count = studio.renders()
    page.select_option("#separation", "Plate Grey")
    studio.wait_renders(count + 1)
    page.check("#show-print")
    page.fill("#overlay-x", "5")
    page.fill("#overlay-y", "-2.5")
    page.fill("#overlay-opacity", "0.3")
    page.locator("#overlay-opacity").dispatch_event("change")
    page.wait_for_function("""document.querySelector('#share-link').value.includes('overlay=5%2C-2.5%2C0.3%2C1')
        && document.querySelector('#share-link').value.includes('#edit=')""")
    link = page.input_value("#share-link")
    assert (
        "set=edited" in link
        and "variant=print" in link
        and "sep=Plate+Grey" in link
        and "print=1" in link
    )
    shared = Studio(browser, link)  # a new page is a new browser context: no local storage shared
    try:
        other = shared.page
        assert shared.body()["data"]["name"] == "Ana Šarec"
        assert other.input_value("#sample-set") == "edited"
        assert other.input_value("#variant") == "print"
        other.wait_for_function("document.querySelector('#separation').value === 'Plate Grey'")
        assert other.evaluate("window.studio.state.preview.separations").count("Plate Grey") == 1
        assert other.is_checked("#show-print") and other.is_visible("#print-legend")
        assert [other.input_value(f"#overlay-{k}") for k in ("x", "y", "opacity")] == [
            "5",
            "-2.5",
            "0.3",
        ]
        texts = " ".join(
            e.get("text", "")
            for e in other.evaluate("window.studio.state.preview.geometry.elements")
        )
        assert "Šarec" in texts or "ŠAREC" in texts
    finally:
        shared.close()


def test_download_gives_the_render_apis_bytes(open_studio, client):
    studio = open_studio("/studio/sign.name-plate")
    page = studio.page
    studio.edit(lambda data: data.update(name="Ana Šarec"))
    studio.wait_renders(2)
    answered = []

    def record(route):  # the render API's answer, as it reaches the page
        response = route.fetch()
        answered.append(response.body())
        route.fulfill(response=response)

    page.route("**/v1/render/sign.name-plate?*", record)
    with page.expect_download() as download:
        page.click("#download-pdf")
    pdf = open(download.value.path(), "rb").read()
    assert answered == [pdf]  # what was saved is the render API's answer, byte for byte
    api = client.simulate_post(
        "/v1/render/sign.name-plate?format=pdf&variant=screen", json=studio.body()
    )
    # and the same document: the same request gives the same bytes (README, *Request*)
    assert api.status_code == 200 and pdf == api.content
    assert download.value.suggested_filename == "sign.name-plate.sl.pdf"
    with page.expect_download() as download:
        page.click("#download-png")
    image = Image.open(download.value.path())
    assert (
        image.format == "PNG" and abs(image.width - 200 / 25.4 * 300) <= 2
    )  # the 200 mm plate at 300 dpi


def test_the_layouts_own_upload_is_picked_and_checked(open_studio, tmp_path):
    studio = open_studio("/studio/certification.electronic-copy")
    page = studio.page
    bundled = page.evaluate("window.studio.state.preview.pages")
    assert page.is_visible("#upload-file") and "bundled" in page.inner_text("#upload-name")
    scan = tmp_path / "scan.png"
    Image.new("RGB", (827, 1169), (250, 250, 250)).save(
        scan, dpi=(100, 100)
    )  # one A4 page at 100 dpi
    count = studio.renders()
    page.set_input_files("#upload-file", str(scan))
    studio.wait_renders(count + 1)
    assert (
        page.evaluate("window.studio.state.preview.pages") == bundled - _pages_of_bundled_scan() + 1
    )
    junk = tmp_path / "scan.pdf"
    junk.write_bytes(b"%PDF-1.7 nothing else")
    studio.expected.append("status of 422")
    page.set_input_files("#upload-file", str(junk))
    page.wait_for_function(
        "document.querySelector('#errors').innerText.includes('Cannot use the upload')"
    )
    assert "/scan" in page.inner_text("#errors")


def _pages_of_bundled_scan() -> int:
    from renderer.uploads import count_pages

    from .conftest import SAMPLES

    return count_pages((SAMPLES / "certification.electronic-copy.scan.pdf").read_bytes())


# --- overflow shown where it happens -------------------------------------------------------------


@pytest.mark.slow
def test_longest_values_outline_the_overflowing_boxes_with_their_excess(open_studio, client):
    studio = open_studio("/studio/envelope.personal-delivery")
    page = studio.page
    count = studio.renders()
    page.select_option("#sample-set", "longest")
    studio.wait_renders(count + 1)
    page.wait_for_selector("body[data-state='overflow']")
    api = client.simulate_post(
        "/v1/render/envelope.personal-delivery?format=pdf", json=studio.body()
    )
    assert api.status_code == 422
    refused = {e["pointer"] for e in api.json["errors"]}
    drawn = page.evaluate(
        "[...document.querySelectorAll('#marks g.overflow')]"
        ".map(g => g.dataset.pointers.split(' '))"
    )
    assert {p for pointers in drawn for p in pointers} == refused and len(refused) == 5
    assert (
        len(drawn) == 6
    )  # sender, addressee (twice: slip and addressing part) and the two content lines
    labels = page.eval_on_selector_all("#marks g.overflow text", "ts => ts.map(t => t.textContent)")
    assert all(re.fullmatch(r"\+\d+\.\d mm( down)?|\d+ lines? over", label) for label in labels), (
        labels
    )
    assert "2 lines over" in labels
    errors = page.inner_text("#errors")
    assert (
        "does not fit its box (76.0 x 23.0 mm); shorten it" in errors and "2 lines over" in errors
    )
    # the outlined box is the box the 422 names: 76 x 23 mm
    boxes = page.evaluate(
        "window.studio.state.preview.overflows.map(o => [o.pointer, o.box.width, o.box.height])"
    )
    assert ["/data/sender/3", 76.0, 23.0] in boxes
    assert page.is_disabled(
        "#download-pdf"
    )  # the API refuses this request: there is no PDF to download


# --- small defects -------------------------------------------------------------------------------


def test_manual_mode_times_the_render_not_the_wait_since_the_last_keystroke(open_studio):
    studio = open_studio("/studio/stamp.receipt")
    page = studio.page
    page.check("#manual")
    studio.edit(lambda data: data.update(sig_code="0999"))
    page.wait_for_timeout(1200)
    count = studio.renders()
    page.focus("#editor")
    page.keyboard.press("Control+Enter")
    studio.wait_renders(count + 1)
    assert page.evaluate("window.studio.last.ms") < 1000
    assert "edit → preview" in page.inner_text("#status")


def test_the_left_rulers_numbers_and_ticks_do_not_cross(open_studio):
    studio = open_studio("/studio/stamp.receipt")
    columns = studio.page.evaluate("""() => {
        const c = document.querySelector('#ruler-left');
        const ratio = c.width / c.clientWidth;
        const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const ink = new Array(22).fill(0);
        for (let y = 0; y < c.height; y++) for (let x = 0; x < c.width; x++)
            if (data[(y * c.width + x) * 4 + 3] > 40) ink[Math.floor(x / ratio)]++;
        return ink;
    }""")
    assert sum(columns[:9]) > 0 and sum(columns[13:]) > 0  # numbers and ticks are drawn
    assert columns[10:13] == [0, 0, 0], columns  # with a clear gap between them


def test_a_refusal_reads_as_sentences(open_studio):
    studio = open_studio("/studio/stamp.receipt")
    studio.expected.append("status of 422")
    studio.edit(lambda data: data.update(authority="x" * 500))
    studio.page.wait_for_selector("body[data-state='invalid']")
    title = studio.page.inner_text("#errors strong")
    assert re.search(r"[.!?:;] The last good preview stays\.$", title), title


# --- works from 1024 px, by keyboard, labelled ----------------------------------------------------


def test_at_1024_nothing_overflows_and_every_control_is_reachable_and_named(browser, server):
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(server + "/studio/envelope.personal-delivery")
    page.wait_for_function("window.studio && window.studio.renders >= 1", timeout=60_000)
    widths = page.evaluate("""() => ({doc: document.documentElement.scrollWidth,
        bars: [...document.querySelectorAll('.bar, .toolbar, .workspace')]
            .map(e => [e.scrollWidth, e.clientWidth]),
        panes: [...document.querySelectorAll('.workspace > *')]
            .map(e => e.getBoundingClientRect().width)})""")
    assert widths["doc"] <= 1024, widths
    assert all(scroll <= client + 1 for scroll, client in widths["bars"]), widths
    editor, preview, side = widths["panes"]
    assert preview > editor and preview > side  # the preview is the widest pane
    for control in page.query_selector_all(".bar > *, .toolbar *"):  # nothing cut off at the right
        box = control.bounding_box()
        assert box is None or box["x"] + box["width"] <= 1024 + 0.5
    # every visible, enabled control is reached by Tab
    wanted = set(
        page.evaluate("""() =>
        [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex="0"]')]
        .filter(e => !e.disabled && e.offsetParent !== null)
        .map(e => e.id || e.textContent.trim())""")
    )
    reached = set()
    page.focus("a.back")
    for _ in range(len(wanted) * 2 + 10):
        reached.add(
            page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()")
        )
        page.keyboard.press("Tab")
    assert wanted <= reached, wanted - reached
    snapshot = page.locator("body").aria_snapshot()
    for name in (
        'button "PDF"',
        'button "PNG"',
        'combobox "Sample set"',
        'combobox "Variant"',
        'textbox "Share link"',
        'button "sl + it"',
        'textbox "Request (JSON)',
        'listbox "Elements on this page"',
        'spinbutton "X mm"',
    ):
        assert name in snapshot, name
    page.close()
    assert errors == []


def test_at_1280_the_overlay_controls_are_not_cut_off(browser, server):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(server + "/studio/envelope.personal-delivery")
    page.wait_for_function("window.studio && window.studio.renders >= 1", timeout=60_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    pane = page.locator(".preview-pane").bounding_box()
    for control in ("#overlay-x", "#overlay-y", "#overlay-clear", "#overlay-opacity", "#diff"):
        box = page.locator(control).bounding_box()
        assert (
            box["x"] >= pane["x"] and box["x"] + box["width"] <= pane["x"] + pane["width"] + 0.5
        ), control
    page.close()
