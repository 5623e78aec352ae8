"""Electronic confirmation of receipt of an application (P 35): the words verbatim in every
format, the received application embedded byte for byte (PDF/A-3b), hostile uploads refused."""

import io
import json
from pathlib import Path

import pikepdf
import pytest
from lxml import html as lxml_html

from renderer.options import Limits, RenderOptions
from renderer.uploads import UploadRefused, check_attachment

from .conftest import SAMPLES, sample
from .helpers import form_data, request_part
from .pdfmeasure import all_text
from .preflight import preflight, require_preflight
from .test_messages import expected, normalise, printed
from .test_place import BOUNDARY, encrypted

LAYOUT = "e-receipt.application"
DATA = Path(__file__).parent / "data"
APPLICATION = (SAMPLES / f"{LAYOUT}.application.pdf").read_bytes()
ORDER = ["authority", "received_on", "received_at", "applicant", "title"]


def attached(data: bytes = APPLICATION):
    return check_attachment(data, "application", "application")


def multipart(request: dict, upload: bytes | None, name: str = "application") -> bytes:
    file = (name, "vloga.pdf", "application/pdf", upload) if upload is not None else None
    return form_data(request_part(request), file)


def post(client, upload, params=None, request=None):
    return client.simulate_post(
        f"/v1/render/{LAYOUT}",
        params=params or {"format": "pdfa-3b"},
        body=multipart(request or sample(LAYOUT), upload),
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )


@pytest.mark.parametrize("fmt", ["pdf", "pdfa-3b", "txt", "html"])
def test_text_verbatim_with_blanks_filled(pipeline, fmt):
    data = sample(LAYOUT)["data"]
    want = expected(
        (DATA / "p35.txt").read_text(encoding="utf-8"), [printed(data[k]) for k in ORDER]
    )
    content = pipeline.render(
        LAYOUT, sample(LAYOUT), RenderOptions(fmt), attachment=attached()
    ).content
    if fmt.startswith("pdf"):
        got = all_text(content)
    elif fmt == "txt":
        got = content.decode("utf-8")
    else:
        got = lxml_html.fromstring(content.decode("utf-8")).body.text_content()
    assert normalise(got) == want


def test_empty_blanks_print_dots_and_hints(pipeline):
    text = pipeline.render(
        LAYOUT, {"languages": ["sl"], "data": {}}, RenderOptions("txt")
    ).content.decode()
    assert "…………… (navedba državnega oziroma drugega organa)" in text
    assert "…………… (navedba naslova vloge)." in text
    filled = pipeline.render(LAYOUT, sample(LAYOUT), RenderOptions("txt")).content.decode()
    assert (
        "navedba" not in filled
        and "(Potrdilu se pripne kopija vloge, ki jo je sprejel IS)" in filled
    )


@pytest.mark.parametrize(
    "languages, words",
    [
        (
            ("sl", "it"),
            (
                "Il sistema informativo",
                "(Alla conferma si allega copia della richiesta ricevuta dal SI)",
            ),
        ),
        (
            ("sl", "hu"),
            (
                "információs rendszere",
                "(Az igazolás mellékletét képezi az IR által fogadott beadvány másolata.)",
            ),
        ),
    ],
)
def test_bilingual_in_every_format(pipeline, languages, words):
    body = sample(LAYOUT, languages)
    for fmt in ("pdf", "txt", "html"):
        content = pipeline.render(LAYOUT, body, RenderOptions(fmt), attachment=attached()).content
        text = " ".join((all_text(content) if fmt == "pdf" else content.decode()).split())
        for word in words:
            assert word in text, (fmt, word)
        assert text.index("Informacijski sistem") < text.index(words[0])  # Slovenian first


