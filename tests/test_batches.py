"""Batches through HTTP: submit → progress → ready → download, idempotency, failures and
re-runs, print shops' jobs, and what is refused. Rendering runs in-process here (the
InlineExecutor); the worker processes and crash recovery are in test_batch_recovery.py."""

import hashlib
import io
import json
import zipfile

import pikepdf
import pytest

from renderer.batch.service import batch_spec
from renderer.batch.specs import Access
from renderer.registry import Registry

from .batchenv import ACCESS, CLIENT_KEY, SHOP_A_KEY, SHOP_B_KEY, Env, digest, plates, problem
from .conftest import sample


def test_submit_progress_ready_download(env):
    response = env.submit(plates(10), output="merged")
    assert response.status_code == 202
    batch = response.json
    assert response.headers["location"] == f"/v1/batches/{batch['id']}"
    assert batch["state"] == "queued" and batch["counts"] == {
        "total": 10,
        "pending": 10,
        "done": 0,
        "failed": 0,
    }
    env.runner.step()  # one chunk of 4 rendered
    middle = env.status(batch["id"]).json
    assert (
        middle["state"] == "rendering"
        and 0 < middle["counts"]["done"] < 10
        and 0 < middle["progress"] < 1
    )
    env.runner.run_until_idle()
    done = env.status(batch["id"]).json
    assert done["state"] == "ready" and done["counts"]["done"] == 10 and done["progress"] == 1
    files = {f["name"]: f for f in done["files"]}
    assert set(files) == {"merged.pdf", "manifest.json"}
    merged = env.get(files["merged.pdf"]["url"])
    assert merged.status_code == 200
    assert (
        hashlib.sha256(merged.content).hexdigest()
        == files["merged.pdf"]["sha256"]
        == merged.headers["x-checksum-sha256"]
    )
    pdf = pikepdf.open(io.BytesIO(merged.content))
    assert len(pdf.pages) == 10
    manifest = env.get(files["manifest.json"]["url"]).json
    assert manifest["counts"] == {"total": 10, "done": 10, "failed": 0}
    assert [r["index"] for r in manifest["records"]] == list(range(10))
    assert [r["page"] for r in manifest["records"]] == list(range(1, 11))  # in order, one page each
    listed = {f["name"]: f["sha256"] for f in manifest["files"]}
    assert listed["merged.pdf"] == files["merged.pdf"]["sha256"]


def test_the_merged_pages_hold_the_records_in_order(env, pipeline):
    import pdfplumber

    batch = env.submit(plates(6), output="merged").json
    env.runner.run_until_idle()
    url = env.status(batch["id"]).json["files"][0]["url"]
    with pdfplumber.open(io.BytesIO(env.get(url).content)) as pdf:
        texts = [page.extract_text() for page in pdf.pages]
    name = sample("sign.name-plate")["data"]["name"].upper()  # the plate prints names in capitals
    assert len(texts) == 6 and all(f"{name} {i}" in text for i, text in enumerate(texts))


def test_zip_of_one_pdf_per_record_with_checksums(env):
    batch = env.submit(plates(5), ndjson=True).json
    assert batch["counts"]["total"] == 5 and batch["output"] == "files"
    env.runner.run_until_idle()
    status = env.status(batch["id"]).json
    files = {f["name"]: f for f in status["files"]}
    archive = zipfile.ZipFile(io.BytesIO(env.get(files["records.zip"]["url"]).content))
    manifest = env.get(files["manifest.json"]["url"]).json
    assert sorted(archive.namelist()) == sorted(r["member"] for r in manifest["records"])
    for record in manifest["records"]:
        assert record["id"] == f"{batch['id']}.{record['index']:06d}"
        assert hashlib.sha256(archive.read(record["member"])).hexdigest() == record["sha256"]


