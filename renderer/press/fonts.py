"""The one font embedder: the project's font files read, subset and written into PDFs.

``renderer/fonts.py`` is the registry of the font files (which faces exist, what they
cover, checked at start-up); this module is everything read from those files or written
from them: each face's metrics, read once (``metrics``: advances, cmap, vertical metrics;
``textfit`` measures with them too), subsets that keep the font's glyph ids, and a subset
written as a Type0 font (CIDFontType2, Identity-H, CID = glyph id) with its ``/W`` widths
and a ToUnicode map, so text in it prints (PDF/X wants every font embedded) and extracts.

There are two writers of the same ``FontProgram`` because its two users write PDFs two
ways: ``embed`` makes pikepdf objects (the imposition's slug line, in a pikepdf document),
``write_raw`` writes the objects as bytes into a ``RawPdf`` whose objects are numbered by
name (the envelope imprint, which writes its PDF without a PDF library per page). Both
take the widths, descriptor values and ToUnicode from the program, written once here.

Subsets are deterministic (the font's own ``head`` timestamp is kept, the subset tag is a
hash of the program), so the same text gives the same bytes in any process.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pikepdf
from fontTools import subset
from fontTools.ttLib import TTFont

from ..fonts import FONTS
from .rawpdf import RawPdf

#: Tables a subset for PDF does not need: shaping is done before, names and glyph names
#: are not read from an embedded font.
DROPPED_TABLES = ("GSUB", "GPOS", "GDEF", "name", "post", "DSIG")


@dataclass(frozen=True)
class FaceMetrics:
    """What the press and the text measurement read from one font file, in font units."""

    path: Path
    weight: int
    upem: int
    cmap: Mapping[int, int]  # code point → glyph id
    advances: tuple[int, ...]  # by glyph id
    bbox: tuple[int, int, int, int]
    ascent: int  # hhea
    descent: int
    cap_height: int

    @cached_property
    def char_advances(self) -> Mapping[int, int]:
        """Code point → advance width."""
        return MappingProxyType({cp: self.advances[gid] for cp, gid in self.cmap.items()})

    @cached_property
    def cmap_texts(self) -> Mapping[int, str]:
        """Glyph id → the text it stands for by the cmap (the lowest code point if several)."""
        texts: dict[int, str] = {}
        for codepoint, gid in sorted(self.cmap.items(), reverse=True):
            texts[gid] = chr(codepoint)
        return MappingProxyType(texts)

    @cached_property
    def glyph_texts(self) -> Mapping[int, str]:
        """``cmap_texts`` and the text of every glyph GSUB makes (a ligature: all of its
        letters, also where it has a presentation form of its own)."""
        with _open(self.path) as font:
            return MappingProxyType(_glyph_texts(font))


@cache
def metrics(weight: int = 400) -> FaceMetrics:
    """The metrics of the registry's face of ``weight``, read once per process."""
    face = next(f for f in FONTS.faces if f.weight == weight)
    with _open(face.path) as font:
        head, hhea = font["head"], font["hhea"]
        ids = font.getReverseGlyphMap()
        hmtx = font["hmtx"]
        return FaceMetrics(
            path=face.path,
            weight=weight,
            upem=head.unitsPerEm,
            cmap=MappingProxyType({cp: ids[name] for cp, name in font.getBestCmap().items()}),
            advances=tuple(hmtx[name][0] for name in font.getGlyphOrder()),
            bbox=(head.xMin, head.yMin, head.xMax, head.yMax),
            ascent=hhea.ascent,
            descent=hhea.descent,
            cap_height=getattr(font["OS/2"], "sCapHeight", hhea.ascent),
        )


def _open(path: Path) -> TTFont:
    return TTFont(path, recalcTimestamp=False)  # a subset keeps the font's date: same bytes


