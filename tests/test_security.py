"""Request data is text, never markup; the renderer fetches nothing but its own assets."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from renderer.compose import Composition
from renderer.fetcher import AssetFetcher, RefusedURL
from renderer.options import RenderOptions
from renderer.paths import FONTS_DIR, TEMPLATES_DIR

from .pdfmeasure import all_text


@pytest.fixture
def loopback():
    """A server on 127.0.0.1 that counts every request it receives."""
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { background: red }")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def test_markup_in_values_is_printed_literally_and_fetches_nothing(client, loopback):
    base, hits = loopback
    values = {
        "authority": "<b>x</b>",
        "sig_code": f"url({base}/a)",
        "case_code": f'<img src="{base}/i">',
        "cc": f"<style>@import '{base}/s';</style>",
    }
    resp = client.simulate_post(
        "/v1/render/stamp.receipt",
        body=json.dumps({"data": values}),
        headers={"Content-Type": "application/json"},
    )
    # the long ones do not fit their boxes: refused, and still nothing fetched
    assert resp.status_code == 422
    assert {e["pointer"] for e in resp.json["errors"]} <= {
        "/data/case_code",
        "/data/cc",
        "/data/sig_code",
    }
    resp = client.simulate_post(
        "/v1/render/sign.unit-door",
        body=json.dumps(
            {
                "data": {
                    "authority": f'<b>x</b> url({base}/a) <img src="{base}/i">',
                    "unit": f"<link rel=stylesheet href={base}/l> <style>@import '{base}/s';</style>",
                }
            }
        ),
        headers={"Content-Type": "application/json"},
    )
    assert resp.status_code == 200, resp.text
    text = " ".join(all_text(resp.content).split())
    assert f'<B>X</B> URL({base.upper()}/A) <IMG SRC="{base.upper()}/I">' in text
    assert f"<link rel=stylesheet href={base}/l> <style>@import '{base}/s';</style>" in text
    assert hits == []


def test_template_markup_cannot_fetch_either(pipeline, loopback):
    """Even markup a template itself wrote (not request data) reaches no server."""
    base, hits = loopback
    layout = pipeline.layout("sign.room-plate")
    html = (
        f'<html><head><link rel="stylesheet" href="{base}/l.css"></head>'
        f'<body><img src="{base}/i.png"><div style="background: url({base}/b.png)">x</div>'
        f'<img src="file:///etc/passwd"><img src="data:image/svg+xml,<svg/>"></body></html>'
    )
    before = pipeline.renderer.fetcher.refused
    document = pipeline.renderer.lay_out(layout, Composition(html, layout.directory.as_uri() + "/"))
    pipeline.renderer.write_pdf(document, RenderOptions("pdf").output)
    assert hits == []
    assert pipeline.renderer.fetcher.refused - before >= 4


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x.css",
        "https://example.org/font.ttf",
        "ftp://127.0.0.1/x",
        "data:text/css,body{}",
        "file:///etc/passwd",
        (TEMPLATES_DIR / ".." / "pyproject.toml").as_uri(),
        "file://otherhost" + str(FONTS_DIR / "NotoSans-Regular.ttf"),
        (FONTS_DIR / "missing.ttf").as_uri(),
    ],
)
def test_fetcher_refuses_everything_else(url):
    with pytest.raises(RefusedURL):
        AssetFetcher().fetch(url)


def test_fetcher_serves_own_assets():
    response = AssetFetcher().fetch((FONTS_DIR / "NotoSans-Regular.ttf").as_uri())
    assert response.read(4) == b"\x00\x01\x00\x00"