def test_failed_records_are_reported_and_only_they_rerun(env):
    batch = env.submit(plates(9, broken={2, 7})).json
    env.runner.run_until_idle()
    status = env.status(batch["id"]).json
    assert status["state"] == "completed-with-errors"
    assert status["counts"] == {"total": 9, "pending": 0, "done": 7, "failed": 2}
    assert [f["index"] for f in status["failures"]] == [2, 7]
    assert {"pointer": "/data/bad", "detail": "is not a field of this layout"} in status[
        "failures"
    ][0]["errors"]
    before = {
        r.index: r.sha256 for r in env.service.store.records(batch["id"]) if r.state == "done"
    }
    fixed = plates(3)[0]
    response = env.post(f"/v1/batches/{batch['id']}/rerun", {"records": {"2": fixed}})
    assert (
        response.status_code == 202
        and response.json["requeued"] == 2
        and response.json["state"] == "queued"
    )
    env.runner.run_until_idle()
    status = env.status(batch["id"]).json
    assert status["counts"] == {"total": 9, "pending": 0, "done": 8, "failed": 1}
    assert [f["index"] for f in status["failures"]] == [7]
    after = {r.index: r.sha256 for r in env.service.store.records(batch["id"]) if r.state == "done"}
    assert {
        i: after[i] for i in before
    } == before  # the records done before were not rendered again
    # correcting a record that did not fail, or re-running while rendering, is refused
    problem(env.post(f"/v1/batches/{batch['id']}/rerun", {"records": {"3": fixed}}), 422)
    env.post(f"/v1/batches/{batch['id']}/rerun")
    problem(env.post(f"/v1/batches/{batch['id']}/rerun"), 409)


def test_idempotency_key(env):
    first = env.submit(plates(3), idempotency="order-17")
    again = env.submit(plates(3), idempotency="order-17")
    assert again.status_code == 202 and again.json["id"] == first.json["id"]
    assert again.headers["idempotent-replayed"] == "true"
    conflict = problem(env.submit(plates(4), idempotency="order-17"), 409)
    assert first.json["id"] in conflict["detail"]
    problem(
        env.submit(plates(3), idempotency="order-17", languages="sl,it"), 409
    )  # same body, another request
    assert env.submit(plates(3), idempotency="order-18").json["id"] != first.json["id"]
    assert len(env.service.store.read().execute("SELECT id FROM batches").fetchall()) == 2


@pytest.mark.parametrize(
    "params, where",
    [
        ({"layout": "no.such"}, "layout"),
        ({"format": "png"}, "format"),
        ({"languages": "sl,de"}, "languages"),
        ({"output": "stack"}, "output"),
        ({"output": "layers"}, "output"),
        ({"variant": "glossy"}, "variant"),
        ({"shop": "tiskarna-c"}, "shop"),
        ({"layout": "certification.electronic-copy"}, "layout"),
        ({"layout": "e-receipt.application"}, "layout"),  # each PDF embeds its own application
        ({"layout": "envelope.personal-delivery", "variant": "proof"}, "variant"),
    ],
)
def test_wrong_options_are_400_naming_the_parameter(env, params, where):
    body = problem(env.submit(plates(1), **params), 400)
    assert body["errors"][0]["parameter"] == where


@pytest.mark.parametrize(
    "body, status, pointer",
    [
        ('[{"name": "a"}, {"name": ', 400, "/1"),
        ('[{"name": "a"}, 7]', 400, "/1"),
        ('{"records": []}', 400, ""),
        ("[]", 422, ""),
        ("", 400, ""),
    ],
)
def test_unreadable_records_store_nothing(env, body, status, pointer):
    response = env.client.simulate_post(
        "/v1/batches",
        params={"layout": "sign.name-plate"},
        body=body,
        headers={"X-API-Key": CLIENT_KEY, "Content-Type": "application/json"},
    )
    assert problem(response, status)["errors"][0]["pointer"] == pointer
    db = env.service.store.read()
    assert db.execute("SELECT COUNT(*) AS n FROM batches").fetchone()["n"] == 0
    assert db.execute("SELECT COUNT(*) AS n FROM records").fetchone()["n"] == 0