def embedded(pdf_bytes: bytes):
    """(file bytes, MIME type, relationship, in the catalog's /AF) of the one embedded file."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        ((name, spec),) = pdf.attachments.items()
        stream = spec.obj.EF.F
        assert (
            "/ModDate" in stream.Params
            and spec.obj.UF == name
            and spec.obj.F == name
            and "/Desc" in spec.obj
        )
        return (
            spec.get_file().read_bytes(),
            spec.get_file().mime_type,
            str(spec.obj.AFRelationship),
            any(ref.objgen == spec.obj.objgen for ref in pdf.Root.AF),
        )


def test_pdfa3_embeds_the_application_byte_for_byte(client):
    resp = post(client, APPLICATION)
    assert resp.status_code == 200, resp.text
    with pikepdf.open(io.BytesIO(resp.content)) as pdf:
        assert len(pdf.pages) == 1  # the confirmation alone: the application is attached, not drawn
        assert "<pdfaid:part>3</pdfaid:part>" in pdf.Root.Metadata.read_bytes().decode()
    assert embedded(resp.content) == (APPLICATION, "application/pdf", "/Source", True)


def image(fmt: str) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (200, 280), 200).save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    "upload, mime",
    [
        (lambda: image("PNG"), "image/png"),
        (lambda: image("JPEG"), "image/jpeg"),
        (lambda: image("TIFF"), "image/tiff"),
        (
            lambda: b'<?xml version="1.0" encoding="UTF-8"?><vloga><naslov>Vloga</naslov></vloga>',
            "application/xml",
        ),
        (
            lambda: (
                b"From: janez@example.si\r\nDate: Fri, 20 Nov 2026 09:42:00 +0100\r\n"
                b"Subject: Vloga\r\n\r\nProsim ...\r\n"
            ),
            "message/rfc822",
        ),
        (lambda: b"Prosim za izdajo potrdila. Janez Novak, Celje\n", "text/plain"),
    ],
)
def test_other_kinds_of_application_embedded_with_their_type(client, upload, mime):
    data = upload()
    resp = post(client, data, {"format": "pdf"})
    assert resp.status_code == 200, resp.text
    assert embedded(resp.content) == (data, mime, "/Source", True)


def test_pdfa3_passes_preflight_apart_from_pdfa1_only_rules(pipeline, tmp_path):
    """PDFBox Preflight checks PDF/A-1b only. A PDF/A-3b with an embedded file must fail just the
    rules PDF/A-3 does not have: embedded files (1.2.9, 1.4.7), the CIDSet (3.1.11), part 1
    (7.11.2); everything else it checks must pass."""
    require_preflight()
    path = tmp_path / "receipt.pdf"
    path.write_bytes(
        pipeline.render(
            LAYOUT, sample(LAYOUT, ("sl", "hu")), RenderOptions("pdfa-3b"), attachment=attached()
        ).content
    )
    valid, report = preflight(path)
    codes = {
        line.split(":")[0].strip() for line in report.splitlines() if line.strip()[:1].isdigit()
    }
    assert not valid and codes, report
    assert codes <= {"1.2.9", "1.4.7", "3.1.11", "7.11.2"}, report
    assert {"1.2.9", "1.4.7"} <= codes  # the validator sees the embedded file: it is there


def test_json_without_the_application(client):
    body = json.dumps(sample(LAYOUT))
    headers = {"Content-Type": "application/json"}
    resp = client.simulate_post(
        f"/v1/render/{LAYOUT}", params={"format": "pdf"}, body=body, headers=headers
    )
    assert resp.status_code == 422 and resp.json["errors"][0]["pointer"] == "/application"
    for fmt in ("txt", "html", "png"):  # an e-mail body carries no attachment; a preview needs none
        ok = client.simulate_post(
            f"/v1/render/{LAYOUT}", params={"format": fmt}, body=body, headers=headers
        )
        assert ok.status_code == 200, (fmt, ok.text)


def test_pdfa1_and_2_refused_with_an_embedded_file(client):
    for fmt in ("pdfa-1b", "pdfa-2b"):
        resp = post(client, APPLICATION, {"format": fmt})
        assert resp.status_code == 400 and resp.json["errors"][0]["parameter"] == "format"


def bomb_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (9000, 9000)).save(out, "PNG")  # 81 Mpx in a few kB
    return out.getvalue()


@pytest.mark.parametrize(
    "upload, reason",
    [
        (lambda: encrypted(APPLICATION), "encrypted PDF"),
        (lambda: APPLICATION[: len(APPLICATION) // 2], "broken PDF"),
        (lambda: b"\x00\x01\x02binary" * 50, "is not a PDF"),
        (lambda: b"\xff\xfeG\x00a\x00r\x00b\x00", "is not a PDF"),  # UTF-16: not UTF-8 text
        (lambda: b'<?xml version="1.0"?><vloga><naslov>', "not well-formed"),
        (
            lambda: (
                b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]><a>&x;</a>'
            ),
            None,
        ),
        (lambda: b"\x89PNG\r\n\x1a\n" + b"0" * 100, "broken or unreadable image"),
        (bomb_png, "pixel"),
        (lambda: b"", "is empty"),
    ],
)
def test_hostile_uploads_refused(client, upload, reason):
    resp = post(client, upload(), {"format": "pdf"})
    if reason is None:  # an external entity: never fetched, kept as it came (well-formed XML)
        assert resp.status_code == 200 and embedded(resp.content)[0].endswith(b"<a>&x;</a>")
        return
    assert resp.status_code == 422, resp.text
    assert (
        resp.json["errors"][0]["pointer"] == "/application"
        and reason in resp.json["errors"][0]["detail"]
    )


def test_missing_part_and_size_limit(client, monkeypatch):
    resp = post(client, None)
    assert resp.status_code == 422 and resp.json["errors"][0]["pointer"] == "/application"
    with pytest.raises(UploadRefused, match="larger than 1000 bytes"):
        check_attachment(b"x" * 1001, "application", "application", Limits(max_upload_bytes=1000))


def test_sample_endpoint_embeds_the_sample_application(client):
    resp = client.simulate_get(
        f"/v1/layouts/{LAYOUT}/sample", params={"format": "pdfa-3b", "languages": "sl,it"}
    )
    assert resp.status_code == 200
    assert embedded(resp.content)[0] == APPLICATION


def test_openapi_names_the_upload_part(client):
    body = client.simulate_get("/openapi.json").json["paths"][f"/v1/render/{LAYOUT}"]["post"][
        "requestBody"
    ]["content"]
    assert body["multipart/form-data"]["schema"]["required"] == ["request", "application"]
