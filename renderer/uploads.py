"""Uploaded documents are hostile until checked: by content (not by name), by size and by
page count; broken or encrypted PDFs are refused. Uploads are read into memory, never
written to disk, and dropped with the response."""

from __future__ import annotations

import math
import re
import time
import zlib
from dataclasses import dataclass
from io import BytesIO

import pikepdf

from .options import Limits

MM_PER_PT = 25.4 / 72
LIMITS = Limits()


class UploadRefused(ValueError):
    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class CheckedPdf:
    data: bytes
    page_sizes_mm: tuple[tuple[float, float], ...]


def check_pdf(
    data: bytes, field: str = "document", limits: Limits = LIMITS, refuse_active: bool = False
) -> CheckedPdf:
    """A PDF upload: its size, pages, and what drawing it would cost (``check_complexity``)
    before anything decodes or rasterises it. ``refuse_active``: active content (``active``)
    is a refusal instead of being removed later (for a file that is signed as it is)."""
    if len(data) > limits.max_upload_bytes:
        raise UploadRefused(field, f"is larger than {limits.max_upload_bytes} bytes")
    if not data.lstrip()[:5] == b"%PDF-":
        raise UploadRefused(field, "is not a PDF (its content does not start with %PDF-)")
    try:
        with pikepdf.open(BytesIO(data)) as pdf:
            if pdf.is_encrypted:
                raise UploadRefused(field, "is an encrypted PDF; upload it without a password")
            if len(pdf.pages) == 0:
                raise UploadRefused(field, "has no pages")
            if len(pdf.pages) > limits.max_upload_pages:
                raise UploadRefused(
                    field,
                    f"has {len(pdf.pages)} pages; the limit (max_upload_pages) "
                    f"is {limits.max_upload_pages}",
                )
            sizes = []
            for page in pdf.pages:
                x0, y0, x1, y1 = (float(v) for v in page.mediabox)
                sizes.append(((x1 - x0) * MM_PER_PT, (y1 - y0) * MM_PER_PT))
            if pdf.get_warnings():  # qpdf had to reconstruct it: truncated or damaged
                raise UploadRefused(
                    field,
                    "is a broken PDF (damaged or truncated; it had to be repaired to be read)",
                )
            check_complexity(pdf, field, limits)
            if refuse_active:
                found = active(pdf, remove=False)
                if found:
                    raise UploadRefused(
                        field,
                        f"carries active content ({', '.join(found)}); "
                        "remove it before the file is signed",
                    )
    except pikepdf.PasswordError:
        raise UploadRefused(field, "is an encrypted PDF; upload it without a password") from None
    except (
        pikepdf.PdfError,
        ValueError,
        RecursionError,
        KeyError,
        TypeError,
        AttributeError,
    ) as exc:
        if isinstance(exc, UploadRefused):
            raise
        raise UploadRefused(field, "is a broken PDF that cannot be read") from None
    return CheckedPdf(data, tuple(sizes))


def check_cost(data: bytes, field: str = "document", limits: Limits = LIMITS) -> None:
    """Only what reading the PDF's streams would cost (``check_complexity``), for a file that
    is read but not reused, e.g. one to verify; whether it is well-formed is for its reader."""
    if len(data) > limits.max_upload_bytes:
        raise UploadRefused(field, f"is larger than {limits.max_upload_bytes} bytes")
    try:
        with pikepdf.open(BytesIO(data)) as pdf:
            check_complexity(pdf, field, limits)
    except (
        pikepdf.PdfError,
        ValueError,
        RecursionError,
        KeyError,
        TypeError,
        AttributeError,
    ) as exc:
        if isinstance(exc, UploadRefused):
            raise


# -- what drawing an uploaded PDF would cost --------------------------------------------