def test_limits_and_media_type(make_env, tmp_path):
    env = make_env(max_records=5, max_record_bytes=400)
    assert problem(env.submit(plates(6)), 413)["title"] == "Too many records"
    long = plates(1)[0] | {"name": "x" * 500}
    assert problem(env.submit([long]), 400)["errors"][0]["pointer"] == "/0"
    response = env.client.simulate_post(
        "/v1/batches",
        params={"layout": "sign.name-plate"},
        body="a,b",
        headers={"X-API-Key": CLIENT_KEY, "Content-Type": "text/csv"},
    )
    problem(response, 415)
    small = make_env(tmp_path / "small", max_body_bytes=2000)
    assert problem(small.submit(plates(40)), 413)["title"] == "Request body too large"


def test_keys(env):
    problem(env.submit(plates(1), key="wrong"), 401)
    batch = env.submit(plates(1)).json
    problem(env.status(batch["id"], key="wrong"), 401)
    problem(env.get("/v1/print-jobs", key=CLIENT_KEY), 401)  # a client is not a print shop
    problem(env.status(batch["id"], key=SHOP_A_KEY), 401)  # nor a shop a client


def test_print_shop_workflow(env):
    mine = env.submit(plates(5), shop="tiskarna-a", output="merged").json
    theirs = env.submit(plates(2), shop="tiskarna-b").json
    jobs = env.get("/v1/print-jobs", key=SHOP_A_KEY).json["jobs"]
    assert [(j["id"], j["state"]) for j in jobs] == [(mine["id"], "pending")]
    problem(
        env.post(f"/v1/print-jobs/{mine['id']}/claim", key=SHOP_A_KEY), 409
    )  # nothing rendered yet
    env.runner.run_until_idle()
    ready = env.get("/v1/print-jobs", key=SHOP_A_KEY, state="ready").json["jobs"]
    assert [j["id"] for j in ready] == [mine["id"]]
    # another shop sees nothing of it
    assert [j["id"] for j in env.get("/v1/print-jobs", key=SHOP_B_KEY).json["jobs"]] == [
        theirs["id"]
    ]
    problem(env.get(f"/v1/print-jobs/{mine['id']}", key=SHOP_B_KEY), 404)
    problem(env.post(f"/v1/print-jobs/{mine['id']}/claim", key=SHOP_B_KEY), 404)
    problem(env.get(f"/v1/print-jobs/{mine['id']}/files/merged.pdf", key=SHOP_B_KEY), 404)
    # claim, claim again (harmless: the lease is renewed), download with checksums
    claimed = env.post(f"/v1/print-jobs/{mine['id']}/claim", key=SHOP_A_KEY).json
    again = env.post(f"/v1/print-jobs/{mine['id']}/claim", key=SHOP_A_KEY).json
    assert (
        claimed["state"] == again["state"] == "claimed"
        and again["claimed_until"] >= claimed["claimed_until"]
    )
    assert env.get("/v1/print-jobs", key=SHOP_A_KEY, state="ready").json["jobs"] == []
    for entry in claimed["files"]:
        content = env.get(entry["url"], key=SHOP_A_KEY).content
        assert (
            hashlib.sha256(content).hexdigest() == entry["sha256"]
            and len(content) == entry["bytes"]
        )
    # status reports in order; a rejection needs a reason
    problem(
        env.post(f"/v1/print-jobs/{mine['id']}/status", {"status": "shipped"}, key=SHOP_A_KEY), 409
    )
    problem(
        env.post(f"/v1/print-jobs/{mine['id']}/status", {"status": "rejected"}, key=SHOP_A_KEY), 422
    )
    problem(
        env.post(f"/v1/print-jobs/{mine['id']}/status", {"status": "lost"}, key=SHOP_A_KEY), 422
    )
    for status in ("accepted", "printed", "shipped"):
        job = env.post(f"/v1/print-jobs/{mine['id']}/status", {"status": status}, key=SHOP_A_KEY)
        assert job.status_code == 200 and job.json["state"] == status
    assert env.status(mine["id"]).json["state"] == "collected"
    problem(
        env.post(f"/v1/batches/{mine['id']}/rerun"), 409
    )  # the shop has the job: nothing changes under it
    rejected = env.post(
        f"/v1/print-jobs/{theirs['id']}/status",
        {"status": "rejected", "reason": "paper jam"},
        key=SHOP_B_KEY,
    ).json
    assert rejected["state"] == "rejected" and rejected["reason"] == "paper jam"


