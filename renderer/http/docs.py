"""``/docs``: the API reference (Swagger UI, from the swagger-ui-bundle package on PyPI,
served by the service itself) over ``/openapi.json``."""

from __future__ import annotations

from pathlib import Path

import falcon
from swagger_ui_bundle import swagger_ui_path

HERE = Path(__file__).resolve().parent / "docs"


class DocsPage:
    def __init__(self, name: str, media_type: str):
        self.body = (HERE / name).read_bytes()
        self.media_type = media_type

    def on_get(self, req, resp):
        resp.content_type = self.media_type
        resp.data = self.body
        resp.cache_control = ["no-cache"]


def install(app: falcon.App) -> None:
    app.add_route("/docs", DocsPage("docs.html", "text/html; charset=utf-8"))
    app.add_route("/docs/docs.js", DocsPage("docs.js", "text/javascript; charset=utf-8"))
    app.add_static_route("/docs/assets", str(swagger_ui_path))
