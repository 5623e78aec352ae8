-- Cancelling a batch and webhooks: the client's and the print shop's callback URLs of a
-- batch, the mark of a cancelled batch whose files are still to be removed, and the outbox
-- of webhook deliveries (written in the transaction that finishes a batch).
ALTER TABLE batches ADD COLUMN callback_url TEXT;
ALTER TABLE batches ADD COLUMN shop_callback_url TEXT;
ALTER TABLE batches ADD COLUMN purge_outputs BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX batches_to_purge ON batches (id) WHERE purge_outputs;

CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,  -- the event id (X-Obrazci-Event-Id): receivers dedupe on it
    batch TEXT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    recipient TEXT NOT NULL,  -- client or shop
    event TEXT NOT NULL,
    url TEXT NOT NULL,
    body TEXT NOT NULL,  -- the JSON sent, the same bytes at every attempt
    state TEXT NOT NULL DEFAULT 'pending',  -- pending, delivered, failed (given up)
    attempts TEXT NOT NULL DEFAULT '[]',  -- [{time, status | error, excerpt, next_retry}]
    next_at DOUBLE PRECISION NOT NULL,  -- due then; set ahead while a deliverer holds it
    created DOUBLE PRECISION NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (next_at) WHERE state = 'pending';
CREATE INDEX deliveries_by_batch ON deliveries (batch, created);
