"""Text of the envelope imprint shaped with HarfBuzz (uharfbuzz), as Pango shapes it under
WeasyPrint: the same engine, the same default features (kerning, the f-ligatures), so
glyphs and advances agree with the pipeline's to a thousandth of a point. Glyph ids are
the font's own (the embedded subsets keep them), so a shaped run is written as the glyph
ids themselves (Identity-H), in the fonts of ``fonts``.

The prepared program is a subset: the Latin text set (U+0020–024F, general punctuation, €)
with everything GSUB makes of it, built once per process (about a second); a document
with a glyph outside it (Greek, Cyrillic, …) embeds the whole font instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import uharfbuzz as hb

from ..fonts import FONTS
from ..weasycompat import break_opportunities
from .fonts import FontProgram, metrics, subset_program, whole_program

#: What the prepared subset covers: every Latin letter sl, it and hu (and their neighbours)
#: write, digits, punctuation, typography.
BASE_TEXT = frozenset(range(0x20, 0x250)) | frozenset(range(0x2010, 0x2070)) | {0x20AC}
SHAPE_CACHE = 8192
RISE = re.compile(rb"\{R(-?\d+)\}")


@dataclass(frozen=True)
class Shaped:
    """One run of text shaped at 1 font unit: its TJ operand (glyph ids as 4-digit hex,
    kerning as adjustments) and its advance width in font units."""

    tj: bytes  # with {R<units>} where a rise is set (only for raised or lowered marks)
    width: int
    upem: int
    common: bool  # every glyph is in the prepared subset

    def operand(self, size_pt: float) -> bytes:
        """The TJ operation for text of ``size_pt``."""
        if b"{R" not in self.tj:
            return self.tj
        return RISE.sub(lambda m: b"%.3f" % (int(m[1]) / self.upem * size_pt), self.tj)


class Shaper:
    """Noto Sans Regular: shaping, and the programs that carry what it shapes."""

    def __init__(self) -> None:
        self.face = metrics(400)
        self.upem = self.face.upem
        self.hb_font = hb.Font(hb.Face(self.face.path.read_bytes()))
        self.base_program: FontProgram = subset_program(
            frozenset(BASE_TEXT & FONTS.codepoints), closure=True
        )
        self._base_glyphs = frozenset(self.base_program.glyphs)
        self._shaped: dict[tuple[str, str], Shaped] = {}

    @property
    def full_program(self) -> FontProgram:
        return whole_program(400)

    def shape(self, text: str, language: str) -> Shaped:
        key = (text, language)
        shaped = self._shaped.get(key)
        if shaped is None:
            if len(self._shaped) >= SHAPE_CACHE:
                self._shaped.clear()
            shaped = self._shaped[key] = self._shape(text, language)
        return shaped

    def _shape(self, text: str, language: str) -> Shaped:
        buffer = hb.Buffer()
        buffer.add_str(text)
        buffer.guess_segment_properties()
        buffer.language = language
        hb.shape(self.hb_font, buffer, {})
        scale = 1000 / self.upem  # TJ adjustments are thousandths of the font size
        advances = self.face.advances
        parts, width, rise = [b"["], 0, 0
        for info, pos in zip(buffer.glyph_infos, buffer.glyph_positions, strict=True):
            gid, advance = info.codepoint, pos.x_advance
            if pos.y_offset != rise:  # a mark raised or lowered: the rise is set per size
                parts.append(b"] TJ {R%d} Ts [" % pos.y_offset)
                rise = pos.y_offset
            if pos.x_offset:
                parts.append(b"%g" % (-pos.x_offset * scale))
            parts.append(b"<%04x>" % gid)
            adjust = advances[gid] - advance + pos.x_offset
            if adjust:
                parts.append(b"%g" % (adjust * scale))
            width += advance
        parts.append(b"] TJ" if not rise else b"] TJ {R0} Ts")
        common = self._base_glyphs.issuperset(info.codepoint for info in buffer.glyph_infos)
        return Shaped(b"".join(parts), width, self.upem, common)


@lru_cache(maxsize=1)
def shaper() -> Shaper:
    return Shaper()


class Piece(NamedTuple):
    """The part of one segment of a text that falls on a line, shaped."""

    segment: int  # index into the segments
    text: str
    run: Shaped


def break_lines(
    font: Shaper, segments: Sequence[tuple[str, str]], limit: float, language: str
) -> list[list[Piece]]:
    """The lines a text of ``segments`` ((text, language) each, spaces already collapsed:
    the text boxes of one block, each shaped on its own as WeasyPrint shapes each box)
    takes in a width of ``limit`` font units (the box's width x upem / font size): all of
    it on one line if it fits, otherwise broken greedily at Pango's break opportunities in
    the whole text (``language``: the block's), as WeasyPrint breaks it; the spaces at a
    break belong to no line. A piece with no opportunity to break stays whole and overflows."""
    text = "".join(part for part, _ in segments)
    starts, at = [], 0
    for part, _ in segments:
        starts.append(at)
        at += len(part)

    def pieces(start: int, end: int) -> list[Piece]:
        found = []
        for index, (part, lang) in enumerate(segments):
            first, last = max(start, starts[index]), min(end, starts[index] + len(part))
            if first < last:
                piece = text[first:last]
                found.append(Piece(index, piece, font.shape(piece, lang)))
        return found

    def width(line: list[Piece]) -> int:
        return sum(piece.run.width for piece in line)

    lines: list[list[Piece]] = []
    start = 0
    while True:
        line = pieces(start, len(text))
        if width(line) <= limit:
            return [*lines, line]
        rest = text[start:]
        opportunities = break_opportunities(rest, language)
        best = first = None
        for index in range(1, len(rest)):
            if opportunities[index]:
                first = first or index
                if width(pieces(start, start + len(rest[:index].rstrip(" ")))) > limit:
                    break
                best = index
        cut = best or first
        if cut is None:
            return [*lines, line]
        lines.append(pieces(start, start + len(rest[:cut].rstrip(" "))))
        start += cut
        while start < len(text) and text[start] == " ":
            start += 1
        if start == len(text):
            return lines
