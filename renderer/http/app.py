"""The one place where the HTTP application is assembled."""

from __future__ import annotations

import falcon

from ..batch.service import BatchService
from ..batch.specs import Access, EngineSpec
from ..pipeline import Pipeline
from ..signing import SigningConfig, SigningService
from . import problems, studio
from .openapi import openapi_document
from .batch_resources import (
    BatchesResource,
    BatchFileResource,
    BatchRerunResource,
    BatchResource,
    PrintJobClaimResource,
    PrintJobFileResource,
    PrintJobResource,
    PrintJobsResource,
    PrintJobStatusResource,
)
from .place_resource import PlaceResource
from .signing_resources import SignResource, VerifyResource
from .resources import (
    HealthResource,
    LayoutResource,
    LayoutsResource,
    OpenAPIResource,
    RenderResource,
    SampleResource,
)


def create_app(pipeline: Pipeline | None = None, signing: SigningService | None = None,
               batches: BatchService | None = None, dev: bool = False) -> falcon.App:
    """The service. Signer profiles come from OBRAZCI_SIGNING_CONFIG unless given; a profile
    that cannot be opened raises SigningConfigError here, before any request is served.
    Batches live in OBRAZCI_DATA_DIR (default ./var); keys in OBRAZCI_BATCH_ACCESS.
    ``dev`` (``renderer serve --dev`` only): the studio reloads the layouts' changed files."""
    pipeline = pipeline or Pipeline()
    signing = signing or SigningService(SigningConfig.from_environment())
    batches = batches or BatchService(EngineSpec.from_environment(), Access.from_environment())
    app = falcon.App(media_type=falcon.MEDIA_JSON)
    app.req_options.strip_url_path_trailing_slash = True
    problems.install(app)
    studio.install(app, pipeline, dev)  # / and /studio/…: the preview studio
    app.add_route("/healthz", HealthResource(pipeline))
    app.add_route("/openapi.json", OpenAPIResource(openapi_document(pipeline.registry)))
    app.add_route("/v1/layouts", LayoutsResource(pipeline))
    app.add_route("/v1/layouts/{layout_id}", LayoutResource(pipeline))
    app.add_route("/v1/layouts/{layout_id}/sample", SampleResource(pipeline))
    app.add_route("/v1/render/{layout_id}", RenderResource(pipeline, signing))
    app.add_route("/v1/sign", SignResource(pipeline, signing))
    app.add_route("/v1/place/{layout_id}", PlaceResource(pipeline))
    app.add_route("/v1/verify", VerifyResource(signing))
    app.add_route("/v1/batches", BatchesResource(batches, pipeline.registry))
    app.add_route("/v1/batches/{batch_id}", BatchResource(batches))
    app.add_route("/v1/batches/{batch_id}/rerun", BatchRerunResource(batches))
    app.add_route("/v1/batches/{batch_id}/files/{name}", BatchFileResource(batches))
    app.add_route("/v1/print-jobs", PrintJobsResource(batches))
    app.add_route("/v1/print-jobs/{job_id}", PrintJobResource(batches))
    app.add_route("/v1/print-jobs/{job_id}/claim", PrintJobClaimResource(batches))
    app.add_route("/v1/print-jobs/{job_id}/files/{name}", PrintJobFileResource(batches))
    app.add_route("/v1/print-jobs/{job_id}/status", PrintJobStatusResource(batches))
    return app
