"""The one place where the HTTP application is assembled."""

from __future__ import annotations

from typing import Any

import falcon

from ..batch.service import BatchService
from ..batch.specs import Access
from ..pipeline import Pipeline
from ..settings import Settings
from ..sign.config import SigningConfig
from ..sign.service import SigningService
from ..studio import resources as studio
from . import capacity, docs, problems
from .batch_resources import (
    BatchesResource,
    PrintJobsResource,
)
from .health import HealthResource, MetricsResource, Readiness, ReadyResource
from .observe import Observe
from .openapi import openapi_document
from .place_resource import PlaceResource
from .resources import (
    LayoutResource,
    LayoutsResource,
    OpenAPIResource,
    RenderResource,
    SampleResource,
)
from .signing_resources import SignResource, VerifyResource
from .strictness import StrictParameters


def create_app(
    pipeline: Pipeline | None = None,
    signing: SigningService | None = None,
    batches: BatchService | None = None,
    settings: Settings | None = None,
    readiness: Readiness | None = None,
    dev: bool = False,
    warm_error: str | None = None,
    runner_beside: bool = False,
) -> falcon.App:
    """The service. Settings come from the environment unless given (see renderer/settings.py);
        signer profiles from OBRAZCI_SIGNING_CONFIG: a profile that cannot be opened raises
        SigningConfigError here, before any request is served. Batches live in OBRAZCI_DATA_DIR
        (default ./var); keys in OBRAZCI_BATCH_ACCESS. ``readiness``: what /readyz reports (the
        server passes one that is warming up). ``dev`` (``renderer serve --dev`` only): the studio
        reloads the layouts' changed files. ``warm``: warm the pipeline in a background thread and
        only then report ready; ``warm_error``: why a warm-up done before (the server's master)
    failed, reported by /readyz; ``runner_beside``: the batch runner
        runs beside this service, so /readyz reports on it too."""
    settings = settings or Settings.load()
    pipeline = pipeline or Pipeline(settings.limits())
    signing = signing or SigningService(SigningConfig.from_environment())
    batches = batches or BatchService(settings.engine(), Access.from_environment())
    readiness = readiness or Readiness(
        batches, runner_beside=runner_beside, signing=signing, warm_error=warm_error
    )
    capacity.configure(1, settings.queue_timeout_s, settings.request_timeout_s)
    document = openapi_document(pipeline.registry)
    middleware: list[Any] = [
        Observe(frozenset(pipeline.registry.ids())),
        StrictParameters(document),
    ]
    app = falcon.App(
        media_type=falcon.MEDIA_JSON,
        middleware=middleware,
    )
    app.req_options.strip_url_path_trailing_slash = True
    problems.install(app)
    studio.install(app, pipeline, dev)  # / and /studio/…: the preview studio
    docs.install(app)  # /docs: the API reference
    app.add_route("/healthz", HealthResource())
    app.add_route("/readyz", ReadyResource(readiness))
    app.add_route("/metrics", MetricsResource(batches))
    app.add_route("/openapi.json", OpenAPIResource(document))
    app.add_route("/v1/layouts", LayoutsResource(pipeline))
    app.add_route("/v1/layouts/{layout_id}", LayoutResource(pipeline))
    app.add_route("/v1/layouts/{layout_id}/sample", SampleResource(pipeline))
    app.add_route("/v1/render/{layout_id}", RenderResource(pipeline, signing))
    app.add_route("/v1/sign", SignResource(pipeline, signing))
    app.add_route("/v1/place/{layout_id}", PlaceResource(pipeline))
    app.add_route("/v1/verify", VerifyResource(signing))
    client_batches = BatchesResource(batches, pipeline.registry)
    app.add_route("/v1/batches", client_batches)
    app.add_route("/v1/batches/{batch_id}", client_batches, suffix="batch")
    app.add_route("/v1/batches/{batch_id}/cancel", client_batches, suffix="cancel")
    app.add_route("/v1/batches/{batch_id}/rerun", client_batches, suffix="rerun")
    app.add_route("/v1/batches/{batch_id}/files/{name}", client_batches, suffix="file")
    shop_jobs = PrintJobsResource(batches)
    app.add_route("/v1/print-jobs", shop_jobs)
    app.add_route("/v1/print-jobs/{job_id}", shop_jobs, suffix="job")
    app.add_route("/v1/print-jobs/{job_id}/claim", shop_jobs, suffix="claim")
    app.add_route("/v1/print-jobs/{job_id}/files/{name}", shop_jobs, suffix="file")
    app.add_route("/v1/print-jobs/{job_id}/status", shop_jobs, suffix="status")
    return app
