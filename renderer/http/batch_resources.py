"""Batches over HTTP: clients submit and follow them; print shops list, claim, download
and report on the jobs addressed to them. Keys come in ``X-API-Key``."""

from __future__ import annotations

import json

import falcon

from ..batch.records import NDJSON_TYPES, RecordsError
from ..batch.service import SHOP_TRANSITIONS, BatchRefused, BatchService, batch_spec
from ..batch.store import Batch, Conflict, NoRecords, TooManyRecords
from ..options import OptionError
from ..registry import Registry
from . import params
from .body import body_stream, read_json
from .problems import Problem, bad_parameter

MAX_IDEMPOTENCY_KEY = 200
MAX_RERUN_BODY = 64 * 1024 * 1024


def _client(req, service: BatchService) -> str:
    client = service.access.client(req.get_header("X-API-Key"))
    if client is None:
        raise Problem(
            falcon.HTTP_401,
            "API key required",
            "batches need a valid X-API-Key header",
            [{"header": "X-API-Key", "detail": "a client's key"}],
        )
    return client


def _shop(req, service: BatchService) -> str:
    shop = service.access.shop(req.get_header("X-API-Key"))
    if shop is None:
        raise Problem(
            falcon.HTTP_401,
            "API key required",
            "print jobs need a print shop's X-API-Key",
            [{"header": "X-API-Key", "detail": "a print shop's key"}],
        )
    return shop


def _own_batch(req, service: BatchService, batch_id: str) -> Batch:
    """The caller's batch; another client's batch is as unknown as a missing one."""
    client = _client(req, service)
    batch = service.store.batch(batch_id)
    if batch is None or (service.access.clients and batch.client != client):
        raise Problem(
            falcon.HTTP_404,
            "No such batch",
            f"no batch {batch_id!r}",
            [{"parameter": "batch_id", "detail": f"no batch {batch_id!r}"}],
        )
    return batch


def _shop_job(req, service: BatchService, job_id: str) -> Batch:
    shop = _shop(req, service)
    batch = service.store.batch(job_id)
    if batch is None or batch.spec.shop != shop:
        raise Problem(
            falcon.HTTP_404,
            "No such print job",
            f"no print job {job_id!r} for this shop",
            [{"parameter": "job_id", "detail": f"no print job {job_id!r} for this shop"}],
        )
    return batch


def _refused(exc: BatchRefused) -> Problem:
    return Problem(falcon.HTTP_409, "Not now", str(exc), [{"pointer": "", "detail": str(exc)}])


def _send_file(resp, service: BatchService, batch: Batch, name: str) -> None:
    entry = service.file(batch, name)
    if entry is None:
        detail = f"the job has no file {name!r}" + (
            "" if batch.files else f" (the batch is {batch.state})"
        )
        raise Problem(
            falcon.HTTP_404, "No such file", detail, [{"parameter": "name", "detail": detail}]
        )
    key = f"{batch.id}/job/{name}"
    resp.content_type = entry["media_type"]
    resp.set_header("Content-Disposition", f'attachment; filename="{name}"')
    resp.set_header("X-Checksum-SHA256", entry["sha256"])
    resp.etag = entry["sha256"]
    resp.set_stream(service.outputs.open(key), service.outputs.size(key))