# a content-stream operator: a short word of letters (and * ' ") between delimiters; words in
# text strings count too, so the count errs high, never low (the first letter is matched
# before the look back: seven times faster over data without letters)
_OPERATOR = re.compile(
    rb"[A-Za-z'\"](?<![^\s\[\]()<>{}%][A-Za-z'\"])[A-Za-z0-9*'\"]{0,2}(?![^\s\[\]()<>{}/%])"
)
_PIECE = 1024 * 1024
_SIZE_NEUTRAL = {"/ASCIIHexDecode", "/ASCII85Decode"}  # decoding them shrinks the data
_EXPANSION = {"/RunLengthDecode": 128, "/LZWDecode": 4096}  # the most one input byte can become
_IMAGE_CODECS = {"/DCTDecode", "/JPXDecode", "/CCITTFaxDecode", "/JBIG2Decode"}


class _Budget:
    """What one upload may still cost: decoded bytes, image pixels and time."""

    def __init__(self, field: str, limits: Limits):
        self.field = field
        self.limits = limits
        self.decoded = 0
        self.pixels = 0
        self.ends = time.monotonic() + limits.upload_deadline_s

    def spend(self, decoded: int = 0, pixels: int = 0) -> None:
        self.decoded += decoded
        self.pixels += pixels
        if self.decoded > self.limits.max_decompressed_bytes:
            raise UploadRefused(
                self.field,
                f"decompresses to more than {self.limits.max_decompressed_bytes} bytes "
                "(the limit max_decompressed_bytes)",
            )
        if self.pixels > self.limits.max_upload_pixels:
            raise UploadRefused(
                self.field,
                f"has images of more than {self.limits.max_upload_pixels} pixels in all "
                "(the limit max_upload_pixels)",
            )
        self.check_time()

    def check_time(self) -> None:
        if time.monotonic() > self.ends:
            raise UploadRefused(
                self.field,
                f"takes longer than {self.limits.upload_deadline_s:g} s to check "
                "(the limit upload_deadline_s)",
            )


def _filters(stream: pikepdf.Stream) -> list[str]:
    value = stream.get("/Filter")
    if value is None:
        return []
    return [str(f) for f in value] if isinstance(value, pikepdf.Array) else [str(value)]


def _decoded(stream: pikepdf.Stream, budget: _Budget, cap: int | None = None):
    """The stream's decoded bytes in pieces, never more than ``cap`` (the remaining budget
    when None) held or produced: Flate is inflated piece by piece; filters that can expand
    are decoded by qpdf only when their worst case fits."""
    cap = budget.limits.max_decompressed_bytes - budget.decoded if cap is None else cap
    filters = _filters(stream)
    raw = stream.read_raw_bytes()
    if not filters:
        yield raw
        return
    if filters == ["/FlateDecode"]:
        inflate = zlib.decompressobj()
        produced = 0
        data = raw
        while data and not inflate.eof:
            piece = inflate.decompress(data, _PIECE)
            data = inflate.unconsumed_tail
            produced += len(piece)
            if produced > cap:
                raise UploadRefused(
                    budget.field,
                    f"has a stream that decompresses to more than {cap} bytes "
                    "(the limit max_decompressed_bytes)",
                )
            budget.check_time()
            if not piece:
                break
            yield piece
        return
    worst = len(raw)
    for name in filters:
        if name in _EXPANSION:
            worst *= _EXPANSION[name]
        elif name == "/FlateDecode":
            worst *= 1032  # deflate's greatest ratio
        elif name not in _SIZE_NEUTRAL:
            raise UploadRefused(
                budget.field, f"has a stream with the filter {name}, which cannot be checked"
            )
    if worst > cap:
        raise UploadRefused(
            budget.field,
            f"has a {'/'.join(filters)} stream that may decompress to more than {cap} "
            "bytes (the limit max_decompressed_bytes)",
        )
    yield stream.read_bytes()


def _image(stream: pikepdf.Stream, budget: _Budget) -> None:
    """An image XObject: its pixels from its dictionary; a Flate-coded one may not inflate
    beyond what those pixels need."""
    width, height = int(stream.get("/Width", 0)), int(stream.get("/Height", 0))
    if width < 0 or height < 0 or width * height > budget.limits.max_image_pixels:
        raise UploadRefused(
            budget.field,
            f"has a {width} x {height} pixel image; the limit (max_image_pixels) is "
            f"{budget.limits.max_image_pixels} pixels",
        )
    budget.spend(pixels=width * height)
    filters = _filters(stream)
    if filters and filters[-1] in _IMAGE_CODECS:
        return  # decoded by its codec to the declared size
    bits = int(stream.get("/BitsPerComponent", 8) or 8)
    needed = (
        width * 4 * max(bits, 8) // 8 + 1
    ) * height + 4096  # up to four components and a predictor byte
    for _ in _decoded(stream, budget, cap=needed):
        pass


