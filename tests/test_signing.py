"""PAdES signing and verification against a real test PKI on 127.0.0.1, checked by three
independent implementations: pyHanko's validator, poppler's pdfsig (NSS) and OpenSSL."""

import hashlib
import io
import json
import os
import re
import shutil
import subprocess

import pytest
from falcon import testing

from renderer.http.app import create_app
from renderer.sign.config import SigningConfig
from renderer.sign.errors import SigningConfigError
from renderer.sign.service import SigningService
from renderer.sign.verify import verify_pdf

from .conftest import sample
from .pki import free_port, start_pki
from .preflight import preflight, require_preflight

PASSPHRASE = "geslo-za-test"
KEY_OFFICE, KEY_OTHER = "office-key-1", "other-key-2"


def config_text(pki, tsa_url=None, profile_extra=""):
    return f"""
[profiles.office]
kind = "pkcs12"
path = "signer.p12"
passphrase_env = "OBRAZCI_TEST_P12"
trust_roots = ["root.cert.pem"]
tsa_url = "{tsa_url or pki.tsa_url}"
reason = "Uradni dokument"
location = "Ljubljana"
verify_url = "https://obrazci.example.si/v1/verify"
{profile_extra}

[api_keys.office]
sha256 = "{hashlib.sha256(KEY_OFFICE.encode()).hexdigest()}"
profiles = ["office"]

[api_keys.other]
sha256 = "{hashlib.sha256(KEY_OTHER.encode()).hexdigest()}"
profiles = []
"""


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pki")
    pki = start_pki(directory, PASSPHRASE.encode())
    os.environ["OBRAZCI_TEST_P12"] = PASSPHRASE
    yield pki
    pki.server.shutdown()


@pytest.fixture(scope="module")
def signing(pki):
    path = pki.directory / "signing.toml"
    path.write_text(config_text(pki))
    return SigningService(SigningConfig.from_file(path))


@pytest.fixture(scope="module")
def signing_client(pipeline, signing):
    return testing.TestClient(create_app(pipeline, signing))


def render_signed(client, level, fmt="pdfa-1b", key=KEY_OFFICE, layout="stamp.receipt"):
    return client.simulate_post(
        f"/v1/render/{layout}",
        params={"format": fmt, "sign": "office", "level": level},
        body=json.dumps(sample(layout, ("sl", "hu"))),
        headers={"Content-Type": "application/json", **({"X-API-Key": key} if key else {})},
    )


@pytest.fixture(scope="module")
def signed(signing_client):
    out = {}
    for level in ("B-B", "B-T", "B-LT", "B-LTA"):
        resp = render_signed(signing_client, level)
        assert resp.status_code == 200, resp.text
        out[level] = resp.content
    return out


def cms_and_signed_bytes(pdf: bytes, index: int = 0) -> tuple[bytes, bytes]:
    """The CMS blob of the index-th signature and the bytes its /ByteRange covers."""
    ranges = re.findall(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    a, b, c, d = (int(x) for x in ranges[index])
    blob = bytes.fromhex(pdf[a + b : c].strip(b"<> \n").decode())
    return blob[: der_length(blob)], pdf[a : a + b] + pdf[c : c + d]


def der_length(blob: bytes) -> int:
    """The length of the DER value at the start of ``blob`` (the /Contents placeholder pads
    it with zeros; stripping them would also cut a signature that ends in a zero byte)."""
    if blob[1] < 0x80:
        return 2 + blob[1]
    size = blob[1] & 0x7F
    return 2 + size + int.from_bytes(blob[2 : 2 + size], "big")


def openssl_verify(pdf: bytes, root, tmp_path) -> subprocess.CompletedProcess:
    cms, data = cms_and_signed_bytes(pdf)
    (tmp_path / "sig.der").write_bytes(cms)
    (tmp_path / "data.bin").write_bytes(data)
    return subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(tmp_path / "sig.der"),
            "-content",
            str(tmp_path / "data.bin"),
            "-CAfile",
            str(root),
            "-purpose",
            "any",
            "-out",
            os.devnull,
        ],
        capture_output=True,
        text=True,
    )


