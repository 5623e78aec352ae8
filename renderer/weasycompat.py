"""The one place that reaches into WeasyPrint's internals: for speed, and for the laid-out
box tree the envelope imprint and the register read their plans from (``page_box``,
``placed``), and Pango's line-break opportunities they break text at
(``break_opportunities``).

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

Most of a document is fixed wording, laid out again for every request. ``StaticBlocks``
keeps laid-out blocks across the documents ``ComposedHTML.render`` is given it for:
WeasyPrint's ``block_level_layout``, as the in-flow layout of a block's children calls it
(through ``weasyprint.layout.block``'s global name; flex and grid items, laid out with
styles of their own, are left alone), is wrapped. A block is kept when

- no element in it has a ``data-field`` (a request's value): the cache holds only what is
  the same for every request;
- it and its descendants are blocks, lines, inline boxes and text, in normal flow and
  unpositioned, with no footnote and no cross-reference (``target-counter()``...);
- it was laid out whole (from its start, no page break inside, not collapsing through), with
  no float beside it, not in a column, without ``::first-line`` or ``::first-letter`` styles
  passed down, and it stays clear of the page's bottom by its bottom spacing twice over (no
  check against the bottom can have changed it).

Its key: the stylesheets and font configuration, the base URL and the document's own
``<head>`` and style elements; the element's place (each ancestor's siblings' start tags and
its index among them: what selectors can see, since no template matches by content, a test
keeps it so) and content; the generated text, bookmark labels and string sets of its boxes;
and the inputs of its layout: its left edge, the containing block's width, height and
direction, the adjoining margins, whether the page is empty (and not the first, and the
break forced). A hit is a deep copy of the kept block moved to the new height, its boxes
naming the new document's elements, each text with a Pango layout object of its own (drawing
sets one up from the box's text and style and tears it down again), and the margins the
block appended to the adjoining ones appended again. ``tests/test_weasycompat.py`` proves
every layout's documents byte for byte against a renderer without the cache (with values
that move the blocks) and fails when WeasyPrint changes what is touched here.

A paragraph that holds a value is laid out each time, but most of its text is fixed wording
broken into the same lines at the same widths: ``StaticBlocks.lines`` keeps what
``split_first_line`` returned (as the inline layout and the min/max-content widths call it)
for a text that neither holds one of the document's values nor is part of one, keyed by the
font configuration, the text, the style properties it reads (``TEXT_PROPERTIES``, a test
compares them with the ones WeasyPrint's line breaker names), the width and the call's
flags; each hit gets a Pango layout object of its own.

The arms of the Republic (an SVG image) take WeasyPrint a few milliseconds to draw on every
page that shows them (a fifth of the facade sign's render). ``write_pdf`` with
``DrawnImages`` keeps the operators an SVG drawing appended to the page's content stream and
appends them again for the same image (its URL and parsed tree) at the same size, under the
same transformation and drawing state (colours and alphas set). Only a drawing that registered
nothing but alpha graphics states (re-registered on a hit) is kept: one that adds a pattern,
shading, group, image or font is drawn by WeasyPrint every time. ``tests/test_weasycompat.py``
compares the bytes against WeasyPrint's own drawing in every format and fails when WeasyPrint
changes what is touched here.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import math
import re
import threading
import xml.etree.ElementTree as ET
from collections import OrderedDict
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import cssselect2
import pydyf
from weasyprint import CSS, HTML, draw
from weasyprint import _find_base_url as find_base_url
from weasyprint.css.units import LENGTHS_TO_PIXELS
from weasyprint.draw import border
from weasyprint.draw.color import get_color
from weasyprint.formatting_structure import boxes
from weasyprint.html import UA, UA_COUNTER_STYLE, UA_FORM_STYLESHEET
from weasyprint.images import SVGImage
from weasyprint.layout import block, inline, preferred
from weasyprint.layout.absolute import AbsolutePlaceholder
from weasyprint.layout.background import box_rectangle
from weasyprint.text.line_break import get_log_attrs

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

    def render(self, font_config, stylesheets, static_blocks: StaticBlocks | None = None):
        """``HTML.render(font_config=..., stylesheets=...)``, reusing the static blocks that
        ``static_blocks`` kept from earlier documents and keeping this one's."""
        if static_blocks is None:
            return super().render(font_config=font_config, stylesheets=stylesheets)
        root = self.etree_element
        own_style = "".join(
            ET.tostring(element, encoding="unicode")
            for element in root.iter()
            if element.tag.rsplit("}", 1)[-1] in ("head", "style", "link")
        )
        prefix = (font_config, *stylesheets, self.base_url, own_style)
        token = _DOCUMENT.set(_Document(static_blocks, prefix, root))
        try:
            return super().render(font_config=font_config, stylesheets=stylesheets)
        finally:
            _DOCUMENT.reset(token)


