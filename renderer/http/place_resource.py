"""POST /v1/place/{layout_id}: a layout (e.g. a certification confirmation) rendered from the
``request`` part and placed onto the uploaded ``document`` part (multipart/form-data)."""

from __future__ import annotations

import math

import falcon

from ..options import RenderOptions
from ..pipeline import Pipeline
from ..uploads import UploadRefused, check_pdf, place_onto
from .body import read_parts
from .capacity import render_slot
from .problems import Problem, bad_parameter
from .resources import _layout, _render


def _position(req) -> tuple[int | None, float, float]:
    where = req.get_param("at") or "0,0"
    page_text = req.get_param("page") or "1"
    try:
        x, y = (float(v) for v in where.split(","))
    except ValueError:
        raise bad_parameter("at", "give the position as X,Y in mm, e.g. at=20,30") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise bad_parameter("at", "the position must be two finite numbers of mm")
    try:
        page = None if page_text == "new" else int(page_text) - 1
    except ValueError:
        raise bad_parameter("page", "a page number (from 1) or 'new'") from None
    if page is not None and page < 0:
        raise bad_parameter("page", "pages count from 1")
    return page, x, y


class PlaceResource:
    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline

    def on_post(self, req, resp, layout_id):
        layout = _layout(self.pipeline, layout_id)
        if not layout.placeable:
            placeable = ", ".join(lay.id for lay in self.pipeline.registry if lay.placeable)
            raise Problem(
                falcon.HTTP_404,
                "Not placeable",
                f"{layout.id} is not drawn onto documents; these are: {placeable}",
            )
        page, x, y = _position(req)
        body, document = read_parts(req, "document", self.pipeline.limits)
        try:
            with render_slot():
                checked = check_pdf(document, "document", self.pipeline.limits)
                rendered = _render(
                    lambda: self.pipeline.render(layout.id, body, RenderOptions("pdf"))
                )
                resp.data, removed = place_onto(checked, rendered.content, page, x, y)
        except UploadRefused as exc:
            raise Problem(
                falcon.HTTP_422,
                "Cannot use the upload",
                str(exc),
                [{"pointer": f"/{exc.field}", "detail": exc.reason}],
            ) from None
        if removed:  # said, not silent: what of the upload was left out
            resp.set_header("X-Removed-Active-Content", ", ".join(removed))
        resp.content_type = "application/pdf"
        resp.set_header("Content-Disposition", f'inline; filename="{layout.id}.placed.pdf"')