def pdfsig(pdf: bytes, root, tmp_path) -> str:
    if not shutil.which("pdfsig") or not shutil.which("certutil"):
        if os.environ.get("CI"):
            pytest.fail(
                "pdfsig/certutil missing: .ci/setup installs poppler-utils and libnss3-tools"
            )
        pytest.skip("pdfsig/certutil missing")
    db = tmp_path / "nss"
    db.mkdir(exist_ok=True)
    subprocess.run(
        ["certutil", "-N", "-d", f"sql:{db}", "--empty-password"], check=True, capture_output=True
    )
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{db}", "-n", "root", "-t", "CT,C,C", "-i", str(root)],
        check=True,
        capture_output=True,
    )
    (tmp_path / "in.pdf").write_bytes(pdf)
    return subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{db}", "-no-ocsp", str(tmp_path / "in.pdf")],
        capture_output=True,
        text=True,
    ).stdout


def test_the_cms_is_cut_at_its_der_length_not_at_its_last_nonzero_byte():
    """A signature value may end in a zero byte (1 in 256); the helper used to strip it."""
    from asn1crypto import core

    value = core.OctetString(b"signature" + b"\x00\x00").dump()
    assert der_length(value + b"\x00" * 64) == len(value)
    long = core.OctetString(bytes(300) + b"\x00").dump()
    assert der_length(long + bytes(64)) == len(long)


@pytest.mark.parametrize("level", ["B-B", "B-T", "B-LT", "B-LTA"])
def test_every_level_verified_three_ways(signed, signing, pki, level, tmp_path):
    pdf = signed[level]
    report = verify_pdf(pdf, signing.trust_roots)  # 1. pyHanko
    assert report["level"] == level, report
    signature = report["signatures"][0]
    assert signature["intact"] and signature["valid"] and signature["trusted"]
    assert "Uradna Oseba Test" in signature["signer"]
    result = openssl_verify(pdf, pki.cert("root"), tmp_path)  # 2. OpenSSL over the ByteRange
    assert result.returncode == 0 and "Verification successful" in result.stderr, result.stderr
    assert "Signature is Valid" in pdfsig(pdf, pki.cert("root"), tmp_path)  # 3. poppler / NSS


def test_signed_pdfa_1b_still_passes_preflight(signed, tmp_path):
    require_preflight()
    for level in ("B-B", "B-LTA"):
        path = tmp_path / f"{level}.pdf"
        path.write_bytes(signed[level])
        valid, report = preflight(path)
        assert valid, report


def test_a_slow_tsa_still_gets_its_ocsp_answer_embedded(signing, pipeline, pki, monkeypatch):
    """The TSA's status is fetched after its timestamp arrived, so the answer is issued after
    the moment the signing validation context was made; it must still count (it used to be
    rejected as 'too recent' when the TSA took over a second, and the CRL taken instead)."""
    import asyncio

    from asn1crypto import ocsp as asn1_ocsp
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.general import load_cert_from_pemder
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    from renderer.options import RenderOptions

    original = HTTPTimeStamper.async_request_tsa_response

    async def slow(self, *args, **kwargs):
        await asyncio.sleep(1.5)
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(HTTPTimeStamper, "async_request_tsa_response", slow)
    pdf = pipeline.render_sample("stamp.receipt", ("sl",), RenderOptions("pdfa-2b")).content
    dss = DocumentSecurityStore.read_dss(
        PdfFileReader(io.BytesIO(signing.sign(pdf, "office", "B-LT")))
    )
    serials = {
        asn1_ocsp.OCSPResponse.load(r.get_object().data)["response_bytes"]["response"]
        .parsed["tbs_response_data"]["responses"][0]["cert_id"]["serial_number"]
        .native
        for r in dss.ocsps
    }
    assert load_cert_from_pemder(str(pki.cert("tsa"))).serial_number in serials
    assert not dss.crls


def test_tampered_byte_and_wrong_root_fail(signed, signing, pki, tmp_path):
    pdf = bytearray(signed["B-B"])
    position = pdf.find(b"/MediaBox")  # inside the signed revision
    pdf[position + 2] ^= 0x01
    report = verify_pdf(bytes(pdf), signing.trust_roots)
    assert report["level"] is None and report["signatures"][0]["intact"] is False
    assert openssl_verify(bytes(pdf), pki.cert("root"), tmp_path).returncode != 0
    from pyhanko.sign.general import load_cert_from_pemder

    wrong = verify_pdf(signed["B-T"], [load_cert_from_pemder(str(pki.cert("other-root")))])
    assert wrong["level"] is None and wrong["signatures"][0]["trusted"] is False
    assert openssl_verify(signed["B-T"], pki.cert("other-root"), tmp_path).returncode != 0


