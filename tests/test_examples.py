"""The copy-paste examples (examples/python with httpx, examples/js with fetch) run as a user
runs them, against a live `renderer serve` (signing with the tests' throw-away PKI, batches
with an access file of its own), and what they wrote checked independently of them: pikepdf
for the PDFs, pyHanko for the signatures, zipfile, the service's own answers and access log."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pikepdf
import pytest

from .pki import free_port, start_pki

if TYPE_CHECKING:  # imported by name, pytest would take the class for tests
    from .pki import TestPki

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SAMPLES = ROOT / "samples"
CLIENT_KEY, SHOP_KEY = "examples-client-key", "examples-shop-key"  # not the demo keys
PASSPHRASE = "examples-p12-passphrase"
MM = 72 / 25.4
RUNS = {"python": (".py", [sys.executable]), "js": (".mjs", ["node"])}


def clean_environment() -> dict[str, str]:
    """The test process's environment without the service's settings (conftest sets some)."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("OBRAZCI_", "PROMETHEUS_"))}


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass
class Live:
    url: str
    log: Path
    pki: TestPki

    def access_log(self) -> list[dict]:
        lines = []
        for line in self.log.read_text().splitlines():
            try:
                lines.append(json.loads(line))
            except ValueError:
                pass
        return [line for line in lines if line.get("logger") == "obrazci.access"]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """`renderer serve` on a free port: one HTTP worker, one batch worker, the signer profile
    ``office`` of the tests' PKI (B-T: its TSA), and a batch client and the print shop
    ``tiskarna-koper`` with keys of their own, CLIENT_KEY allowed the profile too."""
    tmp = tmp_path_factory.mktemp("examples-service")
    pki = start_pki(tmp / "pki", PASSPHRASE.encode())
    signing = pki.directory / "signing.toml"
    signing.write_text(f"""
[profiles.office]
kind = "pkcs12"
path = "signer.p12"
passphrase_env = "EXAMPLES_P12_PASSPHRASE"
trust_roots = ["root.cert.pem"]
tsa_url = "{pki.tsa_url}"
reason = "Uradni dokument"
location = "Koper"

[api_keys.examples]
sha256 = "{digest(CLIENT_KEY)}"
profiles = ["office"]
""")
    access = tmp / "access.toml"
    access.write_text(
        f'[clients.examples]\nsha256 = "{digest(CLIENT_KEY)}"\n\n'
        f'[shops.tiskarna-koper]\nsha256 = "{digest(SHOP_KEY)}"\n'
    )
    port, log = free_port(), tmp / "service.log"
    env = dict(
        clean_environment(),
        OBRAZCI_DATA_DIR=str(tmp / "var"),
        OBRAZCI_BATCH_ACCESS=str(access),
        OBRAZCI_SIGNING_CONFIG=str(signing),
        OBRAZCI_BATCH_WORKERS="1",
        EXAMPLES_P12_PASSPHRASE=PASSPHRASE,
    )
    command = [sys.executable, "-m", "renderer", "serve", "--port", str(port), "--workers", "1"]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + 240
        while True:
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < end, "not ready in time: " + log.read_text()[-3000:]
            try:
                if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        yield Live(url, log, pki)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=90)
        pki.stop()


def node_or_skip() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip(
            "node is not installed (Debian: apt-get install nodejs); the JS examples need it"
        )
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    if int(version.strip().lstrip("v").split(".")[0]) < 18:
        pytest.skip(f"the JS examples need Node 18 or later (fetch); this is {version.strip()}")
    return node


@pytest.fixture(params=sorted(RUNS))
def example(request, tmp_path):
    """Runs an example of one language (python with the tests' venv, which has httpx; js with
    node) in a temporary directory, pointed at the live service by its environment (the
    service is started for the first example not given an OBRAZCI_URL of its own)."""
    suffix, command = RUNS[request.param]
    if request.param == "js":
        command = [node_or_skip()]

    def run(name: str, *args, **env: str) -> subprocess.CompletedProcess:
        settings = dict(OBRAZCI_API_KEY=CLIENT_KEY, SHOP_KEY=SHOP_KEY)
        if "OBRAZCI_URL" not in env:
            settings["OBRAZCI_URL"] = request.getfixturevalue("live").url
        return subprocess.run(
            [*command, str(EXAMPLES / request.param / f"{name}{suffix}"), *map(str, args)],
            cwd=tmp_path,
            env={**clean_environment(), **settings, **env},
            capture_output=True,
            text=True,
            timeout=300,
        )

    return run


def page_size_mm(page) -> tuple[float, float]:
    x0, y0, x1, y1 = (float(v) for v in page.MediaBox)
    return round((x1 - x0) / MM, 1), round((y1 - y0) / MM, 1)


