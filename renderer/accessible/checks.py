"""The PDF/UA-1 checks the Matterhorn Protocol makes mechanically checkable, on a pikepdf file.

There is no veraPDF or PAC here; these are the failure conditions a machine can decide
(Matterhorn 1.1 checkpoints in brackets), checked by walking the content streams and the
structure tree:

- every painting operator of a page is inside marked content that belongs to the
  structure tree (an MCID the parent tree maps to an element reachable from the root) or
  inside an artifact [01-003, 01-004, 01-005];
- every structure type is standard (ISO 32000-1, 14.8.4) or role-mapped to one [02-001];
- every Figure has an /Alt or /ActualText [13-004];
- every Table has a TH, every TH a Scope [15-003, the issue asks for Scope];
- numbered headings start at H1 and never skip a level [14-002, 14-003];
- the catalog's /Lang is the document's language and every element's language (its own
  /Lang or inherited) is one of the document's [11-001 … 11-006];
- every font drawn with is embedded and has a ToUnicode map [31-009, 31-027, 31-030];
- every annotation is in the tree (StructParent, an OBJR under Form for a widget) and every
  form field has a TU; a page with annotations has /Tabs /S [28-002, 28-005, 28-008];
- ``metadata``: /MarkInfo /Marked, /ViewerPreferences /DisplayDocTitle, a dc:title and
  ``pdfuaid:part 1`` in the XMP [06-002, 06-003, 07-001, 06-001].

``reading(pdf)`` gives the text a screen reader reads, in structure order, with each piece's
language: /ActualText replaces an element's content, /Alt a Figure's or a struck
alternative's (type ``Del``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pikepdf

from ..press import content as content_stream
from ..press.fonts import font_embedded, to_unicode_map

STANDARD_TYPES = frozenset(
    "Document Part Art Sect Div BlockQuote Caption TOC TOCI Index NonStruct Private P H "
    "H1 H2 H3 H4 H5 H6 L LI Lbl LBody Table TR TH TD THead TBody TFoot Span Quote Note "
    "Reference BibEntry Code Link Annot Ruby RB RT RP Warichu WT WP Figure Formula Form".split()
)
REPLACED_BY_ALT = frozenset({"Figure", "Formula", "Del"})
TEXT_SHOW = frozenset({"Tj", "TJ", "'", '"'})
PAINTING = TEXT_SHOW | frozenset(
    {"S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "sh", "Do", "INLINE IMAGE"}
)
HIDDEN = 2  # annotation flag
MAX_FORM_DEPTH = 8
#: pikepdf's objects are dynamic (a Dictionary's values are any Object): typed as such here
PdfObject = Any


class AccessibilityError(RuntimeError):
    """A tagged output fails a check: it is not delivered as PDF/UA."""

    def __init__(self, problems: list[str]):
        super().__init__("not accessible: " + "; ".join(problems[:10]))
        self.problems = problems


@dataclass
class _Content:
    """What the pages' content streams hold: text per (page index, MCID), the MCIDs seen,
    and what is drawn outside the tree."""

    text: dict[tuple[int, int], str] = field(default_factory=dict)
    marked: set[tuple[int, int]] = field(default_factory=set)  # every MCID, text or not
    untagged: list[str] = field(default_factory=list)
    fonts: dict[tuple[int, int], PdfObject] = field(default_factory=dict)
    maps: dict[tuple[int, int], dict[bytes, str]] = field(default_factory=dict)  # ToUnicode

    def to_unicode(self, font: PdfObject) -> dict[bytes, str]:
        """The font's ToUnicode map, read once per font."""
        if font.objgen not in self.maps:
            self.fonts[font.objgen] = font
            self.maps[font.objgen] = to_unicode_map(font) or {}
        return self.maps[font.objgen]


# ---------------------------------------------------------------- fonts and text
def _decode(font: PdfObject, mapping: dict[bytes, str], data: bytes) -> str:
    width = 2 if font.get("/Subtype") == "/Type0" else 1
    return "".join(
        mapping.get(data[i : i + width], "\ufffd") for i in range(0, len(data) - width + 1, width)
    )