def test_clients_see_only_their_batches(make_env):
    access = Access(clients={"urad": digest(CLIENT_KEY), "drugi": digest("other")}, shops={})
    env = make_env(access=access)
    batch = env.submit(plates(1)).json
    problem(env.status(batch["id"], key="other"), 404)


def test_envelope_job_has_the_three_print_files(env):
    data = sample("envelope.personal-delivery")["data"]
    records = [
        dict(data, addressee=[f"Oseba {i}", "Celovška cesta 112", "1000 Ljubljana"])
        for i in range(5)
    ]
    too_wide = "W" * 9 + " " + "W" * 10 + " " + "W" * 34
    records.insert(
        2, dict(data, addressee=["Oseba", too_wide, "1000 Ljubljana"])
    )  # wider than its box
    records.insert(4, dict(data, item_number="RR123456789SI"))  # a wrong S10 check digit
    batch = env.submit(records, layout="envelope.personal-delivery").json
    assert batch["output"] == "layers"
    env.runner.run_until_idle()
    status = env.status(batch["id"]).json
    assert status["state"] == "completed-with-errors"
    assert [(f["index"], f["errors"][0]["pointer"]) for f in status["failures"]] == [
        (2, "/data/addressee/1"),
        (4, "/data/item_number"),
    ]
    assert "does not fit its box" in status["failures"][0]["errors"][0]["detail"]
    files = {f["name"]: f for f in status["files"]}
    assert set(files) == {"preprint.pdf", "imprint.pdf", "proof.pdf", "manifest.json"}
    assert files["preprint.pdf"]["pages"] == 3  # the shell, once
    assert files["imprint.pdf"]["pages"] == 5  # one page per record
    assert files["proof.pdf"]["pages"] == 3 * 3  # the first three envelopes, every page
    shell = pikepdf.open(io.BytesIO(env.get(files["preprint.pdf"]["url"]).content))
    imprint = pikepdf.open(io.BytesIO(env.get(files["imprint.pdf"]["url"]).content))
    assert [float(v) for v in imprint.pages[0].mediabox] == [
        float(v) for v in shell.pages[0].mediabox
    ]  # in register
    assert "/Separation" in repr(shell.pages[0].resources.get("/ColorSpace", {}))
    import pdfplumber

    with pdfplumber.open(io.BytesIO(env.get(files["imprint.pdf"]["url"]).content)) as pdf:
        assert all(f"Oseba {i}" in page.extract_text() for i, page in enumerate(pdf.pages))


def test_dl_envelope_job_prints_one_size(env):
    """A layers batch of DL envelopes: shell and imprint at DL's size (in register); a record
    asking for C5 in it is refused, naming the field."""
    data = dict(sample("envelope.personal-delivery")["data"], envelope_size="DL")
    records = [dict(data, addressee=[f"Oseba {i}", "1000 Ljubljana"]) for i in range(3)]
    records.append(dict(data, envelope_size="C5"))
    batch = env.submit(records, layout="envelope.personal-delivery").json
    env.runner.run_until_idle()
    status = env.status(batch["id"]).json
    assert [(f["index"], f["errors"][0]["pointer"]) for f in status["failures"]] == [
        (3, "/data/envelope_size")
    ]
    files = {f["name"]: f for f in status["files"]}
    assert files["imprint.pdf"]["pages"] == 3
    shell = pikepdf.open(io.BytesIO(env.get(files["preprint.pdf"]["url"]).content))
    imprint = pikepdf.open(io.BytesIO(env.get(files["imprint.pdf"]["url"]).content))
    trims = [
        [round(float(v) * 25.4 / 72, 1) for v in page.trimbox]
        for page in (shell.pages[0], imprint.pages[0])
    ]
    assert trims[0] == trims[1] and trims[0][2] - trims[0][0] == 220.0  # DL, 220 mm wide
    assert [float(v) for v in imprint.pages[0].mediabox] == [
        float(v) for v in shell.pages[0].mediabox
    ]


