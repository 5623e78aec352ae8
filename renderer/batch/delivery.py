"""Delivering webhooks from the store's outbox (the ``deliveries`` table): the embedded
engine's runner and every celery ``renderer worker`` run a ``Deliverer`` thread.

A deliverer claims the deliveries that are due (holding each for a while, so another
deliverer skips it; one that dies holding it leaves it due again), POSTs each to its URL and
records the attempt: the time, the HTTP status or the error, a short excerpt of the answer
and when the next attempt is due. A 2xx answer delivers it; anything else (an error status,
a redirect, which is never followed, a refused connection, a timeout) is retried with
exponential backoff up to ``WebhookSpec.attempts``. The URL's host is checked against the
allowed hosts again before every connection: a host no longer allowed is never contacted.
Delivery is at least once; receivers dedupe on the event id.
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
from typing import Protocol
from urllib.parse import urlsplit

from .. import __version__
from .specs import WebhookSpec
from .webhooks import Delivery, check_callback_url, read_secret, signature

log = logging.getLogger(__name__)

EXCERPT_CHARS = 200  # of an answer's body, kept with the attempt
READ_BYTES = 1024  # read of an answer's body at most (the rest is never read)
MAX_WAIT_S = 3600.0  # the longest wait between two attempts
CLAIM = 20  # deliveries claimed at a time
POLL_S = 0.5  # how often an idle deliverer looks for due deliveries
STORE_BACKOFF_S = (0.5, 1, 2, 5, 10, 30)  # waits after consecutive store errors


class DeliveryStore(Protocol):
    def claim_deliveries(self, now: float, hold_s: float, limit: int) -> list[Delivery]: ...
    def record_attempt(
        self, delivery_id: str, attempt: dict, state: str, next_at: float | None
    ) -> None: ...


def post(url: str, body: bytes, headers: dict[str, str], timeout_s: float) -> tuple[int, str]:
    """POST ``body``; (status, the start of the answer's body). No redirect is followed,
    no proxy is used; ``timeout_s`` bounds the connection and each read."""
    parts = urlsplit(url)
    connection_type = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    assert parts.hostname is not None  # check_callback_url passed
    connection = connection_type(parts.hostname, parts.port, timeout=timeout_s)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", target, body=body, headers=headers)
        answer = connection.getresponse()
        excerpt = answer.read(READ_BYTES).decode("utf-8", "replace")[:EXCERPT_CHARS]
        return answer.status, excerpt
    finally:
        connection.close()


class Deliverer:
    """Delivers what is due in ``store``, signing with ``key``."""

    def __init__(self, store: DeliveryStore, spec: WebhookSpec, key: bytes):
        self.store = store
        self.spec = spec
        self._key = key
        # an attempt takes at most about two timeouts; the hold is well beyond that
        self.hold_s = 4 * spec.timeout_s + 30

    @classmethod
    def configured(cls, store: DeliveryStore, spec: WebhookSpec) -> Deliverer | None:
        """The deliverer of a process, if a key is configured (without one, deliveries
        stay pending until there is)."""
        if spec.secret_file is None:
            return None
        return cls(store, spec, read_secret(spec.secret_file))

    def wait_after(self, attempts: int) -> float:
        """Seconds between attempt ``attempts`` (failed) and the next."""
        return min(self.spec.backoff_s * 2 ** (attempts - 1), MAX_WAIT_S)

    def run_due(self) -> int:
        """Attempt every delivery due now; how many were attempted."""
        done = 0
        while True:
            claimed = self.store.claim_deliveries(time.time(), self.hold_s, CLAIM)
            for delivery in claimed:
                self.attempt(delivery)
            done += len(claimed)
            if len(claimed) < CLAIM:
                return done

    def attempt(self, delivery: Delivery) -> None:
        number = len(delivery.attempts) + 1
        started = time.time()
        attempt: dict[str, object] = {"time": started}
        refused = check_callback_url(delivery.url, self.spec.hosts)
        status = None
        if refused:
            attempt["error"] = f"not contacted: {refused}"
        else:
            timestamp = str(int(started))
            body = delivery.body.encode()
            headers = {
                "Content-Type": "application/json",
                "User-Agent": f"obrazci/{__version__}",
                "X-Obrazci-Event": delivery.event,
                "X-Obrazci-Event-Id": delivery.id,
                "X-Obrazci-Attempt": str(number),
                "X-Obrazci-Timestamp": timestamp,
                "X-Obrazci-Signature": signature(self._key, timestamp, body),
            }
            try:
                status, excerpt = post(delivery.url, body, headers, self.spec.timeout_s)
                attempt["status"] = status
                if excerpt:
                    attempt["excerpt"] = excerpt
            except (OSError, http.client.HTTPException, ValueError) as exc:
                attempt["error"] = f"{type(exc).__name__}: {exc}"[:EXCERPT_CHARS]
        if status is not None and 200 <= status < 300:
            state, next_at = "delivered", None
        elif refused or number >= self.spec.attempts:
            state, next_at = "failed", None
        else:
            state, next_at = "pending", time.time() + self.wait_after(number)
            attempt["next_retry"] = next_at
        self.store.record_attempt(delivery.id, attempt, state, next_at)
        host = urlsplit(delivery.url).netloc  # the path and query may carry the receiver's token
        outcome = attempt.get("status", attempt.get("error"))
        if state == "delivered":
            log.info("webhook %s (%s) to %s: %s", delivery.id, delivery.event, host, outcome)
        else:
            log.warning(
                "webhook %s (%s) to %s: attempt %d of %d: %s; %s",
                delivery.id,
                delivery.event,
                host,
                number,
                self.spec.attempts,
                outcome,
                "given up" if state == "failed" else f"again in {self.wait_after(number):g} s",
            )

    def run_forever(self, stop: threading.Event) -> None:
        """Until ``stop``: what is due, then a short wait; a store error is retried with
        backoff, never fatal."""
        errors = 0
        while not stop.is_set():
            try:
                busy = self.run_due()
                errors = 0
            except Exception as exc:  # noqa: BLE001 - the deliverer outlives a store outage
                wait = STORE_BACKOFF_S[min(errors, len(STORE_BACKOFF_S) - 1)]
                errors += 1
                log.warning("webhooks: %s: %s; retrying in %g s", type(exc).__name__, exc, wait)
                stop.wait(wait)
                continue
            if not busy:
                stop.wait(POLL_S)

    def start(self, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(
            target=self.run_forever, args=(stop,), name="webhooks", daemon=True
        )
        thread.start()
        return thread
