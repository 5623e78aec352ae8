"""The two tasks of the batch engine. Each is named by ids only (``ChunkTask``,
``PackageTask``), reads what it needs from the store, writes its files to the outputs and
its results to the store in one transaction — so it may run twice (after a crash, or on
two machines) and the result is the same: one output per record, never two.
"""

from __future__ import annotations

import io
import json
import logging
import time
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cached_property, partial
from itertools import islice
from typing import TYPE_CHECKING

import pikepdf

from ..finish import DocumentInfo, FinishOptions, finish
from ..options import FORMATS, OptionError, RenderOptions
from ..pipeline import Pipeline
from ..press.impose import Imposition, impose
from ..press.imprint import EnvelopeImprint, envelope_sizes, sized
from ..press.printready import PrintReady
from ..validation import InvalidRequest
from ..warmcache import WarmCache
from .outputs import Outputs
from .specs import BatchSpec, EngineSpec
from .store import RUNNING, Batch, Outcome, Record, Store, record_id
from .work import ChunkTask, PackageTask, Task, chunk_keys, imprint_key, record_key

if TYPE_CHECKING:
    from .pgstore import PgStore

log = logging.getLogger(__name__)


CANCEL_CHECK_S = 0.5  # a running chunk asks the store whether its batch is still wanted this often


class Cancelled(Exception):
    """The batch of a running task was cancelled (or deleted): the task stops."""


class TaskContext:
    """What a worker keeps between tasks: the store, the outputs and one warm pipeline."""

    def __init__(self, engine: EngineSpec, store: Store | PgStore, outputs: Outputs):
        self.engine = engine
        self.store = store
        self.outputs = outputs
        self._imprints: dict[tuple[str, tuple[str, ...], str], EnvelopeImprint] = {}
        self._asked = 0.0  # when the store was last asked (monotonic)

    def stop_if_cancelled(self, batch_id: str) -> None:
        """Raise Cancelled if the batch was cancelled or deleted (asked every half second at
        most, so that a chunk stops soon after a cancel without a query per record)."""
        if time.monotonic() - self._asked < CANCEL_CHECK_S:
            return
        self._asked = time.monotonic()
        if abandoned(self.store, batch_id):
            raise Cancelled(batch_id)

    @cached_property
    def pipeline(self) -> Pipeline:
        # the layers the service's workers (or earlier batch workers) drew, read back
        return Pipeline(warm_cache=WarmCache(self.engine.data_dir / "cache"))

    def imprint(
        self, layout_id: str, languages: tuple[str, ...], envelope_size: str = "C5"
    ) -> EnvelopeImprint:
        """The envelope's imprint drawer for a language set and size, prepared once per
        worker, with the layout's bleed: the boxes of the pre-print shell, so the two print
        in register."""
        key = (layout_id, languages, envelope_size)
        drawer = self._imprints.get(key)
        if drawer is None:
            drawer = self._imprints[key] = EnvelopeImprint(
                self.pipeline,
                languages,
                self.pipeline.layout(layout_id).bleed_mm,
                envelope_size=envelope_size,
                layout_id=layout_id,
            )
        return drawer

    def run(self, task: Task) -> None:
        if isinstance(task, ChunkTask):
            render_chunk(self, task)
        else:
            package(self, task)


def _body(batch: Batch, record: Record) -> dict:
    """A record as a render request; its documents are dated the day the batch was made, so a
    record rendered again (a rerun, a retried chunk) gives the same bytes."""
    day = datetime.fromtimestamp(batch.created, UTC).date().isoformat()
    return {
        "languages": list(batch.spec.languages),
        "document_date": day,
        "data": json.loads(record.data),
    }


def _errors(exc: Exception) -> list[dict]:
    if isinstance(exc, InvalidRequest):
        return [{"pointer": e.pointer, "detail": e.reason} for e in exc.errors]
    if isinstance(exc, OptionError):
        return [{"parameter": exc.parameter, "detail": exc.reason}]
    return [{"pointer": "", "detail": "the record could not be rendered (internal error, logged)"}]


def abandoned(store: Store | PgStore, batch_id: str) -> bool:
    """The batch was cancelled or deleted: what its tasks wrote is to go, not to be kept."""
    batch = store.batch(batch_id)
    return batch is None or batch.state == "cancelled"


