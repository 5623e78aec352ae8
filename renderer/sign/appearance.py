"""Signature fields as PDF/A requires every annotation: a widget with an appearance stream
and the print flag. Invisible (an empty 0 x 0 form), or a rendered stamp: page 1 of a
one-page PDF (layout ``signature.stamp``) imported with pyHanko's
``import_page_as_xobject`` and placed at (x, y) mm from the page's top left."""

from __future__ import annotations

from io import BytesIO

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields

from ..accessible.widget import tag_field
from ..units import PT_PER_MM
from .config import VisibleStamp

WIDGET_FLAGS = 4 | 128  # Print, Locked


def add_signature_field(
    writer: IncrementalPdfFileWriter,
    name: str,
    stamp: VisibleStamp | None = None,
    *,
    timestamp: bool = False,
) -> None:
    """Add the field ``name``, empty and invisible, or showing ``stamp``; in a tagged
    document also in its structure tree (``timestamp``: a document timestamp's field)."""
    if stamp is None:
        fields.append_signature_field(
            writer, fields.SigFieldSpec(name, on_page=0, box=(0, 0, 0, 0))
        )
        appearance = writer.add_object(
            generic.StreamObject(
                {
                    generic.pdf_name("/Type"): generic.pdf_name("/XObject"),
                    generic.pdf_name("/Subtype"): generic.pdf_name("/Form"),
                    generic.pdf_name("/BBox"): generic.ArrayObject([generic.NumberObject(0)] * 4),
                },
                stream_data=b"",
            )
        )
    else:
        appearance = writer.import_page_as_xobject(PdfFileReader(BytesIO(stamp.pdf)))
        x0, y0, x1, y1 = (float(v) for v in appearance.get_object()["/BBox"])
        width, height = x1 - x0, y1 - y0
        x, top = stamp.x_mm * PT_PER_MM, _page_top(writer, stamp.page) - stamp.y_mm * PT_PER_MM
        fields.append_signature_field(
            writer,
            fields.SigFieldSpec(
                name, on_page=stamp.page, box=(int(x), int(top - height), int(x + width), int(top))
            ),
        )
    for ref in writer.root["/AcroForm"]["/Fields"]:
        widget = ref.get_object()
        if widget.get("/T") == name:
            widget["/F"] = generic.NumberObject(WIDGET_FLAGS)
            widget["/AP"] = generic.DictionaryObject({generic.pdf_name("/N"): appearance})
            writer.update_container(widget)
            tag_field(writer, ref, stamp.page if stamp else 0, timestamp)


def _page_top(writer: IncrementalPdfFileWriter, index: int) -> float:
    """The top of the page's MediaBox (inherited from the page tree if need be)."""
    node = writer.find_page_for_modification(index)[0].get_object()
    while "/MediaBox" not in node:
        node = node["/Parent"].get_object()
    return float(node["/MediaBox"][3])
