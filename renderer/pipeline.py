"""The whole pipeline for one document:

request → schema → compose → render → fit → finish → (raster) → bytes.

One ``Pipeline`` is made per process and reused: it holds the registry, the compiled
catalogs, the Jinja2 environment and WeasyPrint's fonts and parsed stylesheets.
"""

from __future__ import annotations

import copy
import functools
import gc
from dataclasses import dataclass
from typing import Any

from .catalogs import Catalogs
from .compose import Composer
from .finish import DocumentInfo, FinishOptions, finish, separate
from .fit import FitReport, check_overflow
from .fonts import FONTS
from .metrics import stage
from .options import (
    FORMATS,
    LANGUAGE_SETS,
    MARKS_FORMATS,
    Limits,
    OptionError,
    OutputFormat,
    RenderOptions,
)
from .press import register
from .press.book import Binding
from .press.printready import PrintReady
from .press.shaping import shaper
from .press.spots import load_spots
from .raster import png
from .registry import Layout, LayoutError, Registry
from .render import Renderer
from .textout import as_email_html, as_plain_text
from .uploads import Attachment, Scan, check_attachment, check_scan, count_pages
from .validation import FieldError, InvalidRequest, ValidRequest, validate_request
from .warmcache import StoredLayer, WarmCache

#: A cached layer is page content only (drawn under a top layer rendered in the request's
#: format, or itself finished into pdf or pdfx-4), so one drawing serves every format. It is
#: written as PDF/A-1b: its fonts then carry the CIDSet PDF/A-1 requires (WeasyPrint writes
#: it only for PDF 1.4), which every other format allows.
LAYER_FORMAT = "pdfa-1b"
#: What warm() renders: a small layout with text, borders and flex boxes in pdf and png, and
#: a small one with an SVG image (the coat of arms) in the other formats (their one-time costs
#: are in writing and in drawing SVG, e.g. the envelope's barcodes, not layout).
WARM_LAYOUT = "stamp.receipt"
WARM_FORMAT_LAYOUT = "complaint-book.title"
#: After warm-up, the collector's youngest generation is collected every this many new
#: objects (Python's default: 700). A table layout makes hundreds of thousands of objects
#: that live for the whole render, and each young collection moves them up to be traversed
#: again: the register's collections took 72–96 ms of a render at 700 and 48–61 ms at 5,000
#: (small layouts no worse); the objects still go when the render is done.
GC_YOUNG_OBJECTS = 5000
WARM_TAGGED_LAYOUT = "complaint-book.notice"  # small, tagged: warm() renders it in pdfa-2a
SPOT_FORMATS = ("pdf", "pdfx-4")  # Separations with CMYK alternates: not PDF/A's sRGB output intent


@dataclass(frozen=True)
class Rendered:
    content: bytes
    media_type: str
    filename: str
    pages: int
    findings: tuple[FieldError, ...] = ()  # what a layout's checks report but do not refuse
    fit: FitReport | None = None  # overflows drawn instead of refused (the studio's pipeline only)


DEFAULT_OPTIONS = RenderOptions()