def test_api_key_required_and_scoped(signing_client):
    assert render_signed(signing_client, "B-B", key=None).status_code == 401
    assert render_signed(signing_client, "B-B", key="wrong").status_code == 401
    resp = render_signed(signing_client, "B-B", key=KEY_OTHER)
    assert resp.status_code == 403 and resp.headers["content-type"] == "application/problem+json"
    resp = signing_client.simulate_post(
        "/v1/render/stamp.receipt",
        params={"sign": "nobody"},
        body=json.dumps(sample("stamp.receipt")),
        headers={"Content-Type": "application/json", "X-API-Key": KEY_OFFICE},
    )
    assert resp.status_code == 400 and resp.json["errors"][0]["parameter"] == "sign"


def test_sign_an_uploaded_pdf_and_verify_endpoint(signing_client, pipeline):
    from renderer.options import RenderOptions

    pdf = pipeline.render_sample("sign.room-plate", ("sl",), RenderOptions("pdfa-2b")).content
    resp = signing_client.simulate_post(
        "/v1/sign",
        params={"sign": "office", "level": "B-T"},
        body=pdf,
        headers={"Content-Type": "application/pdf", "X-API-Key": KEY_OFFICE},
    )
    assert resp.status_code == 200, resp.text
    assert (
        resp.content.startswith(pdf[:20]) and resp.content[: len(pdf)] == pdf
    )  # incremental: original kept
    report = signing_client.simulate_post(
        "/v1/verify", body=resp.content, headers={"Content-Type": "application/pdf"}
    )
    assert report.status_code == 200
    assert report.json["level"] == "B-T" and report.json["pdfa"] == "PDF/A-2b"
    bad = signing_client.simulate_post(
        "/v1/verify", body=b"hello", headers={"Content-Type": "application/pdf"}
    )
    assert bad.status_code == 422
    wrong_type = signing_client.simulate_post(
        "/v1/verify", body=pdf, headers={"Content-Type": "text/plain"}
    )
    assert wrong_type.status_code == 415


def test_unreachable_tsa_is_503_and_garbage_tsa_502(pipeline, pki):
    for url, status in (
        (f"http://127.0.0.1:{free_port()}/tsa", "503"),
        (f"http://127.0.0.1:{pki.port}/t/crls/root/latest.crl", "502"),
    ):
        path = pki.directory / f"signing-{status}.toml"
        path.write_text(config_text(pki, tsa_url=url))
        client = testing.TestClient(
            create_app(pipeline, SigningService(SigningConfig.from_file(path)))
        )
        resp = render_signed(client, "B-T")
        assert resp.status_code == int(status), resp.text
        assert resp.json["errors"][0]["service"] == "TSA"
        assert resp.headers["content-type"] == "application/problem+json"
        assert render_signed(client, "B-B").status_code == 200  # B-B needs no TSA


def test_bad_passphrase_refuses_to_start(pki, monkeypatch):
    path = pki.directory / "signing.toml"
    path.write_text(config_text(pki))
    monkeypatch.setenv("OBRAZCI_TEST_P12", "Zx9-not-the-passphrase")
    with pytest.raises(SigningConfigError) as exc:
        SigningService(SigningConfig.from_file(path))
    assert "office" in str(exc.value) and "wrong passphrase" in str(exc.value)
    assert "Zx9" not in str(exc.value)  # the secret never appears in a message
    monkeypatch.delenv("OBRAZCI_TEST_P12")
    with pytest.raises(SigningConfigError, match="OBRAZCI_TEST_P12 is not set"):
        SigningService(SigningConfig.from_file(path))


def test_visible_signature_with_qr_keeps_pdfa(signing_client, signing, pki, tmp_path):
    resp = signing_client.simulate_post(
        "/v1/render/sign.name-plate",
        params={"format": "pdfa-1b", "sign": "office", "level": "B-T", "stamp": "135,30"},
        body=json.dumps(sample("sign.name-plate")),
        headers={"Content-Type": "application/json", "X-API-Key": KEY_OFFICE},
    )
    assert resp.status_code == 200, resp.text
    pdf = resp.content
    assert verify_pdf(pdf, signing.trust_roots)["level"] == "B-T"
    import io

    import pdfplumber
    import pypdfium2 as pdfium
    import zxingcpp

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        annots = doc.pages[0].annots
    widget = next(
        a for a in annots if a.get("data", {}).get("FT") == "/Sig" or "Signature1" in str(a)
    )
    assert abs(widget["x0"] * 25.4 / 72 - 135) < 0.6 and abs(widget["top"] * 25.4 / 72 - 30) < 0.6
    document = pdfium.PdfDocument(pdf)
    document.init_forms()  # PDFium draws widget annotations only with its form environment
    image = document[0].render(scale=300 / 72, may_draw_forms=True).to_pil()
    image.save(tmp_path / "visible.png")
    texts = [
        r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode
    ]
    assert texts == [
        "https://obrazci.example.si/v1/verify"
    ]  # the QR code of the verification address
    require_preflight()
    path = tmp_path / "visible.pdf"
    path.write_bytes(pdf)
    valid, report = preflight(path)
    assert valid, report
    bad = signing_client.simulate_post(
        "/v1/render/stamp.receipt",
        params={"sign": "office", "stamp": "30,10"},
        body=json.dumps(sample("stamp.receipt")),
        headers={"Content-Type": "application/json", "X-API-Key": KEY_OFFICE},
    )
    assert bad.status_code == 400 and bad.json["errors"][0]["parameter"] == "stamp"


