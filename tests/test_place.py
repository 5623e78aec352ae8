"""A certification confirmation placed onto an uploaded PDF; hostile uploads refused."""

import io
import zlib

import pikepdf
import pytest

from renderer.options import RenderOptions

from .conftest import sample
from .helpers import BOUNDARY, form_data, request_part
from .pdfmeasure import find


def multipart(request: dict | None, document: bytes | None) -> bytes:
    return form_data(
        request_part(request) if request is not None else None,
        ("document", "scan.pdf", "application/pdf", document) if document is not None else None,
    )


def post(client, params, request, document):
    return client.simulate_post(
        "/v1/place/certification.copy",
        params=params,
        body=multipart(request, document),
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )


@pytest.fixture(scope="module")
def uploaded(pipeline):
    return pipeline.render_sample("notice.complaint-right", ("sl",), RenderOptions("pdf")).content


def test_placed_at_the_asked_position(client, uploaded):
    resp = post(client, {"page": "1", "at": "30,160"}, sample("certification.copy"), uploaded)
    assert resp.status_code == 200, resp.text
    authority = find(resp.content, "Upravna enota Celje")
    assert (
        160 < authority.top < 168 and abs(authority.cx - (30 + 80)) < 0.5
    )  # centred in the 160 mm box
    assert find(resp.content, "KNJIGA PRIPOMB IN POHVAL")  # the document is still there
    with pikepdf.open(io.BytesIO(resp.content)) as pdf:
        assert len(pdf.pages) == 1


def test_placed_on_a_new_page(client, uploaded):
    resp = post(client, {"page": "new", "at": "25,20"}, sample("certification.copy"), uploaded)
    assert resp.status_code == 200
    with pikepdf.open(io.BytesIO(resp.content)) as pdf:
        assert len(pdf.pages) == 2
    assert find(resp.content, "potrjuje,", page=1).top > 20


def encrypted(pdf: bytes) -> bytes:
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        doc.save(out, encryption=pikepdf.Encryption(owner="o", user="u"))
    return out.getvalue()


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda pdf: b"\x89PNG\r\n\x1a\n" + b"0" * 100, "is not a PDF"),
        (lambda pdf: pdf[: len(pdf) // 3], "broken PDF"),
        (lambda pdf: b"%PDF-1.7\n" + b"garbage " * 1000, "broken PDF"),
        (encrypted, "encrypted PDF"),
    ],
)
def test_hostile_uploads_are_refused(client, uploaded, make, reason):
    resp = post(client, {"at": "30,160"}, sample("certification.copy"), make(uploaded))
    assert resp.status_code == 422, resp.text
    assert (
        resp.json["errors"][0]["pointer"] == "/document"
        and reason in resp.json["errors"][0]["detail"]
    )


def test_position_off_the_page_and_missing_parts(client, uploaded):
    resp = post(client, {"at": "100,250"}, sample("certification.copy"), uploaded)
    assert resp.status_code == 422 and resp.json["errors"][0]["pointer"] == "/at"
    resp = post(client, {"at": "30,160"}, sample("certification.copy"), None)
    assert resp.status_code == 422 and resp.json["errors"][0]["pointer"] == "/document"
    resp = post(client, {"at": "30,160"}, {"data": {}}, uploaded)
    assert resp.status_code == 422 and resp.json["errors"][0]["pointer"] == "/data/authority"
    wrong = client.simulate_post(
        "/v1/place/certification.copy", body=b"{}", headers={"Content-Type": "application/json"}
    )
    assert wrong.status_code == 415


def test_page_beyond_the_document_is_refused(client, uploaded):
    resp = post(client, {"page": "3", "at": "30,160"}, sample("certification.copy"), uploaded)
    assert resp.status_code == 422, resp.text
    assert (
        resp.json["errors"][0]["pointer"] == "/page"
        and "no page 3" in resp.json["errors"][0]["detail"]
    )


def inflating_pdf(megabytes: int) -> tuple[bytes, bytes]:
    """A one-page PDF whose content stream is a few hundred kB that inflate to ``megabytes``
    MiB of zeros, and that raw (compressed) stream."""
    squeezer = zlib.compressobj(9)
    raw = b"".join(squeezer.compress(b"0" * (1 << 20)) for _ in range(megabytes)) + squeezer.flush()
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        stream = pdf.make_stream(b"")
        stream.write(raw, filter=pikepdf.Name.FlateDecode)
        pdf.pages[0].Contents = stream
        out = io.BytesIO()
        pdf.save(out, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return out.getvalue(), raw


def test_an_inflating_stream_is_never_decoded(client):
    """A stream that inflates a lot: measured piece by piece, then copied compressed (not
    inflated and re-encoded); beyond max_decompressed_bytes (128 MiB) the upload is refused."""
    document, raw = inflating_pdf(100)
    resp = post(client, {"page": "1", "at": "30,160"}, sample("certification.copy"), document)
    assert resp.status_code == 200, resp.text
    with pikepdf.open(io.BytesIO(resp.content)) as pdf:
        contents = pdf.pages[0].obj.Contents
        streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
        assert any(s.read_raw_bytes() == raw for s in streams)
    resp = post(
        client, {"page": "1", "at": "30,160"}, sample("certification.copy"), inflating_pdf(256)[0]
    )
    assert resp.status_code == 422 and "max_decompressed_bytes" in resp.json["errors"][0]["detail"]


@pytest.mark.parametrize("at", ["nan,nan", "inf,10", "10,-inf"])
def test_non_finite_positions_are_400(client, uploaded, at):
    resp = post(client, {"page": "1", "at": at}, sample("certification.copy"), uploaded)
    assert resp.status_code == 400 and resp.json["errors"][0]["parameter"] == "at", resp.text


def with_active_content(pdf_bytes: bytes) -> bytes:
    """The upload with an OpenAction JavaScript, a page /AA Launch action, a document-level
    script, an embedded file and an XFA form."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        pdf.Root.OpenAction = pikepdf.Dictionary(
            S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")
        )
        pdf.pages[0].obj.AA = pikepdf.Dictionary(
            O=pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe"))
        )
        pdf.Root.Names = pikepdf.Dictionary(
            JavaScript=pikepdf.Dictionary(
                Names=pikepdf.Array(
                    [
                        pikepdf.String("x"),
                        pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("1")),
                    ]
                )
            )
        )
        pdf.attachments["evil.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ...", filename="evil.exe")
        pdf.Root.AcroForm = pikepdf.Dictionary(
            Fields=pikepdf.Array(), XFA=pdf.make_stream(b"<xdp/>")
        )
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def assert_inert(pdf_bytes: bytes) -> None:
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        assert "/OpenAction" not in pdf.Root and "/XFA" not in pdf.Root.get("/AcroForm", {})
        assert "/JavaScript" not in pdf.Root.get("/Names", {}) and "evil.exe" not in pdf.attachments
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary):
                assert "/AA" not in obj and obj.get("/S") not in ("/Launch", "/JavaScript")


def test_active_content_is_removed_and_said(client, uploaded):
    resp = post(
        client,
        {"page": "1", "at": "30,160"},
        sample("certification.copy"),
        with_active_content(uploaded),
    )
    assert resp.status_code == 200, resp.text
    assert_inert(resp.content)
    removed = resp.headers["X-Removed-Active-Content"]
    for what in ("OpenAction", "JavaScript", "AA", "embedded files", "XFA"):
        assert what in removed