@dataclass(frozen=True)
class FontProgram:
    """One embeddable font: the TrueType program, the glyph ids it has, and the values
    its PDF objects carry, computed once for both writers."""

    name: str  # BaseFont (with the subset tag)
    data: bytes
    glyphs: tuple[int, ...]  # sorted
    face: FaceMetrics
    texts: Mapping[int, str]  # glyph id → text, for ToUnicode

    @property
    def scale(self) -> float:
        """Font units to the thousandths of text space that PDF font metrics are in."""
        return 1000 / self.face.upem

    @cached_property
    def widths(self) -> bytes:
        """The ``/W`` array's content: each run of consecutive glyph ids and their widths."""
        runs: list[list[int]] = []
        for gid in self.glyphs:
            if runs and gid == runs[-1][-1] + 1:
                runs[-1].append(gid)
            else:
                runs.append([gid])
        scale, advances = self.scale, self.face.advances
        return " ".join(
            f"{run[0]} [{' '.join(f'{advances[g] * scale:g}' for g in run)}]" for run in runs
        ).encode("ascii")

    @cached_property
    def to_unicode(self) -> bytes:
        """The ToUnicode CMap: each glyph id with a text, as UTF-16BE."""
        entries = [(gid, self.texts[gid]) for gid in self.glyphs if gid in self.texts]
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

    @cached_property
    def descriptor_entries(self) -> bytes:
        """The FontDescriptor's entries but the font file: flags (symbolic: a custom
        character set, as WeasyPrint marks its fonts), box and vertical metrics."""
        s = self.scale
        bbox = " ".join(f"{v * s:g}" for v in self.face.bbox)
        return (
            f"/Type /FontDescriptor /FontName /{self.name} /Flags 4 /FontBBox [{bbox}] "
            f"/ItalicAngle 0 /Ascent {self.face.ascent * s:g} /Descent {self.face.descent * s:g} "
            f"/CapHeight {self.face.cap_height * s:g} /StemV 80"
        ).encode("ascii")

    @cached_property
    def packed(self) -> tuple[bytes, bytes]:
        """The font program and the ToUnicode map, deflated (once, for both writers)."""
        return zlib.compress(self.data, 9), zlib.compress(self.to_unicode, 9)

    @cached_property
    def cid_set(self) -> bytes:
        """The CIDSet (PDF/A-1 wants one for a subset): a bit per CID (= glyph id) the
        program has, the first CID in the first byte's high bit; deflated."""
        bits = bytearray(max(self.glyphs) // 8 + 1)
        for gid in self.glyphs:
            bits[gid // 8] |= 0x80 >> (gid % 8)
        return zlib.compress(bytes(bits), 9)


@lru_cache(maxsize=8)  # the imprint's Latin set, and the last slug lines' characters
def subset_program(
    unicodes: frozenset[int], closure: bool, weight: int = 400, tag: str | None = None
) -> FontProgram:
    """The face subset to ``unicodes``, glyph ids kept, outlines only (no hinting, no
    layout tables). ``closure``: also every glyph GSUB's default features make of them (text
    shaped with HarfBuzz); without it, one glyph per character (faster to make). ``tag``:
    the subset tag of its name (six capitals); by default made from the program's hash."""
    face = metrics(weight)
    missing = sorted(chr(cp) for cp in unicodes if cp not in face.cmap)
    if missing:
        raise ValueError(f"the font has no glyph for {''.join(missing)!r}")
    options = subset.Options()
    options.retain_gids = True  # glyph ids stay the font's (CID = GID)
    options.hinting = False
    options.notdef_outline = True
    options.glyph_names = False
    options.name_IDs = []
    if not closure:
        options.layout_features = []
    with _open(face.path) as font:
        if not closure:  # decoding the layout tables is most of the cost
            for table in ("GSUB", "GPOS", "GDEF"):
                if table in font:
                    del font[table]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(unicodes))
        subsetter.subset(font)
        ids = font.getReverseGlyphMap()
        glyphs = tuple(sorted(ids[name] for name in subsetter.glyphs_retained))
        for table in DROPPED_TABLES:
            if table in font:
                del font[table]
        out = io.BytesIO()
        font.save(out)
    data = out.getvalue()
    if tag is None:
        tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(data).digest()[:6])
    texts = face.glyph_texts if closure else face.cmap_texts
    return FontProgram(f"{tag}+{_postscript_name(face)}", data, glyphs, face, texts)


@cache
def whole_program(weight: int = 400) -> FontProgram:
    """The whole face, for text with a letter outside a prepared subset."""
    face = metrics(weight)
    return FontProgram(
        _postscript_name(face),
        face.path.read_bytes(),
        tuple(range(len(face.advances))),
        face,
        face.glyph_texts,
    )


def _postscript_name(face: FaceMetrics) -> str:
    return "NotoSans-Bold" if face.weight == 700 else "NotoSans-Regular"


# --- the writers --------------------------------------------------------------------------

CID_SYSTEM_INFO = b"<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"


def write_raw(program: FontProgram, pdf: RawPdf, name: str = "font") -> None:
    """The font's five objects into ``pdf``, the Type0 font named ``name`` (its parts are
    named after it), each reference by name."""
    parts = {part: f"{name}.{part}" for part in ("descendant", "descriptor", "file", "cmap")}
    for key in (name, *parts.values()):
        pdf.number(key)  # numbered in this order, as the objects are written
    font_file, to_unicode = program.packed
    pdf.put(
        name,
        b"<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H "
        b"/DescendantFonts [%s] /ToUnicode %s >>"
        % (program.name.encode("ascii"), pdf.ref(parts["descendant"]), pdf.ref(parts["cmap"])),
    )
    pdf.put(
        parts["descendant"],
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo %s "
        b"/FontDescriptor %s /CIDToGIDMap /Identity /DW 0 /W [%s] >>"
        % (
            program.name.encode("ascii"),
            CID_SYSTEM_INFO,
            pdf.ref(parts["descriptor"]),
            program.widths,
        ),
    )
    pdf.put(
        parts["descriptor"],
        b"<< %s /FontFile2 %s >>" % (program.descriptor_entries, pdf.ref(parts["file"])),
    )
    pdf.put_stream(parts["file"], font_file, b"/Length1 %d" % len(program.data))
    pdf.put_stream(parts["cmap"], to_unicode)


