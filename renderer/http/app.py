"""The one place where the HTTP application is assembled."""

from __future__ import annotations

import falcon
from jinja2 import Environment, PackageLoader

from ..pipeline import Pipeline
from ..specs import LANGUAGE_SETS
from . import problems
from .openapi import openapi_document
from .resources import (
    GalleryResource,
    HealthResource,
    LayoutResource,
    LayoutsResource,
    OpenAPIResource,
    RenderResource,
    SampleResource,
)


def gallery_page(pipeline: Pipeline) -> str:
    env = Environment(loader=PackageLoader("renderer.http", "pages"), autoescape=True)
    return env.get_template("gallery.html.j2").render(layouts=list(pipeline.registry), language_sets=LANGUAGE_SETS)


def create_app(pipeline: Pipeline | None = None) -> falcon.App:
    pipeline = pipeline or Pipeline()
    app = falcon.App(media_type=falcon.MEDIA_JSON)
    app.req_options.strip_url_path_trailing_slash = True
    problems.install(app)
    app.add_route("/", GalleryResource(gallery_page(pipeline)))
    app.add_route("/healthz", HealthResource(pipeline))
    app.add_route("/openapi.json", OpenAPIResource(openapi_document(pipeline.registry)))
    app.add_route("/v1/layouts", LayoutsResource(pipeline))
    app.add_route("/v1/layouts/{layout_id}", LayoutResource(pipeline))
    app.add_route("/v1/layouts/{layout_id}/sample", SampleResource(pipeline))
    app.add_route("/v1/render/{layout_id}", RenderResource(pipeline))
    return app
