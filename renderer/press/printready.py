"""Print-ready finishing (pikepdf): page boxes with bleed, crop marks and PDF/X-4.

**Boxes.** WeasyPrint lays a page with bleed ``b`` out on a MediaBox ``[-b -b W+b H+b]``
around the trim ``[0 0 W H]`` (and paints the page's background into it: the layouts' edge
colours). A print-ready page is moved to the origin: MediaBox ``[0 0 W+2m H+2m]`` with ``m``
the bleed plus, when crop marks are asked, the marks' zone; TrimBox the prescribed size at
``m``; BleedBox the trim plus the bleed; CropBox the MediaBox. A screen page (no bleed, no
marks) keeps all four boxes equal to its MediaBox.

**Black** is printed with black ink alone: on a page made for the press every neutral RGB
colour (``g g g rg``, the renderer's black text, rules and barcodes) becomes DeviceGray,
which a CMYK device prints on the K plate, instead of sRGB black that colour management
would turn into a four-colour black (and smear a barcode across four plates).

**Crop marks** are hairlines on the trim lines' extensions, starting ``MARK_GAP_MM`` past
the bleed, in the registration colour (``/Separation /All``: they print on every plate).

**PDF/X-4** (ISO 15930-7): an output intent ``/GTS_PDFX`` with the embedded CMYK profile
(``templates/common/icc``), the renderer's DeviceRGB characterised as sRGB (``DefaultRGB``
and the transparency groups' colour space; PDF/X-4 allows no uncharacterised RGB), and the
identification (XMP ``pdfxid:GTS_PDFXVersion``, Info ``GTS_PDFXVersion``, ``Trapped``) that
``finish`` writes with the other metadata.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

import pikepdf

from ..paths import TEMPLATES_DIR
from ..units import PT_PER_MM
from . import content
from .separation import separation

MARK_GAP_MM = 1.0  # between the bleed's edge and a crop mark
MARK_LENGTH_MM = 4.0
MARK_WIDTH_PT = 0.25
REGISTRATION = "/ObzAll"  # resource name of the registration colour space
PDFX_VERSION = "1.6"  # PDF/X-4 is based on PDF 1.6


@dataclass(frozen=True)
class OutputIntent:
    """A characterised printing condition and its ICC output profile."""

    identifier: str  # OutputConditionIdentifier: a name in the ICC's registry
    condition: str
    info: str
    profile: Path
    registry: str = "http://www.color.org"


FOGRA39 = OutputIntent(
    "FOGRA39",
    "Offset printing, coated paper (ISO 12647-2:2004/Amd 1, paper type 1 or 2)",
    "obrazci FOGRA39 (derived from the FOGRA39L characterization data)",
    TEMPLATES_DIR / "common" / "icc" / "FOGRA39-obrazci.icc",
)
SRGB_PROFILE = files("weasyprint.pdf") / "sRGB2014.icc"


@dataclass(frozen=True)
class PrintReady:
    """How the pages of one document are made ready for the press."""

    bleed_mm: float = 0.0
    marks: bool = False  # crop marks outside the bleed
    press: bool = False  # made for the press: neutral RGB becomes DeviceGray (black ink only)

    def __post_init__(self) -> None:
        if self.bleed_mm < 0:
            raise ValueError("bleed_mm must not be negative")

    @property
    def margin_mm(self) -> float:
        """From the trim to the MediaBox's edge."""
        return self.bleed_mm + (MARK_GAP_MM + MARK_LENGTH_MM if self.marks else 0)


def numbers(*values: float) -> pikepdf.Array:
    return pikepdf.Array([Decimal(f"{v:.6f}") for v in values])


def neutral_to_gray(pdf: pikepdf.Pdf) -> int:
    """Rewrite ``v v v rg`` / ``RG`` as ``v g`` / ``G`` in every page and form; returns how
    many operators changed."""
    changed = 0

    def to_gray(owner, instructions: list[content.Instruction]) -> list | None:
        nonlocal changed
        before = changed
        out: list[content.Instruction] = []
        for operands, operator in instructions:
            op = str(operator)
            if (
                op in ("rg", "RG")
                and len(operands) == 3
                and float(operands[0]) == float(operands[1]) == float(operands[2])
            ):
                out.append(([operands[0]], pikepdf.Operator("g" if op == "rg" else "G")))
                changed += 1
            else:
                out.append((operands, operator))
        return out if changed > before else None

    content.rewrite(pdf, to_gray)
    return changed


def set_boxes(pdf: pikepdf.Pdf, press: PrintReady) -> None:
    """Every page's boxes as the module says; with marks, the crop marks drawn."""
    bleed, margin = press.bleed_mm * PT_PER_MM, press.margin_mm * PT_PER_MM
    registration = registration_colour(pdf) if press.marks else None
    for page in pdf.pages:
        x0, y0, x1, y1 = (float(v) for v in page.obj.MediaBox)
        trim_x, trim_y = x0 + bleed, y0 + bleed  # the trim's lower left, before moving
        width, height = x1 - x0 - 2 * bleed, y1 - y0 - 2 * bleed
        if margin:
            _move(page, margin - trim_x, margin - trim_y)
            x0 = y0 = 0.0
            x1, y1 = width + 2 * margin, height + 2 * margin
            trim_x = trim_y = margin
        trim = (trim_x, trim_y, trim_x + width, trim_y + height)
        page.obj.MediaBox = numbers(x0, y0, x1, y1)
        page.obj.CropBox = page.obj.MediaBox
        page.obj.TrimBox = numbers(*trim)
        page.obj.BleedBox = numbers(
            trim[0] - bleed, trim[1] - bleed, trim[2] + bleed, trim[3] + bleed
        )
        if registration is not None:
            _colour_spaces(page.Resources)[REGISTRATION] = registration
            page.contents_add(crop_marks([trim[0], trim[2]], [trim[1], trim[3]], trim, bleed))
        if margin:
            page.contents_coalesce()  # one content stream, as the page had


