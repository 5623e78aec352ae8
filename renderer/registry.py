"""The layout registry: every folder under ``templates/`` with a ``layout.toml`` is a layout.

A layout is data: ``layout.toml`` (id, titles, page size, source articles, data model),
``template.html.j2`` and ``style.css`` beside it, and samples under ``samples/`` named
``<id>.json``, ``<id>.sl-it.json`` and ``<id>.sl-hu.json``. Nothing is registered by hand.
"""

from __future__ import annotations

import importlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

from .assemble import Assembly
from .paths import SAMPLES_DIR, TEMPLATES_DIR
from .schema import LayoutData, request_json_schema
from .specs import LANGUAGE_SETS

SCHEMA_PACKAGE = "renderer.schemas"


class LayoutError(RuntimeError):
    """A layout folder is incomplete or inconsistent."""


MAX_PAGE_MM = 2000
MAX_BLEED_MM = 10


@dataclass(frozen=True)
class PageSize:
    """A fixed page, or (height_mm None) a page whose height follows the content, up to
    ``max_height_mm``."""

    width_mm: float
    height_mm: float | None
    max_height_mm: float | None = None

    def __post_init__(self) -> None:
        heights = [h for h in (self.height_mm, self.max_height_mm) if h is not None]
        if len(heights) != 1 or not all(0 < v <= MAX_PAGE_MM for v in (self.width_mm, *heights)):
            raise LayoutError(
                f"page size {self.width_mm} x {self.height_mm or self.max_height_mm} mm is not plausible"
            )

    @property
    def auto_height(self) -> bool:
        return self.height_mm is None

    def as_json(self) -> dict:
        if self.auto_height:
            return {
                "width_mm": self.width_mm,
                "height_mm": "auto",
                "max_height_mm": self.max_height_mm,
            }
        return {"width_mm": self.width_mm, "height_mm": self.height_mm}


@dataclass(frozen=True)
class Prescribed:
    """A size the regulation prescribes, to be checked in the rendered PDF (the preview
    studio's inspector): a box ``x, y, width, height`` in mm from the trim box's top left on
    ``page`` (1-based; negative counts from the end; None: every page). ``checks`` names the
    prescribed members; the others only locate the box. ``kind`` "page" is the trim box
    itself; "box" is what is drawn inside the box (see renderer/preview.py)."""

    name: str
    box: tuple[float, float, float, float]
    page: int | None = 1
    checks: tuple[str, ...] = ("x", "y", "width", "height")
    kind: str = "box"

    MEMBERS = ("x", "y", "width", "height")

    def __post_init__(self) -> None:
        if (
            self.kind not in ("box", "page")
            or not self.checks
            or set(self.checks) - set(self.MEMBERS)
        ):
            raise LayoutError(
                f"prescribed {self.name!r}: kind box or page; checks among {', '.join(self.MEMBERS)}"
            )
        if len(self.box) != 4 or min(self.box[2:]) <= 0:
            raise LayoutError(f"prescribed {self.name!r}: box is x, y, width, height (mm)")

    def applies_to(self, page: int, page_count: int) -> bool:
        """Whether this box is on ``page`` (1-based) of a document of ``page_count`` pages."""
        return self.page is None or page == (
            self.page if self.page > 0 else page_count + 1 + self.page
        )

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "page": self.page,
            "kind": self.kind,
            "box": dict(zip(self.MEMBERS, self.box, strict=True)),
            "checks": list(self.checks),
        }


def _prescribed(meta: dict, page: PageSize) -> tuple[Prescribed, ...]:
    """The layout's ``[[prescribed]]`` boxes; unless it names page sizes itself, every page is
    the size in ``[page]`` (only the width when the height follows the content)."""
    listed = tuple(
        Prescribed(
            entry["name"],
            tuple(float(v) for v in entry["box"]),
            entry.get("page", 1),
            tuple(entry.get("checks", Prescribed.MEMBERS)),
            entry.get("kind", "box"),
        )
        for entry in meta.get("prescribed", [])
    )
    if any(p.kind == "page" for p in listed):
        return listed
    height = page.height_mm if not page.auto_height else page.max_height_mm
    checks = ("width",) if page.auto_height else ("width", "height")
    return (Prescribed("page size", (0, 0, page.width_mm, height), None, checks, "page"), *listed)


