"""The printed register (``certification-book.register``) drawn directly: the blank spread's
cached layer repeated and numbered as the book's assembly does (``book.assemble``), and on
each page the text of its entries' cells written as content-stream operators, without a
WeasyPrint table layout per request.

Nothing about the wording is restated here: per request the layout's template is composed
as for WeasyPrint, and each cell's text is read from the composed HTML (``cells``: the
``div.cell`` elements of each page's section, in document order; their text and the
inline ``span`` elements that carry a value's field or a word's language; anything else
in a cell is refused). Nothing about the geometry is restated either: where the cells
are is read once per language set from WeasyPrint's layout of the layout's sample (its
entries repeated to fill a spread; ``read_plan``): every cell's content box by page side,
row and column, the first line's top and baseline, the line pitch, the font size and the
cell's language, all read from the box tree; and the sample's lines are broken here and
compared with WeasyPrint's lines, cell by cell, before the plan is used.

Per cell the text is broken greedily at Pango's break opportunities (``shaping.
break_lines``, the envelope imprint's breaker), each text box shaped on its own with
HarfBuzz as Pango shapes it, and held to the pipeline's fit rule (``fit.Rect`` with its
tolerance, the same wording: a value that does not fit is a 422 naming
``/data/entries/N/field``; fixed wording that does not fit raises ``LayoutOverflow``).
The text is Noto Sans Regular (the imprint's Latin subset, or the whole face for a letter
outside it), embedded once per file with a CIDSet, so the pages stay PDF/A-1b.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from weasyprint.formatting_structure import boxes

from .. import weasycompat
from ..fit import LayoutOverflow, Rect
from ..layoutfile import LayoutError
from ..units import PT_PER_PX
from ..validation import FieldError
from .book import TEXT_FONT
from .shaping import Piece, Shaper, break_lines, shaper

CELL_CLASS = "cell"
TEXT = b"0 0 0 rg"  # as WeasyPrint writes black text (the press makes it K-only later)
SECTION = re.compile(r'<section class="page\b')
CELL = re.compile(r'<div class="cell"([^>]*)>(.*?)</div>', re.S)
TOKEN = re.compile(r"<span([^>]*)>|</span>|([^<]+)|(<)")
ATTRIBUTE = re.compile(r'([a-z-]+)(?:="([^"]*)")?')
SPACES = re.compile(r"[ \t\n\r\f]+")


@dataclass(frozen=True)
class Column:
    """A column of a page side: its cells' content box across, in CSS px from the page's
    left; ``limit``: what a value's error names (a ``data-fit`` cell), None: not checked."""

    x: float
    width: float
    limit: str | None


@dataclass(frozen=True)
class Side:
    """One page of the spread: its columns, and the top of each row's cells' content box."""

    columns: tuple[Column, ...]
    rows: tuple[float, ...]


@dataclass(frozen=True)
class Plan:
    """Where the cells are and how their text is set, read from one layout of the sample;
    lengths in CSS px from the page's top left, as WeasyPrint lays out."""

    width: float  # the page
    height: float
    sides: tuple[Side, ...]  # the pages of a spread, in order
    cell_height: float  # content box
    line_top: float  # the first line box's top, below the content box's top
    baseline: float  # the first line's baseline, below the content box's top
    pitch: float  # line height
    size: float  # font size
    language: str  # the cells' language (the document's): where lines may break

    def as_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, stored: dict) -> Plan:
        """A plan ``as_json`` wrote (the warm cache); a TypeError or KeyError if it is not one."""
        sides = tuple(
            Side(tuple(Column(**column) for column in side["columns"]), tuple(side["rows"]))
            for side in stored["sides"]
        )
        return cls(**{**stored, "sides": sides})


@dataclass(frozen=True)
class Segment:
    """A run of a cell's text in one inline box: the field it is tagged with (None: the
    layout's wording) and its language."""

    text: str
    field: str | None
    language: str


