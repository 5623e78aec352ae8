"""The preview studio at ``/``: a page per layout (plain HTML, CSS and JS in ``pages/``) and
the JSON it works from. A preview is the API's own validation and render, one page as PNG
with what is drawn on it measured from the PDF and the layout's prescribed sizes checked."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections import OrderedDict
from importlib import resources

import falcon
from jinja2 import Environment, PackageLoader

from .. import preview
from ..catalogs import UsedMessages
from ..compose import Composer
from ..fit import LayoutOverflow
from ..pipeline import Pipeline, Rendered
from ..raster import RasterTooLarge, page_png
from ..samplesets import sample_sets
from ..specs import LANGUAGE_NAMES, LANGUAGE_SETS, RenderOptions
from ..uploads import UploadRefused, check_attachment, check_scan
from .body import read_body, read_json
from .capacity import render_slot
from .problems import Problem, bad_parameter
from .resources import _layout, _render

ASSETS = {"studio.js": "text/javascript; charset=utf-8", "studio.css": "text/css; charset=utf-8"}
MAX_PREVIEW_DPI = 300
CACHED_RENDERS = 16


def _number(req, name: str, default: float, low: float, high: float, whole: bool = True) -> float:
    text = req.get_param(name)
    if text is None:
        return default
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise bad_parameter(name, f"must be a {'whole ' if whole else ''}number from {low:g} to {high:g}")
    return value


class Studio:
    """The studio's state per process: recent renders (so turning pages does not render
    again), sample sets and missing translations per layout. It renders with the service's
    pipeline except for one thing: a fixed text without a translation prints in Slovenian
    (and is highlighted) instead of refusing the document."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline
        self.drafts = pipeline.with_composer(Composer(UsedMessages(pipeline.catalogs)))
        self._renders: OrderedDict[str, Rendered] = OrderedDict()
        self._lock = threading.Lock()
        self._sets: dict[tuple[str, tuple[str, ...]], dict] = {}
        self._missing: dict[str, dict[str, list[str]]] = {}

    def render(self, layout, body, variant: str | None) -> Rendered:
        key = hashlib.sha256(json.dumps([layout.id, body, variant], sort_keys=True).encode()).hexdigest()
        with self._lock:
            if key in self._renders:
                self._renders.move_to_end(key)
                return self._renders[key]
        # a layout that takes a file is previewed with its bundled one
        scan = check_scan(layout.sample_upload(layout.upload)) if layout.upload else None
        attachment = check_attachment(layout.sample_upload(layout.attachment), layout.attachment, layout.attachment) \
            if layout.attachment else None
        options = RenderOptions("pdf", variant=variant)
        try:
            rendered = _render(lambda: self.drafts.render(layout.id, body, options, scan, attachment))
        except LayoutOverflow as exc:  # a finding about the layout itself: show it, do not hide it in a 500
            raise Problem(falcon.HTTP_422, "The layout's own wording overflows", str(exc),
                          [{"pointer": "/data", "detail": f"with this data the layout breaks: {exc}"}]) from None
        with self._lock:
            self._renders[key] = rendered
            while len(self._renders) > CACHED_RENDERS:
                self._renders.popitem(last=False)
        return rendered

    def sets(self, layout_id: str, languages: tuple[str, ...]) -> dict:
        key = (layout_id, languages)
        if key not in self._sets:
            self._sets[key] = sample_sets(self.pipeline.layout(layout_id), languages, self.pipeline.limits)
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


class StudioIndex:
    """``/``: every layout with a thumbnail of its sample, each opening the studio."""

    def __init__(self, pipeline: Pipeline):
        env = Environment(loader=PackageLoader("renderer.http", "pages"), autoescape=True)
        self.page = env.get_template("index.html.j2").render(layouts=list(pipeline.registry))

    def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_HTML
        resp.text = self.page


