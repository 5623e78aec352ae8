"""The one place that reaches into WeasyPrint's internals: for speed, and for the laid-out
box tree the envelope imprint reads its plan from (``page_box``, ``placed``).

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

from weasyprint.css.units import LENGTHS_TO_PIXELS
from weasyprint.formatting_structure import boxes
from weasyprint.layout.absolute import AbsolutePlaceholder
from weasyprint.layout.background import box_rectangle

# WeasyPrint has no type information (no py.typed)

PX_PER_MM = LENGTHS_TO_PIXELS["mm"]  # as WeasyPrint converts a page size in mm


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
