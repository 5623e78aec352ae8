"""Lengths: millimetres, PDF points and CSS pixels, converted in one place.

A PDF point is 1/72 inch, a CSS pixel 1/96 inch (WeasyPrint lays out in CSS pixels), an
inch 25.4 mm. The factors are named for what they multiply: ``x_mm * PT_PER_MM`` is in
points. A raster's pixels per point at a resolution come from ``PT_PER_INCH``.
"""

from __future__ import annotations

MM_PER_INCH = 25.4
PT_PER_INCH = 72
PX_PER_INCH = 96  # CSS pixels

PT_PER_MM = PT_PER_INCH / MM_PER_INCH
MM_PER_PT = MM_PER_INCH / PT_PER_INCH
MM_PER_PX = MM_PER_INCH / PX_PER_INCH
PT_PER_PX = PT_PER_INCH / PX_PER_INCH