def _operators(stream: pikepdf.Stream, budget: _Budget) -> int:
    count = 0
    for piece in _decoded(stream, budget):
        budget.spend(decoded=len(piece))
        count += len(_OPERATOR.findall(piece))
        if count > budget.limits.max_page_operators:
            break
    return count


def _page_operators(page: pikepdf.Dictionary, budget: _Budget, seen: set) -> int:
    """The operators of a page's content streams and of every form XObject it reaches
    (each counted once); images met on the way are checked too."""
    contents = page.get("/Contents")
    streams = [contents] if isinstance(contents, pikepdf.Stream) else list(contents or [])
    count = sum(_operators(s, budget) for s in streams if isinstance(s, pikepdf.Stream))
    pending = [page.get("/Resources")]
    while pending and count <= budget.limits.max_page_operators:
        resources = pending.pop()
        xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
        for xobject in xobjects.values() if isinstance(xobjects, pikepdf.Dictionary) else ():
            if not isinstance(xobject, pikepdf.Stream) or xobject.objgen in seen:
                continue
            seen.add(xobject.objgen)
            if xobject.get("/Subtype") == "/Image":
                _image(xobject, budget)
            elif xobject.get("/Subtype") == "/Form":
                count += _operators(xobject, budget)
                pending.append(xobject.get("/Resources"))
    return count


def check_complexity(pdf: pikepdf.Pdf, field: str, limits: Limits = LIMITS) -> None:
    """Before anything draws the upload: each page's operators (``max_page_operators``),
    each image's pixels (``max_image_pixels``, ``max_upload_pixels``), the decoded size of
    every other stream (``max_decompressed_bytes``), all within ``upload_deadline_s``.
    Streams are inflated piece by piece and dropped: checking costs no more memory than a
    piece, whatever the stream inflates to."""
    budget = _Budget(field, limits)
    seen: set = set()
    for number, page in enumerate(pdf.pages, start=1):
        if _page_operators(page.obj, budget, seen) > limits.max_page_operators:
            raise UploadRefused(
                field,
                f"page {number} has more than {limits.max_page_operators} drawing operators "
                "(the limit max_page_operators)",
            )
        contents = page.obj.get("/Contents")
        for stream in [contents] if isinstance(contents, pikepdf.Stream) else list(contents or []):
            if isinstance(stream, pikepdf.Stream):
                seen.add(stream.objgen)
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream) and obj.objgen not in seen:
            seen.add(obj.objgen)
            if obj.get("/Subtype") == "/Image":
                _image(obj, budget)
            else:
                for piece in _decoded(obj, budget):
                    budget.spend(decoded=len(piece))


# -- active content ----------------------------------------------------------------------

# actions that run code, open or send files, or change what is shown (PDF/A forbids them)
FORBIDDEN_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/ImportData",
    "/SubmitForm",
    "/ResetForm",
    "/Sound",
    "/Movie",
    "/Rendition",
    "/Hide",
    "/SetOCGState",
    "/GoTo3DView",
    "/Trans",
    "/RichMediaExecute",
    "/GoToE",
}
ALLOWED_NAMED = {"/NextPage", "/PrevPage", "/FirstPage", "/LastPage"}
FORBIDDEN_ANNOTATIONS = {"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"}


