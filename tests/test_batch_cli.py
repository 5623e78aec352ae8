"""`renderer batch submit | status | pull` against a real HTTP server on loopback."""

import hashlib
import json
import threading
from wsgiref.simple_server import make_server

import pytest

from renderer.batch.executor import InlineExecutor
from renderer.batch.runner import Runner
from renderer.batch.service import BatchService
from renderer.batch.specs import Access, EngineSpec
from renderer.batch.tasks import TaskContext
from renderer.cli import main
from renderer.http.app import create_app

from .conftest import sample
from .helpers import QuietHandler as _Quiet  # wsgiref without its access log


@pytest.fixture
def server(pipeline, tmp_path):
    service = BatchService(EngineSpec(data_dir=tmp_path / "data", chunk_size=3), Access())
    httpd = make_server("127.0.0.1", 0, create_app(pipeline, batches=service), handler_class=_Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    context = TaskContext(service.engine, service.store, service.outputs)
    context.__dict__["pipeline"] = pipeline
    stop = threading.Event()
    runner = threading.Thread(
        target=Runner(service.store, InlineExecutor(context)).run_forever, args=(stop, 0.05)
    )
    runner.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    stop.set()
    runner.join()
    httpd.shutdown()


def test_submit_follow_status_pull(server, tmp_path, capsys):
    data = sample("stamp.receipt")["data"]
    records = tmp_path / "stamps.ndjson"
    records.write_text(
        "".join(json.dumps(dict(data)) + "\n" for _ in range(7)) + '{"authority": 5}\n'
    )
    # completed with errors: exit 1
    assert (
        main(
            [
                "batch",
                "submit",
                str(records),
                "--layout",
                "stamp.receipt",
                "--output",
                "merged",
                "--url",
                server,
            ]
        )
        == 1
    )
    out, err = capsys.readouterr()
    status = json.loads(out)
    assert status["state"] == "completed-with-errors" and status["counts"]["done"] == 7
    assert status["failures"][0]["index"] == 7
    # not a terminal: plain lines (no carriage returns), the last one at the end, with the rate
    assert "\r" not in err and "8/8 (1 failed)" in err.splitlines()[-1] and "records/s" in err
    assert main(["batch", "wait", status["id"], "--url", server]) == 1
    capsys.readouterr()
    assert main(["batch", "status", status["id"], "--url", server]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == status["id"]
    assert (
        main(["batch", "pull", status["id"], "--dir", str(tmp_path / "job"), "--url", server]) == 0
    )
    for entry in status["files"]:
        assert (
            hashlib.sha256((tmp_path / "job" / entry["name"]).read_bytes()).hexdigest()
            == entry["sha256"]
        )


def test_cli_errors_are_messages(server, tmp_path, capsys):
    records = tmp_path / "r.json"
    records.write_text("[]")
    assert (
        main(["batch", "submit", str(records), "--layout", "stamp.receipt", "--url", server]) == 1
    )
    assert "422" in capsys.readouterr().err
    assert main(["batch", "status", "nope", "--url", server]) == 1
    assert "404" in capsys.readouterr().err
    assert main(["batch", "status", "x", "--url", "http://127.0.0.1:9"]) == 1
    assert "cannot reach" in capsys.readouterr().err


def test_the_print_shop_side(pipeline, tmp_path, capsys, monkeypatch):
    import hashlib as h

    access = Access(shops={"tiskarna": h.sha256(b"shop-key").hexdigest()})
    service = BatchService(EngineSpec(data_dir=tmp_path / "data", chunk_size=3), access)
    httpd = make_server("127.0.0.1", 0, create_app(pipeline, batches=service), handler_class=_Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    context = TaskContext(service.engine, service.store, service.outputs)
    context.__dict__["pipeline"] = pipeline
    url = f"http://127.0.0.1:{httpd.server_port}"
    try:
        records = tmp_path / "stamps.json"
        records.write_text(json.dumps([sample("stamp.receipt")["data"]] * 2))
        monkeypatch.setenv("OBRAZCI_URL", url)
        assert (
            main(
                [
                    "batch",
                    "submit",
                    str(records),
                    "--layout",
                    "stamp.receipt",
                    "--output",
                    "merged",
                    "--shop",
                    "tiskarna",
                    "--no-wait",
                    "--url",
                    url,
                ]
            )
            == 0
        )
        batch_id = json.loads(capsys.readouterr().out)["id"]
        Runner(service.store, InlineExecutor(context)).run_until_idle()
        shop = ["--url", url, "--key", "shop-key"]
        assert main(["shop", "jobs", "--state", "ready", *shop]) == 0
        assert [job["id"] for job in json.loads(capsys.readouterr().out)["jobs"]] == [batch_id]
        assert main(["shop", "claim", batch_id, *shop]) == 0
        assert main(["shop", "pull", batch_id, "--dir", str(tmp_path / "job"), *shop]) == 0
        assert (tmp_path / "job" / "merged.pdf").exists() and (
            tmp_path / "job" / "manifest.json"
        ).exists()
        assert (
            main(["shop", "status", batch_id, "rejected", *shop]) == 2
        )  # a rejection needs its reason
        assert main(["shop", "status", batch_id, "accepted", *shop]) == 0
        capsys.readouterr()
        assert main(["shop", "jobs", "--url", url, "--key", "wrong"]) == 1
        assert "401" in capsys.readouterr().err
    finally:
        httpd.shutdown()


def test_cancel_from_the_command_line(pipeline, tmp_path, capsys):
    """`renderer batch cancel`: a queued batch is cancelled (again: the same), a finished one
    is refused with the service's reason; --callback-url goes with the submit."""
    service = BatchService(EngineSpec(data_dir=tmp_path / "data", chunk_size=3), Access())
    httpd = make_server("127.0.0.1", 0, create_app(pipeline, batches=service), handler_class=_Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    context = TaskContext(service.engine, service.store, service.outputs)
    context.__dict__["pipeline"] = pipeline
    url = f"http://127.0.0.1:{httpd.server_port}"
    records = tmp_path / "stamps.json"
    records.write_text(json.dumps([sample("stamp.receipt")["data"]] * 4))
    submit = ["batch", "submit", str(records), "--layout", "stamp.receipt", "--no-wait"]
    try:
        hooked = [*submit, "--callback-url", "http://127.0.0.1:9/", "--url", url]
        assert main(hooked) == 1
        assert "422" in capsys.readouterr().err  # this service allows no callback host
        assert main([*submit, "--url", url]) == 0
        queued = json.loads(capsys.readouterr().out)["id"]
        assert main(["batch", "cancel", queued, "--url", url]) == 0
        status = json.loads(capsys.readouterr().out)
        assert status["state"] == "cancelled" and status["counts"]["cancelled"] == 4
        assert main(["batch", "cancel", queued, "--url", url]) == 0  # again: the same answer
        assert json.loads(capsys.readouterr().out)["state"] == "cancelled"
        assert main([*submit, "--url", url]) == 0
        finished = json.loads(capsys.readouterr().out)["id"]
        Runner(service.store, InlineExecutor(context), service.outputs).run_until_idle()
        assert main(["batch", "cancel", finished, "--url", url]) == 1
        assert "409" in capsys.readouterr().err
        assert service.store.counts(queued)["done"] == 0
    finally:
        httpd.shutdown()
