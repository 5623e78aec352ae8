"""Finish: pikepdf sets what WeasyPrint leaves open.

- books: the repeated pages assembled from one drawing each (``press.book``), with the
  printed register's entries written on them (``press.register``);
- page boxes: TrimBox, BleedBox and CropBox, with the bleed and crop marks of print-ready
  output (``printready``); a screen page's boxes all equal its MediaBox;
- pages for the press: black as DeviceGray (black ink only); PDF/X-4: the output intent
  and the RGB characterised (``printready``);
- document metadata: Info and XMP written together so they match (PDF/A requires it), the
  XMP namespaces declared on each ``rdf:Description`` (the form every validator reads,
  including PDFBox 2's xmpbox, which rejects WeasyPrint's declarations on ``rdf:RDF``);
- the document language;
- tagged output (PDF/UA-1): the structure tree completed and checked (``accessible``);
- in the print variant, the inks as spot colours (``spots``);
- a classic cross-reference table and no object streams (PDF/A-1 forbids them).
"""

from __future__ import annotations

import hashlib
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from xml.sax.saxutils import escape

import pikepdf

from . import __version__
from .accessible import make_accessible, xmp_claim
from .options import OutputFormat
from .press.book import Binding, assemble
from .press.printready import (
    PDFX_VERSION,
    PrintReady,
    make_pdfx,
    neutral_to_gray,
    pdfx_xmp,
    set_boxes,
)
from .press.spots import SpotColour, apply_spots
from .uploads import Attachment, Scan, active

PRODUCER = f"obrazci {__version__}"


@dataclass(frozen=True)
class DocumentInfo:
    title: str
    languages: tuple[str, ...]
    created: datetime


def _pdf_date(moment: datetime) -> str:
    return utc(moment).strftime("D:%Y%m%d%H%M%S+00'00'")


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment


def _xmp(info: DocumentInfo, output: OutputFormat, document_id: str) -> bytes:
    stamp = utc(info.created).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    title = escape(info.title)
    languages = "".join(f"<rdf:li>{lang}</rdf:li>" for lang in info.languages)
    pdfaid = (
        '<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">'
        f"<pdfaid:part>{output.pdfa_part}</pdfaid:part>"
        f"<pdfaid:conformance>{output.pdfa_conformance}</pdfaid:conformance></rdf:Description>"
        if output.is_pdfa
        else ""
    )
    pdfx = pdfx_xmp(output.pdfx, document_id) if output.pdfx else ""
    trapped = "<pdf:Trapped>False</pdf:Trapped>" if output.pdfx else ""
    pdfua = xmp_claim(output.is_pdfa) if output.tagged else ""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f"{pdfaid}{pdfua}{pdfx}"
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<dc:format>application/pdf</dc:format>"
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>'
        f"<dc:language><rdf:Bag>{languages}</rdf:Bag></dc:language></rdf:Description>"
        '<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">'
        f"<pdf:Producer>{PRODUCER}</pdf:Producer>{trapped}</rdf:Description>"
        '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">'
        f"<xmp:CreatorTool>{PRODUCER}</xmp:CreatorTool>"
        f"<xmp:CreateDate>{stamp}</xmp:CreateDate><xmp:ModifyDate>{stamp}</xmp:ModifyDate>"
        f"<xmp:MetadataDate>{stamp}</xmp:MetadataDate></rdf:Description>"
        "</rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()


@dataclass(frozen=True, kw_only=True)
class FinishOptions:
    """What the finishing stage does to one document (one frozen object, as pyHanko passes
    its signature metadata), so a new step adds a field instead of a positional parameter.

    ``spots``: inks to turn into Separations (the print variant); ``book``: how a drawn
    assembly becomes this request's pages (repetitions, numbers, its own pages);
    ``layer``: the PDF is a cached layer (drawn as ``LAYER_FORMAT``), delivered as a
    document in the output's variant;
    ``underlay``: a layer (same page sizes, any PDF variant) drawn under every page, e.g.
    the pre-print; ``scan``: an uploaded (checked) PDF whose pages go first and which is
    embedded whole, as the source of the document (a PDF/A-3 associated file);
    ``attachment``: a file embedded whole as an associated file, not drawn; ``press``: the
    bleed the pages were laid out with and whether crop marks are drawn."""

    info: DocumentInfo
    output: OutputFormat
    spots: tuple[SpotColour, ...] = ()
    book: Binding | None = None
    layer: bool = False
    underlay: bytes | None = None
    scan: Scan | None = None
    attachment: Attachment | None = None
    press: PrintReady = PrintReady()


