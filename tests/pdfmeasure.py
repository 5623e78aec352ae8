"""Measurements taken from a rendered PDF (pdfplumber / pikepdf), in mm from the top left."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pdfplumber
import pikepdf

MM_PER_PT = 25.4 / 72


@dataclass(frozen=True)
class Box:
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    def inside(self, x0, top, x1, bottom, tol=0.2) -> bool:
        return (
            self.x0 >= x0 - tol
            and self.top >= top - tol
            and self.x1 <= x1 + tol
            and self.bottom <= bottom + tol
        )


def page_boxes_mm(pdf_bytes: bytes, page: int = 0) -> dict[str, tuple[float, float]]:
    """Width and height of every page box, in mm."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        obj = pdf.pages[page].obj
        out = {}
        for name in ("MediaBox", "CropBox", "TrimBox", "BleedBox"):
            if "/" + name in obj:
                x0, y0, x1, y1 = (float(v) for v in obj["/" + name])
                out[name] = ((x1 - x0) * MM_PER_PT, (y1 - y0) * MM_PER_PT)
        return out


def lines(pdf_bytes: bytes, page: int = 0) -> list[tuple[str, Box]]:
    """Every text line with its box (pdfplumber's line grouping of characters)."""
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        p = pdf.pages[page]
        result = []
        for line in p.extract_text_lines(return_chars=False, keep_blank_chars=True):
            box = Box(
                line["x0"] * MM_PER_PT,
                line["top"] * MM_PER_PT,
                line["x1"] * MM_PER_PT,
                line["bottom"] * MM_PER_PT,
            )
            result.append((line["text"], box))
        return result


def find_all(pdf_bytes: bytes, text: str, page: int = 0) -> list[Box]:
    """Boxes of every occurrence of ``text`` on the page."""
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        found = pdf.pages[page].search(text, regex=False, case=True, return_chars=False)
        return [
            Box(
                h["x0"] * MM_PER_PT,
                h["top"] * MM_PER_PT,
                h["x1"] * MM_PER_PT,
                h["bottom"] * MM_PER_PT,
            )
            for h in found
        ]


def find(pdf_bytes: bytes, text: str, page: int = 0) -> Box:
    """The box of ``text`` where it occurs within a line (characters measured one by one)."""
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        p = pdf.pages[page]
        found = p.search(text, regex=False, case=True, return_chars=False)
        if not found:
            shown = " | ".join(t for t, _ in lines(pdf_bytes, page))
            raise AssertionError(f"{text!r} not on page {page + 1}; text there: {shown}")
        hit = found[0]
        return Box(
            hit["x0"] * MM_PER_PT,
            hit["top"] * MM_PER_PT,
            hit["x1"] * MM_PER_PT,
            hit["bottom"] * MM_PER_PT,
        )


def all_text(pdf_bytes: bytes, pages=None) -> str:
    """The text of every page, or of the pages whose indexes are given."""
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        chosen = pdf.pages if pages is None else [pdf.pages[i] for i in pages]
        return "\n".join(page.extract_text() or "" for page in chosen)


def fonts(pdf_bytes: bytes) -> list[tuple[str, bool]]:
    """(BaseFont, embedded?) for every font in the document."""
    result = []
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font":
                if obj.get("/Subtype") == "/Type0":
                    descriptor = obj.DescendantFonts[0].FontDescriptor
                else:
                    descriptor = obj.get("/FontDescriptor")
                embedded = descriptor is not None and any(
                    k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
                )
                result.append((str(obj.get("/BaseFont")), embedded))
    return result