def test_layouts_marked_signed_use_the_default_profile(pipeline, pki, monkeypatch):
    import dataclasses

    path = pki.directory / "signing-default.toml"
    path.write_text('default_profile = "office"\ndefault_level = "B-T"\n' + config_text(pki))
    service = SigningService(SigningConfig.from_file(path))
    client = testing.TestClient(create_app(pipeline, service))
    layout = pipeline.layout("stamp.receipt")
    monkeypatch.setitem(
        pipeline.registry._layouts, "stamp.receipt", dataclasses.replace(layout, signed=True)
    )
    body = json.dumps(sample("stamp.receipt"))
    unsigned_try = client.simulate_post(
        "/v1/render/stamp.receipt", body=body, headers={"Content-Type": "application/json"}
    )
    assert unsigned_try.status_code == 401  # a document that must be signed needs an allowed key
    resp = client.simulate_post(
        "/v1/render/stamp.receipt",
        params={"format": "pdfa-2b"},
        body=body,
        headers={"Content-Type": "application/json", "X-API-Key": KEY_OFFICE},
    )
    assert (
        resp.status_code == 200 and verify_pdf(resp.content, service.trust_roots)["level"] == "B-T"
    )
    png = client.simulate_post(
        "/v1/render/stamp.receipt",
        params={"format": "png"},
        body=body,
        headers={"Content-Type": "application/json"},
    )
    assert (
        png.status_code == 409 and png.json["errors"][0]["parameter"] == "format"
    )  # a picture cannot carry it


def test_e_delivery_slip_is_signed_by_default(pipeline, pki):
    path = pki.directory / "signing-slip.toml"
    path.write_text('default_profile = "office"\n' + config_text(pki))
    service = SigningService(SigningConfig.from_file(path))
    client = testing.TestClient(create_app(pipeline, service))
    resp = client.simulate_post(
        "/v1/render/e-delivery.slip",
        params={"format": "pdfa-2b"},
        body=json.dumps(sample("e-delivery.slip")),
        headers={"Content-Type": "application/json", "X-API-Key": KEY_OFFICE},
    )
    assert resp.status_code == 200, resp.text
    report = verify_pdf(resp.content, service.trust_roots)
    assert report["level"] == "B-T" and report["pdfa"] == "PDF/A-2b"  # "varen e-podpis": signed
    text = client.simulate_post(
        "/v1/render/e-delivery.slip",
        params={"format": "txt"},
        body=json.dumps(sample("e-delivery.slip")),
        headers={"Content-Type": "application/json"},
    )
    assert (
        text.status_code == 409 and text.json["errors"][0]["parameter"] == "format"
    )  # never unsigned


def test_signed_layout_without_a_signer_is_refused(pipeline, pki):
    """No default profile: the slip (P 41, 'varen e-podpis') is a 409 naming ``sign``, not an
    unsigned PDF; B-T and up with a profile that has no TSA is a 409 naming ``level``."""
    path = pki.directory / "signing-nodefault.toml"
    path.write_text(config_text(pki).replace(f'tsa_url = "{pki.tsa_url}"', ""))
    client = testing.TestClient(create_app(pipeline, SigningService(SigningConfig.from_file(path))))
    headers = {"Content-Type": "application/json", "X-API-Key": KEY_OFFICE}
    resp = client.simulate_post(
        "/v1/render/e-delivery.slip",
        params={"format": "pdf"},
        body=json.dumps(sample("e-delivery.slip")),
        headers=headers,
    )
    assert resp.status_code == 409 and resp.json["errors"][0]["parameter"] == "sign"
    resp = client.simulate_post(
        "/v1/render/stamp.receipt",
        params={"format": "pdf", "sign": "office", "level": "B-LT"},
        body=json.dumps(sample("stamp.receipt")),
        headers=headers,
    )
    assert resp.status_code == 409 and resp.json["errors"][0]["parameter"] == "level", resp.text


