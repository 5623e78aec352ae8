"""The variable imprint of personal-delivery envelopes, drawn directly: thousands of records
into one PDF without a WeasyPrint layout per envelope.

    imprint = EnvelopeImprint(pipeline, ("sl", "it"), bleed_mm=3, envelope_size="DL")
    imprint.check(request)    # → [FieldError, ...]: what the pipeline's fit check refuses
    imprint.write(requests)   # → PDF bytes: one page per record, in order

Each page is page 1 (the front) of ``Pipeline.render(envelope.personal-delivery,
variant="variable")`` for that record: the front carries all the variable data (page 2 and
page 3 of the variable variant are empty). Positions are not restated here: the variable
variant of the layout's sample is laid out by WeasyPrint once per language set and every
box, baseline, line height, font size and alignment is read from that layout tree, so the
imprint stays in register with the template by construction. Per record only the text runs
(shaped with HarfBuzz like Pango does, see ``fonts``) and the Code 128 bars
(``barcodes.Code128Symbol``) are written as content-stream operators, and the PDF is
written directly (no PDF library per page). The font, Noto Sans Regular as a CID TrueType
font with widths and ToUnicode (a Latin subset prepared once per process; the whole font
when a document holds a letter outside it), is one set of objects shared by all pages.

One imprint draws one edition (``envelope_size``: C5 or DL, whose fronts differ): its plan
is read from the sample set to that size, and a record of the other size is refused.

Boxes: MediaBox, CropBox, TrimBox and BleedBox as the pipeline's (229 x 282 mm for C5,
220 x 310 mm for DL); with
``bleed_mm`` the MediaBox (and BleedBox, CropBox) grows by the bleed on every side, the
TrimBox stays the envelope's, and the content moves by the bleed. Black is K-only
(DeviceCMYK 0 0 0 1) for text and bars alike.

Fit: a value in a ``data-fit`` box must lie inside it after line breaking (Pango's break
opportunities, greedy filling), exactly the pipeline's rule (``fit.Rect`` with its
tolerance) and wording; ``write`` refuses a record that ``check`` refuses.
"""

from __future__ import annotations

import re
import typing
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from weasyprint.formatting_structure import boxes

from .. import weasycompat
from ..barcodes import QUIET_MODULES, Code128Symbol
from ..finish import PRODUCER, utc
from ..fit import Rect
from ..pipeline import Pipeline
from ..registry import Imprint, Layout, LayoutError, Registry
from ..units import PT_PER_MM, PT_PER_PX
from ..validation import FieldError, InvalidRequest, LayoutData, ValidRequest, pointer
from .fonts import FontProgram, write_raw
from .rawpdf import RawPdf
from .shaping import Shaped, Shaper, break_lines, shaper

BLACK = b"0 0 0 1 k"  # K only: no rich black for text
ZLIB_LEVEL = 3
MEMO = 1024  # records whose layout check() keeps for write()
BARS = re.compile("1+")
SPACES = re.compile(" {2,}")

Values = Callable[[LayoutData], list[tuple[str, str]]]  # data → (JSON pointer, text) per item


@dataclass(frozen=True)
class TextSlot:
    """A box of text; lengths in CSS px from the page's top left, as WeasyPrint lays out."""

    values: Values
    x: float  # content box
    y: float
    width: float
    height: float
    line_top: float  # top of the first line box, below y
    baseline: float  # baseline of the first line, below y
    pitch: float  # line height
    size: float  # font size
    centred: bool
    limit: str | None  # a data-fit box: the size its error names; None: not checked
    language: str

    @property
    def box(self) -> Rect:
        return Rect(self.x, self.y, self.x + self.width, self.y + self.height)


@dataclass(frozen=True)
class BarSlot:
    """The box a Code 128 symbol fills, quiet zones included."""

    symbol: Callable[[LayoutData], str]
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Plan:
    """Where everything goes on the page, read from one layout of the sample."""

    width: float  # page, px
    height: float
    slots: tuple[TextSlot | BarSlot, ...]  # in the layout's order (the fit check's order)


class Line(NamedTuple):
    size_pt: float
    x: float  # pt from the left
    y: float  # pt from the bottom: the baseline
    run: Shaped


