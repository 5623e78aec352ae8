"""Batch state in SQLite (WAL): batches, their records and chunks, and print-shop claims.

The store is the single source of truth: a task or a process may die at any moment, and
whatever a new run needs to carry on is here. Every change that belongs together is one
transaction, so a record is either pending, done (with its output and checksum) or failed
(with its reasons) — never half of one.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .specs import BatchSpec
from .webhooks import Delivery, finish_events


class Row(Protocol):
    """A result row by column name: sqlite3.Row here, psycopg's dict rows in pgstore."""

    def __getitem__(self, key: str) -> Any: ...


SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY,
    spec TEXT NOT NULL,
    client TEXT NOT NULL,
    shop TEXT,
    idempotency_key TEXT,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    total INTEGER NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    files TEXT,
    error TEXT,
    shop_status TEXT,
    shop_reason TEXT,
    claimed_until REAL,
    UNIQUE (client, idempotency_key)
);
CREATE TABLE IF NOT EXISTS records (
    batch TEXT NOT NULL,
    idx INTEGER NOT NULL,
    data TEXT NOT NULL,
    chunk INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    file TEXT,
    page INTEGER,
    pages INTEGER,
    sha256 TEXT,
    errors TEXT,
    PRIMARY KEY (batch, idx)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS records_by_chunk ON records (batch, chunk);
CREATE TABLE IF NOT EXISTS chunks (
    batch TEXT NOT NULL,
    chunk INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    PRIMARY KEY (batch, chunk)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,
    batch TEXT NOT NULL,
    recipient TEXT NOT NULL,
    event TEXT NOT NULL,
    url TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts TEXT NOT NULL DEFAULT '[]',
    next_at REAL NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (next_at) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS deliveries_by_batch ON deliveries (batch, created);
"""

#: Columns added to the tables above since their first version, added where missing (a new
#: database and one an earlier version made alike): callback_url, the client's webhook;
#: shop_callback_url, the print shop's, as configured when the batch was submitted;
#: purge_outputs, a cancelled batch whose files are still to be removed.
ADDED_COLUMNS = (
    ("batches", "callback_url", "TEXT"),
    ("batches", "shop_callback_url", "TEXT"),
    ("batches", "purge_outputs", "INTEGER NOT NULL DEFAULT 0"),
)

#: Batch states: receiving (its records still arriving; seen by nobody), queued, rendering
#: (packaging too), then one of these; ``collected``: the print shop accepted it;
#: ``cancelled``: its client cancelled it before it finished.
RUNNING = ("queued", "rendering")
FINISHED = ("ready", "completed-with-errors", "failed", "collected", "cancelled")
LISTED = (*RUNNING, *FINISHED)  # the states a client sees its batches in


class Conflict(Exception):
    """The same idempotency key was used with another request."""

    def __init__(self, batch_id: str):
        super().__init__(batch_id)
        self.batch_id = batch_id


class Claimed(Exception):
    """A print shop holds a live claim (lease) on the job until ``until``."""

    def __init__(self, until: float):
        super().__init__(until)
        self.until = until


@dataclass(frozen=True)
class Batch:
    id: str
    spec: BatchSpec
    client: str
    state: str
    total: int
    created: float
    updated: float
    files: list[dict] | None
    error: str | None
    shop_status: str | None
    shop_reason: str | None
    claimed_until: float | None
    callback_url: str | None = None
    shop_callback_url: str | None = None

    @classmethod
    def from_row(cls, row: Row) -> Batch:
        return cls(
            row["id"],
            BatchSpec.from_json(json.loads(row["spec"])),
            row["client"],
            row["state"],
            row["total"],
            row["created"],
            row["updated"],
            json.loads(row["files"]) if row["files"] else None,
            row["error"],
            row["shop_status"],
            row["shop_reason"],
            row["claimed_until"],
            row["callback_url"],
            row["shop_callback_url"],
        )


@dataclass(frozen=True)
class Record:
    index: int
    data: str  # the record's JSON text
    chunk: int
    state: str
    file: str | None
    page: int | None
    pages: int | None
    sha256: str | None
    errors: list[dict] | None


@dataclass(frozen=True)
class Outcome:
    """What rendering one record gave: an output, or the reasons it failed."""

    index: int
    file: str | None = None
    page: int | None = None
    pages: int | None = None
    sha256: str | None = None
    errors: list[dict] | None = None


def record_id(batch_id: str, index: int) -> str:
    """Deterministic: the same record of the same batch has the same id in every run."""
    return f"{batch_id}.{index:06d}"


class Store:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connection().executescript(SCHEMA)
        with self.transaction() as db:
            for table, column, declaration in ADDED_COLUMNS:
                present = {row["name"] for row in db.execute(f"PRAGMA table_info({table})")}
                if column not in present:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
            db.execute(
                "CREATE INDEX IF NOT EXISTS batches_to_purge ON batches (id) WHERE purge_outputs"
            )

    def _connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            self._local.db = db
        return db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def read(self) -> sqlite3.Connection:
        return self._connection()

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
        """Store a new batch with its records in one transaction. ``records`` is consumed as
        it is read (a stream); ``fingerprint()`` is called afterwards (it covers the whole
        body). ``callbacks``: the client's callback_url and its print shop's. Returns
        (batch, created): an earlier batch with the same key and fingerprint is returned as
        is; with another fingerprint → Conflict. Nothing is stored on error."""
        try:
            return self._insert(
                spec,
                client,
                idempotency_key,
                records,
                fingerprint,
                chunk_size,
                max_records,
                callbacks,
            ), True
        except _Repeat as repeat:
            return repeat.batch, False

    def _insert(
        self,
        spec,
        client,
        idempotency_key,
        records,
        fingerprint,
        chunk_size,
        max_records,
        callbacks,
    ) -> Batch:
        """Staged: the batch is ``receiving`` while its records stream in, written in short
        transactions (every 1000 records or every second), so a slow upload never holds the
        store's write lock; one last transaction makes it ``queued`` (or removes it)."""
        batch_id = "b" + secrets.token_hex(8)
        now = time.time()
        with self.transaction() as db:
            db.execute(
                "INSERT INTO batches (id, spec, client, shop, fingerprint, state, total,"
                " created, updated, callback_url, shop_callback_url)"
                " VALUES (?, ?, ?, ?, '', 'receiving', 0, ?, ?, ?, ?)",
                (batch_id, json.dumps(spec.as_json()), client, spec.shop, now, now, *callbacks),
            )
        try:
            total = self._stage(batch_id, records, chunk_size, max_records)
            if total == 0:
                raise NoRecords()
            digest = fingerprint()
            with self.transaction() as db:
                if idempotency_key is not None:
                    earlier = db.execute(
                        "SELECT * FROM batches WHERE client = ? AND idempotency_key = ?",
                        (client, idempotency_key),
                    ).fetchone()
                    if earlier is not None:
                        if earlier["fingerprint"] != digest:
                            raise Conflict(earlier["id"])
                        raise _Repeat(Batch.from_row(earlier))
                db.executemany(
                    "INSERT INTO chunks (batch, chunk) VALUES (?, ?)",
                    [(batch_id, c) for c in range((total + chunk_size - 1) // chunk_size)],
                )
                db.execute(
                    "UPDATE batches SET state = 'queued', total = ?, fingerprint = ?,"
                    " idempotency_key = ?,"
                    " updated = ? WHERE id = ?",
                    (total, digest, idempotency_key, time.time(), batch_id),
                )
        except BaseException:
            self._discard(batch_id)
            raise
        return self._existing(batch_id)

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
                db.executemany(
                    "INSERT INTO records (batch, idx, data, chunk) VALUES (?, ?, ?, ?)", rows
                )
                db.execute("UPDATE batches SET updated = ? WHERE id = ?", (time.time(), batch_id))
            rows.clear()

        for total, text in enumerate(records, start=1):
            if total > max_records:
                raise TooManyRecords(max_records)
            rows.append((batch_id, total - 1, text, (total - 1) // chunk_size))
            if len(rows) >= 1000 or time.monotonic() - flushed >= 1:
                flush()
                flushed = time.monotonic()
        if rows:
            flush()
        return total

    def _discard(self, batch_id: str) -> None:
        """Remove a batch that never finished arriving (in steps: it may be large)."""
        db = self._connection()
        if db.in_transaction:
            db.execute("ROLLBACK")
        while True:
            with self.transaction() as db:
                gone = db.execute(
                    "DELETE FROM records WHERE batch = ? AND idx IN (SELECT idx FROM records"
                    " WHERE batch = ? LIMIT 5000)",
                    (batch_id, batch_id),
                ).rowcount
                if gone == 0:
                    db.execute("DELETE FROM chunks WHERE batch = ?", (batch_id,))
                    db.execute("DELETE FROM deliveries WHERE batch = ?", (batch_id,))
                    db.execute("DELETE FROM batches WHERE id = ?", (batch_id,))
                    return

    def sweep_abandoned(self, idle_s: float = 600) -> int:
        """Batches left ``receiving`` by a submit that died (its process killed mid-upload)."""
        stale = [
            row["id"]
            for row in self.read().execute(
                "SELECT id FROM batches WHERE state = 'receiving' AND updated < ?",
                (time.time() - idle_s,),
            )
        ]
        for batch_id in stale:
            self._discard(batch_id)
        return len(stale)

    # -- reading ---------------------------------------------------------------------

    def batch(self, batch_id: str) -> Batch | None:
        row = self.read().execute("SELECT * FROM batches WHERE id = ?", (batch_id,)).fetchone()
        return Batch.from_row(row) if row else None

    def counts(self, batch_id: str, db: sqlite3.Connection | None = None) -> dict[str, int]:
        """Records by state: pending, done, failed (and cancelled, in a cancelled batch)."""
        rows = (
            (db or self.read())
            .execute(
                "SELECT state, COUNT(*) AS n FROM records WHERE batch = ? GROUP BY state",
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
                "SELECT * FROM records WHERE batch = ? AND state = 'failed' ORDER BY idx LIMIT ?",
                (batch_id, limit),
            )
            .fetchall()
        )
        return [_record(row) for row in rows]

    def records(
        self, batch_id: str, chunk: int | None = None, state: str | None = None
    ) -> list[Record]:
        query = "SELECT * FROM records WHERE batch = ?"
        args: list[object] = [batch_id]
        if chunk is not None:
            query, args = query + " AND chunk = ?", args + [chunk]
        if state is not None:
            query, args = query + " AND state = ?", args + [state]
        return [_record(row) for row in self.read().execute(query + " ORDER BY idx", args)]

    def iter_records(self, batch_id: str, batch_size: int = 1000) -> Iterator[Record]:
        """Every record in order, a page at a time (a batch may hold 100,000)."""
        last = -1
        while True:
            rows = (
                self.read()
                .execute(
                    "SELECT * FROM records WHERE batch = ? AND idx > ? ORDER BY idx LIMIT ?",
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
        """Records of every batch by state (pending ones as queued or rendering, by their
        batch's state) and the pages rendered so far."""
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
        """A client's batches, newest first; ``after`` is the (created, id) of the last one of
        the page before (a cursor that stays right while new batches arrive)."""
        query, args = client_batches_query("?", client, state, since, until, after, limit)
        return [Batch.from_row(row) for row in self.read().execute(query, args)]

    def collected_before(self, cutoff: float) -> list[str]:
        """Batches the print shop collected, last reported on before ``cutoff``."""
        rows = self.read().execute(
            "SELECT id FROM batches WHERE state = 'collected' AND updated < ?", (cutoff,)
        )
        return [row["id"] for row in rows]

    def delete(self, batch_id: str) -> None:
        """Remove a batch and its records (in steps: it may be large)."""
        self._discard(batch_id)

    def batches_for_shop(self, shop: str, state: str | None = None) -> list[Batch]:
        """The shop's jobs: never a batch still arriving, nor one its client cancelled."""
        query = "SELECT * FROM batches WHERE shop = ? AND state NOT IN ('receiving', 'cancelled')"
        args = [shop]
        if state is not None:
            query, args = query + " AND state = ?", args + [state]
        return [
            Batch.from_row(row) for row in self.read().execute(query + " ORDER BY created", args)
        ]

    # -- running ---------------------------------------------------------------------

    def runnable_chunks(self) -> list[tuple[str, int]]:
        rows = (
            self.read()
            .execute(
                "SELECT c.batch, c.chunk FROM chunks c JOIN batches b ON b.id = c.batch"
                " WHERE c.state = 'pending' AND b.state IN ('queued', 'rendering') ORDER BY"
                " b.created, c.chunk"
            )
            .fetchall()
        )
        return [(row["batch"], row["chunk"]) for row in rows]

    def batches_to_package(self) -> list[str]:
        """Batches being rendered whose chunks are all done."""
        rows = (
            self.read()
            .execute(
                "SELECT id FROM batches b WHERE state = 'rendering' AND NOT EXISTS"
                " (SELECT 1 FROM chunks c WHERE c.batch = b.id AND c.state = 'pending') ORDER BY"
                " created"
            )
            .fetchall()
        )
        return [row["id"] for row in rows]

    def start(self, batch_id: str) -> None:
        """A queued batch's first task is handed out: it is rendering."""
        with self.transaction() as db:
            db.execute(
                "UPDATE batches SET state = 'rendering', updated = ? WHERE id = ? AND state ="
                " 'queued'",
                (time.time(), batch_id),
            )

    def finish_chunk(self, batch_id: str, chunk: int, outcomes: Iterable[Outcome]) -> bool:
        """Every outcome of a chunk and the chunk's completion, in one transaction; nothing
        (False) if the batch was cancelled or deleted meanwhile."""
        with self.transaction() as db:
            row = db.execute("SELECT state FROM batches WHERE id = ?", (batch_id,)).fetchone()
            if row is None or row["state"] not in RUNNING:
                return False
            for o in outcomes:
                state = "failed" if o.errors else "done"
                db.execute(
                    "UPDATE records SET state = ?, file = ?, page = ?, pages = ?, sha256 = ?,"
                    " errors = ?"
                    " WHERE batch = ? AND idx = ? AND state = 'pending'",
                    (
                        state,
                        o.file,
                        o.page,
                        o.pages,
                        o.sha256,
                        json.dumps(o.errors) if o.errors else None,
                        batch_id,
                        o.index,
                    ),
                )
            db.execute(
                "UPDATE chunks SET state = 'done' WHERE batch = ? AND chunk = ?", (batch_id, chunk)
            )
            db.execute("UPDATE batches SET updated = ? WHERE id = ?", (time.time(), batch_id))
            return True

    def finish_batch(
        self, batch_id: str, state: str, files: list[dict] | None, error: str | None = None
    ) -> bool:
        """A rendering batch finished, with the webhook events that sends (one transaction);
        False if it was not rendering any more (cancelled, deleted, finished by another)."""
        with self.transaction() as db:
            finished = db.execute(
                "UPDATE batches SET state = ?, files = ?, error = ?, updated = ? WHERE id = ?"
                " AND state = 'rendering'",
                (
                    state,
                    json.dumps(files) if files is not None else None,
                    error,
                    time.time(),
                    batch_id,
                ),
            ).rowcount
            if finished:
                row = db.execute("SELECT * FROM batches WHERE id = ?", (batch_id,)).fetchone()
                events = finish_events(Batch.from_row(row), state, self.counts(batch_id, db))
                db.executemany(
                    "INSERT INTO deliveries (id, batch, recipient, event, url, body, next_at,"
                    " created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (e.id, e.batch, e.recipient, e.event, e.url, e.body, e.created, e.created)
                        for e in events
                    ],
                )
        return bool(finished)

    def cancel(self, batch_id: str) -> str | None:
        """Cancel a batch that has not finished: its pending records and chunks will never
        be rendered, and its files are to be purged (``purges_due``). Returns the batch's
        state now (``cancelled``, also when it was already, or the state that kept it from
        being cancelled); None if there is no such batch."""
        with self.transaction() as db:
            row = db.execute("SELECT state FROM batches WHERE id = ?", (batch_id,)).fetchone()
            if row is None or row["state"] not in RUNNING:
                return row["state"] if row else None
            db.execute(
                "UPDATE batches SET state = 'cancelled', purge_outputs = 1, updated = ?"
                " WHERE id = ?",
                (time.time(), batch_id),
            )
            for table in ("records", "chunks"):
                db.execute(
                    f"UPDATE {table} SET state = 'cancelled' WHERE batch = ? AND state = 'pending'",
                    (batch_id,),
                )
        return "cancelled"

    def purges_due(self, batch_id: str | None = None) -> list[str]:
        """Cancelled batches whose files are still to be removed (the runner knows which of
        them a task still works on)."""
        rows = self.read().execute(
            "SELECT id FROM batches WHERE purge_outputs AND (? IS NULL OR id = ?)",
            (batch_id, batch_id),
        )
        return [row["id"] for row in rows]

    def purged(self, batch_id: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE batches SET purge_outputs = 0 WHERE id = ?", (batch_id,))

    # -- webhook deliveries (the outbox) ---------------------------------------------

    def deliveries(self, batch_id: str, recipient: str) -> list[Delivery]:
        rows = self.read().execute(
            "SELECT * FROM deliveries WHERE batch = ? AND recipient = ? ORDER BY created, id",
            (batch_id, recipient),
        )
        return [Delivery.from_row(row) for row in rows]

    def claim_deliveries(self, now: float, hold_s: float, limit: int) -> list[Delivery]:
        """Up to ``limit`` deliveries due now, held for ``hold_s`` (not due to another
        deliverer meanwhile; due again if this one dies before it records its attempt)."""
        due = (
            self.read()
            .execute(
                "SELECT COUNT(*) AS n FROM deliveries WHERE state = 'pending' AND next_at <= ?",
                (now,),
            )
            .fetchall()
        )
        if not due[0]["n"]:  # the usual answer, without a write transaction
            return []
        with self.transaction() as db:
            rows = db.execute(
                "UPDATE deliveries SET next_at = ? WHERE id IN (SELECT id FROM deliveries"
                " WHERE state = 'pending' AND next_at <= ? ORDER BY next_at LIMIT ?) RETURNING *",
                (now + hold_s, now, limit),
            ).fetchall()
        return sorted((Delivery.from_row(row) for row in rows), key=lambda d: d.created)

    def record_attempt(
        self, delivery_id: str, attempt: dict, state: str, next_at: float | None
    ) -> None:
        """An attempt's outcome: the delivery ``delivered``, ``failed`` (given up), or
        ``pending`` again at ``next_at``."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT attempts FROM deliveries WHERE id = ?", (delivery_id,)
            ).fetchone()
            if row is None:  # its batch was deleted meanwhile
                return
            attempts = [*json.loads(row["attempts"]), attempt]
            db.execute(
                "UPDATE deliveries SET state = ?, attempts = ?, next_at = COALESCE(?, next_at)"
                " WHERE id = ?",
                (state, json.dumps(attempts), next_at, delivery_id),
            )

    def rerun(self, batch_id: str, corrections: dict[int, str], chunk_size: int) -> int:
        """Put the failed records (with corrected data where given) back to render, in new
        chunks; the records already done are kept. Returns how many are queued again (none
        of a batch that is not finished, or was cancelled)."""
        with self.transaction() as db:
            claimed = db.execute(
                "SELECT state, claimed_until FROM batches WHERE id = ?", (batch_id,)
            ).fetchone()
            if (
                claimed is None
                or claimed["state"] not in FINISHED
                or claimed["state"] == "cancelled"
            ):
                return 0
            if claimed["claimed_until"] and claimed["claimed_until"] > time.time():
                raise Claimed(
                    claimed["claimed_until"]
                )  # the shop's lease and files stay as they are
            failed = [
                row["idx"]
                for row in db.execute(
                    "SELECT idx FROM records WHERE batch = ? AND state = 'failed' ORDER BY idx",
                    (batch_id,),
                )
            ]
            if not failed:
                return 0
            first = db.execute(
                "SELECT COALESCE(MAX(chunk), -1) + 1 AS n FROM chunks WHERE batch = ?", (batch_id,)
            ).fetchone()["n"]
            for position, index in enumerate(failed):
                data = corrections.get(index)
                db.execute(
                    "UPDATE records SET state = 'pending', errors = NULL, chunk = ?,"
                    " data = COALESCE(?, data) WHERE batch = ? AND idx = ?",
                    (first + position // chunk_size, data, batch_id, index),
                )
            db.executemany(
                "INSERT INTO chunks (batch, chunk) VALUES (?, ?)",
                [
                    (batch_id, first + c)
                    for c in range((len(failed) + chunk_size - 1) // chunk_size)
                ],
            )
            db.execute(
                "UPDATE batches SET state = 'queued', files = NULL, error = NULL, shop_status ="
                " NULL,"
                " claimed_until = NULL, updated = ? WHERE id = ?",
                (time.time(), batch_id),
            )
            return len(failed)

    def fail_chunk(self, batch_id: str, chunk: int, reason: str) -> None:
        """A chunk that keeps killing its worker: its pending records fail with ``reason``."""
        with self.transaction() as db:
            db.execute(
                "UPDATE records SET state = 'failed', errors = ? WHERE batch = ? AND chunk = ?"
                " AND state = 'pending'",
                (json.dumps([{"pointer": "", "detail": reason}]), batch_id, chunk),
            )
            db.execute(
                "UPDATE chunks SET state = 'done' WHERE batch = ? AND chunk = ? AND state = 'pending'",
                (batch_id, chunk),
            )

    # -- print shops -----------------------------------------------------------------

    def claim(self, batch_id: str, lease_s: int) -> float:
        """Claim (or renew the claim on) a finished job; returns when the lease ends."""
        until = time.time() + lease_s
        with self.transaction() as db:
            db.execute(
                "UPDATE batches SET claimed_until = ?, updated = ? WHERE id = ?",
                (until, time.time(), batch_id),
            )
        return until

    def set_shop_status(self, batch_id: str, status: str, reason: str | None) -> None:
        with self.transaction() as db:
            state = "collected" if status in ("accepted", "printed", "shipped") else None
            db.execute(
                "UPDATE batches SET shop_status = ?, shop_reason = ?, state = COALESCE(?,"
                " state), updated = ?"
                " WHERE id = ?",
                (status, reason, state, time.time(), batch_id),
            )


class NoRecords(ValueError):
    pass


class TooManyRecords(ValueError):
    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


class _Repeat(Exception):
    def __init__(self, batch: Batch):
        self.batch = batch


def client_batches_query(
    mark: str,
    client: str,
    state: str | None,
    since: float | None,
    until: float | None,
    after: tuple[float, str] | None,
    limit: int,
) -> tuple[str, list]:
    """The query of ``batches_for_client`` and its arguments, for either store (``mark``:
    the driver's placeholder, ``?`` for sqlite3, ``%s`` for psycopg)."""
    query = "SELECT * FROM batches WHERE client = ? AND state != 'receiving'"
    args: list[str | float | int] = [client]
    for clause, value in (
        ("state = ?", state),
        ("created >= ?", since),
        ("created < ?", until),
    ):
        if value is not None:
            query, args = f"{query} AND {clause}", [*args, value]
    if after is not None:
        query += " AND (created < ? OR (created = ? AND id < ?))"
        args += [after[0], after[0], after[1]]
    query += " ORDER BY created DESC, id DESC LIMIT ?"
    return query.replace("?", mark), [*args, limit]


def _record(row: Row) -> Record:
    return Record(
        row["idx"],
        row["data"],
        row["chunk"],
        row["state"],
        row["file"],
        row["page"],
        row["pages"],
        row["sha256"],
        json.loads(row["errors"]) if row["errors"] else None,
    )