def active(pdf: pikepdf.Pdf, remove: bool = True) -> list[str]:
    """The active content of an uploaded PDF — the open action, additional actions (``/AA``),
    JavaScript, forbidden actions (Launch, …), embedded files and file-attachment or media
    annotations, XFA forms — removed from ``pdf`` (in memory) when ``remove``; returns what was
    found, by name. Page content and plain links stay."""
    found: list[str] = []

    def note(what: str) -> None:
        if what not in found:
            found.append(what)

    root = pdf.Root
    if "/OpenAction" in root:
        note("OpenAction")
        if remove:
            del root["/OpenAction"]
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        for key, what in (("/JavaScript", "JavaScript"), ("/EmbeddedFiles", "embedded files")):
            if key in names:
                note(what)
                if remove:
                    del names[key]
    if "/AF" in root:
        note("embedded files")
        if remove:
            del root["/AF"]
    form = root.get("/AcroForm")
    if isinstance(form, pikepdf.Dictionary) and "/XFA" in form:
        note("XFA")
        if remove:
            del form["/XFA"]
            if "/NeedsRendering" in root:
                del root["/NeedsRendering"]

    def visit(obj, depth: int = 0) -> None:
        if depth > 64:
            return
        if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            if "/AA" in obj:
                note("AA")
                if remove:
                    del obj["/AA"]
            action = obj.get("/A")
            if isinstance(action, pikepdf.Dictionary) and _forbidden(action):
                note(f"{str(action.get('/S'))[1:]} action")
                if remove:
                    del obj["/A"]
            annots = (
                obj.get("/Annots") if obj.get("/Type") == "/Page" or "/Contents" in obj else None
            )
            if isinstance(annots, pikepdf.Array):
                keep = [
                    a
                    for a in annots
                    if not (
                        isinstance(a, pikepdf.Dictionary)
                        and a.get("/Subtype") in FORBIDDEN_ANNOTATIONS
                    )
                ]
                if len(keep) != len(annots):
                    note("file or media annotations")
                    if remove:
                        obj["/Annots"] = pikepdf.Array(keep)
            if isinstance(obj, pikepdf.Stream):
                return
            children = list(obj.values())
        elif isinstance(obj, pikepdf.Array):
            children = list(obj)
        else:
            return
        for child in children:
            if isinstance(child, (pikepdf.Dictionary, pikepdf.Array)) and not child.is_indirect:
                visit(child, depth + 1)

    for obj in pdf.objects:
        visit(obj)
    return found


def _forbidden(action: pikepdf.Dictionary) -> bool:
    kind = action.get("/S")
    if kind in FORBIDDEN_ACTIONS or "/JS" in action:
        return True
    if kind == "/Named" and action.get("/N") not in ALLOWED_NAMED:
        return True
    following = action.get("/Next")
    chain = [following] if isinstance(following, pikepdf.Dictionary) else list(following or [])
    return any(isinstance(a, pikepdf.Dictionary) and _forbidden(a) for a in chain[:16])


# -- scans -------------------------------------------------------------------------------

IMAGE_TYPES = {
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
    b"II*\x00": ("image/tiff", "tif"),
    b"MM\x00*": ("image/tiff", "tif"),
}


@dataclass(frozen=True)
class Scan:
    """An uploaded scan: as PDF pages, and the original bytes with their type (to embed)."""

    pdf: bytes
    original: bytes
    mime_type: str
    filename: str


def check_scan(data: bytes, field: str = "scan", limits: Limits = LIMITS) -> Scan:
    """A scan as PDF (checked as any PDF upload) or as PNG, JPEG or TIFF (every frame
    checked against the pixel limits before it is decoded), told apart by content."""
    if len(data) > limits.max_upload_bytes:
        raise UploadRefused(field, f"is larger than {limits.max_upload_bytes} bytes")
    if data.lstrip()[:5] == b"%PDF-":
        return Scan(check_pdf(data, field, limits).data, data, "application/pdf", "original.pdf")
    kind = next((v for magic, v in IMAGE_TYPES.items() if data.startswith(magic)), None)
    if kind is None:
        raise UploadRefused(field, "is not a PDF, PNG, JPEG or TIFF file (judged by its content)")
    return Scan(images_to_pdf(data, field, limits), data, kind[0], f"original.{kind[1]}")