@dataclass(frozen=True, eq=False)  # identity equality: one object per layout, hashable for caches
class Layout:
    id: str
    titles: Mapping[str, str]
    page: PageSize
    pages: int  # how many pages a rendered document has
    variants: tuple[str, ...]  # the first is the default
    spot_variants: tuple[str, ...]  # variants whose inks become spot colours (format pdf or pdfx-4)
    print_variants: tuple[str, ...]  # variants made for the press: print-ready in any PDF format
    bleed_mm: float  # colour runs to the edge: print-ready pages get this much bleed all round
    shared_variants: tuple[str, ...]  # variants that do not depend on the data: rendered once
    layer_fields: tuple[str, ...]  # data fields a shared variant does depend on (its edition)
    composite: Mapping[str, tuple[str, str]]  # variant → (base layer, overlay layer)
    assembly: Assembly | None  # a book: distinct pages rendered once, the rest reused
    signed: bool  # always signed (with the default profile) when signing is configured
    text_formats: bool  # also delivered as text/plain and text/html (messages for e-mail)
    upload: str | None  # name of the multipart part holding a scanned PDF: its pages lead the
    #                     document and the original is embedded (PDF/A-3 associated file)
    attachment: str | None  # name of the multipart part holding a file embedded whole as the
    #                         document's associated file, never drawn (P 35: the application)
    placeable: bool  # may be drawn onto an uploaded PDF (/v1/place): confirmations and stamps
    source: str  # the articles it implements
    description: str
    data_model: type[LayoutData]
    directory: Path
    prescribed: tuple[Prescribed, ...] = ()  # sizes to check in the output (the studio's inspector)
    safe_mm: float = 3.0  # the safe area's margin inside the trim (the studio's print view)

    @property
    def template_name(self) -> str:
        return f"{self.id}/template.html.j2"

    @property
    def stylesheet(self) -> Path:
        return self.directory / "style.css"

    def sample_path(self, languages: tuple[str, ...]) -> Path:
        suffix = "" if languages == ("sl",) else "." + "-".join(languages)
        return SAMPLES_DIR / f"{self.id}{suffix}.json"

    def sample(self, languages: tuple[str, ...]) -> dict:
        with self.sample_path(languages).open(encoding="utf-8") as fh:
            return json.load(fh)

    def sample_upload(self, part: str) -> bytes:
        """The bundled upload of a layout that takes one: samples/<id>.<part>.pdf."""
        return (SAMPLES_DIR / f"{self.id}.{part}.pdf").read_bytes()

    @cached_property
    def request_schema(self) -> dict:
        """Standalone JSON Schema (2020-12) of a request body for this layout."""
        schema, definitions = request_json_schema(self.data_model)
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": self.id,
            **schema,
        }
        if definitions:
            schema["$defs"] = definitions
        return schema

    def summary(self) -> dict:
        return {
            "id": self.id,
            "title": dict(self.titles),
            "page": self.page.as_json(),
            "pages": self.pages,
            "variants": list(self.variants),
            "bleed_mm": self.bleed_mm,
            "signed": self.signed,
            "placeable": self.placeable,
            "source": self.source,
            "description": self.description,
        }


def _page_size(page: dict) -> PageSize:
    if page["height_mm"] == "auto":
        return PageSize(float(page["width_mm"]), None, float(page["max_height_mm"]))
    return PageSize(float(page["width_mm"]), float(page["height_mm"]))


