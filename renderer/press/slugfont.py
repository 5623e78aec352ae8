"""A font embedded by hand, for text pikepdf writes itself (the imposition's slug line).

The project's regular face is subset to the characters needed, keeping its glyph ids, and
embedded as a Type0 font (CIDFontType2, Identity-H, CID = glyph id) with its widths and a
ToUnicode map, so the text is shown in the project's font, prints (PDF/X wants every font
embedded) and can be extracted. No shaping: one glyph per character, no kerning, which is
right for a line of job data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from types import MappingProxyType

import pikepdf
from fontTools import subset
from fontTools.ttLib import TTFont

from ..fonts import FONTS

BASE_CHARACTERS = frozenset(chr(c) for c in range(0x20, 0x7F)) | frozenset("–…·čšžćđČŠŽĆĐ")


@dataclass(frozen=True)
class _Subset:
    program: bytes  # the subset TrueType font, glyph ids kept
    name: str
    gids: Mapping[str, int]
    widths: Mapping[str, float]  # per 1000 units of the em
    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int
    cap_height: int


@lru_cache(maxsize=8)
def _subset(chars: frozenset[str], tag: str) -> _Subset:
    """The regular face subset to ``chars`` (cached: slug lines mostly share one set)."""
    face = next(f for f in FONTS.faces if f.weight == 400)
    with TTFont(face.path) as font:
        cmap = font.getBestCmap()
        missing = sorted(c for c in chars if ord(c) not in cmap)
        if missing:
            raise ValueError(f"the font has no glyph for {''.join(missing)!r}")
        upem = font["head"].unitsPerEm
        scale = 1000 / upem
        ordered = sorted(chars)
        gids = {c: font.getGlyphID(cmap[ord(c)]) for c in ordered}
        widths = {c: font["hmtx"][cmap[ord(c)]][0] * scale for c in ordered}
        head, os2 = font["head"], font["OS/2"]
        bbox = tuple(round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax))
        metrics = (
            round(os2.sTypoAscender * scale),
            round(os2.sTypoDescender * scale),
            round(getattr(os2, "sCapHeight", os2.sTypoAscender) * scale),
        )
        name = f"{tag}+{font['name'].getDebugName(6) or 'NotoSans-Regular'}"
        for table in ("GSUB", "GPOS", "GDEF"):  # no shaping here; decoding them is most of the cost
            if table in font:
                del font[table]
        options = subset.Options()
        options.retain_gids = True
        options.layout_features = []
        options.hinting = False
        options.notdef_outline = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[ord(c) for c in ordered])
        subsetter.subset(font)
        data = BytesIO()
        font.save(data)
    return _Subset(
        data.getvalue(), name, MappingProxyType(gids), MappingProxyType(widths), bbox, *metrics
    )


class EmbeddedFont:
    """The regular face, subset to ``text``'s characters (and printable ASCII), as an
    indirect font object of ``pdf``."""

    def __init__(self, pdf: pikepdf.Pdf, text: str, tag: str = "OBZSLG"):
        font = _subset(BASE_CHARACTERS | frozenset(text), tag)
        self.gids, self.widths = font.gids, font.widths
        program = pdf.make_stream(font.program)
        program.Length1 = len(font.program)
        descriptor = pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor,
            FontName=pikepdf.Name("/" + font.name),
            Flags=32,
            FontBBox=list(font.bbox),
            ItalicAngle=0,
            Ascent=font.ascent,
            Descent=font.descent,
            CapHeight=font.cap_height,
            StemV=80,
            FontFile2=program,
        )
        widths = pikepdf.Array()
        for char, gid in sorted(self.gids.items(), key=lambda item: item[1]):
            widths.extend([gid, pikepdf.Array([round(self.widths[char])])])
        descendant = pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.CIDFontType2,
            BaseFont=pikepdf.Name("/" + font.name),
            CIDSystemInfo=pikepdf.Dictionary(
                Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"), Supplement=0
            ),
            FontDescriptor=pdf.make_indirect(descriptor),
            W=widths,
            CIDToGIDMap=pikepdf.Name.Identity,
        )
        self.font = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Font,
                Subtype=pikepdf.Name.Type0,
                BaseFont=pikepdf.Name("/" + font.name),
                Encoding=pikepdf.Name("/Identity-H"),
                DescendantFonts=[pdf.make_indirect(descendant)],
                ToUnicode=pdf.make_stream(self._to_unicode()),
            )
        )

    def _to_unicode(self) -> bytes:
        entries = [f"<{gid:04X}> <{ord(c):04X}>" for c, gid in self.gids.items()]
        blocks = "".join(
            f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar\n"
            for chunk in (entries[i : i + 100] for i in range(0, len(entries), 100))
        )
        return (
            "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
            "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            f"{blocks}endcmap CMapName currentdict /CMap defineresource pop end end\n"
        ).encode("ascii")

    def show(self, text: str) -> bytes:
        """The ``Tj`` operand for ``text``: its glyph ids as a hex string."""
        return b"<" + "".join(f"{self.gids[c]:04X}" for c in text).encode("ascii") + b">"

    def width_pt(self, text: str, size_pt: float) -> float:
        return sum(self.widths[c] for c in text) * size_pt / 1000
