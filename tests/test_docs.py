"""/docs: the API reference in headless Chromium, every asset from the service itself."""

from __future__ import annotations

from urllib.parse import urlsplit

# the fixtures browser and server: tests/helpers.py


def test_docs_page_shows_every_operation_and_asks_nothing_outside(browser, server, client):
    paths = client.simulate_get("/openapi.json").json["paths"]
    operations = sum(
        len([m for m in item if m in ("get", "post", "put", "delete")]) for item in paths.values()
    )
    requested, errors = [], []
    page = browser.new_page()
    page.on("request", lambda r: requested.append(r.url))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "/docs")
    page.wait_for_selector(".opblock", timeout=60_000)
    shown = page.locator(".opblock").count()
    title = page.locator(".info .title").inner_text()
    page.close()
    outside = [
        url
        for url in requested
        if urlsplit(url).hostname not in ("127.0.0.1", None)
        and not url.startswith(("data:", "blob:"))
    ]
    assert outside == [] and errors == []
    assert shown == operations and "obrazci" in title.lower()


def test_the_index_links_the_docs(client):
    assert 'href="/docs"' in client.simulate_get("/").text
