"""Render: HTML → laid-out WeasyPrint document → PDF bytes.

What is the same for every request is made once and kept: the font configuration, and each
layout's parsed stylesheets (fonts, page size, shared base, the layout's own CSS).
"""

from __future__ import annotations

import math
import re
import threading

from weasyprint import CSS
from weasyprint.text.fonts import FontConfiguration

from . import weasycompat
from .compose import Composition
from .fetcher import AssetFetcher
from .fonts import FontSet
from .options import OutputFormat
from .paths import TEMPLATES_DIR
from .registry import Layout

BASE_CSS = TEMPLATES_DIR / "common" / "base.css"


class Renderer:
    def __init__(self, fonts: FontSet):
        self.fonts = fonts
        self.fetcher = AssetFetcher()
        self.font_config = FontConfiguration()
        self._fonts_css = CSS(
            string=fonts.css(), font_config=self.font_config, url_fetcher=self.fetcher
        )
        self._base_css = self._parse(BASE_CSS.read_text(encoding="utf-8"), BASE_CSS.as_uri())
        self._stylesheets: dict[str, list[CSS]] = {}
        self._page_css: dict[tuple[float, float, float], CSS] = {}
        self._lock = threading.Lock()
        self.static_blocks = weasycompat.StaticBlocks()
        self.drawn_images = weasycompat.DrawnImages()

    def _parse(self, css: str, base_url: str) -> CSS:
        return CSS(
            string=css, base_url=base_url, font_config=self.font_config, url_fetcher=self.fetcher
        )

    def _page(self, width_mm: float, height_mm: float, bleed_mm: float = 0) -> CSS:
        """The page size; a bleed (print-ready output) adds that much all round, into which
        WeasyPrint paints the page's background (the layouts' edge colours)."""
        key = (width_mm, height_mm, bleed_mm)
        sheet = self._page_css.get(key)
        if sheet is None:
            css = f"@page {{ size: {width_mm}mm {height_mm}mm; margin: 0; bleed: {bleed_mm}mm; }}"
            sheet = self._parse(css, BASE_CSS.as_uri())
            with self._lock:
                self._page_css[key] = sheet
        return sheet

    def stylesheets(self, layout: Layout) -> list[CSS]:
        """The fonts, the shared base and the layout's own CSS, parsed once."""
        sheets = self._stylesheets.get(layout.id)
        if sheets is None:
            own = self._parse(
                layout.stylesheet.read_text(encoding="utf-8"), layout.stylesheet.as_uri()
            )
            sheets = [self._fonts_css, self._base_css, own]
            with self._lock:
                self._stylesheets[layout.id] = sheets
        return sheets

    def forget(self, layout_id: str | None = None) -> None:
        """Parse a layout's stylesheet again at its next use (all, and the shared base, when
        ``layout_id`` is None): ``renderer serve --dev`` after a file changed. The static
        blocks laid out and the SVG images drawn so far are forgotten too."""
        self.static_blocks.clear()
        self.drawn_images.clear()
        with self._lock:
            if layout_id is None:
                self._stylesheets.clear()
                self._base_css = self._parse(
                    BASE_CSS.read_text(encoding="utf-8"), BASE_CSS.as_uri()
                )
            else:
                self._stylesheets.pop(layout_id, None)

    def lay_out(
        self,
        layout: Layout,
        composition: Composition,
        height_mm: float | None = None,
        bleed_mm: float = 0,
    ):
        """Lay out and paginate on a page of the layout's size (or of ``height_mm`` for a
        layout whose height follows its content), with ``bleed_mm`` of bleed; the result is
        checked before writing."""
        height = height_mm or layout.page.tallest_mm
        page = self._page(layout.page.width_mm, height, bleed_mm)
        html = weasycompat.ComposedHTML(composition.html, composition.base_url, self.fetcher)
        return html.render(
            font_config=self.font_config,
            stylesheets=[page, *self.stylesheets(layout)],
            static_blocks=self.static_blocks,
        )

    @staticmethod
    def own_css(layout: Layout) -> str:
        """The layout's CSS with its @imports (under templates/, and theirs in turn) inlined,
        for e-mail HTML and the benchmarks' standalone documents."""
        return _inline_imports(layout.stylesheet)

    @staticmethod
    def content_height_mm(document) -> float:
        """How tall the laid-out content of page 1 is, rounded up to a whole mm."""
        return float(
            math.ceil(
                weasycompat.content_bottom_px(document.pages[0]) / weasycompat.PX_PER_MM - 0.01
            )
        )

    def lay_out_fitted(self, layout: Layout, composition: Composition, bleed_mm: float = 0):
        """A layout whose height follows its content, laid out once on its tallest page and
        that page then made as tall as the content (whole mm); laid out a second time at
        that height only when the page's layout could depend on its height, or when the
        content takes more than one page (the fit check then refuses it)."""
        document = self.lay_out(layout, composition, bleed_mm=bleed_mm)
        if len(document.pages) == 1:
            height = self.content_height_mm(document)
            if not weasycompat.fit_page_height(document.pages[0], height):
                document = self.lay_out(layout, composition, height, bleed_mm)
        return document

    def write_pdf(self, document, output: OutputFormat) -> bytes:
        options = {"pdf_variant": output.pdf_variant} if output.pdf_variant else {}
        return weasycompat.write_pdf(document, self.drawn_images, **options)


_IMPORT = re.compile(r'@import url\("([^"]+)"\);')


def _inline_imports(stylesheet, depth: int = 0) -> str:
    """A stylesheet's text with each @import of a file under templates/ replaced by that
    file's text, its own @imports inlined too (relative to it); at most 4 levels deep."""
    css = stylesheet.read_text(encoding="utf-8")
    if depth >= 4:
        return css

    def inline(match: re.Match) -> str:
        imported = (stylesheet.parent / match.group(1)).resolve()
        return (
            _inline_imports(imported, depth + 1)
            if imported.is_relative_to(TEMPLATES_DIR)
            else match.group(0)
        )

    return _IMPORT.sub(inline, css)
