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
import re
from dataclasses import dataclass
from io import BytesIO

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as raw

from .registry import Prescribed

MM_PER_PT = 25.4 / 72
TOLERANCE_MM = 0.5  # pass/fail of a prescribed size
WINDOW_MM = 1.0  # what is drawn within a prescribed box widened by this counts as its drawing
MAX_ELEMENTS = 4000  # per page: the inspector's list stays small
KINDS = {raw.FPDF_PAGEOBJ_PATH: "path", raw.FPDF_PAGEOBJ_IMAGE: "image",
         raw.FPDF_PAGEOBJ_SHADING: "shading", raw.FPDF_PAGEOBJ_FORM: "form"}
PROCESS = "Process"  # the plate of everything not in a spot colour


@dataclass(frozen=True)
class Rect:
    """x, y from the trim box's top left, mm."""

    x: float
    y: float
    width: float
    height: float

    def inside(self, other: "Rect", margin: float) -> bool:
        return (self.x >= other.x - margin and self.y >= other.y - margin
                and self.x + self.width <= other.x + other.width + margin
                and self.y + self.height <= other.y + other.height + margin)

    def as_json(self) -> dict:
        return {"x": round(self.x, 2), "y": round(self.y, 2), "width": round(self.width, 2),
                "height": round(self.height, 2)}


@dataclass(frozen=True)
class Element:
    kind: str  # text, path, image, shading, form
    rect: Rect
    text: str = ""
    depth: int = 0  # 1 inside a form XObject, …

    def as_json(self) -> dict:
        out = {"kind": self.kind, **self.rect.as_json()}
        if self.text:
            out["text"] = self.text
        if self.depth:
            out["depth"] = self.depth
        return out


@dataclass(frozen=True)
class PageGeometry:
    number: int  # 1-based
    media: Rect  # every box and element in mm from the trim box's top left
    trim: Rect
    bleed: Rect
    elements: tuple[Element, ...]

    def as_json(self) -> dict:
        return {"number": self.number, "media": self.media.as_json(), "trim": self.trim.as_json(),
                "bleed": self.bleed.as_json(), "elements": [e.as_json() for e in self.elements]}


# --- measuring -----------------------------------------------------------------------------

