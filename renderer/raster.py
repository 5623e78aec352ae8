"""Raster: page 1 of a finished PDF as PNG at the requested resolution (PDFium)."""

from __future__ import annotations

from io import BytesIO

import pypdfium2 as pdfium


class RasterTooLarge(ValueError):
    pass


def png(pdf_bytes: bytes, dpi: int, max_pixels: int) -> bytes:
    document = pdfium.PdfDocument(pdf_bytes)
    try:
        page = document[0]
        width_pt, height_pt = page.get_size()
        scale = dpi / 72
        pixels = round(width_pt * scale) * round(height_pt * scale)
        if pixels > max_pixels:
            raise RasterTooLarge(f"{pixels} pixels at {dpi} dpi exceeds the limit of {max_pixels}")
        image = page.render(scale=scale, draw_annots=True).to_pil()
        out = BytesIO()
        image.save(out, format="PNG", dpi=(dpi, dpi), optimize=False)
        return out.getvalue()
    finally:
        document.close()
