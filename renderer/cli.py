"""Command line: `renderer layouts`, `render`, `serve`, `config`, `sign`, `verify`, `place` (here), `batch …` and
`shop …` (renderer/batch/commands.py)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .files import write_output
from .options import FORMATS, MARKS, OptionError, RenderOptions

if TYPE_CHECKING:
    from .settings import Settings

WARM_BACKGROUND_NICENESS = 10  # `renderer warm --background` yields the CPU to the service


def _layouts(args) -> int:
    from .registry import Registry

    registry = Registry()
    if args.json:
        json.dump(
            [layout.summary() for layout in registry], sys.stdout, ensure_ascii=False, indent=2
        )
        print()
        return 0
    for layout in registry:
        height = f"{layout.page.height_mm:g}" if not layout.page.auto_height else "auto"
        size = f"{layout.page.width_mm:g} x {height} mm"
        print(f"{layout.id:<24} {size:<18} {layout.titles['sl']}")
    return 0


def _render(args) -> int:
    from .pipeline import Pipeline
    from .validation import InvalidRequest

    try:
        options = RenderOptions(args.format, args.dpi, args.variant, args.marks)
    except ValueError as exc:
        print(f"renderer: {exc}", file=sys.stderr)
        return 2
    try:
        body = json.loads(Path(args.request).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        print(f"renderer: cannot read {args.request}: {exc}", file=sys.stderr)
        return 2
    pipeline = Pipeline()
    if args.layout not in pipeline.registry:
        print(f"renderer: unknown layout {args.layout!r}; see 'renderer layouts'", file=sys.stderr)
        return 2
    try:
        scan, attachment = _upload(pipeline.layout(args.layout), args.upload)
    except ValueError as exc:
        print(f"renderer: --upload: {exc}", file=sys.stderr)
        return 2
    try:
        rendered = pipeline.render(args.layout, body, options, scan, attachment)
    except InvalidRequest as exc:
        layout = pipeline.layout(args.layout)
        needs = {f"/{name}" for name in (layout.upload, layout.attachment) if name}
        for error in exc.errors:
            reason = (
                "this layout needs the file: give it with --upload FILE"
                if error.pointer in needs
                else error.reason
            )
            print(f"renderer: {error.pointer or '/'}: {reason}", file=sys.stderr)
        return 1
    except OptionError as exc:
        print(f"renderer: --{exc}", file=sys.stderr)
        return 2
    for finding in rendered.findings:
        print(f"renderer: finding: {finding.pointer}: {finding.reason}", file=sys.stderr)
    write_output(args.output, rendered.content)
    print(
        f"{args.output} ({rendered.pages} page(s), {len(rendered.content)} bytes)", file=sys.stderr
    )
    return 0


def _upload(layout, path: str | None):
    """(scan, attachment): the checked file of a layout that takes one (--upload)."""
    from .uploads import check_attachment, check_scan

    if path is None:
        return None, None
    part = layout.upload or layout.attachment
    if part is None:
        raise ValueError(f"{layout.id} takes no file")
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    if layout.upload:
        return check_scan(data, part), None
    return None, check_attachment(data, part, part)


def _settings(args) -> Settings:
    """The effective settings: the command's flags over the environment over the defaults."""
    from .settings import SETTINGS, Settings

    return Settings.load(flags={s.name: getattr(args, s.name, None) for s in SETTINGS})


def _serve(args) -> int:
    import tempfile

    from .settings import SettingsError

    try:
        settings = _settings(args)
        settings.check()  # the access file, the signer profiles and keys, the data directory: now, not later
    except SettingsError as exc:
        print(f"renderer: cannot start: {exc}", file=sys.stderr)
        return 2
    problem = _migrate(settings)
    if problem:
        print(f"renderer: cannot start: {problem}", file=sys.stderr)
        return 2
    # before anything imports prometheus_client: every process of the service writes its metrics here
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="obrazci-metrics-"))
    from .batch.runner import RunnerBusy
    from .http.server import serve

    try:
        # the celery engine's batches run in `renderer worker` processes, never beside the API
        serve(
            settings,
            batches=not args.no_batches and settings.batch_engine == "embedded",
            dev=args.dev,
        )
    except RunnerBusy as exc:
        print(f"renderer: cannot start: {exc} (or start with --no-batches)", file=sys.stderr)
        return 2
    return 0


