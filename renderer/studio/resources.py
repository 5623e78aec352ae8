"""The preview studio's HTTP side: ``/`` and a page per layout (``pages/``; its CSS and ES
modules in ``assets/``, served by Falcon's static route) and the JSON it works from. A preview
is the API's own validation and render, one page as PNG with what is drawn on it measured
from the PDF and the layout's prescribed sizes checked."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

import falcon
from jinja2 import Environment, FileSystemLoader

from ..catalogs import UsedMessages
from ..compose import Composer
from ..http.capacity import render_slot
from ..http.problems import Problem, bad_parameter
from ..http.readers import known_layout, read_body, read_json, read_parts
from ..options import LANGUAGE_NAMES, LANGUAGE_SETS, RenderOptions
from ..pipeline import Pipeline, Rendered
from ..raster import RasterTooLarge, page_png
from ..units import MM_PER_PT
from ..uploads import check_attachment, check_scan
from . import preview
from .samplesets import sample_sets

if TYPE_CHECKING:
    from .devreload import DevReload

PAGES_DIR = Path(__file__).resolve().parent / "pages"  # the HTML the service fills in
ASSETS_DIR = Path(__file__).resolve().parent / "assets"  # served as they are: CSS, ES modules
ASSETS_PREFIX = "/studio/assets"
ASSET_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
MAX_PREVIEW_DPI = 300
CACHED_RENDERS = 16
CACHED_PAGES = 48  # pages as shown: a separation or language switch back is not drawn again


def _number(req, name: str, default: float, low: float, high: float, whole: bool = True) -> float:
    text = req.get_param(name)
    if text is None:
        return default
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise bad_parameter(
            name, f"must be a {'whole ' if whole else ''}number from {low:g} to {high:g}"
        )
    return value


class Studio:
    """The studio's state per process: recent renders (so turning pages does not render
    again), sample sets and missing translations per layout. It renders with the service's
    pipeline except for one thing: a fixed text without a translation prints in Slovenian
    (and is highlighted) instead of refusing the document."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline
        self.drafts = self._drafts()
        self._renders: OrderedDict[str, Rendered] = OrderedDict()
        self._pages: OrderedDict[tuple, dict] = OrderedDict()
        self._lock = threading.Lock()
        self._sets: dict[tuple[str, tuple[str, ...]], dict] = {}
        self._missing: dict[str, dict[str, list[str]]] = {}
        self.dev: DevReload | None = None  # renderer serve --dev: watches the layouts' files

    def _drafts(self) -> Pipeline:
        """The studio's own pipeline, made from the service's: missing translations print in
        Slovenian, overflowing values are drawn."""
        drafts = self.pipeline.with_composer(Composer(UsedMessages(self.pipeline.catalogs)))
        drafts.refuse_overflow = False
        return drafts

    def renew(self) -> None:
        """The studio's pipeline made again (after the service's catalogs were reloaded)."""
        self.drafts = self._drafts()

    def forget(self, layout_id: str | None = None) -> None:
        """Drop what was made of one layout (or of all): renders, sample sets, missing texts."""
        with self._lock:
            self._renders.clear()
            self._pages.clear()
            self._sets = {
                k: v for k, v in self._sets.items() if layout_id is not None and k[0] != layout_id
            }
            self._missing = {
                k: v for k, v in self._missing.items() if layout_id is not None and k != layout_id
            }

    def render(
        self, layout, body, variant: str | None, upload: bytes | None = None
    ) -> tuple[str, Rendered, tuple]:
        """The render's key (what it depends on), the render and the request's findings.
        ``upload``: the designer's own file for a layout that takes one (checked like every
        upload); without it the layout's bundled sample file. A variant that does not depend
        on the data (the envelope's pre-print) is validated each time but drawn once per
        language set, so after an edit its pages and separations are already there."""
        part = layout.upload or layout.attachment
        findings = None
        if (variant or layout.variants[0]) in layout.shared_variants and not part:
            request = self.pipeline.validate(layout, body)  # its errors are the render API's 422
            findings = tuple(request.data.findings())
            edition = self.pipeline.edition(layout, request)  # but the envelope's size does
            basis = ["the data does not matter", list(request.languages), list(edition)]
        else:
            basis = body
        digest = hashlib.sha256(upload).hexdigest() if upload is not None else None
        key = hashlib.sha256(
            json.dumps([layout.id, basis, variant, digest], sort_keys=True).encode()
        ).hexdigest()
        with self._lock:
            rendered = self._renders.get(key)
            if rendered is not None:
                self._renders.move_to_end(key)
        if rendered is None:
            data = upload if upload is not None else (layout.sample_upload(part) if part else None)
            scan = (
                check_scan(data, part, self.pipeline.limits)
                if layout.upload and data is not None and part
                else None
            )
            attachment = (
                check_attachment(data, part, part, self.pipeline.limits)
                if layout.attachment and data is not None and part
                else None
            )
            options = RenderOptions("pdf", variant=variant)
            draw = lambda: self.drafts.render(layout.id, body, options, scan, attachment)  # noqa: E731
            rendered = (self.dev.guard(layout, draw) if self.dev else draw)()
            with self._lock:
                self._renders[key] = rendered
                while len(self._renders) > CACHED_RENDERS:
                    self._renders.popitem(last=False)
        return key, rendered, rendered.findings if findings is None else findings

    def page(self, key: tuple, make) -> dict:
        """One page of a render as the preview shows it (PNG, geometry, checks), made once per
        render, page, resolution and separation."""
        with self._lock:
            shown = self._pages.get(key)
            if shown is not None:
                self._pages.move_to_end(key)
                return shown
        shown = make()
        with self._lock:
            self._pages[key] = shown
            while len(self._pages) > CACHED_PAGES:
                self._pages.popitem(last=False)
        return shown

    def sets(self, layout_id: str, languages: tuple[str, ...]) -> dict:
        key = (layout_id, languages)
        if key not in self._sets:
            self._sets[key] = sample_sets(
                self.pipeline.layout(layout_id), languages, self.pipeline.limits
            )
        return self._sets[key]

    def missing_for(self, layout, body) -> list[str]:
        """The missing translations of the request's second language (given or from its
        area), if it has one."""
        languages = self.pipeline.validate(layout, body).languages
        return self.missing_translations(layout.id)[languages[1]] if len(languages) > 1 else []

    def missing_translations(self, layout_id: str) -> dict[str, list[str]]:
        """Per language, the fixed texts the layout prints (composing its samples in every
        variant) that lack a translation."""
        if layout_id not in self._missing:
            layout = self.pipeline.layout(layout_id)
            missing = {}
            for languages in LANGUAGE_SETS[1:]:
                used = UsedMessages(self.pipeline.catalogs)
                request = self.pipeline.validate(layout, layout.sample(languages))
                for variant in layout.variants:
                    Composer(used).compose(layout, request, variant)
                missing[languages[1]] = used.missing(languages[1])
            self._missing[layout_id] = missing
        return self._missing[layout_id]


