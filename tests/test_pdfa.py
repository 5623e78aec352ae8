"""PDF/A outputs: PDF/A-1b checked by PDFBox Preflight; the claims and metadata of every part."""

import io
import re
from concurrent.futures import ThreadPoolExecutor

import pikepdf
import pytest

from renderer.registry import Registry

from .preflight import preflight, require_preflight

LAYOUTS = [
    layout.id for layout in Registry() if not (layout.upload or layout.attachment)
]  # embedded files: PDF/A-3 only


def test_pdfa_1b_passes_preflight_for_every_layout(rendered_samples, tmp_path):
    """Every layout in sl+hu (the most letters beyond ASCII); the first layouts in all three
    language sets. One JVM per file is the cost, so not every combination is run here."""
    require_preflight()
    paths = []
    all_sets = {"stamp.receipt", "stamp.certified-copy", "sign.facade", "complaint-book"}
    for layout_id in LAYOUTS:
        sets = (("sl",), ("sl", "hu"), ("sl", "it")) if layout_id in all_sets else (("sl", "hu"),)
        for languages in sets:
            path = tmp_path / f"{layout_id}.{'-'.join(languages)}.pdf"
            path.write_bytes(rendered_samples(layout_id, languages, "pdfa-1b"))
            paths.append(path)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(preflight, paths))
    failures = {
        p.name: report for p, (valid, report) in zip(paths, results, strict=False) if not valid
    }
    assert not failures, failures


def test_plain_pdf_is_not_pdfa(rendered_samples, tmp_path):
    """The validator can fail: an ordinary PDF is rejected."""
    require_preflight()
    path = tmp_path / "plain.pdf"
    path.write_bytes(rendered_samples("stamp.receipt", ("sl",), "pdf"))
    valid, report = preflight(path)
    assert not valid and "not a valid PDF/A-1b" in report


@pytest.mark.parametrize("fmt, part", [("pdfa-1b", "1"), ("pdfa-2b", "2"), ("pdfa-3b", "3")])
def test_pdfa_claim_and_matching_metadata(rendered_samples, fmt, part):
    pdf_bytes = rendered_samples("stamp.certified-copy", ("sl", "it"), fmt)
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        xmp = pdf.Root.Metadata.read_bytes().decode()
        assert f"<pdfaid:part>{part}</pdfaid:part>" in xmp
        assert "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
        assert "/Filter" not in pdf.Root.Metadata.stream_dict  # PDF/A-1: metadata unfiltered
        info = pdf.docinfo
        assert f"<pdf:Producer>{info.Producer}</pdf:Producer>" in xmp
        assert str(info.Title) in xmp and "Timbro" in str(info.Title)
        assert re.search(
            r"<xmp:CreateDate>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00</xmp:CreateDate>", xmp
        )
        assert "<rdf:li>sl</rdf:li><rdf:li>it</rdf:li>" in xmp
        assert pdf.Root.Lang == "sl"
        assert "/OutputIntents" in pdf.Root
        assert "/ID" in pdf.trailer


def test_plain_pdf_claims_no_conformance(rendered_samples):
    with pikepdf.open(io.BytesIO(rendered_samples("stamp.receipt", ("sl",), "pdf"))) as pdf:
        assert "pdfaid" not in pdf.Root.Metadata.read_bytes().decode()