def _migrate(settings) -> str | None:
    """The celery engine: bring the PostgreSQL schema up to date (under an advisory lock, so
    replicas and workers starting together do it once). Returns why it cannot, or None."""
    if settings.batch_engine != "celery":
        return None
    import psycopg

    from .batch.pgstore import SchemaTooNew, migrate
    from .settings import mask

    try:
        before, after = migrate(settings.database_url)
    except SchemaTooNew as exc:
        return f"OBRAZCI_DATABASE_URL: {exc}"
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"OBRAZCI_DATABASE_URL ({mask(settings.database_url)}): {reason}"
    if after != before:
        print(f"renderer: batch database schema {before} -> {after}", file=sys.stderr)
    return None


def _warm(args) -> int:
    """Draw every layer the warm cache lacks (what a first start would otherwise draw in the
    background, see http/server.py), e.g. when an image is built."""
    import time

    from .settings import SettingsError

    try:
        settings = _settings(args)
    except SettingsError as exc:
        print(f"renderer: {exc}", file=sys.stderr)
        return 2
    if args.background:
        from .batch.executor import die_with_parent

        die_with_parent()
        os.nice(WARM_BACKGROUND_NICENESS)
    from . import ffiload
    from .warmcache import WarmCache

    started = time.perf_counter()
    cache = WarmCache(settings.data_dir / "cache")
    ffiload.install(cache.cdefs)
    from .options import LANGUAGE_SETS
    from .pipeline import Pipeline

    pipeline = Pipeline(settings.limits(), cache)
    missing = pipeline.warm_layers(LANGUAGE_SETS, draw=False)
    pipeline.warm_layers(LANGUAGE_SETS)  # what was missing drawn and stored
    cache.mark_complete()
    seconds = time.perf_counter() - started
    print(f"renderer: {missing} layers drawn into {cache.folder} in {seconds:.1f} s")
    return 0


def _migrate_command(args) -> int:
    from .settings import SettingsError

    try:
        settings = _settings(args)
    except SettingsError as exc:
        print(f"renderer: {exc}", file=sys.stderr)
        return 2
    if settings.batch_engine != "celery":
        print(
            "renderer: the embedded engine (SQLite) needs no migrations; set OBRAZCI_BATCH_ENGINE=celery",
            file=sys.stderr,
        )
        return 2
    problem = _migrate(settings)
    if problem:
        print(f"renderer: {problem}", file=sys.stderr)
        return 1
    from .batch.pgstore import known_version

    print(f"batch database at schema version {known_version()}")
    return 0


def _worker(args) -> int:
    from .settings import SettingsError

    try:
        settings = _settings(args)
        settings.check_webhooks()  # its deliverer signs with the key
    except SettingsError as exc:
        print(f"renderer: cannot start: {exc}", file=sys.stderr)
        return 2
    if settings.batch_engine != "celery":
        print(
            "renderer: cannot start: 'renderer worker' is the celery engine's (set OBRAZCI_BATCH_ENGINE=celery); "
            "the embedded engine's workers run beside 'renderer serve'",
            file=sys.stderr,
        )
        return 2
    problem = _migrate(settings)
    if problem:
        print(f"renderer: cannot start: {problem}", file=sys.stderr)
        return 2
    from .batch.distributed import run_worker
    from .logs import configure_logging

    os.environ.update(settings.environment())  # the pool's processes read the same settings
    configure_logging(settings.log_level, settings.log_format)
    run_worker(settings.engine(), loglevel=settings.log_level.upper())
    return 0


def _config(args) -> int:
    from .settings import SettingsError

    try:
        settings = _settings(args)
    except SettingsError as exc:
        print(f"renderer: {exc}", file=sys.stderr)
        return 2
    rows = settings.shown()
    if args.json:
        json.dump({setting.env: value for setting, value in rows}, sys.stdout, indent=2)
        print()
        return 0
    for setting, value in rows:
        print(f"{setting.env:<30} {value}")
    return 0


