"""The layout registry: every folder under ``templates/`` with a ``layout.toml`` is a layout.

A layout is data: ``layout.toml`` (id, titles, page size, source articles, data model),
``template.html.j2`` and ``style.css`` beside it, and samples under ``samples/`` named
``<id>.json``, ``<id>.sl-it.json`` and ``<id>.sl-hu.json``. Nothing is registered by hand.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

from .layoutfile import MAX_PAGE_MM, LayoutError, LayoutFile, PageTable, read_layout_file
from .options import LANGUAGE_SETS
from .paths import SAMPLES_DIR, TEMPLATES_DIR
from .press.book import Assembly, NumberSpec
from .validation import LayoutData, request_json_schema

__all__ = [
    "Barcode",
    "Cells",
    "Imprint",
    "Layout",
    "LayoutError",
    "PageSize",
    "Prescribed",
    "Registry",
]


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
                f"page size {self.width_mm} x {self.height_mm or self.max_height_mm} mm "
                "is not plausible"
            )

    @property
    def auto_height(self) -> bool:
        return self.height_mm is None

    @property
    def tallest_mm(self) -> float:
        """The page's height, or the most it may grow to."""
        height = self.height_mm if self.height_mm is not None else self.max_height_mm
        assert height is not None  # __post_init__: exactly one of them
        return height

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
    itself; "box" is what is drawn inside the box (see renderer/studio/preview.py)."""

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
                f"prescribed {self.name!r}: kind box or page; "
                f"checks among {', '.join(self.MEMBERS)}"
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


def _prescribed(meta: LayoutFile, page: PageSize) -> tuple[Prescribed, ...]:
    """The layout's ``[[prescribed]]`` boxes; unless it names page sizes itself, every page is
    the size in ``[page]`` (only the width when the height follows the content)."""
    listed = tuple(
        Prescribed(
            entry.name,
            (entry.box[0], entry.box[1], entry.box[2], entry.box[3]),
            entry.page,
            tuple(entry.checks),
            entry.kind,
        )
        for entry in meta.prescribed
    )
    if any(p.kind == "page" for p in listed):
        return listed
    height = page.tallest_mm
    checks = ("width",) if page.auto_height else ("width", "height")
    return (Prescribed("page size", (0, 0, page.width_mm, height), None, checks, "page"), *listed)


@dataclass(frozen=True)
class Barcode:
    """A barcode box of an imprint (``[[imprint.barcodes]]``): ``field`` is the pointer its
    human-readable line is tagged with; the bars encode the data field ``bars``; the line
    reads the fields ``caption`` joined by a space."""

    field: str
    bars: str
    caption: tuple[str, ...]

    def symbol(self, data: LayoutData) -> str:
        return str(getattr(data, self.bars))  # a field of the data model (checked on load)

    def line(self, data: LayoutData) -> str:
        return " ".join(str(getattr(data, name)) for name in self.caption)


@dataclass(frozen=True)
class Imprint:
    """``[imprint]``: the variable layer can be drawn per record without a layout
    (renderer/press/imprint.py); a batch of the layout may then ask ``output=layers``."""

    barcodes: Mapping[str, Barcode]  # by the field their line is tagged with


@dataclass(frozen=True)
class Cells:
    """``[cells]``: the pages are ``blank``'s (a layout with an ``[assembly]`` of one page
    or spread) repeated, the request's cells written on them (renderer/press/register.py)."""

    blank: str


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
    tagged: bool  # meant to be read: also delivered tagged (pdfua-1, pdfa-2a, pdfa-3a)
    source: str  # the articles it implements
    description: str
    data_model: type[LayoutData]
    directory: Path
    prescribed: tuple[Prescribed, ...] = ()  # sizes to check in the output (the studio's inspector)
    safe_mm: float = 3.0  # the safe area's margin inside the trim (the studio's print view)
    signature_appearance: bool = False  # the appearance of a visible signature (one layout)
    imprint: Imprint | None = None  # its variable layer drawn without a layout (output=layers)
    cells: Cells | None = None  # its pages another layout's, its cells written on them

    @property
    def template_name(self) -> str:
        return f"{self.id}/template.html.j2"

    @property
    def stylesheet(self) -> Path:
        return self.directory / "style.css"

    def sample_path(self, languages: tuple[str, ...]) -> Path:
        """``samples/<id>[.sl-it|.sl-hu].json``, or the same file beside ``layout.toml`` (a
        layout folder kept on its own, e.g. in a designer's OBRAZCI_TEMPLATES_DIR)."""
        suffix = "" if languages == ("sl",) else "." + "-".join(languages)
        own = self.directory / f"{self.id}{suffix}.json"
        return own if own.is_file() else SAMPLES_DIR / own.name

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
            "tagged": self.tagged,
            "source": self.source,
            "description": self.description,
        }


