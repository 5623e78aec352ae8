-- The batch state of the celery engine: the same tables as the embedded SQLite store, plus
-- the leases that fence a chunk's (and a packaging's) attempts.
CREATE TABLE batches (
    id TEXT PRIMARY KEY,
    spec TEXT NOT NULL,
    client TEXT NOT NULL,
    shop TEXT,
    idempotency_key TEXT,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    total INTEGER NOT NULL,
    created DOUBLE PRECISION NOT NULL,
    updated DOUBLE PRECISION NOT NULL,
    files TEXT,
    error TEXT,
    shop_status TEXT,
    shop_reason TEXT,
    claimed_until DOUBLE PRECISION,
    package_attempt INTEGER NOT NULL DEFAULT 0,
    package_leased BOOLEAN NOT NULL DEFAULT FALSE,  -- a worker holds it (else: enqueued, or not yet)
    package_until DOUBLE PRECISION,  -- NULL: packaging not due yet
    UNIQUE (client, idempotency_key)
);
CREATE INDEX batches_by_shop ON batches (shop, created);
CREATE INDEX batches_by_state ON batches (state);

CREATE TABLE records (
    batch TEXT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
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
);
CREATE INDEX records_by_chunk ON records (batch, chunk);
CREATE INDEX records_pending ON records (batch) WHERE state = 'pending';

CREATE TABLE chunks (
    batch TEXT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    chunk INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempt INTEGER NOT NULL DEFAULT 0,  -- the attempt allowed to commit (fencing)
    errors INTEGER NOT NULL DEFAULT 0,  -- attempts that raised
    leased BOOLEAN NOT NULL DEFAULT FALSE,  -- a worker renders it (its lease renewed while it runs)
    lease_until DOUBLE PRECISION,  -- NULL: never enqueued; past: lost, the sweeper enqueues it again
    PRIMARY KEY (batch, chunk)
);
CREATE INDEX chunks_due ON chunks (lease_until) WHERE state = 'pending';
