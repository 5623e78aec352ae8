"""Liveness (``/healthz``), readiness (``/readyz``) and metrics (``/metrics``).

``/healthz`` only says the process answers: it touches nothing that can be slow. ``/readyz``
says whether the service can do its work now, component by component: 503 with the
reasons while any is not (the batch runner not started yet or down, the batch store —
SQLite, or PostgreSQL for the celery engine — or the celery engine's broker unreachable),
200 once all are. A worker answers only once its pipeline is warm (the server's master
warms it before it listens), so the renderer is always ready; ``warm_up_error`` says why a
failed warm-up leaves its first renders slower.
"""

from __future__ import annotations

import json
import time
from typing import Any

import falcon

from .. import metrics

HEARTBEAT_STALE_S = 10.0  # a runner that has not said it lives for this long is down


class Readiness:
    """What this worker knows about itself and the parts it depends on."""

    def __init__(
        self,
        batches=None,
        runner_beside: bool = False,
        signing=None,
        warm_error: str | None = None,
    ):
        self.batches = batches
        self.runner_beside = runner_beside  # this service runs the batch runner (not --no-batches)
        self.signing = signing
        self.warm_error = warm_error

    def components(self) -> dict[str, dict]:
        parts: dict[str, dict[str, Any]] = {"renderer": {"ready": True, "state": "warm"}}
        if self.warm_error:
            parts["renderer"]["warm_up_error"] = self.warm_error
        if self.signing is not None:
            profiles = sorted(self.signing.config.profiles)
            parts["signing"] = {
                "ready": True,
                "profiles": profiles,
            }  # a profile that cannot load stops start-up
        if self.batches is not None:
            parts["batch_store"] = self._store()
            if self.runner_beside:
                parts["batch_runner"] = self._runner()
            if (
                self.batches.dispatcher is not None
            ):  # the celery engine: its tasks go through the broker
                parts["batch_broker"] = self._broker()
        return parts

    def _broker(self) -> dict:
        try:
            self.batches.dispatcher.ping()
            return {"ready": True}
        except Exception as exc:  # noqa: BLE001 - a broker that does not answer is a reason not to be ready
            return {"ready": False, "state": f"unreachable: {type(exc).__name__}: {exc}"}

    def _store(self) -> dict:
        try:
            self.batches.store.read().execute("SELECT 1 FROM batches LIMIT 1").fetchall()
            return {"ready": True}
        except Exception as exc:  # noqa: BLE001 - any failure of the store is a reason not to be ready
            return {"ready": False, "state": f"unreachable: {type(exc).__name__}: {exc}"}

    def _runner(self) -> dict:
        path = self.batches.engine.heartbeat
        try:
            beat = json.loads(path.read_text())
        except (OSError, ValueError):
            return {"ready": False, "state": "not started yet"}
        age = time.time() - beat.get("time", 0)
        if age > HEARTBEAT_STALE_S:
            return {"ready": False, "state": f"down: last heard of {age:.0f} s ago"}
        if beat.get("state") != "ok":
            return {"ready": False, "state": beat.get("state")}
        return {"ready": True, "pid": beat.get("pid"), "workers": beat.get("workers")}


class HealthResource:
    def on_get(self, req, resp):
        resp.media = {"status": "ok"}


class ReadyResource:
    def __init__(self, readiness: Readiness):
        self.readiness = readiness

    def on_get(self, req, resp):
        parts = self.readiness.components()
        ready = all(part["ready"] for part in parts.values())
        reasons = [
            f"{name}: {part.get('state', 'not ready')}"
            for name, part in parts.items()
            if not part["ready"]
        ]
        resp.status = falcon.HTTP_200 if ready else falcon.HTTP_503
        if not ready:
            resp.set_header("Retry-After", "1")
        resp.media = {
            "status": "ready" if ready else "not ready",
            "reasons": reasons,
            "components": parts,
        }


class MetricsResource:
    def __init__(self, batches=None):
        self.collectors = [metrics.BatchCollector(batches.store)] if batches is not None else []

    def on_get(self, req, resp):
        metrics.note_memory("http")
        resp.content_type = "text/plain; version=0.0.4; charset=utf-8"
        resp.data = metrics.exposition(self.collectors)