def page_box(page):
    """The laid-out page box of a ``weasyprint.Page`` (the root of its box tree)."""
    return page._page_box


def placed(box):
    """The box itself, for an absolutely positioned box that layout wrapped in its
    placeholder (``AbsolutePlaceholder``); any other box as it is."""
    return box._box if isinstance(box, AbsolutePlaceholder) else box


def break_opportunities(text: str, language: str) -> list[bool]:
    """Where Pango may break ``text`` into lines, as WeasyPrint asks it (its
    ``get_log_attrs``): item ``i`` is True when a line may start at ``text[i]``."""
    return [attr.is_line_break for attr in get_log_attrs(text, language)]


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


# --- Static blocks: laid-out fixed wording reused across documents -------------------------

#: The boxes a cached block may hold, before and after layout: text in blocks, nothing else.
STATIC_BOXES = (boxes.BlockBox, boxes.LineBox, boxes.InlineBox, boxes.TextBox)


@dataclass(frozen=True)
class _Laid:
    """A block as layout left it (never drawn: each document gets a copy), where it was."""

    box: Any
    element: ET.Element  # the block's element in the document that laid it out
    position_y: float
    next_page: dict
    adjoining_margins: tuple
    reach: float  # see _reach
    grew: tuple  # the margins it added to the adjoining margins it was given


class Kept:
    """A least recently used cache of ``capacity`` entries, safe across threads; ``hits`` and
    ``stored`` count for the tests."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.stored = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key):
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def count_hit(self) -> None:
        with self._lock:
            self.hits += 1

    def put(self, key, entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            self.stored += 1
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class StaticBlocks(Kept):
    """Laid-out blocks of fixed wording shared by the documents of one renderer, and the
    lines of fixed wording broken (``lines``, for the blocks that hold a value too)."""

    def __init__(self, capacity: int = 512):
        super().__init__(capacity)
        self.lines = Kept(capacity * 8)

    def clear(self) -> None:
        super().clear()
        self.lines.clear()


def _start_tag(element) -> str:
    return f"<{element.tag} {sorted(element.attrib.items())!r}>"


def _digest(*parts: str) -> bytes:
    return hashlib.blake2b("\x00".join(parts).encode(), digest_size=16).digest()


class _Document:
    """One render's view of the cache: what every key starts with (the stylesheets, the font
    configuration, the base URL, the document's own style), where each element is and what it
    holds (``element_key``), and each box's static content (``box_key``)."""

    def __init__(self, blocks: StaticBlocks, prefix: tuple, root):
        self.blocks = blocks
        self.prefix = prefix
        self.storing = False  # a block is being laid out to be kept: its own are not
        self._places = {
            child: (parent, index) for parent in root.iter() for index, child in enumerate(parent)
        }
        self._paths: dict = {}
        self._siblings: dict = {}
        self._elements: dict = {}
        self._boxes: dict = {}
        self._styles: dict = {}
        self.values = {  # the texts of the innermost data-field elements
            text
            for element in root.iter()
            if element.get("data-field") is not None
            and not any(
                inner.get("data-field") is not None
                for inner in element.iter()
                if inner is not element
            )
            and (text := "".join(element.itertext()).strip())
        }

    def text_style(self, style) -> str:
        """What breaking a text into lines reads of its style (see ``TEXT_PROPERTIES``)."""
        kept = self._styles.get(id(style))
        if kept is None:  # the style is kept with it: its id is not reused meanwhile
            kept = self._styles[id(style)] = (style, repr([style[n] for n in TEXT_PROPERTIES]))
        return kept[1]

    def _children(self, parent) -> str:
        """The start tags of an element's children: what sibling selectors can see."""
        if (tags := self._siblings.get(parent)) is None:
            tags = self._siblings[parent] = "".join(_start_tag(child) for child in parent)
        return tags

    def _path(self, element) -> bytes:
        """The element's place: each ancestor's siblings' start tags and its index there."""
        if (path := self._paths.get(element)) is None:
            place = self._places.get(element)
            if place is None:
                path = _digest(_start_tag(element))
            else:
                parent, index = place
                path = _digest(self._path(parent).hex(), self._children(parent), str(index))
            self._paths[element] = path
        return path

    def element_key(self, element) -> bytes | None:
        """Where the element is and what it holds; None when it holds a request's value."""
        if element not in self._elements:
            fixed = all(inner.get("data-field") is None for inner in element.iter())
            self._elements[element] = (
                _digest(
                    self._path(element).hex(),
                    _start_tag(element),
                    element.text or "",
                    *(ET.tostring(child, encoding="unicode") for child in element),
                )
                if fixed
                else None
            )
        return self._elements[element]

    def box_key(self, box) -> bytes | None:
        """The generated text (counters, quotes) of the box and its descendants; None when one
        of them is not plain text in blocks (floated, positioned, a footnote, a target)."""
        if box not in self._boxes:
            inner = list(box.descendants())
            self._boxes[box] = (
                _digest(*map(_box_text, inner))
                if all(type(b) in STATIC_BOXES and _in_place(b) for b in inner)
                else None
            )
        return self._boxes[box]