def render_chunk(ctx: TaskContext, task: ChunkTask) -> None:
    """The embedded engine's chunk task (the celery engine commits through leases). A chunk
    whose batch was cancelled while it rendered commits nothing and removes its files."""
    store = ctx.store
    assert isinstance(store, Store)
    batch = store.batch(task.batch)
    if batch is None or batch.state not in RUNNING:
        return
    pending = store.records(batch.id, task.chunk, state="pending")
    try:
        if store.finish_chunk(
            batch.id, task.chunk, chunk_outcomes(ctx, batch, task.chunk, pending)
        ):
            return
    except Cancelled:
        pass
    discard_chunk(ctx, batch, task.chunk, pending)


def chunk_outcomes(
    ctx: TaskContext, batch: Batch, chunk: int, pending: list[Record]
) -> list[Outcome]:
    """Render the chunk's pending records (their files written, nothing committed); raises
    Cancelled if the batch is cancelled meanwhile."""
    if batch.spec.output == "layers":
        return _imprint_chunk(ctx, batch, chunk, pending)
    outcomes = []
    for record in pending:
        ctx.stop_if_cancelled(batch.id)
        outcomes.append(_render_record(ctx, batch, record))
    return outcomes


def discard_chunk(ctx: TaskContext, batch: Batch, chunk: int, records: list[Record]) -> None:
    """Remove the files an attempt at the chunk wrote for these records and never committed."""
    for key in chunk_keys(batch, chunk, [r.index for r in records]):
        ctx.outputs.delete(key)


def _render_record(ctx: TaskContext, batch: Batch, record: Record) -> Outcome:
    spec = batch.spec
    try:
        rendered = ctx.pipeline.render(
            spec.layout, _body(batch, record), RenderOptions(spec.format, variant=spec.variant)
        )
    except (InvalidRequest, OptionError) as exc:
        return Outcome(record.index, errors=_errors(exc))
    except Exception as exc:  # a bad record never stops the batch
        log.exception("batch %s record %d", batch.id, record.index)
        return Outcome(record.index, errors=_errors(exc))
    key = record_key(batch.id, record.index)
    return Outcome(record.index, key, 1, rendered.pages, ctx.outputs.put(key, rendered.content))


def _layers(ctx: TaskContext, spec: BatchSpec) -> tuple[str, str]:
    """(proof, pre-print) variants of a layered layout."""
    layout = ctx.pipeline.layout(spec.layout)
    proof, (shell, _) = next(iter(layout.composite.items()))
    return proof, shell


def envelope_size(ctx: TaskContext, batch: Batch) -> str:
    """The one envelope size a layers batch prints (its pre-print shell is one per batch):
    its first record's ``envelope_size`` (C5 when it names none); a record asking for the
    other size is refused by the imprint, naming the field."""
    first = next(iter(ctx.store.iter_records(batch.id, batch_size=1)), None)
    try:
        size = json.loads(first.data).get("envelope_size", "C5") if first else "C5"
    except (ValueError, AttributeError):  # not a JSON object: that record fails on its own
        size = "C5"
    return size if size in envelope_sizes(ctx.pipeline.layout(batch.spec.layout)) else "C5"


def _imprint_chunk(
    ctx: TaskContext, batch: Batch, chunk: int, records: list[Record]
) -> list[Outcome]:
    """The variable imprint of a chunk, drawn directly (no layout per record): one page per
    record, in one file."""
    spec = batch.spec
    imprint = ctx.imprint(spec.layout, spec.languages, envelope_size(ctx, batch))
    key = imprint_key(batch.id, chunk)
    accepted, outcomes = [], []
    for record in records:
        ctx.stop_if_cancelled(batch.id)
        try:
            request = ctx.pipeline.validate(ctx.pipeline.layout(spec.layout), _body(batch, record))
            errors = imprint.check(request)
        except Exception as exc:
            if not isinstance(exc, InvalidRequest):
                log.exception("batch %s record %d", batch.id, record.index)
            outcomes.append(Outcome(record.index, errors=_errors(exc)))
            continue
        if errors:
            outcomes.append(Outcome(record.index, errors=_errors(InvalidRequest(errors))))
        else:
            accepted.append((record.index, request))
    if accepted:
        sha = ctx.outputs.put(key, imprint.write([request for _, request in accepted]))
        outcomes += [
            Outcome(index, key, page, 1, sha) for page, (index, _) in enumerate(accepted, start=1)
        ]
    return outcomes