class BatchesResource:
    def __init__(self, service: BatchService, registry: Registry):
        self.service = service
        self.registry = registry

    def on_post(self, req, resp):
        client = _client(req, self.service)
        layout = req.get_param("layout")
        if not layout:
            raise bad_parameter("layout", "name the layout every record is rendered with")
        try:
            spec = batch_spec(
                self.registry,
                layout,
                params.languages(req),
                req.get_param("format") or "pdf",
                req.get_param("variant"),
                req.get_param("output"),
                req.get_param("imposition") or "n-up",
                req.get_param("shop"),
                tuple(self.service.access.shops),
            )
        except OptionError as exc:
            raise bad_parameter(exc.parameter, exc.reason) from None
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
            batch, created = self.service.submit(spec, client, key, stream, media_type)
        except RecordsError as exc:
            pointer = (f"/{exc.index}" if exc.index is not None else "") + exc.pointer
            entry = {
                "pointer": pointer,
                "detail": exc.reason,
                **({"limit": exc.limit} if exc.limit else {}),
            }
            if exc.invalid:
                status = falcon.HTTP_422
            elif "larger than the limit of" in exc.reason and exc.index is None:
                status = falcon.HTTP_413
            else:
                status = falcon.HTTP_400
            raise Problem(status, "Cannot read the records", exc.reason, [entry]) from None
        except TooManyRecords as exc:
            raise Problem(
                falcon.HTTP_413,
                "Too many records",
                f"a batch holds at most {exc.limit} records",
                [{"pointer": f"/{exc.limit}", "detail": f"at most {exc.limit} records"}],
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


class BatchResource:
    def __init__(self, service: BatchService):
        self.service = service

    def on_get(self, req, resp, batch_id):
        resp.media = self.service.status(_own_batch(req, self.service, batch_id))


class BatchRerunResource:
    def __init__(self, service: BatchService):
        self.service = service

    def on_post(self, req, resp, batch_id):
        """Re-run the failed records; ``{"records": {"<index>": <corrected data>}}`` replaces
        the data of failed records (optional)."""
        batch = _own_batch(req, self.service, batch_id)
        corrections: dict[int, str] = {}
        body = read_json(req, MAX_RERUN_BODY, optional=True)
        if body is not None:
            if not isinstance(body, dict) or not isinstance(body.get("records", {}), dict):
                raise Problem(
                    falcon.HTTP_422,
                    "Invalid request data",
                    'give {"records": {"<index>": {…}}}',
                    [
                        {
                            "pointer": "/records",
                            "detail": "an object of record index → corrected data",
                        }
                    ],
                )
            failed = {r.index for r in self.service.store.failures(batch.id, limit=batch.total)}
            for key, data in body.get("records", {}).items():
                pointer = f"/records/{key}"
                if not key.isdigit() or int(key) not in failed:
                    raise Problem(
                        falcon.HTTP_422,
                        "Invalid request data",
                        f"{key} is not a failed record of the batch",
                        [
                            {
                                "pointer": pointer,
                                "detail": "only failed records can be corrected and re-run",
                            }
                        ],
                    )
                if not isinstance(data, dict):
                    raise Problem(
                        falcon.HTTP_422,
                        "Invalid request data",
                        "a record is a JSON object",
                        [
                            {
                                "pointer": pointer,
                                "detail": "a record is a JSON object (the layout's data)",
                            }
                        ],
                    )
                corrections[int(key)] = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        try:
            queued = self.service.rerun(batch, corrections)
        except BatchRefused as exc:
            raise _refused(exc) from None
        resp.status = falcon.HTTP_202
        resp.media = {**self.service.status(self.service.store.batch(batch.id)), "requeued": queued}


class BatchFileResource:
    def __init__(self, service: BatchService):
        self.service = service

    def on_get(self, req, resp, batch_id, name):
        _send_file(resp, self.service, _own_batch(req, self.service, batch_id), name)


class PrintJobsResource:
    STATES = ("pending", "ready", "claimed", "failed", *SHOP_TRANSITIONS)

    def __init__(self, service: BatchService):
        self.service = service

    def on_get(self, req, resp):
        shop = _shop(req, self.service)
        state = req.get_param("state")
        if state is not None and state not in self.STATES:
            raise bad_parameter("state", f"one of {', '.join(self.STATES)}")
        resp.media = {"jobs": [self.service.job(b) for b in self.service.jobs(shop, state)]}


class PrintJobResource:
    def __init__(self, service: BatchService):
        self.service = service

    def on_get(self, req, resp, job_id):
        resp.media = self.service.job(_shop_job(req, self.service, job_id))


class PrintJobClaimResource:
    def __init__(self, service: BatchService):
        self.service = service

    def on_post(self, req, resp, job_id):
        batch = _shop_job(req, self.service, job_id)
        try:
            self.service.claim(batch)
        except BatchRefused as exc:
            raise _refused(exc) from None
        resp.media = self.service.job(self.service.store.batch(batch.id))


class PrintJobFileResource:
    def __init__(self, service: BatchService):
        self.service = service

    def on_get(self, req, resp, job_id, name):
        _send_file(resp, self.service, _shop_job(req, self.service, job_id), name)


class PrintJobStatusResource:
    def __init__(self, service: BatchService):
        self.service = service

    def on_post(self, req, resp, job_id):
        batch = _shop_job(req, self.service, job_id)
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
        try:
            self.service.report(batch, status, reason.strip() if isinstance(reason, str) else None)
        except BatchRefused as exc:
            raise _refused(exc) from None
        resp.media = self.service.job(self.service.store.batch(batch.id))
