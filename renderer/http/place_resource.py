"""POST /v1/place/{layout_id}: a layout (e.g. a certification confirmation) rendered from the
``request`` part and placed onto the uploaded ``document`` part (multipart/form-data)."""

from __future__ import annotations

import json

import falcon

from ..pipeline import Pipeline
from ..specs import RenderOptions
from ..uploads import MAX_UPLOAD_BYTES, UploadRefused, check_pdf, place_onto
from .capacity import render_slot
from .problems import Problem, bad_parameter
from .resources import _layout, _render


def _position(req) -> tuple[int | None, float, float]:
    where = req.get_param("at") or "0,0"
    page_text = req.get_param("page") or "1"
    try:
        x, y = (float(v) for v in where.split(","))
        page = None if page_text == "new" else int(page_text) - 1
    except ValueError:
        raise bad_parameter("at", "give the position as X,Y in mm and page as a number or 'new'") from None
    if page is not None and page < 0:
        raise bad_parameter("page", "pages count from 1")
    return page, x, y


def read_parts(req, pipeline: Pipeline, file_part: str) -> tuple[object, bytes]:
    """The ``request`` part (JSON) and the uploaded file part of a multipart/form-data body."""
    if not (req.content_type or "").startswith("multipart/form-data"):
        raise Problem(falcon.HTTP_415, "Unsupported media type",
                      f"send multipart/form-data with a 'request' part (JSON) and a '{file_part}' part (PDF)")
    if req.content_length and req.content_length > MAX_UPLOAD_BYTES + 1024 * 1024:
        raise Problem(falcon.HTTP_413, "Request body too large", f"the limit is {MAX_UPLOAD_BYTES} bytes")
    body, upload = None, None
    for part in req.get_media():
        if part.name == "request":
            raw = part.stream.read(pipeline.limits.max_body_bytes + 1)
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise Problem(falcon.HTTP_400, "Malformed JSON", f"request part: {exc}") from None
        elif part.name == file_part:
            upload = part.stream.read(MAX_UPLOAD_BYTES + 1)
    missing = [name for name, value in (("request", body), (file_part, upload)) if value is None]
    if missing:
        raise Problem(falcon.HTTP_422, "Missing parts", f"missing part(s): {', '.join(missing)}",
                      [{"pointer": f"/{name}", "detail": "is required"} for name in missing])
    return body, upload


class PlaceResource:
    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline

    def on_post(self, req, resp, layout_id):
        layout = _layout(self.pipeline, layout_id)
        if not layout.placeable:
            placeable = ", ".join(lay.id for lay in self.pipeline.registry if lay.placeable)
            raise Problem(falcon.HTTP_404, "Not placeable",
                          f"{layout.id} is not drawn onto documents; these are: {placeable}")
        page, x, y = _position(req)
        body, document = read_parts(req, self.pipeline, "document")
        try:
            with render_slot():
                checked = check_pdf(document)
                rendered = _render(lambda: self.pipeline.render(layout.id, body, RenderOptions("pdf")))
                resp.data = place_onto(checked, rendered.content, page, x, y)
        except UploadRefused as exc:
            raise Problem(falcon.HTTP_422, "Cannot use the upload", str(exc),
                          [{"pointer": f"/{exc.field}", "detail": exc.reason}]) from None
        resp.content_type = "application/pdf"
        resp.set_header("Content-Disposition", f'inline; filename="{layout.id}.placed.pdf"')
