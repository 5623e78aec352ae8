"""`renderer serve`: the Falcon app under gunicorn (sync workers: rendering is CPU-bound).

Each worker builds its own pipeline after the fork and warms it before taking requests.
"""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from ..specs import ServiceSpec


class _Server(BaseApplication):
    def __init__(self, spec: ServiceSpec):
        self.spec = spec
        super().__init__()

    def load_config(self):
        self.cfg.set("bind", f"{self.spec.host}:{self.spec.port}")
        self.cfg.set("workers", self.spec.workers)
        self.cfg.set("worker_class", "sync")
        self.cfg.set("timeout", self.spec.timeout_s)
        self.cfg.set("limit_request_line", 8190)
        self.cfg.set("accesslog", "-")

    def load(self):
        from ..pipeline import Pipeline
        from .app import create_app

        pipeline = Pipeline(self.spec.limits)
        pipeline.warm()
        return create_app(pipeline)


def serve(spec: ServiceSpec) -> None:
    _Server(spec).run()
