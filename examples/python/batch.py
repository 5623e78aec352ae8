"""A print-shop batch from submit to download, both sides (README, "Print-shop batches").

    python batch.py examples/plates.ndjson job/ [--layout sign.name-plate] [--output imposed]

The client (key OBRAZCI_API_KEY) submits the records, NDJSON: one record's data a line, waits
until the batch is rendered; the print shop (key SHOP_KEY) lists its ready jobs, claims this
one, downloads its files into the folder (each checked against its SHA-256; a download that
broke off resumes with Range), reports accepted, printed and shipped; the client lists its
collected batches and deletes this one with its files. OBRAZCI_URL names the service. The
defaults are the README walkthrough's: http://127.0.0.1:8000 and the keys of
examples/batch-access.toml."""

import argparse
import hashlib
import os
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx

URL = os.environ.get("OBRAZCI_URL", "http://127.0.0.1:8000")
CLIENT_KEY = os.environ.get("OBRAZCI_API_KEY", "demo-client-key-change-me")
SHOP_KEY = os.environ.get("SHOP_KEY", "demo-shop-key-change-me")
FINISHED = ("ready", "completed-with-errors", "failed")


def stop_on_error(response: httpx.Response) -> None:
    """An error answer ends the script with what its problem+json (RFC 9457) says."""
    if not response.is_error:
        return
    response.read()
    lines = [f"{response.request.method} {response.request.url.path}: {response.status_code}"]
    if response.headers.get("Content-Type", "").startswith("application/problem+json"):
        problem = response.json()
        lines[0] += f" {problem['title']}: {problem.get('detail', '')}"
        for error in problem.get("errors", []):
            where = " ".join(f"{key}={value}" for key, value in error.items() if key != "detail")
            lines.append(f"  {where}: {error.get('detail', '')}")
    sys.exit("\n".join(lines))


def connect(key: str) -> httpx.Client:
    return httpx.Client(
        base_url=URL,
        headers={"X-API-Key": key},
        timeout=120,
        event_hooks={"response": [stop_on_error]},
    )


# -- the client ------------------------------------------------------------------------


def submit(client: httpx.Client, records: Path, query: dict) -> dict:
    """The records streamed from the file. The Idempotency-Key makes a retry safe: sent again
    after a broken connection or a lost answer, it gets the same batch, never a second one."""
    # (to be called when it is done instead of polling: a callback_url in `query`, on a host
    # the service allows in OBRAZCI_WEBHOOK_HOSTS; README, Webhooks)
    key = f"order-{uuid.uuid4()}"
    headers = {"Content-Type": "application/x-ndjson", "Idempotency-Key": key}
    for pause in (1, 2, None):
        try:
            with records.open("rb") as body:
                answer = client.post("/v1/batches", params=query, content=body, headers=headers)
            return answer.json()
        except httpx.TransportError as error:  # no answer: the connection broke or was refused
            print(f"  submit: {error!r}", file=sys.stderr)
            if pause is None:
                sys.exit("submit: no answer after 3 attempts")
            time.sleep(pause)  # then the same request again, with the same key


def wait(client: httpx.Client, batch_id: str) -> dict:
    """Poll the batch until it is finished: ready, completed-with-errors or failed."""
    seen = None
    while True:
        batch = client.get(f"/v1/batches/{batch_id}").json()
        counts = batch["counts"]
        now = (batch["state"], counts["done"], counts["failed"])
        if now != seen:
            print(
                f"  {batch['state']}: {counts['done']} done, {counts['failed']} failed"
                f" of {counts['total']}"
            )
            seen = now
        if batch["state"] in FINISHED:
            return batch
        # (a client that gives up cancels it here: POST /v1/batches/{id}/cancel)
        time.sleep(0.5)


def my_batches(client: httpx.Client, **filters: str) -> Iterator[dict]:
    """The client's batches, newest first (filters: state, since, until), page by page."""
    params = {**filters, "limit": "50"}
    while True:
        page = client.get("/v1/batches", params=params).json()
        yield from page["batches"]
        if not page["next_cursor"]:  # also in the answer's Link: <…>; rel="next" header
            return
        params["cursor"] = page["next_cursor"]


# -- the print shop --------------------------------------------------------------------


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(shop: httpx.Client, file: dict, folder: Path) -> Path:
    """One file of a job into the folder, through NAME.part: a part left by a broken download
    is continued (Range; If-Range with the file's ETag, its SHA-256, so that a part of some
    other file is not continued), and the whole is checked against the job's checksum."""
    path, part = folder / file["name"], folder / (file["name"] + ".part")
    have = part.stat().st_size if part.exists() else 0
    if have < file["bytes"]:
        ask = {"Range": f"bytes={have}-", "If-Range": f'"{file["sha256"]}"'} if have else {}
        with shop.stream("GET", file["url"], headers=ask) as response:
            with part.open("ab" if response.status_code == 206 else "wb") as out:
                for chunk in response.iter_bytes():
                    out.write(chunk)
    if sha256(part) != file["sha256"]:
        part.unlink()
        sys.exit(f"{file['name']}: checksum mismatch, the part is removed; download it again")
    part.replace(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", type=Path, help="NDJSON: one record's data a line")
    parser.add_argument("folder", type=Path, help="where the print shop puts the job's files")
    parser.add_argument("--layout", default="sign.name-plate")
    parser.add_argument("--languages", default="sl")
    parser.add_argument("--output", default="imposed", help="files, merged, imposed or layers")
    parser.add_argument("--shop", default="tiskarna-koper", help="a shop of the access file")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    query = {name: getattr(args, name) for name in ("layout", "languages", "output", "shop")}

    with connect(CLIENT_KEY) as client, connect(SHOP_KEY) as shop:
        batch = submit(client, args.records, query)
        print(f"client: submitted batch {batch['id']}, {batch['counts']['total']} records")
        batch = wait(client, batch["id"])
        for failure in batch["failures"]:  # correct them: POST …/rerun {"records": {…}}
            for error in failure["errors"]:
                print(f"  record {failure['index']} {error['pointer']}: {error['detail']}")
        if batch["state"] == "failed":
            sys.exit(f"the batch failed: {batch.get('error')}")

        jobs = shop.get("/v1/print-jobs", params={"state": "ready"}).json()["jobs"]
        print(f"shop: {len(jobs)} ready job(s)")
        job_url = next(job["url"] for job in jobs if job["id"] == batch["id"])
        job = shop.post(f"{job_url}/claim").json()  # a lease (15 min); claim again to renew it
        print(f"shop: claimed {job['id']} until {job['claimed_until']}")
        for file in job["files"]:
            path = download(shop, file, args.folder)
            print(f"shop: {path} ({file['bytes']} bytes, SHA-256 checked)")
        for status in ("accepted", "printed", "shipped"):  # each once done; or rejected + reason
            shop.post(f"{job_url}/status", json={"status": status})
            print(f"shop: reported {status}")

        collected = [b["id"] for b in my_batches(client, state="collected")]
        print(f"client: {len(collected)} collected batch(es)")
        client.delete(f"/v1/batches/{batch['id']}")  # else removed after the retention days
        print(f"client: deleted batch {batch['id']} and its files")


if __name__ == "__main__":
    main()