def _box_text(box) -> str:
    return (
        f"{type(box).__name__} {box.element_tag} {getattr(box, 'text', '')!r} "
        f"{box.bookmark_label!r} {box.string_set!r}"
    )


def _in_place(box) -> bool:
    """Whether a box is in normal flow, unpositioned and refers to nothing elsewhere."""
    style = box.style
    return (
        style["position"] == "static"
        and style["float"] == "none"
        and box.footnote is None
        and box.missing_link is None
        and box.cached_counter_values is None
    )


#: The style properties ``split_first_line`` reads, and the Pango layout it sets up.
TEXT_PROPERTIES = (
    "direction",
    "font_family",
    "font_feature_settings",
    "font_kerning",
    "font_language_override",
    "font_size",
    "font_stretch",
    "font_style",
    "font_variant_alternates",
    "font_variant_caps",
    "font_variant_east_asian",
    "font_variant_ligatures",
    "font_variant_numeric",
    "font_variant_position",
    "font_variation_settings",
    "font_weight",
    "hyphenate_character",
    "hyphenate_limit_chars",
    "hyphenate_limit_zone",
    "hyphens",
    "lang",
    "letter_spacing",
    "line_height",
    "overflow_wrap",
    "tab_size",
    "text_decoration_line",
    "white_space",
    "word_break",
    "word_spacing",
)

_DOCUMENT: ContextVar[_Document | None] = ContextVar("static_blocks", default=None)
_block_level_layout = block.block_level_layout


def _key(document: _Document, context, box, containing_block, page_is_empty, adjoining_margins):
    """The cache key of laying out ``box`` here, or None when it is not a static block."""
    element = box.element
    if (
        type(box) is not boxes.BlockBox
        or element is None
        or box.is_flex_item
        or box.is_grid_item
        or box.style is not context.style_for(element)
        or context.excluded_shapes
        or context.in_column
        or context.footnotes
    ):
        return None
    where = document.element_key(element)
    what = where and document.box_key(box)
    if what is None:
        return None
    return (
        document.prefix,
        where,
        what,
        box.position_x,
        containing_block.width,
        containing_block.height,
        containing_block.style["direction"],
        containing_block.is_for_root_element,
        tuple(adjoining_margins or ()),
        page_is_empty,
        context.current_page > 1,
        context.forced_break,
    )


