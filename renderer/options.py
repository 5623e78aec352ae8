"""Configuration as data: small frozen dataclasses, validated on construction."""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGE_SETS: tuple[tuple[str, ...], ...] = (("sl",), ("sl", "it"), ("sl", "hu"))
LANGUAGE_NAMES = {"sl": "slovenščina", "it": "italiano", "hu": "magyar"}


@dataclass(frozen=True)
class OutputFormat:
    """One thing the pipeline can deliver."""

    name: str
    media_type: str
    extension: str
    pdf_variant: str | None = None  # WeasyPrint's pdf_variant
    pdfa_part: int | None = None
    pdfa_conformance: str | None = None
    raster: bool = False
    textual: bool = False  # an e-mail body (text or HTML) made from the composed HTML
    pdfx: str | None = None  # PDF/X conformance (GTS_PDFXVersion), e.g. "PDF/X-4": print-ready
    pdfua: int | None = None  # PDF/UA part (pdfuaid:part): tagged, accessible (renderer/accessible)

    @property
    def is_pdfa(self) -> bool:
        return self.pdfa_part is not None

    @property
    def tagged(self) -> bool:
        return self.pdfua is not None

    @property
    def is_pdf(self) -> bool:
        return not (self.raster or self.textual)


FORMATS: dict[str, OutputFormat] = {
    f.name: f
    for f in (
        OutputFormat("pdf", "application/pdf", "pdf"),
        OutputFormat("pdfa-1b", "application/pdf", "pdf", "pdf/a-1b", 1, "B"),
        OutputFormat("pdfa-2b", "application/pdf", "pdf", "pdf/a-2b", 2, "B"),
        OutputFormat("pdfa-3b", "application/pdf", "pdf", "pdf/a-3b", 3, "B"),
        OutputFormat("pdfx-4", "application/pdf", "pdf", pdfx="PDF/X-4"),
        OutputFormat("pdfua-1", "application/pdf", "pdf", "pdf/ua-1", pdfua=1),
        OutputFormat("pdfa-2a", "application/pdf", "pdf", "pdf/a-2a", 2, "A", pdfua=1),
        OutputFormat("pdfa-3a", "application/pdf", "pdf", "pdf/a-3a", 3, "A", pdfua=1),
        OutputFormat("png", "image/png", "png", raster=True),
        OutputFormat("txt", "text/plain; charset=utf-8", "txt", textual=True),
        OutputFormat("html", "text/html; charset=utf-8", "html", textual=True),
    )
}


class OptionError(ValueError):
    """A render option the layout does not offer; names the query parameter."""

    def __init__(self, parameter: str, reason: str):
        super().__init__(f"{parameter}: {reason}")
        self.parameter = parameter
        self.reason = reason


MARKS = ("crop",)
MARKS_FORMATS = ("pdf", "pdfx-4")  # printer's marks belong on a print file, not on PDF/A or PNG


@dataclass(frozen=True)
class RenderOptions:
    """How one document is delivered: format, variant (e.g. screen or print), for PNG the
    resolution, and printer's marks (``marks="crop"``: crop marks outside the bleed)."""

    format: str = "pdf"
    dpi: int = 150
    variant: str | None = None  # None: the layout's default (its first variant)
    marks: str | None = None

    MIN_DPI = 36
    MAX_DPI = 600

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"unknown format {self.format!r}; one of {', '.join(FORMATS)}")
        if not self.MIN_DPI <= self.dpi <= self.MAX_DPI:
            raise ValueError(f"dpi must be between {self.MIN_DPI} and {self.MAX_DPI}")
        if self.marks is not None:
            if self.marks not in MARKS:
                raise OptionError("marks", f"must be one of {', '.join(MARKS)}")
            if self.format not in MARKS_FORMATS:
                raise OptionError(
                    "marks", f"printer's marks apply to format {' or '.join(MARKS_FORMATS)} only"
                )

    @property
    def output(self) -> OutputFormat:
        return FORMATS[self.format]


@dataclass(frozen=True)
class Limits:
    """Hard limits on what a request may ask for; each is checked before the work it bounds
    (README, *Security*, lists them)."""

    max_body_bytes: int = 256 * 1024
    max_text_length: int = 2000  # any single string in a request
    max_png_pixels: int = 40_000_000  # e.g. A4 at 600 dpi is 35 Mpx
    max_json_depth: int = 32  # nesting of arrays and objects in any JSON body, record or part
    max_number_length: int = 100  # characters of one JSON number
    max_upload_bytes: int = (
        32 * 1024 * 1024
    )  # an uploaded file (scan, document, application, PDF to sign)
    max_upload_pages: int = 500  # pages of an uploaded PDF
    max_scan_frames: int = 200  # frames (pages) of an uploaded TIFF
    max_image_pixels: int = 60_000_000  # one image or frame of an upload; A4 at 600 dpi is 35 Mpx
    max_upload_pixels: int = 2_000_000_000  # all the images of one upload together
    max_decompressed_bytes: int = 128 * 1024 * 1024  # all the streams of an uploaded PDF, decoded
    max_page_operators: int = (
        1_000_000  # content-stream operators of one uploaded page (its forms included)
    )
    upload_deadline_s: float = 20.0  # checking and converting one upload
