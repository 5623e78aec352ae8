"""The request readers every resource shares: bodies (raw, JSON, multipart, PDF) read with
or without Content-Length (``Transfer-Encoding: chunked``), the size limit applied while
reading; the layout named in the path; the render query parameters. Each refusal is its
own 4xx naming the header, part, pointer or parameter."""

from __future__ import annotations

import codecs
import math
from io import BytesIO
from typing import Any, Protocol

import falcon
from falcon.media.multipart import MultipartFormHandler, MultipartParseOptions

from ..jsonlimits import JsonRefused, loads
from ..options import FORMATS, LANGUAGE_SETS, Limits, RenderOptions
from ..pipeline import Pipeline
from ..registry import Layout
from .problems import Problem, bad_parameter, too_large

BLOCK = 64 * 1024
DEFAULT_LIMITS = Limits()


def body_too_large(max_bytes: int, size: int | None = None) -> Problem:
    detail = f"the limit is {max_bytes} bytes" + (
        f", the body has {size}" if size is not None else ""
    )
    return too_large("Request body too large", detail, {"header": "Content-Length"})


class ByteStream(Protocol):
    """What a body is read from: Falcon's bounded stream or the server's input."""

    def read(self, size: int = -1, /) -> bytes: ...


def body_stream(req: falcon.Request, max_bytes: int) -> ByteStream:
    """The body as a stream: bounded by Content-Length when there is one (refused at once
    above ``max_bytes``), else the server's de-chunked input read to its end (gunicorn marks
    it ``wsgi.input_terminated``); empty when there is no body. The caller still counts
    what it reads: a chunked body has no length to check in advance."""
    if req.content_length is not None:
        if req.content_length > max_bytes:
            raise body_too_large(max_bytes, req.content_length)
        return req.bounded_stream
    chunked = "chunked" in (req.get_header("Transfer-Encoding") or "").lower()
    if chunked or req.env.get("wsgi.input_terminated"):
        return req.stream
    return req.bounded_stream  # no length, no chunks: no body


def read_body(req: falcon.Request, max_bytes: int) -> bytes:
    """The whole body, refused (413) as soon as it passes ``max_bytes``."""
    stream = body_stream(req, max_bytes)
    pieces, size = [], 0
    while True:
        piece = stream.read(min(BLOCK, max_bytes + 1 - size))
        if not piece:
            break
        pieces.append(piece)
        size += len(piece)
        if size > max_bytes:
            raise body_too_large(max_bytes)
    return b"".join(pieces)


def json_problem(exc: JsonRefused, part: str | None = None) -> Problem:
    """A 400 for malformed JSON (naming line and column), a 422 for JSON beyond a limit
    (naming the limit, and the multipart part it came in)."""
    entry: dict[str, Any] = {"pointer": exc.pointer, "detail": exc.reason}
    if part is not None:
        entry["part"] = part
    if exc.limit is not None:
        entry["limit"] = exc.limit
    if not exc.syntax:
        where = f"{part} part: " if part else ""
        return Problem(
            falcon.HTTP_422,
            "Request too complex" if exc.limit else "Invalid request data",
            where + exc.reason,
            [entry],
        )
    if exc.line is not None:
        entry.update(line=exc.line, column=exc.column)
    return Problem(
        falcon.HTTP_400, "Malformed JSON", (f"{part} part: " if part else "") + exc.reason, [entry]
    )


def _charset(req: falcon.Request) -> str:
    """The declared charset (UTF-8 if none); one Python cannot decode is a 415."""
    params = (req.content_type or "").split(";")[1:]
    declared = next(
        (
            p.split("=", 1)[1].strip().strip('"')
            for p in params
            if p.strip().lower().startswith("charset=")
        ),
        "utf-8",
    )
    try:
        return codecs.lookup(declared).name
    except LookupError:
        raise Problem(
            falcon.HTTP_415,
            "Unsupported charset",
            f"cannot decode charset {declared!r}",
            [{"header": "Content-Type", "detail": f"unknown charset {declared!r}; send UTF-8"}],
        ) from None


def parse_json(
    raw: bytes, charset: str = "utf-8", limits: Limits = DEFAULT_LIMITS, part: str | None = None
) -> Any:
    """``raw`` decoded as ``charset`` and parsed within ``limits``, or the 4xx that says why not."""
    try:
        text = raw.decode(charset)
    except UnicodeDecodeError as exc:
        detail = f"the body is not {charset} (byte {exc.start})"
        entry = {"pointer": "", "detail": detail, **({"part": part} if part else {})}
        raise Problem(falcon.HTTP_400, "Malformed JSON", detail, [entry]) from None
    try:
        return loads(text, limits)
    except JsonRefused as exc:
        raise json_problem(exc, part) from None


def read_json(
    req: falcon.Request, max_bytes: int, limits: Limits = DEFAULT_LIMITS, optional: bool = False
) -> Any:
    """The JSON body; with ``optional`` an empty body (and no content type) is None."""
    media_type = (req.content_type or "").split(";")[0].strip().lower()
    if (
        not (optional and not media_type)
        and media_type != "application/json"
        and not (media_type.startswith("application/") and media_type.endswith("+json"))
    ):
        raise Problem(
            falcon.HTTP_415,
            "Unsupported media type",
            f"the body must be application/json, not {media_type or 'unspecified'}",
            [{"header": "Content-Type", "detail": "send application/json"}],
        )
    charset = _charset(req)
    raw = read_body(req, max_bytes)
    if optional and not raw.strip():
        return None
    if optional and not media_type:  # a body, but no content type
        raise Problem(
            falcon.HTTP_415,
            "Unsupported media type",
            "a body needs Content-Type: application/json",
            [{"header": "Content-Type", "detail": "send application/json"}],
        )
    return parse_json(raw, charset, limits)


