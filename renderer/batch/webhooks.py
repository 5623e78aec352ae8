"""Webhooks: which callback URLs are allowed, the events a finished batch sends, and their
signature. Delivering them (attempts, retries) is delivery.py's.

A callback goes only to a host the operator listed (``OBRAZCI_WEBHOOK_HOSTS``): a client's
``callback_url`` naming any other is refused when the batch is submitted, and the deliverer
checks again before it connects, so nothing else is ever contacted. An event is made in the
transaction that finishes its batch (an outbox row: a restart loses none) and its body is
fixed then: every attempt sends the same bytes, signed with the time of the attempt.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from .store import Batch

MAX_URL_LENGTH = 2000
MIN_SECRET_BYTES = 16
DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST = re.compile(
    r"^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)$"
)

#: The event a batch's client is told of when the batch finishes in that state.
CLIENT_EVENTS = {
    "ready": "batch.ready",
    "completed-with-errors": "batch.completed-with-errors",
    "failed": "batch.failed",
}
JOB_READY = "job.ready"  # a print shop's: a job it can claim (ready, or completed with errors)
SHOP_STATES = ("ready", "completed-with-errors")


def parse_hosts(text: str | None) -> tuple[str, ...]:
    """``host`` or ``host:port`` entries separated by commas (an IPv6 address in brackets),
    lower case; a ``host`` alone allows the scheme's own port (80, 443). Raises ValueError
    naming an entry that is not one."""
    hosts = []
    for entry in (text or "").split(","):
        entry = entry.strip().lower()
        if not entry:
            continue
        host, port = entry, None
        if ":" in entry and not entry.endswith("]"):
            host, _, port = entry.rpartition(":")
        if not _HOST.match(host) or (port is not None and not _port(port)):
            raise ValueError(f"{entry!r} is not host or host:port (no scheme, path or user)")
        hosts.append(entry)
    return tuple(hosts)


def _port(text: str) -> bool:
    return text.isdigit() and 0 < int(text) < 65536


def check_callback_url(url: str, hosts: tuple[str, ...]) -> str | None:
    """Why ``url`` may not be called back (None if it may): an http(s) URL of an allowed
    host[:port], without a user or password, a fragment, spaces or control characters."""
    if not hosts:
        return "callbacks are not enabled on this service (no OBRAZCI_WEBHOOK_HOSTS)"
    if len(url) > MAX_URL_LENGTH:
        return f"at most {MAX_URL_LENGTH} characters"
    if not url.isascii() or any(c.isspace() or not c.isprintable() for c in url):
        return "printable ASCII without spaces (an international host in its xn-- form)"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"not a URL ({exc})"
    if parts.scheme not in DEFAULT_PORTS:
        return "an http:// or https:// URL"
    if "@" in parts.netloc:
        return "no user name or password in the URL"
    if parts.fragment or url.endswith("#"):
        return "no #fragment (it is never sent)"
    if not parts.hostname:
        return "the URL names no host"
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    port = port or DEFAULT_PORTS[parts.scheme]
    if f"{host}:{port}" in hosts or (port == DEFAULT_PORTS[parts.scheme] and host in hosts):
        return None
    return f"{host}:{port} is not a host this service calls back"


def read_secret(path: Path) -> bytes:
    """The HMAC key: the file's content without surrounding whitespace. Raises ValueError
    naming the file (never its content)."""
    try:
        key = path.read_bytes().strip()
    except OSError as exc:
        raise ValueError(f"{path}: cannot read it: {exc.strerror}") from None
    if len(key) < MIN_SECRET_BYTES:
        raise ValueError(f"{path}: the key must be at least {MIN_SECRET_BYTES} bytes")
    return key


def signature(key: bytes, timestamp: str, body: bytes) -> str:
    """The ``X-Obrazci-Signature`` value: HMAC-SHA256 of ``<timestamp>.<body>``."""
    digest = hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


@dataclass(frozen=True)
class NewDelivery:
    """An event to deliver, as the transaction that finished its batch stores it."""

    id: str
    batch: str
    recipient: str  # "client" or "shop"
    event: str
    url: str
    body: str  # the JSON sent, the same bytes at every attempt
    created: float


@dataclass(frozen=True)
class Delivery:
    """A stored delivery with its attempts so far (``[{time, status | error, excerpt,
    next_retry}]``)."""

    id: str
    batch: str
    recipient: str
    event: str
    url: str
    body: str
    state: str  # pending, delivered or failed (given up)
    attempts: list[dict]
    next_at: float
    created: float

    @classmethod
    def from_row(cls, row: Any) -> Delivery:
        return cls(
            row["id"],
            row["batch"],
            row["recipient"],
            row["event"],
            row["url"],
            row["body"],
            row["state"],
            json.loads(row["attempts"]),
            row["next_at"],
            row["created"],
        )


def finish_events(batch: Batch, state: str, counts: dict[str, int]) -> list[NewDelivery]:
    """What finishing ``batch`` in ``state`` sends: the client's event to its callback_url,
    and ``job.ready`` to its print shop's when the shop can now claim the job."""
    now = time.time()
    summary = {
        "layout": batch.spec.layout,
        "languages": list(batch.spec.languages),
        "format": batch.spec.format,
        "output": batch.spec.output,
        "counts": {"total": batch.total, "done": counts["done"], "failed": counts["failed"]},
    }
    made = []

    def event(recipient: str, kind: str, url: str, about: str, content: dict) -> None:
        event_id = "ev" + secrets.token_hex(12)
        body = {"id": event_id, "type": kind, "created": _iso(now), about: content}
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        made.append(NewDelivery(event_id, batch.id, recipient, kind, url, text, now))

    if batch.callback_url and state in CLIENT_EVENTS:
        content = {"id": batch.id, "url": f"/v1/batches/{batch.id}", "state": state, **summary}
        if batch.error:
            content["error"] = batch.error
        event("client", CLIENT_EVENTS[state], batch.callback_url, "batch", content)
    if batch.shop_callback_url and state in SHOP_STATES:
        content = {"id": batch.id, "url": f"/v1/print-jobs/{batch.id}", "state": "ready", **summary}
        event("shop", JOB_READY, batch.shop_callback_url, "job", content)
    return made


def shown(delivery: Delivery) -> dict:
    """A delivery as a batch's status or a print job shows it."""
    entry: dict[str, object] = {
        "id": delivery.id,
        "event": delivery.event,
        "url": delivery.url,
        "state": delivery.state,
        "created": _iso(delivery.created),
        "attempts": [
            {k: _iso(v) if k in ("time", "next_retry") else v for k, v in attempt.items()}
            for attempt in delivery.attempts
        ],
    }
    if delivery.state == "pending":
        entry["next_attempt"] = _iso(delivery.next_at)
    return entry


def _iso(moment: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))
