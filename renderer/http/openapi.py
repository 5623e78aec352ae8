"""OpenAPI 3.1 description, generated from the registry's data models."""

from __future__ import annotations

from .. import __version__
from ..registry import Registry
from ..schema import request_json_schema
from ..specs import FORMATS, RenderOptions

COMPONENTS = "#/components/schemas/"

PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "pointer": {"type": "string", "description": "JSON pointer into the request body"},
                    "parameter": {"type": "string", "description": "query parameter"},
                    "detail": {"type": "string"},
                },
                "required": ["detail"],
            },
        },
    },
}


def _problems(*codes: int) -> dict:
    return {
        str(code): {
            "description": "Problem details (RFC 9457)",
            "content": {"application/problem+json": {"schema": {"$ref": COMPONENTS + "Problem"}}},
        }
        for code in codes
    }


def _param(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


FORMAT_PARAM = _param("format", {"enum": list(FORMATS), "default": "pdf"}, "Output format.")
DPI_PARAM = _param(
    "dpi",
    {"type": "integer", "minimum": RenderOptions.MIN_DPI, "maximum": RenderOptions.MAX_DPI, "default": 150},
    "Resolution of format=png.",
)
VARIANT_PARAM = _param(
    "variant", {"type": "string", "default": "screen"},
    "A layout's variant (see its 'variants'): screen, or print with spot colours (format=pdf).",
)
DOCUMENT = {
    "description": "The document",
    "headers": {
        "Content-Disposition": {"schema": {"type": "string"}},
        "X-Findings": {"schema": {"type": "string"}, "description": "JSON list of a layout's findings"},
    },
    "content": {"application/pdf": {}, "image/png": {}},
}


def openapi_document(registry: Registry) -> dict:
    schemas: dict = {"Problem": PROBLEM}
    paths: dict = {
        "/healthz": {"get": {"summary": "Liveness", "responses": {"200": {"description": "ok"}}}},
        "/v1/layouts": {"get": {"summary": "The catalog of layouts", "responses": {"200": {"description": "catalog"}}}},
        "/v1/layouts/{layout_id}": {
            "get": {
                "summary": "One layout with the JSON Schema of its request",
                "parameters": [{"name": "layout_id", "in": "path", "required": True, "schema": {"enum": registry.ids()}}],
                "responses": {"200": {"description": "layout"}, **_problems(404)},
            }
        },
        "/v1/layouts/{layout_id}/sample": {
            "get": {
                "summary": "The layout's bundled sample, rendered",
                "parameters": [
                    {"name": "layout_id", "in": "path", "required": True, "schema": {"enum": registry.ids()}},
                    FORMAT_PARAM,
                    DPI_PARAM,
                    VARIANT_PARAM,
                    _param("languages", {"enum": ["sl", "sl,it", "sl,hu"], "default": "sl"}, "Language set."),
                ],
                "responses": {"200": DOCUMENT, **_problems(400, 404)},
            }
        },
    }
    for layout in registry:
        body, definitions = request_json_schema(layout.data_model, COMPONENTS)
        schemas.update(definitions)
        name = "Request." + layout.id
        schemas[name] = body
        paths[f"/v1/render/{layout.id}"] = {
            "post": {
                "summary": f"Render {layout.titles['sl']} ({layout.source})",
                "operationId": f"render_{layout.id.replace('.', '_').replace('-', '_')}",
                "parameters": [FORMAT_PARAM, DPI_PARAM, VARIANT_PARAM],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": COMPONENTS + name}}},
                },
                "responses": {"200": DOCUMENT, **_problems(400, 404, 413, 415, 422)},
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": "obrazci", "version": __version__},
        "paths": paths,
        "components": {"schemas": schemas},
    }
