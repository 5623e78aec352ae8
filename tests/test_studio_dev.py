"""``renderer serve --dev``: the studio's live templates. The service runs as a designer starts
it, on a throw-away copy of ``templates/`` (``OBRAZCI_TEMPLATES_DIR``), and the test edits the
copy's files while a headless Chromium keeps the studio open. Without ``--dev`` nothing of it
is installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from renderer.paths import PROJECT_ROOT, TEMPLATES_DIR

from .helpers import free_port  # the fixture browser (headless Chromium): tests/helpers.py


@pytest.fixture(scope="module")
def dev_service(tmp_path_factory):
    templates = tmp_path_factory.mktemp("dev") / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    port = free_port()
    env = {
        **os.environ,
        "OBRAZCI_TEMPLATES_DIR": str(templates),
        "OBRAZCI_DATA_DIR": str(tmp_path_factory.mktemp("dev-var")),
    }
    service = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "renderer",
            "serve",
            "--dev",
            "--no-batches",
            "--workers",
            "1",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)
            break
        except OSError:
            if service.poll() is not None or time.monotonic() > deadline:
                service.kill()
                pytest.fail(
                    f"renderer serve --dev did not start: {service.stderr.read().decode()[-2000:]}"
                )
            time.sleep(0.2)
    yield base, templates
    service.terminate()
    service.wait(timeout=30)


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    stat = (
        path.stat()
    )  # a change within the file system's time resolution still counts: the size differs too
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))


def test_a_css_change_is_a_new_preview_within_a_second_without_a_reload(dev_service, browser):
    base, templates = dev_service
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + "/studio/stamp.receipt")
    page.wait_for_function("window.studio && window.studio.renders >= 1", timeout=60_000)
    page.evaluate("window.loaded = true")  # gone if the page reloaded
    body = page.input_value("#editor").replace("Upravna enota Ljubljana", "Upravna enota Piran")
    page.fill("#editor", body)
    page.wait_for_function("window.studio.renders >= 2")
    page.wait_for_timeout(600)  # the studio is idle, its poll running
    before = page.get_attribute("#page-image", "src")
    count = page.evaluate("window.studio.renders")
    css = templates / "stamp.receipt" / "style.css"
    original = css.read_text(encoding="utf-8")
    started = time.monotonic()
    _write(css, original + "\n* { color: #d00000 !important; }\n")
    page.wait_for_function(
        f"window.studio.renders > {count} && window.studio.reloads >= 1", timeout=5_000, polling=20
    )
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, f"the new preview came after {elapsed:.2f} s"
    assert page.evaluate("window.loaded") is True
    assert page.get_attribute("#page-image", "src") != before
    lines = [
        e for e in page.evaluate("window.studio.state.preview.geometry.elements") if e.get("text")
    ]
    assert {e["style"]["colour"] for e in lines} == {"#d00000"}
    assert "Piran" in page.input_value("#editor")  # the edit stays
    # a template that does not compile: file, line and message in the studio, no 500
    template = templates / "stamp.receipt" / "template.html.j2"
    source = template.read_text(encoding="utf-8")
    lines_of = source.splitlines()
    broken = next(i for i, line in enumerate(lines_of) if "{{" in line)
    lines_of[broken] = lines_of[broken].replace("{{", "{{ (", 1)
    _write(template, "\n".join(lines_of) + "\n")
    page.wait_for_function(
        "document.querySelector('#template-problems').innerText.includes('template.html.j2')",
        timeout=5_000,
    )
    problems = page.inner_text("#template-problems")
    assert f"stamp.receipt/template.html.j2:{broken + 1}" in problems
    page.wait_for_function(
        "document.querySelector('#errors').innerText.includes('have an error')", timeout=5_000
    )
    answer = page.evaluate("""async () => {
        const r = await fetch('/v1/studio/stamp.receipt/preview', {method: 'POST',
            headers: {'Content-Type': 'application/json'},
            body: document.querySelector('#editor').value});
        return [r.status, await r.json()];
    }""")
    assert answer[0] == 422 and answer[1]["errors"][0]["line"] == broken + 1
    # a template that fails while rendering: the same, from the template's own frame
    block = source.splitlines().index("{% block page %}")
    _write(
        template,
        source.replace("{% block page %}\n", "{% block page %}\n{{ no_such_name.member }}\n", 1),
    )
    failing = block + 2
    page.wait_for_function(
        f"document.querySelector('#errors').innerText.includes('template.html.j2:{failing}')",
        timeout=5_000,
    )
    assert "no_such_name" in page.inner_text("#errors")
    # fixed text of the layout that overflows its cell is drawn and outlined, as a value is
    _write(template, source)
    _write(css, original + "\n.label, .lbl, td, th, span { font-size: 14pt !important; }\n")
    page.wait_for_function(
        "window.studio.state.preview"
        " && window.studio.state.preview.overflows.some(o => o.pointer === null)",
        timeout=5_000,
    )
    fixed = [
        o for o in page.evaluate("window.studio.state.preview.overflows") if o["pointer"] is None
    ]
    assert all(o["detail"].startswith("fixed text of the layout") for o in fixed)
    assert page.locator("#marks g.overflow").count() >= 1
    # a CSS declaration WeasyPrint ignores is named with its line
    _write(css, original + "\n.oops { colr: red; }\n")
    page.wait_for_function(
        "document.querySelector('#template-problems').innerText.includes('style.css')",
        timeout=5_000,
    )
    css_line = len((original + "\n.oops { colr: red; }\n").splitlines())
    assert f"stamp.receipt/style.css:{css_line}" in page.inner_text("#template-problems")
    assert "unknown property" in page.inner_text("#template-problems")
    _write(css, original)
    page.wait_for_function(
        "document.querySelector('#template-problems').innerText === ''", timeout=5_000
    )
    page.close()
    assert [e for e in errors if "status of 422" not in e] == []


def test_only_the_changed_layout_is_loaded_again(dev_service):
    base, templates = dev_service

    def version(layout_id):
        return json.load(urllib.request.urlopen(f"{base}/v1/studio/{layout_id}/changes"))["version"]

    receipt, plate = version("stamp.receipt"), version("sign.name-plate")
    css = templates / "sign.name-plate" / "style.css"
    _write(css, css.read_text(encoding="utf-8") + "\n/* a comment */\n")
    assert version("sign.name-plate") != plate and version("stamp.receipt") == receipt


def test_no_live_templates_without_dev(client):
    assert client.simulate_get("/v1/studio/stamp.receipt/changes").status_code == 404
    assert client.simulate_get("/v1/studio/stamp.receipt").json["dev"] is None


def test_a_broken_layout_toml_is_named_with_its_line_and_the_old_layout_stays(dev_service):
    base, templates = dev_service

    def changes():
        return json.load(urllib.request.urlopen(f"{base}/v1/studio/sign.room-plate/changes"))

    meta = templates / "sign.room-plate" / "layout.toml"
    original = meta.read_text(encoding="utf-8")
    _write(meta, original + "\n[page\n")
    problems = changes()["problems"]
    assert problems and problems[0]["file"].endswith("sign.room-plate/layout.toml")
    assert problems[0]["line"] == len(original.splitlines()) + 2
    preview = urllib.request.urlopen(
        urllib.request.Request(
            f"{base}/v1/studio/sign.room-plate/preview?dpi=40",
            method="POST",
            headers={"Content-Type": "application/json"},
            data=(PROJECT_ROOT / "samples" / "sign.room-plate.json").read_bytes(),
        )
    )
    assert preview.status == 200  # the layout as it was loaded last still previews
    _write(meta, original)
    assert changes()["problems"] == []


# --- in one process: catalogs and samples, on copies ----------------------------------------------


@pytest.fixture
def live(tmp_path, monkeypatch):
    """A studio with live files whose catalogs and samples are throw-away copies."""
    import renderer.catalogs
    import renderer.registry
    import renderer.studio.devreload
    from renderer.paths import LOCALE_DIR, SAMPLES_DIR
    from renderer.pipeline import Pipeline
    from renderer.studio.devreload import DevReload
    from renderer.studio.resources import Studio

    locale, samples = tmp_path / "locale", tmp_path / "samples"
    shutil.copytree(LOCALE_DIR, locale)
    shutil.copytree(SAMPLES_DIR, samples)
    for module in (renderer.catalogs, renderer.studio.devreload):
        monkeypatch.setattr(module, "LOCALE_DIR", locale)
    for module in (renderer.registry, renderer.studio.devreload):
        monkeypatch.setattr(module, "SAMPLES_DIR", samples)
    studio = Studio(Pipeline())
    studio.dev = DevReload(studio)
    return studio, locale, samples


def _texts(studio, body) -> str:
    from renderer.studio import preview

    layout = studio.pipeline.layout("stamp.receipt")
    _, rendered, _ = studio.render(layout, body, None)
    geometry = preview.measure_page(preview.open_pdf(rendered.content)[0], 1)
    return " ".join(e.text for e in geometry.elements if e.kind == "text")


def test_a_catalog_change_is_used_by_the_studio_and_the_api(live):
    studio, locale, _ = live
    body = studio.pipeline.layout("stamp.receipt").sample(("sl", "it"))
    assert "Pervenuto" in _texts(studio, body)
    po = locale / "it" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    assert 'msgid "Prejeto"\nmsgstr "Pervenuto"' in text
    _write(
        po,
        text.replace('msgid "Prejeto"\nmsgstr "Pervenuto"', 'msgid "Prejeto"\nmsgstr "Arrivato"'),
    )
    version = studio.dev.version("stamp.receipt")
    studio.dev.check()
    assert studio.dev.version("stamp.receipt") != version
    assert "Arrivato" in _texts(studio, body) and "Pervenuto" not in _texts(studio, body)
    assert (
        studio.pipeline.catalogs.gettext("it", "Prejeto") == "Arrivato"
    )  # POST /v1/render's pipeline too


def test_a_sample_change_reloads_that_layouts_sample_sets_only(live):
    studio, _, samples = live
    receipt, copy = (
        studio.sets("stamp.receipt", ("sl",)),
        studio.sets("stamp.certified-copy", ("sl",)),
    )
    versions = studio.dev.version("stamp.receipt"), studio.dev.version("stamp.certified-copy")
    path = samples / "stamp.receipt.json"
    body = json.loads(path.read_text(encoding="utf-8"))
    body["data"]["authority"] = "Upravna enota Piran"
    _write(path, json.dumps(body, ensure_ascii=False))
    studio.dev.check()
    assert (
        studio.sets("stamp.receipt", ("sl",))["sample"]["data"]["authority"]
        == "Upravna enota Piran"
    )
    assert studio.sets("stamp.receipt", ("sl",)) is not receipt
    assert (
        studio.sets("stamp.certified-copy", ("sl",)) is copy
    )  # another layout's sets are not made again
    assert studio.dev.version("stamp.receipt") != versions[0]
    assert studio.dev.version("stamp.certified-copy") == versions[1]