def untranslated(geometry: preview.PageGeometry, msgids: list[str]) -> list[int]:
    """Indexes of the text runs that print (part of) a fixed text lacking its translation."""
    texts = [" ".join(m.replace("%(", " ").split()) for m in msgids]
    found = []
    for index, element in enumerate(geometry.elements):
        run = " ".join(element.text.split())
        if len(run) >= 3 and any(run in text or text in run for text in texts):
            found.append(index)
    return found


def overflows(rendered: Rendered, number: int) -> list[dict]:
    """The overflows on page ``number``, from the trim box's top left as the geometry is
    (WeasyPrint lays a page out from its trim corner; a bleed lies at negative positions)."""
    if not rendered.fit:
        return []
    out = []
    for overflow in rendered.fit.overflows:
        if overflow.page != number:
            continue
        item = overflow.as_json()
        reason = next(
            (e.reason for e in rendered.fit.errors if e.pointer == overflow.pointer), None
        )
        item["detail"] = (
            reason or f"fixed text of the layout {overflow.text[:60]!r} does not fit its box"
        )
        out.append(item)
    return out


class StudioIndex:
    """``/``: every layout with a thumbnail of its sample, each opening the studio."""

    def __init__(self, pipeline: Pipeline):
        env = Environment(loader=FileSystemLoader(PAGES_DIR), autoescape=True)
        self.page = env.get_template("index.html.j2").render(layouts=list(pipeline.registry))

    def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_HTML
        resp.text = self.page


