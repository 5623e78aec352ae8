"""Uploaded documents are hostile until checked: by content (not by name), by size and by
page count; broken or encrypted PDFs are refused. Uploads are read into memory, never
written to disk, and dropped with the response."""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import BytesIO

import pikepdf

MAX_UPLOAD_BYTES = 32 * 1024 * 1024
MAX_PAGES = 500
MM_PER_PT = 25.4 / 72


class UploadRefused(ValueError):
    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class CheckedPdf:
    data: bytes
    page_sizes_mm: tuple[tuple[float, float], ...]


def check_pdf(data: bytes, field: str = "document") -> CheckedPdf:
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRefused(field, f"is larger than {MAX_UPLOAD_BYTES} bytes")
    if not data.lstrip()[:5] == b"%PDF-":
        raise UploadRefused(field, "is not a PDF (its content does not start with %PDF-)")
    try:
        with pikepdf.open(BytesIO(data)) as pdf:
            if pdf.is_encrypted:
                raise UploadRefused(field, "is an encrypted PDF; upload it without a password")
            if len(pdf.pages) == 0:
                raise UploadRefused(field, "has no pages")
            if len(pdf.pages) > MAX_PAGES:
                raise UploadRefused(field, f"has {len(pdf.pages)} pages; the limit is {MAX_PAGES}")
            sizes = []
            for page in pdf.pages:
                x0, y0, x1, y1 = (float(v) for v in page.mediabox)
                sizes.append(((x1 - x0) * MM_PER_PT, (y1 - y0) * MM_PER_PT))
            if pdf.get_warnings():  # qpdf had to reconstruct it: truncated or damaged
                raise UploadRefused(field, "is a broken PDF (damaged or truncated; it had to be repaired to be read)")
    except pikepdf.PasswordError:
        raise UploadRefused(field, "is an encrypted PDF; upload it without a password") from None
    except (pikepdf.PdfError, ValueError, RecursionError) as exc:
        if isinstance(exc, UploadRefused):
            raise
        raise UploadRefused(field, "is a broken PDF that cannot be read") from None
    return CheckedPdf(data, tuple(sizes))


MAX_IMAGE_PIXELS = 60_000_000  # per page; A4 at 600 dpi is 35 Mpx
MAX_FRAMES = 200
IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": ("image/png", "png"), b"\xff\xd8\xff": ("image/jpeg", "jpg"),
               b"II*\x00": ("image/tiff", "tif"), b"MM\x00*": ("image/tiff", "tif")}


@dataclass(frozen=True)
class Scan:
    """An uploaded scan: as PDF pages, and the original bytes with their type (to embed)."""

    pdf: bytes
    original: bytes
    mime_type: str
    filename: str


def check_scan(data: bytes, field: str = "scan") -> Scan:
    """A scan as PDF (checked as any PDF upload) or as PNG, JPEG or TIFF (every frame
    checked against the pixel limit before it is decoded), told apart by content."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRefused(field, f"is larger than {MAX_UPLOAD_BYTES} bytes")
    if data.lstrip()[:5] == b"%PDF-":
        return Scan(check_pdf(data, field).data, data, "application/pdf", "original.pdf")
    kind = next((v for magic, v in IMAGE_TYPES.items() if data.startswith(magic)), None)
    if kind is None:
        raise UploadRefused(field, "is not a PDF, PNG, JPEG or TIFF file (judged by its content)")
    return Scan(_images_to_pdf(data, field), data, kind[0], f"original.{kind[1]}")


def _images_to_pdf(data: bytes, field: str) -> bytes:
    from PIL import Image, ImageSequence, UnidentifiedImageError

    frames = []
    try:
        with Image.open(BytesIO(data)) as image:
            for index, frame in enumerate(ImageSequence.Iterator(image)):
                if index >= MAX_FRAMES:
                    raise UploadRefused(field, f"has more than {MAX_FRAMES} pages")
                width, height = frame.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise UploadRefused(field, f"has a {width} x {height} pixel page; the limit is {MAX_IMAGE_PIXELS} pixels")
                dpi = frame.info.get("dpi", (300, 300))[0] or 300
                frames.append((frame.convert("L" if frame.mode in ("1", "L", "I;16") else "RGB"), float(dpi)))
    except UploadRefused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise UploadRefused(field, "is a broken or unreadable image") from None
    out = BytesIO()
    first, dpi = frames[0]
    first.save(out, "PDF", resolution=dpi, save_all=True, append_images=[f for f, _ in frames[1:]])
    return out.getvalue()


@dataclass(frozen=True)
class Attachment:
    """A file embedded whole, as uploaded, as the document's associated file (PDF/A-3): e.g.
    the application a confirmation of receipt refers to (P 35). Never rendered."""

    data: bytes
    mime_type: str
    filename: str


ATTACHMENT_KINDS = "PDF, PNG, JPEG, TIFF, XML, an e-mail message (RFC 5322) or UTF-8 plain text"
HEADER = re.compile(rb"[!-9;-~]+:[ \t]")  # a header field's name and colon (RFC 5322 3.6.8)


def check_attachment(data: bytes, field: str, stem: str) -> Attachment:
    """An upload to embed, typed by its content: a PDF is checked as any PDF upload, an image
    by its header and pixel count, XML for being well-formed (no entities expanded, nothing
    fetched), an e-mail message by its header block, text for being UTF-8 without control
    characters. Anything else is refused. ``stem``: the embedded file's name before its
    extension."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRefused(field, f"is larger than {MAX_UPLOAD_BYTES} bytes")
    if not data:
        raise UploadRefused(field, "is empty")
    if data.lstrip()[:5] == b"%PDF-":
        check_pdf(data, field)
        return Attachment(data, "application/pdf", f"{stem}.pdf")
    image = next((v for magic, v in IMAGE_TYPES.items() if data.startswith(magic)), None)
    if image is not None:
        _check_image_header(data, field)
        return Attachment(data, image[0], f"{stem}.{image[1]}")
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if body.lstrip()[:5] == b"<?xml":
        _check_xml(data, field)
        return Attachment(data, "application/xml", f"{stem}.xml")
    if _is_mail(data):
        return Attachment(data, "message/rfc822", f"{stem}.eml")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise UploadRefused(field, f"is not a {ATTACHMENT_KINDS} file (judged by its content)") from None
    if any(ord(ch) < 32 and ch not in "\t\n\r\f" or ch == "\x7f" for ch in text):
        raise UploadRefused(field, f"is not a {ATTACHMENT_KINDS} file (it has control characters)")
    return Attachment(data, "text/plain", f"{stem}.txt")


