"""The overflow check: after layout, every value must lie inside its box.

Templates mark boxes with ``data-fit`` (a fixed-size area) and values with ``data-field``
(the JSON pointer of the request member, see ``compose.field``). Any text that ends up
outside its box, or past the page, is reported against the field it came from; a fixed
text that does not fit is a defect of the layout and raises ``LayoutOverflow``. Every table
cell is a box too: a column header wider than its column crosses the rule beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from weasyprint.formatting_structure import boxes

from . import weasycompat
from .units import MM_PER_PX
from .validation import FieldError

#: Boxes that can be a fixed area (a block, flex or grid container, a table cell).
AREA_BOXES = (boxes.BlockContainerBox, boxes.FlexContainerBox, boxes.GridContainerBox)
TOLERANCE_PX = 0.05


class LayoutOverflow(RuntimeError):
    """Fixed wording of a layout does not fit: a bug in the template, not in the request."""


@dataclass(frozen=True)
class Rect:
    x0: float
    y0: float
    x1: float
    y1: float

    def contains(self, other: Rect) -> bool:
        return (
            other.x0 >= self.x0 - TOLERANCE_PX
            and other.y0 >= self.y0 - TOLERANCE_PX
            and other.x1 <= self.x1 + TOLERANCE_PX
            and other.y1 <= self.y1 + TOLERANCE_PX
        )

    def describe(self) -> str:
        return f"{(self.x1 - self.x0) * MM_PER_PX:.1f} x {(self.y1 - self.y0) * MM_PER_PX:.1f} mm"


def _content_rect(box) -> Rect:
    x, y = box.content_box_x(), box.content_box_y()
    return Rect(x, y, x + box.width, y + box.height)


def _cell_rect(box) -> Rect:
    """A table cell's padding box: text may use the padding, not cross the cell's rules."""
    x, y = box.padding_box_x(), box.padding_box_y()
    return Rect(x, y, x + box.padding_width(), y + box.padding_height())


def _text_rect(box, line) -> Rect:
    """Horizontal extent of the text, vertical extent of its line (the line height, not the
    font's ascent and descent, is what the layout reserves for it)."""
    return Rect(
        box.position_x, line.position_y, box.position_x + box.width, line.position_y + line.height
    )


@dataclass(frozen=True)
class Overflow:
    """Where a text overflows its box, for the studio to draw: the box and the union of the
    text that lies outside it, in mm from the page's top left; ``lines_over`` counts the
    lines that start below the box."""

    pointer: str | None  # the field; None for fixed text of the layout
    text: str
    page: int  # 1-based
    box: Rect
    ink: Rect
    lines_over: int

    def excess_mm(self) -> dict:
        return {
            "right": max(0.0, self.ink.x1 - self.box.x1) * MM_PER_PX,
            "left": max(0.0, self.box.x0 - self.ink.x0) * MM_PER_PX,
            "bottom": max(0.0, self.ink.y1 - self.box.y1) * MM_PER_PX,
            "top": max(0.0, self.box.y0 - self.ink.y0) * MM_PER_PX,
        }

    def as_json(self) -> dict:
        def mm(r: Rect) -> dict:
            return {
                "x": round(r.x0 * MM_PER_PX, 2),
                "y": round(r.y0 * MM_PER_PX, 2),
                "width": round((r.x1 - r.x0) * MM_PER_PX, 2),
                "height": round((r.y1 - r.y0) * MM_PER_PX, 2),
            }

        excess = {k: round(v, 1) for k, v in self.excess_mm().items() if v >= 0.05}
        return {
            "pointer": self.pointer,
            "text": self.text[:80],
            "page": self.page,
            "box": mm(self.box),
            "ink": mm(self.ink),
            "excess_mm": excess,
            "lines_over": self.lines_over,
        }


@dataclass(frozen=True)
class FitReport:
    errors: list[FieldError]
    checked: frozenset[str]  # pointers of every value whose text was measured
    overflows: tuple[Overflow, ...] = ()


def check_overflow(document, expected_pages: int, refuse_layout_bugs: bool = True) -> FitReport:
    """Field errors for every value outside its box; raises for fixed text that overflows
    (unless ``refuse_layout_bugs`` is false: the studio draws it)."""
    errors: dict[str, FieldError] = {}
    layout_bugs: list[str] = []
    checked: set[str] = set()
    outside: dict[
        tuple, list
    ] = {}  # (field or text, page, box) → [ink rect, lines below the box, text]
    page_number = 0

    def visit(
        box, container: Rect, limit: str, field: str | None, element_ids: frozenset, line=None
    ):
        box = weasycompat.placed(box)  # positioned boxes sit behind a placeholder
        element = box.element
        if isinstance(box, boxes.TableCellBox):
            container, limit = _cell_rect(box), "its table cell"
        if element is not None and id(element) not in element_ids:
            element_ids = element_ids | {id(element)}
            if element.get("data-field") is not None:
                field = element.get("data-field")
            if element.get("data-fit") is not None and isinstance(box, AREA_BOXES):
                container = _content_rect(box)
                limit = element.get("data-fit") or container.describe()
        if isinstance(box, boxes.LineBox):
            line = box
        if isinstance(box, boxes.TextBox) and box.text.strip():
            if field is not None:
                checked.add(field)
            text_rect = _text_rect(box, line)
            if not container.contains(text_rect):
                if field is None:
                    layout_bugs.append(f"fixed text {box.text!r} does not fit {limit}")
                elif field not in errors:
                    errors[field] = FieldError(field, f"does not fit its box ({limit}); shorten it")
                key = (field if field is not None else box.text.strip(), page_number, container)
                seen = outside.setdefault(key, [text_rect, set(), box.text.strip()])
                seen[0] = Rect(
                    min(seen[0].x0, text_rect.x0),
                    min(seen[0].y0, text_rect.y0),
                    max(seen[0].x1, text_rect.x1),
                    max(seen[0].y1, text_rect.y1),
                )
                if text_rect.y0 >= container.y1 - TOLERANCE_PX:
                    seen[1].add(round(text_rect.y0, 1))
        if isinstance(box, boxes.ParentBox):
            for child in box.all_children():
                visit(child, container, limit, field, element_ids, line)

    for index, page in enumerate(document.pages, 1):
        page_number = index  # read by visit(): what it reports is keyed by page
        page_box = weasycompat.page_box(page)
        page_rect = Rect(0, 0, page.width, page.height)
        visit(page_box, page_rect, "the page", None, frozenset())
    if layout_bugs and refuse_layout_bugs:
        raise LayoutOverflow("; ".join(layout_bugs))
    result = list(errors.values())
    if len(document.pages) > expected_pages and not result:
        result.append(
            FieldError("/data", f"the content needs more than {expected_pages} page(s); shorten it")
        )
    overflows = tuple(
        Overflow(key[0] if key[0] in errors else None, text, key[1], key[2], ink, len(lines))
        for key, (ink, lines, text) in outside.items()
    )
    return FitReport(result, frozenset(checked), overflows)