def images_to_pdf(data: bytes, field: str, limits: Limits = LIMITS) -> bytes:
    """Each frame of an image file as a PDF page at its resolution, converted one at a time
    (only one frame's pixels are ever held) and placed losslessly: a JPEG as it is
    (DCTDecode), any other frame Flate-coded at 1 bit (bilevel), 8-bit grey or RGB."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    budget = _Budget(field, limits)
    pdf = pikepdf.new()
    try:
        with Image.open(BytesIO(data)) as image:
            for index, frame in enumerate(ImageSequence.Iterator(image)):
                if index >= limits.max_scan_frames:
                    raise UploadRefused(
                        field,
                        f"has more than {limits.max_scan_frames} pages (the limit max_scan_frames)",
                    )
                width, height = frame.size
                if width * height > limits.max_image_pixels:
                    raise UploadRefused(
                        field,
                        f"has a {width} x {height} pixel page; the limit (max_image_pixels) "
                        f"is {limits.max_image_pixels} pixels",
                    )
                budget.spend(pixels=width * height)
                dpi = frame.info.get("dpi", (300, 300))
                xdpi, ydpi = (float(dpi[0] or 300), float(dpi[1] or dpi[0] or 300))
                _add_frame(pdf, frame, data if image.format == "JPEG" else None, xdpi, ydpi)
    except UploadRefused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise UploadRefused(field, "is a broken or unreadable image") from None
    if not len(pdf.pages):
        raise UploadRefused(field, "has no pages")
    out = BytesIO()
    pdf.save(out)
    return out.getvalue()


def _add_frame(pdf: pikepdf.Pdf, frame, jpeg: bytes | None, xdpi: float, ydpi: float) -> None:
    width, height = frame.size
    if jpeg is not None and frame.mode in ("L", "RGB", "CMYK"):
        colour = {"L": "/DeviceGray", "RGB": "/DeviceRGB", "CMYK": "/DeviceCMYK"}[frame.mode]
        image = pikepdf.Stream(pdf, jpeg)
        image.Filter = pikepdf.Name.DCTDecode
        bits = 8
        if frame.mode == "CMYK" and frame.info.get("adobe"):
            image.Decode = pikepdf.Array([1, 0, 1, 0, 1, 0, 1, 0])  # Adobe's inverted CMYK JPEG
    else:
        if frame.mode == "1":
            pixels, colour, bits = frame.tobytes(), "/DeviceGray", 1
        elif frame.mode in ("L", "I;16", "I", "F") or (frame.mode == "P" and _grey_palette(frame)):
            pixels, colour, bits = frame.convert("L").tobytes(), "/DeviceGray", 8
        else:
            pixels, colour, bits = frame.convert("RGB").tobytes(), "/DeviceRGB", 8
        image = pikepdf.Stream(pdf, zlib.compress(pixels, 6))
        del pixels
        image.Filter = pikepdf.Name.FlateDecode
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height, image.BitsPerComponent = width, height, bits
    image.ColorSpace = pikepdf.Name(colour)
    width_pt, height_pt = width * 72 / xdpi, height * 72 / ydpi
    page = pdf.add_blank_page(page_size=(width_pt, height_pt))
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=pdf.make_indirect(image)))
    page.Contents = pdf.make_stream(
        f"q {width_pt:.4f} 0 0 {height_pt:.4f} 0 0 cm /Im0 Do Q".encode()
    )


def _grey_palette(frame) -> bool:
    palette = frame.getpalette() or []
    return all(
        palette[i] == palette[i + 1] == palette[i + 2] for i in range(0, len(palette) - 2, 3)
    )


@dataclass(frozen=True)
class Attachment:
    """A file embedded whole, as uploaded, as the document's associated file (PDF/A-3): e.g.
    the application a confirmation of receipt refers to (P 35). Never rendered."""

    data: bytes
    mime_type: str
    filename: str


ATTACHMENT_KINDS = "PDF, PNG, JPEG, TIFF, XML, an e-mail message (RFC 5322) or UTF-8 plain text"
HEADER = re.compile(rb"[!-9;-~]+:[ \t]")  # a header field's name and colon (RFC 5322 3.6.8)


def check_attachment(data: bytes, field: str, stem: str, limits: Limits = LIMITS) -> Attachment:
    """An upload to embed, typed by its content: a PDF is checked as any PDF upload, an image
    by its header and pixel count, XML for being well-formed (no entities expanded, nothing
    fetched), an e-mail message by its header block, text for being UTF-8 without control
    characters. Anything else is refused. ``stem``: the embedded file's name before its
    extension."""
    if len(data) > limits.max_upload_bytes:
        raise UploadRefused(field, f"is larger than {limits.max_upload_bytes} bytes")
    if not data:
        raise UploadRefused(field, "is empty")
    if data.lstrip()[:5] == b"%PDF-":
        check_pdf(data, field, limits)
        return Attachment(data, "application/pdf", f"{stem}.pdf")
    image = next((v for magic, v in IMAGE_TYPES.items() if data.startswith(magic)), None)
    if image is not None:
        _check_image_header(data, field, limits)
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
        raise UploadRefused(
            field, f"is not a {ATTACHMENT_KINDS} file (judged by its content)"
        ) from None
    if any(ord(ch) < 32 and ch not in "\t\n\r\f" or ch == "\x7f" for ch in text):
        raise UploadRefused(field, f"is not a {ATTACHMENT_KINDS} file (it has control characters)")
    return Attachment(data, "text/plain", f"{stem}.txt")


def _check_image_header(data: bytes, field: str, limits: Limits = LIMITS) -> None:
    """The image's header is read (not its pixels): it must parse and stay under the limit."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(BytesIO(data)) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise UploadRefused(field, "is a broken or unreadable image") from None
    if width * height > limits.max_image_pixels:
        raise UploadRefused(
            field,
            f"has a {width} x {height} pixel page; the limit (max_image_pixels) is "
            f"{limits.max_image_pixels} pixels",
        )


