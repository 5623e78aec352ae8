"""OpenAPI 3.1 description, generated from the registry's data models."""

from __future__ import annotations

from .. import __version__
from ..options import FORMATS, MARKS, MARKS_FORMATS, RenderOptions
from ..registry import Registry
from ..validation import request_json_schema

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
                    "pointer": {
                        "type": "string",
                        "description": "JSON pointer into the request body",
                    },
                    "parameter": {"type": "string", "description": "query or path parameter"},
                    "header": {"type": "string", "description": "request header"},
                    "part": {"type": "string", "description": "multipart part"},
                    "limit": {
                        "type": "string",
                        "description": "the limit passed (README, Security)",
                    },
                    "line": {"type": "integer"},
                    "column": {"type": "integer"},
                    "service": {"type": "string", "description": "a trust service that failed"},
                    "path": {"type": "string", "description": "a path with nothing at it"},
                    "method": {"type": "string", "description": "a method the path does not take"},
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
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


FORMAT_PARAM = _param(
    "format",
    {"enum": list(FORMATS), "default": "pdf"},
    "Output format. pdfx-4 is print-ready PDF/X-4 (FOGRA39 output intent, 3 mm bleed where the layout's colour "
    "runs to the edge).",
)
MARKS_PARAM = _param(
    "marks",
    {"enum": list(MARKS)},
    f"Printer's marks: crop marks outside the bleed (format {' or '.join(MARKS_FORMATS)}; makes the page print-ready).",
)
DPI_PARAM = _param(
    "dpi",
    {
        "type": "integer",
        "minimum": RenderOptions.MIN_DPI,
        "maximum": RenderOptions.MAX_DPI,
        "default": 150,
    },
    "Resolution of format=png.",
)
VARIANT_PARAM = _param(
    "variant",
    {"type": "string", "default": "screen"},
    "A layout's variant (see its 'variants'): screen, or print with spot colours (format=pdf or pdfx-4).",
)
DOCUMENT = {
    "description": "The document",
    "headers": {
        "Content-Disposition": {"schema": {"type": "string"}},
        "X-Findings": {
            "schema": {"type": "string"},
            "description": "JSON list of a layout's findings",
        },
    },
    "content": {"application/pdf": {}, "image/png": {}},
}