def _setting_flags(p: argparse.ArgumentParser) -> None:
    from dataclasses import fields

    from .settings import SETTINGS, Settings

    defaults = Settings()
    kinds = {f.name: f.type for f in fields(Settings)}
    for setting in SETTINGS:
        kind = {"int": int, "float": float}.get(str(kinds[setting.name]), str)
        default = getattr(defaults, setting.name)
        p.add_argument(
            setting.flag,
            dest=setting.name,
            type=kind,
            default=None,
            metavar="N"
            if kind is not str
            else "PATH"
            if "Path" in str(kinds[setting.name])
            else "VALUE",
            help=f"{setting.help} [${setting.env}; default: {default if default is not None else 'none'}]",
        )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("obrazci")
    except PackageNotFoundError:
        return "unknown"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="renderer", description="Render the Pravilnik's layouts.")
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = p.add_subparsers(dest="command", required=True)

    layouts = sub.add_parser("layouts", help="list the layouts")
    layouts.add_argument("--json", action="store_true", help="as JSON")
    layouts.set_defaults(run=_layouts)

    render = sub.add_parser("render", help="render one request to a file")
    render.add_argument("layout", help="layout id, e.g. stamp.receipt")
    render.add_argument("request", help='request JSON file: {"languages": [...], "data": {...}}')
    render.add_argument("-o", "--output", required=True, help="output file (- for standard output)")
    render.add_argument("--format", default="pdf", choices=list(FORMATS))
    render.add_argument(
        "--dpi", type=int, default=RenderOptions.dpi, help="resolution for --format png"
    )
    render.add_argument(
        "--variant", help="one of the layout's variants (see 'renderer layouts --json')"
    )
    render.add_argument(
        "--upload",
        help="the file the layout takes: the scan of certification.electronic-copy, "
        "the received application of e-receipt.application",
    )
    render.add_argument(
        "--marks", choices=list(MARKS), help="printer's marks (crop marks outside the bleed)"
    )
    render.set_defaults(run=_render)

    settings = argparse.ArgumentParser(add_help=False)
    _setting_flags(settings)
    serve = sub.add_parser(
        "serve",
        parents=[settings],
        help="run the HTTP service",
        description="Every flag can also be set by the environment variable named in its help.",
    )
    serve.add_argument(
        "--no-batches",
        action="store_true",
        help="do not run the batch runner in this service (run 'renderer batch run' elsewhere)",
    )
    serve.add_argument(
        "--dev",
        action="store_true",
        help="live templates for the studio: watch templates/, renderer/locale/ and samples/ (never in production)",
    )
    serve.set_defaults(run=_serve)

    migrate = sub.add_parser(
        "migrate", parents=[settings], help="celery engine: bring the PostgreSQL schema up to date"
    )
    migrate.set_defaults(run=_migrate_command)

    worker = sub.add_parser(
        "worker",
        parents=[settings],
        help="celery engine: render chunks and package jobs "
        "(one process per core, or OBRAZCI_BATCH_WORKERS)",
        description="Every flag can also be set by the environment variable named in its help.",
    )
    worker.set_defaults(run=_worker)

    warm = sub.add_parser(
        "warm",
        parents=[settings],
        help="draw the layers a first start needs into the data directory's warm cache",
        description="What `renderer serve` otherwise draws in the background on its first "
        "start (and after an upgrade); the Dockerfile runs it when the image is built.",
    )
    warm.add_argument(
        "--background",
        action="store_true",
        help=f"as the service starts it: at niceness {WARM_BACKGROUND_NICENESS}, ending with its parent",
    )
    warm.set_defaults(run=_warm)

    config = sub.add_parser(
        "config", parents=[settings], help="print the effective configuration (secrets masked)"
    )
    config.add_argument("--json", action="store_true", help="as JSON")
    config.set_defaults(run=_config)

    from . import documents_cli
    from .batch import commands

    documents_cli.add_parsers(sub)
    commands.add_parsers(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code = args.run(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:  # `renderer layouts --json | head`: the reader left, which is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print("renderer: interrupted", file=sys.stderr)
        return 130
    except RuntimeError as exc:
        from .layoutfile import LayoutError  # loaded already when a layout folder failed

        if not isinstance(exc, LayoutError):
            raise
        print(f"renderer: {exc}", file=sys.stderr)  # the file and the key, no traceback
        return 2