def _check_xml(data: bytes, field: str) -> None:
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
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


def place_onto(
    document: CheckedPdf, stamp_pdf: bytes, page: int | None, x_mm: float, y_mm: float
) -> tuple[bytes, list[str]]:
    """``document`` with page 1 of ``stamp_pdf`` drawn at (x, y) mm from the top left of
    page ``page`` (0-based), or of a new last page of the document's last page size when
    ``page`` is None, and the active content removed from it (returned by name). The stamp
    must fit the page. The document's streams are copied as they are, never decoded."""
    with pikepdf.open(BytesIO(document.data)) as pdf, pikepdf.open(BytesIO(stamp_pdf)) as stamp:
        removed = active(pdf)
        stamp_page = stamp.pages[0]
        sx0, sy0, sx1, sy1 = (float(v) for v in stamp_page.mediabox)
        width_pt, height_pt = sx1 - sx0, sy1 - sy0
        if page is None:
            last = pdf.pages[-1]
            pdf.add_blank_page(
                page_size=(
                    float(last.mediabox[2]) - float(last.mediabox[0]),
                    float(last.mediabox[3]) - float(last.mediabox[1]),
                )
            )
            page = len(pdf.pages) - 1
        if page >= len(pdf.pages):
            raise UploadRefused(
                "page", f"the document has {len(pdf.pages)} page(s); there is no page {page + 1}"
            )
        target = pdf.pages[page]
        px0, py0, px1, py1 = (float(v) for v in target.mediabox)
        left = px0 + x_mm / MM_PER_PT
        top = py1 - y_mm / MM_PER_PT
        if (
            not all(math.isfinite(v) for v in (x_mm, y_mm))
            or left + width_pt > px1 + 0.5
            or top - height_pt < py0 - 0.5
            or left < px0
            or top > py1
        ):
            raise UploadRefused(
                "at",
                f"a {width_pt * MM_PER_PT:.0f} x {height_pt * MM_PER_PT:.0f} mm "
                f"confirmation at {x_mm:g},{y_mm:g} mm does not fit page {page + 1}",
            )
        # What pikepdf's add_overlay does, without its final coalescing of the page's content
        # streams (which would decode them).
        stamp_form = stamp_page.as_form_xobject()
        name = target.add_resource(stamp_form, pikepdf.Name.XObject)
        placement = target.calc_form_xobject_placement(
            stamp_form, name, pikepdf.Rectangle(left, top - height_pt, left + width_pt, top)
        )
        target.contents_add(pdf.make_stream(b"q\n"), prepend=True)
        target.contents_add(pdf.make_stream(b"\nQ\n" + placement))
        out = BytesIO()
        pdf.save(out, stream_decode_level=pikepdf.StreamDecodeLevel.none)
        return out.getvalue(), removed
