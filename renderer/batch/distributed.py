"""The celery engine: chunks and packagings as Celery tasks on a Redis broker, the state in
PostgreSQL (``PgStore``), the files in object storage or a shared directory.

Only ids cross the broker (``[batch, chunk]`` or ``[batch]``). Delivery is at least once
(``acks_late``, a message of a worker that died goes back to the queue, one message at a
time per worker process); exactly one output per record comes from the store: a task first
*leases* its chunk (a new attempt number), renews the lease while it renders, and commits
the chunk's records in one transaction only if its attempt is still the chunk's. A task
whose lease is live elsewhere is a duplicate and does nothing.

The *sweeper* — one thread in every ``renderer worker``, active in the one that holds a
PostgreSQL advisory lock — enqueues again what was lost: chunks whose lease or queue wait
expired (a worker machine killed outright, a message lost with the broker) and packagings
likewise, and removes the files of cancelled batches no task holds a lease on. Packaging is
enqueued by the commit that leaves the batch no pending record. A task whose batch is
cancelled stops, removes what it wrote and purges the batch if it was the last one on it.
Every worker also runs a webhook deliverer thread (delivery.py) over the store's outbox.
"""

from __future__ import annotations

import logging
import os
import threading

import psycopg
from celery import Celery, signals

from .delivery import Deliverer
from .outputs import Outputs, open_outputs
from .pgstore import SWEEPER_LOCK, Lease, PgStore
from .retention import expire_collected, purge_cancelled
from .specs import EngineSpec
from .tasks import (
    Cancelled,
    TaskContext,
    abandoned,
    chunk_outcomes,
    discard_chunk,
    package,
)
from .work import PackageTask, chunk_keys

log = logging.getLogger(__name__)

CHUNK_TASK = "obrazci.render_chunk"
PACKAGE_TASK = "obrazci.package"
QUEUE = "obrazci"
MAX_ATTEMPTS = 3  # attempts that raised before a chunk (or a packaging) gives up
MAX_LOST = 10  # attempts started in all (workers killed, deadlines passed) before it gives up


def open_store(engine: EngineSpec) -> PgStore:
    assert engine.database_url is not None  # Settings.check requires it for this engine
    return PgStore(engine.database_url, engine.chunk_lease_s, engine.queue_wait_s)


def make_app(engine: EngineSpec) -> Celery:
    """The Celery application of the engine, with its two tasks registered."""
    app = Celery("obrazci", broker=engine.broker_url, set_as_current=False)
    app.conf.update(
        task_default_queue=QUEUE,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_acks_late=True,  # a message is acknowledged when its task has finished …
        task_reject_on_worker_lost=True,  # … and goes back to the queue if its worker process dies
        worker_prefetch_multiplier=1,  # a worker process holds one message at a time
        worker_max_tasks_per_child=engine.max_chunks_per_worker,
        worker_max_memory_per_child=engine.max_worker_rss_mib * 1024,  # KiB
        task_time_limit=engine.task_deadline_s,
        # Redis redelivers an unacknowledged message after this; a task never runs longer
        broker_transport_options={"visibility_timeout": int(engine.task_deadline_s) + 60},
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=5,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )

    @app.task(name=CHUNK_TASK, ignore_result=True)
    def chunk_task(batch: str, chunk: int) -> str:
        return render_chunk(_context(engine), batch, chunk)

    @app.task(name=PACKAGE_TASK, ignore_result=True)
    def package_task(batch: str) -> str:
        return package_batch(_context(engine), batch)

    return app


class Dispatcher:
    """Sends the tasks the store says are due: after a submit or a re-run (an API replica),
    after a commit (a worker), or when lost ones are found (the sweeper)."""

    def __init__(self, engine: EngineSpec, app: Celery | None = None):
        self.engine = engine
        self.app = app or make_app(engine)

    def enqueue(self, store: PgStore, batch_id: str | None = None, page: int = 500) -> int:
        """Send every due task (a page at a time: a batch may have thousands of chunks)."""
        total = 0
        while True:
            chunks, packages = store.due(batch_id, page)
            sent = 0
            try:
                with self.app.producer_or_acquire() as producer:
                    for batch, chunk in chunks:
                        self.app.send_task(
                            CHUNK_TASK, args=[batch, chunk], queue=QUEUE, producer=producer
                        )
                        sent += 1
                    for batch in packages:
                        self.app.send_task(
                            PACKAGE_TASK, args=[batch], queue=QUEUE, producer=producer
                        )
                        sent += 1
            except Exception:
                # what was marked but not sent is due again at the sweeper's next look
                store.undue(chunks[sent:], packages[max(0, sent - len(chunks)) :])
                raise
            total += sent
            if len(chunks) < page:
                return total

    def ping(self) -> None:
        """Raise if the broker does not answer within a few seconds."""
        with self.app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=3)
            connection.default_channel.client.ping()


