"""What the preview studio shows of a rendered PDF, measured from the PDF itself (PDFium):

- a page as PNG;
- the page's boxes (media, trim, bleed) and what is drawn on it — text runs, vector paths,
  images, form XObjects — in mm from the trim box's top left (a stroked path is measured on
  its centre line, as a drawing program does);
- the layout's prescribed boxes (``Layout.prescribed``) checked against those measurements
  at ±0.5 mm;
- one spot-colour separation at a time (its plate as black on white).
"""

from __future__ import annotations

import ctypes
import functools
import math
import re
from dataclasses import dataclass, replace
from io import BytesIO
from typing import Any

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as raw

from ..press import content
from ..press.separation import separation, separation_name
from ..registry import Prescribed
from ..units import MM_PER_PT

TOLERANCE_MM = 0.5  # pass/fail of a prescribed size
WINDOW_MM = 1.0  # what is drawn within a prescribed box widened by this counts as its drawing
MAX_ELEMENTS = 4000  # per page: the inspector's list stays small
KINDS = {
    raw.FPDF_PAGEOBJ_PATH: "path",
    raw.FPDF_PAGEOBJ_IMAGE: "image",
    raw.FPDF_PAGEOBJ_SHADING: "shading",
    raw.FPDF_PAGEOBJ_FORM: "form",
}
PROCESS = "Process"  # the plate of everything not in a spot colour


@dataclass(frozen=True)
class MmBox:
    """x, y of the top left corner from the trim box's top left, width and height, all mm."""

    x: float
    y: float
    width: float
    height: float

    def inside(self, other: MmBox, margin: float) -> bool:
        return (
            self.x >= other.x - margin
            and self.y >= other.y - margin
            and self.x + self.width <= other.x + other.width + margin
            and self.y + self.height <= other.y + other.height + margin
        )

    def as_json(self) -> dict:
        return {
            "x": round(self.x, 2),
            "y": round(self.y, 2),
            "width": round(self.width, 2),
            "height": round(self.height, 2),
        }


@dataclass(frozen=True)
class Style:
    """How a text run is set: the embedded font's name (subset tag removed), size in pt as
    drawn (the text matrix and the CTM applied), weight (100–900; None when the font does
    not say) and fill colour as PDFium renders it (sRGB hex)."""

    font: str
    size_pt: float
    weight: int | None
    colour: str
    spot: str | None = None  # the Separation it is filled with (a spot-colour variant)

    def as_json(self) -> dict:
        out = {
            "font": self.font,
            "size_pt": round(self.size_pt, 2),
            "weight": self.weight,
            "colour": self.colour,
        }
        if self.spot:
            out["spot"] = self.spot
        return out


@dataclass(frozen=True)
class Element:
    kind: str  # text, path, image, shading, form
    rect: MmBox
    text: str = ""
    depth: int = 0  # 1 inside a form XObject, …
    runs: tuple[tuple[str, Style], ...] = ()  # a text line: its runs and how each is set

    def as_json(self) -> dict:
        out = {"kind": self.kind, **self.rect.as_json()}
        if self.text:
            out["text"] = self.text
        if self.depth:
            out["depth"] = self.depth
        if self.runs:
            out["style"] = self.runs[0][1].as_json()
            out["runs"] = [{"text": text, **style.as_json()} for text, style in self.runs]
        return out


@dataclass(frozen=True)
class PageGeometry:
    number: int  # 1-based
    media: MmBox  # every box and element in mm from the trim box's top left
    trim: MmBox
    bleed: MmBox
    elements: tuple[Element, ...]

    def as_json(self) -> dict:
        return {
            "number": self.number,
            "media": self.media.as_json(),
            "trim": self.trim.as_json(),
            "bleed": self.bleed.as_json(),
            "elements": [e.as_json() for e in self.elements],
        }


# --- measuring -----------------------------------------------------------------------------