def _shown(operator: str, operands) -> Iterator[bytes]:
    if operator == "TJ":
        for item in operands[0]:
            if isinstance(item, pikepdf.String):
                yield bytes(item)
    elif operator in ("Tj", "'"):
        yield bytes(operands[0])
    elif operator == '"':
        yield bytes(operands[2])


def _walk(
    content: _Content,
    page_index: int,
    stream: PdfObject,
    resources: PdfObject,
    where: str,
    inherited: tuple[int | None, bool] = (None, False),
    depth: int = 0,
) -> None:
    """``inherited``: the MCID the drawing of this stream (a form) is inside, and whether it
    is inside an artifact."""
    stack: list[tuple[int | None, bool]] = [inherited]
    font = None
    mapping: dict[bytes, str] = {}
    fonts: PdfObject = resources.get("/Font", {}) if resources is not None else {}
    xobjects: PdfObject = resources.get("/XObject", {}) if resources is not None else {}
    for operands, operator in content_stream.parse(stream):
        op = str(operator)
        mcid, artifact = stack[-1]
        if op in ("BDC", "BMC"):
            tag = str(operands[0])
            properties = operands[1] if op == "BDC" else None
            if isinstance(properties, pikepdf.Name):
                properties = resources.get("/Properties", {}).get(properties)
            own = properties.get("/MCID") if isinstance(properties, pikepdf.Dictionary) else None
            if own is not None and depth == 0:
                content.marked.add((page_index, int(own)))
            stack.append((int(own) if own is not None else mcid, artifact or tag == "/Artifact"))
            continue
        if op == "EMC":
            if len(stack) > 1:
                stack.pop()
            continue
        if op == "Tf":
            font = fonts.get(operands[0])
            if font is not None:
                mapping = content.to_unicode(font)
            continue
        if op not in PAINTING:
            continue
        tagged = mcid is not None or artifact
        if op == "Do":
            xobject = xobjects.get(operands[0])
            if xobject is not None and xobject.get("/Subtype") == "/Form":
                if depth < MAX_FORM_DEPTH:
                    _walk(
                        content,
                        page_index,
                        xobject,
                        xobject.get("/Resources", resources),
                        f"{where} form {operands[0]}",
                        (mcid, artifact),
                        depth + 1,
                    )
                continue
        if not tagged:
            content.untagged.append(f"{where}: {op} outside tagged content and artifacts")
            continue
        if op in TEXT_SHOW and mcid is not None and not artifact and font is not None:
            text = "".join(_decode(font, mapping, data) for data in _shown(op, operands))
            key = (page_index, mcid)
            content.text[key] = content.text.get(key, "") + text


def _content(pdf: pikepdf.Pdf) -> _Content:
    content = _Content()
    for index, page in enumerate(pdf.pages):
        _walk(content, index, page.obj, page.obj.get("/Resources"), f"page {index + 1}")
    return content


# ---------------------------------------------------------------- structure tree
def _number_tree(node) -> dict[int, object]:
    entries: dict[int, object] = {}
    nums = node.get("/Nums")
    if nums is not None:
        for i in range(0, len(nums) - 1, 2):
            entries[int(nums[i])] = nums[i + 1]
    for kid in node.get("/Kids", []):
        entries.update(_number_tree(kid))
    return entries


def _kids(element: PdfObject) -> list:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _type(element: PdfObject, role_map) -> str:
    name = str(element.get("/S"))[1:]
    seen = set()
    while name not in STANDARD_TYPES and f"/{name}" in role_map and name not in seen:
        seen.add(name)
        name = str(role_map[f"/{name}"])[1:]
    return name


@dataclass
class _Element:
    element: PdfObject
    kind: str  # the standard type it is or maps to
    lang: str
    depth: int


def _elements(pdf: pikepdf.Pdf) -> Iterator[_Element]:
    """Every structure element in tree order (depth first), with its effective language."""
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return
    role_map: PdfObject = root.get("/RoleMap", {})
    document_lang = str(pdf.Root.get("/Lang", ""))

    def visit(element, lang, depth):
        if not isinstance(element, pikepdf.Dictionary) or "/S" not in element:
            return
        own = str(element.get("/Lang", "")) or lang
        yield _Element(element, _type(element, role_map), own, depth)
        for kid in _kids(element):
            yield from visit(kid, own, depth + 1)

    for kid in _kids(root):
        yield from visit(kid, document_lang, 0)