def test_electronic_copy_is_signed_by_default(pipeline, pki):
    import io

    import pikepdf

    from .test_electronic_copy import BOUNDARY, LAYOUT, SCAN, multipart

    path = pki.directory / "signing-copy.toml"
    path.write_text('default_profile = "office"\n' + config_text(pki))
    service = SigningService(SigningConfig.from_file(path))
    client = testing.TestClient(create_app(pipeline, service))
    resp = client.simulate_post(
        f"/v1/render/{LAYOUT}",
        params={"format": "pdfa-3b"},
        body=multipart(sample(LAYOUT), SCAN),
        headers={
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            "X-API-Key": KEY_OFFICE,
        },
    )
    assert resp.status_code == 200, resp.text
    report = verify_pdf(resp.content, service.trust_roots)
    assert report["level"] == "B-T" and report["pdfa"] == "PDF/A-3b"
    with pikepdf.open(io.BytesIO(resp.content)) as pdf:
        assert pdf.attachments["original.pdf"].get_file().read_bytes() == SCAN


def test_b_b_gets_an_ades_indication(signed, signing):
    """pyHanko 0.38's basic AdES validation takes no PDF integrity fields (it was a TypeError)."""
    ades = verify_pdf(signed["B-B"], signing.trust_roots)["signatures"][0]["ades"]
    assert ades["process"] == "basic" and "TypeError" not in str(ades.get("detail")), ades