@dataclass
class Drawn:
    lines: list[Line]
    bars: list[tuple[BarSlot, str]]
    errors: list[FieldError]
    uncommon: bool  # a glyph outside the prepared subset: the whole font is embedded


class EnvelopeImprint:
    """The black variable layer of ``envelope.personal-delivery`` for one language set."""

    def __init__(
        self,
        pipeline: Pipeline,
        languages: tuple[str, ...],
        bleed_mm: float = 0.0,
        envelope_size: str = "C5",
        layout_id: str | None = None,
    ):
        if bleed_mm < 0:
            raise ValueError("bleed_mm must not be negative")
        self.languages = tuple(languages)
        self.envelope_size = envelope_size
        self.layout = imprinted_layout(pipeline.registry, layout_id)
        self.title = " / ".join(self.layout.titles[lang] for lang in self.languages)
        self.plan = read_plan(pipeline, self.layout, self.languages, envelope_size)
        self.font: Shaper = shaper()  # its subset built now, not in the first write
        self.bleed_pt = bleed_mm * PT_PER_MM
        self._bars: dict[str, tuple[int, bytes]] = {}
        self._memo: dict[int, tuple[ValidRequest, Drawn]] = {}

    # --- per record -----------------------------------------------------------------

    def check(self, request: ValidRequest) -> list[FieldError]:
        """What does not fit its box, as the pipeline's fit check reports it; [] if all fits;
        a record of another envelope size than this imprint's is refused at its size."""
        asked = getattr(request.data, "envelope_size", "C5")  # the envelope's sizes (P 28(3))
        if asked != self.envelope_size:
            return [
                FieldError(
                    "/data/envelope_size",
                    f"this imprint prints {self.envelope_size} envelopes, "
                    f"the record asks for {asked}",
                )
            ]
        return self._drawn(request).errors

    def write(self, requests: Sequence[ValidRequest]) -> bytes:
        """One PDF, one page per record, in order; a record ``check`` refuses raises
        ``InvalidRequest`` (its pointers are the record's own)."""
        if not requests:
            raise ValueError("no records to write")
        drawn = []
        uncommon = False
        for request in requests:
            errors = self.check(request)
            if errors:
                raise InvalidRequest(errors)
            record = self._drawn(request)
            drawn.append(record)
            uncommon = uncommon or record.uncommon
        program = self.font.full_program if uncommon else self.font.base_program
        return self._pdf([self._content(record) for record in drawn], program, requests[0].created)

    def _drawn(self, request: ValidRequest) -> Drawn:
        """``_draw``, remembered for the last records so ``write`` after ``check`` does not
        lay a record out twice (the entry holds the request, so its id stays its own)."""
        key = id(request)
        hit = self._memo.get(key)
        if hit is not None and hit[0] is request:
            return hit[1]
        drawn = self._draw(request)
        if len(self._memo) >= MEMO:
            del self._memo[next(iter(self._memo))]
        self._memo[key] = (request, drawn)
        return drawn

    def _draw(self, request: ValidRequest) -> Drawn:
        if tuple(request.languages) != self.languages:
            raise ValueError(
                f"the imprint is for {'+'.join(self.languages)}, "
                f"the request for {'+'.join(request.languages)}"
            )
        data = request.data
        height_pt = self.plan.height * PT_PER_PX
        lines: list[Line] = []
        bars: list[tuple[BarSlot, str]] = []
        errors: dict[str, FieldError] = {}
        uncommon = False
        for slot in self.plan.slots:
            if isinstance(slot, BarSlot):
                bars.append((slot, slot.symbol(data)))
                continue
            row, scale, size_pt = 0, slot.size / self.font.upem, slot.size * PT_PER_PX
            right, bottom = slot.x + slot.width, slot.y + slot.height
            for field, value in slot.values(data):
                for run in self._break(collapse(value), slot):
                    uncommon = uncommon or not run.common
                    width = run.width * scale
                    x = slot.x + (slot.width - width) / 2 if slot.centred else slot.x
                    top = slot.y + slot.line_top + row * slot.pitch
                    if (
                        slot.limit is not None
                        and field not in errors
                        and not (
                            x >= slot.x
                            and top >= slot.y
                            and x + width <= right
                            and top + slot.pitch <= bottom
                        )
                        and not slot.box.contains(Rect(x, top, x + width, top + slot.pitch))
                    ):
                        errors[field] = FieldError(
                            field, f"does not fit its box ({slot.limit}); shorten it"
                        )
                    lines.append(
                        Line(
                            size_pt,
                            x * PT_PER_PX,
                            height_pt - (slot.y + slot.baseline + row * slot.pitch) * PT_PER_PX,
                            run,
                        )
                    )
                    row += 1
        return Drawn(lines, bars, list(errors.values()), uncommon)

    def _break(self, text: str, slot: TextSlot) -> list[Shaped]:
        """The lines ``text`` takes in the slot's width (``shaping.break_lines``), each
        one run."""
        lines = break_lines(
            self.font,
            [(text, slot.language)],
            slot.width * self.font.upem / slot.size,
            slot.language,
        )
        return [line[0].run for line in lines if line]

    # --- PDF ------------------------------------------------------------------------

    def _content(self, drawn: Drawn) -> bytes:
        height_pt = self.plan.height * PT_PER_PX
        out = [b"q"]
        if self.bleed_pt:
            out.append(b"1 0 0 1 %.4f %.4f cm" % (self.bleed_pt, self.bleed_pt))
        out.append(BLACK)
        out.append(b"BT")
        size = None
        for line in drawn.lines:
            if line.size_pt != size:
                size = line.size_pt
                out.append(b"/F1 %g Tf" % size)
            out.append(b"1 0 0 1 %.3f %.3f Tm %s" % (line.x, line.y, line.run.operand(size)))
        out.append(b"ET")
        for slot, text in drawn.bars:
            modules, path = self._bar_path(text)
            out.append(
                b"q %.6f 0 0 %.4f %.4f %.4f cm %s f Q"
                % (
                    slot.width * PT_PER_PX / (modules + 2 * QUIET_MODULES),
                    slot.height * PT_PER_PX,
                    slot.x * PT_PER_PX,
                    height_pt - (slot.y + slot.height) * PT_PER_PX,
                    path,
                )
            )
        out.append(b"Q")
        return zlib.compress(b"\n".join(out), ZLIB_LEVEL)

    def _bar_path(self, text: str) -> tuple[int, bytes]:
        """The symbol's module count and its bars as rectangles in modules (quiet zone
        included) of a unit-high symbol: ``Code128Symbol.svg`` scaled to its box by ``cm``."""
        found = self._bars.get(text)
        if found is None:
            if len(self._bars) > 4096:
                self._bars.clear()
            modules = Code128Symbol.encode(text).modules
            path = b" ".join(
                b"%d 0 %d 1 re" % (QUIET_MODULES + start, end - start)
                for start, end in (m.span() for m in BARS.finditer(modules))
            )
            found = self._bars[text] = (len(modules), path)
        return found

    def _pdf(self, contents: list[bytes], program: FontProgram, created_at) -> bytes:
        b = self.bleed_pt
        w, h = self.plan.width * PT_PER_PX, self.plan.height * PT_PER_PX
        media = b"[0 0 %.6f %.6f]" % (w + 2 * b, h + 2 * b)
        trim = b"[%.6f %.6f %.6f %.6f]" % (b, b, w + b, h + b)
        created = utc(created_at).strftime("D:%Y%m%d%H%M%S+00'00'").encode("ascii")
        pdf = RawPdf()
        for first in ("catalog", "pages", "info"):  # numbered first, in this order
            pdf.number(first)
        pages = [(("page", i), ("content", i)) for i in range(len(contents))]
        pdf.put(
            "catalog",
            b"<< /Type /Catalog /Pages %s /Lang (%s) >>"
            % (pdf.ref("pages"), self.languages[0].encode("ascii")),
        )
        pdf.put(
            "info",
            b"<< /Title <feff%s> /Producer (%s) /Creator (%s) /CreationDate (%s) /ModDate (%s) >>"
            % (
                self.title.encode("utf-16-be").hex().encode("ascii"),
                PRODUCER.encode("ascii"),
                PRODUCER.encode("ascii"),
                created,
                created,
            ),
        )
        write_raw(program, pdf, "font")
        for page, stream in pages:  # numbered page, content, page, content, …
            pdf.number(page)
            pdf.number(stream)
        kids = b" ".join(pdf.ref(page) for page, _ in pages)
        pdf.put("pages", b"<< /Type /Pages /Count %d /Kids [%s] >>" % (len(contents), kids))
        head = (
            b"<< /Type /Page /Parent %s /MediaBox %s /CropBox %s /BleedBox %s /TrimBox %s "
            b"/Resources << /Font << /F1 %s >> >> /Contents "
            % (pdf.ref("pages"), media, media, media, trim, pdf.ref("font"))
        )
        for (page, stream), content in zip(pages, contents, strict=True):
            pdf.put(page, head + pdf.ref(stream) + b" >>")
            pdf.put_stream(stream, content)
        return pdf.write(root="catalog", info="info")


