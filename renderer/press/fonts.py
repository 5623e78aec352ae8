"""The font of the envelope imprint: Noto Sans Regular shaped with HarfBuzz and embedded as
a CID-keyed TrueType font, prepared once per process.

Shaping is HarfBuzz's (uharfbuzz), the engine Pango runs under WeasyPrint, with the same
default features (kerning, the f-ligatures), so glyphs and advances agree with the
pipeline's to a thousandth of a point. Glyph ids are the font's own (the embedded subset
keeps them), so a shaped run is written as the glyph ids themselves (Identity-H).

The embedded program is a subset: the Latin text set (U+0020–024F, general punctuation, €)
with everything GSUB can make of it, built once per process (about a second); a document
with a glyph outside it (Greek, Cyrillic, …) embeds the whole font instead.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zlib
from dataclasses import dataclass
from functools import cached_property, lru_cache

import uharfbuzz as hb
from fontTools import subset
from fontTools.ttLib import TTFont

from ..fonts import FONTS

FACE = next(f for f in FONTS.faces if f.weight == 400)
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


@dataclass(frozen=True)
class FontProgram:
    """The PDF objects of one embedded subset (numbers fixed by the writer)."""

    name: str  # BaseFont, with its subset tag
    descendant: bytes  # the CIDFontType2 dictionary, /FontDescriptor and /W included
    descriptor: bytes
    font_file: bytes  # the FontFile2 stream object, compressed
    to_unicode: bytes  # the ToUnicode stream object, compressed
    glyphs: frozenset[int]  # the glyph ids it has


class ImprintFont:
    """Noto Sans Regular: shaping, widths and the embedded subsets."""

    def __init__(self):
        self.data = FACE.path.read_bytes()
        self.hb_font = hb.Font(hb.Face(self.data))
        with TTFont(io.BytesIO(self.data)) as font:
            self.upem = font["head"].unitsPerEm
            self.advances = {
                gid: font["hmtx"][name][0] for gid, name in enumerate(font.getGlyphOrder())
            }
            self.ascent, self.descent = font["hhea"].ascent, font["hhea"].descent
            head = font["head"]
            self.bbox = (head.xMin, head.yMin, head.xMax, head.yMax)
            self.cap_height = getattr(font["OS/2"], "sCapHeight", self.ascent)
            self.text_of = _glyph_texts(font)
        self._shaped: dict[tuple[str, str], Shaped] = {}

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
        parts, width, rise = [b"["], 0, 0
        for info, pos in zip(buffer.glyph_infos, buffer.glyph_positions):
            gid, advance = info.codepoint, pos.x_advance
            if pos.y_offset != rise:  # a mark raised or lowered: the rise is set per size
                parts.append(b"] TJ {R%d} Ts [" % pos.y_offset)
                rise = pos.y_offset
            if pos.x_offset:
                parts.append(b"%g" % (-pos.x_offset * scale))
            parts.append(b"<%04x>" % gid)
            adjust = self.advances[gid] - advance + pos.x_offset
            if adjust:
                parts.append(b"%g" % (adjust * scale))
            width += advance
        parts.append(b"] TJ" if not rise else b"] TJ {R0} Ts")
        common = self.base_program.glyphs.issuperset(info.codepoint for info in buffer.glyph_infos)
        return Shaped(b"".join(parts), width, self.upem, common)

    @cached_property
    def base_program(self) -> FontProgram:
        """The subset for the Latin text set (and every glyph GSUB's default features make of
        it), glyph ids kept; outlines only (no hinting, no layout tables)."""
        options = subset.Options()
        options.retain_gids = True  # glyph ids stay those HarfBuzz gives (CID = GID)
        options.hinting = False
        options.notdef_outline = True
        options.glyph_names = False
        options.name_IDs = []
        with TTFont(io.BytesIO(self.data)) as font:
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=sorted(BASE_TEXT & FONTS.codepoints))
            subsetter.subset(font)
            ids = font.getReverseGlyphMap()
            gids = sorted(ids[name] for name in subsetter.glyphs_retained)
            for table in ("GSUB", "GPOS", "GDEF", "name", "post", "DSIG"):
                if table in font:
                    del font[table]
            out = io.BytesIO()
            font.save(out)
        tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(out.getvalue()).digest()[:6])
        return self._program(f"{tag}+NotoSans-Regular", out.getvalue(), gids)

    @cached_property
    def full_program(self) -> FontProgram:
        """The whole font, for a document with a letter outside the subset."""
        return self._program("NotoSans-Regular", self.data, sorted(self.advances))

    def _program(self, name: str, program: bytes, gids: list[int]) -> FontProgram:
        to_unicode = self._to_unicode(gids)
        return FontProgram(
            name=name,
            descendant=self._descendant(name, gids),
            descriptor=self._descriptor(name),
            font_file=_stream(program, b"/Length1 %d" % len(program)),
            to_unicode=_stream(to_unicode),
            glyphs=frozenset(gids),
        )

    def _descendant(self, name: str, gids: list[int]) -> bytes:
        scale = 1000 / self.upem
        ranges, run = [], []
        for gid in gids:
            if run and gid != run[-1] + 1:
                ranges.append(run)
                run = []
            run.append(gid)
        if run:
            ranges.append(run)
        widths = " ".join(
            f"{r[0]} [{' '.join(f'{self.advances[g] * scale:g}' for g in r)}]" for r in ranges
        )
        return (
            f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} "
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
            f"/FontDescriptor 6 0 R /CIDToGIDMap /Identity /DW 0 /W [{widths}] >>"
        ).encode("ascii")

    def _descriptor(self, name: str) -> bytes:
        scale = 1000 / self.upem
        bbox = " ".join(f"{v * scale:g}" for v in self.bbox)
        return (
            f"<< /Type /FontDescriptor /FontName /{name} /Flags 4 /FontBBox [{bbox}] /ItalicAngle 0 "
            f"/Ascent {self.ascent * scale:g} /Descent {self.descent * scale:g} "
            f"/CapHeight {self.cap_height * scale:g} /StemV 80 /FontFile2 7 0 R >>"
        ).encode("ascii")

    def _to_unicode(self, gids: list[int]) -> bytes:
        entries = [(gid, self.text_of[gid]) for gid in gids if gid in self.text_of]
        lines = [
            b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
            b"1 begincodespacerange <0000> <ffff> endcodespacerange",
        ]
        for start in range(0, len(entries), 100):
            chunk = entries[start : start + 100]
            lines.append(b"%d beginbfchar" % len(chunk))
            lines.extend(
                b"<%04x> <%s>" % (gid, text.encode("utf-16-be").hex().encode())
                for gid, text in chunk
            )
            lines.append(b"endbfchar")
        lines.append(b"endcmap CMapName currentdict /CMap defineresource pop end end")
        return b"\n".join(lines)


def _glyph_texts(font: TTFont) -> dict[int, str]:
    """The text each glyph stands for: its code point (the lowest, if several), or for a
    glyph GSUB makes, the text of the glyphs it comes from (a ligature: all of them, also
    where the ligature has a code point of its own as a presentation form)."""
    ids = font.getReverseGlyphMap()
    names: dict[str, str] = {}
    for codepoint, name in sorted(font.getBestCmap().items(), reverse=True):
        names[name] = chr(codepoint)
    gsub = font["GSUB"].table if "GSUB" in font else None
    for _ in range(3):  # substitutions of substitutions
        for lookup in gsub.LookupList.Lookup if gsub else ():
            for table in lookup.SubTable:
                table = getattr(table, "ExtSubTable", table)
                for source, target in getattr(table, "mapping", {}).items():  # single substitutions
                    if source in names:
                        names.setdefault(target, names[source])
                for first, ligatures in getattr(table, "ligatures", {}).items():
                    for ligature in ligatures:
                        parts = [first, *ligature.Component]
                        if all(p in names for p in parts):
                            text = "".join(names[p] for p in parts)
                            # a presentation form (ﬃ) reads as its letters, as WeasyPrint writes it
                            if (
                                unicodedata.normalize("NFKC", names.get(ligature.LigGlyph, text))
                                == text
                            ):
                                names[ligature.LigGlyph] = text
    return {ids[name]: text for name, text in names.items()}


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    packed = zlib.compress(data, 9)
    return b"<< /Length %d /Filter /FlateDecode %s>>\nstream\n%s\nendstream" % (
        len(packed),
        extra + b" " if extra else b"",
        packed,
    )


@lru_cache(maxsize=1)
def imprint_font() -> ImprintFont:
    return ImprintFont()
