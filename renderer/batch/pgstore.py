"""Batch state in PostgreSQL, for the celery engine: the same methods as the SQLite ``Store``
(so the service, the packaging and the metrics use either), plus the leases that make
at-least-once delivery give exactly one output per record.

A chunk is *enqueued* (``lease_until`` = when the message counts as lost), then *leased* by
the worker that runs it (``attempt`` + 1, ``lease_until`` renewed while it runs). Only the
current attempt may commit: a stale attempt (its lease expired, the chunk given to another)
commits nothing. Packaging is claimed in the transaction of the chunk that finished the
batch's last pending record, so it is enqueued once.

The schema is versioned by plain SQL files in ``migrations/``, applied in order by
``migrate()`` under an advisory lock; a database whose schema is newer than those files is
refused (``SchemaTooNew``).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Any

import psycopg
from psycopg.rows import DictRow, dict_row

from .specs import BatchSpec
from .store import (
    RUNNING,
    Batch,
    Conflict,
    NoRecords,
    Outcome,
    Record,
    TooManyRecords,
    _record,
    _Repeat,
    client_batches_query,
)
from .webhooks import Delivery, finish_events

MIGRATION_LOCK = 0x6F62_7261_7A63  # pg_advisory_lock key of the migrations ("obrazc")
SWEEPER_LOCK = MIGRATION_LOCK + 1  # … and of the one sweeper among the workers
STAGE_ROWS = 1000  # a streamed submit is written in transactions of this many records (or a second)


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer version of the service."""


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, SQL) of every migration this version knows, in order."""
    found = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.name, entry.read_text()))
    return sorted(found)


def _first(cursor: psycopg.Cursor[Any]) -> Any:
    """The row of a query that always returns one (an aggregate)."""
    row = cursor.fetchone()
    assert row is not None
    return row


def known_version() -> int:
    return migrations()[-1][0]


def migrate(url: str) -> tuple[int, int]:
    """Apply the migrations not applied yet, each in its own transaction, holding the
    migration lock (replicas starting together wait for each other). Returns (version
    before, version after); raises SchemaTooNew if the database is ahead of this code."""
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
        try:
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                " name TEXT NOT NULL, applied DOUBLE PRECISION NOT NULL)"
            )
            before = _first(db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))[
                0
            ]
            if before > known_version():
                raise SchemaTooNew(
                    f"the batch database is at schema version {before}; this version of obrazci "
                    f"knows up to {known_version()} (upgrade obrazci, never downgrade a database)"
                )
            for version, name, sql in migrations():
                if version > before:
                    with db.transaction():
                        db.execute(sql)
                        db.execute(
                            "INSERT INTO schema_migrations VALUES (%s, %s, %s)",
                            (version, name, time.time()),
                        )
            return before, max(before, known_version())
        finally:
            db.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))


@dataclass(frozen=True)
class Lease:
    """A worker's hold on a chunk (``chunk`` set) or on a batch's packaging."""

    batch: str
    chunk: int | None
    attempt: int


class PgStore:
    def __init__(self, url: str, lease_s: float = 30.0, queue_wait_s: float = 600.0):
        """``lease_s``: how long a worker's lease lasts unless renewed; ``queue_wait_s``: how
        long an enqueued task may wait for a worker before the sweeper enqueues it again."""
        self.url = url
        self.lease_s = lease_s
        self.queue_wait_s = queue_wait_s
        self._local = threading.local()

    def _connection(self) -> psycopg.Connection[DictRow]:
        db = getattr(self._local, "db", None)
        if db is None or db.closed or db.broken:
            db = psycopg.connect(
                self.url, autocommit=True, row_factory=dict_row, connect_timeout=10
            )
            self._local.db = db
        return db

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection[DictRow]]:
        db = self._connection()
        with db.transaction():
            yield db

    def read(self) -> psycopg.Connection[DictRow]:
        return self._connection()

    def ping(self) -> None:
        self.read().execute("SELECT 1 FROM batches LIMIT 1").fetchall()

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # -- submitting ------------------------------------------------------------------

    def submit(
        self,
        spec: BatchSpec,
        client: str,
        idempotency_key: str | None,
        records: Iterable[str],
        fingerprint: Callable[[], str],
        chunk_size: int,
        max_records: int,
        callbacks: tuple[str | None, str | None] = (None, None),
    ) -> tuple[Batch, bool]:
        """As ``Store.submit``: staged as ``receiving`` in short transactions, made ``queued``
        (or found to repeat an earlier submit with the same key) in one last transaction."""
        batch_id = "b" + secrets.token_hex(8)
        now = time.time()
        with self.transaction() as db:
            db.execute(
                "INSERT INTO batches (id, spec, client, shop, fingerprint, state, total,"
                " created, updated, callback_url, shop_callback_url)"
                " VALUES (%s, %s, %s, %s, '', 'receiving', 0, %s, %s, %s, %s)",
                (batch_id, json.dumps(spec.as_json()), client, spec.shop, now, now, *callbacks),
            )
        try:
            total = self._stage(batch_id, records, chunk_size, max_records)
            if total == 0:
                raise NoRecords()
            digest = fingerprint()
            with self.transaction() as db:
                if idempotency_key is not None:
                    # replicas submitting with the same key wait for each other here
                    db.execute(
                        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                        (f"{client}\n{idempotency_key}",),
                    )
                    earlier = db.execute(
                        "SELECT * FROM batches WHERE client = %s AND idempotency_key = %s",
                        (client, idempotency_key),
                    ).fetchone()
                    if earlier is not None:
                        if earlier["fingerprint"] != digest:
                            raise Conflict(earlier["id"])
                        raise _Repeat(Batch.from_row(earlier))
                with db.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO chunks (batch, chunk) VALUES (%s, %s)",
                        [(batch_id, c) for c in range((total + chunk_size - 1) // chunk_size)],
                    )
                db.execute(
                    "UPDATE batches SET state = 'queued', total = %s, fingerprint = %s,"
                    " idempotency_key = %s,"
                    " updated = %s WHERE id = %s",
                    (total, digest, idempotency_key, time.time(), batch_id),
                )
        except _Repeat as repeat:
            self._discard(batch_id)
            return repeat.batch, False
        except BaseException:
            self._discard(batch_id)
            raise
        return self._existing(batch_id), True

    def _existing(self, batch_id: str) -> Batch:
        """A batch this store has just written (never missing)."""
        batch = self.batch(batch_id)
        assert batch is not None, batch_id
        return batch

    def _stage(
        self, batch_id: str, records: Iterable[str], chunk_size: int, max_records: int
    ) -> int:
        total, flushed = 0, time.monotonic()
        rows: list[tuple] = []

        def flush() -> None:
            with self.transaction() as db:
                with db.cursor().copy("COPY records (batch, idx, data, chunk) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                db.execute("UPDATE batches SET updated = %s WHERE id = %s", (time.time(), batch_id))
            rows.clear()

        for total, text in enumerate(records, start=1):
            if total > max_records:
                raise TooManyRecords(max_records)
            rows.append((batch_id, total - 1, text, (total - 1) // chunk_size))
            if len(rows) >= STAGE_ROWS or time.monotonic() - flushed >= 1:
                flush()
                flushed = time.monotonic()
        if rows:
            flush()
        return total

    def _discard(self, batch_id: str) -> None:
        """Remove a batch that never finished arriving (its records and chunks cascade)."""
        self._connection().execute(
            "DELETE FROM batches WHERE id = %s AND state = 'receiving'", (batch_id,)
        )

    def sweep_abandoned(self, idle_s: float = 600) -> int:
        """Batches left ``receiving`` by a submit that died (its replica killed mid-upload)."""
        rows = (
            self.read()
            .execute(
                "DELETE FROM batches WHERE state = 'receiving' AND updated < %s RETURNING id",
                (time.time() - idle_s,),
            )
            .fetchall()
        )
        return len(rows)

    # -- reading ---------------------------------------------------------------------

    def batch(self, batch_id: str) -> Batch | None:
        row = self.read().execute("SELECT * FROM batches WHERE id = %s", (batch_id,)).fetchone()
        return Batch.from_row(row) if row else None

    def counts(
        self, batch_id: str, db: psycopg.Connection[DictRow] | None = None
    ) -> dict[str, int]:
        rows = (
            (db or self.read())
            .execute(
                "SELECT state, COUNT(*) AS n FROM records WHERE batch = %s GROUP BY state",
                (batch_id,),
            )
            .fetchall()
        )
        counts = {"pending": 0, "done": 0, "failed": 0}
        counts.update({row["state"]: row["n"] for row in rows})
        return counts

    def failures(self, batch_id: str, limit: int = 1000) -> list[Record]:
        rows = (
            self.read()
            .execute(
                "SELECT * FROM records WHERE batch = %s AND state = 'failed' ORDER BY idx LIMIT %s",
                (batch_id, limit),
            )
            .fetchall()
        )
        return [_record(row) for row in rows]

    def records(
        self, batch_id: str, chunk: int | None = None, state: str | None = None
    ) -> list[Record]:
        query = "SELECT * FROM records WHERE batch = %s"
        args: list[object] = [batch_id]
        if chunk is not None:
            query, args = query + " AND chunk = %s", args + [chunk]
        if state is not None:
            query, args = query + " AND state = %s", args + [state]
        return [
            _record(row) for row in self.read().execute(query + " ORDER BY idx", args).fetchall()
        ]

    def iter_records(self, batch_id: str, batch_size: int = 1000) -> Iterator[Record]:
        last = -1
        while True:
            rows = (
                self.read()
                .execute(
                    "SELECT * FROM records WHERE batch = %s AND idx > %s ORDER BY idx LIMIT %s",
                    (batch_id, last, batch_size),
                )
                .fetchall()
            )
            if not rows:
                return
            for row in rows:
                yield _record(row)
            last = rows[-1]["idx"]

    def totals(self) -> tuple[dict[str, int], int]:
        rows = (
            self.read()
            .execute(
                "SELECT CASE WHEN r.state = 'pending'"
                " THEN (CASE WHEN b.state = 'queued' THEN 'queued' ELSE 'rendering' END)"
                " ELSE r.state END AS state, COUNT(*) AS n, COALESCE(SUM(r.pages), 0) AS pages"
                " FROM records r JOIN batches b ON b.id = r.batch WHERE b.state != 'receiving'"
                " GROUP BY 1"
            )
            .fetchall()
        )
        counts = {"queued": 0, "rendering": 0, "done": 0, "failed": 0, "cancelled": 0}
        counts.update({row["state"]: row["n"] for row in rows})
        return counts, sum(row["pages"] for row in rows if row["state"] == "done")

    def batches_for_client(
        self,
        client: str,
        state: str | None = None,
        since: float | None = None,
        until: float | None = None,
        after: tuple[float, str] | None = None,
        limit: int = 50,
    ) -> list[Batch]:
        """A client's batches, newest first; ``after``: the cursor (see Store)."""
        query, args = client_batches_query("%s", client, state, since, until, after, limit)
        return [Batch.from_row(row) for row in self.read().execute(query, args).fetchall()]

    def collected_before(self, cutoff: float) -> list[str]:
        """Batches the print shop collected, last reported on before ``cutoff``."""
        rows = (
            self.read()
            .execute("SELECT id FROM batches WHERE state = 'collected' AND updated < %s", (cutoff,))
            .fetchall()
        )
        return [row["id"] for row in rows]

    def delete(self, batch_id: str) -> None:
        """Remove a batch (its records and chunks cascade)."""
        self._connection().execute("DELETE FROM batches WHERE id = %s", (batch_id,))

    def batches_for_shop(self, shop: str, state: str | None = None) -> list[Batch]:
        """The shop's jobs: never a batch still arriving, nor one its client cancelled."""
        query = "SELECT * FROM batches WHERE shop = %s AND state NOT IN ('receiving', 'cancelled')"
        args = [shop]
        if state is not None:
            query, args = query + " AND state = %s", args + [state]
        return [
            Batch.from_row(row)
            for row in self.read().execute(query + " ORDER BY created", args).fetchall()
        ]

    # -- enqueuing and leasing ---------------------------------------------------------

    def due(
        self, batch_id: str | None = None, limit: int = 500
    ) -> tuple[list[tuple[str, int]], list[str]]:
        """Mark as enqueued, and return, up to ``limit`` chunks and the packagings to enqueue
        now: never enqueued yet, or lost (a lease or a queue wait that expired). Row locks
        make one caller (an API replica after a submit, or the sweeper) enqueue each once."""
        now = time.time()
        until = now + self.queue_wait_s
        with self.transaction() as db:
            chunks = db.execute(
                "UPDATE chunks SET lease_until = %s, leased = FALSE WHERE (batch, chunk) IN"
                " (SELECT c.batch, c.chunk FROM chunks c JOIN batches b ON b.id = c.batch"
                "  WHERE c.state = 'pending' AND b.state IN ('queued', 'rendering')"
                "  AND (c.lease_until IS NULL OR c.lease_until < %s) AND (%s::text IS NULL OR"
                " c.batch = %s)"
                "  ORDER BY b.created, c.chunk LIMIT %s FOR UPDATE OF c SKIP LOCKED) RETURNING"
                " batch, chunk",
                (until, now, batch_id, batch_id, limit),
            ).fetchall()
            packages = db.execute(
                "UPDATE batches SET package_until = %s, package_leased = FALSE WHERE id IN"
                " (SELECT id FROM batches WHERE state = 'rendering' AND package_until < %s"
                "  AND (%s::text IS NULL OR id = %s) FOR UPDATE SKIP LOCKED) RETURNING id",
                (until, now, batch_id, batch_id),
            ).fetchall()
        return sorted((r["batch"], r["chunk"]) for r in chunks), [r["id"] for r in packages]

    def undue(self, chunks: list[tuple[str, int]], packages: list[str]) -> None:
        """Tasks marked enqueued that could not be sent (the broker down): due again now."""
        with self.transaction() as db:
            with db.cursor() as cur:
                cur.executemany(
                    "UPDATE chunks SET lease_until = 0 WHERE batch = %s AND chunk = %s AND NOT"
                    " leased",
                    chunks,
                )
                cur.executemany(
                    "UPDATE batches SET package_until = 0 WHERE id = %s AND NOT package_leased",
                    [(p,) for p in packages],
                )

    def lease_chunk(self, batch_id: str, chunk: int) -> Lease | None:
        """Take the chunk for a new attempt; None if it is done, gone, or held by a live
        lease (this delivery is a duplicate: the holder renders it)."""
        now = time.time()
        with self.transaction() as db:
            row = db.execute(
                "UPDATE chunks SET attempt = attempt + 1, leased = TRUE, lease_until = %s"
                " WHERE batch = %s AND chunk = %s AND state = 'pending'"
                " AND NOT (leased AND lease_until >= %s) RETURNING attempt",
                (now + self.lease_s, batch_id, chunk, now),
            ).fetchone()
            if row is None:
                return None
            db.execute(
                "UPDATE batches SET state = 'rendering', updated = %s WHERE id = %s AND state ="
                " 'queued'",
                (now, batch_id),
            )
        return Lease(batch_id, chunk, row["attempt"])

    def renew(self, lease: Lease) -> bool:
        """Extend a lease while its task runs; False once it was lost (another attempt holds it)."""
        until = time.time() + self.lease_s
        if lease.chunk is None:
            row = (
                self.read()
                .execute(
                    "UPDATE batches SET package_until = %s WHERE id = %s AND package_attempt = %s"
                    " AND package_leased RETURNING id",
                    (until, lease.batch, lease.attempt),
                )
                .fetchone()
            )
        else:
            row = (
                self.read()
                .execute(
                    "UPDATE chunks SET lease_until = %s WHERE batch = %s AND chunk = %s"
                    " AND attempt = %s AND state = 'pending' RETURNING chunk",
                    (until, lease.batch, lease.chunk, lease.attempt),
                )
                .fetchone()
            )
        return row is not None

    def release(self, lease: Lease, failed: bool) -> int:
        """The attempt ends without committing (it raised): the chunk is due again at once.
        Returns how many attempts at it have raised."""
        row = (
            self.read()
            .execute(
                "UPDATE chunks SET leased = FALSE, lease_until = 0, errors = errors + %s"
                " WHERE batch = %s AND chunk = %s AND attempt = %s RETURNING errors",
                (int(failed), lease.batch, lease.chunk, lease.attempt),
            )
            .fetchone()
        )
        return row["errors"] if row else 0

    def commit_chunk(self, lease: Lease, outcomes: Iterable[Outcome]) -> tuple[bool, bool]:
        """Every outcome of a chunk and its completion in one transaction, if ``lease`` is
        still the chunk's current attempt. Returns (committed, package now): the second is
        true for the one commit that left the batch with no pending record."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT attempt, state FROM chunks WHERE batch = %s AND chunk = %s FOR UPDATE",
                (lease.batch, lease.chunk),
            ).fetchone()
            if row is None or row["state"] != "pending" or row["attempt"] != lease.attempt:
                return False, False
            with db.cursor() as cur:
                cur.executemany(
                    "UPDATE records SET state = %s, file = %s, page = %s, pages = %s, sha256 ="
                    " %s, errors = %s"
                    " WHERE batch = %s AND idx = %s AND state = 'pending'",
                    [
                        (
                            "failed" if o.errors else "done",
                            o.file,
                            o.page,
                            o.pages,
                            o.sha256,
                            json.dumps(o.errors) if o.errors else None,
                            lease.batch,
                            o.index,
                        )
                        for o in outcomes
                    ],
                )
            db.execute(
                "UPDATE chunks SET state = 'done', leased = FALSE WHERE batch = %s AND chunk = %s",
                (lease.batch, lease.chunk),
            )
            return True, self._package_due(db, lease.batch)

    def _package_due(self, db: psycopg.Connection[DictRow], batch_id: str) -> bool:
        """In the caller's transaction: when done + failed = total, make the batch's packaging
        due (once: ``package_until`` goes from NULL to 0, and ``due()`` hands it out)."""
        now = time.time()
        row = db.execute(
            "UPDATE batches b SET package_until = 0, updated = %s WHERE id = %s AND state ="
            " 'rendering'"
            " AND package_until IS NULL AND NOT EXISTS"
            " (SELECT 1 FROM records r WHERE r.batch = b.id AND r.state = 'pending') RETURNING id",
            (now, batch_id),
        ).fetchone()
        if row is None:
            db.execute("UPDATE batches SET updated = %s WHERE id = %s", (now, batch_id))
        return row is not None

    def fail_chunk(self, batch_id: str, chunk: int, reason: str) -> bool:
        """A chunk given up: its pending records fail with ``reason``. Returns "package now".
        The chunk is locked first, as a commit and a cancel lock it."""
        with self.transaction() as db:
            db.execute(
                "SELECT 1 FROM chunks WHERE batch = %s AND chunk = %s FOR UPDATE", (batch_id, chunk)
            )
            db.execute(
                "UPDATE records SET state = 'failed', errors = %s WHERE batch = %s AND chunk = %s"
                " AND state = 'pending'",
                (json.dumps([{"pointer": "", "detail": reason}]), batch_id, chunk),
            )
            db.execute(
                "UPDATE chunks SET state = 'done', leased = FALSE WHERE batch = %s AND chunk = %s"
                " AND state = 'pending'",
                (batch_id, chunk),
            )
            return self._package_due(db, batch_id)

    def lease_package(self, batch_id: str) -> Lease | None:
        now = time.time()
        row = (
            self.read()
            .execute(
                "UPDATE batches SET package_attempt = package_attempt + 1, package_leased = TRUE,"
                " package_until = %s WHERE id = %s AND state = 'rendering' AND package_until IS"
                " NOT NULL"
                " AND NOT (package_leased AND package_until >= %s) RETURNING package_attempt",
                (now + self.lease_s, batch_id, now),
            )
            .fetchone()
        )
        return Lease(batch_id, None, row["package_attempt"]) if row else None

    def release_package(self, lease: Lease) -> int:
        """A packaging attempt that raised: due again at once. Returns its attempts so far."""
        self.read().execute(
            "UPDATE batches SET package_leased = FALSE, package_until = 0 WHERE id = %s"
            " AND package_attempt = %s",
            (lease.batch, lease.attempt),
        )
        return lease.attempt

    # -- finishing, re-running, print shops --------------------------------------------

    def finish_batch(
        self, batch_id: str, state: str, files: list[dict] | None, error: str | None = None
    ) -> bool:
        """As ``Store.finish_batch``: the batch and its webhook events in one transaction."""
        with self.transaction() as db:
            row = db.execute(
                "UPDATE batches SET state = %s, files = %s, error = %s, updated = %s,"
                " package_leased = FALSE"
                " WHERE id = %s AND state = 'rendering' RETURNING *",
                (
                    state,
                    json.dumps(files) if files is not None else None,
                    error,
                    time.time(),
                    batch_id,
                ),
            ).fetchone()
            if row is None:
                return False
            events = finish_events(Batch.from_row(row), state, self.counts(batch_id, db))
            with db.cursor() as cur:
                cur.executemany(
                    "INSERT INTO deliveries (id, batch, recipient, event, url, body, next_at,"
                    " created) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    [
                        (e.id, e.batch, e.recipient, e.event, e.url, e.body, e.created, e.created)
                        for e in events
                    ],
                )
        return True

    def cancel(self, batch_id: str) -> str | None:
        """As ``Store.cancel``. It locks in the order a chunk's commit does (the chunks,
        then the batch), so a commit under way finishes first and no deadlock is possible;
        against the packaging's finish the batch row decides. Whichever comes first wins,
        the other changes nothing. A batch that is not running is answered without taking
        a lock (a delete or the retention may hold its rows)."""
        now = self.batch(batch_id)
        if now is None or now.state not in RUNNING:
            return now.state if now else None
        with self.transaction() as db:
            db.execute(
                "SELECT chunk FROM chunks WHERE batch = %s ORDER BY chunk FOR UPDATE", (batch_id,)
            )
            row = db.execute(
                "SELECT state FROM batches WHERE id = %s FOR UPDATE", (batch_id,)
            ).fetchone()
            if row is None or row["state"] not in RUNNING:
                return row["state"] if row else None
            db.execute(
                "UPDATE batches SET state = 'cancelled', purge_outputs = TRUE, updated = %s"
                " WHERE id = %s",
                (time.time(), batch_id),
            )
            db.execute(
                "UPDATE records SET state = 'cancelled' WHERE batch = %s AND state = 'pending'",
                (batch_id,),
            )
            db.execute(
                "UPDATE chunks SET state = 'cancelled' WHERE batch = %s AND state = 'pending'",
                (batch_id,),
            )
        return "cancelled"

    def purges_due(self, batch_id: str | None = None) -> list[str]:
        """Cancelled batches whose files are still to be removed and that no task holds a
        live lease on (a task that outlives its lease removes what it wrote itself)."""
        now = time.time()
        rows = (
            self.read()
            .execute(
                "SELECT id FROM batches b WHERE purge_outputs AND (%s::text IS NULL OR id = %s)"
                " AND NOT (package_leased AND package_until >= %s) AND NOT EXISTS"
                " (SELECT 1 FROM chunks c WHERE c.batch = b.id AND c.leased"
                " AND c.lease_until >= %s)",
                (batch_id, batch_id, now, now),
            )
            .fetchall()
        )
        return [row["id"] for row in rows]

    def purged(self, batch_id: str) -> None:
        self.read().execute("UPDATE batches SET purge_outputs = FALSE WHERE id = %s", (batch_id,))

    # -- webhook deliveries (the outbox) ---------------------------------------------

    def deliveries(self, batch_id: str, recipient: str) -> list[Delivery]:
        rows = (
            self.read()
            .execute(
                "SELECT * FROM deliveries WHERE batch = %s AND recipient = %s ORDER BY created, id",
                (batch_id, recipient),
            )
            .fetchall()
        )
        return [Delivery.from_row(row) for row in rows]

    def claim_deliveries(self, now: float, hold_s: float, limit: int) -> list[Delivery]:
        """As ``Store.claim_deliveries``; deliverers in several workers skip each other's."""
        rows = (
            self.read()
            .execute(
                "UPDATE deliveries SET next_at = %s WHERE id IN (SELECT id FROM deliveries"
                " WHERE state = 'pending' AND next_at <= %s ORDER BY next_at LIMIT %s"
                " FOR UPDATE SKIP LOCKED) RETURNING *",
                (now + hold_s, now, limit),
            )
            .fetchall()
        )
        return sorted((Delivery.from_row(row) for row in rows), key=lambda d: d.created)

    def record_attempt(
        self, delivery_id: str, attempt: dict, state: str, next_at: float | None
    ) -> None:
        """As ``Store.record_attempt``."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT attempts FROM deliveries WHERE id = %s FOR UPDATE", (delivery_id,)
            ).fetchone()
            if row is None:
                return
            db.execute(
                "UPDATE deliveries SET state = %s, attempts = %s, next_at = COALESCE(%s, next_at)"
                " WHERE id = %s",
                (state, json.dumps([*json.loads(row["attempts"]), attempt]), next_at, delivery_id),
            )

    def rerun(self, batch_id: str, corrections: dict[int, str], chunk_size: int) -> int:
        """As ``Store.rerun``; the batch row is locked, so two replicas re-running the same
        batch at once queue its failed records once."""
        from .store import FINISHED, Claimed

        with self.transaction() as db:
            batch = db.execute(
                "SELECT state, claimed_until FROM batches WHERE id = %s FOR UPDATE", (batch_id,)
            ).fetchone()
            if batch is None or batch["state"] not in FINISHED or batch["state"] == "cancelled":
                return 0
            if batch["claimed_until"] and batch["claimed_until"] > time.time():
                raise Claimed(batch["claimed_until"])  # the shop's lease and files stay as they are
            failed = [
                row["idx"]
                for row in db.execute(
                    "SELECT idx FROM records WHERE batch = %s AND state = 'failed' ORDER BY idx",
                    (batch_id,),
                ).fetchall()
            ]
            if not failed:
                return 0
            first = _first(
                db.execute(
                    "SELECT COALESCE(MAX(chunk), -1) + 1 AS n FROM chunks WHERE batch = %s",
                    (batch_id,),
                )
            )["n"]
            with db.cursor() as cur:
                cur.executemany(
                    "UPDATE records SET state = 'pending', errors = NULL, chunk = %s,"
                    " data = COALESCE(%s, data) WHERE batch = %s AND idx = %s",
                    [
                        (first + position // chunk_size, corrections.get(index), batch_id, index)
                        for position, index in enumerate(failed)
                    ],
                )
                cur.executemany(
                    "INSERT INTO chunks (batch, chunk) VALUES (%s, %s)",
                    [
                        (batch_id, first + c)
                        for c in range((len(failed) + chunk_size - 1) // chunk_size)
                    ],
                )
            db.execute(
                "UPDATE batches SET state = 'queued', files = NULL, error = NULL, shop_status ="
                " NULL,"
                " claimed_until = NULL, package_until = NULL, package_leased = FALSE, updated = %s"
                " WHERE id = %s",
                (time.time(), batch_id),
            )
            return len(failed)

    def claim(self, batch_id: str, lease_s: int) -> float:
        until = time.time() + lease_s
        self.read().execute(
            "UPDATE batches SET claimed_until = %s, updated = %s WHERE id = %s",
            (until, time.time(), batch_id),
        )
        return until

    def set_shop_status(self, batch_id: str, status: str, reason: str | None) -> None:
        state = "collected" if status in ("accepted", "printed", "shipped") else None
        self.read().execute(
            "UPDATE batches SET shop_status = %s, shop_reason = %s, state = COALESCE(%s, state),"
            " updated = %s WHERE id = %s",
            (status, reason, state, time.time(), batch_id),
        )