@pytest.mark.parametrize("mode", ["n-up", "cut-and-stack"])
def test_imposed_job_puts_the_records_on_sheets(env, mode):
    import pdfplumber

    batch = env.submit(plates(12), output="imposed", imposition=mode, format="pdfx-4").json
    env.runner.run_until_idle()
    status = env.status(batch["id"]).json
    assert status["state"] == "ready", status
    files = {f["name"]: f for f in status["files"]}
    sheets = files["imposed.pdf"]["pages"]
    manifest = env.get(files["manifest.json"]["url"]).json
    placements = {r["index"]: r["placements"] for r in manifest["records"]}
    assert sorted(placements) == list(range(12)) and all(len(p) == 1 for p in placements.values())
    name = sample("sign.name-plate")["data"]["name"].upper().replace(" ", "")
    pt = 72 / 25.4
    with pdfplumber.open(io.BytesIO(env.get(files["imposed.pdf"]["url"]).content)) as pdf:
        assert len(pdf.pages) == sheets
        for index, (
            placed,
        ) in placements.items():  # each plate's name is in the slot the manifest names
            page = pdf.pages[placed["sheet"] - 1]
            w, h = (
                (200, 60) if not placed["rotated"] else (60, 200)
            )  # the plate turned on the sheet
            slot = page.crop(
                (
                    placed["x_mm"] * pt,
                    placed["y_mm"] * pt,
                    (placed["x_mm"] + w) * pt,
                    (placed["y_mm"] + h) * pt,
                )
            )
            chars = sorted(
                slot.chars,
                key=lambda c: (
                    (round(c["x0"]), -c["top"]) if placed["rotated"] else (c["top"], c["x0"])
                ),
            )
            assert f"{name}{index}" in "".join(c["text"] for c in chars).replace(" ", "")
        assert f"{batch['id']} sheet 1/{sheets} records" in " ".join(
            pdf.pages[0].extract_text().split()
        )


def test_records_are_streamed_not_held(make_env):
    """50,000 records (about 4 MB of NDJSON) go into the store with a small, bounded peak of
    Python memory: the body is read in blocks and the records inserted as they come (chunks
    of 100, as served: the celery engine sends a message per chunk)."""
    import tracemalloc

    env = make_env(chunk_size=100)
    line = json.dumps(plates(1)[0]).encode() + b"\n"

    class Body(io.RawIOBase):  # a body that exists only as it is read
        def __init__(self, count):
            self.left = count
            self.buffer = b""

        def read(self, n=-1):
            while len(self.buffer) < max(n, 1) and self.left:
                self.buffer += line * min(self.left, 1000)
                self.left -= min(self.left, 1000)
            chunk, self.buffer = self.buffer[:n], self.buffer[n:]
            return chunk

    spec = batch_spec(Registry(), "sign.name-plate", ("sl",))
    tracemalloc.start()
    batch, _ = env.service.submit(spec, "urad", None, Body(50_000), "application/x-ndjson")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert batch.total == 50_000 and len(line) * 50_000 > 4_000_000
    assert peak < 2_000_000, f"peak {peak} bytes"