def layout_size_mm(layout: str) -> tuple[float, float]:
    page = tomllib.loads((ROOT / "templates" / layout / "layout.toml").read_text())["page"]
    return float(page["width_mm"]), float(page["height_mm"])


# -- render ----------------------------------------------------------------------------


@pytest.mark.slow
def test_render_saves_the_document(example, tmp_path):
    done = example(
        "render", "stamp.receipt", SAMPLES / "stamp.receipt.sl-it.json", "out.pdf", "pdfa-2b"
    )
    assert done.returncode == 0, done.stderr
    assert "out.pdf" in done.stdout
    with pikepdf.open(tmp_path / "out.pdf") as pdf:
        assert len(pdf.pages) == 1
        assert page_size_mm(pdf.pages[0]) == layout_size_mm("stamp.receipt")
        assert pdf.open_metadata().get("pdfaid:part") == "2"  # the FORMAT argument was sent


@pytest.mark.slow
def test_render_prints_the_problems_errors_and_exits_1(example, tmp_path):
    request = json.loads((SAMPLES / "stamp.receipt.json").read_text())
    request["data"]["received"] = "2026-13-01"
    request["data"]["colour"] = "red"
    (tmp_path / "bad.json").write_text(json.dumps(request))
    done = example("render", "stamp.receipt", "bad.json", "out.pdf")
    assert done.returncode == 1 and not (tmp_path / "out.pdf").exists()
    assert done.stderr.startswith("422 "), done.stderr
    assert "pointer=/data/received: " in done.stderr
    assert "pointer=/data/colour: " in done.stderr


# -- sign ------------------------------------------------------------------------------


def signature_of(pdf: bytes, pki: TestPki):
    """The file's one signature validated by pyHanko itself, trusting the test root only."""
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(
        trust_roots=[load_cert_from_pemder(str(pki.cert("root")))],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    (signature,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    return validate_pdf_signature(
        signature, signer_validation_context=context, ts_validation_context=context
    )


def assert_signed_at_b_t(pdf: bytes, pki: TestPki) -> None:
    status = signature_of(pdf, pki)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.coverage.name == "ENTIRE_FILE"
    assert "Uradna Oseba Test" in status.signing_cert.subject.human_friendly
    stamp = status.timestamp_validity  # B-T: a signature timestamp from the PKI's TSA
    assert stamp is not None and stamp.intact and stamp.valid and stamp.trusted


@pytest.mark.slow
def test_sign_renders_and_signs_in_one_request(example, live, tmp_path):
    done = example("sign", "stamp.receipt", SAMPLES / "stamp.receipt.json", "signed.pdf")
    assert done.returncode == 0, done.stderr
    assert "signed at B-T" in done.stdout  # what the service's /v1/verify said
    signed = (tmp_path / "signed.pdf").read_bytes()
    assert_signed_at_b_t(signed, live.pki)
    with pikepdf.open(io.BytesIO(signed)) as pdf:
        assert page_size_mm(pdf.pages[0]) == layout_size_mm("stamp.receipt")
        assert pdf.open_metadata().get("pdfaid:part") == "2"


@pytest.mark.slow
def test_sign_signs_a_pdf_incrementally(example, live, tmp_path):
    original = (SAMPLES / "e-receipt.application.application.pdf").read_bytes()
    (tmp_path / "document.pdf").write_bytes(original)
    done = example("sign", "document.pdf", "signed.pdf", OBRAZCI_SIGN_LEVEL="B-B")
    assert done.returncode == 0, done.stderr
    assert "signed at B-B" in done.stdout
    signed = (tmp_path / "signed.pdf").read_bytes()
    assert signed.startswith(original) and len(signed) > len(original)
    status = signature_of(signed, live.pki)
    assert status.intact and status.valid and status.trusted
    assert status.timestamp_validity is None  # B-B, as OBRAZCI_SIGN_LEVEL asked


# -- batch -----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("output", "file", "starts"),
    [("imposed", "imposed.pdf", b"%PDF-"), ("files", "records.zip", b"PK")],
)
def test_batch_from_submit_to_download(example, live, tmp_path, output, file, starts):
    """The client submits, waits; the shop claims, downloads (resuming a part left from a
    broken download: the part holds the bytes every such file starts with), reports; the
    client deletes. The files are the job's and say what the manifest says."""
    folder = tmp_path / "job"
    folder.mkdir()
    (folder / f"{file}.part").write_bytes(starts)
    done = example("batch", EXAMPLES / "plates.ndjson", folder, "--output", output)
    assert done.returncode == 0, done.stdout + done.stderr
    batch_id = re.search(r"submitted batch (\w+)", done.stdout).group(1)
    for step in ("claimed", "reported accepted", "reported shipped", f"deleted batch {batch_id}"):
        assert step in done.stdout, done.stdout

    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["batch"] == batch_id and manifest["spec"]["output"] == output
    assert manifest["counts"] == {"total": 12, "done": 12, "failed": 0}
    (entry,) = manifest["files"]
    data = (folder / file).read_bytes()
    assert entry["name"] == file and hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert sorted(p.name for p in folder.iterdir()) == sorted([file, "manifest.json"])
    resumed = [
        line
        for line in live.access_log()
        if line.get("path") == f"/v1/print-jobs/{batch_id}/files/{file}"
    ]
    assert [line["status"] for line in resumed] == [206]  # one request, continuing the part

    if output == "imposed":  # SRA3 sheets, every record placed on one of them
        with pikepdf.open(io.BytesIO(data)) as pdf:
            assert len(pdf.pages) == entry["pages"]
            assert all(page_size_mm(page) == (320.0, 450.0) for page in pdf.pages)
        sheets = {p["sheet"] for record in manifest["records"] for p in record["placements"]}
        assert sheets == set(range(1, entry["pages"] + 1))
    else:  # one PDF per record, named by its id
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert archive.testzip() is None
            names = sorted(f"{record['id']}.pdf" for record in manifest["records"])
            assert sorted(archive.namelist()) == names
            for name in names:
                with pikepdf.open(io.BytesIO(archive.read(name))) as pdf:
                    assert page_size_mm(pdf.pages[0]) == layout_size_mm("sign.name-plate")

    # deleted: the client and the shop no longer find it
    headers = {"X-API-Key": CLIENT_KEY}
    assert httpx.get(f"{live.url}/v1/batches/{batch_id}", headers=headers).status_code == 404
    headers = {"X-API-Key": SHOP_KEY}
    assert httpx.get(f"{live.url}/v1/print-jobs/{batch_id}", headers=headers).status_code == 404


@pytest.mark.slow
@pytest.mark.parametrize("name", ["sign", "batch"])
def test_an_error_answer_ends_the_script_with_its_problem(example, tmp_path, name):
    args = (
        ("stamp.receipt", SAMPLES / "stamp.receipt.json", "out.pdf")
        if name == "sign"
        else (EXAMPLES / "plates.ndjson", "job")
    )
    done = example(name, *args, OBRAZCI_API_KEY="not-a-key")
    assert done.returncode == 1
    assert "401" in done.stderr and "API key required" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "out.pdf").exists()


