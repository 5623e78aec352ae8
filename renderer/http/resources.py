"""Falcon resources: small classes, one per kind of thing the API offers."""

from __future__ import annotations

import json
from dataclasses import replace

import falcon

from ..options import LANGUAGE_SETS, OptionError
from ..pipeline import Pipeline, Rendered
from ..raster import RasterTooLarge
from ..signing import SigningService
from ..uploads import UploadRefused, check_attachment, check_scan
from . import params
from .body import read_json, read_parts
from .capacity import render_slot
from .problems import Problem, bad_parameter
from .signing_resources import sign_or_fail, signing_request


def _layout(pipeline: Pipeline, layout_id: str):
    if layout_id not in pipeline.registry:
        raise Problem(
            falcon.HTTP_404, "Unknown layout", f"there is no layout {layout_id!r}; see /v1/layouts"
        )
    return pipeline.layout(layout_id)


def _deliver(resp: falcon.Response, rendered: Rendered) -> None:
    resp.content_type = rendered.media_type
    resp.data = rendered.content
    resp.set_header("Content-Disposition", f'inline; filename="{rendered.filename}"')
    resp.set_header("X-Page-Count", str(rendered.pages))
    if rendered.findings:
        findings = [{"pointer": f.pointer, "detail": f.reason} for f in rendered.findings]
        resp.set_header("X-Findings", json.dumps(findings, ensure_ascii=True))


def _links(layout_id: str) -> dict:
    return {
        "self": f"/v1/layouts/{layout_id}",
        "render": f"/v1/render/{layout_id}",
        "samples": {
            ",".join(langs): f"/v1/layouts/{layout_id}/sample?languages={','.join(langs)}"
            for langs in LANGUAGE_SETS
        },
    }


class LayoutsResource:
    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline

    def on_get(self, req, resp):
        resp.media = {
            "layouts": [
                {**layout.summary(), "links": _links(layout.id)}
                for layout in self.pipeline.registry
            ]
        }


class LayoutResource:
    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline

    def on_get(self, req, resp, layout_id):
        layout = _layout(self.pipeline, layout_id)
        resp.media = {
            **layout.summary(),
            "links": _links(layout.id),
            "request_schema": layout.request_schema,
        }


class SampleResource:
    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline

    def on_get(self, req, resp, layout_id):
        layout = _layout(self.pipeline, layout_id)
        options = params.render_options(req)
        languages = params.languages(req)
        with render_slot():
            _deliver(
                resp, _render(lambda: self.pipeline.render_sample(layout.id, languages, options))
            )


class RenderResource:
    def __init__(self, pipeline: Pipeline, signing: SigningService):
        self.pipeline = pipeline
        self.signing = signing

    def on_post(self, req, resp, layout_id):
        layout = _layout(self.pipeline, layout_id)
        options = params.render_options(req)
        asked = signing_request(req, self.signing, always=layout.signed and options.output.is_pdf)
        if asked and not options.output.is_pdf:
            raise bad_parameter("sign", "only PDF formats can be signed")
        if layout.signed and asked is None:
            _refuse_unsigned(layout, options)
        scan = attachment = None
        part = layout.upload or layout.attachment
        # multipart: the request and the uploaded file; a layout that only embeds a file
        # (needed in its PDF formats) also takes plain JSON
        if layout.upload or (part and (req.content_type or "").startswith("multipart/form-data")):
            body, upload = read_parts(req, part, self.pipeline.limits)
            try:
                with render_slot():  # checking (and converting) an upload is heavy work too
                    if layout.upload:
                        scan = check_scan(upload, part, self.pipeline.limits)
                    else:
                        attachment = check_attachment(upload, part, part, self.pipeline.limits)
            except UploadRefused as exc:
                raise Problem(
                    falcon.HTTP_422,
                    "Cannot use the upload",
                    str(exc),
                    [{"pointer": f"/{exc.field}", "detail": exc.reason}],
                ) from None
        else:
            body = read_json(req, self.pipeline.limits.max_body_bytes, self.pipeline.limits)
        with render_slot():
            rendered = _render(
                lambda: self.pipeline.render(layout.id, body, options, scan, attachment)
            )
            if asked:
                rendered = replace(
                    rendered,
                    content=sign_or_fail(self.pipeline, self.signing, rendered.content, asked),
                )
        _deliver(resp, rendered)


def _refuse_unsigned(layout, options) -> None:
    """A layout marked ``signed = true`` (a document the regulation has signed, e.g. the
    slip of P 41) is never handed out unsigned: a PDF needs a signer profile (named, or the
    configured default), and a format that cannot carry a signature is refused."""
    if options.output.is_pdf:
        detail = (
            f"{layout.id} is a signed document: name a signer profile (sign=PROFILE), "
            "or configure default_profile"
        )
        raise Problem(
            falcon.HTTP_409, "Must be signed", detail, [{"parameter": "sign", "detail": detail}]
        )
    detail = f"{layout.id} is a signed document; {options.format} cannot carry the signature: ask for a PDF format"
    raise Problem(
        falcon.HTTP_409, "Must be signed", detail, [{"parameter": "format", "detail": detail}]
    )


def _render(make) -> Rendered:
    try:
        return make()
    except OptionError as exc:
        raise bad_parameter(exc.parameter, exc.reason) from None
    except RasterTooLarge as exc:
        raise Problem(
            falcon.HTTP_422, "Image too large", str(exc), [{"parameter": "dpi", "detail": str(exc)}]
        )


class HealthResource:
    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline

    def on_get(self, req, resp):
        resp.media = {"status": "ok", "layouts": len(self.pipeline.registry)}


class OpenAPIResource:
    def __init__(self, document: dict):
        self.document = document

    def on_get(self, req, resp):
        resp.media = self.document