class StudioPage:
    """``/studio/{id}``: the studio (one page for every layout; the script reads the id)."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline
        self.page = (PAGES_DIR / "studio.html").read_text(encoding="utf-8")

    def on_get(self, req, resp, layout_id):
        known_layout(self.pipeline, layout_id)
        resp.content_type = falcon.MEDIA_HTML
        resp.text = self.page


class RevalidateAssets:
    """The studio's assets are asked for again on every load (answered 304 by their ETag when
    unchanged), so a browser never runs an older module beside a newer one."""

    def process_response(self, req, resp, resource, req_succeeded):
        if req.path.startswith(ASSETS_PREFIX + "/"):
            resp.cache_control = ["no-cache"]


class StudioLayout:
    """``GET /v1/studio/{id}``: what the studio needs of a layout."""

    def __init__(self, studio: Studio):
        self.studio = studio

    def on_get(self, req, resp, layout_id):
        if self.studio.dev:
            self.studio.dev.check()
        layout = known_layout(self.studio.pipeline, layout_id)
        resp.media = {
            **layout.summary(),
            "request_schema": layout.request_schema,
            "language_sets": [
                {
                    "languages": list(s),
                    "label": " + ".join(s),
                    "names": [LANGUAGE_NAMES[lang] for lang in s],
                }
                for s in LANGUAGE_SETS
            ],
            "sample_sets": {",".join(s): self.studio.sets(layout.id, s) for s in LANGUAGE_SETS},
            "missing_translations": self._missing(layout),
            "prescribed": [p.as_json() for p in layout.prescribed],
            "safe_mm": layout.safe_mm,
            "spot_variants": [v for v in layout.variants if v in layout.spot_variants],
            "upload": layout.upload,
            "attachment": layout.attachment,
            "dev": {"version": self.studio.dev.version(layout.id)} if self.studio.dev else None,
        }

    def _missing(self, layout) -> dict[str, list[str]]:
        """--dev: a template that does not compile has no missing translations to count (its
        error is reported by the preview and the changes poll), not a 500."""
        if not self.studio.dev:
            return self.studio.missing_translations(layout.id)
        try:
            return self.studio.dev.guard(
                layout, lambda: self.studio.missing_translations(layout.id)
            )()
        except Problem:
            return {}


class StudioPreview:
    """``POST /v1/studio/{id}/preview?page=&dpi=&variant=&separation=``: the request body as
    for /v1/render → one page as PNG (base64), its geometry and the prescribed checks.
    Invalid data is the same 422 as the render API's."""

    def __init__(self, studio: Studio):
        self.studio = studio

    def on_post(self, req, resp, layout_id):
        started = time.perf_counter()
        pipeline = self.studio.pipeline
        if self.studio.dev:
            self.studio.dev.check()
        layout = known_layout(pipeline, layout_id)
        dpi = _number(req, "dpi", 96, RenderOptions.MIN_DPI, MAX_PREVIEW_DPI, whole=False)
        number = _number(req, "page", 1, 1, 100_000)
        part = layout.upload or layout.attachment
        upload = None
        if part and (req.content_type or "").startswith("multipart/form-data"):
            body, upload = read_parts(req, part, pipeline.limits)  # the designer's own file
        else:
            body = read_json(req, pipeline.limits.max_body_bytes, pipeline.limits)
        variant = req.get_param("variant") or None
        separation = req.get_param("separation") or ""
        with render_slot():
            key, rendered, findings = self.studio.render(layout, body, variant, upload)
            rendered_at = time.perf_counter()
            missing = self.studio.missing_for(layout, body)
            shown = self.studio.page(
                (key, number, dpi, separation),
                lambda: self._page(layout, rendered, variant, separation, number, dpi, missing),
            )
        resp.media = {
            **shown,
            "page": number,
            "dpi": dpi,
            "findings": [{"pointer": f.pointer, "detail": f.reason} for f in findings],
            "timing_ms": {
                "render": round((rendered_at - started) * 1000, 1),
                "total": round((time.perf_counter() - started) * 1000, 1),
            },
        }

    def _page(
        self,
        layout,
        rendered: Rendered,
        variant: str | None,
        separation: str,
        number: int,
        dpi: float,
        missing: list[str],
    ) -> dict:
        pipeline = self.studio.pipeline
        pdf = rendered.content
        spots = (
            preview.separations(pdf)
            if (variant or layout.variants[0]) in layout.spot_variants
            else []
        )
        if separation:
            if separation not in spots and not (spots and separation == preview.PROCESS):
                raise bad_parameter(
                    "separation",
                    f"this render's inks are {', '.join(spots) or 'process colours only'}",
                )
            pdf = preview.plate(pdf, separation)
        document = preview.open_pdf(pdf)
        try:
            pages = len(document)
            if number > pages:
                raise bad_parameter("page", f"the document has {pages} page(s)")
            page = document[number - 1]
            image = page_png(page, dpi, pipeline.limits.max_png_pixels, compress_level=1)
            geometry = preview.measure_page(
                page, number, preview.text_fills(pdf, number - 1) if spots else None
            )
        except RasterTooLarge as exc:
            raise bad_parameter("dpi", str(exc)) from None
        finally:
            document.close()
        return {
            "pages": pages,
            "png": base64.b64encode(image).decode("ascii"),
            "geometry": geometry.as_json(),
            "checks": preview.checks(layout.prescribed, geometry, pages),
            "untranslated": untranslated(geometry, missing),
            "errors": [{"pointer": e.pointer, "detail": e.reason} for e in rendered.fit.errors]
            if rendered.fit
            else [],
            "overflows": overflows(rendered, number),
            "separations": spots + [preview.PROCESS] if spots else [],
        }


