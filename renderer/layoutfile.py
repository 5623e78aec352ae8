"""The model of a layout's ``layout.toml``: every key a layout may have, its type and range.

A wrong key or value is a ``LayoutError`` naming the file and the key
(``templates/x/layout.toml: page.height_mm: …``); the registry turns the validated file
into a ``Layout``. Unknown keys are refused, so a misspelt key never silently means its
default.
"""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .validation import LayoutData

SCHEMA_PACKAGE = "renderer.schemas"
MAX_PAGE_MM = 2000
MAX_BLEED_MM = 10
BoxMember = Literal["x", "y", "width", "height"]
BOX_MEMBERS: tuple[BoxMember, ...] = ("x", "y", "width", "height")

Name = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
Prose = Annotated[str, Field(min_length=1)]
Millimetres = Annotated[float, Field(gt=0, le=MAX_PAGE_MM)]


class LayoutError(RuntimeError):
    """A layout folder is incomplete or inconsistent (its ``layout.toml`` among others)."""


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Titles(_Table):
    sl: Prose
    it: Prose
    hu: Prose


class PageTable(_Table):
    """``[page]``: the trim size; ``height_mm = "auto"`` (with ``max_height_mm``) for a page
    whose height follows its content."""

    width_mm: Millimetres
    height_mm: Millimetres | Literal["auto"]
    max_height_mm: Millimetres | None = None
    safe_mm: float = Field(3.0, ge=0, le=50)

    @model_validator(mode="after")
    def _height(self) -> PageTable:
        if (self.height_mm == "auto") != (self.max_height_mm is not None):
            raise ValueError('max_height_mm is given exactly when height_mm is "auto"')
        return self


class NumberTable(_Table):
    """Where a repeated page's number goes (mm from the top left)."""

    x_mm: float = Field(ge=0, le=MAX_PAGE_MM)
    baseline_mm: float = Field(ge=0, le=MAX_PAGE_MM)
    size_pt: float = Field(gt=0, le=72)
    align: Literal["left", "center", "right"] = "center"
    bold: bool = False


class RequestPageTable(_Table):
    """``[[assembly.request_pages]]``: a rendered page (1-based) that depends on the request,
    drawn per request by another layout (whose data model is the book's or a base of it)."""

    page: int = Field(ge=1)
    layout: Annotated[str, Field(pattern=r"^[a-z0-9-]+(\.[a-z0-9-]+)*$", max_length=80)]


class AssemblyTable(_Table):
    """``[assembly]``: a book whose repeated pages are rendered once (renderer/press/book.py);
    without ``count`` the request's data says how many (``repeat_count``); ``bound`` false: a
    page or spread delivered alone, numbered from the data's ``first_number``."""

    front: int = Field(ge=0)
    repeat: int = Field(ge=1, le=2)
    back: int = Field(ge=0)
    numbers: list[NumberTable]
    count: int | None = Field(None, ge=1, le=10000)
    number_start: int = Field(1, ge=0)
    bound_separately: int = Field(
        0, ge=0
    )  # the first pages that are not the block (cover, endpaper)
    bound: bool = True
    request_pages: list[RequestPageTable] = []

    @model_validator(mode="after")
    def _one_number_per_page(self) -> AssemblyTable:
        if len(self.numbers) != self.repeat:
            raise ValueError(f"numbers: give one position per repeated page ({self.repeat})")
        rendered = self.front + self.repeat + self.back
        for own in self.request_pages:
            if (
                own.page > self.front
                and own.page <= self.front + self.repeat
                or own.page > rendered
            ):
                raise ValueError(
                    f"request_pages: page {own.page} is not a front or back page (1–{rendered})"
                )
        return self


class PrescribedTable(_Table):
    """``[[prescribed]]``: a size the regulation prescribes, checked in the output (the
    studio's inspector): ``box`` is x, y, width, height in mm from the trim box's top left
    on ``page`` (1-based; negative counts from the end)."""

    name: Prose
    box: list[float] = Field(min_length=4, max_length=4)
    page: int = 1
    checks: list[BoxMember] = Field(default_factory=lambda: list(BOX_MEMBERS), min_length=1)
    kind: Literal["box", "page"] = "box"

    @field_validator("box")
    @classmethod
    def _positive_size(cls, box: list[float]) -> list[float]:
        if min(box[2:]) <= 0:
            raise ValueError("width and height must be positive")
        return box

    @field_validator("page")
    @classmethod
    def _not_zero(cls, page: int) -> int:
        if page == 0:
            raise ValueError("pages count from 1 (or from -1 at the end)")
        return page


class BarcodeTable(_Table):
    """``[[imprint.barcodes]]``: a barcode box of the imprint, named by the field its
    human-readable line is tagged with: the data field its bars encode and the fields the
    line reads (joined by a space)."""

    field: Annotated[str, Field(pattern=r"^/data/[a-z_]+$")]
    bars: Annotated[str, Field(pattern=r"^[a-z_]+$")]
    caption: list[Annotated[str, Field(pattern=r"^[a-z_]+$")]] = Field(min_length=1)


class ImprintTable(_Table):
    """``[imprint]``: the layout's variable layer can be drawn per record without a layout
    (renderer/press/imprint.py), so a batch may ask ``output=layers``."""

    barcodes: list[BarcodeTable] = []


class CellsTable(_Table):
    """``[cells]``: the layout's pages are the blank pages of another layout (an
    ``[assembly]`` of one page or spread, drawn once) repeated, with the cells' text of the
    request written on them (renderer/press/register.py), not a table laid out per request."""

    blank: Annotated[str, Field(pattern=r"^[a-z0-9-]+(\.[a-z0-9-]+)*$")]


