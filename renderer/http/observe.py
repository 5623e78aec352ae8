"""What an operator sees of each request: a request id, one log line, metrics.

``X-Request-ID`` is taken from the request when it is a sane token (what a proxy in front
generated) or made here; it comes back in the response header, in every problem+json body
(``request_id``) and in every log line written while the request is handled.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from .. import metrics
from ..logs import REQUEST_ID
from ..options import FORMATS

_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

access_log = logging.getLogger("obrazci.access")


class Observe:
    """Falcon middleware: the request id, the access log line and the request metrics.
    Labels take only known values (layouts, formats), so no request can grow the metrics."""

    def __init__(self, layouts: frozenset[str]):
        self.layouts = layouts

    def process_request(self, req, resp) -> None:
        given = req.get_header("X-Request-ID")
        request_id = given if given and _SANE_ID.fullmatch(given) else uuid.uuid4().hex
        req.context.request_id = request_id
        req.context.started = time.perf_counter()
        req.context.token = REQUEST_ID.set(request_id)
        resp.set_header("X-Request-ID", request_id)

    def process_resource(self, req, resp, resource, params) -> None:
        layout = (params or {}).get("layout_id")
        req.context.layout = layout if layout in self.layouts else None

    def process_response(self, req, resp, resource, req_succeeded) -> None:
        started = getattr(req.context, "started", None)
        if started is None:
            return
        duration = time.perf_counter() - started
        route = req.uri_template or "unrouted"
        layout = getattr(req.context, "layout", None) or ""
        renders = route.startswith(("/v1/render/", "/v1/place/")) or route.endswith("/sample")
        fmt = (req.get_param("format") or "pdf") if renders else ""
        fmt = fmt if fmt in FORMATS or not fmt else "other"
        status = resp.status_code
        body = resp.render_body() if resp.stream is None else None
        size = len(body) if body else int(resp.get_header("Content-Length") or 0)
        if route not in ("/metrics",):
            metrics.REQUESTS.labels(route, layout, fmt, str(status)).inc()
            metrics.REQUEST_SECONDS.labels(route, layout).observe(duration)
        fields = {
            "method": req.method,
            "path": req.path,
            "route": route,
            "status": status,
            "duration_ms": round(duration * 1000, 1),
            "bytes": size,
        }
        if layout:
            fields["layout"] = layout
        if fmt:
            fields["format"] = fmt
        pages = resp.get_header("X-Page-Count")
        if pages:
            fields["pages"] = int(pages)
        access_log.info("%s %s %s", req.method, req.path, status, extra={"fields": fields})
        token = getattr(req.context, "token", None)
        if token is not None:
            REQUEST_ID.reset(token)