def _matrix(obj) -> tuple[float, ...]:
    m = raw.FS_MATRIX()
    raw.FPDFPageObj_GetMatrix(obj, ctypes.byref(m))
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(inner, outer):
    """The matrix of ``inner`` then ``outer`` (PDF row-vector convention)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (
        a * A + b * C,
        a * B + b * D,
        c * A + d * C,
        c * B + d * D,
        e * A + f * C + E,
        e * B + f * D + F,
    )


def _bounds(obj) -> tuple[float, float, float, float]:
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    raw.FPDFPageObj_GetBounds(obj, *(ctypes.byref(v) for v in (left, bottom, right, top)))
    return left.value, bottom.value, right.value, top.value


def _transform_bounds(box, matrix):
    left, b, r, t = box
    a, bb, c, d, e, f = matrix
    xs, ys = [], []
    for x, y in ((left, b), (r, b), (left, t), (r, t)):
        xs.append(a * x + c * y + e)
        ys.append(bb * x + d * y + f)
    return min(xs), min(ys), max(xs), max(ys)


def _path_bounds(obj, matrix):
    """The path's own geometry (its centre line), in page space; None for a path that
    paints nothing (a clip)."""
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    raw.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke))
    if not fill.value and not stroke.value:
        return None
    a, b, c, d, e, f = matrix
    xs, ys = [], []
    x, y = ctypes.c_float(), ctypes.c_float()
    for i in range(raw.FPDFPath_CountSegments(obj)):
        raw.FPDFPathSegment_GetPoint(
            raw.FPDFPath_GetPathSegment(obj, i), ctypes.byref(x), ctypes.byref(y)
        )
        xs.append(a * x.value + c * y.value + e)
        ys.append(b * x.value + d * y.value + f)
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


#: A weight named in the font's name wins over the descriptor's FontWeight, which subsetters
#: often leave at 400 for a bold face.
WEIGHT_NAMES = (
    ("extrabold", 800),
    ("semibold", 600),
    ("black", 900),
    ("bold", 700),
    ("medium", 500),
    ("extralight", 200),
    ("light", 300),
    ("thin", 100),
)


def _font_name(font) -> str:
    size = raw.FPDFFont_GetBaseFontName(font, None, 0)
    if size <= 1:
        return "?"
    buffer = ctypes.create_string_buffer(size)
    raw.FPDFFont_GetBaseFontName(font, buffer, size)
    name = buffer.value.decode("utf-8", "replace")
    return name.split("+", 1)[1] if re.match(r"^[A-Z]{6}\+", name) else name


def _text_run(obj, matrix, textpage):
    """(text, Style) of a text object, or None for invisible text."""
    if raw.FPDFTextObj_GetTextRenderMode(obj) == raw.FPDF_TEXTRENDERMODE_INVISIBLE:
        return None
    size_bytes = raw.FPDFTextObj_GetText(obj, textpage, None, 0)  # UTF-16LE with its terminator
    buffer = ctypes.create_string_buffer(size_bytes)
    raw.FPDFTextObj_GetText(
        obj, textpage, ctypes.cast(buffer, ctypes.POINTER(raw.FPDF_WCHAR)), size_bytes
    )
    text = buffer.raw[: max(0, size_bytes - 2)].decode("utf-16-le", "replace")
    if not text.strip():
        return None
    size = ctypes.c_float()
    raw.FPDFTextObj_GetFontSize(obj, ctypes.byref(size))
    a, b, c, d, _, _ = matrix
    scale = abs(a * d - b * c) ** 0.5
    font = raw.FPDFTextObj_GetFont(obj)
    weight = raw.FPDFFont_GetWeight(font) if font else -1
    r, g, bl, alpha = (ctypes.c_uint() for _ in range(4))
    raw.FPDFPageObj_GetFillColor(obj, *(ctypes.byref(v) for v in (r, g, bl, alpha)))
    name = _font_name(font) if font else "?"
    named = next((w for word, w in WEIGHT_NAMES if word in name.replace("-", "").lower()), None)
    style = Style(
        name,
        size.value * scale,
        named or (weight if weight > 0 else None),
        f"#{r.value:02x}{g.value:02x}{bl.value:02x}",
    )
    angle = (
        round(math.degrees(math.atan2(b, a)) / 90) * 90 % 360
    )  # the run's direction, to a quarter turn
    return text, style, angle


def _walk(objects, outer, depth, out, textpage=None, counter=None):
    """Every painting object in page space; form XObjects and what they hold. Text objects
    become ("text", box, depth, (text, style, angle), n): the n-th text object in content order."""
    counter = counter if counter is not None else [0]
    for obj in objects:
        kind = raw.FPDFPageObj_GetType(obj)
        if kind == raw.FPDF_PAGEOBJ_TEXT:
            counter[0] += 1
            if textpage is not None:
                run = _text_run(obj, _compose(_matrix(obj), outer), textpage)
                if run is not None:
                    box = _bounds(obj) if depth == 0 else _transform_bounds(_bounds(obj), outer)
                    out.append(("text", box, depth, run, counter[0] - 1))
            continue
        if kind == raw.FPDF_PAGEOBJ_PATH:
            box = _path_bounds(obj, _compose(_matrix(obj), outer))
        else:
            box = _bounds(obj) if depth == 0 else _transform_bounds(_bounds(obj), outer)
        if box is not None and kind in KINDS:
            out.append((KINDS[kind], box, depth))
        if kind == raw.FPDF_PAGEOBJ_FORM:
            count = raw.FPDFFormObj_CountObjects(obj)
            children = (raw.FPDFFormObj_GetObject(obj, i) for i in range(count))
            _walk(children, _compose(_matrix(obj), outer), depth + 1, out, textpage, counter)


#: A rectangle in the frame of a run's reading direction (it reads along +x there) and back;
#: the page's y grows downwards, so text turned a quarter counter-clockwise reads upwards.
_TO_LINE = {
    0: lambda r: r,
    90: lambda r: MmBox(-(r.y + r.height), r.x, r.height, r.width),
    180: lambda r: MmBox(-(r.x + r.width), -(r.y + r.height), r.width, r.height),
    270: lambda r: MmBox(r.y, -(r.x + r.width), r.height, r.width),
}
_FROM_LINE = {
    0: lambda r: r,
    90: lambda r: MmBox(r.y, -(r.x + r.width), r.height, r.width),
    180: lambda r: MmBox(-(r.x + r.width), -(r.y + r.height), r.width, r.height),
    270: lambda r: MmBox(-(r.y + r.height), r.x, r.height, r.width),
}


def _lines(runs: list[tuple[MmBox, int, str, Style, int]]) -> list[Element]:
    """Text runs merged per line, in each reading direction: runs that share a line and
    follow each other (gap below one em) are one element; each run keeps its style."""
    elements = []
    for angle in sorted({r[4] for r in runs}):
        turn, back = _TO_LINE.get(angle, _TO_LINE[0]), _FROM_LINE.get(angle, _FROM_LINE[0])
        turned = [
            (turn(rect), depth, text, style) for rect, depth, text, style, a in runs if a == angle
        ]
        elements += [replace(e, rect=back(e.rect)) for e in _merge_lines(turned)]
    return sorted(elements, key=lambda e: (round(e.rect.y + e.rect.height / 2, 0), e.rect.x))


def _merge_lines(runs: list[tuple[MmBox, int, str, Style]]) -> list[Element]:
    """Runs whose boxes share a line (their vertical centres within a third of the taller)
    and follow each other are one element."""
    lines: list[list] = []  # [rect, depth, [(text, style)]]
    for rect, depth, text, style in sorted(
        runs, key=lambda r: (round(r[0].y + r[0].height / 2, 0), r[0].x)
    ):
        em = style.size_pt * MM_PER_PT
        for line in reversed(lines[-8:]):
            other = line[0]
            centre, other_centre = rect.y + rect.height / 2, other.y + other.height / 2
            gap = rect.x - (other.x + other.width)
            if (
                abs(centre - other_centre) <= max(rect.height, other.height) / 3
                and -0.2 <= gap <= em
            ):
                previous = line[2][-1][0]
                spaced = gap > 0.2 * em and not previous.endswith(" ") and not text.startswith(" ")
                line[2].append(((" " if spaced else "") + text, style))
                x0, y0 = min(other.x, rect.x), min(other.y, rect.y)
                x1 = max(other.x + other.width, rect.x + rect.width)
                y1 = max(other.y + other.height, rect.y + rect.height)
                line[0] = MmBox(x0, y0, x1 - x0, y1 - y0)
                break
        else:
            lines.append([rect, depth, [(text, style)]])
    elements = []
    for rect, depth, parts in lines:
        merged: list[tuple[str, Style]] = []
        for text, style in parts:  # neighbouring runs set alike are one run
            if merged and merged[-1][1] == style:
                merged[-1] = (merged[-1][0] + text, style)
            else:
                merged.append((text, style))
        text = "".join(t for t, _ in merged).strip()
        elements.append(
            Element(
                "text",
                rect,
                " ".join(text.split())[:200],
                depth,
                tuple((" ".join(t.split()), st) for t, st in merged),
            )
        )
    return elements


def _page_box(page, getter) -> tuple[float, float, float, float] | None:
    values = [ctypes.c_float() for _ in range(4)]
    if not getter(page.raw, *(ctypes.byref(v) for v in values)):
        return None
    left, b, r, t = (v.value for v in values)
    return min(left, r), min(b, t), max(left, r), max(b, t)


def measure_page(page, number: int, fills: tuple[str | None, ...] | None = None) -> PageGeometry:
    """``fills``: each text object's spot colour in content order (``text_fills``); used when
    it names as many text objects as PDFium finds."""
    media = _page_box(page, raw.FPDFPage_GetMediaBox)
    if media is None:
        raise ValueError(f"page {number} has no MediaBox")
    trim = _page_box(page, raw.FPDFPage_GetTrimBox) or media
    bleed = _page_box(page, raw.FPDFPage_GetBleedBox) or trim
    ox, oy = trim[0], trim[3]  # the trim box's top left, PDF points

    def rect(box) -> MmBox:
        left, b, r, t = box
        return MmBox(
            (left - ox) * MM_PER_PT,
            (oy - t) * MM_PER_PT,
            (r - left) * MM_PER_PT,
            (t - b) * MM_PER_PT,
        )

    objects: list[tuple] = []  # (kind, box, depth, …) as _walk finds them
    counter = [0]
    textpage = page.get_textpage()
    try:
        count = raw.FPDFPage_CountObjects(page.raw)
        _walk(
            (raw.FPDFPage_GetObject(page.raw, i) for i in range(count)),
            (1, 0, 0, 1, 0, 0),
            0,
            objects,
            textpage.raw,
            counter,
        )
    finally:
        textpage.close()
    spots = fills if fills is not None and len(fills) == counter[0] else None
    runs = []
    for _, box, depth, (text, style, angle), n in (o for o in objects if o[0] == "text"):
        runs.append(
            (rect(box), depth, text, replace(style, spot=spots[n]) if spots else style, angle)
        )
    found: list[Element] = _lines(runs)
    found += [
        Element(kind, rect(box), depth=depth) for kind, box, depth, *_ in objects if kind != "text"
    ]
    return PageGeometry(number, rect(media), rect(trim), rect(bleed), tuple(found[:MAX_ELEMENTS]))


# --- prescribed boxes ----------------------------------------------------------------------


def measured_box(prescribed: Prescribed, geometry: PageGeometry) -> MmBox | None:
    """The trim box for a page size; for a box, the extent of the paths and images drawn
    within it (widened by WINDOW_MM): its outline, rules or corner ticks."""
    if prescribed.kind == "page":
        return MmBox(0, 0, geometry.trim.width, geometry.trim.height)
    window = MmBox(*prescribed.box)
    drawn = [
        e.rect
        for e in geometry.elements
        if e.kind in ("path", "image") and e.rect.inside(window, WINDOW_MM)
    ]
    if not drawn:
        return None
    x0 = min(r.x for r in drawn)
    y0 = min(r.y for r in drawn)
    x1 = max(r.x + r.width for r in drawn)
    y1 = max(r.y + r.height for r in drawn)
    return MmBox(x0, y0, x1 - x0, y1 - y0)


def check(prescribed: Prescribed, geometry: PageGeometry) -> dict:
    """One prescribed box against the page: each prescribed member, measured, pass/fail."""
    found = measured_box(prescribed, geometry)
    expected = dict(zip(Prescribed.MEMBERS, prescribed.box, strict=True))
    members = []
    for name in prescribed.checks:
        value = getattr(found, name) if found else None
        ok = value is not None and abs(value - expected[name]) <= TOLERANCE_MM
        members.append(
            {
                "member": name,
                "prescribed": expected[name],
                "measured": None if value is None else round(value, 2),
                "pass": ok,
            }
        )
    return {
        **prescribed.as_json(),
        "page": geometry.number,
        "measured": found.as_json() if found else None,
        "pass": all(m["pass"] for m in members),
        "members": members,
    }


def checks(
    prescribed: tuple[Prescribed, ...], geometry: PageGeometry, page_count: int
) -> list[dict]:
    return [check(p, geometry) for p in prescribed if p.applies_to(geometry.number, page_count)]


# --- separations -----------------------------------------------------------------------------


def separations(pdf_bytes: bytes) -> list[str]:
    """The spot colours (Separation colour spaces) a PDF uses, by name."""
    names = set()
    with pikepdf.open(BytesIO(pdf_bytes)) as pdf:
        for owner in content.owners(pdf):
            resources: Any = owner.get("/Resources", {})
            for _, space in resources.get("/ColorSpace", {}).items():
                name = separation_name(space)
                if name:
                    names.add(name)
    return sorted(names)


WHITE = {"rg": [1, 1, 1], "RG": [1, 1, 1], "g": [1], "G": [1], "k": [0, 0, 0, 0], "K": [0, 0, 0, 0]}


def plate(pdf_bytes: bytes, name: str) -> bytes:
    """The PDF with only one ink visible, as black (its tint) on white: spot colour ``name``,
    or PROCESS (everything not in a spot colour). Other inks become white, so what is printed
    over an ink knocks it out, as on press without overprint."""
    with pikepdf.open(BytesIO(pdf_bytes)) as pdf:
        for owner in content.owners(pdf):
            resources: Any = owner.get("/Resources", {})
            spaces: Any = resources.get("/ColorSpace", {})
            for key, space in list(spaces.items()):
                spot = separation_name(space)
                if spot is None:
                    continue
                ink = 0 if spot == name else 1  # gray at full tint: black for this ink, else white
                spaces[key] = separation(pdf, space[1], pikepdf.Name.DeviceGray, [1], [ink])
            if name != PROCESS:
                _whiten_process(pdf, owner)
        out = BytesIO()
        pdf.save(out)
        return out.getvalue()


def _whiten_process(pdf: pikepdf.Pdf, owner) -> None:
    """Process colours white and images left out: the plate of a spot colour."""
    xobjects = owner.get("/Resources", {}).get("/XObject", {})
    instructions = []
    for operands, operator in content.parse(owner):
        op = str(operator)
        if op in WHITE:
            operands = WHITE[op]
        elif op == "Do" and xobjects.get(str(operands[0]), {}).get("/Subtype") == "/Image":
            continue
        elif op == "sh":
            continue
        instructions.append((operands, operator))
    content.write(pdf, owner, instructions)


TEXT_SHOWING = {"Tj", "TJ", "'", '"'}


@functools.lru_cache(maxsize=16)  # a pre-printed layer is the same PDF edit after edit
def text_fills(pdf_bytes: bytes, index: int) -> tuple[str | None, ...]:
    """The spot colour (Separation name, or None) each text-showing operator of page
    ``index`` fills with, in the order PDFium lists the text objects (one per operator, form
    XObjects where they are drawn). PDFium gives a text object's colour in RGB only."""
    with pikepdf.open(BytesIO(pdf_bytes)) as pdf:
        out: list[str | None] = []
        fill: str | None = None
        saved: list[str | None] = []
        for operands, op, resources, _ in content.drawn(pdf.pages[index].obj):
            if op == "q":
                saved.append(fill)
            elif op == "Q":
                fill = saved.pop() if saved else fill
            elif op == "cs":
                spaces: Any = resources.get("/ColorSpace", {})
                fill = separation_name(spaces.get(str(operands[0])))
            elif op in ("rg", "g", "k"):
                fill = None
            elif op in TEXT_SHOWING:
                out.append(fill)
        return tuple(out)


def open_pdf(pdf_bytes: bytes) -> pdfium.PdfDocument:
    return pdfium.PdfDocument(pdf_bytes)
