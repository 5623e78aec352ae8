"""/openapi.json as an integrator uses it: openapi-python-client (a standard generator)
makes a client with a function for every operation, and render, batch submit and verify
work through it against the service (httpx's WSGI transport: no server, no port)."""

from __future__ import annotations

import hashlib
import importlib
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from falcon import testing

from renderer.batch.service import BatchService
from renderer.batch.specs import Access, EngineSpec
from renderer.http.app import create_app

from .conftest import sample

CLIENT_KEY = "client-key"
# the generator knows JSON, multipart and octet-stream bodies; the documents' own media
# types are binary to it (the Content-Type it sends stays the document's own)
CONFIG = {
    "content_type_overrides": {
        media: "application/octet-stream"
        for media in ("application/pdf", "image/png", "application/zip", "text/plain", "text/html")
    }
}


@pytest.fixture(scope="module")
def app(pipeline, tmp_path_factory):
    access = Access(clients={"urad": hashlib.sha256(CLIENT_KEY.encode()).hexdigest()})
    service = BatchService(EngineSpec(data_dir=tmp_path_factory.mktemp("generated")), access)
    return create_app(pipeline, batches=service)


@pytest.fixture(scope="module")
def document(app) -> dict:
    return testing.TestClient(app).simulate_get("/openapi.json").json


@pytest.fixture(scope="module")
def generated(document, tmp_path_factory):
    """The client package generated from the service's own document, imported."""
    where = tmp_path_factory.mktemp("client")
    (where / "openapi.json").write_text(json.dumps(document))
    (where / "config.json").write_text(json.dumps(CONFIG))
    generator = Path(sys.executable).with_name("openapi-python-client")
    result = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(where / "openapi.json"),
            "--config",
            str(where / "config.json"),
            "--meta",
            "none",
            "--output-path",
            str(where / "obrazci_client"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin"},  # no formatter on PATH: the generator skips it
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(where))
    try:
        yield importlib.import_module("obrazci_client"), result.stdout
    finally:
        sys.path.remove(str(where))
        for name in [m for m in sys.modules if m.split(".")[0] == "obrazci_client"]:
            del sys.modules[name]


def _client(package, app, key: str | None = None):
    transport = httpx.WSGITransport(app=app)
    if key is None:
        return package.Client(base_url="http://obrazci", httpx_args={"transport": transport})
    return package.AuthenticatedClient(
        base_url="http://obrazci",
        token=key,
        prefix="",
        auth_header_name="X-API-Key",
        httpx_args={"transport": transport},
    )


def _operation(package, tag: str, operation_id: str):
    folder = tag.replace(" ", "_")
    return importlib.import_module(f"{package.__name__}.api.{folder}.{operation_id}")


def test_every_operation_has_its_function(document, generated):
    package, output = generated
    operations = [
        (op.get("tags", ["default"])[0], op["operationId"])
        for item in document["paths"].values()
        for op in item.values()
    ]
    assert len(operations) == len({op_id for _, op_id in operations})  # ids are unique
    missing = []
    for tag, operation_id in operations:
        try:
            module = _operation(package, tag, operation_id)
        except ModuleNotFoundError:
            missing.append(operation_id)
            continue
        if not hasattr(module, "sync_detailed"):
            missing.append(operation_id)
    assert missing == [], output
    assert "will not be generated" not in output and "Unable to process schema" not in output


def test_render_through_the_generated_client(app, generated):
    package, _ = generated
    render = _operation(package, "render", "render_stamp_receipt")
    models = importlib.import_module(f"{package.__name__}.models")
    body = models.RequestStampReceipt.from_dict(sample("stamp.receipt", ("sl", "it")))
    fmt = importlib.import_module(
        f"{package.__name__}.models.render_stamp_receipt_format"
    ).RenderStampReceiptFormat
    with _client(package, app) as client:
        answer = render.sync_detailed(client=client, body=body, format_=fmt.PDFA_2B)
        png = render.sync_detailed(client=client, body=body, format_=fmt.PNG, dpi=72)
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF-")
    assert answer.headers["content-type"] == "application/pdf"
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert "TXT" not in fmt.__members__  # a document only: no e-mail formats offered


def test_batch_submit_and_status_through_the_generated_client(app, generated):
    package, _ = generated
    submit = _operation(package, "batches", "submit_batch")
    get_batch = _operation(package, "batches", "get_batch")
    models = importlib.import_module(f"{package.__name__}.models")
    record = sample("sign.name-plate")["data"]
    body = [models.SubmitBatchJsonBodyItem.from_dict(dict(record, name=f"Ime {i}")) for i in (1, 2)]
    layout = models.SubmitBatchLayout("sign.name-plate")
    with _client(package, app, CLIENT_KEY) as client:
        submitted = submit.sync_detailed(client=client, body=body, layout=layout)
        assert submitted.status_code == 202, submitted.content
        status = submitted.parsed
        assert isinstance(status, models.BatchStatus) and status.counts.total == 2
        again = get_batch.sync_detailed(status.id, client=client)
        cancel = _operation(package, "batches", "cancel_batch")
        cancelled = cancel.sync_detailed(status.id, client=client)
        missing = cancel.sync_detailed("no-such-batch", client=client)
    assert again.status_code == 200 and again.parsed.id == status.id
    assert cancelled.status_code == 200 and isinstance(cancelled.parsed, models.BatchStatus)
    assert str(cancelled.parsed.state.value) == "cancelled"
    assert cancelled.parsed.counts.additional_properties["cancelled"] == 2
    assert missing.status_code == 404 and isinstance(missing.parsed, models.Problem)
    with _client(package, app) as anonymous:
        refused = submit.sync_detailed(client=anonymous, body=body, layout=layout)
    assert refused.status_code == 401 and isinstance(refused.parsed, models.Problem)


def test_verify_through_the_generated_client(app, generated, pipeline):
    package, _ = generated
    verify = _operation(package, "signing", "verify")
    types = importlib.import_module(f"{package.__name__}.types")
    models = importlib.import_module(f"{package.__name__}.models")
    from io import BytesIO

    from renderer.options import RenderOptions

    pdf = pipeline.render_sample("stamp.receipt", ("sl",), RenderOptions("pdf")).content
    with _client(package, app) as client:
        answer = verify.sync_detailed(client=client, body=types.File(payload=BytesIO(pdf)))
    assert answer.status_code == 200, answer.content
    assert isinstance(answer.parsed, models.VerifyReport) and answer.parsed.signatures == []