def collapse(text: str) -> str:
    """Spaces as HTML lays them out (white-space: normal): runs of them become one."""
    return SPACES.sub(" ", text) if "  " in text else text


# --- reading the plan from one layout -------------------------------------------------


def imprinted_layout(registry: Registry, layout_id: str | None = None) -> Layout:
    """``layout_id``, or the one layout whose ``layout.toml`` has an ``[imprint]`` table."""
    marked = [layout for layout in registry if layout.imprint is not None]
    if layout_id is None and len(marked) == 1:
        return marked[0]
    if layout_id is not None and layout_id in registry and registry.get(layout_id).imprint:
        return registry.get(layout_id)
    raise LayoutError(f"no layout {layout_id or ''} with an [imprint] table to draw")


def sized(layout: Layout, envelope_size: str) -> dict[str, str]:
    """The data that makes ``layout``'s sample an envelope of ``envelope_size``: nothing for a
    layout whose shared layers do not depend on a size (no ``envelope_size`` among its
    ``layer_fields``)."""
    return {"envelope_size": envelope_size} if "envelope_size" in layout.layer_fields else {}


def envelope_sizes(layout: Layout) -> tuple[str, ...]:
    """The sizes ``layout``'s data model offers (its ``envelope_size`` field's values)."""
    field = layout.data_model.model_fields.get("envelope_size")
    return typing.get_args(field.annotation) if field is not None else ()


