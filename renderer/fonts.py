"""The fonts every layout is set in, checked once at start-up with fontTools.

Every PDF embeds them (WeasyPrint subsets and embeds all fonts it uses); no system font is
ever used, because the base stylesheet names only these families.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from fontTools.ttLib import TTFont

from .paths import FONTS_DIR

#: What sl, it and hu need besides ASCII, plus the typography the templates use.
REQUIRED_TEXT = {
    "sl": "čšžćđČŠŽĆĐ",
    "it": "àèéìíòóùúÀÈÉÌÒÙ",
    "hu": "áéíóöőúüűÁÉÍÓÖŐÚÜŰ",
    "typography": "–—„“”‚‘’»«…·°§€×",
}


class FontCoverageError(RuntimeError):
    """A shipped font lacks a character the product must print."""


@dataclass(frozen=True)
class FontFace:
    family: str
    file: str
    weight: int = 400
    style: str = "normal"

    @property
    def path(self) -> Path:
        return FONTS_DIR / self.file


@dataclass(frozen=True)
class FontSet:
    faces: tuple[FontFace, ...]

    def check(self) -> None:
        """Fail with a clear message unless every face covers every required character."""
        needed = set(string.printable.strip()) | {" "} | set("".join(REQUIRED_TEXT.values()))
        problems = []
        for face in self.faces:
            if not face.path.is_file():
                problems.append(f"{face.path}: file missing")
                continue
            cmap = _cmap(face.path)
            missing = sorted(ch for ch in needed if ord(ch) not in cmap)
            if missing:
                shown = " ".join(f"{ch} (U+{ord(ch):04X})" for ch in missing)
                problems.append(f"{face.path.name} lacks {shown}")
        if problems:
            raise FontCoverageError("fonts cannot print sl/it/hu text: " + "; ".join(problems))

    @cached_property
    def codepoints(self) -> frozenset[int]:
        """Characters every face can print: what request text may contain."""
        sets = [_cmap(face.path) for face in self.faces]
        return frozenset(set.intersection(*sets))

    def css(self) -> str:
        """@font-face rules; URLs are file: URLs under fonts/, served by the asset fetcher."""
        return "\n".join(
            f"@font-face {{ font-family: '{f.family}'; font-weight: {f.weight}; "
            f"font-style: {f.style}; src: url('{f.path.as_uri()}'); }}"
            for f in self.faces
        )


def _cmap(path: Path) -> set[int]:
    with TTFont(path, lazy=True) as font:
        return set(font.getBestCmap())


FONTS = FontSet(
    (
        FontFace("Obrazci Sans", "NotoSans-Regular.ttf", 400),
        FontFace("Obrazci Sans", "NotoSans-Bold.ttf", 700),
    )
)