def test_a_submit_without_an_answer_is_tried_again_then_given_up(example, tmp_path):
    """Nothing listens: three attempts (the same Idempotency-Key each time), then one line."""
    nowhere = f"http://127.0.0.1:{free_port()}"
    done = example("batch", EXAMPLES / "plates.ndjson", "job", OBRAZCI_URL=nowhere)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.splitlines()
    assert lines[-1] == "submit: no answer after 3 attempts", done.stderr
    assert len([line for line in lines if line.startswith("  submit: ")]) == 3


# -- what the examples are -------------------------------------------------------------


def test_the_readme_shows_the_render_examples_as_they_are():
    """The README's inline examples are the files, character for character, and it links
    every example."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = dict(re.findall(r"^`(examples/[\w/.]+)`:\n\n```\w+\n(.*?)^```$", readme, re.M | re.S))
    assert sorted(shown) == ["examples/js/render.mjs", "examples/python/render.py"]
    for path, text in shown.items():
        assert text == (ROOT / path).read_text(encoding="utf-8"), f"the README's {path} differs"
    files = sorted(str(p.relative_to(ROOT)) for p in EXAMPLES.glob("*/*.*"))
    assert files == sorted(
        f"examples/{lang}/{name}{RUNS[lang][0]}"
        for lang in RUNS
        for name in ("batch", "render", "sign")
    )
    for path in files:
        assert f"]({path})" in readme, f"the README does not link {path}"


def test_the_examples_need_nothing_but_httpx_and_node():
    """Copy-paste means no project code: Python imports the standard library and httpx,
    JavaScript only Node's own modules (no npm packages)."""
    for path in (EXAMPLES / "python").glob("*.py"):
        imported = re.findall(r"^(?:import|from) (\w+)", path.read_text(), re.M)
        assert set(imported) - sys.stdlib_module_names == {"httpx"}, path
    for path in (EXAMPLES / "js").glob("*.mjs"):
        imported = re.findall(r'^import .* from "([^"]+)";$', path.read_text(), re.M)
        assert imported and all(name.startswith("node:") for name in imported), path