class StudioOverlay:
    """``POST /v1/studio/overlay?page=&dpi=``: a reference (a scan of the official annex:
    PDF, PNG, JPEG or TIFF, judged by content) as a PNG of one page and its size in mm.
    Checked like every upload; nothing is kept."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline

    def on_post(self, req, resp):
        number = _number(req, "page", 1, 1, 100_000)
        dpi = _number(req, "dpi", 96, RenderOptions.MIN_DPI, MAX_PREVIEW_DPI, whole=False)
        data = read_body(req, self.pipeline.limits.max_upload_bytes)
        with render_slot():  # checking and rasterising the upload are heavy work
            scan = check_scan(data, "overlay", self.pipeline.limits)
            document = preview.open_pdf(scan.pdf)
            try:
                if number > len(document):
                    raise bad_parameter("page", f"the upload has {len(document)} page(s)")
                page = document[number - 1]
                width_pt, height_pt = page.get_size()
                image = page_png(page, dpi, self.pipeline.limits.max_png_pixels, compress_level=1)
                pages = len(document)
            except RasterTooLarge as exc:
                raise bad_parameter("dpi", str(exc)) from None
            finally:
                document.close()
        resp.media = {
            "png": base64.b64encode(image).decode("ascii"),
            "pages": pages,
            "page": number,
            "width_mm": round(width_pt * MM_PER_PT, 2),
            "height_mm": round(height_pt * MM_PER_PT, 2),
        }


class StudioUpload:
    """``GET /v1/studio/{id}/upload``: the bundled sample file of a layout that takes one (the
    studio sends it with a PDF download when the designer picked no file of their own)."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline

    def on_get(self, req, resp, layout_id):
        layout = known_layout(self.pipeline, layout_id)
        part = layout.upload or layout.attachment
        if not part:
            raise Problem(falcon.HTTP_404, "Not found", f"{layout_id} takes no file")
        resp.content_type = "application/pdf"
        resp.data = layout.sample_upload(part)


class StudioChanges:
    """``GET /v1/studio/{id}/changes`` (``renderer serve --dev`` only): the version of the
    layout's files and what is wrong in them; the studio polls it and renders again."""

    def __init__(self, studio: Studio):
        self.studio = studio

    def on_get(self, req, resp, layout_id):
        self.studio.dev.check()
        known_layout(self.studio.pipeline, layout_id)
        resp.media = {
            "version": self.studio.dev.version(layout_id),
            "problems": self.studio.dev.problems(layout_id),
        }
        resp.cache_control = ["no-store"]


def install(app: falcon.App, pipeline: Pipeline, dev: bool = False) -> None:
    """The studio's routes: ``/`` (the list), ``/studio/{id}``, its assets and its JSON; with
    ``dev`` (``renderer serve --dev``) the layouts' files are watched and reloaded."""
    studio = Studio(pipeline)
    app.add_route("/", StudioIndex(pipeline))
    app.add_route("/studio/{layout_id}", StudioPage(pipeline))
    app.add_static_route(ASSETS_PREFIX, str(ASSETS_DIR))
    app.resp_options.static_media_types.update(ASSET_TYPES)
    app.add_middleware(RevalidateAssets())
    app.add_route("/v1/studio/overlay", StudioOverlay(pipeline))
    app.add_route("/v1/studio/{layout_id}", StudioLayout(studio))
    app.add_route("/v1/studio/{layout_id}/preview", StudioPreview(studio))
    app.add_route("/v1/studio/{layout_id}/upload", StudioUpload(pipeline))
    if dev:
        from .devreload import DevReload

        studio.dev = DevReload(studio)
        app.add_route("/v1/studio/{layout_id}/changes", StudioChanges(studio))
