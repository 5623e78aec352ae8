"""What several test modules need, written once: loopback ports and servers, the JSON and
multipart bodies the API is sent, and the headless Chromium of the browser tests. The two
fixtures here (``server``, ``browser``) are made available to every test by conftest.py."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from renderer.http.app import create_app

CHROMIUM = "/usr/bin/chromium"  # Debian's: Playwright drives it, no browser download
BOUNDARY = "obrazci-test-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def free_port() -> int:
    """A loopback port nothing listens on now (the OS's choice, so parallel runs differ)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class QuietHandler(WSGIRequestHandler):
    """wsgiref's handler without its access log on stderr; a connection that sends nothing
    for 10 s is dropped."""

    timeout = 10

    def log_message(self, *args):
        pass


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """A thread per connection: a browser's idle or speculative connection (Chromium opens
    some and sends nothing) no longer holds up every other request, and the shutdown at the
    fixture's end, behind it. Seen: a studio browser module hung after a string of failures."""

    daemon_threads = True
    block_on_close = False


@contextmanager
def serving(app) -> Iterator[str]:
    """``app`` served on a free loopback port in a thread; yields its base URL."""
    httpd: WSGIServer = make_server(
        "127.0.0.1", 0, app, server_class=ThreadingWSGIServer, handler_class=QuietHandler
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """A webhook receiver on a loopback port (``port``: a given one, e.g. one nothing
    listened on before; else the OS's choice), in a thread of the test process. It records
    every request and answers with the next of ``answers`` (status, body, headers), the last
    one again once they run out."""

    def __init__(self, answers=((204, b"", {}),), port: int = 0):
        self.answers = list(answers)
        self.received: list[Received] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                receiver.received.append(
                    Received(self.path, dict(self.headers.items()), self.rfile.read(length))
                )
                status, body, headers = (
                    receiver.answers.pop(0) if len(receiver.answers) > 1 else receiver.answers[0]
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.httpd.server_port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str = "/hook") -> str:
        return f"http://{self.host}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()

    def __enter__(self) -> Receiver:
        return self

    def __exit__(self, *_) -> None:
        self.close()


def post_json(client, path, body, content_type="application/json", **kw):
    """POST through Falcon's test client; a dict or list is sent as JSON, bytes as they are."""
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.simulate_post(path, body=data, headers={"Content-Type": content_type}, **kw)


def form_data(*parts: tuple[str, str | None, str, bytes] | None) -> bytes:
    """A multipart/form-data body (boundary ``BOUNDARY``) of ``(name, filename, content type,
    content)`` parts; a None part is left out."""
    out = b""
    for part in parts:
        if part is None:
            continue
        name, filename, content_type, content = part
        disposition = f'form-data; name="{name}"' + (
            f'; filename="{filename}"' if filename is not None else ""
        )
        out += (
            f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
            f"Content-Type: {content_type}\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    return out + f"--{BOUNDARY}--\r\n".encode()


def request_part(request) -> tuple[str, None, str, bytes]:
    """The ``request`` part of a multipart body: the request as JSON."""
    return ("request", None, "application/json", json.dumps(request).encode())


@pytest.fixture(scope="module")
def server(pipeline):
    """The service (the session's pipeline) on a loopback port, for a browser to open."""
    with serving(create_app(pipeline)) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium, one per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()
