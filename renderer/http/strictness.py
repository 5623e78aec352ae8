"""Strict query parameters: each operation takes the query parameters its OpenAPI operation
declares and no others. A name it does not declare (``?fromat=png``, ``?strict=true``) or a
name given twice is a 400 naming the parameter, before the resource runs; so what
/openapi.json offers is exactly what the service takes. The values are the resources' to
check (each with its own 400 naming the parameter)."""

from __future__ import annotations

import re

import falcon

from .problems import bad_parameter

# names a caller may reasonably put in the query although they belong in the body
IN_THE_BODY = {
    "strict": "strict goes in the request body, inside data",
    "document_date": "document_date goes in the request body",
    "area": "area goes in the request body",
}


class StrictParameters:
    """Falcon middleware over the document's operations (method and path → parameters)."""

    def __init__(self, document: dict):
        self.operations: list[tuple[re.Pattern[str], str, frozenset[str]]] = []
        paths = document["paths"]
        # literal paths first: /v1/studio/overlay before /v1/studio/{layout_id}
        for path in sorted(paths, key=lambda p: (p.count("{"), p)):
            pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")
            for method, operation in paths[path].items():
                names = frozenset(
                    p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
                )
                self.operations.append((pattern, method.upper(), names))

    def declared(self, method: str, path: str) -> frozenset[str] | None:
        """The query parameters of the operation, or None for a path the document does not
        describe (the studio's pages and assets, the docs page's assets)."""
        for pattern, operation_method, names in self.operations:
            if operation_method == method and pattern.match(path):
                return names
        return None

    def process_resource(self, req: falcon.Request, resp, resource, params) -> None:
        if resource is None:
            return
        names = self.declared(req.method, req.path)
        if names is None:
            return
        for name, value in req.params.items():
            if name not in names:
                takes = ", ".join(sorted(names)) or "no query parameters"
                reason = IN_THE_BODY.get(
                    name, f"not a parameter of this operation (it takes {takes})"
                )
                raise bad_parameter(name, reason)
            if isinstance(value, list):
                raise bad_parameter(name, "is given more than once")