def test_envelope_job_as_pdfx4(env):
    """format=pdfx-4: the shell and the imprint are both PDF/X-4 (output intent, pdfxid), with
    the same boxes (trim and 3 mm bleed), so they print in register."""
    data = sample("envelope.personal-delivery", ("sl", "it"))["data"]
    batch = env.submit(
        [data, data], layout="envelope.personal-delivery", languages="sl,it", format="pdfx-4"
    ).json
    env.runner.run_until_idle()
    status = env.status(batch["id"]).json
    assert status["state"] == "ready", status
    files = {f["name"]: f for f in status["files"]}
    boxes = []
    for name in ("preprint.pdf", "imprint.pdf"):
        pdf = pikepdf.open(io.BytesIO(env.get(files[name]["url"]).content))
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFX" and intent.DestOutputProfile.N == 4
        assert pdf.open_metadata().get("pdfxid:GTS_PDFXVersion") == "PDF/X-4"
        page = pdf.pages[0]
        boxes.append(
            [
                [round(float(v), 3) for v in page.obj[box]]
                for box in ("/MediaBox", "/TrimBox", "/BleedBox")
            ]
        )
    assert boxes[0] == boxes[1]
    media, trim, _ = boxes[0]
    assert round((trim[0] - media[0]) * 25.4 / 72, 2) == 3.0  # the 3 mm bleed
    problem(env.submit([data], layout="envelope.personal-delivery", format="pdfa-2b"), 400)


def test_outputs_are_whole_or_absent(tmp_path):
    """A write is renamed into place only when complete; what an interrupted write of the
    same key left is removed by the next write of that key, nothing else is touched."""
    from renderer.batch.outputs import LocalOutputs

    outputs = LocalOutputs(tmp_path)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / ".r.pdf.k1ll3d.tmp").write_bytes(b"half a file")  # a worker killed mid-write
    (tmp_path / "b" / ".s.pdf.busy.tmp").write_bytes(b"another key being written")
    with pytest.raises(RuntimeError):
        with outputs.writer("b/t.pdf") as fh:
            fh.write(b"partial")
            raise RuntimeError("interrupted")
    assert not (tmp_path / "b" / "t.pdf").exists()
    sha = outputs.put("b/r.pdf", b"whole")
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == [".s.pdf.busy.tmp", "r.pdf"]
    assert outputs.sha256("b/r.pdf") == sha and outputs.open("b/r.pdf").read() == b"whole"
    with pytest.raises(ValueError):
        outputs.put("../escape.pdf", b"x")


def test_a_rerun_keeps_a_shops_live_claim(env):
    """A client's rerun used to clear the shop's lease and files under it (its next manifest
    download was a 404): while the claim is live the rerun is a 409 and the job stays."""
    batch = env.submit(plates(4, broken={1}), shop="tiskarna-a", output="merged").json
    env.runner.run_until_idle()
    claimed = env.post(f"/v1/print-jobs/{batch['id']}/claim", key=SHOP_A_KEY).json
    assert claimed["state"] == "claimed"
    refused = problem(env.post(f"/v1/batches/{batch['id']}/rerun"), 409)
    assert "claimed" in refused["detail"] and refused["errors"]
    job = env.get(f"/v1/print-jobs/{batch['id']}", key=SHOP_A_KEY).json
    assert job["state"] == "claimed" and job["files"] == claimed["files"]
    assert (
        env.get(f"/v1/print-jobs/{batch['id']}/files/manifest.json", key=SHOP_A_KEY).status_code
        == 200
    )


def test_404s_name_the_id(env):
    body = problem(env.status("no-such-batch"), 404)
    assert body["errors"] == [{"parameter": "batch_id", "detail": "no batch 'no-such-batch'"}]


