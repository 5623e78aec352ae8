"""Barcodes: Code 128 (encoded by python-barcode) drawn as one SVG path, and UPU S10
registered-item numbers with their check digit.

Each code is a single ``<path>``: one element however many bars (per-bar elements make
WeasyPrint markedly slower). The module width is chosen so the symbol and its quiet zones
(10 modules each side) fill the box's width; a code that would need modules thinner than
the minimum is refused, naming the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from barcode import Code128
from markupsafe import Markup

QUIET_MODULES = 10
MIN_MODULE_MM = 0.19  # below this, 300 dpi office scanners and printers lose bars

S10 = re.compile(r"^([A-Z]{2})(\d{8})(\d)([A-Z]{2})$")
S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def s10_check_digit(serial: str) -> int:
    """The UPU S10 check digit of an 8-digit serial number."""
    remainder = sum(int(d) * w for d, w in zip(serial, S10_WEIGHTS, strict=True)) % 11
    return {0: 5, 1: 0}.get(remainder, 11 - remainder)


def s10_problem(number: str) -> str | None:
    """Why ``number`` is not a valid S10 item number, or None if it is."""
    match = S10.match(number)
    if not match:
        return (
            "is not a UPU S10 item number: two letters, eight digits, a check digit, "
            "two letters (e.g. RR123456785SI)"
        )
    serial, check = match.group(2), int(match.group(3))
    expected = s10_check_digit(serial)
    if check != expected:
        return f"has the check digit {check}, but the UPU S10 check digit of {serial} is {expected}"
    return None


@dataclass(frozen=True)
class Code128Symbol:
    text: str
    modules: str  # '1' bar, '0' space

    @classmethod
    def encode(cls, text: str) -> Code128Symbol:
        return cls(text, "".join(Code128(text).build()))

    def module_mm(self, width_mm: float) -> float:
        return width_mm / (len(self.modules) + 2 * QUIET_MODULES)

    def svg(self, width_mm: float, height_mm: float) -> Markup:
        """The symbol, quiet zones included, as an inline SVG of the box's size in mm."""
        module = self.module_mm(width_mm)
        x = QUIET_MODULES * module
        runs, start = [], None
        for i, bit in enumerate(self.modules + "0"):
            if bit == "1" and start is None:
                start = i
            elif bit == "0" and start is not None:
                runs.append((start, i - start))
                start = None
        d = " ".join(
            f"M{x + s * module:.4f} 0h{n * module:.4f}v{height_mm:.3f}h{-n * module:.4f}z"
            for s, n in runs
        )
        return Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="barcode" width="{w}mm" height="{h}mm" '
            'viewBox="0 0 {w} {h}"><path d="{d}" fill="#000"/></svg>'
        ).format(w=f"{width_mm:g}", h=f"{height_mm:g}", d=d)
