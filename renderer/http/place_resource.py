"""POST /v1/place/{layout_id}: a layout (e.g. a certification confirmation) rendered from the
``request`` part and placed onto the uploaded ``document`` part (multipart/form-data)."""

from __future__ import annotations

import falcon

from ..options import RenderOptions
from ..pipeline import Pipeline
from ..uploads import check_pdf, place_onto
from .capacity import render_slot
from .problems import Problem
from .readers import known_layout, placement, read_parts


class PlaceResource:
    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline

    def on_post(self, req, resp, layout_id):
        layout = known_layout(self.pipeline, layout_id)
        if not layout.placeable:
            placeable = ", ".join(lay.id for lay in self.pipeline.registry if lay.placeable)
            raise Problem(
                falcon.HTTP_404,
                "Not placeable",
                f"{layout.id} is not drawn onto documents; these are: {placeable}",
            )
        page, x, y = placement(req)
        body, document = read_parts(req, "document", self.pipeline.limits)
        with render_slot():
            checked = check_pdf(document, "document", self.pipeline.limits)
            rendered = self.pipeline.render(layout.id, body, RenderOptions("pdf"))
            resp.data, removed = place_onto(checked, rendered.content, page, x, y)
        if removed:  # said, not silent: what of the upload was left out
            resp.set_header("X-Removed-Active-Content", ", ".join(removed))
        resp.content_type = "application/pdf"
        resp.set_header("Content-Disposition", f'inline; filename="{layout.id}.placed.pdf"')
