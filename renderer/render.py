"""Render: HTML → laid-out WeasyPrint document → PDF bytes.

What is the same for every request is made once and kept: the font configuration, and each
layout's parsed stylesheets (fonts, page size, shared base, the layout's own CSS).
"""

from __future__ import annotations

import threading

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from .compose import Composition
from .fetcher import AssetFetcher
from .fonts import FontSet
from .paths import TEMPLATES_DIR
from .registry import Layout
from .specs import OutputFormat

BASE_CSS = TEMPLATES_DIR / "_shared" / "base.css"


class Renderer:
    def __init__(self, fonts: FontSet):
        self.fonts = fonts
        self.fetcher = AssetFetcher()
        self.font_config = FontConfiguration()
        self._fonts_css = CSS(string=fonts.css(), font_config=self.font_config, url_fetcher=self.fetcher)
        self._base_css = self._parse(BASE_CSS.read_text(encoding="utf-8"), BASE_CSS.as_uri())
        self._stylesheets: dict[str, list[CSS]] = {}
        self._lock = threading.Lock()

    def _parse(self, css: str, base_url: str) -> CSS:
        return CSS(string=css, base_url=base_url, font_config=self.font_config, url_fetcher=self.fetcher)

    def stylesheets(self, layout: Layout) -> list[CSS]:
        sheets = self._stylesheets.get(layout.id)
        if sheets is None:
            page = self._parse(
                f"@page {{ size: {layout.page.width_mm}mm {layout.page.height_mm}mm; margin: 0; }}",
                layout.directory.as_uri() + "/",
            )
            own = self._parse(layout.stylesheet.read_text(encoding="utf-8"), layout.stylesheet.as_uri())
            sheets = [self._fonts_css, self._base_css, page, own]
            with self._lock:
                self._stylesheets[layout.id] = sheets
        return sheets

    def layout(self, layout: Layout, composition: Composition):
        """Lay out and paginate; the result can be checked before it is written."""
        html = HTML(string=composition.html, base_url=composition.base_url, url_fetcher=self.fetcher)
        return html.render(font_config=self.font_config, stylesheets=self.stylesheets(layout))

    @staticmethod
    def write_pdf(document, output: OutputFormat) -> bytes:
        options = {"pdf_variant": output.pdf_variant} if output.pdf_variant else {}
        return document.write_pdf(**options)
