"""Certified electronic copy (P 52): scan pages, the clause page, the original embedded."""

import io
import json

import pikepdf

from .conftest import SAMPLES, sample
from .pdfmeasure import all_text
from .test_place import BOUNDARY, encrypted

LAYOUT = "certification.electronic-copy"
SCAN = (SAMPLES / f"{LAYOUT}.scan.pdf").read_bytes()


def multipart(request, scan):
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="request"\r\n'
             f'Content-Type: application/json\r\n\r\n{json.dumps(request)}\r\n'.encode()]
    if scan is not None:
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="scan"; filename="scan.pdf"\r\n'
                     f'Content-Type: application/pdf\r\n\r\n'.encode() + scan + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def post(client, scan, params=None):
    return client.simulate_post(f"/v1/render/{LAYOUT}", params=params or {"format": "pdfa-3b"},
                                body=multipart(sample(LAYOUT), scan),
                                headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})


def test_scan_pages_clause_and_embedded_original(client):
    resp = post(client, SCAN)
    assert resp.status_code == 200, resp.text
    with pikepdf.open(io.BytesIO(resp.content)) as pdf:
        assert len(pdf.pages) == 2  # the scan's page, then the clause page
        assert "<pdfaid:part>3</pdfaid:part>" in pdf.Root.Metadata.read_bytes().decode()
        attached = pdf.attachments["original.pdf"]
        assert attached.get_file().read_bytes() == SCAN  # byte-identical when extracted
        assert attached.obj.AFRelationship == "/Source" and attached.get_file().mime_type == "application/pdf"
        assert pdf.Root.AF[0].objgen == attached.obj.objgen
    assert "potrjuje," in all_text(resp.content, [1]) and all_text(resp.content, [0]).strip() == ""


def test_uploads_checked(client):
    json_only = client.simulate_post(f"/v1/render/{LAYOUT}", body=json.dumps(sample(LAYOUT)),
                                     headers={"Content-Type": "application/json"})
    assert json_only.status_code == 415
    missing = post(client, None)
    assert missing.status_code == 422 and missing.json["errors"][0]["pointer"] == "/scan"
    locked = post(client, encrypted(SCAN))
    assert locked.status_code == 422 and locked.json["errors"][0]["pointer"] == "/scan"
    image = post(client, b"\xff\xd8\xff\xe0" + b"0" * 200)  # a JPEG: only PDF scans so far
    assert image.status_code == 422 and "not a PDF" in image.json["errors"][0]["detail"]
    pdfa1 = post(client, SCAN, {"format": "pdfa-1b"})  # PDF/A-1 forbids embedded files
    assert pdfa1.status_code == 400 and pdfa1.json["errors"][0]["parameter"] == "format"