@dataclass(frozen=True)
class Cell:
    segments: tuple[Segment, ...]
    field: str | None  # the cell's own data-field
    fit: bool


@dataclass
class Drawn:
    """What one request's entries draw: a content stream per page (the page's drawing of
    the spread under it), the fields that do not fit, whether a letter is outside the
    prepared subset (the whole face is then embedded)."""

    pages: list[bytes]
    errors: list[FieldError]
    uncommon: bool


# --- the composed HTML ------------------------------------------------------------------


def _attributes(text: str) -> dict[str, str]:
    return {name: html.unescape(value or "") for name, value in ATTRIBUTE.findall(text)}


def cells(composed: str, language: str) -> list[list[Cell]]:
    """Each page's cells, in document order: the ``div.cell`` elements of each section of
    the composed register, their text as WeasyPrint collapses it (white-space: normal)."""
    pages = []
    for section in SECTION.split(composed)[1:]:
        page = []
        for match in CELL.finditer(section):
            own = _attributes(match[1])
            stack: list[tuple[str | None, str]] = [(own.get("data-field"), language)]
            segments: list[Segment] = []
            for token in TOKEN.finditer(match[2]):
                opening, text, other = token.groups()
                if other is not None:
                    raise LayoutError(
                        f"a register cell holds markup the register cannot draw: {match[0]!r}"
                    )
                if opening is not None:
                    attrs = _attributes(opening)
                    field, lang = stack[-1]
                    stack.append((attrs.get("data-field", field), attrs.get("lang", lang)))
                elif text is not None:
                    field, lang = stack[-1]
                    segments.append(Segment(html.unescape(text), field, lang))
                elif len(stack) > 1:
                    stack.pop()
            page.append(Cell(_collapsed(segments), own.get("data-field"), "data-fit" in own))
        pages.append(page)
    return pages


def _collapsed(segments: list[Segment]) -> tuple[Segment, ...]:
    """Runs of white space as one space, none at the start or the end (white-space: normal,
    across the inline boxes)."""
    out: list[Segment] = []
    space = True  # at the start: a leading space goes
    for segment in segments:
        text = SPACES.sub(" ", segment.text)
        if space and text.startswith(" "):
            text = text[1:]
        if text:
            space = text.endswith(" ")
            out.append(Segment(text, segment.field, segment.language))
    while out and out[-1].text.endswith(" "):
        last = out.pop()
        if last.text.rstrip(" "):
            out.append(Segment(last.text.rstrip(" "), last.field, last.language))
    return tuple(out)


# --- per request ------------------------------------------------------------------------


def lines(plan: Plan, font: Shaper, column: Column, cell: Cell) -> list[list[Piece]]:
    """The lines of a cell, each the pieces of its segments on it."""
    if not cell.segments:
        return []
    segments = [(segment.text, segment.language) for segment in cell.segments]
    return break_lines(font, segments, column.width * font.upem / plan.size, plan.language)


