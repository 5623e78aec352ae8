"""Text measurement with the shipped fonts' advance widths (``press.fonts.metrics``, the one
reader of the font files' metrics), for layouts that define how a value shrinks: pick the
largest allowed size at which each line fits.

This is a prediction made before layout; the overflow check after layout (``fit``) is what
guarantees that nothing is clipped.
"""

from __future__ import annotations

from .press.fonts import metrics
from .units import PT_PER_MM


def text_width_mm(text: str, size_pt: float, bold: bool = False) -> float:
    face = metrics(700 if bold else 400)
    widths, upem = face.char_advances, face.upem
    units = sum(widths.get(ord(ch), upem) for ch in text)
    return units / upem * size_pt / PT_PER_MM


def fit_size(lines, width_mm: float, sizes_pt, bold: bool = False) -> float:
    """The first of ``sizes_pt`` (largest first) at which every line fits ``width_mm``;
    the smallest if none does (the overflow check then refuses the value)."""
    lines = [str(line) for line in lines]
    for size in sizes_pt:
        if all(text_width_mm(line, size, bold) <= width_mm for line in lines):
            return size
    return sizes_pt[-1]
