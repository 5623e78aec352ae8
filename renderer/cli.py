"""Command line: `renderer layouts`, `renderer render`, `renderer serve`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .specs import FORMATS, MARKS, OptionError, RenderOptions, ServiceSpec


def _layouts(args) -> int:
    from .registry import Registry

    registry = Registry()
    if args.json:
        json.dump([layout.summary() for layout in registry], sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    for layout in registry:
        height = f"{layout.page.height_mm:g}" if not layout.page.auto_height else "auto"
        size = f"{layout.page.width_mm:g} x {height} mm"
        print(f"{layout.id:<24} {size:<18} {layout.titles['sl']}")
    return 0


def _render(args) -> int:
    from .pipeline import Pipeline
    from .schema import InvalidRequest

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
        rendered = pipeline.render(args.layout, body, options)
    except InvalidRequest as exc:
        for error in exc.errors:
            print(f"renderer: {error.pointer or '/'}: {error.reason}", file=sys.stderr)
        return 1
    except OptionError as exc:
        print(f"renderer: --{exc}", file=sys.stderr)
        return 2
    for finding in rendered.findings:
        print(f"renderer: finding: {finding.pointer}: {finding.reason}", file=sys.stderr)
    out = Path(args.output)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_bytes(rendered.content)
    tmp.replace(out)  # never a half-written file under the asked name
    print(f"{out} ({rendered.pages} page(s), {len(rendered.content)} bytes)", file=sys.stderr)
    return 0


def _serve(args) -> int:
    from .http.server import serve
    from .signing import SigningConfig, SigningConfigError, SigningService

    try:  # refuse to start with a profile that cannot be opened (wrong passphrase, PIN, file)
        SigningService(SigningConfig.from_environment())
    except SigningConfigError as exc:
        print(f"renderer: cannot start: {exc}", file=sys.stderr)
        return 1
    serve(ServiceSpec(host=args.host, port=args.port, workers=args.workers))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="renderer", description="Render the Pravilnik's layouts.")
    sub = p.add_subparsers(dest="command", required=True)

    layouts = sub.add_parser("layouts", help="list the layouts")
    layouts.add_argument("--json", action="store_true", help="as JSON")
    layouts.set_defaults(run=_layouts)

    render = sub.add_parser("render", help="render one request to a file")
    render.add_argument("layout", help="layout id, e.g. stamp.receipt")
    render.add_argument("request", help="request JSON file: {\"languages\": [...], \"data\": {...}}")
    render.add_argument("-o", "--output", required=True, help="output file")
    render.add_argument("--format", default="pdf", choices=list(FORMATS))
    render.add_argument("--dpi", type=int, default=RenderOptions.dpi, help="resolution for --format png")
    render.add_argument("--variant", help="one of the layout's variants (see 'renderer layouts --json')")
    render.add_argument("--marks", choices=list(MARKS), help="printer's marks (crop marks outside the bleed)")
    render.set_defaults(run=_render)

    serve = sub.add_parser("serve", help="run the HTTP service")
    defaults = ServiceSpec()
    serve.add_argument("--host", default=defaults.host)
    serve.add_argument("--port", type=int, default=defaults.port)
    serve.add_argument("--workers", type=int, default=defaults.workers)
    serve.set_defaults(run=_serve)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)
