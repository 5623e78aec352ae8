"""The whole pipeline for one document:

request → schema → compose → render → fit → finish → (raster) → bytes.

One ``Pipeline`` is made per process and reused: it holds the registry, the compiled
catalogs, the Jinja2 environment and WeasyPrint's fonts and parsed stylesheets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .catalogs import Catalogs
from .compose import Composer
from .finish import DocumentInfo, finish, now
from .fit import check_overflow
from .fonts import FONTS
from .raster import png
from .registry import Layout, Registry
from .render import Renderer
from .schema import InvalidRequest, ValidRequest, validate_request
from .specs import LANGUAGE_SETS, Limits, RenderOptions


@dataclass(frozen=True)
class Rendered:
    content: bytes
    media_type: str
    filename: str
    pages: int


class Pipeline:
    def __init__(self, limits: Limits = Limits()):
        FONTS.check()
        self.limits = limits
        self.registry = Registry()
        self.catalogs = Catalogs()
        self.composer = Composer(self.catalogs)
        self.renderer = Renderer(FONTS)

    def layout(self, layout_id: str) -> Layout:
        return self.registry.get(layout_id)

    def validate(self, layout: Layout, body: Any) -> ValidRequest:
        return validate_request(layout.data_model, body, self.limits)

    def render(self, layout_id: str, body: Any, options: RenderOptions = RenderOptions()) -> Rendered:
        layout = self.layout(layout_id)
        return self.render_valid(layout, self.validate(layout, body), options)

    def render_valid(self, layout: Layout, request: ValidRequest, options: RenderOptions) -> Rendered:
        output = options.output
        composition = self.composer.compose(layout, request)
        document = self.renderer.layout(layout, composition)
        fit = check_overflow(document, layout.pages)
        if fit.errors:
            raise InvalidRequest(fit.errors)
        pdf = self.renderer.write_pdf(document, output)
        title = " / ".join(layout.titles[lang] for lang in request.languages)
        pdf = finish(pdf, DocumentInfo(title, request.languages, now()), output)
        content = png(pdf, options.dpi, self.limits.max_png_pixels) if output.raster else pdf
        filename = f"{layout.id}.{'-'.join(request.languages)}.{output.extension}"
        return Rendered(content, output.media_type, filename, len(document.pages))

    def render_sample(self, layout_id: str, languages: tuple[str, ...], options: RenderOptions) -> Rendered:
        return self.render(layout_id, self.layout(layout_id).sample(languages), options)

    def warm(self) -> None:
        """Render every sample once so fonts, stylesheets and templates are loaded."""
        for layout in self.registry:
            for languages in LANGUAGE_SETS:
                self.render_sample(layout.id, languages, RenderOptions("pdf"))