def _matrix(obj) -> tuple[float, ...]:
    m = raw.FS_MATRIX()
    raw.FPDFPageObj_GetMatrix(obj, ctypes.byref(m))
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(inner, outer):
    """The matrix of ``inner`` then ``outer`` (PDF row-vector convention)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _bounds(obj) -> tuple[float, float, float, float]:
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    raw.FPDFPageObj_GetBounds(obj, *(ctypes.byref(v) for v in (left, bottom, right, top)))
    return left.value, bottom.value, right.value, top.value


def _transform_bounds(box, matrix):
    l, b, r, t = box
    a, bb, c, d, e, f = matrix
    xs, ys = [], []
    for x, y in ((l, b), (r, b), (l, t), (r, t)):
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
        raw.FPDFPathSegment_GetPoint(raw.FPDFPath_GetPathSegment(obj, i), ctypes.byref(x), ctypes.byref(y))
        xs.append(a * x.value + c * y.value + e)
        ys.append(b * x.value + d * y.value + f)
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def _walk(objects, outer, depth, out):
    """Every painting object in page space; form XObjects and what they hold."""
    for obj in objects:
        kind = raw.FPDFPageObj_GetType(obj)
        if kind == raw.FPDF_PAGEOBJ_TEXT:
            continue  # text is measured as runs from the text page
        if kind == raw.FPDF_PAGEOBJ_PATH:
            box = _path_bounds(obj, _compose(_matrix(obj), outer))
        else:
            box = _bounds(obj) if depth == 0 else _transform_bounds(_bounds(obj), outer)
        if box is not None and kind in KINDS:
            out.append((KINDS[kind], box, depth))
        if kind == raw.FPDF_PAGEOBJ_FORM:
            count = raw.FPDFFormObj_CountObjects(obj)
            children = (raw.FPDFFormObj_GetObject(obj, i) for i in range(count))
            _walk(children, _compose(_matrix(obj), outer), depth + 1, out)


def _page_box(page, getter) -> tuple[float, float, float, float] | None:
    values = [ctypes.c_float() for _ in range(4)]
    if not getter(page.raw, *(ctypes.byref(v) for v in values)):
        return None
    l, b, r, t = (v.value for v in values)
    return min(l, r), min(b, t), max(l, r), max(b, t)


def measure_page(page, number: int) -> PageGeometry:
    media = _page_box(page, raw.FPDFPage_GetMediaBox)
    trim = _page_box(page, raw.FPDFPage_GetTrimBox) or media
    bleed = _page_box(page, raw.FPDFPage_GetBleedBox) or trim
    ox, oy = trim[0], trim[3]  # the trim box's top left, PDF points

    def rect(box) -> Rect:
        l, b, r, t = box
        return Rect((l - ox) * MM_PER_PT, (oy - t) * MM_PER_PT, (r - l) * MM_PER_PT, (t - b) * MM_PER_PT)

    found: list[Element] = []
    textpage = page.get_textpage()
    try:
        for i in range(textpage.count_rects()):
            box = textpage.get_rect(i)
            text = textpage.get_text_bounded(*box).strip()
            if text:
                found.append(Element("text", rect(box), text[:200]))
    finally:
        textpage.close()
    objects = []
    count = raw.FPDFPage_CountObjects(page.raw)
    _walk((raw.FPDFPage_GetObject(page.raw, i) for i in range(count)), (1, 0, 0, 1, 0, 0), 0, objects)
    found += [Element(kind, rect(box), depth=depth) for kind, box, depth in objects]
    return PageGeometry(number, rect(media), rect(trim), rect(bleed), tuple(found[:MAX_ELEMENTS]))


# --- prescribed boxes ----------------------------------------------------------------------

def measured_box(prescribed: Prescribed, geometry: PageGeometry) -> Rect | None:
    """The trim box for a page size; for a box, the extent of the paths and images drawn
    within it (widened by WINDOW_MM): its outline, rules or corner ticks."""
    if prescribed.kind == "page":
        return Rect(0, 0, geometry.trim.width, geometry.trim.height)
    window = Rect(*prescribed.box)
    drawn = [e.rect for e in geometry.elements
             if e.kind in ("path", "image") and e.rect.inside(window, WINDOW_MM)]
    if not drawn:
        return None
    x0 = min(r.x for r in drawn)
    y0 = min(r.y for r in drawn)
    x1 = max(r.x + r.width for r in drawn)
    y1 = max(r.y + r.height for r in drawn)
    return Rect(x0, y0, x1 - x0, y1 - y0)


def check(prescribed: Prescribed, geometry: PageGeometry) -> dict:
    """One prescribed box against the page: each prescribed member, measured, pass/fail."""
    found = measured_box(prescribed, geometry)
    expected = dict(zip(Prescribed.MEMBERS, prescribed.box))
    members = []
    for name in prescribed.checks:
        value = getattr(found, name) if found else None
        ok = value is not None and abs(value - expected[name]) <= TOLERANCE_MM
        members.append({"member": name, "prescribed": expected[name],
                        "measured": None if value is None else round(value, 2), "pass": ok})
    return {**prescribed.as_json(), "page": geometry.number,
            "measured": found.as_json() if found else None,
            "pass": all(m["pass"] for m in members), "members": members}


def checks(prescribed: tuple[Prescribed, ...], geometry: PageGeometry, page_count: int) -> list[dict]:
    return [check(p, geometry) for p in prescribed if p.applies_to(geometry.number, page_count)]


# --- separations -----------------------------------------------------------------------------

def _resources(pdf: pikepdf.Pdf):
    """Every content stream owner (pages, form XObjects) once."""
    seen = set()
    stack = [page.obj for page in pdf.pages]
    while stack:
        owner = stack.pop()
        key = owner.objgen
        if key != (0, 0):
            if key in seen:
                continue
            seen.add(key)
        yield owner
        xobjects = owner.get("/Resources", {}).get("/XObject", {})
        for _, xobject in xobjects.items():
            if xobject.get("/Subtype") == "/Form":
                stack.append(xobject)


def _separation_name(space) -> str | None:
    if isinstance(space, pikepdf.Array) and len(space) == 4 and space[0] == "/Separation":
        return re.sub(r"#([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), str(space[1])[1:])
    return None


def separations(pdf_bytes: bytes) -> list[str]:
    """The spot colours (Separation colour spaces) a PDF uses, by name."""
    names = set()
    with pikepdf.open(BytesIO(pdf_bytes)) as pdf:
        for owner in _resources(pdf):
            for _, space in owner.get("/Resources", {}).get("/ColorSpace", {}).items():
                name = _separation_name(space)
                if name:
                    names.add(name)
    return sorted(names)


WHITE = {"rg": [1, 1, 1], "RG": [1, 1, 1], "g": [1], "G": [1], "k": [0, 0, 0, 0], "K": [0, 0, 0, 0]}


def plate(pdf_bytes: bytes, name: str) -> bytes:
    """The PDF with only one ink visible, as black (its tint) on white: spot colour ``name``,
    or PROCESS (everything not in a spot colour). Other inks become white, so what is printed
    over an ink knocks it out, as on press without overprint."""
    with pikepdf.open(BytesIO(pdf_bytes)) as pdf:
        for owner in _resources(pdf):
            spaces = owner.get("/Resources", {}).get("/ColorSpace", {})
            for key, space in list(spaces.items()):
                spot = _separation_name(space)
                if spot is None:
                    continue
                ink = 0 if spot == name else 1  # gray at full tint: black for this ink, else white
                tint = pdf.make_indirect(pikepdf.Dictionary(FunctionType=2, Domain=[0, 1], C0=[1], C1=[ink], N=1))
                spaces[key] = pikepdf.Array([pikepdf.Name.Separation, space[1], pikepdf.Name.DeviceGray, tint])
            if name != PROCESS:
                _whiten_process(pdf, owner)
        out = BytesIO()
        pdf.save(out)
        return out.getvalue()


def _whiten_process(pdf: pikepdf.Pdf, owner) -> None:
    """Process colours white and images left out: the plate of a spot colour."""
    xobjects = owner.get("/Resources", {}).get("/XObject", {})
    instructions = []
    for operands, operator in pikepdf.parse_content_stream(owner):
        op = str(operator)
        if op in WHITE:
            operands = WHITE[op]
        elif op == "Do" and xobjects.get(str(operands[0]), {}).get("/Subtype") == "/Image":
            continue
        elif op == "sh":
            continue
        instructions.append((operands, operator))
    data = pikepdf.unparse_content_stream(instructions)
    if isinstance(owner, pikepdf.Stream):
        owner.write(data)
    else:
        pikepdf.Page(owner).obj.Contents = pdf.make_stream(data)


def open_pdf(pdf_bytes: bytes) -> pdfium.PdfDocument:
    return pdfium.PdfDocument(pdf_bytes)