def finish(pdf_bytes: bytes, options: FinishOptions) -> bytes:
    """The finished document's bytes (see the module's docstring for what is done)."""
    if options.underlay is not None:
        return _finish_layers(options.underlay, pdf_bytes, options)
    with ExitStack() as opened, pikepdf.open(BytesIO(pdf_bytes)) as pdf:
        if options.book:
            for index, page_pdf in options.book.own_pages:  # open until saved: copied lazily
                pdf.pages[index] = opened.enter_context(pikepdf.open(BytesIO(page_pdf))).pages[0]
            book = options.book
            assemble(pdf, book.assembly, book.count, book.number_start, book.texts, book.font)
        if options.layer:
            _as_output(pdf, options.output)
        if options.scan is not None:
            _lead_with_scan(pdf, options.scan, options.info.created)
        if options.attachment is not None:
            _associate(
                pdf, options.attachment, "The application as received (vloga)", options.info.created
            )
        return _finish_open(pdf, options)


def _finish_open(pdf: pikepdf.Pdf, options: FinishOptions) -> bytes:
    """Spots, boxes, output intent, language, Info and XMP written into ``pdf``; its bytes."""
    info, output = options.info, options.output
    if options.spots:
        apply_spots(pdf, options.spots)
    if options.press.press:
        neutral_to_gray(pdf)
    set_boxes(pdf, options.press)
    if output.pdfx:
        make_pdfx(pdf)
    pdf.Root.Lang = pikepdf.String(info.languages[0])
    if output.tagged:  # completed and checked, else AccessibilityError: no false PDF/UA claim
        make_accessible(pdf, info.languages)
    created = _pdf_date(info.created)
    pdf.docinfo = pdf.make_indirect(
        pikepdf.Dictionary(
            Title=pikepdf.String(info.title),
            Creator=pikepdf.String(PRODUCER),
            Producer=pikepdf.String(PRODUCER),
            CreationDate=pikepdf.String(created),
            ModDate=pikepdf.String(created),
        )
    )
    if output.pdfx:
        pdf.docinfo.GTS_PDFXVersion = pikepdf.String(output.pdfx)
        pdf.docinfo.Trapped = pikepdf.Name("/False")
    metadata = pikepdf.Stream(pdf, _xmp(info, output, _content_id(pdf, info, output)))
    metadata.Type = pikepdf.Name.Metadata
    metadata.Subtype = pikepdf.Name.XML
    pdf.Root.Metadata = pdf.make_indirect(metadata)
    out = BytesIO()
    pdf.save(
        out,
        object_stream_mode=pikepdf.ObjectStreamMode.disable,
        compress_streams=True,
        stream_decode_level=pikepdf.StreamDecodeLevel.none,
        fix_metadata_version=False,
        # the file identifier from the content: the same request, the same bytes
        deterministic_id=True,
        force_version=PDFX_VERSION if output.pdfx else "",  # "": the version the content needs
        min_version=("1.4" if output.pdfa_part == 1 else "1.7") if options.layer else "",
    )
    return out.getvalue()


def _as_output(pdf: pikepdf.Pdf, output: OutputFormat) -> None:
    """A layer drawn as PDF/A-1b made a document of ``output``'s variant: what WeasyPrint
    writes differently for it is the sRGB output intent (every PDF/A part, the same) and the
    version (1.4 for PDF/A-1, else 1.7: set on saving); the metadata is written afresh by the finisher."""
    if not output.is_pdfa and "/OutputIntents" in pdf.Root:
        del pdf.Root.OutputIntents