def _load_layout(directory: Path) -> Layout:
    meta_path = directory / "layout.toml"
    try:
        with meta_path.open("rb") as fh:
            meta = tomllib.load(fh)
        module_name, _, class_name = meta["schema"].partition(":")
        module = importlib.import_module(f"{SCHEMA_PACKAGE}.{module_name}")
        data_model = getattr(module, class_name)
        layout = Layout(
            id=meta["id"],
            titles=MappingProxyType(dict(meta["title"])),
            page=(page := _page_size(meta["page"])),
            pages=int(meta.get("pages", 1)),
            variants=tuple(meta.get("variants", ["screen"])),
            spot_variants=tuple(meta.get("spot_variants", ["print"])),
            print_variants=tuple(meta.get("print_variants", meta.get("spot_variants", ["print"]))),
            bleed_mm=float(meta.get("bleed_mm", 0)),
            shared_variants=tuple(meta.get("shared_variants", [])),
            layer_fields=tuple(meta.get("layer_fields", [])),
            composite=MappingProxyType({k: tuple(v) for k, v in meta.get("composite", {}).items()}),
            assembly=Assembly.from_toml(meta["assembly"]) if "assembly" in meta else None,
            signed=bool(meta.get("signed", False)),
            text_formats=bool(meta.get("text_formats", False)),
            upload=meta.get("upload"),
            attachment=meta.get("attachment"),
            placeable=bool(meta.get("placeable", False)),
            source=meta["source"],
            description=meta["description"],
            data_model=data_model,
            directory=directory,
            prescribed=_prescribed(meta, page),
            safe_mm=float(meta["page"].get("safe_mm", 3.0)),
        )
    except (
        KeyError,
        ValueError,
        TypeError,
        AttributeError,
        ImportError,
        tomllib.TOMLDecodeError,
    ) as exc:
        raise LayoutError(f"{meta_path}: {type(exc).__name__}: {exc}") from exc
    if not 0 <= layout.bleed_mm <= MAX_BLEED_MM:
        raise LayoutError(f"{meta_path}: bleed_mm must be between 0 and {MAX_BLEED_MM}")
    if layout.id != directory.name:
        raise LayoutError(f"{meta_path}: id {layout.id!r} differs from its folder name")
    if not issubclass(data_model, LayoutData):
        raise LayoutError(f"{meta_path}: {meta['schema']} is not a LayoutData model")
    missing = [lang for lang in ("sl", "it", "hu") if lang not in layout.titles]
    if missing:
        raise LayoutError(f"{meta_path}: no title in {', '.join(missing)}")
    for needed in (directory / "template.html.j2", layout.stylesheet):
        if not needed.is_file():
            raise LayoutError(f"layout {layout.id}: {needed} is missing")
    for languages in LANGUAGE_SETS:
        if not layout.sample_path(languages).is_file():
            raise LayoutError(
                f"layout {layout.id}: sample {layout.sample_path(languages)} is missing"
            )
    return layout


class Registry:
    """All layouts, found once under ``templates/``."""

    def __init__(self, root: Path = TEMPLATES_DIR):
        layouts = [_load_layout(meta.parent) for meta in sorted(root.glob("*/layout.toml"))]
        self._layouts = {layout.id: layout for layout in layouts}

    def __iter__(self):
        return iter(self._layouts.values())

    def __len__(self) -> int:
        return len(self._layouts)

    def __contains__(self, layout_id: str) -> bool:
        return layout_id in self._layouts

    def get(self, layout_id: str) -> Layout:
        return self._layouts[layout_id]

    def reload(self, directory: Path) -> Layout:
        """Read one layout folder again and put it in place of the old one (``renderer serve
        --dev``); raises LayoutError and keeps the old one when the folder is broken."""
        layout = _load_layout(directory)
        self._layouts[layout.id] = layout
        self._layouts = dict(sorted(self._layouts.items()))
        return layout

    def ids(self) -> list[str]:
        return list(self._layouts)
