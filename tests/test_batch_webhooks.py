"""Webhooks against loopback receivers in this process, on both engines: the callback URL
checked at submit (a host not allowed is never contacted), the signed events of a finished
batch and of a print shop's ready job, retries with backoff until a receiver that was down
answers, giving up, no redirect followed, attempts shown in the status, deliveries kept
across a restart of the runner; the settings; and `renderer serve` delivering for real."""

from __future__ import annotations

import io
import json
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from renderer.batch.delivery import Deliverer
from renderer.batch.executor import InlineExecutor
from renderer.batch.runner import Runner
from renderer.batch.service import BatchService, batch_spec
from renderer.batch.specs import Access, EngineSpec, WebhookSpec
from renderer.batch.store import Store
from renderer.batch.tasks import TaskContext
from renderer.registry import Registry
from renderer.settings import Settings, SettingsError

from .batchenv import ACCESS, CLIENT_KEY, SHOP_A_KEY, plates, problem
from .helpers import Receiver, free_port

ROOT = Path(__file__).resolve().parent.parent
KEY = b"test-webhook-key-0123456789abcdef"


def readme_verifier():
    """The README's receiver-side check, run as written."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("receiver checks it before it reads the body")
    code = re.search(r"```python\n(.*?)```", readme[start:], re.S).group(1)
    scope: dict = {}
    exec(code, scope)  # noqa: S102 - the README's own snippet
    return scope["verified"]


def hooked(make_env, *hosts, access=ACCESS, **spec):
    """An Env whose service allows callbacks to ``hosts`` (fast retries), and its deliverer."""
    webhooks = WebhookSpec(tuple(hosts), None, **{"backoff_s": 0.05, "timeout_s": 2, **spec})
    env = make_env(webhooks=webhooks, access=access)
    return env, Deliverer(env.service.store, webhooks, KEY)


def deliver_until(deliverer, done, timeout=30.0):
    end = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < end, "not delivered in time"
        deliverer.run_due()
        time.sleep(0.02)


def deliveries(env, batch_id, key=CLIENT_KEY):
    return env.status(batch_id, key=key).json.get("deliveries", [])


def settled(env, batch_id):
    return lambda: all(d["state"] != "pending" for d in deliveries(env, batch_id))


# -- the callback URL at submit ----------------------------------------------------------


@pytest.mark.parametrize(
    "url, why",
    [
        ("http://127.0.0.1:{other}/hook", "is not a host this service calls back"),
        ("ftp://127.0.0.1:{port}/hook", "http:// or https://"),
        ("http://user:secret@127.0.0.1:{port}/hook", "no user name or password"),
        ("http://127.0.0.1:{port}/hook#part", "no #fragment"),
        ("http://127.0.0.1:{port}/a hook", "without spaces"),
        ("http://127.0.0.1:{port}/" + "a" * 2000, "at most 2000 characters"),
        ("http://127.0.0.1:99999/hook", "not a URL"),
        ("http:///hook", "names no host"),
        ("https://127.0.0.1/hook", "127.0.0.1:443 is not"),  # the allowed entry has its port
        ("http://127.0.0.1.evil.example:{port}/", "is not a host this service calls back"),
    ],
)
def test_a_callback_url_not_allowed_is_a_422_and_never_contacted(make_env, url, why):
    with Receiver() as receiver, Receiver() as other:
        env, _ = hooked(make_env, receiver.host)
        url = url.format(port=receiver.port, other=other.port)
        body = problem(env.submit(plates(2), callback_url=url), 422)
        assert body["errors"][0]["parameter"] == "callback_url"
        assert why in body["errors"][0]["detail"]
        db = env.service.store.read()
        assert db.execute("SELECT COUNT(*) AS n FROM batches").fetchone()["n"] == 0
        env.runner.run_until_idle()
        assert receiver.received == other.received == []


def test_the_callback_is_part_of_what_an_idempotency_key_stands_for(make_env):
    with Receiver() as receiver:
        env, _ = hooked(make_env, receiver.host)
        first = env.submit(plates(2), idempotency="k", callback_url=receiver.url("/a")).json
        again = env.submit(plates(2), idempotency="k", callback_url=receiver.url("/a"))
        assert again.status_code == 202 and again.json["id"] == first["id"]
        problem(env.submit(plates(2), idempotency="k", callback_url=receiver.url("/b")), 409)
        problem(env.submit(plates(2), idempotency="k"), 409)


def test_callbacks_are_refused_where_no_host_is_allowed(env):
    body = problem(env.submit(plates(1), callback_url="http://127.0.0.1:9/"), 422)
    assert "not enabled" in body["errors"][0]["detail"]


# -- events, signatures, retries ----------------------------------------------------------


def test_a_ready_batch_is_told_with_a_signed_body(make_env):
    verified = readme_verifier()
    with Receiver() as receiver:
        env, deliverer = hooked(make_env, receiver.host)
        batch = env.submit(plates(5), output="merged", callback_url=receiver.url("/h?t=1")).json
        assert batch["callback_url"] == receiver.url("/h?t=1") and batch["deliveries"] == []
        env.runner.run_until_idle()
        deliver_until(deliverer, lambda: receiver.received)
        (hook,) = receiver.received
        assert hook.path == "/h?t=1"
        assert verified(KEY, hook.headers, hook.body)
        assert not verified(b"another-key-of-sixteen+", hook.headers, hook.body)
        assert not verified(KEY, hook.headers, hook.body + b" ")
        event = json.loads(hook.body)
        assert event["type"] == hook.headers["X-Obrazci-Event"] == "batch.ready"
        assert event["id"] == hook.headers["X-Obrazci-Event-Id"]
        assert hook.headers["X-Obrazci-Attempt"] == "1"
        assert hook.headers["Content-Type"] == "application/json"
        assert event["batch"] == {
            "id": batch["id"],
            "url": f"/v1/batches/{batch['id']}",
            "state": "ready",
            "layout": "sign.name-plate",
            "languages": ["sl"],
            "format": "pdf",
            "output": "merged",
            "counts": {"total": 5, "done": 5, "failed": 0},
        }
        (shown,) = deliveries(env, batch["id"])
        assert shown["id"] == event["id"] and shown["state"] == "delivered"
        assert [a["status"] for a in shown["attempts"]] == [204]
        deliverer.run_due()
        assert len(receiver.received) == 1  # delivered once


def test_completed_with_errors_and_failed_have_their_events(make_env):
    with Receiver() as receiver:
        env, deliverer = hooked(make_env, receiver.host)
        some = env.submit(plates(3, broken={1}), callback_url=receiver.url()).json
        none = env.submit(plates(2, broken={0, 1}), callback_url=receiver.url()).json
        quiet = env.submit(plates(1)).json  # no callback_url: nothing sent
        env.runner.run_until_idle()
        deliver_until(deliverer, lambda: len(receiver.received) == 2)
        deliverer.run_due()
        events = {e["batch"]["id"]: e for e in (json.loads(r.body) for r in receiver.received)}
        assert set(events) == {some["id"], none["id"]}
        assert events[some["id"]]["type"] == "batch.completed-with-errors"
        assert events[some["id"]]["batch"]["counts"] == {"total": 3, "done": 2, "failed": 1}
        assert events[none["id"]]["type"] == "batch.failed"
        assert "no record could be rendered" in events[none["id"]]["batch"]["error"]
        assert "deliveries" not in env.status(quiet["id"]).json


def test_a_receiver_down_then_busy_then_back_gets_it_after_retries(make_env):
    """Nothing listens at first (a refused connection), then the receiver comes up and
    answers 503 once, then 204: three attempts of the same event, waits doubling."""
    port = free_port()
    env, deliverer = hooked(make_env, f"127.0.0.1:{port}", backoff_s=0.2)
    batch = env.submit(plates(2), callback_url=f"http://127.0.0.1:{port}/hook").json
    env.runner.run_until_idle()
    deliver_until(deliverer, lambda: deliveries(env, batch["id"])[0]["attempts"])
    (pending,) = deliveries(env, batch["id"])
    assert pending["state"] == "pending" and "next_attempt" in pending
    assert "ConnectionRefusedError" in pending["attempts"][0]["error"]
    assert "next_retry" in pending["attempts"][0]
    with Receiver([(503, b"busy, come back later" + b"x" * 5000, {}), (204, b"", {})], port) as up:
        deliver_until(deliverer, settled(env, batch["id"]))
    (done,) = deliveries(env, batch["id"])
    assert done["state"] == "delivered"
    assert [a.get("status") for a in done["attempts"]] == [None, 503, 204]
    assert done["attempts"][1]["excerpt"].startswith("busy, come back later")
    assert len(done["attempts"][1]["excerpt"]) == 200  # a short excerpt of the answer only
    assert "next_retry" not in done["attempts"][2]
    assert [r.headers["X-Obrazci-Attempt"] for r in up.received] == ["2", "3"]
    assert len({r.headers["X-Obrazci-Event-Id"] for r in up.received}) == 1
    assert up.received[0].body == up.received[1].body  # the same bytes at every attempt
    (stored,) = env.service.store.deliveries(batch["id"], "client")
    waits = [a["next_retry"] - a["time"] for a in stored.attempts[:2]]
    assert 0.2 <= waits[0] < waits[1] and waits[1] >= 0.4  # backoff, doubled


def test_a_delivery_is_given_up_after_its_attempts(make_env):
    with Receiver([(500, b"broken", {})]) as receiver:
        env, deliverer = hooked(make_env, receiver.host, attempts=3, backoff_s=0.01)
        batch = env.submit(plates(1), callback_url=receiver.url()).json
        env.runner.run_until_idle()
        deliver_until(deliverer, settled(env, batch["id"]))
        time.sleep(0.1)
        deliverer.run_due()
        (failed,) = deliveries(env, batch["id"])
        assert failed["state"] == "failed" and len(failed["attempts"]) == 3
        assert len(receiver.received) == 3


def test_a_redirect_is_not_followed(make_env):
    with Receiver() as elsewhere:
        moved = [(302, b"", {"Location": elsewhere.url()})]
        with Receiver(moved) as receiver:
            env, deliverer = hooked(make_env, receiver.host, elsewhere.host, attempts=2)
            batch = env.submit(plates(1), callback_url=receiver.url()).json
            env.runner.run_until_idle()
            deliver_until(deliverer, settled(env, batch["id"]))
        (shown,) = deliveries(env, batch["id"])
        assert shown["state"] == "failed" and [a["status"] for a in shown["attempts"]] == [302] * 2
        assert elsewhere.received == []


def test_a_host_no_longer_allowed_is_never_contacted(make_env):
    with Receiver() as receiver:
        env, _ = hooked(make_env, receiver.host)
        batch = env.submit(plates(1), callback_url=receiver.url()).json
        env.runner.run_until_idle()
        # the service restarted with another list: its deliverer does not call the old host
        narrower = replace(env.service.engine.webhooks, hosts=("hooks.example.org",))
        Deliverer(env.service.store, narrower, KEY).run_due()
        (shown,) = deliveries(env, batch["id"])
        assert shown["state"] == "failed" and "not contacted" in shown["attempts"][0]["error"]
        assert receiver.received == []


def test_a_receiver_that_never_answers_times_out(make_env):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # accepts (the kernel does) and never answers
        host = f"127.0.0.1:{silent.getsockname()[1]}"
        env, deliverer = hooked(make_env, host, timeout_s=0.3, attempts=1)
        batch = env.submit(plates(1), callback_url=f"http://{host}/").json
        env.runner.run_until_idle()
        started = time.monotonic()
        deliverer.run_due()
        assert time.monotonic() - started < 5
    (shown,) = deliveries(env, batch["id"])
    assert shown["state"] == "failed" and "timed out" in shown["attempts"][0]["error"]


def test_the_print_shop_is_told_when_its_job_is_ready(make_env):
    with Receiver() as client_hook, Receiver() as shop_hook:
        access = Access(ACCESS.clients, ACCESS.shops, {"tiskarna-a": shop_hook.url("/tiskarna")})
        env, deliverer = hooked(make_env, client_hook.host, shop_hook.host, access=access)
        batch = env.submit(plates(4, broken={2}), shop="tiskarna-a", callback_url=client_hook.url())
        batch = batch.json
        other = env.submit(plates(1), shop="tiskarna-b").json  # that shop has no callback
        env.runner.run_until_idle()
        deliver_until(deliverer, lambda: client_hook.received and shop_hook.received)
        deliverer.run_due()
        (to_shop,) = shop_hook.received
        event = json.loads(to_shop.body)
        assert event["type"] == "job.ready" and event["job"]["id"] == batch["id"]
        assert event["job"]["url"] == f"/v1/print-jobs/{batch['id']}"
        assert event["job"]["state"] == "ready" and "callback_url" not in to_shop.body.decode()
        assert readme_verifier()(KEY, to_shop.headers, to_shop.body)
        assert json.loads(client_hook.received[0].body)["type"] == "batch.completed-with-errors"
        job = env.get(f"/v1/print-jobs/{batch['id']}", key=SHOP_A_KEY).json
        assert [d["event"] for d in job["deliveries"]] == ["job.ready"]
        assert [d["event"] for d in deliveries(env, batch["id"])] == [
            "batch.completed-with-errors"
        ]  # the client sees its own deliveries only
        # a re-run that leaves the job ready again tells the shop again
        env.post(f"/v1/batches/{batch['id']}/rerun", {"records": {"2": plates(3)[2]}})
        env.runner.run_until_idle()
        deliver_until(deliverer, lambda: len(shop_hook.received) == 2)
        assert json.loads(shop_hook.received[1].body)["id"] != event["id"]
        assert "deliveries" not in env.get(f"/v1/print-jobs/{other['id']}", key="shop-b-key").json


def test_deliveries_survive_a_restart_of_the_runner(tmp_path, pipeline):
    """The runner (its loop and deliverer thread) stops while a delivery waits for a receiver
    that is down; a new runner on the same data directory delivers it."""
    port = free_port()
    spec = WebhookSpec((f"127.0.0.1:{port}",), None, backoff_s=0.1, timeout_s=2)
    engine = EngineSpec(data_dir=tmp_path, chunk_size=4, webhooks=spec)

    def running(store):
        context = TaskContext(engine, store, BatchService(engine, Access()).outputs)
        context.__dict__["pipeline"] = pipeline
        runner = Runner(store, InlineExecutor(context), deliverer=Deliverer(store, spec, KEY))
        stop = threading.Event()
        thread = threading.Thread(target=runner.run_forever, args=(stop, 0.02))
        thread.start()
        return stop, thread

    service = BatchService(engine, Access())
    batch, _ = service.submit(
        batch_spec(Registry(), "sign.name-plate", ("sl",)),
        "anonymous",
        None,
        io.BytesIO(json.dumps(plates(2)).encode()),
        "application/json",
        f"http://127.0.0.1:{port}/hook",
    )
    stop, thread = running(Store(engine.database))
    try:
        end = time.monotonic() + 60
        while not any(d.attempts for d in service.store.deliveries(batch.id, "client")):
            assert time.monotonic() < end, "the first attempt was not made"
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(30)
    with Receiver(port=port) as receiver:
        stop, thread = running(Store(engine.database))  # a new runner process's store
        try:
            end = time.monotonic() + 30
            while not receiver.received:
                assert time.monotonic() < end, "not delivered after the restart"
                time.sleep(0.05)
        finally:
            stop.set()
            thread.join(30)
    (delivery,) = service.store.deliveries(batch.id, "client")
    assert delivery.state == "delivered" and delivery.attempts[-1]["status"] == 204
    assert all("error" in a for a in delivery.attempts[:-1])


# -- settings -------------------------------------------------------------------------


def test_webhook_settings_are_checked(tmp_path):
    secret = tmp_path / "webhook.key"
    secret.write_text(KEY.decode() + "\n")
    settings = Settings.load(
        {"OBRAZCI_WEBHOOK_HOSTS": "Hooks.Example.org, 127.0.0.1:8080,[::1]:9000"},
        {"webhook_secret_file": secret, "data_dir": tmp_path / "var"},
    )
    settings.check()
    assert settings.engine().webhooks.hosts == ("hooks.example.org", "127.0.0.1:8080", "[::1]:9000")
    for environ, message in [
        ({"OBRAZCI_WEBHOOK_HOSTS": "https://hooks.example.org"}, "OBRAZCI_WEBHOOK_HOSTS"),
        ({"OBRAZCI_WEBHOOK_HOSTS": "a.example:0"}, "OBRAZCI_WEBHOOK_HOSTS"),
        ({"OBRAZCI_WEBHOOK_ATTEMPTS": "0"}, "OBRAZCI_WEBHOOK_ATTEMPTS"),
        ({"OBRAZCI_WEBHOOK_TIMEOUT": "600"}, "OBRAZCI_WEBHOOK_TIMEOUT"),
    ]:
        with pytest.raises(SettingsError, match=message):
            Settings.load(environ)
    unsigned = Settings.load({"OBRAZCI_WEBHOOK_HOSTS": "a.example", "OBRAZCI_DATA_DIR": "x"})
    with pytest.raises(SettingsError, match="OBRAZCI_WEBHOOK_SECRET_FILE"):
        unsigned.check()
    short = tmp_path / "short.key"
    short.write_text("abc")
    with pytest.raises(SettingsError, match="at least 16 bytes") as refused:
        Settings.load({}, {"webhook_secret_file": short, "data_dir": tmp_path}).check()
    assert "abc" not in str(refused.value)
    access = tmp_path / "access.toml"
    access.write_text('[shops.t]\nsha256 = "00"\ncallback_url = "https://elsewhere.example/h"\n')
    with pytest.raises(SettingsError, match=r"shops\.t\.callback_url"):
        replace(settings, batch_access=access).check()


def test_renderer_config_never_shows_the_key(tmp_path):
    secret = tmp_path / "webhook.key"
    secret.write_text(KEY.decode())
    done = subprocess.run(
        [sys.executable, "-m", "renderer", "config", "--json"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "OBRAZCI_WEBHOOK_HOSTS": "127.0.0.1:8080",
            "OBRAZCI_WEBHOOK_SECRET_FILE": str(secret),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["OBRAZCI_WEBHOOK_SECRET_FILE"] == str(secret)
    assert KEY.decode() not in done.stdout + done.stderr


def test_the_service_delivers_to_a_receiver_that_comes_up_later(tmp_path):
    """`renderer serve` as an operator runs it: its batch runner delivers the event once the
    receiver, down at first, comes up; the key is in no line of the service's log."""
    from .test_service import Service

    port = free_port()
    secret = tmp_path / "webhook.key"
    secret.write_text(KEY.decode())
    service = Service(
        tmp_path,
        env={
            "OBRAZCI_WEBHOOK_HOSTS": f"127.0.0.1:{port}",
            "OBRAZCI_WEBHOOK_SECRET_FILE": str(secret),
            "OBRAZCI_WEBHOOK_BACKOFF": "0.5",
            "OBRAZCI_WEBHOOK_ATTEMPTS": "20",
        },
    )
    try:
        service.wait_ready()
        records = "".join(json.dumps(r) + "\n" for r in plates(2)).encode()
        status, _, data = service.request(
            "POST",
            f"/v1/batches?layout=sign.name-plate&callback_url=http://127.0.0.1:{port}/in",
            records,
            {"Content-Type": "application/x-ndjson"},
        )
        assert status == 202, data
        batch_id = json.loads(data)["id"]
        assert service.wait_batch(batch_id)["state"] == "ready"
        end = time.monotonic() + 60
        while not service.json("GET", f"/v1/batches/{batch_id}")[2]["deliveries"][0]["attempts"]:
            assert time.monotonic() < end, service.log.read_text()[-3000:]
            time.sleep(0.1)
        with Receiver(port=port) as receiver:
            while not receiver.received:
                assert time.monotonic() < end + 60, service.log.read_text()[-3000:]
                time.sleep(0.1)
        assert readme_verifier()(KEY, receiver.received[0].headers, receiver.received[0].body)
    finally:
        assert service.stop() == 0
    assert KEY.decode() not in service.log.read_text()