def _content_id(pdf: pikepdf.Pdf, info: DocumentInfo, output: OutputFormat) -> str:
    """A UUID made from what the pages draw (their content streams and forms, as stored) and
    the document's info: the same document has the same id, another document another one."""
    digest = hashlib.sha256(repr((info, output.name)).encode())
    for page in pdf.pages:
        contents = page.obj.get("/Contents")
        streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
        resources = page.obj.get("/Resources")
        xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
        if isinstance(xobjects, pikepdf.Dictionary):
            streams += [xobjects[name] for name in sorted(xobjects.keys())]
        for stream in streams:
            if isinstance(stream, pikepdf.Stream):
                digest.update(stream.read_raw_bytes())
    return str(uuid.UUID(bytes=digest.digest()[:16], version=4))


def _finish_layers(base: bytes, top: bytes, options: FinishOptions) -> bytes:
    """The top layer's pages with the base layer's pages drawn under them, then finished.
    The top layer (rendered for this request, in the output's PDF variant) is the
    document; the base is only page content, so one base serves every format."""
    with pikepdf.open(BytesIO(top)) as pdf, pikepdf.open(BytesIO(base)) as layer:
        if len(pdf.pages) != len(layer.pages):
            raise ValueError("layers differ in page count")
        for number, (page, under) in enumerate(zip(pdf.pages, layer.pages, strict=True), 1):
            _underlay(page, under, pikepdf.Name(f"/Underlay{number}"))
        return _finish_open(pdf, options)


def _underlay(page: pikepdf.Page, under: pikepdf.Page, name: pikepdf.Name) -> None:
    """What pikepdf's ``add_underlay`` does (``under`` as a form XObject drawn first, over
    the page's trim box), under a name given, where pikepdf draws a random one: the same
    request then gives the same bytes. The name differs from page to page: WeasyPrint's
    pages share one resource dictionary."""
    form = under.as_form_xobject()
    page.add_resource(form, pikepdf.Name.XObject, name)
    placement = page.calc_form_xobject_placement(
        form, name, pikepdf.Rectangle(page.trimbox), allow_shrink=True, allow_expand=True
    )
    page.contents_add(placement, prepend=True)
    page.contents_coalesce()


def _lead_with_scan(pdf: pikepdf.Pdf, scan: Scan, created: datetime) -> None:
    with pikepdf.open(BytesIO(scan.pdf)) as original:
        active(original)  # no actions, scripts or embedded files of the upload on the copy's pages
        for index, page in enumerate(original.pages):
            pdf.pages.insert(index, page)
    _associate(
        pdf,
        Attachment(scan.original, scan.mime_type, scan.filename),
        "The scanned original (izvirnik)",
        created,
    )


def _associate(
    pdf: pikepdf.Pdf, attachment: Attachment, description: str, created: datetime
) -> None:
    """``attachment`` embedded byte for byte with its MIME type, as the document's associated
    file (catalog /AF) whose relationship is Source: what the document certifies or confirms."""
    stamp = _pdf_date(created)
    spec = pikepdf.AttachedFileSpec(
        pdf,
        attachment.data,
        filename=attachment.filename,
        mime_type=attachment.mime_type,
        description=description,
        relationship=pikepdf.Name.Source,
        creation_date=stamp,
        mod_date=stamp,
    )
    pdf.attachments[attachment.filename] = spec
    pdf.Root.AF = pdf.make_indirect(pikepdf.Array([pdf.attachments[attachment.filename].obj]))


def separate(pdf_bytes: bytes, spots: tuple[SpotColour, ...]) -> bytes:
    """The same PDF with its inks as spot colours (for a layer that is cached that way and
    delivered as a document of its own, in pdf or pdfx-4): without the output intent a
    layer drawn as PDF/A carries, and as PDF 1.7 like any other plain output."""
    with pikepdf.open(BytesIO(pdf_bytes)) as pdf:
        apply_spots(pdf, spots)
        if "/OutputIntents" in pdf.Root:
            del pdf.Root.OutputIntents
        out = BytesIO()
        pdf.save(out, min_version="1.7", deterministic_id=True)
        return out.getvalue()
