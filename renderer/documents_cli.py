"""`renderer sign`, `renderer verify`, `renderer place`: what the service does to a PDF, done
here on local files (the signer profiles from OBRAZCI_SIGNING_CONFIG or --signing-config).

Exit codes: 0 done (verify: every signature intact, valid and trusted), 1 refused or not
valid, 2 wrong usage or an unreadable file or configuration.
"""

from __future__ import annotations

import json
import math
import sys
from datetime import datetime
from pathlib import Path

from .files import write_output


def _fail(message: str, code: int = 2) -> int:
    print(f"renderer: {message}", file=sys.stderr)
    return code


def _read(path: str) -> bytes:
    return sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()


def _signing(args):
    from .signing import SigningConfig, SigningService

    path = args.signing_config
    config = SigningConfig.from_file(path) if path else SigningConfig.from_environment()
    return SigningService(config)


def sign(args) -> int:
    from .signing import LEVELS, ServiceFailure, SigningConfigError
    from .uploads import UploadRefused, check_pdf

    if args.level not in LEVELS:
        return _fail(f"--level: one of {', '.join(LEVELS)}")
    try:
        data = _read(args.pdf)
        check_pdf(data, "pdf")
        service = _signing(args)
    except OSError as exc:
        return _fail(f"cannot read {args.pdf}: {exc.strerror}")
    except UploadRefused as exc:
        return _fail(f"{args.pdf}: {exc.reason}", 1)
    except SigningConfigError as exc:
        return _fail(str(exc))
    if args.profile not in service.loaded:
        return _fail(
            f"--profile: no signer profile {args.profile!r} (profiles: {', '.join(service.loaded) or 'none'})"
        )
    try:
        signed = service.sign(data, args.profile, args.level)
    except ServiceFailure as exc:
        return _fail(f"{exc.service}: {exc.reason}; not signed at {args.level}", 1)
    write_output(args.output, signed)
    print(f"{args.output}: signed with {args.profile} at {args.level}", file=sys.stderr)
    return 0


def verify(args) -> int:
    from .signing import SigningConfigError
    from .verify import NotAPdf, verify_pdf

    at = None
    if args.at:
        try:
            at = datetime.fromisoformat(args.at.replace("Z", "+00:00"))
        except ValueError:
            return _fail("--at: an ISO 8601 moment with a time zone, e.g. 2030-01-01T00:00:00Z")
        if at.tzinfo is None:
            return _fail("--at: the moment needs a time zone, e.g. 2030-01-01T00:00:00Z")
    try:
        data = _read(args.pdf)
        service = _signing(args)
        report = verify_pdf(data, service.trust_roots, service.trusted_tsa, at=at)
    except OSError as exc:
        return _fail(f"cannot read {args.pdf}: {exc.strerror}")
    except SigningConfigError as exc:
        return _fail(str(exc))
    except NotAPdf as exc:
        return _fail(f"{args.pdf}: {exc}", 1)
    json.dump(report, sys.stdout, ensure_ascii=False, indent=2, default=str)
    print()
    signatures = report.get("signatures", [])
    good = signatures and all(
        s.get("intact") and s.get("valid") and s.get("trusted") for s in signatures
    )
    return 0 if good else 1


def place(args) -> int:
    from .options import RenderOptions
    from .pipeline import Pipeline
    from .uploads import UploadRefused, check_pdf, place_onto
    from .validation import InvalidRequest

    try:
        x, y = (float(v) for v in args.at.split(","))
        if not (math.isfinite(x) and math.isfinite(y)) or x < 0 or y < 0:
            raise ValueError
        page = None if args.page == "new" else int(args.page) - 1
        if page is not None and page < 0:
            raise ValueError
    except ValueError:
        return _fail("--at X,Y in mm (not negative) and --page a number from 1, or new")
    pipeline = Pipeline()
    if args.layout not in pipeline.registry or not pipeline.layout(args.layout).placeable:
        placeable = ", ".join(layout.id for layout in pipeline.registry if layout.placeable)
        return _fail(f"{args.layout!r} cannot be placed; these can: {placeable}")
    try:
        body = json.loads(Path(args.request).read_text(encoding="utf-8"))
        document = check_pdf(_read(args.document), "document")
    except (OSError, ValueError) as exc:
        if isinstance(exc, UploadRefused):
            return _fail(f"{args.document}: {exc.reason}", 1)
        return _fail(f"cannot read the request or the document: {exc}")
    try:
        rendered = pipeline.render(args.layout, body, RenderOptions("pdf"))
        placed, removed = place_onto(document, rendered.content, page, x, y)
    except InvalidRequest as exc:
        for error in exc.errors:
            print(f"renderer: {error.pointer or '/'}: {error.reason}", file=sys.stderr)
        return 1
    except UploadRefused as exc:
        return _fail(f"{args.document}: {exc.reason}", 1)
    write_output(args.output, placed)
    if removed:
        print(
            f"renderer: {args.document}: active content removed: {', '.join(removed)}",
            file=sys.stderr,
        )
    print(f"{args.output}: {args.layout} placed", file=sys.stderr)
    return 0


def add_parsers(sub) -> None:
    config = {"help": "signer profiles (default: $OBRAZCI_SIGNING_CONFIG)"}
    signer = sub.add_parser("sign", help="sign a PDF (PAdES) with a signer profile")
    signer.add_argument("pdf", help="the PDF (- for standard input)")
    signer.add_argument(
        "-o", "--output", required=True, help="the signed PDF (- for standard output)"
    )
    signer.add_argument("--profile", required=True, help="the signer profile")
    signer.add_argument("--level", default="B-B", help="B-B, B-T, B-LT or B-LTA (default B-B)")
    signer.add_argument("--signing-config", **config)
    signer.set_defaults(run=sign)

    verifier = sub.add_parser("verify", help="report on a PDF's signatures, offline (JSON)")
    verifier.add_argument("pdf", help="the PDF (- for standard input)")
    verifier.add_argument("--at", help="validate as of this moment (ISO 8601 with a time zone)")
    verifier.add_argument(
        "--signing-config",
        help="trust roots from these profiles (default: $OBRAZCI_SIGNING_CONFIG)",
    )
    verifier.set_defaults(run=verify)

    placer = sub.add_parser(
        "place", help="render a placeable layout (a stamp, a confirmation) onto a PDF"
    )
    placer.add_argument("layout", help="e.g. stamp.receipt")
    placer.add_argument("request", help='request JSON file: {"languages": [...], "data": {...}}')
    placer.add_argument("document", help="the PDF to draw on (- for standard input)")
    placer.add_argument(
        "-o",
        "--output",
        required=True,
        help="the PDF with the layout drawn on (- for standard output)",
    )
    placer.add_argument("--page", default="1", help="the page (from 1), or new for a new last page")
    placer.add_argument("--at", default="0,0", help="X,Y in mm from the page's top left")
    placer.set_defaults(run=place)