# -- what runs in a worker process -------------------------------------------------------

_contexts: dict[EngineSpec, WorkerContext] = {}


class WorkerContext(TaskContext):
    store: PgStore

    def __init__(
        self, engine: EngineSpec, store: PgStore, outputs: Outputs, dispatcher: Dispatcher
    ):
        super().__init__(engine, store, outputs)
        self.dispatcher = dispatcher


def _context(engine: EngineSpec) -> WorkerContext:
    """One per worker process, made in the process (never inherited across a fork)."""
    context = _contexts.get(engine)
    if context is None:
        store = open_store(engine)
        context = _contexts[engine] = WorkerContext(
            engine,
            store,
            open_outputs(engine.outputs_url, engine.s3_endpoint_url),
            Dispatcher(engine),
        )
    return context


@signals.worker_process_init.connect
def _forget_inherited(**_) -> None:
    _contexts.clear()


class _Renewing:
    """Renews a lease every third of its length while the block runs (its own connection)."""

    def __init__(self, store: PgStore, lease: Lease):
        self.store, self.lease = store, lease
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lease", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.store.lease_s / 3):
            try:
                if not self.store.renew(self.lease):
                    log.warning(
                        "lease lost: %s (another attempt holds it, or the batch was"
                        " cancelled; this one will not commit)",
                        self.lease,
                    )
                    return
            except Exception as exc:  # noqa: BLE001 - a missed renewal is retried; the commit is fenced anyway
                log.warning("renewing %s: %s", self.lease, exc)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_):
        self._stop.set()
        self._thread.join()


def render_chunk(ctx: WorkerContext, batch_id: str, chunk: int) -> str:
    store = ctx.store
    lease = store.lease_chunk(batch_id, chunk)
    if lease is None:
        return "not due"  # done already, or rendered by the holder of a live lease
    batch = store.batch(batch_id)
    if lease.attempt > MAX_LOST:
        _give_up(
            ctx,
            lease,
            batch,
            f"rendering stopped {lease.attempt - 1} times (its worker was lost each time)",
        )
        return "given up"
    if batch is None:
        return "gone"  # deleted while its chunk waited in the queue
    pending = store.records(batch_id, chunk, state="pending")
    try:
        with _Renewing(store, lease):
            outcomes = chunk_outcomes(ctx, batch, chunk, pending)
        committed, package_now = store.commit_chunk(lease, outcomes)
    except Cancelled:
        committed = package_now = False
    except Exception as exc:
        log.exception("chunk %s/%d attempt %d", batch_id, chunk, lease.attempt)
        errors = store.release(lease, failed=True)
        if errors >= MAX_ATTEMPTS:
            _give_up(
                ctx, lease, batch, f"rendering stopped {errors} times ({type(exc).__name__}: {exc})"
            )
            return "given up"
        ctx.dispatcher.enqueue(store, batch_id)
        return "failed"
    if not committed and abandoned(store, batch_id):
        # cancelled: no other attempt will write these keys again
        discard_chunk(ctx, batch, chunk, pending)
        store.release(lease, failed=False)
        purge_cancelled(store, ctx.outputs, batch_id=batch_id)
        return "cancelled"
    if not committed:
        log.warning(
            "chunk %s/%d attempt %d: a later attempt holds the chunk; nothing committed",
            batch_id,
            chunk,
            lease.attempt,
        )
        return "stale"
    if package_now:
        ctx.dispatcher.enqueue(store, batch_id)
    return "done"


def _give_up(ctx: WorkerContext, lease: Lease, batch, reason: str) -> None:
    """The chunk's pending records fail; files an attempt wrote but never committed go."""
    assert lease.chunk is not None  # a chunk's lease
    pending = ctx.store.records(lease.batch, lease.chunk, state="pending")
    keys = chunk_keys(batch, lease.chunk, [r.index for r in pending]) if batch is not None else []
    package_now = ctx.store.fail_chunk(lease.batch, lease.chunk, reason)
    for key in keys:
        ctx.outputs.delete(key)
    if package_now:
        ctx.dispatcher.enqueue(ctx.store, lease.batch)


