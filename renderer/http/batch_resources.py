"""Batches over HTTP: clients submit, follow and cancel them; print shops list, claim,
download and report on the jobs addressed to them. Keys come in ``X-API-Key``.

Two resources, each with one route per thing it offers (Falcon suffix responders) and one
hook that checks the key before any responder runs: it puts the caller in ``req.context``
and turns the ``batch_id``/``job_id`` of the path into the caller's own ``batch``."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from urllib.parse import urlencode

import falcon

from ..batch.records import NDJSON_TYPES, RecordsError
from ..batch.service import SHOP_TRANSITIONS, BatchService, batch_spec
from ..batch.store import LISTED, Batch, Conflict, NoRecords, TooManyRecords
from ..batch.webhooks import check_callback_url
from ..registry import Registry
from .problems import Problem, bad_parameter, too_large
from .readers import body_stream, languages, read_json

MAX_IDEMPOTENCY_KEY = 200
MAX_LISTED = 200  # batches on one page of the list
MAX_RERUN_BODY = 64 * 1024 * 1024


def client_key(req, resp, resource, params) -> None:
    """A client's key; the path's batch is the caller's own (another client's batch is as
    unknown as a missing one)."""
    service: BatchService = resource.service
    client = service.access.client(req.get_header("X-API-Key"))
    if client is None:
        raise Problem(
            falcon.HTTP_401,
            "API key required",
            "batches need a valid X-API-Key header",
            [{"header": "X-API-Key", "detail": "a client's key"}],
        )
    req.context.client = client
    if "batch_id" in params:
        batch_id = params.pop("batch_id")
        batch = service.store.batch(batch_id)
        if batch is None or (service.access.clients and batch.client != client):
            raise Problem(
                falcon.HTTP_404,
                "No such batch",
                f"no batch {batch_id!r}",
                [{"parameter": "batch_id", "detail": f"no batch {batch_id!r}"}],
            )
        params["batch"] = batch


def shop_key(req, resp, resource, params) -> None:
    """A print shop's key; the path's job is one addressed to that shop."""
    service: BatchService = resource.service
    shop = service.access.shop(req.get_header("X-API-Key"))
    if shop is None:
        raise Problem(
            falcon.HTTP_401,
            "API key required",
            "print jobs need a print shop's X-API-Key",
            [{"header": "X-API-Key", "detail": "a print shop's key"}],
        )
    req.context.shop = shop
    if "job_id" in params:
        job_id = params.pop("job_id")
        batch = service.store.batch(job_id)
        if batch is None or batch.spec.shop != shop or batch.state == "cancelled":
            detail = f"no print job {job_id!r} for this shop"
            raise Problem(
                falcon.HTTP_404,
                "No such print job",
                detail,
                [{"parameter": "job_id", "detail": detail}],
            )
        params["batch"] = batch


def _send_file(req, resp, service: BatchService, batch: Batch, name: str) -> None:
    """The file, whole or the one byte range asked for (``Range: bytes=…``: 206, or 416 when
    it lies beyond the file), so a broken download resumes where it stopped."""
    entry = service.file(batch, name)
    if entry is None:
        detail = f"the job has no file {name!r}" + (
            "" if batch.files else f" (the batch is {batch.state})"
        )
        raise Problem(
            falcon.HTTP_404, "No such file", detail, [{"parameter": "name", "detail": detail}]
        )
    key = f"{batch.id}/job/{name}"
    size = service.outputs.size(key)
    resp.content_type = entry["media_type"]
    resp.set_header("Content-Disposition", f'attachment; filename="{name}"')
    resp.set_header("X-Checksum-SHA256", entry["sha256"])
    resp.etag = entry["sha256"]
    resp.accept_ranges = "bytes"
    asked = _byte_range(req, size, entry["sha256"])
    if asked is None:
        resp.set_stream(service.outputs.open(key), size)
        return
    first, last = asked
    resp.status = falcon.HTTP_206
    resp.content_range = (first, last, size)
    resp.set_stream(service.outputs.open(key, first, last), last - first + 1)


def _byte_range(req, size: int, etag: str) -> tuple[int, int] | None:
    """The inclusive byte range of a ``Range`` header, or None to send the whole file (no
    header, or an ``If-Range`` naming another version of the file)."""
    if req.get_header("Range") is None:
        return None
    if_range = req.get_header("If-Range")
    if if_range is not None and if_range.strip().removeprefix("W/").strip('"') != etag:
        return None
    try:
        asked = req.range  # (first, last) with -1 for "to the end"; (-n, -1) for "the last n"
    except falcon.HTTPInvalidHeader:
        asked = None
    if asked is None or (req.range_unit or "bytes") != "bytes":
        raise Problem(
            falcon.HTTP_416,
            "Range not satisfiable",
            "give one byte range: bytes=FIRST-LAST, bytes=FIRST- or bytes=-LENGTH",
            [{"header": "Range", "detail": "one byte range"}],
            headers={"Content-Range": f"bytes */{size}"},
        )
    first, last = asked
    if first < 0:
        first, last = max(size + first, 0), size - 1
    elif last < 0 or last >= size:
        last = size - 1
    if first >= size or first > last:
        detail = f"the file has {size} bytes"
        raise Problem(
            falcon.HTTP_416,
            "Range not satisfiable",
            detail,
            [{"header": "Range", "detail": detail}],
            headers={"Content-Range": f"bytes */{size}"},
        )
    return first, last


def _moment(req, name: str) -> float | None:
    """An ISO 8601 date-time with its time zone (or a date: 00:00 UTC) as a timestamp."""
    value = req.get_param(name)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        moment = None
    if moment is None or (moment.tzinfo is None and "T" in value):
        raise bad_parameter(name, "an ISO 8601 date-time with its zone, e.g. 2026-12-01T08:00:00Z")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _whole(req, name: str, default: int, low: int, high: int) -> int:
    value = req.get_param(name)
    if value is None:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise bad_parameter(name, f"a whole number from {low} to {high}")
    return int(value)


def _make_cursor(batch: Batch) -> str:
    raw = json.dumps([batch.created, batch.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor(req) -> tuple[float, str] | None:
    value = req.get_param("cursor")
    if value is None:
        return None
    try:
        created, batch_id = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
        if isinstance(created, (int, float)) and isinstance(batch_id, str):
            return float(created), batch_id
    except (ValueError, TypeError):
        pass
    raise bad_parameter("cursor", "give the next_cursor of the page before, unchanged")


@falcon.before(client_key)
class BatchesResource:
    """``/v1/batches`` and below, for the client that submitted them."""

    def __init__(self, service: BatchService, registry: Registry):
        self.service = service
        self.registry = registry

    def on_post(self, req, resp):
        """Submit: the records in the body, the spec in the query."""
        layout = req.get_param("layout")
        if not layout:
            raise bad_parameter("layout", "name the layout every record is rendered with")
        spec = batch_spec(
            self.registry,
            layout,
            languages(req),
            req.get_param("format") or "pdf",
            req.get_param("variant"),
            req.get_param("output"),
            req.get_param("imposition") or "n-up",
            req.get_param("shop"),
            tuple(self.service.access.shops),
        )
        callback_url = req.get_param("callback_url")
        if callback_url is not None:
            refused = check_callback_url(callback_url, self.service.engine.webhooks.hosts)
            if refused:
                raise Problem(
                    falcon.HTTP_422,
                    "Callback URL refused",
                    f"callback_url: {refused}",
                    [{"parameter": "callback_url", "detail": refused}],
                )
        key = req.get_header("Idempotency-Key")
        if key is not None and not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY:
            raise Problem(
                falcon.HTTP_400,
                "Invalid header",
                f"Idempotency-Key: 1 to {MAX_IDEMPOTENCY_KEY} characters",
                [{"header": "Idempotency-Key", "detail": f"1 to {MAX_IDEMPOTENCY_KEY} characters"}],
            )
        media_type = (req.content_type or "").split(";")[0].strip().lower()
        if media_type != "application/json" and media_type not in NDJSON_TYPES:
            raise Problem(
                falcon.HTTP_415,
                "Unsupported media type",
                "send the records as application/json (an array) or application/x-ndjson",
                [{"header": "Content-Type", "detail": "application/json or application/x-ndjson"}],
            )
        stream = body_stream(req, self.service.engine.max_body_bytes)
        try:
            batch, created = self.service.submit(
                spec, req.context.client, key, stream, media_type, callback_url
            )
        except RecordsError as exc:
            pointer = (f"/{exc.index}" if exc.index is not None else "") + exc.pointer
            entry = {"pointer": pointer, **({"limit": exc.limit} if exc.limit else {})}
            if "larger than the limit of" in exc.reason and exc.index is None and not exc.invalid:
                raise too_large("Cannot read the records", exc.reason, entry) from None
            status = falcon.HTTP_422 if exc.invalid else falcon.HTTP_400
            entry["detail"] = exc.reason
            raise Problem(status, "Cannot read the records", exc.reason, [entry]) from None
        except TooManyRecords as exc:
            raise too_large(
                "Too many records",
                f"a batch holds at most {exc.limit} records",
                {"pointer": f"/{exc.limit}"},
            ) from None
        except NoRecords:
            raise Problem(
                falcon.HTTP_422,
                "No records",
                "the batch has no records",
                [{"pointer": "", "detail": "give at least one record"}],
            ) from None
        except Conflict as exc:
            raise Problem(
                falcon.HTTP_409,
                "Idempotency key reused",
                f"the key was used for batch {exc.batch_id} with another request",
                [{"header": "Idempotency-Key", "detail": f"used for batch {exc.batch_id}"}],
            ) from None
        resp.status = falcon.HTTP_202
        resp.location = f"/v1/batches/{batch.id}"
        if not created:
            resp.set_header("Idempotent-Replayed", "true")
        resp.media = self.service.status(batch)

    def _now(self, batch: Batch) -> Batch:
        """The batch as it is after a change (it is not deleted while the caller holds it)."""
        return self.service.store.batch(batch.id) or batch

    def on_get(self, req, resp):
        """The caller's batches, newest first: ``state``, ``since``/``until`` (their
        submission time), ``limit``; ``cursor`` (from ``next_cursor``) for the next page."""
        state = req.get_param("state")
        if state is not None and state not in LISTED:
            raise bad_parameter("state", f"one of {', '.join(LISTED)}")
        since, until = _moment(req, "since"), _moment(req, "until")
        limit = _whole(req, "limit", 50, 1, MAX_LISTED)
        after = _cursor(req)
        found = self.service.store.batches_for_client(
            req.context.client, state, since, until, after, limit + 1
        )
        page, more = found[:limit], len(found) > limit
        next_cursor = _make_cursor(page[-1]) if more else None
        resp.media = {
            "batches": [self.service.listing(b) for b in page],
            "next_cursor": next_cursor,
        }
        if next_cursor:
            query = {k: v for k, v in req.params.items() if k != "cursor"}
            query["cursor"] = next_cursor
            resp.append_link(f"/v1/batches?{urlencode(query)}", "next")

    def on_delete_batch(self, req, resp, batch: Batch):
        """Delete a finished batch (one for a print shop once the shop has collected it)
        with its files: 204."""
        self.service.delete(batch)
        resp.status = falcon.HTTP_204

    def on_get_batch(self, req, resp, batch: Batch):
        resp.media = self.service.status(batch)

    def on_post_cancel(self, req, resp, batch: Batch):
        """Cancel a queued or rendering batch (again: the same answer); a finished one is a
        409."""
        resp.media = self.service.status(self.service.cancel(batch))

    def on_post_rerun(self, req, resp, batch: Batch):
        """Re-run the failed records; ``{"records": {"<index>": <corrected data>}}`` replaces
        the data of failed records (optional)."""
        corrections = self._corrections(batch, read_json(req, MAX_RERUN_BODY, optional=True))
        queued = self.service.rerun(batch, corrections)
        resp.status = falcon.HTTP_202
        resp.media = {**self.service.status(self._now(batch)), "requeued": queued}

    def _corrections(self, batch: Batch, body) -> dict[int, str]:
        if body is None:
            return {}
        if not isinstance(body, dict) or not isinstance(body.get("records", {}), dict):
            raise Problem(
                falcon.HTTP_422,
                "Invalid request data",
                'give {"records": {"<index>": {…}}}',
                [{"pointer": "/records", "detail": "an object of record index → corrected data"}],
            )
        failed = {r.index for r in self.service.store.failures(batch.id, limit=batch.total)}
        corrections = {}
        for key, data in body.get("records", {}).items():
            pointer = f"/records/{key}"
            if not key.isdigit() or int(key) not in failed:
                detail = "only failed records can be corrected and re-run"
                raise Problem(
                    falcon.HTTP_422,
                    "Invalid request data",
                    f"{key} is not a failed record of the batch",
                    [{"pointer": pointer, "detail": detail}],
                )
            if not isinstance(data, dict):
                detail = "a record is a JSON object (the layout's data)"
                raise Problem(
                    falcon.HTTP_422,
                    "Invalid request data",
                    "a record is a JSON object",
                    [{"pointer": pointer, "detail": detail}],
                )
            corrections[int(key)] = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return corrections

    def on_get_file(self, req, resp, batch: Batch, name: str):
        _send_file(req, resp, self.service, batch, name)


@falcon.before(shop_key)
class PrintJobsResource:
    """``/v1/print-jobs`` and below, for the print shop the jobs are addressed to."""

    STATES = ("pending", "ready", "claimed", "failed", *SHOP_TRANSITIONS)

    def __init__(self, service: BatchService):
        self.service = service

    def on_get(self, req, resp):
        state = req.get_param("state")
        if state is not None and state not in self.STATES:
            raise bad_parameter("state", f"one of {', '.join(self.STATES)}")
        jobs = self.service.jobs(req.context.shop, state)
        resp.media = {"jobs": [self.service.job(b) for b in jobs]}

    def _now(self, batch: Batch) -> Batch:
        """The batch as it is after a change (it is not deleted while the caller holds it)."""
        return self.service.store.batch(batch.id) or batch

    def on_get_job(self, req, resp, batch: Batch):
        resp.media = self.service.job(batch)

    def on_post_claim(self, req, resp, batch: Batch):
        self.service.claim(batch)
        resp.media = self.service.job(self._now(batch))

    def on_get_file(self, req, resp, batch: Batch, name: str):
        _send_file(req, resp, self.service, batch, name)

    def on_post_status(self, req, resp, batch: Batch):
        body = read_json(req, 64 * 1024)
        if not isinstance(body, dict):
            raise Problem(
                falcon.HTTP_422,
                "Invalid request data",
                'give {"status": …, "reason": …}',
                [{"pointer": "", "detail": "a JSON object"}],
            )
        status, reason = body.get("status"), body.get("reason")
        errors = []
        if status not in SHOP_TRANSITIONS:
            errors.append({"pointer": "/status", "detail": f"one of {', '.join(SHOP_TRANSITIONS)}"})
        if reason is not None and (not isinstance(reason, str) or len(reason) > 2000):
            errors.append({"pointer": "/reason", "detail": "text of at most 2000 characters"})
        if status == "rejected" and not (isinstance(reason, str) and reason.strip()):
            errors.append({"pointer": "/reason", "detail": "a rejection needs a reason"})
        if errors:
            raise Problem(
                falcon.HTTP_422,
                "Invalid request data",
                "; ".join(e["detail"] for e in errors),
                errors,
            )
        self.service.report(batch, str(status), reason.strip() if isinstance(reason, str) else None)
        resp.media = self.service.job(self._now(batch))