@pytest.mark.parametrize(
    "body, limit",
    [
        ('[{"name": ' + "[" * 40 + "]" * 40 + "}]", "max_json_depth"),
        ('[{"name": "a"}, {"name": ' + "7" * 5000 + "}]", "max_number_length"),
    ],
)
def test_records_beyond_the_json_limits_are_422_naming_the_record(env, body, limit):
    resp = env.client.simulate_post(
        "/v1/batches",
        params={"layout": "sign.name-plate"},
        body=body,
        headers={"X-API-Key": CLIENT_KEY, "Content-Type": "application/json"},
    )
    error = problem(resp, 422)["errors"][0]
    assert error["limit"] == limit and error["pointer"].startswith(
        "/0" if limit == "max_json_depth" else "/1"
    )


def test_downloads_resume_with_range(env):
    """Accept-Ranges on every download; a Range is a 206 of exactly those bytes (from the
    local directory or S3 alike), one beyond the file a 416, a stale If-Range the whole file."""
    batch = env.submit(plates(3), output="merged").json
    env.runner.run_until_idle()
    url = next(f["url"] for f in env.status(batch["id"]).json["files"] if f["name"] == "merged.pdf")
    whole = env.get(url)
    size = len(whole.content)
    assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes"

    def ranged(value, **headers):
        return env.client.simulate_get(
            url, headers={"X-API-Key": CLIENT_KEY, "Range": value, **headers}
        )

    for value, first, last in [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, size - 1),
        ("bytes=-50", size - 50, size - 1),
        (f"bytes=10-{size + 100}", 10, size - 1),
    ]:
        part = ranged(value)
        assert part.status_code == 206, (value, part.text)
        assert part.content == whole.content[first : last + 1], value
        assert part.headers["content-range"] == f"bytes {first}-{last}/{size}"
        assert int(part.headers["content-length"]) == last - first + 1
    beyond = ranged(f"bytes={size}-")
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{size}"
    assert beyond.json["errors"][0]["header"] == "Range"
    assert ranged("bytes=0-1,5-9").status_code == 416  # one range only
    stale = ranged("bytes=0-9", **{"If-Range": '"another-version"'})
    assert stale.status_code == 200 and stale.content == whole.content
    fresh = ranged("bytes=0-9", **{"If-Range": whole.headers["etag"]})
    assert fresh.status_code == 206 and fresh.content == whole.content[:10]