def deflated_stream(pdf: pikepdf.Pdf, deflated: bytes) -> pikepdf.Stream:
    """A stream of ``pdf`` holding data already deflated (saving does not compress it again)."""
    stream = pikepdf.Stream(pdf, deflated)
    stream.Filter = pikepdf.Name.FlateDecode
    return stream


def embed(pdf: pikepdf.Pdf, program: FontProgram, cid_set: bool = False) -> pikepdf.Object:
    """The font as an indirect Type0 font object of ``pdf``; with ``cid_set``, its descriptor
    lists the CIDs it has (PDF/A-1 wants it for a subset; any PDF allows it)."""
    font_file, to_unicode = program.packed
    file = deflated_stream(pdf, font_file)
    file.Length1 = len(program.data)
    descriptor = pikepdf.Object.parse(b"<< %s >>" % program.descriptor_entries)
    descriptor.FontFile2 = file
    if cid_set:
        descriptor.CIDSet = deflated_stream(pdf, program.cid_set)
    descendant = pikepdf.Object.parse(
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo %s "
        b"/CIDToGIDMap /Identity /DW 0 /W [%s] >>"
        % (program.name.encode("ascii"), CID_SYSTEM_INFO, program.widths)
    )
    descendant.FontDescriptor = pdf.make_indirect(descriptor)
    font = pikepdf.Object.parse(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H >>"
        % program.name.encode("ascii")
    )
    font.DescendantFonts = pikepdf.Array([pdf.make_indirect(descendant)])
    font.ToUnicode = deflated_stream(pdf, to_unicode)
    return pdf.make_indirect(font)


#: What an unshaped line of job data needs besides its own characters.
BASE_CHARACTERS = frozenset(range(0x20, 0x7F)) | frozenset(map(ord, "–…·čšžćđČŠŽĆĐ"))
#: The slug line's subset tag: fixed, so its font is told apart from the pages' fonts.
SLUG_TAG = "OBZSLG"


class SlugFont:
    """Text set one glyph per character, no kerning (right for a line of job data), in the
    regular face subset to ``text``'s characters and printable ASCII, embedded in ``pdf``."""

    def __init__(self, pdf: pikepdf.Pdf, text: str):
        self.program = subset_program(
            BASE_CHARACTERS | frozenset(map(ord, text)), closure=False, tag=SLUG_TAG
        )
        self.font = embed(pdf, self.program)
        self._gids = self.program.face.cmap
        self._advances = self.program.face.char_advances

    def show(self, text: str) -> bytes:
        """The ``Tj`` operand for ``text``: its glyph ids as a hex string."""
        return b"<" + "".join(f"{self._gids[ord(c)]:04X}" for c in text).encode("ascii") + b">"

    def width_pt(self, text: str, size_pt: float) -> float:
        scale = self.program.scale
        return sum(self._advances[ord(c)] * scale for c in text) * size_pt / 1000


# --- the text of glyphs -------------------------------------------------------------------


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


# --- reading fonts back (the accessibility checks read what any PDF holds) ---------------


def _hex(token: str) -> bytes:
    return bytes.fromhex(token)


_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_HEX = re.compile(rb"<([0-9A-Fa-f]*)>|\[([^\]]*)\]")


def to_unicode_map(font: Any) -> dict[bytes, str] | None:
    """The font's ToUnicode CMap as {character code: text}; None without one."""
    stream = font.get("/ToUnicode")
    if not isinstance(stream, pikepdf.Stream):
        return None
    data = stream.read_bytes()
    mapping: dict[bytes, str] = {}
    for block in _BFCHAR.findall(data):
        tokens = re.findall(rb"<([0-9A-Fa-f]*)>", block)
        for src, dst in zip(tokens[::2], tokens[1::2], strict=False):  # a stray token ignored
            mapping[_hex(src.decode())] = _hex(dst.decode()).decode("utf-16-be")
    for block in _BFRANGE.findall(data):
        items = _HEX.findall(block)
        for i in range(0, len(items) - 2, 3):
            low, high = _hex(items[i][0].decode()), _hex(items[i + 1][0].decode())
            size = len(low)
            start, end = int.from_bytes(low, "big"), int.from_bytes(high, "big")
            target = items[i + 2]
            if target[1]:  # an array of destinations
                dsts = re.findall(rb"<([0-9A-Fa-f]*)>", target[1])
                for offset, dst in enumerate(dsts[: end - start + 1]):
                    mapping[(start + offset).to_bytes(size, "big")] = _hex(dst.decode()).decode(
                        "utf-16-be"
                    )
            else:
                base = _hex(target[0].decode())
                for offset in range(end - start + 1):
                    dst = (int.from_bytes(base, "big") + offset).to_bytes(len(base), "big")
                    mapping[(start + offset).to_bytes(size, "big")] = dst.decode(
                        "utf-16-be", "replace"
                    )
    return mapping


def font_embedded(font: Any) -> bool:
    """Whether a PDF font's program is in the file (a Type 3 font's glyphs always are)."""
    if font.get("/Subtype") == "/Type3":
        return True  # its glyphs are content streams in the file
    if font.get("/Subtype") == "/Type0":
        font = font.DescendantFonts[0]
    descriptor = font.get("/FontDescriptor")
    return descriptor is not None and any(
        key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
    )