def _copy(laid_box, elements: dict | None = None):
    """A deep copy of a laid-out block, its elements those of ``elements`` (old → new), each
    text with a Pango layout of its own (drawing sets it up and tears it down again)."""
    box = laid_box.deepcopy()
    for inner in box.descendants():
        if elements is not None and inner.element is not None:
            inner.element = elements[inner.element]
        if isinstance(inner, boxes.TextBox):
            inner.pango_layout = copy.copy(inner.pango_layout)
    return box


def _reach(box) -> float:
    """How far down a laid-out block may have met the page's bottom: its lowest descendant,
    with twice every bottom padding, border and margin inside it (the space layout keeps below
    a box it checks) and a pixel to spare."""
    bottom = spacing = 0.0
    for inner in box.descendants():
        bottom = max(bottom, inner.position_y + inner.margin_height())
        if isinstance(inner, boxes.BlockBox):
            spacing += inner.padding_bottom + inner.border_bottom_width + inner.margin_bottom
    return bottom + 2 * spacing + 1


def _static_block_layout(
    context,
    box,
    bottom_space,
    skip_stack,
    containing_block,
    page_is_empty=True,
    absolute_boxes=None,
    fixed_boxes=None,
    adjoining_margins=None,
    first_letter_style=None,
    first_line_style=None,
    discard=False,
    max_lines=None,
):
    """WeasyPrint's ``block_level_layout``; for a static block of a document rendered with
    ``StaticBlocks``, a copy of the block as an earlier layout with the same inputs left it."""
    args = (
        context,
        box,
        bottom_space,
        skip_stack,
        containing_block,
        page_is_empty,
        absolute_boxes,
        fixed_boxes,
        adjoining_margins,
        first_letter_style,
        first_line_style,
        discard,
        max_lines,
    )
    document = _DOCUMENT.get()
    whole = (
        skip_stack is None
        and first_letter_style is None
        and first_line_style is None
        and not discard
        and max_lines is None
    )
    key = None
    if document is not None and whole:
        key = _key(document, context, box, containing_block, page_is_empty, adjoining_margins)
    if key is None:
        return _block_level_layout(*args)
    if (laid := document.blocks.get(key)) is not None:
        reused = _reuse(context, laid, box, bottom_space, adjoining_margins)
        if reused is not None:
            document.blocks.count_hit()
            return reused
    if document.storing:  # inside a block that is kept whole
        return _block_level_layout(*args)
    before = len(adjoining_margins) if adjoining_margins is not None else 0
    position_y = box.position_y
    document.storing = True
    try:
        result = _block_level_layout(*args)
    finally:
        document.storing = False
    _keep(document, context, key, box, position_y, bottom_space, adjoining_margins, before, result)
    return result


def _reuse(context, laid: _Laid, box, bottom_space, adjoining_margins):
    """What ``block_level_layout`` returns for ``box``: a copy of ``laid`` moved to the box's
    place, with the margins it adds to the adjoining ones; None when it would meet the page's
    bottom there."""
    dy = box.position_y - laid.position_y
    if context.overflows_page(bottom_space, laid.reach + dy):
        return None
    new_box = _copy(laid.box, dict(zip(laid.element.iter(), box.element.iter(), strict=True)))
    new_box.translate(0, dy)
    if adjoining_margins is not None:
        adjoining_margins.extend(laid.grew)
    return new_box, None, dict(laid.next_page), list(laid.adjoining_margins), False, None


def _keep(document, context, key, box, position_y, bottom_space, adjoining_margins, before, result):
    """Keep a block laid out whole, on the page without meeting its bottom."""
    new_box, resume_at, next_page, next_margins, through, max_lines = result
    if (
        new_box is None
        or resume_at is not None
        or through
        or max_lines is not None
        or next_margins is adjoining_margins
        or any(type(inner) not in STATIC_BOXES for inner in new_box.descendants())
    ):
        return
    reach = _reach(new_box)
    if context.overflows_page(bottom_space, reach):
        return
    grew = tuple(adjoining_margins[before:]) if adjoining_margins is not None else ()
    document.blocks.put(
        key,
        _Laid(
            _copy(new_box),
            box.element,
            position_y,
            dict(next_page),
            tuple(next_margins),
            reach,
            grew,
        ),
    )


