"""Assemble a book from one render: identical pages are drawn once and reused.

A book layout renders its distinct pages once: the front pages, the template page(s) of the
repeated part, the back pages, and last a "digits page" whose only text is 0123456789 in
the page-number font. The assembler (pikepdf) turns each template page into one Form
XObject and adds ``count`` pages (or spreads) that draw it, each with its own page number
written in the digits page's embedded font. A 100-page book thus costs a handful of page
layouts instead of a hundred, and the file holds each inner page's drawing once.

The same assembly numbers a page or spread delivered on its own (``bound`` false: a
complaint book's inner page, a blank register spread), its first number from the request.
What the render holds does not depend on the request, so the pipeline draws it once per
language set and bleed and keeps it (``Pipeline._layer``); the pages that do depend on it
(``request_pages``: a title page with the body's name) are rendered per request and put in
place of the drawn ones (``finish``).

Pages are counted as a binder counts them: the parts bound on separately (the cover, an
endpaper) come first, ``bound_separately`` pages in all, and the block after them must
have an even number of pages (its leaves have two sides). The file opens two pages up with
the block's first page on the right, so its spreads face each other as in the bound book.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import pikepdf

from ..textfit import text_width_mm
from ..units import PT_PER_MM
from . import content
from .fonts import FontProgram, deflated_stream, embed


@dataclass(frozen=True)
class NumberSpec:
    """Where the page number goes on a repeated page (mm from the top left)."""

    x_mm: float  # the anchor: centre, left or right edge of the number
    baseline_mm: float
    size_pt: float
    align: str = "center"
    bold: bool = False

    def x_for(self, text: str) -> float:
        width = text_width_mm(text, self.size_pt, self.bold)
        return {"left": self.x_mm, "center": self.x_mm - width / 2, "right": self.x_mm - width}[
            self.align
        ]


@dataclass(frozen=True)
class Assembly:
    front: int  # rendered pages kept as they are, first
    repeat: int  # rendered pages that form the repeated sequence (1 page, or 2 for a spread)
    back: int  # rendered pages kept as they are, after the repeated part
    numbers: tuple[NumberSpec, ...]  # one per page of the sequence
    count: int | None = None  # repetitions; None: the request's data says (``repeat_count``)
    number_start: int = 1  # the data's ``first_number`` instead, when it gives one
    bound_separately: int = 0  # the first pages that are not the block (cover, endpaper)
    bound: bool = True  # a book (an even block, two pages up); False: a page or spread alone
    #: rendered pages (0-based) drawn per request by another layout: (index, layout id)
    request_pages: tuple[tuple[int, str], ...] = ()

    def __post_init__(self) -> None:
        if len(self.numbers) != self.repeat:
            raise ValueError("give one page-number position per repeated page")

    def total_pages(self, count: int) -> int:
        return self.front + count * self.repeat + self.back

    def block_pages(self, count: int) -> int:
        """The pages of the bound block: what the binder sews, without cover or endpaper."""
        return self.total_pages(count) - self.bound_separately

    @property
    def render_pages(self) -> int:
        """Pages the layout's own render must have (with the digits page)."""
        return self.front + self.repeat + self.back + 1


#: The resource name of the font a binding's texts are drawn in (``Binding.texts``).
TEXT_FONT = "/OBZText"
TEXT_ZLIB_LEVEL = 3


def _placed(text: bytes, left: float, bottom: float) -> bytes:
    """A page's text moved to its trim box's corner (past the bleed), deflated."""
    return zlib.compress(b"q 1 0 0 1 %.4f %.4f cm\n%s\nQ" % (left, bottom, text), TEXT_ZLIB_LEVEL)


class AssemblyError(RuntimeError):
    """The render does not have the pages the assembly expects: a layout bug."""


def _digit_codes(
    pdf: pikepdf.Pdf, page: pikepdf.Page
) -> tuple[pikepdf.Name, pikepdf.Object, dict[str, bytes]]:
    """The font (resource name, object) and the glyph code of each digit on the digits page."""
    font_name, codes = None, b""
    for operands, operator in content.parse(page.obj):
        if str(operator) == "Tf":
            font_name = operands[0]
        elif str(operator) == "TJ":
            codes += b"".join(
                bytes(item) for item in operands[0] if isinstance(item, pikepdf.String)
            )
        elif str(operator) == "Tj":
            codes += bytes(operands[0])
    if font_name is None or len(codes) != 20:
        raise AssemblyError(
            f"the digits page must show 0123456789 in one two-byte font, found {codes!r}"
        )
    digits = {str(d): codes[2 * d : 2 * d + 2] for d in range(10)}
    return font_name, page.Resources.Font[font_name], digits