def read_plan(
    pipeline: Pipeline, layout: Layout, languages: tuple[str, ...], envelope_size: str = "C5"
) -> Plan:
    """Lay out the variable variant of the sample (at ``envelope_size``) once and read where
    its values go."""
    assert layout.imprint is not None  # imprinted_layout() chose it
    body = layout.sample(languages)
    body["data"].update(sized(layout, envelope_size))
    request = pipeline.validate(layout, body)
    composition = pipeline.composer.compose(layout, request, "variable")
    document = pipeline.renderer.lay_out(layout, composition)
    page = document.pages[0]
    slots: list[TextSlot | BarSlot] = []
    try:
        for box in _var_boxes(weasycompat.page_box(page)):
            slots.extend(_slots(box, request.data, layout.imprint))
    except LayoutError as exc:
        raise LayoutError(f"{layout.id}: {exc}") from None
    if not slots:
        raise LayoutError(f"{layout.id}: no variable data found on page 1")
    return Plan(page.width, page.height, tuple(slots))


def _classes(box) -> list[str]:
    return (box.element.get("class") or "").split() if box.element is not None else []


def _var_boxes(box):
    """The outermost boxes of class ``var``, in layout order."""
    box = weasycompat.placed(box)
    if "var" in _classes(box):
        yield box
    elif isinstance(box, boxes.ParentBox):
        for child in box.all_children():
            yield from _var_boxes(child)


