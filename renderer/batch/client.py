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


class ClientError(RuntimeError):
    pass


class BatchClient:
    def __init__(self, url: str, key: str | None):
        self.url = url.rstrip("/")
        self.key = key

    def _request(self, method: str, path: str, body=None, headers: dict | None = None):
        request = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        if self.key:
            request.add_header("X-API-Key", self.key)
        try:
            return urllib.request.urlopen(request, timeout=600)
        except urllib.error.HTTPError as exc:
            try:
                problem = json.load(exc)
                detail = problem.get("detail") or problem.get("title")
                errors = "; ".join(f"{e.get('pointer', e.get('parameter', ''))}: {e.get('detail')}"
                                   for e in problem.get("errors", []))
            except ValueError:
                detail, errors = exc.reason, ""
            raise ClientError(f"{exc.code} {detail}" + (f" ({errors})" if errors else "")) from None
        except urllib.error.URLError as exc:
            raise ClientError(f"cannot reach {self.url}: {exc.reason}") from None

    def submit(self, records: Path, options: dict, idempotency_key: str | None) -> dict:
        ndjson = records.suffix.lower() in (".ndjson", ".jsonl")
        headers = {"Content-Type": "application/x-ndjson" if ndjson else "application/json",
                   "Content-Length": str(records.stat().st_size)}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        query = urllib.parse.urlencode({k: v for k, v in options.items() if v is not None})
        with open(records, "rb") as body, self._request("POST", f"/v1/batches?{query}", body, headers) as response:
            return json.load(response)

    def status(self, batch_id: str) -> dict:
        with self._request("GET", f"/v1/batches/{batch_id}") as response:
            return json.load(response)

    def follow(self, batch_id: str, out=sys.stderr, interval: float = 0.5) -> dict:
        """Poll until the batch has finished, drawing a progress bar."""
        while True:
            status = self.status(batch_id)
            counts = status["counts"]
            done = counts["done"] + counts["failed"]
            width = 40
            filled = int(width * status["progress"])
            out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{counts['total']}"
                      f" ({counts['failed']} failed) {status['state']:<22}")
            out.flush()
            if status["state"] in ("ready", "completed-with-errors", "failed", "collected"):
                out.write("\n")
                return status
            time.sleep(interval)

    def pull(self, batch_id: str, directory: Path) -> list[Path]:
        """Download every file of a finished batch; each is checked against its SHA-256
        and written under a temporary name first."""
        status = self.status(batch_id)
        if not status.get("files"):
            raise ClientError(f"batch {batch_id} has no files yet (it is {status['state']})")
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for entry in status["files"]:
            target = directory / Path(entry["name"]).name
            temporary = target.with_name(f".{target.name}.part")
            digest = hashlib.sha256()
            with self._request("GET", f"/v1/batches/{batch_id}/files/{entry['name']}") as response, \
                    open(temporary, "wb") as fh:
                for block in iter(lambda: response.read(1 << 20), b""):
                    digest.update(block)
                    fh.write(block)
            if digest.hexdigest() != entry["sha256"]:
                os.unlink(temporary)
                raise ClientError(f"{entry['name']}: checksum mismatch")
            temporary.replace(target)
            written.append(target)
        return written
