"""The `renderer` command."""

import json
import subprocess
import sys

from .conftest import SAMPLES
from .pdfmeasure import page_boxes_mm


def run(*args):
    return subprocess.run([sys.executable, "-m", "renderer", *args], capture_output=True, text=True, timeout=120)


def test_layouts_json():
    result = run("layouts", "--json")
    assert result.returncode == 0
    ids = [l["id"] for l in json.loads(result.stdout)]
    assert "stamp.receipt" in ids and "sign.name-plate" in ids


def test_render_to_file(tmp_path):
    out = tmp_path / "stamp.pdf"
    result = run("render", "stamp.certified-copy", str(SAMPLES / "stamp.certified-copy.sl-hu.json"), "-o", str(out),
                 "--format", "pdfa-2b")
    assert result.returncode == 0, result.stderr
    width, height = page_boxes_mm(out.read_bytes())["MediaBox"]
    assert (round(width, 1), round(height, 1)) == (70.0, 30.0)
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left behind


def test_invalid_request_writes_nothing(tmp_path):
    request = tmp_path / "bad.json"
    request.write_text(json.dumps({"data": {"name": "Ana", "position": "x", "scientific_title": "dr.",
                                            "professional_title": "mag. farm."}}))
    out = tmp_path / "plate.pdf"
    result = run("render", "sign.name-plate", str(request), "-o", str(out))
    assert result.returncode == 1
    assert "/data/professional_title" in result.stderr
    assert not out.exists()


def test_unknown_layout_and_bad_file(tmp_path):
    assert run("render", "nope", str(SAMPLES / "stamp.receipt.json"), "-o", str(tmp_path / "x.pdf")).returncode == 2
    assert run("render", "stamp.receipt", str(tmp_path / "missing.json"), "-o", str(tmp_path / "x.pdf")).returncode == 2


def test_render_with_the_uploaded_file(tmp_path):
    import io

    import pikepdf

    out = tmp_path / "receipt.pdf"
    application = SAMPLES / "e-receipt.application.application.pdf"
    result = run("render", "e-receipt.application", str(SAMPLES / "e-receipt.application.json"), "-o", str(out),
                 "--format", "pdfa-3b", "--upload", str(application))
    assert result.returncode == 0, result.stderr
    with pikepdf.open(io.BytesIO(out.read_bytes())) as pdf:
        assert pdf.attachments["application.pdf"].get_file().read_bytes() == application.read_bytes()
    refused = run("render", "e-receipt.application", str(SAMPLES / "e-receipt.application.json"), "-o", str(out),
                  "--upload", str(tmp_path / "missing.pdf"))
    assert refused.returncode == 2 and "--upload: cannot read" in refused.stderr
    without = run("render", "e-receipt.application", str(SAMPLES / "e-receipt.application.json"), "-o", str(out))
    assert without.returncode == 1 and "/application" in without.stderr
