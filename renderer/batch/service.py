"""What the HTTP resources and the CLI do with batches: submit, report, cancel, re-run,
hand out files, and the print shops' claims and status reports. No rendering happens here
(that is the runner's), nor any webhook delivery (the deliverer's); a request only reads
and writes the store."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from ..options import OptionError, RenderOptions
from ..pipeline import Pipeline
from ..registry import Registry
from .outputs import LocalOutputs, Outputs, open_outputs
from .records import RecordReader
from .retention import purge_cancelled
from .specs import Access, BatchSpec, EngineSpec
from .store import FINISHED, Batch, Claimed, Store, record_id
from .webhooks import shown

if TYPE_CHECKING:
    from .pgstore import PgStore

log = logging.getLogger(__name__)

#: The order of a print shop's reports: a status may follow only those listed for it.
SHOP_TRANSITIONS = {
    "accepted": (None, "rejected"),
    "printed": ("accepted",),
    "shipped": ("printed",),
    "rejected": (None, "accepted"),
}


class BatchRefused(Exception):
    """A request the batch service cannot do now (HTTP 409), with the reason."""


def batch_spec(
    registry: Registry,
    layout_id: str,
    languages: tuple[str, ...],
    format: str = "pdf",
    variant: str | None = None,
    output: str | None = None,
    imposition: str = "n-up",
    shop: str | None = None,
    shops: tuple[str, ...] = (),
) -> BatchSpec:
    """A checked spec: the layout exists and can be batched, the variant and output fit it."""
    if layout_id not in registry:
        raise OptionError("layout", f"no layout {layout_id!r}")
    layout = registry.get(layout_id)
    if layout.upload or layout.attachment:
        raise OptionError(
            "layout", f"{layout_id} needs an uploaded file per document; it cannot be batched"
        )
    output = output or ("layers" if layout.imprint else "files")
    spec = BatchSpec(layout_id, languages, format, variant, output, imposition, shop)
    if output == "layers":
        if layout.imprint is None:  # no [imprint] in its layout.toml
            raise OptionError(
                "output", f"{layout_id} has no pre-printed layer; use files, merged or imposed"
            )
        if variant is not None:
            raise OptionError(
                "variant",
                "output=layers delivers the pre-print, the imprint and a proof; give no variant",
            )
        if format not in ("pdf", "pdfx-4"):
            raise OptionError(
                "format", "output=layers is pdf or pdfx-4 (the shell carries spot colours)"
            )
    else:
        Pipeline.variant(layout, RenderOptions(format, variant=variant))
    if shop is not None and shop not in shops:
        raise OptionError("shop", f"no print shop {shop!r} is configured")
    return spec


@dataclass
class BatchService:
    engine: EngineSpec
    access: Access

    def __post_init__(self) -> None:
        self.dispatcher = None  # the celery engine's: sends what a submit or a re-run makes due
        self.store: Store | PgStore
        self.outputs: Outputs
        if self.engine.kind == "celery":
            from .distributed import Dispatcher, open_store

            self.store = open_store(self.engine)
            self.outputs = open_outputs(self.engine.outputs_url, self.engine.s3_endpoint_url)
            self.dispatcher = Dispatcher(self.engine)
        else:
            self.store = Store(self.engine.database)
            self.outputs = LocalOutputs(self.engine.outputs)

    def _dispatch(self, batch_id: str) -> None:
        """Enqueue the batch's tasks now; if the broker fails, the sweeper does it later."""
        if self.dispatcher is None or isinstance(self.store, Store):
            return  # the embedded engine: its runner polls the store
        try:
            self.dispatcher.enqueue(self.store, batch_id)
        except Exception as exc:  # noqa: BLE001 - the batch is stored; it is not lost with the message
            log.warning(
                "batch %s stored; enqueuing its tasks failed (%s: %s); the sweeper enqueues them",
                batch_id,
                type(exc).__name__,
                exc,
            )

    def submit(
        self,
        spec: BatchSpec,
        client: str,
        idempotency_key: str | None,
        stream: BinaryIO,
        media_type: str,
        callback_url: str | None = None,
    ) -> tuple[Batch, bool]:
        """Store the batch; ``callback_url`` (checked by the caller against the allowed
        hosts) is told when it finishes, and its print shop's configured callback when the
        job is ready. The callback is part of the request an idempotency key stands for."""
        reader = RecordReader(
            stream, media_type, self.engine.max_record_bytes, self.engine.max_body_bytes
        )
        asked = spec.as_json() | ({"callback_url": callback_url} if callback_url else {})
        spec_text = json.dumps(asked, sort_keys=True)
        shop_callback = self.access.shop_callbacks.get(spec.shop) if spec.shop else None

        def fingerprint() -> str:
            return hashlib.sha256(f"{spec_text}\n{reader.digest}".encode()).hexdigest()

        batch, created = self.store.submit(
            spec,
            client,
            idempotency_key,
            reader,
            fingerprint,
            self.engine.chunk_size,
            self.engine.max_records,
            (callback_url, shop_callback),
        )
        if created:
            self._dispatch(batch.id)
        return batch, created

    def status(self, batch: Batch, base_url: str = "") -> dict:
        counts = self.store.counts(batch.id)
        finished = counts["done"] + counts["failed"]
        failures = self.store.failures(batch.id, limit=1000)
        report = {
            "id": batch.id,
            "url": f"{base_url}/v1/batches/{batch.id}",
            "state": batch.state,
            **batch.spec.as_json(),
            "created": _iso(batch.created),
            "updated": _iso(batch.updated),
            "counts": {"total": batch.total, **counts},
            "progress": round(finished / batch.total, 4) if batch.total else 1.0,
            "failures": [
                {"index": r.index, "id": record_id(batch.id, r.index), "errors": r.errors}
                for r in failures
            ],
        }
        if counts["failed"] > len(failures):
            report["failures_truncated"] = True
        if batch.error:
            report["error"] = batch.error
        if batch.files:
            report["files"] = [
                {**f, "url": f"{base_url}/v1/batches/{batch.id}/files/{f['name']}"}
                for f in batch.files
            ]
        if batch.callback_url:
            report["callback_url"] = batch.callback_url
            report["deliveries"] = [shown(d) for d in self.store.deliveries(batch.id, "client")]
        return report

    def listing(self, batch: Batch, base_url: str = "") -> dict:
        """One line of a client's list of batches (no per-batch queries)."""
        return {
            "id": batch.id,
            "url": f"{base_url}/v1/batches/{batch.id}",
            "state": batch.state,
            **batch.spec.as_json(),
            "total": batch.total,
            "created": _iso(batch.created),
            "updated": _iso(batch.updated),
        }

    def delete(self, batch: Batch) -> None:
        """Remove a finished (or cancelled) batch with every file it made. A batch for a
        print shop goes only once the shop has collected it, shipped it or rejected it."""
        if batch.state not in FINISHED:
            raise BatchRefused(f"the batch is {batch.state}; delete it once it has finished")
        handed_over = batch.state == "collected" or batch.shop_status in ("shipped", "rejected")
        if batch.spec.shop and not (handed_over or batch.state == "cancelled"):
            raise BatchRefused(
                f"the job is for {batch.spec.shop}, which has not collected it yet"
                f" ({self.job_state(batch)})"
            )
        self.outputs.delete_all(batch.id)
        self.store.delete(batch.id)

    def cancel(self, batch: Batch) -> Batch:
        """Cancel a queued or rendering batch: what is not rendered yet never is, chunks in
        flight stop and commit nothing, and every file of the batch is removed once no task
        works on it (at once on the celery engine when none holds a lease; else by the task
        that stops last, the runner or the sweeper). Cancelling again changes nothing; a
        finished batch is refused. Returns the batch as it is now."""
        state = self.store.cancel(batch.id)
        if state != "cancelled":
            raise BatchRefused(
                f"the batch is {state or 'deleted'}; only a queued or rendering batch can be"
                " cancelled"
            )
        if self.dispatcher is not None:
            purge_cancelled(self.store, self.outputs, batch_id=batch.id)
        return self.store.batch(batch.id) or batch

    def rerun(self, batch: Batch, corrections: dict[int, str]) -> int:
        if batch.state == "cancelled":
            raise BatchRefused("the batch was cancelled; submit its records as a new batch")
        if batch.state not in FINISHED:
            raise BatchRefused(
                f"the batch is {batch.state}; re-run its failed records once it has finished"
            )
        if batch.shop_status in ("accepted", "printed", "shipped"):
            raise BatchRefused(
                f"the print shop has {batch.shop_status} the job; submit the failed records as a"
                " new batch"
            )
        failed = {r.index for r in self.store.failures(batch.id, limit=batch.total)}
        if not failed:
            raise BatchRefused("the batch has no failed records to re-run")
        try:
            queued = self.store.rerun(batch.id, corrections, self.engine.chunk_size)
        except Claimed as exc:
            raise BatchRefused(
                f"a print shop has claimed the job until {_iso(exc.until)}; "
                "re-run its failed records once the claim has ended"
            ) from None
        if queued:
            self._dispatch(batch.id)
        return queued

    def file(self, batch: Batch, name: str) -> dict | None:
        return next((f for f in batch.files or () if f["name"] == name), None)

    # -- print shops -----------------------------------------------------------------

    def job_state(self, batch: Batch, now: float | None = None) -> str:
        """A print job's state: pending (not rendered yet), ready, claimed (a live lease),
        or the shop's last report (accepted, printed, shipped, rejected); failed if nothing
        could be rendered."""
        if batch.shop_status:
            return batch.shop_status
        if batch.state == "failed":
            return "failed"
        if batch.state not in FINISHED:
            return "pending"
        if batch.claimed_until and batch.claimed_until > (now or time.time()):
            return "claimed"
        return "ready"

    def jobs(self, shop: str, state: str | None) -> list[Batch]:
        now = time.time()
        return [
            b
            for b in self.store.batches_for_shop(shop)
            if state is None or self.job_state(b, now) == state
        ]

    def job(self, batch: Batch, base_url: str = "") -> dict:
        counts = self.store.counts(batch.id)
        job: dict[str, object] = {
            "id": batch.id,
            "url": f"{base_url}/v1/print-jobs/{batch.id}",
            "state": self.job_state(batch),
            "layout": batch.spec.layout,
            "languages": list(batch.spec.languages),
            "format": batch.spec.format,
            "output": batch.spec.output,
            "counts": {"total": batch.total, "done": counts["done"], "failed": counts["failed"]},
            "created": _iso(batch.created),
        }
        if batch.claimed_until:
            job["claimed_until"] = _iso(batch.claimed_until)
        if batch.shop_reason:
            job["reason"] = batch.shop_reason
        if batch.files:
            job["files"] = [
                {**f, "url": f"{base_url}/v1/print-jobs/{batch.id}/files/{f['name']}"}
                for f in batch.files
            ]
        if batch.shop_callback_url:
            job["deliveries"] = [shown(d) for d in self.store.deliveries(batch.id, "shop")]
        return job

    def claim(self, batch: Batch) -> float:
        state = self.job_state(batch)
        if state in ("pending", "failed"):
            raise BatchRefused(f"the job is {state}; only a rendered job can be claimed")
        return self.store.claim(batch.id, self.engine.lease_s)

    def report(self, batch: Batch, status: str, reason: str | None) -> None:
        if batch.state not in FINISHED or batch.state == "failed":
            raise BatchRefused(f"the job is {self.job_state(batch)}; report on a rendered job")
        allowed = SHOP_TRANSITIONS[status]
        if batch.shop_status not in allowed:
            raise BatchRefused(
                f"{status!r} cannot follow {batch.shop_status or 'no report'}"
                f" (it follows {' or '.join(a or 'no report' for a in allowed)})"
            )
        self.store.set_shop_status(batch.id, status, reason)


def _iso(moment: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))
