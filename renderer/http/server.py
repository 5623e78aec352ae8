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
        if not self.spec.dev:  # --dev starts at once: layouts load as the studio opens them
            pipeline.warm()
        return create_app(pipeline, dev=self.spec.dev)


def serve(spec: ServiceSpec, batches: bool = True) -> None:
    """Gunicorn for HTTP and, beside it, the batch runner (a child process that dies with
    the service; after a restart it carries on from the batch store)."""
    runner = None
    if batches:
        import multiprocessing

        from ..batch.runner import lock_data_dir, run_beside_service
        from ..batch.specs import EngineSpec

        engine = EngineSpec.from_environment()
        lock_data_dir(engine.data_dir).close()  # fail now if another runner owns the data directory
        runner = multiprocessing.get_context("spawn").Process(target=run_beside_service, args=(engine,),
                                                              name="obrazci-batch-runner")
        runner.start()
    try:
        _Server(spec).run()
    finally:
        if runner is not None:
            runner.terminate()
            runner.join(timeout=30)