def _page_size(page: PageTable) -> PageSize:
    if isinstance(page.height_mm, str):  # "auto"
        return PageSize(page.width_mm, None, page.max_height_mm)
    return PageSize(page.width_mm, page.height_mm)


def _assembly(meta: LayoutFile) -> Assembly | None:
    table = meta.assembly
    if table is None:
        return None
    numbers = tuple(NumberSpec(**number.model_dump()) for number in table.numbers)
    return Assembly(
        table.front,
        table.repeat,
        table.back,
        numbers,
        table.count,
        table.number_start,
        table.bound_separately,
        table.bound,
        tuple((own.page - 1, own.layout) for own in table.request_pages),
    )


def _imprint(meta: LayoutFile) -> Imprint | None:
    if meta.imprint is None:
        return None
    barcodes = {b.field: Barcode(b.field, b.bars, tuple(b.caption)) for b in meta.imprint.barcodes}
    return Imprint(MappingProxyType(barcodes))


def _load_layout(directory: Path) -> Layout:
    meta_path = directory / "layout.toml"
    meta = read_layout_file(meta_path)
    spot_variants = (
        meta.spot_variants
        if meta.spot_variants is not None
        else [v for v in meta.variants if v == "print"]
    )
    page = _page_size(meta.page)
    layout = Layout(
        id=meta.id,
        titles=MappingProxyType(meta.title.model_dump()),
        page=page,
        pages=meta.pages,
        variants=tuple(meta.variants),
        spot_variants=tuple(spot_variants),
        print_variants=tuple(
            meta.print_variants if meta.print_variants is not None else spot_variants
        ),
        bleed_mm=meta.bleed_mm,
        shared_variants=tuple(meta.shared_variants),
        composite=MappingProxyType({k: (v[0], v[1]) for k, v in meta.composite.items()}),
        assembly=_assembly(meta),
        signed=meta.signed,
        text_formats=meta.text_formats,
        upload=meta.upload,
        attachment=meta.attachment,
        placeable=meta.placeable,
        tagged=meta.tagged,
        layer_fields=tuple(meta.layer_fields),
        source=meta.source,
        description=meta.description,
        data_model=meta.data_model,
        directory=directory,
        prescribed=_prescribed(meta, page),
        safe_mm=meta.page.safe_mm,
        signature_appearance=meta.signature_appearance,
        imprint=_imprint(meta),
        cells=Cells(meta.cells.blank) if meta.cells else None,
    )
    if layout.id != directory.name:
        raise LayoutError(f"{meta_path}: id: {layout.id!r} differs from its folder name")
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
        for layout in layouts:
            self._check_request_pages(layout)
            self._check_cells(layout)
        if sum(layout.signature_appearance for layout in layouts) > 1:
            raise LayoutError(f"{root}: more than one layout has signature_appearance = true")

    def _check_request_pages(self, layout: Layout) -> None:
        """A book's request pages are drawn by a layout there is, from the book's data."""
        for _, page_layout_id in layout.assembly.request_pages if layout.assembly else ():
            page_layout = self._layouts.get(page_layout_id)
            if page_layout is None or not issubclass(layout.data_model, page_layout.data_model):
                raise LayoutError(
                    f"layout {layout.id}: assembly.request_pages: {page_layout_id} is not a "
                    f"layout whose data model {layout.data_model.__name__} is or extends"
                )

    def _check_cells(self, layout: Layout) -> None:
        """A register's blank pages are a layout there is, one page or spread drawn once."""
        if layout.cells is None:
            return
        blank = self._layouts.get(layout.cells.blank)
        if blank is None or blank.assembly is None or blank.assembly.bound:
            raise LayoutError(
                f"layout {layout.id}: cells.blank: {layout.cells.blank} is not a layout "
                "with an [assembly] of one page or spread (bound = false)"
            )

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
        self._check_request_pages(layout)
        self._check_cells(layout)
        self._layouts[layout.id] = layout
        self._layouts = dict(sorted(self._layouts.items()))
        return layout

    def ids(self) -> list[str]:
        return list(self._layouts)

    def signature_appearance(self) -> Layout:
        """The layout a visible signature's appearance is rendered with: the one whose
        layout.toml has ``signature_appearance = true``."""
        marked = [layout for layout in self if layout.signature_appearance]
        if not marked:
            raise LayoutError("no layout has signature_appearance = true in its layout.toml")
        return marked[0]