_split_first_line = inline.split_first_line


def _static_split_first_line(
    text, style, context, max_width, justification_spacing, is_line_start=True, minimum=False
):
    """WeasyPrint's ``split_first_line``; for a text of fixed wording (none of the request's
    values in it, nor it in one) of a document rendered with ``StaticBlocks``, what an earlier
    call with the same text, style and width returned, with a Pango layout of its own."""
    document = _DOCUMENT.get()
    if document is None or any(value in text or text in value for value in document.values):
        return _split_first_line(
            text, style, context, max_width, justification_spacing, is_line_start, minimum
        )
    lines = document.blocks.lines
    key = (
        style.font_config,
        text,
        document.text_style(style),
        max_width,
        justification_spacing,
        is_line_start,
        minimum,
    )
    if (kept := lines.get(key)) is not None:
        lines.count_hit()
    else:
        kept = _split_first_line(
            text, style, context, max_width, justification_spacing, is_line_start, minimum
        )
        lines.put(key, kept)
    layout, *metrics = kept
    return (copy.copy(layout), *metrics)


block.block_level_layout = _static_block_layout
inline.split_first_line = _static_split_first_line
preferred.split_first_line = _static_split_first_line


# --- SVG images drawn once ----------------------------------------------------------------


class DrawnImages(Kept):
    """The operators SVG images drew into a page, shared by the documents of one renderer."""

    def __init__(self, capacity: int = 64):
        super().__init__(capacity)


@dataclass(frozen=True)
class _Drawn:
    operators: tuple  # what the drawing appended to the page's content stream
    state: tuple  # the stream's drawing state after it
    alpha_states: tuple  # the alpha graphics states it registered: (name, entries)


_DRAWN_IMAGES: ContextVar[DrawnImages | None] = ContextVar("obrazci_drawn_images", default=None)


def write_pdf(document, drawn_images: DrawnImages | None = None, **options) -> bytes:
    """``document.write_pdf(**options)``, an SVG image drawn the way an earlier page drew it
    (same image, size, place and drawing state) replaying that drawing's operators."""
    token = _DRAWN_IMAGES.set(drawn_images)
    try:
        return document.write_pdf(**options)
    finally:
        _DRAWN_IMAGES.reset(token)


#: The drawing state of WeasyPrint's page stream that an SVG drawing reads and changes: the
#: colours and alphas set (an operator is written only when they change). The font state and
#: the transformation stack must come out of the drawing as they went in.
_STREAM_STATE = (
    "_current_color",
    "_current_color_stroke",
    "_current_alpha",
    "_current_alpha_stroke",
)
_STREAM_FONT = ("_current_font", "_current_font_size", "_old_font", "_old_font_size")


def _stream_state(stream, names=_STREAM_STATE) -> tuple:
    return tuple(getattr(stream, name) for name in names)


def _stream_ctm(stream) -> tuple:
    return tuple(tuple(tuple(row) for row in matrix) for matrix in stream._ctm_stack)


def _stream_resources(stream) -> tuple:
    """How much the page has registered but its alpha states (``set_alpha``'s, kept by
    ``_Drawn``): what an SVG drawing that cannot be replayed adds to (fonts, images, patterns,
    shadings, groups, tags, any other graphics state)."""
    return (
        *(
            -1 if kept is None else len(kept)
            for kept in (stream._fonts, stream._images, stream._tags)
        ),
        *sorted(
            (name, len(entries))
            for name, entries in stream._resources.items()
            if name != "ExtGState"
        ),
    )


def _alpha_states(stream, before) -> tuple | None:
    """The graphics states registered since ``before`` (their names), if all are
    ``set_alpha``'s (a fill or stroke alpha and nothing else); None otherwise."""
    added = tuple(
        (name, dict(state))
        for name, state in stream._resources["ExtGState"].items()
        if name not in before
    )
    for name, state in added:
        if not (name[:1] in ("a", "A") and set(state) <= {"ca", "CA"} and len(state) == 1):
            return None
    return added


