"""Print-shop batches: submit many records of one layout, render them in chunks in worker
processes, package the outputs for a print shop to pull.

    specs     what a batch asks for (frozen, validated) and how the batch engine runs
    records   reading the records of a submission as a stream (JSON array or NDJSON)
    store     the state: batches, records, chunks, print-shop leases (SQLite, the embedded engine)
    outputs   where output files go (local or shared disk, S3; written whole, with checksums)
    tasks     the two idempotent tasks: render a chunk, package a batch
    executor  runs tasks in recycled worker processes (only ids travel)
    runner    the loop that schedules chunks and packages, and recovers after a crash
    service   the operations the HTTP resources and the CLI call
    pgstore   the celery engine's state in PostgreSQL (migrations/: its schema), with leases
    distributed  the celery engine: tasks on a Redis broker, the sweeper, `renderer worker`
    retention outputs removed after the retention period, or once a batch is cancelled
    webhooks  callback URLs allowed, the events a finished batch sends, their signature
    delivery  the webhooks delivered from the store's outbox, retried with backoff
"""
