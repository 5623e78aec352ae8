"""The command line's HTTP client for batches: submit a records file (streamed), follow the
progress, pull the finished files and check their checksums."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

FINISHED = ("ready", "completed-with-errors", "failed", "collected", "cancelled")


class ClientError(RuntimeError):
    pass


class Progress:
    """A batch's progress for a person: tqdm's bar (rate, ETA) on a terminal; otherwise one
    plain line whenever 10 % more is done or 5 s have passed, and one at the end."""

    def __init__(self, batch_id: str, out):
        self.batch_id = batch_id
        self.out = out
        self.bar: Any = None  # a tqdm bar once the first status arrives on a terminal
        self.terminal = hasattr(out, "isatty") and out.isatty()
        self.started = time.monotonic()
        self.shown_at, self.shown_fraction = 0.0, -1.0

    def show(self, status: dict) -> None:
        counts = status["counts"]
        done = counts["done"] + counts["failed"]
        if self.terminal:
            from tqdm import tqdm

            bar = self.bar
            if bar is None:
                bar = self.bar = tqdm(
                    total=counts["total"],
                    unit="record",
                    file=self.out,
                    desc=self.batch_id,
                    dynamic_ncols=True,
                )
            bar.update(done - bar.n)
            bar.set_postfix_str(f"{counts['failed']} failed, {status['state']}", refresh=True)
            return
        fraction = done / counts["total"] if counts["total"] else 1.0
        now = time.monotonic()
        finished = status["state"] in FINISHED
        if finished or fraction >= self.shown_fraction + 0.1 or now - self.shown_at >= 5:
            elapsed = now - self.started
            rate = done / elapsed if elapsed > 0 else 0.0
            eta = (
                f", about {(counts['total'] - done) / rate:.0f} s left"
                if rate and not finished
                else ""
            )
            self.out.write(
                f"batch {self.batch_id}: {status['state']}, {done}/{counts['total']} "
                f"({counts['failed']} failed), {rate:.1f} records/s{eta}\n"
            )
            self.out.flush()
            self.shown_at, self.shown_fraction = now, fraction

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class BatchClient:
    def __init__(self, url: str, key: str | None):
        self.url = url.rstrip("/")
        self.key = key

    def _request(self, method: str, path: str, body=None, headers: dict | None = None):
        request = urllib.request.Request(
            self.url + path, data=body, method=method, headers=headers or {}
        )
        if self.key:
            request.add_header("X-API-Key", self.key)
        try:
            return urllib.request.urlopen(request, timeout=600)
        except urllib.error.HTTPError as exc:
            try:
                problem = json.load(exc)
                detail = problem.get("detail") or problem.get("title")
                errors = "; ".join(
                    f"{e.get('pointer', e.get('parameter', ''))}: {e.get('detail')}"
                    for e in problem.get("errors", [])
                )
            except ValueError:
                detail, errors = exc.reason, ""
            raise ClientError(f"{exc.code} {detail}" + (f" ({errors})" if errors else "")) from None
        except urllib.error.URLError as exc:
            raise ClientError(f"cannot reach {self.url}: {exc.reason}") from None

    def submit(self, records: Path, options: dict, idempotency_key: str | None) -> dict:
        ndjson = records.suffix.lower() in (".ndjson", ".jsonl")
        headers = {
            "Content-Type": "application/x-ndjson" if ndjson else "application/json",
            "Content-Length": str(records.stat().st_size),
        }
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        query = urllib.parse.urlencode({k: v for k, v in options.items() if v is not None})
        with (
            open(records, "rb") as body,
            self._request("POST", f"/v1/batches?{query}", body, headers) as response,
        ):
            return json.load(response)

    def status(self, batch_id: str) -> dict:
        with self._request("GET", f"/v1/batches/{batch_id}") as response:
            return json.load(response)

    def cancel(self, batch_id: str) -> dict:
        with self._request("POST", f"/v1/batches/{batch_id}/cancel") as response:
            return json.load(response)

    def follow(self, batch_id: str, out=None, interval: float = 0.5) -> dict:
        """Poll until the batch has finished, showing its progress: a bar with rate and ETA
        on a terminal, a plain line every few seconds elsewhere (a log, a pipe)."""
        progress = Progress(batch_id, out or sys.stderr)
        try:
            while True:
                status = self.status(batch_id)
                progress.show(status)
                if status["state"] in FINISHED:
                    return status
                time.sleep(interval)
        finally:
            progress.close()

    # -- the print shop's side ------------------------------------------------------

    def jobs(self, state: str | None = None) -> dict:
        query = f"?{urllib.parse.urlencode({'state': state})}" if state else ""
        with self._request("GET", f"/v1/print-jobs{query}") as response:
            return json.load(response)

    def job(self, job_id: str) -> dict:
        with self._request("GET", f"/v1/print-jobs/{job_id}") as response:
            return json.load(response)

    def claim(self, job_id: str) -> dict:
        with self._request("POST", f"/v1/print-jobs/{job_id}/claim") as response:
            return json.load(response)

    def report(self, job_id: str, status: str, reason: str | None) -> dict:
        body = json.dumps({"status": status, **({"reason": reason} if reason else {})}).encode()
        with self._request(
            "POST", f"/v1/print-jobs/{job_id}/status", body, {"Content-Type": "application/json"}
        ) as response:
            return json.load(response)

    def pull(self, batch_id: str, directory: Path, shop: bool = False) -> list[Path]:
        """Download every file of a finished batch (``shop``: of a print job, with a shop's
        key); each is checked against its SHA-256 and written under a temporary name first."""
        status = self.job(batch_id) if shop else self.status(batch_id)
        base = f"/v1/print-jobs/{batch_id}" if shop else f"/v1/batches/{batch_id}"
        if not status.get("files"):
            raise ClientError(f"{batch_id} has no files yet (it is {status['state']})")
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for entry in status["files"]:
            target = directory / Path(entry["name"]).name
            temporary = target.with_name(f".{target.name}.part")
            digest = hashlib.sha256()
            with (
                self._request("GET", f"{base}/files/{entry['name']}") as response,
                open(temporary, "wb") as fh,
            ):
                for block in iter(lambda: response.read(1 << 20), b""):
                    digest.update(block)
                    fh.write(block)
            if digest.hexdigest() != entry["sha256"]:
                os.unlink(temporary)
                raise ClientError(f"{entry['name']}: checksum mismatch")
            temporary.replace(target)
            written.append(target)
        return written
