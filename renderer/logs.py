"""Logging for every process of the service: one line an event, JSON or text, each line
carrying the id of the request it belongs to (``REQUEST_ID``, set by the HTTP layer)."""

from __future__ import annotations

import contextvars
import json
import logging
import os
import sys
import time

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


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
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("gunicorn.error", "gunicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)


def configure_from_environment() -> None:
    """For a process started by the service (the batch runner): OBRAZCI_LOG_LEVEL, OBRAZCI_LOG_FORMAT."""
    configure_logging(
        os.environ.get("OBRAZCI_LOG_LEVEL", "info"), os.environ.get("OBRAZCI_LOG_FORMAT", "json")
    )