def test_a_client_lists_its_batches_by_state_and_time_page_by_page(make_env, tmp_path):
    import time as clock

    env = make_env(
        access=Access(
            clients={"urad": digest(CLIENT_KEY), "drugi": digest("other-key")},
            shops=ACCESS.shops,
        )
    )
    from datetime import UTC, datetime

    ids, boundary = [], None
    for i in range(5):
        ids.append(env.submit(plates(1)).json["id"])
        clock.sleep(0.01)
        if i == 1:
            boundary = datetime.now(UTC).isoformat()
            clock.sleep(0.01)
    env.submit(plates(1), key="other-key")
    env.runner.run_until_idle()
    later = env.submit(plates(1)).json["id"]  # queued: not run
    everything = env.get("/v1/batches").json
    assert [b["id"] for b in everything["batches"]] == [later, *reversed(ids)]
    assert everything["next_cursor"] is None
    ready = env.get("/v1/batches", state="ready").json["batches"]
    assert [b["id"] for b in ready] == list(reversed(ids))
    assert all(b["state"] == "ready" and b["total"] == 1 for b in ready)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        answer = env.get("/v1/batches", **params)
        assert answer.status_code == 200
        page = answer.json
        seen += [b["id"] for b in page["batches"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            assert "link" not in answer.headers
            break
        assert "rel=next" in answer.headers["link"] and "limit=2" in answer.headers["link"]
    assert seen == [later, *reversed(ids)] and pages == 3
    since = env.get("/v1/batches", since=boundary, state="ready").json["batches"]
    assert [b["id"] for b in since] == list(reversed(ids[2:]))
    until = env.get("/v1/batches", until=boundary).json["batches"]
    assert [b["id"] for b in until] == list(reversed(ids[:2]))
    assert env.get("/v1/batches", until="2000-01-01").json["batches"] == []
    for params, parameter in [
        ({"state": "lost"}, "state"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-01-01T00:00:00"}, "until"),  # a date-time needs its zone
        ({"limit": "0"}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ]:
        bad = env.get("/v1/batches", **params)
        assert bad.status_code == 400 and bad.json["errors"][0]["parameter"] == parameter


def test_deleting_a_batch_removes_it_and_its_files(env):
    running = env.submit(plates(2)).json["id"]
    refused = env.client.simulate_delete(
        f"/v1/batches/{running}", headers={"X-API-Key": CLIENT_KEY}
    )
    assert refused.status_code == 409 and "queued" in refused.json["detail"]
    env.runner.run_until_idle()
    files = env.status(running).json["files"]
    key = f"{running}/job/{files[0]['name']}"
    assert env.service.outputs.size(key) > 0
    deleted = env.client.simulate_delete(
        f"/v1/batches/{running}", headers={"X-API-Key": CLIENT_KEY}
    )
    assert deleted.status_code == 204
    assert env.status(running).status_code == 404
    assert env.get(files[0]["url"]).status_code == 404
    with pytest.raises(Exception):  # noqa: B017 - gone from the local directory or S3 alike
        env.service.outputs.size(key)
    assert running not in {b["id"] for b in env.get("/v1/batches").json["batches"]}


def test_a_print_job_is_deleted_only_once_the_shop_has_it(env):
    batch = env.submit(plates(1), shop="tiskarna-a").json["id"]
    env.runner.run_until_idle()
    url = f"/v1/batches/{batch}"
    early = env.client.simulate_delete(url, headers={"X-API-Key": CLIENT_KEY})
    assert early.status_code == 409 and "tiskarna-a" in early.json["detail"]
    for status in ("accepted", "printed", "shipped"):
        env.post(f"/v1/print-jobs/{batch}/status", {"status": status}, key=SHOP_A_KEY)
    assert env.client.simulate_delete(url, headers={"X-API-Key": CLIENT_KEY}).status_code == 204


def test_collected_batches_expire_after_the_retention(make_env):
    """What the runner applies: a collected batch goes, with its files, once the retention
    has passed since the shop's last report; others stay (both engines)."""
    from renderer.batch.retention import expire_collected

    env = make_env()
    collected = env.submit(plates(1), shop="tiskarna-a").json["id"]
    waiting = env.submit(plates(1), shop="tiskarna-a").json["id"]
    own = env.submit(plates(1)).json["id"]
    env.runner.run_until_idle()
    env.post(f"/v1/print-jobs/{collected}/status", {"status": "accepted"}, key=SHOP_A_KEY)
    store, outputs = env.service.store, env.service.outputs
    key = f"{collected}/job/{env.status(collected).json['files'][0]['name']}"
    assert expire_collected(store, outputs, retention_s=3600) == 0  # not yet
    assert expire_collected(store, outputs, retention_s=0.0) == 1
    assert env.status(collected).status_code == 404
    with pytest.raises(Exception):  # noqa: B017 - the file is gone, from a directory or S3
        outputs.size(key)
    assert env.status(waiting).status_code == env.status(own).status_code == 200


def test_the_runner_applies_the_retention(tmp_path, pipeline):
    import threading

    env = Env(pipeline, tmp_path)
    env.runner.retention_s = 0.0
    env.runner.outputs = env.service.outputs
    batch = env.submit(plates(1), shop="tiskarna-a").json["id"]
    env.runner.run_until_idle()
    env.post(f"/v1/print-jobs/{batch}/status", {"status": "accepted"}, key=SHOP_A_KEY)
    stop = threading.Event()
    thread = threading.Thread(target=env.runner.run_forever, args=(stop,))
    thread.start()
    try:
        for _ in range(100):
            if env.status(batch).status_code == 404:
                break
            stop.wait(0.05)
    finally:
        stop.set()
        thread.join()
    assert env.status(batch).status_code == 404