def draw(plan: Plan, font: Shaper, composed: str) -> Drawn:
    """The entries of a composed register drawn on ``plan``'s pages (see the module)."""
    height_pt = plan.height * PT_PER_PX
    size_pt = plan.size * PT_PER_PX
    scale = plan.size / font.upem
    errors: dict[str, FieldError] = {}
    uncommon = False
    contents = []
    for number, page in enumerate(cells(composed, plan.language)):
        side = plan.sides[number % len(plan.sides)]
        columns = len(side.columns)
        if len(page) % columns or len(page) // columns > len(side.rows):
            raise LayoutError(
                f"page {number + 1} of the register has {len(page)} cells, not rows of "
                f"{columns} (at most {len(side.rows)})"
            )
        out = [b"q", TEXT, b"BT", b"%s %g Tf" % (TEXT_FONT.encode(), size_pt)]
        for index, cell in enumerate(page):
            column, top = side.columns[index % columns], side.rows[index // columns]
            box = Rect(column.x, top, column.x + column.width, top + plan.cell_height)
            for row, line in enumerate(lines(plan, font, column, cell)):
                line_top = top + plan.line_top + row * plan.pitch
                y = height_pt - (top + plan.baseline + row * plan.pitch) * PT_PER_PX
                x = column.x
                for piece in line:
                    width = piece.run.width * scale
                    uncommon = uncommon or not piece.run.common
                    out.append(
                        b"1 0 0 1 %.3f %.3f Tm %s" % (x * PT_PER_PX, y, piece.run.operand(size_pt))
                    )
                    segment = cell.segments[piece.segment]
                    if piece.text.strip() and not _inside(
                        box, column, Rect(x, line_top, x + width, line_top + plan.pitch)
                    ):
                        limit = column.limit or box.describe()
                        if segment.field is None:
                            raise LayoutOverflow(f"fixed text {piece.text!r} does not fit {limit}")
                        errors.setdefault(
                            segment.field,
                            FieldError(
                                segment.field, f"does not fit its box ({limit}); shorten it"
                            ),
                        )
                    x += width
        out += [b"ET", b"Q"]
        contents.append(b"\n".join(out))
    return Drawn(contents, list(errors.values()), uncommon)


def _inside(box: Rect, column: Column, text: Rect) -> bool:
    """The fit check's rule for a text in a cell (a cell no value is checked in holds it
    anywhere)."""
    return column.limit is None or box.contains(text)


# --- reading the plan from one layout ---------------------------------------------------


def filled_sample(body: dict, rows: int) -> dict:
    """The sample with its entries repeated until the first spread is full: every row of
    both pages is then laid out, and read."""
    entries = body["data"]["entries"]
    body = {**body, "data": {**body["data"], "entries": list(entries)}}
    while len(body["data"]["entries"]) < rows:
        body["data"]["entries"].append(entries[len(body["data"]["entries"]) % len(entries)])
    return body


def _cell_boxes(box) -> Iterator:
    box = weasycompat.placed(box)
    element = box.element
    if (
        isinstance(box, boxes.BlockContainerBox)
        and element is not None
        and CELL_CLASS in (element.get("class") or "").split()
    ):
        yield box
    elif isinstance(box, boxes.ParentBox):
        for child in box.all_children():
            yield from _cell_boxes(child)


def _line_boxes(box) -> Iterator:
    for child in box.children:
        if isinstance(child, boxes.LineBox):
            yield child


def _texts(box) -> Iterator:
    if isinstance(box, boxes.TextBox):
        yield box
    elif isinstance(box, boxes.ParentBox):
        for child in box.children:
            yield from _texts(child)


def _near(a: float, b: float, tolerance: float = 1e-3) -> bool:
    return abs(a - b) <= tolerance


def read_plan(document, composed: str, spread_pages: int) -> Plan:
    """The plan of a register laid out by WeasyPrint (``document``, from the ``composed``
    HTML) whose first spread (``spread_pages`` pages) is full; refused (LayoutError) when
    the layout is not what the register draws, or when the lines broken here differ from
    WeasyPrint's."""
    if len(document.pages) < spread_pages:
        raise LayoutError("the register's sample does not fill a spread")
    laid = [list(_cell_boxes(weasycompat.page_box(page))) for page in document.pages]
    first = next(
        (box for page in laid for box in page if any(True for _ in _line_boxes(box))), None
    )
    if first is None:
        raise LayoutError("the register's sample has no text in its cells")
    line = next(_line_boxes(first))
    text = next(_texts(line))
    y0 = first.content_box_y()
    style = text.style
    language = style["lang"] or "sl"
    metrics = (
        line.position_y - y0,
        text.position_y + text.baseline - y0,
        line.height,
        style["font_size"],
    )
    sides = []
    for page in laid[:spread_pages]:
        xs = sorted({round(box.content_box_x(), 3) for box in page})
        ys = sorted({round(box.content_box_y(), 3) for box in page})
        if len(page) != len(xs) * len(ys):
            raise LayoutError("the register's cells are not a grid of rows and columns")
        columns = {}
        for box in page[: len(xs)]:
            element = box.element
            fit = element.get("data-fit")
            x, y = box.content_box_x(), box.content_box_y()
            limit = (
                (fit or Rect(x, y, x + box.width, y + box.height).describe())
                if fit is not None
                else None
            )
            columns[round(x, 3)] = Column(x, box.width, limit)
        sides.append(
            Side(
                tuple(columns[x] for x in xs),
                tuple(box.content_box_y() for box in page[:: len(xs)]),
            )
        )
    plan = Plan(
        document.pages[0].width,
        document.pages[0].height,
        tuple(sides),
        first.height,
        *metrics,
        language,
    )
    compare(plan, document, composed)
    return plan


def compare(plan: Plan, document, composed: str) -> None:
    """Every cell of a register as WeasyPrint laid it out (``document``, from the
    ``composed`` HTML) is where the plan puts it, set as the plan sets it, and broken into
    the same lines, each piece starting at the same place, as ``lines`` breaks it; a
    LayoutError names the first that is not."""
    font = shaper()
    laid = [list(_cell_boxes(weasycompat.page_box(page))) for page in document.pages]
    scale = plan.size / font.upem
    composed_cells = cells(composed, plan.language)
    if len(composed_cells) != len(laid):
        raise LayoutError("the register's sections are not its pages")
    for number, (page, boxes_) in enumerate(zip(composed_cells, laid, strict=True)):
        side = plan.sides[number % len(plan.sides)]
        if len(page) != len(boxes_):
            raise LayoutError(f"page {number + 1}: the composed cells are not the laid-out ones")
        for index, (cell, box) in enumerate(zip(page, boxes_, strict=True)):
            column = side.columns[index % len(side.columns)]
            top = side.rows[index // len(side.columns)]
            if not (
                _near(box.content_box_x(), column.x)
                and _near(box.content_box_y(), top)
                and _near(box.width, column.width)
                and _near(box.height, plan.cell_height)
            ):
                raise LayoutError(f"page {number + 1}: cell {index} is not in the register's grid")
            expected = []
            for row, line in enumerate(_line_boxes(box)):
                if not _near(line.position_y - top, plan.line_top + row * plan.pitch):
                    raise LayoutError(f"page {number + 1}: cell {index}: lines not evenly set")
                texts = [t for t in _texts(line) if t.text]
                for text in texts:
                    if (
                        text.style["font_size"] != plan.size
                        or text.style["text_align_all"] not in ("start", "left")
                        or not _near(
                            text.position_y + text.baseline - top, plan.baseline + row * plan.pitch
                        )
                    ):
                        raise LayoutError(
                            f"page {number + 1}: cell {index}: text not set as planned"
                        )
                expected.append([(round(t.position_x, 2), t.text) for t in texts])
            got = []
            for line in lines(plan, font, column, cell):
                x, found = column.x, []
                for piece in line:
                    found.append((round(x, 2), piece.text))
                    x += piece.run.width * scale
                got.append(found)
            if not _same(got, expected):
                raise LayoutError(
                    f"page {number + 1}: cell {index}: broken into {got}, "
                    f"WeasyPrint breaks it into {expected}"
                )


def _same(
    got: Sequence[list[tuple[float, str]]], expected: Sequence[list[tuple[float, str]]]
) -> bool:
    """The same lines, each the same texts starting at the same places (within 0.02 px)."""
    return len(got) == len(expected) and all(
        len(a) == len(b)
        and all(ta == tb and abs(xa - xb) <= 0.02 for (xa, ta), (xb, tb) in zip(a, b, strict=True))
        for a, b in zip(got, expected, strict=True)
    )
