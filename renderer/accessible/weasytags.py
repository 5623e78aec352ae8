"""What the HTML says that WeasyPrint's structure tree leaves out, carried into it.

WeasyPrint (``weasyprint.pdf.tags``) builds one structure element per box, but keeps
nothing of the element's attributes but ``alt``. This module wraps its tree builder
(``_build_box_tree``, a generator that calls itself through the module's global name, so the
wrapper sees every box) and adds to the element made for a box:

- ``/Lang`` where the box's language (CSS ``lang``, inherited from the HTML ``lang``
  attributes) differs from the document's (the catalog's ``/Lang``);
- for an empty blank (``class="blank"``, printed as dots): ``/ActualText`` "(prazno)" in the
  box's language, since the dots stand for that word (struck too: "prečrtano: (prazno)");
- for ``<del>`` (an alternative of P 51 not chosen): the type ``Del`` (role-mapped to
  ``Span`` by the finisher), the Layout attribute ``TextDecorationType /LineThrough`` and
  ``/Alt`` "prečrtano: <its words>", so that it is read as struck, not as if it applied;
- for a letter-spaced heading (*V R O Č I L N I C A*, as the regulation prints it):
  ``/ActualText`` with its words (*VROČILNICA*), which a screen reader would otherwise spell;
- for ``<th>``: ``Scope`` (``Row`` for ``scope="row"``, else ``Column``).

This is the only place that touches WeasyPrint's tagging internals;
``tests/test_accessible.py::test_weasyprint_tag_builder_is_as_expected`` fails when
upstream changes what is wrapped here.
"""

from __future__ import annotations

import re
import weakref

import pydyf
from weasyprint.formatting_structure import boxes
from weasyprint.layout.absolute import AbsolutePlaceholder
from weasyprint.pdf import tags as weasy_tags

from ..messages import BLANK
from .labels import labels

LETTER_SPACED = re.compile(r"\S( \S)+(   \S( \S)*)*")  # letters one space apart, words three
LANGUAGES = ("sl", "it", "hu")  # those the catalogs have words in
DELETED = "Del"  # our structure type for struck-through text; the finisher role-maps it


def _string(value) -> str:
    return value.string if isinstance(value, pydyf.String) else str(value or "")


def spoken(html, words: dict[str, str]) -> str:
    """The words of an HTML element as read aloud: an empty blank (its own element, or the
    dots inside a struck region) as "(prazno)"."""
    parts = [html.text or ""]
    for child in html:
        blank = "blank" in (child.get("class") or "").split()
        parts += [f" {words['blank']} " if blank else spoken(child, words), child.tail or ""]
    return " ".join("".join(parts).replace(BLANK, f" {words['blank']} ").split())


def _annotate(element: pydyf.Dictionary, box, document_lang: str, first: bool) -> None:
    """``first``: the first box of its HTML element (an inline element broken across lines
    makes one box, and one structure element, per line)."""
    html = box.element
    lang = box.style["lang"] or document_lang
    if lang != document_lang:
        element["Lang"] = pydyf.String(lang)
    words = labels(lang if lang in LANGUAGES else document_lang)
    classes = (html.get("class") or "").split()
    if "blank" in classes:
        blank = words["blank"]
        element["ActualText"] = pydyf.String(
            f"{words['struck']} {blank}" if "struck" in classes else blank
        )
    tag = box.element_tag
    text = "".join(html.itertext()).strip()
    if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and LETTER_SPACED.fullmatch(text):
        element["ActualText"] = pydyf.String(
            " ".join(w.replace(" ", "") for w in text.split("   "))
        )
    if tag == "del" and element["S"] == "/NonStruct":
        element["S"] = f"/{DELETED}"
        element["A"] = pydyf.Dictionary({"O": "/Layout", "TextDecorationType": "/LineThrough"})
        # read once, whole, at its first line; the rest of it says nothing more
        element["Alt"] = pydyf.String(f"{words['struck']} {spoken(html, words)}" if first else "")
    elif tag == "th" and element["S"] == "/TH":
        element["A"]["Scope"] = "/Row" if html.get("scope") == "row" else "/Column"


def _build_box_tree(box, parent, pdf, page_number, nums, annotations, tags):
    inner = box._box if isinstance(box, AbsolutePlaceholder) else box
    own = (
        inner.element is not None
        and inner.element_tag not in ("html", "body")
        and not isinstance(inner, (boxes.PageBox, boxes.MarginBox))
    )
    document_lang = _string(pdf.catalog.get("Lang"))
    seen = _SEEN.setdefault(pdf, set())
    first = id(inner.element) not in seen
    seen.add(id(inner.element))
    for element in _ORIGINAL(box, parent, pdf, page_number, nums, annotations, tags):
        if own:
            _annotate(element, inner, document_lang, first)
        yield element


_SEEN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # per PDF: elements met


_ORIGINAL = weasy_tags._build_box_tree
weasy_tags._build_box_tree = _build_box_tree