# -- packaging -----------------------------------------------------------------------


def package(ctx: TaskContext, task: PackageTask) -> None:
    """Make the job's files from the rendered records, then the manifest, then mark the
    batch finished. Every file is written atomically; running it again rewrites them. If the
    batch was cancelled (or deleted) meanwhile, the files it wrote go."""
    store, outputs = ctx.store, ctx.outputs
    batch = store.batch(task.batch)
    if batch is None or batch.state != "rendering":
        return
    counts = store.counts(batch.id)
    if counts["done"] == 0:
        store.finish_batch(
            batch.id, "failed", None, "no record could be rendered; see the failures"
        )
        return
    job = f"{batch.id}/job"
    entries: dict[int, dict] = {}
    files = {"files": _zip_records, "merged": _merged, "imposed": _imposed, "layers": _layer_files}[
        batch.spec.output
    ](ctx, batch, job, entries)
    manifest = _manifest(store, batch, counts, files, entries)
    text = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
    files.append(
        {
            "name": "manifest.json",
            "sha256": outputs.put(f"{job}/manifest.json", text),
            "bytes": len(text),
            "media_type": "application/json",
        }
    )
    state = "completed-with-errors" if counts["failed"] else "ready"
    if not store.finish_batch(batch.id, state, files) and abandoned(store, batch.id):
        outputs.delete_all(job)


def _file_entry(
    ctx: TaskContext, job: str, name: str, media_type: str, pages: int | None = None
) -> dict:
    """A job file as the manifest lists it; the checksum is read back from what was stored."""
    key = f"{job}/{name}"
    entry = {
        "name": name,
        "sha256": ctx.outputs.sha256(key),
        "bytes": ctx.outputs.size(key),
        "media_type": media_type,
    }
    if pages is not None:
        entry["pages"] = pages
    return entry


def _done(ctx: TaskContext, batch: Batch):
    return (r for r in ctx.store.iter_records(batch.id) if r.state == "done")


def _zip_records(ctx: TaskContext, batch: Batch, job: str, entries: dict[int, dict]) -> list[dict]:
    """One PDF per record in a ZIP (stored: PDFs are compressed already)."""
    stamp = time.gmtime(batch.created)[:6]
    with ctx.outputs.writer(f"{job}/records.zip") as fh:
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as archive:
            for record in _done(ctx, batch):
                member = zipfile.ZipInfo(f"{record_id(batch.id, record.index)}.pdf", stamp)
                with ctx.outputs.open(record.file) as source, archive.open(member, "w") as target:
                    for block in iter(lambda: source.read(1 << 20), b""):
                        target.write(block)
                entries[record.index] = {
                    "file": "records.zip",
                    "member": member.filename,
                    "page": 1,
                    "pages": record.pages,
                    "sha256": record.sha256,
                }
    return [_file_entry(ctx, job, "records.zip", "application/zip")]


def _merge(ctx: TaskContext, records, sink) -> tuple[int, list[tuple[int, int, int]]]:
    """Write all records' pages as one PDF to ``sink``; returns its page count and
    (record, first page, pages) for each record. The source files stay open until the
    merged file is saved (pikepdf copies their streams lazily)."""
    merged = pikepdf.new()
    spans = []
    sources: dict[str, pikepdf.Pdf] = {}
    for record in records:
        source = sources.get(record.file)
        if source is None:
            with ctx.outputs.open(record.file) as fh:
                source = sources[record.file] = pikepdf.open(io.BytesIO(fh.read()))
        first = len(merged.pages) + 1
        start = (record.page or 1) - 1
        merged.pages.extend(source.pages[start : start + (record.pages or 1)])
        spans.append((record.index, first, len(merged.pages) - first + 1))
    merged.save(sink, deterministic_id=True)
    return len(merged.pages), spans


def _merged(
    ctx: TaskContext,
    batch: Batch,
    job: str,
    entries: dict[int, dict],
    name: str = "merged.pdf",
    finishing: Callable[[bytes], bytes] | None = None,
) -> list[dict]:
    """The records' pages in one file; ``finishing`` (if given) makes the merged bytes
    into the delivered ones (e.g. PDF/X-4)."""
    with ctx.outputs.writer(f"{job}/{name}") as fh:
        if finishing is None:
            pages, spans = _merge(ctx, _done(ctx, batch), fh)
        else:
            merged = io.BytesIO()
            pages, spans = _merge(ctx, _done(ctx, batch), merged)
            fh.write(finishing(merged.getvalue()))
    for index, first, count in spans:
        entries[index] = {"file": name, "page": first, "pages": count}
    return [_file_entry(ctx, job, name, "application/pdf", pages)]