def package_batch(ctx: WorkerContext, batch_id: str) -> str:
    store = ctx.store
    lease = store.lease_package(batch_id)
    if lease is None:
        return "not due"
    if lease.attempt > MAX_LOST:
        store.finish_batch(
            batch_id, "failed", None, f"packaging failed: it stopped {lease.attempt - 1} times"
        )
        return "given up"
    try:
        with _Renewing(store, lease):
            package(ctx, PackageTask(batch_id))
        if abandoned(store, batch_id):  # cancelled meanwhile: package() removed its files
            store.release_package(lease)
            purge_cancelled(store, ctx.outputs, batch_id=batch_id)
            return "cancelled"
    except Exception as exc:
        log.exception("packaging %s attempt %d", batch_id, lease.attempt)
        if store.release_package(lease) >= MAX_ATTEMPTS:
            store.finish_batch(
                batch_id, "failed", None, f"packaging failed: {type(exc).__name__}: {exc}"
            )
            return "given up"
        ctx.dispatcher.enqueue(store, batch_id)
        return "failed"
    return "done"


# -- the sweeper -------------------------------------------------------------------------


class Sweeper:
    """Every ``sweep_interval_s``: if this process holds (or can take) the sweeper lock,
    enqueue what is due again and drop submits abandoned mid-upload. The lock is a
    session advisory lock: it goes with the process that held it, and another takes over."""

    def __init__(self, engine: EngineSpec, dispatcher: Dispatcher):
        self.engine = engine
        self.dispatcher = dispatcher
        self.store = open_store(engine)
        self.outputs = open_outputs(engine.outputs_url, engine.s3_endpoint_url)
        self._lock_db: psycopg.Connection | None = None
        self._held = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def holds_lock(self) -> bool:
        db = self._lock_db
        if self._held and db is not None:
            try:
                db.execute("SELECT 1")  # the session (and with it the lock) still lives
            except psycopg.Error:
                self._held = False
        if db is None or db.closed or db.broken:
            if db is not None:
                db.close()
            assert self.engine.database_url is not None
            db = self._lock_db = psycopg.connect(
                self.engine.database_url, autocommit=True, connect_timeout=10
            )
            self._held = False
        if not self._held:
            row = db.execute("SELECT pg_try_advisory_lock(%s)", (SWEEPER_LOCK,)).fetchone()
            self._held = bool(row and row[0])
        return self._held

    def sweep(self) -> int:
        if not self.holds_lock():
            return 0
        self.store.sweep_abandoned()
        expire_collected(self.store, self.outputs, self.engine.retention_s)
        purge_cancelled(self.store, self.outputs)
        return self.dispatcher.enqueue(self.store)

    def _run(self) -> None:
        while not self._stop.wait(self.engine.sweep_interval_s):
            try:
                sent = self.sweep()
                if sent:
                    log.info("sweeper: %d tasks enqueued", sent)
            except Exception as exc:  # noqa: BLE001 - the sweeper outlives a database or broker outage
                log.warning(
                    "sweeper: %s: %s", type(exc).__name__, exc
                )  # a broken lock session is replaced

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sweeper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._lock_db is not None:
            try:
                self._lock_db.execute(
                    "SELECT pg_advisory_unlock_all()"
                )  # now, not when the session has ended
            except Exception:  # noqa: BLE001 - closing the session releases it too
                pass
            self._lock_db.close()


def run_worker(engine: EngineSpec, concurrency: int | None = None, loglevel: str = "INFO") -> None:
    """`renderer worker`: a prefork Celery worker (one process per core unless told), and
    the sweeper's and the webhook deliverer's threads beside its pool."""
    app = make_app(engine)
    sweeper = Sweeper(engine, Dispatcher(engine, app))
    deliverer = Deliverer.configured(open_store(engine), engine.webhooks)
    stop_delivering = threading.Event()

    @signals.worker_ready.connect(weak=False)
    def _started(**_):
        sweeper.start()
        if deliverer is not None:
            deliverer.start(stop_delivering)

    @signals.worker_shutdown.connect(weak=False)
    def _stopping(**_):
        sweeper.stop()
        stop_delivering.set()

    app.worker_main(
        [
            "worker",
            "--pool=prefork",
            f"--concurrency={concurrency or engine.workers}",
            f"--queues={QUEUE}",
            f"--loglevel={loglevel}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname=obrazci-{os.getpid()}@%h",
        ]
    )