def _texts(box, field=None, block=None, line=None):
    """(field pointer, text box, line box, block container) of every text in ``box``."""
    box = weasycompat.placed(box)
    if box.element is not None and box.element.get("data-field") is not None:
        field = box.element.get("data-field")
    if isinstance(box, boxes.BlockContainerBox):
        block = box
    if isinstance(box, boxes.LineBox):
        line = box
    if isinstance(box, boxes.TextBox) and box.text.strip():
        yield field, box, line, block
    if isinstance(box, boxes.ParentBox):
        for child in box.all_children():
            yield from _texts(child, field, block, line)


def _replaced(box):
    box = weasycompat.placed(box)
    if isinstance(box, boxes.ReplacedBox):
        yield box
    if isinstance(box, boxes.ParentBox):
        for child in box.all_children():
            yield from _replaced(child)


def _slots(box, data: LayoutData, imprint: Imprint) -> list[TextSlot | BarSlot]:
    texts = list(_texts(box))
    if not texts or any(field is None for field, *_ in texts):
        raise LayoutError("a variable box holds no value or text not tagged with its field")
    bars = list(_replaced(box))
    if bars:  # a barcode and its human-readable line
        ((field, text, line, block),) = texts
        if field not in imprint.barcodes or len(bars) != 1:
            raise LayoutError(f"unexpected barcode box for {field} ([[imprint.barcodes]])")
        barcode = imprint.barcodes[field]
        symbol, caption = barcode.symbol, barcode.line
        if caption(data) != text.text:
            raise LayoutError(
                f"the line under the barcode reads {text.text!r}, not {caption(data)!r}"
            )
        bar = bars[0]
        return [
            BarSlot(symbol, bar.content_box_x(), bar.content_box_y(), bar.width, bar.height),
            _text_slot(lambda d: [(field, caption(d))], block, texts, None),
        ]
    limit = None
    if box.element.get("data-fit") is not None:
        x, y = box.content_box_x(), box.content_box_y()
        limit = box.element.get("data-fit") or Rect(x, y, x + box.width, y + box.height).describe()
    return [_text_slot(_values([field for field, *_ in texts], data), box, texts, limit)]


def _text_slot(values: Values, block, texts, limit: str | None) -> TextSlot:
    _, first, line, _ = texts[0]
    x, y = block.content_box_x(), block.content_box_y()
    centred = first.style["text_align_all"] == "center"
    for row, (_, text, other, _) in enumerate(texts):  # one line per value in the sample
        if (
            abs(other.position_y - line.position_y - row * line.height) > 1e-3
            or (not centred and abs(text.position_x - x) > 1e-3)
            or text.style["font_size"] != first.style["font_size"]
        ):
            raise LayoutError("the lines of a variable box are not evenly set")
    return TextSlot(
        values,
        x,
        y,
        block.width,
        block.height,
        line.position_y - y,
        first.position_y + first.baseline - y,
        line.height,
        first.style["font_size"],
        centred,
        limit,
        first.style["lang"] or "sl",
    )


def _values(fields: list[str], data: LayoutData) -> Values:
    """What a text box prints, from the fields the sample's values are tagged with: one
    value (``/data/code``), one item of a list (``/data/sender/0``) or every item of it."""
    paths = [tuple(int(p) if p.isdigit() else p for p in f.split("/")[2:]) for f in fields]
    names = {path[0] for path in paths}
    if len(names) != 1 or not all(f.startswith("/data/") for f in fields):
        raise LayoutError(f"a variable box mixes fields {fields}")
    name = str(names.pop())  # a field name: the pointer's first part after /data
    items = getattr(data, name)
    if paths == [(name,)]:
        field = pointer("data", name)
        return lambda d: [] if getattr(d, name) is None else [(field, getattr(d, name))]
    if (
        isinstance(items, (list, tuple))
        and len(items) > 1
        and paths == [(name, i) for i in range(len(items))]
    ):
        field = pointer("data", name)
        return lambda d: [(f"{field}/{i}", item) for i, item in enumerate(getattr(d, name))]
    if len(paths) == 1 and len(paths[0]) == 2 and isinstance(paths[0][1], int):
        index, item = paths[0][1], pointer("data", *paths[0])
        return lambda d: [(item, getattr(d, name)[index])] if index < len(getattr(d, name)) else []
    raise LayoutError(f"cannot tell what a variable box with {fields} prints")
