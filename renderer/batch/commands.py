"""`renderer batch …` (a client's side) and `renderer shop …` (a print shop's side): the
service over HTTP, with ``--url``/``--key`` or OBRAZCI_URL/OBRAZCI_API_KEY.

Exit codes: 0 done (a batch ready), 1 a batch that completed with errors or failed, or a
request the service refused, 2 wrong usage, 130 interrupted (the batch carries on).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

from .client import BatchClient, ClientError

SHOP_STATUSES = ("accepted", "printed", "shipped", "rejected")


def _client(args) -> BatchClient:
    return BatchClient(args.url, args.key)


def _print(value: dict) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    print()


def _outcome(status: dict) -> int:
    return 0 if status["state"] in ("ready", "collected") else 1


def _follow(client: BatchClient, batch_id: str) -> int:
    try:
        status = client.follow(batch_id)
    except KeyboardInterrupt:
        print(
            f"\nrenderer: stopped following; batch {batch_id} carries on "
            f"(see 'renderer batch status {batch_id}')",
            file=sys.stderr,
        )
        return 130
    _print(status)
    return _outcome(status)


def _submit(args) -> int:
    client = _client(args)
    options = {
        "layout": args.layout,
        "languages": args.languages,
        "format": args.format,
        "variant": args.variant,
        "output": args.output,
        "imposition": args.imposition,
        "shop": args.shop,
        "callback_url": args.callback_url,
    }
    status = client.submit(Path(args.records), options, args.idempotency_key)
    print(f"batch {status['id']}: {status['counts']['total']} records", file=sys.stderr)
    if args.no_wait:
        _print(status)
        return 0
    return _follow(client, status["id"])


def _status(args) -> int:
    _print(_client(args).status(args.batch))
    return 0


def _cancel(args) -> int:
    _print(_client(args).cancel(args.batch))
    return 0


def _wait(args) -> int:
    return _follow(_client(args), args.batch)


def _pull(args, shop: bool = False) -> int:
    for path in _client(args).pull(args.job if shop else args.batch, Path(args.dir), shop=shop):
        print(path)
    return 0


def _run(args) -> int:
    from ..settings import Settings, SettingsError
    from .runner import RunnerBusy, run_batches

    try:
        settings = Settings.load()
        settings.check_webhooks()  # its deliverer signs with the key
    except SettingsError as exc:
        print(f"renderer: cannot start: {exc}", file=sys.stderr)
        return 2
    engine = settings.engine()
    if engine.kind != "embedded":
        print(
            "renderer: the celery engine's batches run in 'renderer worker' processes",
            file=sys.stderr,
        )
        return 2
    if args.data:
        engine = replace(engine, data_dir=Path(args.data))
    if args.workers:
        engine = replace(engine, workers=args.workers)
    try:
        run_batches(engine)
    except RunnerBusy as exc:
        print(f"renderer: {exc}", file=sys.stderr)
        return 1
    return 0


def _jobs(args) -> int:
    _print(_client(args).jobs(args.state))
    return 0


def _claim(args) -> int:
    _print(_client(args).claim(args.job))
    return 0


def _report(args) -> int:
    if args.status == "rejected" and not args.reason:
        print("renderer: shop status rejected needs --reason", file=sys.stderr)
        return 2
    _print(_client(args).report(args.job, args.status, args.reason))
    return 0


def guarded(run):
    """A command that talks to the service: its refusals and network errors as one line."""

    def command(args) -> int:
        try:
            return run(args)
        except (ClientError, OSError) as exc:
            print(f"renderer: {exc}", file=sys.stderr)
            return 1

    return command


def add_parsers(sub) -> None:
    connection = argparse.ArgumentParser(add_help=False)
    connection.add_argument(
        "--url",
        default=os.environ.get("OBRAZCI_URL", "http://127.0.0.1:8000"),
        help="the service (default: $OBRAZCI_URL or http://127.0.0.1:8000)",
    )
    connection.add_argument(
        "--key",
        default=os.environ.get("OBRAZCI_API_KEY"),
        help="API key, a client's or a print shop's (default: $OBRAZCI_API_KEY)",
    )

    batch = sub.add_parser("batch", help="print-shop batches: a client's side").add_subparsers(
        dest="batch_command", required=True
    )
    submit = batch.add_parser(
        "submit", parents=[connection], help="submit a records file and follow its progress"
    )
    submit.add_argument(
        "records",
        help="a JSON array of records, or NDJSON (.ndjson, .jsonl): each record is the "
        "layout's data",
    )
    submit.add_argument("--layout", required=True)
    submit.add_argument("--languages", default="sl", help="sl, sl,it or sl,hu")
    submit.add_argument("--format", default="pdf")
    submit.add_argument("--variant")
    submit.add_argument(
        "--output",
        help="files, merged, imposed or layers (default: layers for a layout with [imprint], "
        "the envelope; else files)",
    )
    submit.add_argument("--imposition", help="n-up or cut-and-stack (output imposed)")
    submit.add_argument("--shop", help="the print shop the job is for")
    submit.add_argument(
        "--callback-url",
        help="called back (a signed POST) when the batch has finished; a host the service allows",
    )
    submit.add_argument(
        "--idempotency-key", help="submitting again with the same key gives the same batch"
    )
    submit.add_argument("--no-wait", action="store_true", help="print the batch and return at once")
    submit.set_defaults(run=guarded(_submit))

    status = batch.add_parser(
        "status", parents=[connection], help="a batch's state, counts and failures"
    )
    status.add_argument("batch")
    status.set_defaults(run=guarded(_status))

    cancel = batch.add_parser(
        "cancel",
        parents=[connection],
        help="cancel a queued or rendering batch (nothing more is rendered, its files go)",
    )
    cancel.add_argument("batch")
    cancel.set_defaults(run=guarded(_cancel))

    wait = batch.add_parser(
        "wait",
        parents=[connection],
        help="follow a batch until it has finished (exit 1 if it completed with errors or failed)",
    )
    wait.add_argument("batch")
    wait.set_defaults(run=guarded(_wait))

    pull = batch.add_parser(
        "pull", parents=[connection], help="download a finished batch's files (checksums checked)"
    )
    pull.add_argument("batch")
    pull.add_argument("--dir", default=".", help="where to put the files")
    pull.set_defaults(run=guarded(_pull))

    run = batch.add_parser(
        "run", help="run the batch runner in the foreground (serve runs one itself)"
    )
    run.add_argument("--data", help="data directory (default: $OBRAZCI_DATA_DIR or ./var)")
    run.add_argument("--workers", type=int, help="worker processes (default: one per core)")
    run.set_defaults(run=_run)

    shop = sub.add_parser(
        "shop", help="print jobs: a print shop's side (a shop's API key)"
    ).add_subparsers(dest="shop_command", required=True)
    jobs = shop.add_parser("jobs", parents=[connection], help="the jobs addressed to this shop")
    jobs.add_argument(
        "--state", help="pending, ready, claimed, accepted, printed, shipped or rejected"
    )
    jobs.set_defaults(run=guarded(_jobs))
    claim = shop.add_parser(
        "claim", parents=[connection], help="claim a ready job (a 15-minute lease; again renews it)"
    )
    claim.add_argument("job")
    claim.set_defaults(run=guarded(_claim))
    shop_pull = shop.add_parser(
        "pull", parents=[connection], help="download a job's files (checksums checked)"
    )
    shop_pull.add_argument("job")
    shop_pull.add_argument("--dir", default=".", help="where to put the files")
    shop_pull.set_defaults(run=guarded(lambda args: _pull(args, shop=True)))
    report = shop.add_parser("status", parents=[connection], help="report a job's status")
    report.add_argument("job")
    report.add_argument("status", choices=SHOP_STATUSES)
    report.add_argument("--reason", help="why (required with rejected)")
    report.set_defaults(run=guarded(_report))