def openapi_document(registry: Registry) -> dict:
    schemas: dict = {"Problem": PROBLEM}
    paths: dict = {
        "/healthz": {
            "get": {
                "summary": "Liveness: the process answers",
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/readyz": {
            "get": {
                "summary": "Readiness, with each component's state",
                "responses": {
                    "200": {"description": "ready"},
                    "503": {"description": "not ready: the reasons and each component"},
                },
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics of every process of the service",
                "responses": {
                    "200": {
                        "description": "the text exposition format",
                        "content": {"text/plain": {}},
                    }
                },
            }
        },
        "/v1/layouts": {
            "get": {
                "summary": "The catalog of layouts",
                "responses": {"200": {"description": "catalog"}},
            }
        },
        "/v1/layouts/{layout_id}": {
            "get": {
                "summary": "One layout with the JSON Schema of its request",
                "parameters": [
                    {
                        "name": "layout_id",
                        "in": "path",
                        "required": True,
                        "schema": {"enum": registry.ids()},
                    }
                ],
                "responses": {"200": {"description": "layout"}, **_problems(404)},
            }
        },
        "/v1/layouts/{layout_id}/sample": {
            "get": {
                "summary": "The layout's bundled sample, rendered",
                "parameters": [
                    {
                        "name": "layout_id",
                        "in": "path",
                        "required": True,
                        "schema": {"enum": registry.ids()},
                    },
                    FORMAT_PARAM,
                    DPI_PARAM,
                    VARIANT_PARAM,
                    MARKS_PARAM,
                    _param(
                        "languages",
                        {"enum": ["sl", "sl,it", "sl,hu"], "default": "sl"},
                        "Language set.",
                    ),
                ],
                "responses": {"200": DOCUMENT, **_problems(400, 404)},
            }
        },
    }
    pdf_body = {
        "required": True,
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    }
    signing_params = [
        _param("sign", {"type": "string"}, "Signer profile (needs an X-API-Key allowed it)."),
        _param(
            "level",
            {"enum": ["B-B", "B-T", "B-LT", "B-LTA"], "default": "B-B"},
            "PAdES baseline level.",
        ),
        _param("stamp", {"type": "string"}, "X,Y in mm: a visible signature there."),
        _param("stamp_page", {"type": "integer", "minimum": 1}, "Page of the visible signature."),
    ]
    paths["/v1/sign"] = {
        "post": {
            "summary": "Sign an uploaded PDF (PAdES, incremental)",
            "parameters": signing_params,
            "requestBody": pdf_body,
            "responses": {
                "200": {"description": "the signed PDF", "content": {"application/pdf": {}}},
                **_problems(400, 401, 403, 409, 413, 415, 422, 502, 503),
            },
        }
    }
    paths["/v1/verify"] = {
        "post": {
            "summary": "Report on the signatures of an uploaded PDF (offline: only what the file carries)",
            "parameters": [
                _param(
                    "at",
                    {"type": "string", "format": "date-time"},
                    "Validate as of this moment (ISO 8601 with a time zone) instead of now.",
                )
            ],
            "requestBody": pdf_body,
            "responses": {"200": {"description": "JSON report"}, **_problems(400, 413, 415, 422)},
        }
    }
    paths["/v1/place/{layout_id}"] = {
        "post": {
            "summary": "Render a layout and draw it onto an uploaded PDF",
            "parameters": [
                {
                    "name": "layout_id",
                    "in": "path",
                    "required": True,
                    "schema": {"enum": [layout.id for layout in registry if layout.placeable]},
                },
                _param(
                    "page",
                    {"type": "string", "default": "1"},
                    "Page number, or 'new' for a new last page.",
                ),
                _param(
                    "at",
                    {"type": "string", "default": "0,0"},
                    "X,Y in mm from the page's top left.",
                ),
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["request", "document"],
                            "properties": {
                                "request": {
                                    "type": "string",
                                    "description": "the request body (JSON)",
                                },
                                "document": {"type": "string", "format": "binary"},
                            },
                        }
                    }
                },
            },
            "responses": {"200": DOCUMENT, **_problems(400, 404, 413, 415, 422)},
        }
    }
    paths["/v1/studio/overlay"] = {
        "post": {
            "summary": "A reference scan (PDF, PNG, JPEG or TIFF, checked like every upload) as a PNG of one page",
            "parameters": [
                _param(
                    "page", {"type": "integer", "minimum": 1, "default": 1}, "Page of the upload."
                ),
                _param(
                    "dpi",
                    {
                        "type": "number",
                        "minimum": RenderOptions.MIN_DPI,
                        "maximum": 300,
                        "default": 96,
                    },
                    "Resolution of the PNG.",
                ),
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            },
            "responses": {
                "200": {"description": "JSON: png (base64), pages, page, width_mm, height_mm"},
                **_problems(400, 413, 422),
            },
        }
    }
    paths.update(_batch_paths(registry))
    for layout in registry:
        body, definitions = request_json_schema(layout.data_model, COMPONENTS)
        schemas.update(definitions)
        name = "Request." + layout.id
        schemas[name] = body
        content = {"application/json": {"schema": {"$ref": COMPONENTS + name}}}
        part = layout.upload or layout.attachment
        if part:  # the request as a part beside the uploaded file
            content["multipart/form-data"] = {
                "schema": {
                    "type": "object",
                    "required": ["request", part],
                    "properties": {
                        "request": {"type": "string", "description": "the request body (JSON)"},
                        part: {"type": "string", "format": "binary"},
                    },
                }
            }
        paths[f"/v1/render/{layout.id}"] = {
            "post": {
                "summary": f"Render {layout.titles['sl']} ({layout.source})",
                "operationId": f"render_{layout.id.replace('.', '_').replace('-', '_')}",
                "parameters": [
                    FORMAT_PARAM,
                    DPI_PARAM,
                    VARIANT_PARAM,
                    MARKS_PARAM,
                    *signing_params,
                ],
                "requestBody": {
                    "required": True,
                    "content": content,
                },
                "responses": {
                    "200": DOCUMENT,
                    **_problems(400, 401, 403, 404, 409, 413, 415, 422, 502, 503),
                },
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": "obrazci", "version": __version__},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _batch_paths(registry: Registry) -> dict:
    from ..batch.specs import BATCH_FORMATS, IMPOSITIONS, OUTPUT_KINDS

    key = {"name": "X-API-Key", "in": "header", "required": True, "schema": {"type": "string"}}
    batch_id = {"name": "batch_id", "in": "path", "required": True, "schema": {"type": "string"}}
    job_id = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}
    name = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
    json_object = {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
    status = {"200": {"description": "JSON"}}
    files = {
        "200": {
            "description": "the file; X-Checksum-SHA256 header",
            "headers": {"X-Checksum-SHA256": {"schema": {"type": "string"}}},
        }
    }
    return {
        "/v1/batches": {
            "post": {
                "summary": "Submit a batch: the records as a JSON array or NDJSON (each one a layout's data)",
                "parameters": [
                    key,
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string", "maxLength": 200},
                    },
                    {
                        **_param("layout", {"enum": registry.ids()}, "The layout of every record."),
                        "required": True,
                    },
                    _param(
                        "languages",
                        {"enum": ["sl", "sl,it", "sl,hu"], "default": "sl"},
                        "Language set.",
                    ),
                    _param(
                        "format", {"enum": list(BATCH_FORMATS), "default": "pdf"}, "Output format."
                    ),
                    VARIANT_PARAM,
                    _param(
                        "output",
                        {"enum": list(OUTPUT_KINDS)},
                        "files (ZIP), merged, imposed or layers.",
                    ),
                    _param(
                        "imposition",
                        {"enum": list(IMPOSITIONS), "default": "n-up"},
                        "For output=imposed.",
                    ),
                    _param("shop", {"type": "string"}, "The print shop the job is for."),
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"type": "array"}},
                        "application/x-ndjson": {"schema": {"type": "string"}},
                    },
                },
                "responses": {
                    "202": {"description": "the batch's status"},
                    **_problems(400, 401, 409, 413, 415, 422),
                },
            }
        },
        "/v1/batches/{batch_id}": {
            "get": {
                "summary": "A batch's state, counts, failures and files",
                "parameters": [key, batch_id],
                "responses": {**status, **_problems(401, 404)},
            }
        },
        "/v1/batches/{batch_id}/rerun": {
            "post": {
                "summary": 'Render the failed records again (optionally corrected: {"records": {"<index>": {...}}})',
                "parameters": [key, batch_id],
                "responses": {"202": {"description": "status"}, **_problems(401, 404, 409, 422)},
            }
        },
        "/v1/batches/{batch_id}/files/{name}": {
            "get": {
                "summary": "A finished batch's file",
                "parameters": [key, batch_id, name],
                "responses": {**files, **_problems(401, 404)},
            }
        },
        "/v1/print-jobs": {
            "get": {
                "summary": "The print shop's jobs",
                "parameters": [
                    key,
                    _param("state", {"type": "string"}, "Only jobs in this state."),
                ],
                "responses": {**status, **_problems(400, 401)},
            }
        },
        "/v1/print-jobs/{job_id}": {
            "get": {
                "summary": "One job",
                "parameters": [key, job_id],
                "responses": {**status, **_problems(401, 404)},
            }
        },
        "/v1/print-jobs/{job_id}/claim": {
            "post": {
                "summary": "Claim (or renew the claim on) a job: a lease",
                "parameters": [key, job_id],
                "responses": {**status, **_problems(401, 404, 409)},
            }
        },
        "/v1/print-jobs/{job_id}/files/{name}": {
            "get": {
                "summary": "A job's file",
                "parameters": [key, job_id, name],
                "responses": {**files, **_problems(401, 404)},
            }
        },
        "/v1/print-jobs/{job_id}/status": {
            "post": {
                "summary": "Report accepted, printed, shipped, or rejected with a reason",
                "parameters": [key, job_id],
                "requestBody": json_object,
                "responses": {**status, **_problems(401, 404, 409, 422)},
            }
        },
    }