def _page_index(pdf: pikepdf.Pdf) -> dict[tuple[int, int], int]:
    return {page.obj.objgen: index for index, page in enumerate(pdf.pages)}


@dataclass(frozen=True)
class Piece:
    """Text a screen reader reads, in its language; ``kind``: the element's standard type."""

    text: str
    lang: str
    kind: str


def reading(pdf: pikepdf.Pdf) -> list[Piece]:
    """The text of the structure tree in its order, as assistive technology reads it."""
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return []
    content = _content(pdf)
    pages = _page_index(pdf)
    role_map: PdfObject = root.get("/RoleMap", {})
    document_lang = str(pdf.Root.get("/Lang", ""))
    pieces: list[Piece] = []

    def visit(element, lang, page):
        if isinstance(element, int):
            text = content.text.get((page, element), "")
            if text:
                pieces.append(Piece(text, lang, ""))
            return
        if not isinstance(element, pikepdf.Dictionary):
            return
        if element.get("/Type") == "/MCR":
            page = pages.get(element.Pg.objgen, page) if "/Pg" in element else page
            visit(int(element.MCID), lang, page)
            return
        if "/S" not in element:
            return  # an OBJR: the annotation has no text of its own
        own = str(element.get("/Lang", "")) or lang
        page = pages.get(element.Pg.objgen, page) if "/Pg" in element else page
        kind = _type(element, role_map)
        replaced = element.get("/ActualText")
        if replaced is None and (str(element.S)[1:] in REPLACED_BY_ALT or kind == "Figure"):
            replaced = element.get("/Alt")
        if replaced is not None:
            if str(replaced):
                pieces.append(Piece(str(replaced), own, kind))
            return
        for kid in _kids(element):
            visit(kid, own, page)

    for kid in _kids(root):
        visit(kid, document_lang, 0)
    return pieces


# ---------------------------------------------------------------- the checks
def _check_marked_content(pdf: pikepdf.Pdf, content: _Content, problems: list[str]) -> None:
    problems.extend(content.untagged[:20])
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        problems.append("no structure tree (StructTreeRoot)")
        return
    reachable = {e.element.objgen for e in _elements(pdf)}
    parent_tree = _number_tree(root.get("/ParentTree", {}))
    seen = content.marked
    for index, page in enumerate(pdf.pages):
        if "/StructParents" not in page.obj:
            if any(p == index for p, _ in seen):
                problems.append(f"page {index + 1}: marked content but no StructParents")
            continue
        parents = parent_tree.get(int(page.obj.StructParents))
        for p, mcid in sorted(seen):
            if p != index:
                continue
            if not isinstance(parents, pikepdf.Array) or mcid >= len(parents):
                problems.append(f"page {index + 1}: MCID {mcid} not in the parent tree")
            elif parents[mcid].objgen not in reachable:
                problems.append(f"page {index + 1}: MCID {mcid} belongs to no element of the tree")


def _scope(element: PdfObject) -> str | None:
    attributes = element.get("/A")
    for attribute in attributes if isinstance(attributes, pikepdf.Array) else [attributes]:
        if isinstance(attribute, pikepdf.Dictionary) and "/Scope" in attribute:
            return str(attribute.Scope)
    return None


