"""What an operator sees of each request: a request id, one log line, metrics.

``X-Request-ID`` is taken from the request when it is a sane token (what a proxy in front
generated) or made here; it comes back in the response header, in every problem+json body
(``request_id``) and in every log line written while the request is handled.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid

from .. import metrics
from ..specs import FORMATS

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

access_log = logging.getLogger("obrazci.access")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id, the fields passed as
    ``extra={"fields": {...}}``, and a traceback where there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        entry.update(getattr(record, "fields", {}) or {})
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = getattr(record, "fields", None)
        if fields:
            line += " " + " ".join(f"{k}={v}" for k, v in fields.items())
        request_id = getattr(record, "request_id", None)
        return f"{line} [request {request_id}]" if request_id else line


JsonFormatter.converter = time.gmtime


def configure_logging(level: str = "info", fmt: str = "json") -> None:
    """The application's loggers (and gunicorn's) to stderr, one line an event."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else
                         TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("gunicorn.error", "gunicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)


class Observe:
    """Falcon middleware: the request id, the access log line and the request metrics.
    Labels take only known values (layouts, formats), so no request can grow the metrics."""

    def __init__(self, layouts: frozenset[str]):
        self.layouts = layouts

    def process_request(self, req, resp) -> None:
        given = req.get_header("X-Request-ID")
        request_id = given if given and _SANE_ID.fullmatch(given) else uuid.uuid4().hex
        req.context.request_id = request_id
        req.context.started = time.perf_counter()
        req.context.token = REQUEST_ID.set(request_id)
        resp.set_header("X-Request-ID", request_id)

    def process_resource(self, req, resp, resource, params) -> None:
        layout = (params or {}).get("layout_id")
        req.context.layout = layout if layout in self.layouts else None

    def process_response(self, req, resp, resource, req_succeeded) -> None:
        started = getattr(req.context, "started", None)
        if started is None:
            return
        duration = time.perf_counter() - started
        route = req.uri_template or "unrouted"
        layout = getattr(req.context, "layout", None) or ""
        fmt = req.get_param("format") or ("pdf" if layout else "")
        fmt = fmt if fmt in FORMATS or not fmt else "other"
        status = resp.status_code
        body = resp.render_body() if resp.stream is None else None
        size = len(body) if body else int(resp.get_header("Content-Length") or 0)
        if route not in ("/metrics",):
            metrics.REQUESTS.labels(route, layout, fmt, str(status)).inc()
            metrics.REQUEST_SECONDS.labels(route, layout).observe(duration)
        fields = {"method": req.method, "path": req.path, "route": route, "status": status,
                  "duration_ms": round(duration * 1000, 1), "bytes": size}
        if layout:
            fields["layout"] = layout
        if fmt:
            fields["format"] = fmt
        pages = resp.get_header("X-Page-Count")
        if pages:
            fields["pages"] = int(pages)
        access_log.info("%s %s %s", req.method, req.path, status, extra={"fields": fields})
        token = getattr(req.context, "token", None)
        if token is not None:
            REQUEST_ID.reset(token)