def _imposed(ctx: TaskContext, batch: Batch, job: str, entries: dict[int, dict]) -> list[dict]:
    """The records' pages imposed on SRA3 sheets (``impose``: n-up or cut-and-stack, crop
    marks, a slug line with the batch id, the sheet and the indexes of its records)."""
    merged = io.BytesIO()
    _, spans = _merge(ctx, _done(ctx, batch), merged)
    page_records = [index for index, _, count in spans for _ in range(count)]
    imposed = impose(
        merged.getvalue(), Imposition(mode=batch.spec.imposition), batch.id, page_records
    )
    with ctx.outputs.writer(f"{job}/imposed.pdf") as fh:
        fh.write(imposed.pdf)
    for placement in imposed.placements:
        entry = entries.setdefault(
            page_records[placement.page], {"file": "imposed.pdf", "placements": []}
        )
        entry["placements"].append(
            {
                "sheet": placement.sheet + 1,
                "slot": placement.slot,
                "x_mm": placement.x_mm,
                "y_mm": placement.y_mm,
                "rotated": placement.rotated,
            }
        )
    return [_file_entry(ctx, job, "imposed.pdf", "application/pdf", imposed.sheets)]


def _layer_files(ctx: TaskContext, batch: Batch, job: str, entries: dict[int, dict]) -> list[dict]:
    """The pre-print shell once, the imprint (a page per record, in order) and a proof of
    the first records (shell and imprint together, as the envelope will look)."""
    spec = batch.spec
    proof, shell = _layers(ctx, spec)
    pipeline = ctx.pipeline
    layout = pipeline.layout(spec.layout)
    body = layout.sample(spec.languages)
    body["data"].update(sized(layout, envelope_size(ctx, batch)))  # the shell of the batch's size
    shell_pdf = pipeline.render(
        spec.layout, body, RenderOptions(spec.format, variant=shell)
    ).content
    ctx.outputs.put(f"{job}/preprint.pdf", shell_pdf)
    files = [
        _file_entry(
            ctx,
            job,
            "preprint.pdf",
            "application/pdf",
            len(pikepdf.open(io.BytesIO(shell_pdf)).pages),
        )
    ]
    finishing: Callable[[bytes], bytes] | None = None
    if spec.format != "pdf":  # the imprint as the same kind of file as the shell (PDF/X-4)
        title = " / ".join(layout.titles[lang] for lang in spec.languages)
        info = DocumentInfo(title, spec.languages, datetime.fromtimestamp(batch.created, UTC))
        options = FinishOptions(
            info=info, output=FORMATS[spec.format], press=PrintReady(layout.bleed_mm, press=True)
        )
        finishing = partial(finish, options=options)
    files += _merged(ctx, batch, job, entries, "imprint.pdf", finishing)
    proofs = pikepdf.new()
    sources = []
    for record in list(
        islice(_done(ctx, batch), ctx.engine.proof_records)
    ):  # a proof to look at: screen PDF
        rendered = pipeline.render(
            spec.layout, _body(batch, record), RenderOptions("pdf", variant=proof)
        )
        sources.append(pikepdf.open(io.BytesIO(rendered.content)))
        proofs.pages.extend(sources[-1].pages)
    with ctx.outputs.writer(f"{job}/proof.pdf") as fh:
        proofs.save(fh, deterministic_id=True)
    files.append(_file_entry(ctx, job, "proof.pdf", "application/pdf", len(proofs.pages)))
    return files


def _manifest(
    store: Store | PgStore,
    batch: Batch,
    counts: dict,
    files: list[dict],
    entries: dict[int, dict],
) -> dict:
    records = []
    for record in store.iter_records(batch.id):
        entry = {
            "index": record.index,
            "id": record_id(batch.id, record.index),
            "state": record.state,
        }
        if record.state == "done":
            entry.update(entries[record.index])
        else:
            entry["errors"] = record.errors
        records.append(entry)
    return {
        "batch": batch.id,
        "spec": batch.spec.as_json(),
        "counts": {"total": batch.total, "done": counts["done"], "failed": counts["failed"]},
        "files": files,
        "records": records,
    }