class StudioPage:
    """``/studio/{id}``: the studio (one page for every layout; the script reads the id)."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline
        self.page = resources.files("renderer.http").joinpath("pages/studio.html").read_text(encoding="utf-8")

    def on_get(self, req, resp, layout_id):
        _layout(self.pipeline, layout_id)
        resp.content_type = falcon.MEDIA_HTML
        resp.text = self.page


class StudioAsset:
    def __init__(self):
        pages = resources.files("renderer.http").joinpath("pages")
        self.assets = {name: pages.joinpath(name).read_bytes() for name in ASSETS}

    def on_get(self, req, resp, name):
        if name not in self.assets:
            raise Problem(falcon.HTTP_404, "Not found", f"no asset {name!r}")
        resp.content_type = ASSETS[name]
        resp.data = self.assets[name]
        resp.cache_control = ["no-cache"]


class StudioLayout:
    """``GET /v1/studio/{id}``: what the studio needs of a layout."""

    def __init__(self, studio: Studio):
        self.studio = studio

    def on_get(self, req, resp, layout_id):
        layout = _layout(self.studio.pipeline, layout_id)
        resp.media = {
            **layout.summary(),
            "request_schema": layout.request_schema,
            "language_sets": [{"languages": list(s), "label": " + ".join(s),
                               "names": [LANGUAGE_NAMES[lang] for lang in s]} for s in LANGUAGE_SETS],
            "sample_sets": {",".join(s): self.studio.sets(layout.id, s) for s in LANGUAGE_SETS},
            "missing_translations": self.studio.missing_translations(layout.id),
            "prescribed": [p.as_json() for p in layout.prescribed],
            "safe_mm": layout.safe_mm,
            "spot_variants": [v for v in layout.variants if v in layout.spot_variants],
            "upload": layout.upload,
        }


class StudioPreview:
    """``POST /v1/studio/{id}/preview?page=&dpi=&variant=&separation=``: the request body as
    for /v1/render → one page as PNG (base64), its geometry and the prescribed checks.
    Invalid data is the same 422 as the render API's."""

    def __init__(self, studio: Studio):
        self.studio = studio

    def on_post(self, req, resp, layout_id):
        started = time.perf_counter()
        pipeline = self.studio.pipeline
        layout = _layout(pipeline, layout_id)
        dpi = _number(req, "dpi", 96, RenderOptions.MIN_DPI, MAX_PREVIEW_DPI, whole=False)
        number = _number(req, "page", 1, 1, 100_000)
        body = read_json(req, pipeline.limits.max_body_bytes, pipeline.limits)
        variant = req.get_param("variant") or None
        with render_slot():
            rendered = self.studio.render(layout, body, variant)
        rendered_at = time.perf_counter()
        pdf = rendered.content
        spots = preview.separations(pdf) if (variant or layout.variants[0]) in layout.spot_variants else []
        separation = req.get_param("separation")
        if separation:
            if separation not in spots and not (spots and separation == preview.PROCESS):
                raise bad_parameter("separation", f"this render's inks are {', '.join(spots) or 'process colours only'}")
            pdf = preview.plate(pdf, separation)
        document = preview.open_pdf(pdf)
        try:
            pages = len(document)
            if number > pages:
                raise bad_parameter("page", f"the document has {pages} page(s)")
            page = document[number - 1]
            image = page_png(page, dpi, pipeline.limits.max_png_pixels, compress_level=1)
            geometry = preview.measure_page(page, number)
        except RasterTooLarge as exc:
            raise bad_parameter("dpi", str(exc)) from None
        finally:
            document.close()
        resp.media = {
            "page": number,
            "pages": pages,
            "dpi": dpi,
            "png": base64.b64encode(image).decode("ascii"),
            "geometry": geometry.as_json(),
            "checks": preview.checks(layout.prescribed, geometry, pages),
            "untranslated": untranslated(geometry, self.studio.missing_for(layout, body)),
            "findings": [{"pointer": f.pointer, "detail": f.reason} for f in rendered.findings],
            "separations": spots + [preview.PROCESS] if spots else [],
            "timing_ms": {"render": round((rendered_at - started) * 1000, 1),
                          "total": round((time.perf_counter() - started) * 1000, 1)},
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
            try:
                scan = check_scan(data, "overlay", self.pipeline.limits)
            except UploadRefused as exc:
                raise Problem(falcon.HTTP_422, "Cannot use the upload", str(exc),
                              [{"pointer": f"/{exc.field}", "detail": exc.reason}]) from None
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
        resp.media = {"png": base64.b64encode(image).decode("ascii"), "pages": pages, "page": number,
                      "width_mm": round(width_pt * preview.MM_PER_PT, 2),
                      "height_mm": round(height_pt * preview.MM_PER_PT, 2)}


def install(app: falcon.App, pipeline: Pipeline) -> None:
    """The studio's routes: ``/`` (the list), ``/studio/{id}``, its assets and its JSON."""
    studio = Studio(pipeline)
    app.add_route("/", StudioIndex(pipeline))
    app.add_route("/studio/{layout_id}", StudioPage(pipeline))
    app.add_route("/studio/assets/{name}", StudioAsset())
    app.add_route("/v1/studio/overlay", StudioOverlay(pipeline))
    app.add_route("/v1/studio/{layout_id}", StudioLayout(studio))
    app.add_route("/v1/studio/{layout_id}/preview", StudioPreview(studio))
