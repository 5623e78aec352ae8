"""Raster: page 1 of a finished PDF as PNG at the requested resolution (PDFium)."""

from __future__ import annotations

from io import BytesIO

import pypdfium2 as pdfium

from .units import PT_PER_INCH


class RasterTooLarge(ValueError):
    pass


def page_png(page: pdfium.PdfPage, dpi: float, max_pixels: int, compress_level: int = 6) -> bytes:
    """One PDFium page as PNG, refused above ``max_pixels``."""
    width_pt, height_pt = page.get_size()
    scale = dpi / PT_PER_INCH
    pixels = round(width_pt * scale) * round(height_pt * scale)
    if pixels > max_pixels:
        raise RasterTooLarge(f"{pixels} pixels at {dpi:g} dpi exceeds the limit of {max_pixels}")
    image = page.render(scale=scale, draw_annots=True).to_pil()
    out = BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi), compress_level=compress_level)
    return out.getvalue()


def png(pdf_bytes: bytes, dpi: int, max_pixels: int) -> bytes:
    """Page 1 of a PDF as PNG."""
    document = pdfium.PdfDocument(pdf_bytes)
    try:
        return page_png(document[0], dpi, max_pixels)
    finally:
        document.close()