def test_a_real_worker_delivers_and_stops_for_a_cancel(celery_backends, tmp_path, pipeline):
    """The celery engine as deployed: a `renderer worker` process delivers the event of a
    finished batch from its deliverer thread, and a batch cancelled while it renders is
    rendered no further and leaves no object in the bucket."""
    from .test_scale import Worker, replica_client

    backends = celery_backends.fresh()
    secret = tmp_path / "webhook.key"
    secret.write_text(KEY.decode())
    with Receiver() as receiver:
        webhooks = WebhookSpec((receiver.host,), secret)
        spec = EngineSpec(chunk_size=5, webhooks=webhooks, **backends.engine())
        environment = {
            **backends.environment(),
            "OBRAZCI_WEBHOOK_HOSTS": receiver.host,
            "OBRAZCI_WEBHOOK_SECRET_FILE": str(secret),
        }
        worker = Worker(tmp_path, environment)
        try:
            api = replica_client(spec, pipeline)
            headers = {"Content-Type": "application/json"}
            small = api.simulate_post(
                "/v1/batches",
                params={"layout": "sign.name-plate", "callback_url": receiver.url()},
                body=json.dumps(plates(3)),
                headers=headers,
            ).json["id"]
            end = time.monotonic() + 180
            while not receiver.received:
                assert worker.process.poll() is None, worker.log.read_text()[-3000:]
                assert time.monotonic() < end, worker.log.read_text()[-3000:]
                time.sleep(0.1)
            (hook,) = receiver.received
            assert readme_verifier()(KEY, hook.headers, hook.body)
            assert json.loads(hook.body)["batch"]["id"] == small
            large = api.simulate_post(
                "/v1/batches",
                params={"layout": "sign.name-plate"},
                body=json.dumps(plates(60)),
                headers=headers,
            ).json["id"]
            while not api.simulate_get(f"/v1/batches/{large}").json["counts"]["done"]:
                assert time.monotonic() < end, worker.log.read_text()[-3000:]
                time.sleep(0.05)
            cancelled = api.simulate_post(f"/v1/batches/{large}/cancel").json
            assert cancelled["state"] == "cancelled" and cancelled["counts"]["cancelled"] > 0
            while any(large in key for key in backends.s3.keys(backends.bucket)):
                assert time.monotonic() < end, worker.log.read_text()[-3000:]
                time.sleep(0.2)
            time.sleep(1)
            after = api.simulate_get(f"/v1/batches/{large}").json
            assert after["counts"] == cancelled["counts"]  # nothing rendered after the cancel
            assert not any(large in key for key in backends.s3.keys(backends.bucket))
        finally:
            worker.stop()
    assert KEY.decode() not in worker.log.read_text()
