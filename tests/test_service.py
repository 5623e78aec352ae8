"""`renderer serve` as an operator runs it: a real gunicorn master, its HTTP workers and the
batch runner, driven over loopback and with signals."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from .conftest import sample
from .pki import free_port

ROOT = Path(__file__).resolve().parent.parent


class Service:
    """One `renderer serve` in a temporary data directory, its log in a file."""

    def __init__(self, tmp: Path, *extra: str, env: dict | None = None):
        self.port = free_port()
        self.data = tmp / "var"
        self.log = tmp / "service.log"
        self.env = dict(
            os.environ, OBRAZCI_DATA_DIR=str(self.data), OBRAZCI_BATCH_WORKERS="1", **(env or {})
        )
        self.env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.readiness: list[tuple[float, int, dict]] = []
        self.refused: list[float] = []  # how long each refused /readyz took, in seconds
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "renderer",
                    "serve",
                    "--port",
                    str(self.port),
                    "--workers",
                    "2",
                    *extra,
                ],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict | None = None,
        timeout: float = 60,
    ):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def json(self, method: str, path: str, value=None, headers: dict | None = None):
        body = json.dumps(value).encode() if value is not None else None
        status, head, data = self.request(
            method, path, body, {"Content-Type": "application/json", **(headers or {})}
        )
        return status, head, json.loads(data) if data else None

    def wait_ready(self, timeout: float = 120) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            asked = time.monotonic()
            try:
                status, _, body = self.json("GET", "/readyz")
                self.readiness.append((time.monotonic(), status, body))
                if status == 200:
                    return
            except OSError:
                self.refused.append(time.monotonic() - asked)
            time.sleep(0.1)
        raise AssertionError(f"not ready in {timeout} s: {self.readiness[-1:]}")

    def wait_batch(self, batch_id: str, timeout: float = 120) -> dict:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            _, _, status = self.json("GET", f"/v1/batches/{batch_id}")
            if status["state"] in ("ready", "completed-with-errors", "failed"):
                return status
            time.sleep(0.2)
        raise AssertionError(f"batch {batch_id} did not finish: {status}")

    def runner_pid(self) -> int | None:
        beat = self.data / "runner.heartbeat"
        return json.loads(beat.read_text())["pid"] if beat.exists() else None

    def log_lines(self) -> list[dict]:
        lines = []
        for line in self.log.read_text().splitlines():
            try:
                lines.append(json.loads(line))
            except ValueError:
                lines.append({"raw": line})
        return lines

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=90)


def plates(n: int, prefix: str = "Oseba") -> bytes:
    data = sample("sign.name-plate")["data"]
    return "".join(json.dumps(dict(data, name=f"{prefix} {i}")) + "\n" for i in range(n)).encode()


def submit(service: Service, body: bytes) -> dict:
    status, _, data = service.request(
        "POST",
        "/v1/batches?layout=sign.name-plate&output=merged",
        body,
        {"Content-Type": "application/x-ndjson"},
    )
    assert status == 202, data
    return json.loads(data)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    running = Service(tmp_path_factory.mktemp("service"))
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()


def test_nothing_answers_before_the_pipeline_is_warm_then_readyz_is_200(service):
    """The master warms the pipeline before it listens: until then a connection is refused
    at once (never accepted and left without an answer), and what answers first is a warm
    worker, ready but for the batch runner, if that is still starting."""
    assert service.refused and max(service.refused) < 1, service.refused
    _, status, first = service.readiness[0]
    assert status == 200 or all(r.startswith("batch_runner:") for r in first["reasons"]), first
    assert first["components"]["renderer"] == {"ready": True, "state": "warm"}
    status, _, ready = service.json("GET", "/readyz")
    assert status == 200 and ready["reasons"] == []
    assert set(ready["components"]) == {"renderer", "signing", "batch_store", "batch_runner"}
    assert all(part["ready"] for part in ready["components"].values())


def test_a_first_start_draws_its_layers_in_the_background_into_the_data_directory(service):
    """Nothing stored yet: the service is ready before the layers are drawn; `renderer warm
    --background` draws and keeps them, for the next start and every recycled worker
    (tests/test_warmcache.py), and marks the cache complete."""
    assert any(
        "not in the warm cache yet" in line.get("message", "") for line in service.log_lines()
    )
    (folder,) = (service.data / "cache").glob("warm-*")
    deadline = time.monotonic() + 180
    while not (folder / "complete").exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert (folder / "complete").exists(), service.log.read_text()[-2000:]
    layers = sorted(path.name for path in (folder / "layers").glob("*.pdf"))
    assert "envelope.personal-delivery.sl.preprint.bleed-0.envelope_size=C5.pdf" in layers
    assert "envelope.personal-delivery.sl-hu.preprint.bleed-3.envelope_size=C5.spots.pdf" in layers
    assert any((folder / "templates").iterdir())  # compiled templates


def test_request_id_in_the_header_the_problem_and_the_log(service):
    status, head, problem = service.json(
        "POST",
        "/v1/render/stamp.receipt",
        {"languages": ["sl"], "data": {}},
        {"X-Request-ID": "trace-4711"},
    )
    assert (
        status == 422
        and head["x-request-id"] == "trace-4711"
        and problem["request_id"] == "trace-4711"
    )
    _, head, _ = service.json("GET", "/healthz")
    assert len(head["x-request-id"]) == 32  # made here when the client sends none
    time.sleep(0.2)
    lines = [line for line in service.log_lines() if line.get("request_id") == "trace-4711"]
    assert lines and lines[-1]["status"] == 422 and lines[-1]["layout"] == "stamp.receipt"
    assert lines[-1]["route"] == "/v1/render/{layout_id}" and lines[-1]["duration_ms"] > 0


def test_metrics_count_requests_and_time_renders_by_layout(service):
    body = sample("stamp.receipt")
    for _ in range(2):
        status, _, _ = service.request(
            "POST",
            "/v1/render/stamp.receipt",
            json.dumps(body).encode(),
            {"Content-Type": "application/json"},
        )
        assert status == 200
    _, head, text = service.request("GET", "/metrics")
    text = text.decode()
    assert head["content-type"].startswith("text/plain")
    counted = [
        line
        for line in text.splitlines()
        if line.startswith("obrazci_http_requests_total{")
        and 'layout="stamp.receipt"' in line
        and 'status="200"' in line
    ]
    assert counted and sum(float(line.rsplit(" ", 1)[1]) for line in counted) >= 2
    assert 'obrazci_http_request_duration_seconds_bucket{layout="stamp.receipt"' in text
    assert 'obrazci_render_stage_seconds_count{layout="stamp.receipt",stage="layout"}' in text
    assert "obrazci_batch_records{" in text and "obrazci_resident_memory_bytes{" in text


def test_healthz_answers_while_every_render_slot_is_busy(service):
    body = json.dumps(sample("complaint-book")).encode()
    threads = [
        threading.Thread(
            target=service.request,
            args=("POST", "/v1/render/complaint-book", body, {"Content-Type": "application/json"}),
        )
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        status, _, _ = service.request("GET", "/healthz")
        timings.append(time.perf_counter() - started)
        assert status == 200
    for thread in threads:
        thread.join()
    assert sorted(timings)[2] < 0.5, timings  # the median: a loaded 2-core machine, not a benchmark


def test_reload_leaves_the_batch_runner_running(service):
    runner = service.runner_pid()
    workers_before = {line.get("message") for line in service.log_lines()}
    os.kill(service.process.pid, signal.SIGHUP)
    time.sleep(1)
    service.wait_ready()
    assert service.runner_pid() == runner and service.process.poll() is None
    batch = submit(service, plates(3))
    assert service.wait_batch(batch["id"])["state"] == "ready"
    assert not [
        m
        for m in {line.get("message") for line in service.log_lines()} - workers_before
        if m and "batch runner" in m and "exited" in m
    ]


def test_a_killed_runner_is_restarted_and_the_batch_completes(service):
    runner = service.runner_pid()
    batch = submit(service, plates(30))
    os.kill(runner, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while service.runner_pid() in (runner, None) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert service.runner_pid() not in (runner, None)
    status = service.wait_batch(batch["id"])
    assert status["state"] == "ready" and status["counts"]["done"] == 30


def _trickle(service: Service, lines: bytes, seconds: float, result: dict) -> None:
    """Send an NDJSON batch line by line over ``seconds``."""
    records = lines.splitlines(keepends=True)
    connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=seconds + 60)
    connection.putrequest("POST", "/v1/batches?layout=sign.name-plate&output=merged")
    connection.putheader("Content-Type", "application/x-ndjson")
    connection.putheader("Content-Length", str(len(lines)))
    connection.endheaders()
    for record in records:
        connection.send(record)
        time.sleep(seconds / len(records))
    response = connection.getresponse()
    result["status"], result["body"] = response.status, json.loads(response.read())
    connection.close()


@pytest.mark.parametrize(
    "seconds", [pytest.param(6, id="6s"), pytest.param(40, id="40s", marks=pytest.mark.slow)]
)
def test_a_trickling_submit_blocks_neither_the_runner_nor_other_clients(service, seconds):
    running = submit(service, plates(40, "Prva"))
    result: dict = {}
    trickle = threading.Thread(
        target=_trickle, args=(service, plates(seconds, "Počasna"), seconds, result)
    )
    trickle.start()
    time.sleep(1)
    started = time.perf_counter()
    other = submit(service, plates(2, "Druga"))
    assert time.perf_counter() - started < 5
    assert (
        service.wait_batch(running["id"])["state"] == "ready"
    )  # rendered while the trickle goes on
    assert trickle.is_alive() or seconds < 8
    trickle.join()
    assert result["status"] == 202
    for batch_id in (result["body"]["id"], other["id"]):
        assert service.wait_batch(batch_id)["state"] == "ready"


def test_sigterm_finishes_in_flight_requests_refuses_new_ones_and_exits_0(tmp_path):
    running = Service(tmp_path)
    try:
        running.wait_ready()
    except AssertionError:
        running.stop()
        raise
    body = json.dumps(sample("complaint-book")).encode()
    result = {}

    def render():
        result["status"] = running.request(
            "POST", "/v1/render/complaint-book", body, {"Content-Type": "application/json"}
        )[0]

    in_flight = threading.Thread(target=render)
    in_flight.start()
    time.sleep(0.1)
    started = time.monotonic()
    running.process.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    with pytest.raises(OSError):  # the listening socket is closed: refused, not left hanging
        running.request("GET", "/healthz", timeout=5)
    in_flight.join()
    assert running.process.wait(timeout=60) == 0
    assert result["status"] == 200
    assert time.monotonic() - started < 30
    log = running.log.read_text()
    assert "Traceback" not in log and "AssertionError" not in log


def test_sigterm_while_starting_exits_0_without_a_traceback(tmp_path):
    starting = Service(tmp_path)
    deadline = time.monotonic() + 60
    while "starting: the pipeline is warmed" not in starting.log.read_text():
        assert time.monotonic() < deadline and starting.process.poll() is None
        time.sleep(0.02)
    starting.process.send_signal(signal.SIGTERM)  # importing and warming: not listening yet
    assert starting.process.wait(timeout=30) == 0
    log = starting.log.read_text()
    assert "Traceback" not in log and "stopped while starting" in log, log[-2000:]


@pytest.mark.parametrize(
    "case",
    ["missing access file", "bad TOML", "unreadable key file", "wrong passphrase", "bad number"],
)
def test_a_bad_configuration_stops_start_up_with_one_line_and_exit_2(tmp_path, case):
    env = dict(os.environ, OBRAZCI_DATA_DIR=str(tmp_path / "var"))
    if case == "missing access file":
        env["OBRAZCI_BATCH_ACCESS"] = str(tmp_path / "nowhere.toml")
    elif case == "bad TOML":
        (tmp_path / "access.toml").write_text("[clients.a\nsha256 = ")
        env["OBRAZCI_BATCH_ACCESS"] = str(tmp_path / "access.toml")
    elif case == "unreadable key file":
        (tmp_path / "signing.toml").write_text(
            '[profiles.office]\nkind = "pkcs12"\npath = "missing.p12"\n'
            'passphrase_env = "NO_SUCH_VARIABLE"\n'
        )
        env["OBRAZCI_SIGNING_CONFIG"] = str(tmp_path / "signing.toml")
    elif case == "wrong passphrase":
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "k.pem",
                "-out",
                "c.pem",
                "-days",
                "2",
                "-subj",
                "/CN=test",
            ],
            cwd=tmp_path,
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                "openssl",
                "pkcs12",
                "-export",
                "-inkey",
                "k.pem",
                "-in",
                "c.pem",
                "-out",
                "office.p12",
                "-passout",
                "pass:right",
            ],
            cwd=tmp_path,
            check=True,
            capture_output=True,
        )
        (tmp_path / "signing.toml").write_text(
            '[profiles.office]\nkind = "pkcs12"\npath = "office.p12"\n'
            'passphrase_env = "OFFICE_PASSPHRASE"\n'
        )
        env.update(OBRAZCI_SIGNING_CONFIG=str(tmp_path / "signing.toml"), OFFICE_PASSPHRASE="wrong")
    else:
        env["OBRAZCI_WORKERS"] = "two"
    done = subprocess.run(
        [sys.executable, "-m", "renderer", "serve", "--port", str(free_port())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert (
        done.stderr.startswith("renderer: cannot start: OBRAZCI_")
        and "Traceback" not in done.stderr
    )


def test_config_prints_every_setting_with_secrets_masked(tmp_path):
    env = dict(os.environ, OBRAZCI_PORT="9123", OBRAZCI_DATA_DIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "renderer", "config", "--json", "--workers", "3"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    shown = json.loads(done.stdout)
    assert shown["OBRAZCI_PORT"] == "9123" and shown["OBRAZCI_WORKERS"] == "3"
    from renderer.settings import SETTINGS, mask

    assert set(shown) == {s.env for s in SETTINGS}
    assert (
        mask("postgresql://obrazci:geslo@db:5432/obrazci")
        == "postgresql://obrazci:***@db:5432/obrazci"
    )


def test_the_worker_class_still_fits_gunicorn():
    """RenderWorker overrides gthread's accept and handle_exit and uses its sockets, poller
    registration and connection count: if gunicorn changes these, this fails first."""
    import inspect

    from gunicorn.workers.gthread import ThreadWorker

    assert list(inspect.signature(ThreadWorker.accept).parameters) == ["self", "listener"]
    assert list(inspect.signature(ThreadWorker.handle_exit).parameters) == ["self", "sig", "frame"]
    assert list(inspect.signature(ThreadWorker.set_accept_enabled).parameters) == [
        "self",
        "enabled",
    ]
    source = inspect.getsource(ThreadWorker)
    for name in ("self._accepting", "self.nr_conns", "self.method_queue", "self.sockets"):
        assert name in source


def test_the_readme_lists_every_setting():
    from renderer.settings import SETTINGS

    readme = (ROOT / "README.md").read_text()
    for setting in SETTINGS:
        assert f"| `{setting.env}` | `{setting.flag}` |" in readme, setting.env


def test_no_free_render_slot_in_time_is_a_503_with_retry_after():
    from renderer.http.capacity import RenderSlots
    from renderer.http.problems import Problem

    slots = RenderSlots(count=1, wait_s=0.1, deadline_s=60)
    holding, release = threading.Event(), threading.Event()

    def hold():
        with slots.held():
            holding.set()
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    holding.wait(5)
    assert slots.busy
    with pytest.raises(Problem) as refused:
        with slots.held():
            pass
    release.set()
    thread.join()
    assert refused.value.status_code == 503 and refused.value.headers["Retry-After"] == "15"
    with slots.held():  # free again
        assert slots.busy


def test_a_stuck_render_ends_its_worker():
    """The watchdog ends a process whose render passed its deadline (gunicorn starts another)."""
    code = (
        "import time, renderer.http.capacity as c; c.STUCK_GRACE_S = 0.2\n"
        "slots = c.RenderSlots(1, 1, deadline_s=0.2)\n"
        "with slots.held(): time.sleep(30)\n"
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 70 and time.monotonic() - started < 10
    assert "this worker is replaced" in done.stderr


def test_a_register_too_long_for_one_request_is_refused_up_front(client):
    body = sample("certification-book.register")
    entry = body["data"]["entries"][0]
    body["data"]["entries"] = [entry] * 241
    resp = client.simulate_post("/v1/render/certification-book.register", json=body)
    assert resp.status_code == 422
    assert resp.json["errors"][0]["pointer"] == "/data/entries"


def test_every_limit_is_a_setting():
    from dataclasses import fields

    from renderer.options import Limits
    from renderer.settings import Settings

    assert Settings().limits() == Limits()
    settings = Settings.load({"OBRAZCI_MAX_JSON_DEPTH": "8", "OBRAZCI_UPLOAD_DEADLINE": "2.5"})
    assert settings.limits().max_json_depth == 8 and settings.limits().upload_deadline_s == 2.5
    assert {f.name for f in fields(Limits)} <= {f.name for f in fields(Settings)}
