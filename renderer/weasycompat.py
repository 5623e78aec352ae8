"""The one place that reaches into WeasyPrint's internals: for speed, and for the laid-out
box tree the envelope imprint reads its plan from (``page_box``, ``placed``).

``ComposedHTML`` is WeasyPrint's ``HTML`` for the documents composed here, made faster in
two ways that leave every document as it was (``tests/test_weasycompat.py`` renders each
layout both ways and compares the bytes, and fails when WeasyPrint changes what is touched):

- the tree is built by ``renderer.fasthtml`` (the tree tinyhtml5 builds, five times faster),
  tinyhtml5 parsing what that cannot read exactly;
- the user-agent stylesheet's rules for ``::marker``, ``::footnote-call``,
  ``::footnote-marker``, ``::note-call``, ``::note-marker`` and ``::note-callback`` match
  every element, so the cascade computed six pseudo-element styles for each element (a
  tenth of a table's render), used only by list items, footnotes and notes. The templates
  have none (a test keeps it so); the rules apply to ``li`` only. Its alignments of the 16
  page-margin boxes (``@top-left``…) gave each page 16 styles to compute for boxes that
  have no content (a fifth of a small document's render): the templates have no margin
  boxes (a test keeps it so), and those rules are left out.

WeasyPrint has no page height that follows the content. A layout whose height is automatic
(the directory sign) is laid out once on its tallest page; ``fit_page_height`` then
shortens that laid-out page to the content, as a second layout at the measured height
would have produced it: the page box's height, the document page's height (the PDF's
MediaBox and the flip of the y axis are written from it) and the painting areas of the
page's and the canvas's background, which layout computed for the tall page.

That is only the same as a second layout when nothing else depends on the page's height:
no absolutely positioned or fixed box (they may be placed against the page), no margin box,
no footnote or note area with content, no background image (its position may depend on the
page's size). ``fit_page_height`` refuses such a page (returns False) and the caller lays it
out again. ``tests/test_weasycompat.py`` proves the result byte for byte against the second
layout and fails when WeasyPrint changes what is touched here.
"""

from __future__ import annotations

import re

import cssselect2
from weasyprint import CSS, HTML
from weasyprint import _find_base_url as find_base_url
from weasyprint.css.units import LENGTHS_TO_PIXELS
from weasyprint.formatting_structure import boxes
from weasyprint.html import UA, UA_COUNTER_STYLE, UA_FORM_STYLESHEET
from weasyprint.layout.absolute import AbsolutePlaceholder
from weasyprint.layout.background import box_rectangle

from . import fasthtml

# WeasyPrint has no type information (no py.typed)

PX_PER_MM = LENGTHS_TO_PIXELS["mm"]  # as WeasyPrint converts a page size in mm


#: The user-agent pseudo-element rules that match every element (see the module's docstring).
UNIVERSAL_PSEUDO_ELEMENTS = (
    "marker",
    "footnote-call",
    "footnote-marker",
    "note-call",
    "note-marker",
    "note-callback",
)


#: The user-agent sheet's rules for the page-margin boxes: each on a line of its own.
MARGIN_BOX_RULE = re.compile(
    r"^  @(top|bottom|left|right)-[a-z-]+ +\{ text-align: [a-z]+; +vertical-align: [a-z]+ +\}\n",
    re.MULTILINE,
)
MARGIN_BOXES = 16


def scoped_ua_css(text: str = UA) -> str:
    """WeasyPrint's user-agent stylesheet with the rules of ``UNIVERSAL_PSEUDO_ELEMENTS``
    applying to ``li`` only and without the rules of the page-margin boxes; a ValueError when
    the sheet no longer has them as expected."""
    text, count = MARGIN_BOX_RULE.subn("", text)
    if count != MARGIN_BOXES:
        raise ValueError(f"WeasyPrint's user-agent stylesheet changed: {count} margin boxes")
    for pseudo in UNIVERSAL_PSEUDO_ELEMENTS:
        rule = f"\n::{pseudo} {{"
        if text.count(rule) != 1:
            raise ValueError(f"WeasyPrint's user-agent stylesheet changed: ::{pseudo}")
        text = text.replace(rule, f"\nli::{pseudo} {{")
    return text


UA_STYLESHEET = CSS(string=scoped_ua_css(), counter_style=UA_COUNTER_STYLE)
#: What ``HTML.__init__`` sets, the attributes ``ComposedHTML`` sets itself.
HTML_ATTRIBUTES = ("base_url", "url_fetcher", "media_type", "wrapper_element", "etree_element")


class ComposedHTML(HTML):
    """A composed document (see the module's docstring): ``HTML(string=..., base_url=...,
    url_fetcher=...)`` as WeasyPrint reads it, parsed and styled faster."""

    def __init__(self, string: str, base_url: str, url_fetcher):
        root = fasthtml.parse(string)
        if root is None:
            super().__init__(string=string, base_url=base_url, url_fetcher=url_fetcher)
            return
        self.base_url = find_base_url(root, base_url)
        self.url_fetcher = url_fetcher
        self.media_type = "print"
        self.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
        self.etree_element = self.wrapper_element.etree_element

    def _ua_stylesheets(self, forms=False):
        return [UA_STYLESHEET, UA_FORM_STYLESHEET] if forms else [UA_STYLESHEET]


def page_box(page):
    """The laid-out page box of a ``weasyprint.Page`` (the root of its box tree)."""
    return page._page_box


def placed(box):
    """The box itself, for an absolutely positioned box that layout wrapped in its
    placeholder (``AbsolutePlaceholder``); any other box as it is."""
    return box._box if isinstance(box, AbsolutePlaceholder) else box


def content_bottom_px(page) -> float:
    """Where the root element's margin box ends on the page, in CSS px from its top."""
    root = page_box(page).children[0]
    return root.position_y + root.margin_height()


def _depends_on_page_height(box) -> bool:
    """Whether anything but the in-flow content would move if the page were shorter."""
    if not isinstance(box.children[0], boxes.BlockBox) or len(box.children) != 1:
        return True  # margin boxes, a footnote or note area with content
    for layer in (
        *box.background.layers,
        *(box.canvas_background.layers if box.canvas_background else ()),
    ):
        if layer.image is not None:
            return True
    return any(child.style["position"] in ("absolute", "fixed") for child in box.descendants())


def fit_page_height(page, height_mm: float) -> bool:
    """Make the laid-out ``page`` ``height_mm`` tall (without its bleed), as if laid out so;
    False (the page unchanged) when its layout could depend on the page's height."""
    box = page_box(page)
    if _depends_on_page_height(box):
        return False
    box.height = height_mm * PX_PER_MM - (
        box.margin_height() - box.height
    )  # less margins, padding, border
    page.height = box.margin_height()
    box.background = box.background._replace(
        layers=[layer._replace(painting_area=box.bleed_area) for layer in box.background.layers]
    )
    if box.canvas_background is not None:
        area = box_rectangle(box, "border-box")
        box.canvas_background = box.canvas_background._replace(
            layers=[layer._replace(painting_area=area) for layer in box.canvas_background.layers]
        )
    return True


def disown_font_files(font_config) -> None:
    """In a process forked from the one that made ``font_config``: leave the folder of
    ``@font-face`` files (``FontConfiguration._folder``) to that process. WeasyPrint removes
    the folder when its font configuration is collected; a worker forked from the service's
    master that exits (recycled, reloaded) would otherwise remove the files the master and
    every other worker still load fonts from."""
    font_config._folder = None