def read_parts(
    req: falcon.Request, file_part: str, limits: Limits = DEFAULT_LIMITS
) -> tuple[Any, bytes]:
    """The ``request`` part (JSON, within the limits) and the uploaded file part of a
    multipart/form-data body, read with or without Content-Length."""
    if not (req.content_type or "").startswith("multipart/form-data"):
        raise Problem(
            falcon.HTTP_415,
            "Unsupported media type",
            f"send multipart/form-data with a 'request' part (JSON) and a '{file_part}' part",
            [{"header": "Content-Type", "detail": "send multipart/form-data"}],
        )
    raw = read_body(req, limits.max_upload_bytes + limits.max_body_bytes + BLOCK)
    options = MultipartParseOptions()
    options.max_body_part_count = 16
    options.max_body_part_buffer_size = limits.max_upload_bytes + 1
    body, upload = None, None
    try:
        for part in MultipartFormHandler(options).deserialize(
            BytesIO(raw), req.content_type, len(raw)
        ):
            if part.name == "request":
                data = part.stream.read(limits.max_body_bytes + 1)
                if len(data) > limits.max_body_bytes:
                    raise too_large(
                        "Request part too large",
                        f"the request part's limit is {limits.max_body_bytes} bytes",
                        {"part": "request"},
                    )
                body = parse_json(data, "utf-8", limits, part="request")
            elif part.name == file_part:
                upload = part.stream.read(limits.max_upload_bytes + 1)
                if len(upload) > limits.max_upload_bytes:
                    raise too_large(
                        "Upload too large",
                        f"the limit is {limits.max_upload_bytes} bytes",
                        {"part": file_part},
                    )
    except falcon.MediaMalformedError as exc:
        detail = str(exc.description or exc.title)
        raise Problem(
            falcon.HTTP_400,
            "Malformed multipart body",
            detail,
            [{"header": "Content-Type", "detail": detail}],
        ) from None
    missing = [name for name, value in (("request", body), (file_part, upload)) if value is None]
    if missing or upload is None:
        raise Problem(
            falcon.HTTP_422,
            "Missing parts",
            f"missing part(s): {', '.join(missing)}",
            [{"pointer": f"/{name}", "part": name, "detail": "is required"} for name in missing],
        )
    return body, upload


def read_pdf(req: falcon.Request, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """A PDF sent as the whole body (``Content-Type: application/pdf``)."""
    media_type = (req.content_type or "").split(";")[0].strip().lower()
    if media_type != "application/pdf":
        raise Problem(
            falcon.HTTP_415,
            "Unsupported media type",
            "the body must be application/pdf",
            [{"header": "Content-Type", "detail": "send application/pdf"}],
        )
    data = read_body(req, limits.max_upload_bytes)
    if not data.startswith(b"%PDF-"):
        raise Problem(
            falcon.HTTP_422,
            "Not a PDF",
            "the body does not start with %PDF-",
            [{"pointer": "", "detail": "not a PDF file"}],
        )
    return data


def known_layout(pipeline: Pipeline, layout_id: str) -> Layout:
    """The layout named in the path, or a 404."""
    if layout_id not in pipeline.registry:
        raise Problem(
            falcon.HTTP_404, "Unknown layout", f"there is no layout {layout_id!r}; see /v1/layouts"
        )
    return pipeline.layout(layout_id)


def render_options(req: falcon.Request) -> RenderOptions:
    """format, dpi, variant and marks; whether the layout offers the variant is checked later."""
    fmt = req.get_param("format") or "pdf"
    if fmt not in FORMATS:
        raise bad_parameter("format", f"must be one of {', '.join(FORMATS)}")
    dpi_text = req.get_param("dpi")
    dpi = RenderOptions.dpi
    if dpi_text is not None:
        if (
            not dpi_text.isdigit()
            or not RenderOptions.MIN_DPI <= int(dpi_text) <= RenderOptions.MAX_DPI
        ):
            raise bad_parameter(
                "dpi",
                f"must be a whole number from {RenderOptions.MIN_DPI} to {RenderOptions.MAX_DPI}",
            )
        dpi = int(dpi_text)
        if fmt != "png":
            raise bad_parameter("dpi", "applies only to format=png")
    # an option the layout lacks (e.g. marks with png) is an OptionError: a 400 (problems.py)
    return RenderOptions(fmt, dpi, req.get_param("variant"), req.get_param("marks"))


def languages(req: falcon.Request) -> tuple[str, ...]:
    text = req.get_param("languages") or "sl"
    value = tuple(part.strip() for part in text.split(","))
    if value not in LANGUAGE_SETS:
        raise bad_parameter("languages", "must be sl, sl,it or sl,hu")
    return value


def placement(req: falcon.Request) -> tuple[int | None, float, float]:
    """``page`` (from 1, or ``new``) and ``at=X,Y`` (mm) of a layout placed onto a document."""
    where = req.get_param("at") or "0,0"
    page_text = req.get_param("page") or "1"
    try:
        x, y = (float(v) for v in where.split(","))
    except ValueError:
        raise bad_parameter("at", "give the position as X,Y in mm, e.g. at=20,30") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise bad_parameter("at", "the position must be two finite numbers of mm")
    try:
        page = None if page_text == "new" else int(page_text) - 1
    except ValueError:
        raise bad_parameter("page", "a page number (from 1) or 'new'") from None
    if page is not None and page < 0:
        raise bad_parameter("page", "pages count from 1")
    return page, x, y