def _check_tree(pdf: pikepdf.Pdf, languages: tuple[str, ...], problems: list[str]) -> None:
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return
    role_map: PdfObject = root.get("/RoleMap", {})
    for name in role_map.keys():
        if str(name)[1:] in STANDARD_TYPES:
            problems.append(f"standard type {name} is role-mapped")
    catalog_lang = str(pdf.Root.get("/Lang", ""))
    if catalog_lang != languages[0]:
        problems.append(f"catalog /Lang is {catalog_lang!r}, not {languages[0]!r}")
    last_heading = 0
    tables: list[tuple[int, bool]] = []  # (depth, has TH) of the open tables
    langs_found = {catalog_lang}
    for item in _elements(pdf):
        element, kind = item.element, item.kind
        while tables and tables[-1][0] >= item.depth:
            depth, has_th = tables.pop()
            if not has_th:
                problems.append("a Table has no TH")
        if kind not in STANDARD_TYPES:
            problems.append(f"structure type {element.S} is neither standard nor role-mapped")
        if item.lang not in languages:
            problems.append(f"a {kind} element is in language {item.lang!r}")
        langs_found.add(item.lang)
        if kind == "Figure" and "/Alt" not in element and "/ActualText" not in element:
            problems.append("a Figure has no Alt")
        if kind == "Table":
            tables.append((item.depth, False))
        if kind == "TH":
            if tables:
                tables[-1] = (tables[-1][0], True)
            if _scope(element) not in ("/Row", "/Column", "/Both"):
                problems.append("a TH has no Scope")
        if re.fullmatch(r"H[1-6]", kind):
            level = int(kind[1])
            if level > last_heading + 1:
                problems.append(f"heading {kind} follows H{last_heading or '-'}: a level skipped")
            last_heading = level
    for _, has_th in tables:
        if not has_th:
            problems.append("a Table has no TH")
    for lang in languages:
        if lang not in langs_found:
            problems.append(f"no element in language {lang!r}")


def _check_fonts(content: _Content, problems: list[str]) -> None:
    for font in content.fonts.values():
        name = str(font.get("/BaseFont", "?"))
        if not font_embedded(font):
            problems.append(f"font {name} is not embedded")
        if "/ToUnicode" not in font:
            problems.append(f"font {name} has no ToUnicode")


def _check_annotations(pdf: pikepdf.Pdf, problems: list[str]) -> None:
    root = pdf.Root.get("/StructTreeRoot")
    parent_tree = _number_tree(root.get("/ParentTree", {})) if root is not None else {}
    role_map: PdfObject = root.get("/RoleMap", {}) if root is not None else {}
    for index, page in enumerate(pdf.pages):
        annotations = [a for a in page.obj.get("/Annots", []) if a.get("/Subtype") != "/Popup"]
        if annotations and page.obj.get("/Tabs") != "/S":
            problems.append(f"page {index + 1}: annotations but no /Tabs /S")
        for annotation in annotations:
            if int(annotation.get("/F", 0)) & HIDDEN:
                continue
            subtype = str(annotation.get("/Subtype"))
            parent = parent_tree.get(int(annotation.get("/StructParent", -1)))
            if not isinstance(parent, pikepdf.Dictionary) or not any(
                isinstance(kid, pikepdf.Dictionary)
                and kid.get("/Type") == "/OBJR"
                and kid.Obj.objgen == annotation.objgen
                for kid in _kids(parent)
            ):
                problems.append(f"page {index + 1}: a {subtype} annotation is not in the tree")
                continue
            if subtype == "/Widget":
                if _type(parent, role_map) != "Form":
                    problems.append(f"page {index + 1}: a widget is not under a Form element")
                holder = annotation if "/FT" in annotation else annotation.get("/Parent")
                if holder is None or not str(holder.get("/TU", "")):
                    problems.append(f"page {index + 1}: a form field has no TU")


def _check_metadata(pdf: pikepdf.Pdf, problems: list[str]) -> None:
    catalog: PdfObject = pdf.Root
    if not catalog.get("/MarkInfo", {}).get("/Marked", False):
        problems.append("MarkInfo /Marked is not true")
    if not catalog.get("/ViewerPreferences", {}).get("/DisplayDocTitle", False):
        problems.append("ViewerPreferences /DisplayDocTitle is not true")
    meta = pdf.open_metadata()
    if not str(meta.get("dc:title", "")).strip():
        problems.append("no dc:title in the XMP")
    if str(meta.get("pdfuaid:part", "")) != "1":
        problems.append("no pdfuaid:part 1 in the XMP")


def problems(pdf: pikepdf.Pdf, languages: tuple[str, ...], metadata: bool = True) -> list[str]:
    """Every check that fails, as a sentence; empty when the file passes. Without
    ``metadata`` the XMP and catalog flags are not checked (before they are written)."""
    found: list[str] = []
    content = _content(pdf)
    _check_marked_content(pdf, content, found)
    _check_tree(pdf, languages, found)
    _check_fonts(content, found)
    _check_annotations(pdf, found)
    if metadata:
        _check_metadata(pdf, found)
    return found
