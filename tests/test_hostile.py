"""The hostile corpus of issue #20, generated small here, sent to a real gunicorn worker
(chunked bodies need a real server): each case asserts its status, its time and the
worker's peak resident memory (VmHWM, reset before each case through /proc/PID/clear_refs).

The ceiling proved: no case takes more than CEILING_BYTES of resident memory in the worker
(the whole worker: Python, fonts, the warm pipeline included) nor more than CEILING_S."""

from __future__ import annotations

import http.client
import io
import json
import os
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pikepdf
import pytest

from .conftest import sample
from .helpers import free_port

CEILING_BYTES = 1024**3  # 1 GiB per worker, whatever the request
CEILING_S = 15.0
BOUNDARY = "hostile-boundary"


class Worker:
    """One gunicorn worker serving the app; ``send`` measures a request's time and the
    worker's peak RSS during it."""

    def __init__(self, tmp: Path):
        self.port = free_port()
        env = {**os.environ, "OBRAZCI_DATA_DIR": str(tmp / "var")}
        env.pop("OBRAZCI_SIGNING_CONFIG", None)
        env.pop("OBRAZCI_BATCH_ACCESS", None)
        self.master = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "1",
                "--timeout",
                "120",
                "--bind",
                f"127.0.0.1:{self.port}",
                "renderer.http.app:create_app()",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("the server did not start")
        children = (
            Path(f"/proc/{self.master.pid}/task/{self.master.pid}/children").read_text().split()
        )
        assert len(children) == 1
        self.pid = int(children[0])

    def request(self, method, path, body=None, headers=None, chunked=False):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            try:
                if chunked:
                    pieces = [body[i : i + 65536] for i in range(0, len(body), 65536)]
                    conn.request(
                        method, path, body=iter(pieces), headers=headers or {}, encode_chunked=True
                    )
                else:
                    conn.request(method, path, body=body, headers=headers or {})
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server answered before the body ended (a 413): read that answer
            resp = conn.getresponse()
            return resp.status, resp.getheader("Content-Type"), resp.read()
        finally:
            conn.close()

    def peak_rss(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmHWM")

    def rss(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS")

    def send(self, method, path, body=None, headers=None, chunked=False):
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")  # the peak starts again from now
        before = self.rss()
        started = time.monotonic()
        status, content_type, data = self.request(method, path, body, headers, chunked)
        return Measured(
            status, content_type, data, time.monotonic() - started, self.peak_rss(), before
        )

    def stop(self):
        self.master.terminate()
        self.master.wait(timeout=30)


class Measured:
    def __init__(self, status, content_type, data, seconds, peak, before):
        self.status, self.content_type, self.data = status, content_type, data
        self.seconds, self.peak, self.before = seconds, peak, before

    @property
    def json(self):
        return json.loads(self.data)

    def within(self, status: int, growth: int | None = None) -> Measured:
        """The status, as problem+json with errors[] if it is a 4xx, within the ceiling of
        time and memory (and ``growth`` over what the worker held before, if given)."""
        assert self.status == status, self.data[:500]
        if status >= 400:
            assert self.content_type == "application/problem+json" and self.json["errors"], (
                self.data[:500]
            )
        assert self.seconds < CEILING_S, f"{self.seconds:.1f} s"
        assert self.peak < CEILING_BYTES, f"peak {self.peak / 2**20:.0f} MiB"
        if growth is not None:
            assert self.peak - self.before < growth, (
                f"grew {(self.peak - self.before) / 2**20:.0f} MiB"
            )
        print(
            f"{status} {self.seconds:.2f} s, peak {self.peak / 2**20:.0f} MiB "
            f"(+{(self.peak - self.before) / 2**20:.0f})"
        )
        return self


@pytest.fixture(scope="module")
def worker(tmp_path_factory):
    if not Path("/proc/self/clear_refs").exists():
        pytest.skip("needs Linux /proc to measure the worker's peak memory")
    w = Worker(tmp_path_factory.mktemp("hostile"))
    yield w
    w.stop()


JSON = {"Content-Type": "application/json"}
NDJSON = {"Content-Type": "application/x-ndjson"}
MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
MiB = 2**20


def multipart(request: bytes, name: str, upload: bytes) -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="request"\r\n'
        f"Content-Type: application/json\r\n\r\n".encode()
        + request
        + b"\r\n"
        + f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="f"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode()
        + upload
        + b"\r\n"
        + f"--{BOUNDARY}--\r\n".encode()
    )


def pdf_with_content(content_pieces, pages=1) -> bytes:
    """A PDF whose page content is the Flate-coded concatenation of ``content_pieces``,
    compressed piece by piece (never held whole)."""
    deflate = zlib.compressobj(9)
    data = b"".join(deflate.compress(piece) for piece in content_pieces) + deflate.flush()
    pdf = pikepdf.new()
    for _ in range(pages):
        page = pdf.add_blank_page(page_size=(595, 842))
        stream = pikepdf.Stream(pdf, data)
        stream.Filter = pikepdf.Name.FlateDecode
        page.Contents = pdf.make_indirect(stream)
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


# -- 1. small requests that cost gigabytes -------------------------------------------------


@pytest.mark.parametrize("ndjson", [False, True], ids=["array", "ndjson"])
def test_deeply_nested_batch_record(worker, ndjson):
    n = 30_000
    record = b'{"name":' + b"[" * n + b"]" * n + b"}"
    body = record + b"\n" if ndjson else b"[" + record + b"]"
    resp = worker.send(
        "POST",
        "/v1/batches?layout=sign.name-plate",
        body,
        NDJSON if ndjson else JSON,
        chunked=ndjson,
    ).within(422, growth=64 * MiB)
    assert resp.json["errors"][0]["limit"] == "max_json_depth" and resp.json["errors"][0][
        "pointer"
    ].startswith("/0")


@pytest.mark.parametrize(
    "line, limit",
    [(b'{"name": ' + b"9" * 5000 + b"}", "max_number_length"), (b'{"name": "\\ud800"}', None)],
    ids=["5000-digits", "surrogate"],
)
def test_ndjson_records_beyond_limits(worker, line, limit):
    body = b'{"name": "Ana"}\n' + line + b"\n"
    resp = worker.send("POST", "/v1/batches?layout=sign.name-plate", body, NDJSON).within(422)
    assert resp.json["errors"][0]["pointer"].startswith("/1")
    assert resp.json["errors"][0].get("limit") == limit


@pytest.mark.parametrize(
    "request_part, limit",
    [
        (b'{"data": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", "max_json_depth"),
        (b'{"data": {"n": ' + b"1" * 5000 + b"}}", "max_number_length"),
    ],
    ids=["deep", "long-number"],
)
def test_multipart_request_part_beyond_limits(worker, request_part, limit):
    document = pdf_with_content([b"0 0 m 10 10 l S\n"])
    resp = worker.send(
        "POST",
        "/v1/place/certification.copy",
        multipart(request_part, "document", document),
        MULTIPART,
    ).within(422)
    assert resp.json["errors"][0]["part"] == "request" and resp.json["errors"][0]["limit"] == limit


def test_twenty_million_operators(worker):
    """A few hundred kB of PDF that would take PDFium minutes and gigabytes to draw."""
    ops = (b"0 0 m 1 1 l 2 0 l h f\n" * 50_000 for _ in range(80))  # 20 million operators
    document = pdf_with_content(ops)
    assert len(document) < 1 * MiB
    for path in ("/v1/studio/overlay", "/v1/studio/overlay?dpi=300"):
        resp = worker.send("POST", path, document, {"Content-Type": "application/pdf"}).within(
            422, growth=64 * MiB
        )
        assert "max_page_operators" in resp.json["errors"][0]["detail"]
    resp = worker.send(
        "POST",
        "/v1/place/certification.copy?at=10,10",
        multipart(json.dumps(sample("certification.copy")).encode(), "document", document),
        MULTIPART,
    ).within(422, growth=64 * MiB)
    assert "max_page_operators" in resp.json["errors"][0]["detail"]


def test_stream_inflating_to_a_gibibyte(worker):
    zeros = bytes(MiB)
    document = pdf_with_content(zeros for _ in range(1024))  # 1 GiB of spaces' worth, about 1 MB
    resp = worker.send("POST", "/v1/studio/overlay", document, {"Content-Type": "application/pdf"})
    resp.within(422, growth=64 * MiB)
    assert "max_decompressed_bytes" in resp.json["errors"][0]["detail"]


def test_tiff_frames_converted_one_at_a_time(worker):
    """Ten Group 4 frames of 59.9 Mpx (a few kB each): converted and placed one frame at a
    time, so the worker grows by about one frame (60 MiB as 8-bit grey), not ten."""
    from PIL import Image

    frame = Image.new("1", (7740, 7740), 1)
    out = io.BytesIO()
    frame.save(
        out, "TIFF", compression="group4", save_all=True, append_images=[frame] * 9, dpi=(600, 600)
    )
    del frame
    resp = worker.send(
        "POST", "/v1/studio/overlay?page=10&dpi=36", out.getvalue(), {"Content-Type": "image/tiff"}
    ).within(200, growth=300 * MiB)
    assert resp.json["pages"] == 10 and resp.json["width_mm"] == pytest.approx(327.7, abs=0.1)


# -- 2. chunked bodies ---------------------------------------------------------------------


def test_chunked_bodies_are_read(worker):
    body = json.dumps(sample("stamp.receipt")).encode()
    resp = worker.send("POST", "/v1/render/stamp.receipt", body, JSON, chunked=True).within(200)
    assert resp.data.startswith(b"%PDF-")
    records = b"".join(
        json.dumps(r).encode() + b"\n" for r in [{"name": "Ana Novak"}, {"name": "Jože Kranjc"}]
    )
    resp = worker.send(
        "POST", "/v1/batches?layout=sign.name-plate", records, NDJSON, chunked=True
    ).within(202)
    assert resp.json["counts"]["total"] == 2
    document = pdf_with_content([b"0 0 m 10 10 l S\n"])
    resp = worker.send(
        "POST",
        "/v1/place/certification.copy?at=10,10",
        multipart(json.dumps(sample("certification.copy")).encode(), "document", document),
        MULTIPART,
        chunked=True,
    ).within(200)
    assert resp.data.startswith(b"%PDF-")
    resp = worker.send(
        "POST", "/v1/studio/overlay", document, {"Content-Type": "application/pdf"}, chunked=True
    ).within(200)
    assert resp.json["pages"] == 1


def test_a_large_chunked_body_is_a_413(worker):
    resp = worker.send(
        "POST", "/v1/render/stamp.receipt", b" " * (30 * MiB), JSON, chunked=True
    ).within(413)
    assert resp.json["errors"][0]["header"] == "Content-Length"