class Pipeline:
    refuse_overflow = (
        True  # the studio's own pipeline draws a value that overflows and reports where
    )

    def __init__(self, limits: Limits = Limits(), warm_cache: WarmCache | None = None):
        """``warm_cache``: where the cached layers and compiled templates are kept between
        processes (the service's data directory); without it each process makes its own."""
        FONTS.check()
        self.limits = limits
        self.layer_cache = warm_cache
        self.registry = Registry()
        self.catalogs = Catalogs()
        self.composer = Composer(self.catalogs)
        if warm_cache is not None:
            self.composer.env.bytecode_cache = warm_cache.templates()
        self.renderer = Renderer(FONTS)
        self.spots = load_spots()

    def with_composer(self, composer: Composer) -> Pipeline:
        """The same pipeline (registry, catalogs, fonts, stylesheets) composing with another
        composer; its cached layers are its own, since they are composed differently."""
        other = copy.copy(self)
        other.composer = composer
        other.layer_cache = None  # the stored layers are the default composer's
        return other

    def layout(self, layout_id: str) -> Layout:
        return self.registry.get(layout_id)

    def validate(self, layout: Layout, body: Any) -> ValidRequest:
        return validate_request(layout.data_model, body, self.limits)

    def render(
        self,
        layout_id: str,
        body: Any,
        options: RenderOptions = DEFAULT_OPTIONS,
        scan: Scan | None = None,
        attachment: Attachment | None = None,
    ) -> Rendered:
        """``scan``: the checked upload of a layout that takes one (``layout.upload``);
        ``attachment``: the checked file a layout embeds (``layout.attachment``), needed in
        its PDF formats only (an e-mail carries it beside the text)."""
        layout = self.layout(layout_id)
        request = self.validate(layout, body)
        if layout.upload and scan is None:
            raise InvalidRequest(
                [
                    FieldError(
                        f"/{layout.upload}", "this layout needs the uploaded PDF (multipart part)"
                    )
                ]
            )
        if layout.attachment and attachment is None and options.output.is_pdf:
            raise InvalidRequest(
                [
                    FieldError(
                        f"/{layout.attachment}",
                        "the PDF embeds this file: send it as the "
                        f"multipart part '{layout.attachment}'",
                    )
                ]
            )
        return self.render_valid(layout, request, options, scan, attachment)

    @staticmethod
    def variant(layout: Layout, options: RenderOptions) -> str:
        """The variant to render: the asked one if the layout offers it, else its default."""
        variant = options.variant or layout.variants[0]
        if variant not in layout.variants:
            raise OptionError("variant", f"{layout.id} offers {', '.join(layout.variants)}")
        if variant in layout.spot_variants and options.format not in SPOT_FORMATS:
            raise OptionError(
                "variant",
                f"the {variant} variant (spot colours with CMYK alternates) is "
                f"format={' or '.join(SPOT_FORMATS)}",
            )
        return variant

    @staticmethod
    def press(layout: Layout, variant: str, options: RenderOptions) -> PrintReady:
        """Print-ready pages (the layout's bleed, black ink for black; crop marks if asked)
        for PDF/X, for a variant made for the press, or when marks are asked; screen pages
        otherwise."""
        output = options.output
        ready = output.is_pdf and bool(
            output.pdfx or variant in layout.print_variants or options.marks
        )
        return PrintReady(layout.bleed_mm if ready else 0.0, options.marks == "crop", ready)

    @staticmethod
    def render_pages(layout: Layout, request: ValidRequest) -> int:
        """How many pages the layout's own render has: a book's distinct pages, a register's
        pages for its entries, or the layout's page count."""
        if layout.assembly:
            return layout.assembly.render_pages
        count = request.data.page_count
        return layout.pages if count is None else count

    def render_valid(
        self,
        layout: Layout,
        request: ValidRequest,
        options: RenderOptions,
        scan: Scan | None = None,
        attachment: Attachment | None = None,
    ) -> Rendered:
        variant = self.variant(layout, options)
        output = options.output
        attachment = attachment if output.is_pdf else None
        if (scan is not None or attachment is not None) and (
            output.pdfx or (output.is_pdfa and output.pdfa_part != 3)
        ):
            raise OptionError(
                "format",
                "an embedded file is allowed in PDF/A-3 only: use pdfa-3b, pdfa-3a (or pdf, pdfua-1)",
            )
        if output.tagged and not layout.tagged:
            raise OptionError(
                "format",
                f"{layout.id} is not tagged (signs, stamps, books and print layers are not read "
                "on screen): pdfua-1, pdfa-2a and pdfa-3a are for the layouts with tagged true",
            )
        if output.textual:
            return self._render_text(layout, request, variant, output)
        findings = tuple(request.data.findings())
        if findings and request.data.findings_refuse():
            raise InvalidRequest(list(findings))
        press = self.press(layout, variant, options)
        underlay = None
        if (
            variant in layout.composite
        ):  # e.g. the proof: the shared pre-print under the variable layer
            base, variant_drawn = layout.composite[variant]
            underlay = self._layer(
                layout,
                request.languages,
                base,
                press.bleed_mm,
                False,
                self.edition(layout, request),
            )
        else:
            variant_drawn = variant
        spots = self.spots if variant in layout.spot_variants else ()
        book = None
        if layout.cells is not None and self.refuse_overflow:
            # the blank pages' layer with the cells written on it (the studio's pipeline,
            # which draws overflows, lays the table out)
            pdf, book = self._register(layout, request, variant_drawn, press.bleed_mm)
            pages, fit = book.total_pages, None
        elif variant_drawn in layout.shared_variants or layout.assembly:
            pdf, pages = self._layer(
                layout,
                request.languages,
                variant_drawn,
                press.bleed_mm,
                bool(spots),
                self.edition(layout, request),
            )
            spots = ()  # already separated in the cached layer
            fit = None
            if layout.assembly:
                book, fit = self._binding(layout, request, press.bleed_mm)
                pages = book.total_pages
        else:
            pdf, pages, fit = self._draw(layout, request, variant_drawn, output, press.bleed_mm)
        title = " / ".join(layout.titles[lang] for lang in request.languages)
        with stage(layout.id, "finish"):
            pdf = finish(
                pdf,
                FinishOptions(
                    info=DocumentInfo(title, request.languages, request.created),
                    output=output,
                    spots=spots,
                    book=book,
                    layer=variant_drawn in layout.shared_variants or book is not None,
                    underlay=underlay[0] if underlay else None,
                    scan=scan,
                    attachment=attachment,
                    press=press,
                ),
            )
        if scan is not None:
            pages += count_pages(scan.pdf)
        if output.raster:
            with stage(layout.id, "raster"):
                content = png(pdf, options.dpi, self.limits.max_png_pixels)
        else:
            content = pdf
        suffix = "" if variant == layout.variants[0] else f".{variant}"
        filename = f"{layout.id}.{'-'.join(request.languages)}{suffix}.{output.extension}"
        return Rendered(
            content,
            output.media_type,
            filename,
            pages,
            findings,
            fit if fit is not None and (fit.errors or fit.overflows) else None,
        )

    def _render_text(
        self, layout: Layout, request: ValidRequest, variant: str, output: OutputFormat
    ) -> Rendered:
        """A message as an e-mail body, from the same composition as its PDF."""
        if not layout.text_formats:
            raise OptionError(
                "format", f"{layout.id} is delivered as a document only (pdf, pdfa-*, png)"
            )
        composition = self.composer.compose(layout, request, variant)
        content = (
            as_email_html(composition.html, self.renderer.own_css(layout))
            if output.name == "html"
            else as_plain_text(composition.html)
        )
        filename = f"{layout.id}.{'-'.join(request.languages)}.{output.extension}"
        return Rendered(content.encode("utf-8"), output.media_type, filename, 1)

    def _draw(
        self,
        layout: Layout,
        request: ValidRequest,
        variant: str,
        output: OutputFormat,
        bleed_mm: float = 0.0,
        pages: int | None = None,
    ):
        """compose → lay out (with ``bleed_mm`` of bleed) → check → PDF bytes, the page count
        and the fit report; ``pages``: the count the render must have (an assembly's, one
        for a request's own page of it), else more is refused."""
        with stage(layout.id, "compose"):
            composition = self.composer.compose(layout, request, variant)
        with stage(layout.id, "layout"):
            if layout.page.auto_height:
                document = self.renderer.lay_out_fitted(layout, composition, bleed_mm)
            else:
                document = self.renderer.lay_out(layout, composition, bleed_mm=bleed_mm)
        if layout.assembly and pages is None:
            pages = layout.assembly.render_pages
        if pages is not None and len(document.pages) != pages:
            raise InvalidRequest(
                [
                    FieldError(
                        "/data",
                        f"the content needs more than the {layout.id} layout's pages; shorten it",
                    )
                ]
            )
        fit = check_overflow(document, self.render_pages(layout, request), self.refuse_overflow)
        if fit.errors and self.refuse_overflow:
            raise InvalidRequest(fit.errors)
        with stage(layout.id, "write"):
            return self.renderer.write_pdf(document, output), len(document.pages), fit

    def _binding(
        self, layout: Layout, request: ValidRequest, bleed_mm: float
    ) -> tuple[Binding, FitReport | None]:
        """How the drawn assembly of ``layout`` becomes this request's pages: its count and
        first number from the data (or ``[assembly]``), and the pages that depend on the
        request (a title page with the body's name) rendered by their own layout, page
        content only as the layer is; with the fit report of those pages."""
        assembly = layout.assembly
        assert assembly is not None
        count = assembly.count or request.data.repeat_count
        assert count is not None, "the registry refuses an [assembly] without a count source"
        start = request.data.first_number
        own, fit = [], None
        for index, page_layout_id in assembly.request_pages:
            page_layout = self.layout(page_layout_id)
            pdf, _, fit = self._draw(
                page_layout,
                request,  # the registry checks that its data model is the book's or a base of it
                page_layout.variants[0],
                FORMATS[LAYER_FORMAT],
                bleed_mm,
                pages=1,
            )
            own.append((index, pdf))
        number_start = assembly.number_start if start is None else start
        return Binding(assembly, count, number_start, tuple(own)), fit

    def _register(
        self, layout: Layout, request: ValidRequest, variant: str, bleed_mm: float
    ) -> tuple[bytes, Binding]:
        """A register's pages (``[cells]``): its blank pages' layer, and the binding that
        repeats and numbers them with the request's cells written on them; a value that does
        not fit is refused as the fit check refuses it."""
        assert layout.cells is not None
        blank = self.layout(layout.cells.blank)
        assert blank.assembly is not None  # the registry checks it
        pdf, _ = self._layer(blank, request.languages, blank.variants[0], bleed_mm, False)
        plan = self.register_plan(layout, request.languages)
        with stage(layout.id, "compose"):
            composition = self.composer.compose(layout, request, variant)
        with stage(layout.id, "layout"):
            font = shaper()
            drawn = register.draw(plan, font, composition.html)
        if drawn.errors:
            raise InvalidRequest(drawn.errors)
        count, start = request.data.repeat_count, request.data.first_number
        assert count is not None and start is not None  # the layout file checks the hooks
        program = font.full_program if drawn.uncommon else font.base_program
        return pdf, Binding(blank.assembly, count, start, texts=tuple(drawn.pages), font=program)

    # One Pipeline lives as long as its process: the cache holding it is no leak.
    @functools.lru_cache(maxsize=16)  # noqa: B019
    def register_plan(self, layout: Layout, languages: tuple[str, ...]) -> register.Plan:
        """Where a register's cells are in ``languages``, read from WeasyPrint's layout of its
        sample (the entries repeated to fill a spread), once per language set; with a
        ``layer_cache``, read from it if another process read it, and stored once read."""
        assert layout.cells is not None
        stored = self.layer_cache.plan(layout.id, languages) if self.layer_cache else None
        if stored is not None:
            try:
                return register.Plan.from_json(stored)
            except (TypeError, KeyError):
                pass  # not a plan this code wrote: read it again
        blank = self.layout(layout.cells.blank)
        assert blank.assembly is not None
        rows = layout.data_model.rows_per_spread  # type: ignore[attr-defined]
        request = self.validate(layout, register.filled_sample(layout.sample(languages), rows))
        composition = self.composer.compose(layout, request)
        document = self.renderer.lay_out(layout, composition)
        try:
            plan = register.read_plan(document, composition.html, blank.assembly.repeat)
        except LayoutError as exc:
            raise LayoutError(f"{layout.id}: {exc}") from None
        if self.layer_cache:
            self.layer_cache.store_plan(layout.id, languages, plan.as_json())
        return plan

    @staticmethod
    def edition(layout: Layout, request: ValidRequest) -> tuple[tuple[str, object], ...]:
        """The request's values of the fields its shared layers depend on (``layer_fields``
        in layout.toml: the envelope's size), as the key of those layers."""
        return tuple((name, getattr(request.data, name)) for name in layout.layer_fields)

    # One Pipeline lives as long as its process: the cache holding it is no leak.
    @functools.lru_cache(maxsize=64)  # noqa: B019
    def _layer(
        self,
        layout: Layout,
        languages: tuple[str, ...],
        variant: str,
        bleed_mm: float,
        spots: bool,
        edition: tuple[tuple[str, object], ...] = (),
    ):
        """A variant that does not depend on the request's data (a pre-printed layer), drawn
        once per language set, bleed and ``edition`` from the layout's sample (in
        ``LAYER_FORMAT``), then reused; with ``spots``, the same drawing with its inks made
        spot colours. With a ``layer_cache``, read from it if another process drew it, and
        stored once drawn."""
        key = (layout.id, languages, variant, bleed_mm, spots)
        stored = self.layer_cache.layer(*key, edition) if self.layer_cache else None
        if stored is not None:
            return stored.pdf, stored.pages
        if spots:
            pdf, pages = self._layer(layout, languages, variant, bleed_mm, False, edition)
            pdf = separate(pdf, self.spots)
        else:
            body = layout.sample(languages)
            body["data"].update(edition)
            request = self.validate(layout, body)
            pdf, pages, _ = self._draw(layout, request, variant, FORMATS[LAYER_FORMAT], bleed_mm)
        if self.layer_cache:
            self.layer_cache.store_layer(*key, StoredLayer(pdf, pages), edition)
        return pdf, pages

    def render_sample(
        self, layout_id: str, languages: tuple[str, ...], options: RenderOptions
    ) -> Rendered:
        layout = self.layout(layout_id)
        scan = check_scan(layout.sample_upload(layout.upload)) if layout.upload else None
        attachment = (
            check_attachment(
                layout.sample_upload(layout.attachment), layout.attachment, layout.attachment
            )
            if layout.attachment
            else None
        )
        return self.render(layout_id, layout.sample(languages), options, scan, attachment)

    def warm(self, layer_language_sets=LANGUAGE_SETS, draw_layers: bool = True) -> int:
        """Pay the one-time costs before the first request, so that the first request of any
        layout, language set and format runs at warm speed, without rendering every sample:

        - every template compiled (a layout's and those it extends or imports) and every
          layout's stylesheets parsed;
        - one small document in every output format (WeasyPrint's PDF/A paths and ICC
          profile, the PDF/X profile, pikepdf, PDFium; the tagged formats by one tagged
          document), the language sets taking turns (fonts, shaping, catalogs, dates);
        - every layer drawn once and reused (the envelope's pre-print) for every language
          set in ``layer_language_sets`` (by default all; the rest can follow with
          ``warm_layers``) and every bleed a request can ask for — with ``draw_layers``
          False only those the warm cache holds (returned: how many it did not);

        then the collector is told that what start-up made lives as long as the process
        (``gc.freeze``), so collections during a render no longer traverse it (about a
        tenth of a small render's time), and to collect young objects less often
        (``GC_YOUNG_OBJECTS``)."""
        for name in self.composer.env.list_templates(
            extensions=["j2"]
        ):  # layouts and what they import
            self.composer.env.get_template(name)
        for layout in self.registry:
            self.renderer.stylesheets(layout)
        documents = [f for f, output in FORMATS.items() if not (output.textual or output.tagged)]
        for index, fmt in enumerate(documents):  # each format once, the language sets in turn
            layout_id = WARM_LAYOUT if fmt in ("pdf", "png") else WARM_FORMAT_LAYOUT
            languages = LANGUAGE_SETS[index % len(LANGUAGE_SETS)]
            self.render_sample(layout_id, languages, RenderOptions(fmt))
        # tagging, its finisher and checks, and the words of the tree: one tagged document
        self.render_sample(WARM_TAGGED_LAYOUT, ("sl", "it"), RenderOptions("pdfa-2a"))
        missing = self.warm_layers(layer_language_sets, draw_layers)
        gc.collect()
        gc.freeze()
        gc.set_threshold(GC_YOUNG_OBJECTS, *gc.get_threshold()[1:])
        return missing

    def warm_layers(self, language_sets, draw: bool = True) -> int:
        """Draw every cached layer of every layout in ``language_sets`` (most of what
        ``warm`` costs: the envelope's pre-print is a long layout, twice as long
        bilingual), or with ``draw`` False read only those the warm cache holds (another
        process drew them): the number left undrawn is returned, each to be drawn at its
        first use or by ``renderer warm``."""
        missing = 0
        for layout in self.registry:
            for languages in language_sets:
                if layout.cells is not None and (
                    draw or (self.layer_cache and self.layer_cache.plan(layout.id, languages))
                ):
                    self.register_plan(layout, languages)
                layers = self.layers_asked(layout)
                if not layers:
                    continue
                # the sample's edition (the envelope's default size, C5); others on first use
                edition = self.edition(layout, self.validate(layout, layout.sample(languages)))
                for variant, bleed_mm, spots in layers:
                    key = (layout.id, languages, variant, bleed_mm, spots)
                    if draw or (self.layer_cache and self.layer_cache.holds(*key, edition)):
                        self._layer(layout, languages, variant, bleed_mm, spots, edition)
                    else:
                        missing += 1
        return missing

    def layers_asked(self, layout: Layout) -> list[tuple[str, float, bool]]:
        """(variant, bleed, spots) of every cached layer a request of
        ``layout`` can draw: the base of each composite variant and each shared variant, on
        screen pages and print-ready ones (PDF/X, crop marks, print variants)."""
        keys = set()
        for name, output in FORMATS.items():
            for variant in layout.variants if not output.textual else ():
                for marks in (None, "crop") if name in MARKS_FORMATS else (None,):
                    options = RenderOptions(name, variant=variant, marks=marks)
                    try:
                        self.variant(layout, options)
                    except OptionError:
                        continue  # e.g. a spot-colour variant in PDF/A
                    bleed_mm = self.press(layout, variant, options).bleed_mm
                    if variant in layout.composite:
                        keys.add((layout.composite[variant][0], bleed_mm, False))
                    if variant in layout.shared_variants or layout.assembly:
                        keys.add((variant, bleed_mm, variant in layout.spot_variants))
        return sorted(keys)
