"""What a tagged (PDF/UA-1) document needs after WeasyPrint's tagging, written with pikepdf.

WeasyPrint (with ``weasytags``) writes the structure tree of what it lays out. Here:

- ``Del`` (a struck alternative) is role-mapped to ``Span``;
- WeasyPrint's bare ``Span`` around each run of text is folded into its element;
- the language of a second-language element is written on every element below it too
  (the issue asks for /Lang on each, not only by inheritance);
- pages that WeasyPrint did not draw (the scanned original's pages leading a certified
  electronic copy) become one Figure each, with the Alt "Stran 1 skeniranega izvirnika":
  their content is drawn as a form XObject inside the Figure's marked content, their own
  annotations dropped (they are the upload's, not the document's);
- the checks of ``checks`` run; a failure raises ``AccessibilityError`` instead of
  claiming PDF/UA. ``xmp_claim`` is the claim the finisher's XMP then carries.
"""

from __future__ import annotations

import pikepdf

from . import weasytags
from .checks import AccessibilityError, problems
from .labels import labels

XMP_PDFUA = (
    '<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">'
    "<pdfuaid:part>1</pdfuaid:part></rdf:Description>"
)
#: PDF/A admits in the XMP only the properties of XMP itself and of schemas declared in it:
#: with PDF/A (pdfa-2a, pdfa-3a) the pdfuaid schema is declared as a PDF/A extension schema.
XMP_PDFUA_EXTENSION = (
    '<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"'
    ' xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"'
    ' xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">'
    '<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">'
    "<pdfaSchema:schema>PDF/UA identification</pdfaSchema:schema>"
    "<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>"
    "<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>"
    '<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">'
    "<pdfaProperty:name>part</pdfaProperty:name>"
    "<pdfaProperty:valueType>Integer</pdfaProperty:valueType>"
    "<pdfaProperty:category>internal</pdfaProperty:category>"
    "<pdfaProperty:description>the part of ISO 14289 the file conforms to"
    "</pdfaProperty:description>"
    "</rdf:li></rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag></pdfaExtension:schemas>"
    "</rdf:Description>"
)


def xmp_claim(pdfa: bool) -> str:
    """The XMP that claims PDF/UA-1 (written only after ``make_accessible`` passed)."""
    return XMP_PDFUA + (XMP_PDFUA_EXTENSION if pdfa else "")


def make_accessible(pdf: pikepdf.Pdf, languages: tuple[str, ...]) -> None:
    """Complete the structure tree of ``pdf`` (rendered by WeasyPrint with tags) and check
    it; raises AccessibilityError when a check fails."""
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        raise AccessibilityError(["no structure tree: the PDF was not rendered tagged"])
    root.RoleMap = pikepdf.Dictionary({f"/{weasytags.DELETED}": pikepdf.Name.Span})
    _fold_bare_spans(root)
    for kid in _kids(root):
        _spread_language(kid, None)
    _figure_foreign_pages(pdf, root, languages[0])
    found = problems(pdf, languages, metadata=False)
    if found:
        raise AccessibilityError(found)


def _kids(element) -> list:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


BARE_SPAN = {"/Type", "/S", "/K", "/P", "/Pg"}


def _fold_bare_spans(root) -> None:
    """WeasyPrint wraps each run of text in a Span of its own that says nothing (no attribute,
    no language but its parent's): its marked content goes straight into the parent
    instead, and the parent tree points there. A smaller tree, the same reading."""
    folded: dict[tuple[int, int], pikepdf.Object] = {}

    def fold(element) -> None:
        if not isinstance(element, pikepdf.Dictionary) or "/S" not in element:
            return
        kids = _kids(element)
        for kid in kids:
            fold(kid)
        changed = False
        for index, kid in enumerate(kids):
            if (
                isinstance(kid, pikepdf.Dictionary)
                and kid.get("/S") == "/Span"
                and set(kid.keys()) - {"/Lang"} <= BARE_SPAN
                and ("/Lang" not in kid or str(kid.Lang) == str(element.get("/Lang", "")))
                and len(_kids(kid)) == 1
                and isinstance(_kids(kid)[0], int)
            ):
                mcid = _kids(kid)[0]
                same_page = kid.get("/Pg") is None or (
                    element.get("/Pg") is not None and kid.Pg.objgen == element.Pg.objgen
                )
                kids[index] = (
                    mcid
                    if same_page
                    else pikepdf.Dictionary(Type=pikepdf.Name.MCR, MCID=mcid, Pg=kid.Pg)
                )
                folded[kid.objgen] = element
                changed = True
        if changed:
            element.K = pikepdf.Array(kids)

    for kid in _kids(root):
        fold(kid)
    nums = root.ParentTree.Nums
    for i in range(1, len(nums), 2):
        entry = nums[i]
        if isinstance(entry, pikepdf.Array):
            for j, ref in enumerate(entry):
                if ref.objgen in folded:
                    target = folded[ref.objgen]
                    while target.objgen in folded:  # a Span folded into one folded in turn
                        target = folded[target.objgen]
                    entry[j] = target


def _spread_language(element, lang: pikepdf.Object | None) -> None:
    if not isinstance(element, pikepdf.Dictionary) or "/S" not in element:
        return
    if "/Lang" in element:
        lang = element.Lang
    elif lang is not None:
        element.Lang = lang
    for kid in _kids(element):
        _spread_language(kid, lang)


def _next_key(root) -> int:
    nums = root.ParentTree.get("/Nums", [])
    keys = [int(nums[i]) for i in range(0, len(nums), 2)]
    return max(keys, default=-1) + 1


def _as_form(pdf: pikepdf.Pdf, page: pikepdf.Page) -> pikepdf.Object:
    """The page's drawing as a new form XObject (its content streams joined, its resources),
    independent of the page's own objects, which are replaced."""
    contents = page.obj.get("/Contents")
    streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    data = b"\n".join(stream.read_bytes() for stream in streams if stream is not None)
    form = pdf.make_stream(data)
    form.Type = pikepdf.Name.XObject
    form.Subtype = pikepdf.Name.Form
    x0, y0, x1, y1 = (float(v) for v in page.mediabox)
    # a point beyond the page all round: the page clips, the form must not clip it twice
    form.BBox = pikepdf.Array([x0 - 1, y0 - 1, x1 + 1, y1 + 1])
    form.Resources = page.obj.get("/Resources", pikepdf.Dictionary())
    return form


def _figure_foreign_pages(pdf: pikepdf.Pdf, root, lang: str) -> None:
    document = _kids(root)[0]
    figures = []
    key = _next_key(root)
    for number, page in enumerate(pdf.pages, start=1):
        if "/StructParents" in page.obj:
            continue
        form = _as_form(pdf, page)
        if "/Annots" in page.obj:
            del page.obj.Annots
        page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Fm0=form))
        page.obj.Contents = pdf.make_stream(b"/Figure <</MCID 0>> BDC q /Fm0 Do Q EMC\n")
        figure = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.StructElem,
                S=pikepdf.Name.Figure,
                P=document,
                Pg=page.obj,
                K=pikepdf.Array([0]),
                Alt=pikepdf.String(labels(lang)["scan_page"] % {"page": number}),
            )
        )
        page.obj.StructParents = key
        page.obj.Tabs = pikepdf.Name.S  # a signature may be placed on it: tab in structure order
        root.ParentTree.Nums.extend([key, pikepdf.Array([figure])])
        key += 1
        figures.append(figure)
    if figures:  # the scan's pages come first in the document, so first in reading order
        document.K = pikepdf.Array(figures + _kids(document))
    root.ParentTreeNextKey = key
