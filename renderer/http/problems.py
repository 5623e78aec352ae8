"""Errors as RFC 9457 problem details (application/problem+json).

Every 4xx names what was wrong: ``errors`` lists one entry per field, with a JSON pointer
into the body (``pointer``) or the name of a query parameter (``parameter``).
"""

from __future__ import annotations

import json
import logging

import falcon

from ..validation import InvalidRequest

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"


class Problem(falcon.HTTPError):
    """An HTTP error with problem-details members of our own."""

    def __init__(
        self,
        status,
        title: str,
        detail: str | None = None,
        errors: list[dict] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(status, title=title, description=detail, headers=headers)
        self.errors = errors


def bad_parameter(name: str, reason: str) -> Problem:
    return Problem(
        falcon.HTTP_400,
        "Invalid query parameter",
        f"{name}: {reason}",
        [{"parameter": name, "detail": reason}],
    )


def serialize(req: falcon.Request, resp: falcon.Response, exc: falcon.HTTPError) -> None:
    body = {
        "type": "about:blank",
        "title": exc.title,
        "status": exc.status_code,
    }
    if exc.description:
        body["detail"] = exc.description
    body["instance"] = req.relative_uri
    request_id = getattr(req.context, "request_id", None)
    if request_id:
        body["request_id"] = request_id  # the same id as in the X-Request-ID header and the log
    errors = getattr(exc, "errors", None) or _framework_errors(
        req, exc
    )  # one entry per field, parameter or service
    if errors:
        body["errors"] = errors
    resp.content_type = PROBLEM_JSON
    resp.text = json.dumps(body, ensure_ascii=False)
    for name, value in (exc.headers or {}).items():
        resp.set_header(name, value)


def _framework_errors(req: falcon.Request, exc: falcon.HTTPError) -> list[dict]:
    """Errors Falcon raises itself (no route, a method the route lacks, a bad header) name
    the path, the method or the header too."""
    if isinstance(exc, falcon.HTTPRouteNotFound):
        return [{"path": req.path, "detail": "there is nothing at this path; see /openapi.json"}]
    if isinstance(exc, falcon.HTTPMethodNotAllowed):
        allowed = (exc.headers or {}).get("Allow", "")
        return [{"method": req.method, "detail": f"not allowed here; allowed: {allowed}"}]
    if exc.status_code >= 400:
        return [{"detail": exc.description or exc.title}]
    return []


def invalid_request(req, resp, exc: InvalidRequest, params) -> None:
    raise Problem(
        falcon.HTTP_422,
        "Invalid request data",
        f"{len(exc.errors)} field(s) cannot be rendered as given",
        [{"pointer": e.pointer, "detail": e.reason} for e in exc.errors],
    )


def unexpected(req, resp, exc: Exception, params) -> None:
    if isinstance(exc, falcon.HTTPError):
        raise exc
    log.exception("unexpected error on %s %s", req.method, req.path)
    request_id = getattr(req.context, "request_id", None)
    raise Problem(
        falcon.HTTP_500,
        "Internal error",
        f"the request could not be completed; the error is logged under request id {request_id}",
    )


def install(app: falcon.App) -> None:
    app.set_error_serializer(serialize)
    app.add_error_handler(Exception, unexpected)
    app.add_error_handler(InvalidRequest, invalid_request)