def _svg_source(image) -> str:
    """The SVG image's source as parsed (its URL and tree), computed once per image."""
    source = getattr(image, "_obrazci_source", None)
    if source is None:
        svg = image._svg
        source = f"{svg.url}\x00{ET.tostring(svg.tree._etree_node, encoding='unicode')}"
        image._obrazci_source = source
    return source


def _drawn_svg(self, stream, concrete_width, concrete_height, _style):
    """WeasyPrint's ``SVGImage.draw``; inside ``write_pdf`` with ``DrawnImages``, the operators
    an earlier drawing of the same image at the same size, transformation and drawing state
    appended, when that drawing registered nothing (no font, image, graphics state, pattern,
    shading or group: every operator is self-contained) and appended only operator text."""
    drawn_images = _DRAWN_IMAGES.get()
    if drawn_images is None:
        return _draw_svg(self, stream, concrete_width, concrete_height, _style)
    ctm, font = _stream_ctm(stream), _stream_state(stream, _STREAM_FONT)
    key = (_svg_source(self), concrete_width, concrete_height, ctm, _stream_state(stream))
    if (drawn := drawn_images.get(key)) is not None:
        drawn_images.count_hit()
        states = stream._resources["ExtGState"]
        for name, entries in drawn.alpha_states:
            if name not in states:
                states[name] = pydyf.Dictionary(entries)
        stream.stream.extend(drawn.operators)
        for name, value in zip(_STREAM_STATE, drawn.state, strict=True):
            setattr(stream, name, value)
        return None
    start, resources = len(stream.stream), _stream_resources(stream)
    states_before = set(stream._resources["ExtGState"])
    _draw_svg(self, stream, concrete_width, concrete_height, _style)
    operators = tuple(stream.stream[start:])
    alpha_states = _alpha_states(stream, states_before)
    if (
        alpha_states is not None
        and _stream_resources(stream) == resources
        and _stream_ctm(stream) == ctm
        and _stream_state(stream, _STREAM_FONT) == font
        and all(type(operator) in (bytes, str) for operator in operators)
    ):
        drawn_images.put(key, _Drawn(operators, _stream_state(stream), alpha_states))
    return None


_draw_svg = SVGImage.draw
SVGImage.draw = _drawn_svg


# --- Dotted borders: one stroked line a side ----------------------------------------------

_draw_border = border.draw_border
#: The sides in the order of a box's border widths: top, right, bottom, left.
SIDES = border.SIDES
#: The length of a dot's dash, in px (see ``_draw_dotted_border``).
DOT_DASH = 0.001


def _dotted_sides(box) -> list | None:
    """The sides of ``box``'s border to draw as dotted lines (each ``(index, width, color)``,
    ``index`` in ``SIDES``), when every side it has is dotted and not transparent, no two of
    them meet at a corner, its corners are square and nothing else is drawn with its border
    (column rules, a border image); None otherwise (WeasyPrint draws the border itself)."""
    style = box.style
    if style["visibility"] != "visible" or style["border_image_source"][0] != "none":
        return None
    if isinstance(box, boxes.BlockContainerBox) and (
        style["column_width"] != "auto" or style["column_count"] != "auto"
    ):
        return None  # column rules
    sides = []
    for index, side in enumerate(SIDES):
        width = getattr(box, f"border_{side}_width")
        if not width:
            continue
        color = get_color(style, f"border_{side}_color")
        if not color.alpha or style[f"border_{side}_style"] != "dotted":
            return None
        sides.append((index, width, color))
    if not sides or any((a - b) % 2 for (a, _, _), (b, _, _) in itertools.combinations(sides, 2)):
        return None  # nothing drawn, or two sides meeting at a corner
    if any(rx or ry for rx, ry in box.rounded_border_box()[4:]):
        return None
    return sides