def _check_image_header(data: bytes, field: str) -> None:
    """The image's header is read (not its pixels): it must parse and stay under the limit."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(BytesIO(data)) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise UploadRefused(field, "is a broken or unreadable image") from None
    if width * height > MAX_IMAGE_PIXELS:
        raise UploadRefused(field, f"has a {width} x {height} pixel page; the limit is {MAX_IMAGE_PIXELS} pixels")


def _check_xml(data: bytes, field: str) -> None:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise UploadRefused(field, f"is XML that is not well-formed ({exc.msg})") from None


def _is_mail(data: bytes) -> bool:
    """An RFC 5322 message: a block of ASCII header fields with From: and Date: (the two the
    RFC requires), then an empty line."""
    head, separator, _ = data.replace(b"\r\n", b"\n").partition(b"\n\n")
    if not separator or not head.isascii():
        return False
    lines = head.split(b"\n")
    if not all(HEADER.match(line) or line[:1] in (b" ", b"\t") for line in lines):
        return False
    names = {line.split(b":", 1)[0].lower() for line in lines if HEADER.match(line)}
    return {b"from", b"date"} <= names


def count_pages(pdf_bytes: bytes) -> int:
    with pikepdf.open(BytesIO(pdf_bytes)) as pdf:
        return len(pdf.pages)


def place_onto(document: CheckedPdf, stamp_pdf: bytes, page: int | None, x_mm: float, y_mm: float) -> bytes:
    """``document`` with page 1 of ``stamp_pdf`` drawn at (x, y) mm from the top left of
    page ``page`` (0-based), or of a new last page of the document's last page size when
    ``page`` is None. The stamp must fit the page. The document's streams are copied as they
    are, never decoded: a small upload may inflate to gigabytes."""
    with pikepdf.open(BytesIO(document.data)) as pdf, pikepdf.open(BytesIO(stamp_pdf)) as stamp:
        stamp_page = stamp.pages[0]
        sx0, sy0, sx1, sy1 = (float(v) for v in stamp_page.mediabox)
        width_pt, height_pt = sx1 - sx0, sy1 - sy0
        if page is None:
            last = pdf.pages[-1]
            pdf.add_blank_page(page_size=(float(last.mediabox[2]) - float(last.mediabox[0]),
                                          float(last.mediabox[3]) - float(last.mediabox[1])))
            page = len(pdf.pages) - 1
        if page >= len(pdf.pages):
            raise UploadRefused("page", f"the document has {len(pdf.pages)} page(s); there is no page {page + 1}")
        target = pdf.pages[page]
        px0, py0, px1, py1 = (float(v) for v in target.mediabox)
        left = px0 + x_mm / MM_PER_PT
        top = py1 - y_mm / MM_PER_PT
        if left + width_pt > px1 + 0.5 or top - height_pt < py0 - 0.5 or left < px0 or top > py1:
            raise UploadRefused("at", f"a {width_pt * MM_PER_PT:.0f} x {height_pt * MM_PER_PT:.0f} mm "
                                      f"confirmation at {x_mm:g},{y_mm:g} mm does not fit page {page + 1}")
        # What pikepdf's add_overlay does, without its final coalescing of the page's content
        # streams (which would decode them).
        stamp_form = stamp_page.as_form_xobject()
        name = target.add_resource(stamp_form, pikepdf.Name.XObject)
        placement = target.calc_form_xobject_placement(
            stamp_form, name, pikepdf.Rectangle(left, top - height_pt, left + width_pt, top))
        target.contents_add(pdf.make_stream(b"q\n"), prepend=True)
        target.contents_add(pdf.make_stream(b"\nQ\n" + placement))
        out = BytesIO()
        pdf.save(out, stream_decode_level=pikepdf.StreamDecodeLevel.none)
        return out.getvalue()