@dataclass(frozen=True)
class Binding:
    """What one request makes of a drawn assembly: ``count`` repetitions numbered from
    ``number_start``, and its own pages (``Assembly.request_pages``: index → a one-page
    PDF) put in place of the drawn ones; ``texts``: a content stream drawn over each
    repetition's pages in turn (the register's entries, ``press.register``), in the font
    ``font`` under the resource name ``TEXT_FONT``."""

    assembly: Assembly
    count: int
    number_start: int
    own_pages: tuple[tuple[int, bytes], ...] = ()
    texts: tuple[bytes, ...] = ()
    font: FontProgram | None = None

    @property
    def total_pages(self) -> int:
        return self.assembly.total_pages(self.count)


def assemble(
    pdf: pikepdf.Pdf,
    assembly: Assembly,
    count: int,
    number_start: int | None = None,
    texts: Sequence[bytes] = (),
    font: FontProgram | None = None,
) -> None:
    """Replace the template pages by ``count`` numbered repetitions, in place, numbered from
    ``number_start`` (None: the assembly's); with ``texts``, each repeated page also draws
    the next of them (its text, placed from the page's trim box) in ``font``."""
    if texts and (font is None or len(texts) != count * assembly.repeat):
        raise AssemblyError(f"{len(texts)} texts for {count * assembly.repeat} pages")
    if number_start is None:
        number_start = assembly.number_start
    pages = pdf.pages
    if len(pages) != assembly.render_pages:
        raise AssemblyError(f"expected {assembly.render_pages} rendered pages, got {len(pages)}")
    if assembly.bound and assembly.block_pages(count) % 2:
        raise AssemblyError(f"the block would have {assembly.block_pages(count)} pages, not even")
    digits_page = pages[-1]
    font_name, digits_font, digits = _digit_codes(pdf, digits_page)
    first_template = assembly.front
    templates = [pages[first_template + i] for i in range(assembly.repeat)]
    forms = [pdf.make_indirect(t.as_form_xobject()) for t in templates]
    insert_at = first_template + assembly.repeat  # before the back pages
    fonts = {str(font_name): digits_font}
    if texts:
        assert font is not None
        fonts[TEXT_FONT] = embed(pdf, font, cid_set=True)
    for i in range(count):
        for j, (template, form, spec) in enumerate(
            zip(templates, forms, assembly.numbers, strict=True)
        ):
            number = str(number_start + i * assembly.repeat + j)
            left, bottom, _, top = (
                float(v) for v in template.obj.get("/TrimBox", template.MediaBox)
            )
            x = left + spec.x_for(number) * PT_PER_MM  # from the trim: the page may have bleed
            y = top - spec.baseline_mm * PT_PER_MM
            glyphs = b"".join(digits[d] for d in number).hex().encode()
            content = (
                b"q /Tpl Do Q BT "
                + bytes(font_name.unparse())
                + b" %.3f Tf %.3f %.3f Td <" % (spec.size_pt, x, y)
                + glyphs
                + b"> Tj ET"
            )
            streams = [pdf.make_stream(content)]
            if texts:
                streams.append(
                    deflated_stream(pdf, _placed(texts[i * assembly.repeat + j], left, bottom))
                )
            page = pikepdf.Dictionary(
                Type=pikepdf.Name.Page,
                MediaBox=template.MediaBox,
                Resources=pikepdf.Dictionary(
                    XObject=pikepdf.Dictionary(Tpl=form),
                    Font=pikepdf.Dictionary(fonts),
                ),
                Contents=streams[0] if len(streams) == 1 else pikepdf.Array(streams),
            )
            if "/Group" in template.obj:
                page.Group = template.obj.Group
            pages.insert(insert_at, pikepdf.Page(pdf.make_indirect(page)))
            insert_at += 1
    for _ in range(assembly.repeat):  # the templates themselves
        del pages[first_template]
    del pages[len(pages) - 1]  # the digits page
    if not assembly.bound:
        return
    # Two pages up, the block's first page (a recto) on the right: odd file pages on the
    # left when the parts before the block have an odd number of pages.
    two_up = "/TwoPageLeft" if assembly.bound_separately % 2 else "/TwoPageRight"
    pdf.Root.PageLayout = pikepdf.Name(two_up)