def _colour_spaces(resources: pikepdf.Object) -> pikepdf.Object:
    if "/ColorSpace" not in resources:
        resources.ColorSpace = pikepdf.Dictionary()
    return resources.ColorSpace


def _move(page: pikepdf.Page, dx: float, dy: float) -> None:
    """Shift the page's drawing and annotations by (dx, dy) points."""
    page.contents_add(b"q 1 0 0 1 %.4f %.4f cm\n" % (dx, dy), prepend=True)
    page.contents_add(b"\nQ\n")
    for annot in page.obj.get("/Annots") or ():
        if "/Rect" in annot:
            ax0, ay0, ax1, ay1 = (float(v) for v in annot.Rect)
            annot.Rect = numbers(ax0 + dx, ay0 + dy, ax1 + dx, ay1 + dy)
        if "/QuadPoints" in annot:
            annot.QuadPoints = numbers(
                *(float(v) + (dx if i % 2 == 0 else dy) for i, v in enumerate(annot.QuadPoints))
            )


def registration_colour(pdf: pikepdf.Pdf) -> pikepdf.Array:
    """``[/Separation /All /DeviceCMYK f]``: marks in it print on every separation."""
    return separation(pdf, "All", pikepdf.Name.DeviceCMYK, [0, 0, 0, 0], [1, 1, 1, 1])


def crop_marks(
    xs: list[float], ys: list[float], extent: tuple[float, float, float, float], bleed: float
) -> bytes:
    """Content drawing a crop mark on each vertical trim line ``xs`` above and below
    ``extent`` (the trimmed area, points) and on each horizontal one ``ys`` left and right
    of it, each starting ``MARK_GAP_MM`` past the bleed; uses the ``REGISTRATION`` space."""
    start = bleed + MARK_GAP_MM * PT_PER_MM
    end = start + MARK_LENGTH_MM * PT_PER_MM
    left, bottom, right, top = extent
    path = []
    for x in xs:
        path += [(x, top + start, x, top + end), (x, bottom - start, x, bottom - end)]
    for y in ys:
        path += [(left - start, y, left - end, y), (right + start, y, right + end, y)]
    lines = b"".join(b"%.4f %.4f m %.4f %.4f l\n" % segment for segment in path)
    return (
        (b"q %s CS 1 SCN %.2f w 0 J\n" % (REGISTRATION.encode(), MARK_WIDTH_PT)) + lines + b"S Q\n"
    )


def make_pdfx(pdf: pikepdf.Pdf, intent: OutputIntent = FOGRA39) -> None:
    """The output intent, and the device RGB characterised as sRGB throughout."""
    profile = pdf.make_stream(intent.profile.read_bytes())
    profile.N = 4
    pdf.Root.OutputIntents = pikepdf.Array(
        [
            pdf.make_indirect(
                pikepdf.Dictionary(
                    Type=pikepdf.Name.OutputIntent,
                    S=pikepdf.Name.GTS_PDFX,
                    OutputConditionIdentifier=pikepdf.String(intent.identifier),
                    OutputCondition=pikepdf.String(intent.condition),
                    RegistryName=pikepdf.String(intent.registry),
                    Info=pikepdf.String(intent.info),
                    DestOutputProfile=pdf.make_indirect(profile),
                )
            )
        ]
    )
    characterise_rgb(pdf)


def characterise_rgb(pdf: pikepdf.Pdf) -> None:
    """``DefaultRGB`` = sRGB in the resources of every page and form (so every ``rg`` and
    RGB image is ICC-based), and the transparency groups blended in sRGB, not DeviceRGB."""
    srgb_profile = pdf.make_stream(SRGB_PROFILE.read_bytes())
    srgb_profile.N = 3
    srgb = pdf.make_indirect(
        pikepdf.Array([pikepdf.Name.ICCBased, pdf.make_indirect(srgb_profile)])
    )
    for owner in content.owners(pdf, patterns=True):
        group = owner.get("/Group")
        if group is not None and group.get("/CS") == pikepdf.Name.DeviceRGB:
            group.CS = srgb
        resources = owner.get("/Resources")
        if resources is not None:
            _colour_spaces(resources)["/DefaultRGB"] = srgb


def pdfx_xmp(version: str, document_id: str) -> str:
    """The XMP descriptions PDF/X-4 adds: its identification, trapping and the XMP media
    management properties it requires."""
    return (
        '<rdf:Description rdf:about="" xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/">'
        f"<pdfxid:GTS_PDFXVersion>{version}</pdfxid:GTS_PDFXVersion></rdf:Description>"
        '<rdf:Description rdf:about="" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/">'
        f"<xmpMM:DocumentID>uuid:{document_id}</xmpMM:DocumentID>"
        f"<xmpMM:InstanceID>uuid:{document_id}</xmpMM:InstanceID>"
        "<xmpMM:VersionID>1</xmpMM:VersionID><xmpMM:RenditionClass>default</xmpMM:RenditionClass>"
        "</rdf:Description>"
    )
