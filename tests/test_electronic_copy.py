"""Certified electronic copy (P 52): scan pages, the clause page, the original embedded."""

import io
import json

import pikepdf
import pytest
from falcon import testing

from renderer.http.app import create_app
from renderer.sign.config import SigningConfig
from renderer.sign.service import SigningService

from .conftest import SAMPLES, sample
from .helpers import form_data, request_part
from .pdfmeasure import all_text
from .test_place import BOUNDARY, encrypted
from .test_signing import KEY_OFFICE, config_text, pki  # noqa: F401 (pki: the fixture)

LAYOUT = "certification.electronic-copy"
SCAN = (SAMPLES / f"{LAYOUT}.scan.pdf").read_bytes()


@pytest.fixture(scope="module")
def client(pipeline, pki):  # noqa: F811 - the fixture
    """The copy is a signed document (``signed = true``): the service needs a default signer
    profile to make it, and the caller a key allowed to use it."""
    path = pki.directory / "signing-copy-default.toml"
    path.write_text('default_profile = "office"\ndefault_level = "B-B"\n' + config_text(pki))
    app = create_app(pipeline, SigningService(SigningConfig.from_file(path)))
    return testing.TestClient(app, headers={"X-API-Key": KEY_OFFICE})


def test_unsigned_copy_is_refused(pipeline, tmp_path):
    """With no signer to sign it, the copy is a 409, not an unsigned document."""
    resp = post(testing.TestClient(create_app(pipeline, SigningService(SigningConfig()))), SCAN)
    assert resp.status_code == 409 and resp.json["errors"][0]["parameter"] == "sign"
    for fmt in ("png", "html"):
        resp = post(
            testing.TestClient(create_app(pipeline, SigningService(SigningConfig()))),
            SCAN,
            {"format": fmt},
        )
        assert resp.status_code == 409 and resp.json["errors"][0]["parameter"] == "format", (
            resp.text
        )


def multipart(request, scan):
    file = ("scan", "scan.pdf", "application/pdf", scan) if scan is not None else None
    return form_data(request_part(request), file)


def post(client, scan, params=None):
    return client.simulate_post(
        f"/v1/render/{LAYOUT}",
        params=params or {"format": "pdfa-3b"},
        body=multipart(sample(LAYOUT), scan),
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )


def test_scan_pages_clause_and_embedded_original(client):
    resp = post(client, SCAN)
    assert resp.status_code == 200, resp.text
    with pikepdf.open(io.BytesIO(resp.content)) as pdf:
        assert len(pdf.pages) == 2  # the scan's page, then the clause page
        assert "<pdfaid:part>3</pdfaid:part>" in pdf.Root.Metadata.read_bytes().decode()
        attached = pdf.attachments["original.pdf"]
        assert attached.get_file().read_bytes() == SCAN  # byte-identical when extracted
        assert (
            attached.obj.AFRelationship == "/Source"
            and attached.get_file().mime_type == "application/pdf"
        )
        assert pdf.Root.AF[0].objgen == attached.obj.objgen
    assert "potrjuje," in all_text(resp.content, [1]) and all_text(resp.content, [0]).strip() == ""


def test_uploads_checked(client):
    json_only = client.simulate_post(
        f"/v1/render/{LAYOUT}",
        body=json.dumps(sample(LAYOUT)),
        headers={"Content-Type": "application/json"},
    )
    assert json_only.status_code == 415
    missing = post(client, None)
    assert missing.status_code == 422 and missing.json["errors"][0]["pointer"] == "/scan"
    locked = post(client, encrypted(SCAN))
    assert locked.status_code == 422 and locked.json["errors"][0]["pointer"] == "/scan"
    broken = post(client, b"\xff\xd8\xff\xe0" + b"0" * 200)  # a JPEG header, then garbage
    assert (
        broken.status_code == 422
        and "broken or unreadable image" in broken.json["errors"][0]["detail"]
    )
    text = post(client, b"hello, this is a scan.pdf")  # the name says PDF, the content does not
    assert text.status_code == 422 and "PDF, PNG, JPEG or TIFF" in text.json["errors"][0]["detail"]
    pdfa1 = post(client, SCAN, {"format": "pdfa-1b"})  # PDF/A-1 forbids embedded files
    assert pdfa1.status_code == 400 and pdfa1.json["errors"][0]["parameter"] == "format"


def image_bytes(fmt, frames=1, size=(827, 1169)):
    from PIL import Image

    images = [Image.new("L", size, 230 - 40 * i) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, fmt, save_all=frames > 1, append_images=images[1:], dpi=(100, 100))
    return out.getvalue()


def test_image_scans_become_pages_and_the_original_is_embedded(client):
    for fmt, mime, frames in (
        ("PNG", "image/png", 1),
        ("JPEG", "image/jpeg", 1),
        ("TIFF", "image/tiff", 2),
    ):
        original = image_bytes(fmt, frames)
        resp = post(client, original)
        assert resp.status_code == 200, resp.text
        with pikepdf.open(io.BytesIO(resp.content)) as pdf:
            assert len(pdf.pages) == frames + 1
            width_mm = float(pdf.pages[0].mediabox[2]) * 25.4 / 72
            assert abs(width_mm - 210) < 1  # 827 px at 100 dpi: A4 wide
            ((name, attached),) = pdf.attachments.items()
            assert (
                attached.get_file().read_bytes() == original
                and attached.get_file().mime_type == mime
            )


def test_decompression_bomb_refused(client):
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (9000, 9000)).save(out, "PNG")  # 81 Mpx in a few kB
    resp = post(client, out.getvalue())
    assert resp.status_code == 422 and "pixel" in resp.json["errors"][0]["detail"]


def test_clause_too_long_is_a_422_not_a_500(client):
    bilingual = sample(LAYOUT, ("sl", "it"))
    request = dict(
        bilingual,
        # one word wider than the clause's 170 mm rectangle, at its longest (200 characters)
        data=dict(bilingual["data"], document="W" * 200),
    )
    resp = client.simulate_post(
        f"/v1/render/{LAYOUT}",
        params={"format": "pdfa-3b"},
        body=multipart(request, SCAN),
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert resp.status_code == 422 and resp.json["errors"][0]["pointer"].startswith("/data"), (
        resp.text
    )


def test_active_content_of_the_scan_does_not_reach_the_pdfa(client):
    from .test_place import with_active_content

    resp = post(client, with_active_content(SCAN))
    assert resp.status_code == 200, resp.text
    with pikepdf.open(
        io.BytesIO(resp.content)
    ) as pdf:  # the pages and the document; the original is embedded as it came
        assert "/OpenAction" not in pdf.Root and not any("/AA" in p.obj for p in pdf.pages)
        assert set(pdf.attachments) == {"original.pdf"}