@pytest.mark.parametrize("level", ["B-B", "B-LTA"])
def test_a_file_changed_after_signing_has_no_level(signed, signing, level):
    """Page 1's content replaced in a later incremental update: the signature still checks
    out over its own revision, but the file is not what was signed."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed[level]))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    forged = generic.StreamObject(stream_data=b"BT /F1 24 Tf 20 20 Td (forged) Tj ET")
    page["/Contents"] = writer.add_object(forged)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    report = verify_pdf(out.getvalue(), signing.trust_roots)
    signature = report["signatures"][0]
    assert signature["modifications_allowed"] is False and signature["modifications"] == "OTHER", (
        signature
    )
    assert report["level"] is None
    assert (
        verify_pdf(signed[level], signing.trust_roots)["level"] == level
    )  # the file as signed still is


@pytest.mark.parametrize(
    "body",
    [
        b"%PDF-1.7\nx",
        b"%PDF-1.7\n",
        b"%PDF-1.7\n" + bytes(range(256)) * 10,
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n",
    ],
    ids=["truncated", "header-only", "garbage", "no-pages"],
)
def test_sign_checks_the_upload_first(signing_client, body):
    resp = signing_client.simulate_post(
        "/v1/sign",
        params={"sign": "office"},
        body=body,
        headers={"Content-Type": "application/pdf", "X-API-Key": KEY_OFFICE},
    )
    assert resp.status_code == 422 and resp.json["errors"], resp.text


@pytest.mark.parametrize("damage", ["trailing-garbage", "polyglot", "encrypted"])
def test_sign_answers_damaged_uploads_with_a_4xx(signing_client, pipeline, damage):
    import pikepdf

    from renderer.options import RenderOptions

    pdf = pipeline.render_sample("stamp.receipt", ("sl",), RenderOptions("pdf")).content
    if damage == "trailing-garbage":
        pdf = pdf + bytes(range(256)) * 40
    elif damage == "polyglot":
        pdf = pdf + b"PK\x03\x04" + bytes(200) + b"PK\x05\x06" + bytes(18)
    else:
        out = io.BytesIO()
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            doc.save(out, encryption=pikepdf.Encryption(user="u", owner="o"))
        pdf = out.getvalue()
    resp = signing_client.simulate_post(
        "/v1/sign",
        params={"sign": "office"},
        body=pdf,
        headers={"Content-Type": "application/pdf", "X-API-Key": KEY_OFFICE},
    )
    assert resp.status_code in (200, 422), resp.text
    if resp.status_code == 200:  # signed as it is, and the signature covers what was sent
        assert (
            resp.content.startswith(pdf) and verify_pdf(resp.content, [])["signatures"][0]["intact"]
        )
    else:
        assert resp.json["errors"], resp.text


def test_sign_refuses_active_content(signing_client, pipeline):
    from renderer.options import RenderOptions

    from .test_place import with_active_content

    pdf = with_active_content(
        pipeline.render_sample("stamp.receipt", ("sl",), RenderOptions("pdf")).content
    )
    resp = signing_client.simulate_post(
        "/v1/sign",
        params={"sign": "office"},
        body=pdf,
        headers={"Content-Type": "application/pdf", "X-API-Key": KEY_OFFICE},
    )
    assert resp.status_code == 422 and "active content" in resp.json["detail"], resp.text


def test_verify_measures_the_upload_first(signing_client):
    from .test_hostile import pdf_with_content

    document = pdf_with_content(bytes(1 << 20) for _ in range(200))  # 200 MiB of zeros in a page
    resp = signing_client.simulate_post(
        "/v1/verify", body=document, headers={"Content-Type": "application/pdf"}
    )
    assert (
        resp.status_code == 422 and "max_decompressed_bytes" in resp.json["errors"][0]["detail"]
    ), resp.text


def test_sign_and_verify_from_the_command_line(pki, tmp_path, capsys):
    from renderer.cli import main

    config = pki.directory / "signing.toml"
    config.write_text(config_text(pki))
    source = tmp_path / "stamp.pdf"
    assert main(["render", "stamp.receipt", "samples/stamp.receipt.json", "-o", str(source)]) == 0
    signed = tmp_path / "signed.pdf"
    assert (
        main(
            [
                "sign",
                str(source),
                "-o",
                str(signed),
                "--profile",
                "office",
                "--level",
                "B-T",
                "--signing-config",
                str(config),
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["verify", str(signed), "--signing-config", str(config)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["signatures"][0]["valid"] and report["signatures"][0]["level"] == "B-T"
    assert (
        main(
            [
                "sign",
                str(source),
                "-o",
                str(signed),
                "--profile",
                "nobody",
                "--signing-config",
                str(config),
            ]
        )
        == 2
    )
    assert main(["verify", str(source), "--at", "yesterday"]) == 2


def test_a_document_that_forbids_changes_is_a_422_not_a_trust_service_failure(
    signing_client, signing, pipeline
):
    """pyHanko refuses to sign a document certified with "no changes" (a SigningError of
    its own); no trust service failed, so it is not a 502 naming one."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    from renderer.options import RenderOptions

    pdf = pipeline.render_sample("sign.room-plate", ("sl",), RenderOptions("pdf")).content
    out = io.BytesIO()
    signers.PdfSigner(
        signers.PdfSignatureMetadata(
            field_name="Certification", certify=True, docmdp_permissions=fields.MDPPerm.NO_CHANGES
        ),
        signer=signing.loaded["office"].signer,
    ).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out)
    resp = signing_client.simulate_post(
        "/v1/sign",
        params={"sign": "office", "level": "B-B"},
        body=out.getvalue(),
        headers={"Content-Type": "application/pdf", "X-API-Key": KEY_OFFICE},
    )
    assert resp.status_code == 422, resp.text
    assert "forbids all changes" in resp.json["detail"]


@pytest.mark.parametrize("answer, status", [("none", 503), ("nonsense", 502)])
def test_a_failing_ocsp_responder_is_named_and_nothing_is_signed(
    signing_client, monkeypatch, answer, status
):
    """B-LT needs the signer's OCSP answer. The fetcher raises what pyhanko-certvalidator's
    aiohttp fetcher raises (OCSPFetchError from aiohttp's error); pyHanko reports a failed
    validation, and the fetch error behind it tells 503 (no answer) from 502."""
    import aiohttp
    from pyhanko_certvalidator.errors import OCSPFetchError
    from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpOCSPFetcher

    url = "http://127.0.0.1:9/ocsp"
    info = aiohttp.RequestInfo(url, "POST", {}, url)  # type: ignore[arg-type]
    cause = (
        aiohttp.ClientConnectionError("Connection refused")
        if answer == "none"
        else aiohttp.ContentTypeError(info, (), message="not an OCSP response")
    )

    async def failing(self, cert, authority):
        raise OCSPFetchError(f"Failed to fetch OCSP response from {url}") from cause

    monkeypatch.setattr(AIOHttpOCSPFetcher, "fetch", failing)
    resp = render_signed(signing_client, "B-LT")
    assert resp.status_code == status, resp.text
    assert resp.json["errors"][0]["service"] == "OCSP/CRL"
    assert resp.headers["content-type"] == "application/problem+json"
    assert "OCSPFetchError" in resp.json["errors"][0]["detail"]