class LayoutFile(_Table):
    """The whole ``layout.toml``."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9-]+(\.[a-z0-9-]+)*$", max_length=80)]
    data_model: type[LayoutData] = Field(alias="schema")
    title: Titles
    page: PageTable
    source: Prose
    description: Prose
    pages: int = Field(1, ge=1, le=10000)
    variants: list[Name] = Field(default_factory=lambda: ["screen"], min_length=1)
    spot_variants: list[Name] | None = None  # default: the variant named print, if offered
    print_variants: list[Name] | None = None  # default: the spot variants
    shared_variants: list[Name] = []
    composite: dict[Name, list[Name]] = {}
    bleed_mm: float = Field(0.0, ge=0, le=MAX_BLEED_MM)
    assembly: AssemblyTable | None = None
    signed: bool = False
    text_formats: bool = False
    upload: Name | None = None
    attachment: Name | None = None
    placeable: bool = False
    layer_fields: list[Name] = []  # data fields the shared layers depend on (their edition)
    tagged: bool = False  # offered in pdfua-1, pdfa-2a and pdfa-3a (a document meant to be read)
    signature_appearance: bool = False
    imprint: ImprintTable | None = None
    cells: CellsTable | None = None
    prescribed: list[PrescribedTable] = []

    @field_validator("data_model", mode="before")
    @classmethod
    def _data_model(cls, value: Any) -> Any:
        """``module:Class`` in renderer/schemas/ → the class."""
        if not isinstance(value, str) or value.count(":") != 1:
            raise ValueError("must be 'module:Class', a data model in renderer/schemas/")
        module_name, class_name = value.split(":")
        try:
            module = importlib.import_module(f"{SCHEMA_PACKAGE}.{module_name}")
        except ImportError as exc:
            raise ValueError(f"no module {SCHEMA_PACKAGE}.{module_name} ({exc})") from None
        if not hasattr(module, class_name):
            raise ValueError(f"{SCHEMA_PACKAGE}.{module_name} has no class {class_name}")
        return getattr(module, class_name)

    @model_validator(mode="after")
    def _variants(self) -> LayoutFile:
        offered = set(self.variants)
        if len(offered) != len(self.variants):
            raise ValueError("variants: a variant is named twice")
        named = {
            "spot_variants": self.spot_variants or [],
            "print_variants": self.print_variants or [],
            "shared_variants": self.shared_variants,
            "composite": [*self.composite, *(v for pair in self.composite.values() for v in pair)],
        }
        for key, variants in named.items():
            unknown = sorted(set(variants) - offered)
            if unknown:
                raise ValueError(f"{key}: {', '.join(unknown)} not among the variants")
        for variant, layers in self.composite.items():
            if len(layers) != 2:
                raise ValueError(f"composite.{variant}: give [base layer, overlay layer]")
        return self

    @model_validator(mode="after")
    def _hooks(self) -> LayoutFile:
        """What the data model must provide for the keys given."""
        if self.assembly and self.assembly.count is None:
            if self.data_model.repeat_count is LayoutData.repeat_count:
                raise ValueError("assembly.count: without it the data model must give repeat_count")
        if self.imprint and not self.composite:
            raise ValueError("imprint: a layered batch needs a composite variant (the proof)")
        if self.cells and LayoutData.repeat_count in (
            self.data_model.repeat_count,
            self.data_model.first_number,
        ):
            raise ValueError(
                "cells: the data model must give repeat_count and first_number "
                "(the blank pages' repetitions and first number)"
            )
        for name in self.layer_fields:
            if name not in self.data_model.model_fields:
                raise ValueError(
                    f"layer_fields: {name} is not a field of {self.data_model.__name__}"
                )
        for barcode in self.imprint.barcodes if self.imprint else ():
            fields = self.data_model.model_fields
            for name in (barcode.bars, *barcode.caption):
                if name not in fields:
                    raise ValueError(
                        f"imprint.barcodes: {name} is not a field of {self.data_model.__name__}"
                    )
        return self


#: What pydantic adds to an error's location besides keys: the member of a union it tried.
_UNION_MEMBERS = {"float", "int", "str", "bool", "none", "list", "dict"}


def _key(location: tuple[int | str, ...]) -> str:
    """pydantic's error location as the key it names: ``prescribed[3].box``."""
    key = ""
    for part in location:
        if isinstance(part, int):
            key += f"[{part}]"
        elif part not in _UNION_MEMBERS and not any(c in part for c in "[-"):
            key += f".{part}" if key else part
    return key  # empty: the file as a whole (its message names the keys)


def read_layout_file(path: Path) -> LayoutFile:
    """``path`` read and validated; a ``LayoutError`` names the file and each wrong key."""
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LayoutError(f"{path}: {exc}") from exc
    try:
        return LayoutFile.model_validate(raw)
    except ValidationError as exc:
        problems: dict[str, list[str]] = {}  # a union's members fail separately: one key
        for error in exc.errors():
            reasons = problems.setdefault(_key(error["loc"]), [])
            if _message(error) not in reasons:
                reasons.append(_message(error))
        listed = "; ".join(
            f"{key}: {' or '.join(reasons)}" if key else " or ".join(reasons)
            for key, reasons in problems.items()
        )
        raise LayoutError(f"{path}: {listed}") from None


def _message(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "is not a layout.toml key"
    if error["type"] == "missing":
        return "is required"
    message = str(error["msg"]).removeprefix("Value error, ")
    return message[:1].lower() + message[1:]