def _draw_dotted_border(stream, box) -> None:
    """WeasyPrint's ``draw_border``; a border whose sides are all dotted, none meeting another
    at a corner (the official's line over *uradna oseba*), drawn as one stroked line a side
    with a dash pattern of dots (``[0 d]``, round caps: true circles) instead of four Bézier
    curves a dot clipped out of the border's area. The dots are where WeasyPrint puts them
    (see ``dotted_line``); a side shorter than two dots is left to it.

    Each dash is ``DOT_DASH`` long, not 0: PDFium strokes a dash of length 0 as one of 0.1
    units (a tenth of a px here), so that its dots would drift off their places, a tenth of
    a px each, and the last ones fall off the line."""
    sides = _dotted_sides(box)
    lines = [dotted_line(box, index, width) for index, width, _ in sides or ()]
    if sides is None or None in lines:
        _draw_border(stream, box)
        return
    with stream.artifact(), stream.stacked():
        stream.set_line_cap(1)  # round
        for (index, width, color), (x1, y1, x2, y2, period) in zip(sides, lines, strict=True):
            stream.set_color(color, stroke=True)
            stream.set_line_width(width)
            stream.set_dash([DOT_DASH, period - DOT_DASH], 0)
            if index % 2 == 0:  # each dash centred on its dot's place
                x1 -= DOT_DASH / 2
            else:
                y1 -= DOT_DASH / 2
            stream.move_to(x1, y1)
            stream.line_to(x2, y2)
            stream.stroke()


def dotted_line(box, index: int, width: float):
    """Where WeasyPrint's ``clip_border_segment`` puts the dots of a dotted side (``index`` in
    ``SIDES``) with no rounded corner and no side beside it: ``n = floor(L / w / 2) + 1`` dots
    of diameter ``w`` along the border box's edge of length ``L``, the first and the last flush
    with its ends, evenly spaced (``int(L // (2 * w)) + 1``, as WeasyPrint's own dotted fast
    path for four sides counts them, is one fewer when ``L`` is a whole number of ``2w``
    apart from rounding: 45 mm at 0.25 mm); as ``(x1, y1, x2, y2, period)``, the line through their
    centres from the first, past the last by half a dot (so that rounding leaves the last on
    the line) and short of a next, and the distance between two; None when ``L < 2w`` (no space)."""
    x, y, w, h = box.rounded_border_box()[:4]
    length = w if index % 2 == 0 else h
    spaces = math.floor(length / width / 2)  # as WeasyPrint computes them, rounding included
    if not spaces:
        return None
    period = (length - (spaces + 1) * width) / spaces + width  # its space, and a dot
    half = width / 2
    if index == 0:
        return x + half, y + half, x + w, y + half, period
    if index == 2:
        return x + half, y + h - half, x + w, y + h - half, period
    line_x = x + w - half if index == 1 else x + half
    return line_x, y + half, line_x, y + h, period


draw.draw_border = _draw_dotted_border


# --- Normal flow: one look at the style -----------------------------------------------------

#: The values of ``float`` that take a box out of the normal flow (``Box.is_floated``, and
#: ``Box.is_footnote``'s ``footnote``).
OUT_OF_FLOW_FLOATS = frozenset(("left", "right", "inline-start", "inline-end", "footnote"))
#: Those of ``position`` (``Box.is_absolutely_positioned``) and, as its first item, of a
#: ``running()`` or ``note()`` position (``Box.is_running``, ``Box.is_note``).
OUT_OF_FLOW_POSITIONS = frozenset(("absolute", "fixed"))
OUT_OF_FLOW_FUNCTIONS = frozenset(("running()", "note()"))


def _is_in_normal_flow(self) -> bool:
    """WeasyPrint's ``Box.is_in_normal_flow``: not floated, absolutely positioned, running,
    a footnote or a note, read in two look-ups of the style instead of five method calls
    (the inline layout asks it of every child of every line it tries: some 800 times a
    certification). ``float`` first, as the style computes ``position`` with it."""
    style = self.style
    if style["float"] in OUT_OF_FLOW_FLOATS:
        return False
    position = style["position"]
    return position not in OUT_OF_FLOW_POSITIONS and position[0] not in OUT_OF_FLOW_FUNCTIONS


_box_is_in_normal_flow = boxes.Box.is_in_normal_flow
boxes.Box.is_in_normal_flow = _is_in_normal_flow
