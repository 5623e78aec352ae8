"""Imposition: a document's pages placed on press sheets (pikepdf, no re-rendering).

Each source page becomes one Form XObject (its drawing, bleed included) that a sheet draws
with ``cm`` where a slot is, clipped to the item's trim plus the bleed that fits in the gap.
The slots form one grid centred on the sheet: as many items as fit inside the sheet's edge,
the marks' zone and, below the grid, the slug line; rotated by 90 degrees when more fit that
way. Crop marks (registration colour) sit outside the grid on every trim line.

- ``n-up``: pages in order, sheet by sheet, each sheet's slots in reading order.
- ``cut-and-stack``: the stacks cut from the printed pile are put on top of each other in
  slot order and read in order: slot ``s`` of sheet ``i`` carries page ``s * sheets + i``.

The slug line (job, sheet n/N, the records on the sheet) is written below the grid in the
project's font, embedded for it (``fonts``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO

import pikepdf

from ..units import PT_PER_MM
from .fonts import SlugFont
from .printready import (
    MARK_GAP_MM,
    MARK_LENGTH_MM,
    REGISTRATION,
    crop_marks,
    numbers,
    registration_colour,
)

SHEETS: dict[str, tuple[float, float]] = {
    "SRA3": (320.0, 450.0),
    "SRA4": (225.0, 320.0),
    "A3": (297.0, 420.0),
}
MODES = ("n-up", "cut-and-stack")
EDGE_MM = 2.0  # nothing is printed closer to the sheet's edge
SLUG_MM = 4.0  # the band of the slug line, below the grid's marks
SLUG_PT = 6.0
MAX_JOB_LENGTH = 80
SIZE_TOLERANCE_MM = 0.1
FIT_SLACK_MM = 0.01


class ImpositionError(ValueError):
    """The pages cannot be imposed as asked (no fit, mixed sizes, a bad job name)."""


@dataclass(frozen=True)
class Imposition:
    """How to impose: the mode, the press sheet (portrait size, mm), crop marks, and the gap
    between trimmed items (the bleed shown is at most half of it, so no item's bleed
    reaches another's trim)."""

    mode: str = "n-up"
    sheet: str = "SRA3"
    marks: bool = True
    gap_mm: float = 6.0

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ImpositionError(f"mode must be one of {', '.join(MODES)}")
        if self.sheet not in SHEETS:
            raise ImpositionError(f"sheet must be one of {', '.join(SHEETS)}")
        if not 0 <= self.gap_mm <= 50:
            raise ImpositionError("gap_mm must be between 0 and 50")

    @property
    def sheet_mm(self) -> tuple[float, float]:
        return SHEETS[self.sheet]


@dataclass(frozen=True)
class Placement:
    """One item on a sheet: sheet, slot and source page (all from 0), and where the item's
    trimmed top left corner is, in mm from the sheet's top left."""

    sheet: int
    slot: int
    page: int
    x_mm: float
    y_mm: float
    rotated: bool


@dataclass(frozen=True)
class Grid:
    """The slots of a sheet: ``columns`` x ``rows`` items of ``width_mm`` x ``height_mm``
    (as placed, i.e. after rotation) whose grid's top left trim corner is at ``left_mm``,
    ``top_mm``."""

    columns: int
    rows: int
    rotated: bool
    width_mm: float
    height_mm: float
    gap_mm: float
    left_mm: float
    top_mm: float

    @property
    def slots(self) -> int:
        return self.columns * self.rows

    def slot_mm(self, slot: int) -> tuple[float, float]:
        row, column = divmod(slot, self.columns)
        return (
            self.left_mm + column * (self.width_mm + self.gap_mm),
            self.top_mm + row * (self.height_mm + self.gap_mm),
        )

    @property
    def right_mm(self) -> float:
        return self.left_mm + self.columns * self.width_mm + (self.columns - 1) * self.gap_mm

    @property
    def bottom_mm(self) -> float:
        return self.top_mm + self.rows * self.height_mm + (self.rows - 1) * self.gap_mm


@dataclass(frozen=True)
class Imposed:
    pdf: bytes
    sheets: int
    placements: tuple[Placement, ...]
    grid: Grid


def plan(item_mm: tuple[float, float], bleed_mm: float, imposition: Imposition) -> Grid:
    """The grid for items of ``item_mm`` (trimmed) with ``bleed_mm`` on the sheet."""
    shown = min(bleed_mm, imposition.gap_mm / 2)
    zone = shown + (MARK_GAP_MM + MARK_LENGTH_MM if imposition.marks else 0)
    sheet_w, sheet_h = imposition.sheet_mm
    room_w = sheet_w - 2 * (EDGE_MM + zone)
    room_h = sheet_h - 2 * (EDGE_MM + zone) - SLUG_MM
    gap = imposition.gap_mm

    def fit(
        room: float, size: float
    ) -> int:  # a hundredth of a mm of slack: A4 2-up on SRA3 fits exactly
        return max(0, math.floor((room + gap + FIT_SLACK_MM) / (size + gap)))

    options = []
    for rotated in (False, True):
        w, h = (item_mm[1], item_mm[0]) if rotated else item_mm
        options.append(
            (fit(room_w, w) * fit(room_h, h), not rotated, fit(room_w, w), fit(room_h, h), w, h)
        )
    count, unrotated, columns, rows, w, h = max(options)
    if count == 0:
        raise ImpositionError(
            f"a {item_mm[0]:g} x {item_mm[1]:g} mm item does not fit on {imposition.sheet}"
        )
    grid_w, grid_h = columns * w + (columns - 1) * gap, rows * h + (rows - 1) * gap
    return Grid(
        columns,
        rows,
        not unrotated,
        w,
        h,
        gap,
        (sheet_w - grid_w) / 2,
        EDGE_MM + zone + (room_h - grid_h) / 2,
    )


def _trim_and_bleed(page: pikepdf.Page) -> tuple[tuple[float, ...], float]:
    trim = tuple(float(v) for v in page.obj.get("/TrimBox", page.MediaBox))
    bleed_box = [float(v) for v in page.obj.get("/BleedBox", trim)]
    bleed = min(
        trim[0] - bleed_box[0],
        trim[1] - bleed_box[1],
        bleed_box[2] - trim[2],
        bleed_box[3] - trim[3],
    )
    return trim, max(bleed, 0.0)


def _record_text(records: list[int]) -> str:
    records = sorted(records)
    if records == list(range(records[0], records[-1] + 1)):
        return (
            f"record {records[0]}" if len(records) == 1 else f"records {records[0]}–{records[-1]}"
        )
    if len(records) <= 12:
        return "records " + ", ".join(str(r) for r in records)
    return f"records {records[0]}…{records[-1]} ({len(records)})"


def _order(mode: str, pages: int, slots: int) -> list[list[int | None]]:
    """The source page of each slot of each sheet (None: empty)."""
    sheets = math.ceil(pages / slots)
    if mode == "n-up":
        index = lambda sheet, slot: sheet * slots + slot  # noqa: E731
    else:
        index = lambda sheet, slot: slot * sheets + sheet  # noqa: E731
    return [
        [index(i, s) if index(i, s) < pages else None for s in range(slots)] for i in range(sheets)
    ]


def _n(value: float) -> bytes:
    return b"%.4f" % value


def impose(
    pdf: bytes, imposition: Imposition, job: str, page_records: Sequence[int] | None = None
) -> Imposed:
    """The pages of ``pdf`` (one trimmed size) imposed on sheets. ``page_records``: the
    record number each source page belongs to, shown in the slug line (default: the page
    numbers from 1). A PDF/X source stays PDF/X: its output intent and metadata are kept,
    each form keeps its page's resources (with their ``DefaultRGB``), and the sheets add
    only DeviceGray text and registration marks."""
    if not job or len(job) > MAX_JOB_LENGTH or not job.isprintable():
        raise ImpositionError(f"job must be 1 to {MAX_JOB_LENGTH} printable characters")
    with pikepdf.open(BytesIO(pdf)) as doc:
        sources = list(doc.pages)
        if not sources:
            raise ImpositionError("the document has no pages")
        records = (
            list(page_records) if page_records is not None else list(range(1, len(sources) + 1))
        )
        if len(records) != len(sources):
            raise ImpositionError(
                f"page_records has {len(records)} entries for {len(sources)} pages"
            )
        if any(int(page.obj.get("/Rotate", 0)) % 360 for page in sources):
            raise ImpositionError("pages with /Rotate are not imposed: render them upright")
        trim, bleed = _trim_and_bleed(sources[0])
        for page in sources[1:]:
            other, other_bleed = _trim_and_bleed(page)
            if any(
                abs((a1 - a0) - (b1 - b0)) / PT_PER_MM > SIZE_TOLERANCE_MM
                for a0, a1, b0, b1 in (
                    (trim[0], trim[2], other[0], other[2]),
                    (trim[1], trim[3], other[1], other[3]),
                )
            ):
                raise ImpositionError(
                    "the pages differ in trimmed size: impose each size on its own"
                )
            bleed = min(bleed, other_bleed)
        item = (
            round((trim[2] - trim[0]) / PT_PER_MM, 3),
            round((trim[3] - trim[1]) / PT_PER_MM, 3),
        )
        grid = plan(item, bleed / PT_PER_MM, imposition)
        layout = _order(imposition.mode, len(sources), grid.slots)
        forms = []
        for page in sources:
            page_trim, _ = _trim_and_bleed(page)
            form = page.as_form_xobject()
            form.BBox = page.obj.get("/BleedBox", page.MediaBox)
            forms.append((doc.make_indirect(form), page_trim))
        slug_texts = [
            f"{job}   sheet {i + 1}/{len(layout)}   "
            + _record_text([records[p] for p in sheet if p is not None])
            for i, sheet in enumerate(layout)
        ]
        try:
            font = SlugFont(doc, "".join(slug_texts))
        except ValueError as exc:
            raise ImpositionError(f"job: {exc}") from None
        placements = _draw_sheets(
            doc,
            imposition,
            grid,
            layout,
            forms,
            (font, slug_texts),
            min(bleed, imposition.gap_mm / 2 * PT_PER_MM),
        )
        for _ in sources:
            del doc.pages[0]
        out = BytesIO()
        doc.save(out, compress_streams=True, deterministic_id=True)
        return Imposed(out.getvalue(), len(layout), tuple(placements), grid)


def _draw_sheets(doc, imposition, grid, layout, forms, slugs, shown_pt) -> list[Placement]:
    """Append one page per sheet: its items, slug line and crop marks."""
    font, slug_texts = slugs
    sheet_w, sheet_h = (v * PT_PER_MM for v in imposition.sheet_mm)
    w, h = grid.width_mm * PT_PER_MM, grid.height_mm * PT_PER_MM
    registration = registration_colour(doc) if imposition.marks else None
    marks = b""
    if imposition.marks:
        xs, ys = set(), set()
        for slot in range(grid.slots):
            x, y = grid.slot_mm(slot)
            xs |= {round(x * PT_PER_MM, 4), round(x * PT_PER_MM + w, 4)}
            ys |= {round(sheet_h - y * PT_PER_MM, 4), round(sheet_h - y * PT_PER_MM - h, 4)}
        extent = (
            grid.left_mm * PT_PER_MM,
            sheet_h - grid.bottom_mm * PT_PER_MM,
            grid.right_mm * PT_PER_MM,
            sheet_h - grid.top_mm * PT_PER_MM,
        )
        marks = crop_marks(sorted(xs), sorted(ys), extent, shown_pt)
    slug_top = (
        grid.bottom_mm
        + shown_pt / PT_PER_MM
        + (MARK_GAP_MM + MARK_LENGTH_MM if imposition.marks else 0)
    )
    baseline = sheet_h - (slug_top + SLUG_MM * 0.75) * PT_PER_MM
    placements = []
    for index, sheet in enumerate(layout):
        content, xobjects = [], pikepdf.Dictionary()
        for slot, source in enumerate(sheet):
            if source is None:
                continue
            form, trim = forms[source]
            name = f"/P{source}"
            xobjects[name] = form
            x_mm, y_mm = grid.slot_mm(slot)
            x, y = x_mm * PT_PER_MM, sheet_h - y_mm * PT_PER_MM - h  # the slot's lower left
            if grid.rotated:  # 90 degrees anticlockwise: the page's bottom edge on the right
                matrix = (0, 1, -1, 0, x + trim[1] + (trim[3] - trim[1]), y - trim[0])
            else:
                matrix = (1, 0, 0, 1, x - trim[0], y - trim[1])
            content.append(
                b"q "
                + b" ".join(
                    _n(v) for v in (x - shown_pt, y - shown_pt, w + 2 * shown_pt, h + 2 * shown_pt)
                )
                + b" re W n "
                + b" ".join(_n(v) for v in matrix)
                + b" cm "
                + name.encode()
                + b" Do Q\n"
            )
            placements.append(
                Placement(index, slot, source, round(x_mm, 3), round(y_mm, 3), grid.rotated)
            )
        text = slug_texts[index]  # from the grid's left edge, further left if it is long, smaller
        room = sheet_w - 2 * EDGE_MM * PT_PER_MM  # if it is longer than the sheet is wide
        size = min(SLUG_PT, SLUG_PT * room / font.width_pt(text, SLUG_PT))
        left = max(
            EDGE_MM * PT_PER_MM,
            min(
                grid.left_mm * PT_PER_MM, sheet_w - EDGE_MM * PT_PER_MM - font.width_pt(text, size)
            ),
        )
        content.append(
            b"q 0 g BT /Slug %s Tf %s %s Td %s Tj ET Q\n"
            % (_n(size), _n(left), _n(baseline), font.show(text))
        )
        content.append(marks)
        resources = pikepdf.Dictionary(XObject=xobjects, Font=pikepdf.Dictionary(Slug=font.font))
        if registration is not None:
            resources.ColorSpace = pikepdf.Dictionary({REGISTRATION: registration})
        box = numbers(0, 0, sheet_w, sheet_h)
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=box,
            CropBox=box,
            BleedBox=box,
            TrimBox=box,
            Resources=resources,
            Contents=doc.make_stream(b"".join(content)),
        )
        doc.pages.append(pikepdf.Page(doc.make_indirect(page)))
    return placements
