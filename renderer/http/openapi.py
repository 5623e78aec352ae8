"""The OpenAPI 3.1 document, generated from the registry: exact per layout (its own formats,
variants and request schema), every public endpoint with an ``operationId``, the keys as
``securitySchemes``, and a schema for every JSON answer. The service's strict parameter
check (``strictness.py``) reads the parameters declared here, so what the document offers is
what the service takes."""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..batch.specs import BATCH_FORMATS, IMPOSITIONS, OUTPUT_KINDS
from ..batch.store import LISTED
from ..options import FORMATS, LANGUAGE_SETS, MARKS, MARKS_FORMATS, RenderOptions
from ..registry import Layout, Registry
from ..sign.config import LEVELS
from ..validation import request_json_schema

COMPONENTS = "#/components/schemas/"
LANGUAGE_CHOICES = [",".join(s) for s in LANGUAGE_SETS]
BATCH_STATES = ("receiving", *LISTED)
JOB_STATES = ("pending", "ready", "claimed", "failed", "accepted", "printed", "shipped", "rejected")
TEXT = {"type": "string", "minLength": 1}
BINARY = {"type": "string", "format": "binary"}

SECURITY_SCHEMES = {
    "ClientKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "A client's key (OBRAZCI_BATCH_ACCESS): submits and follows batches.",
    },
    "ShopKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "A print shop's key (OBRAZCI_BATCH_ACCESS): its print jobs.",
    },
    "SignerKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "A key allowed to sign with a signer profile (OBRAZCI_SIGNING_CONFIG).",
    },
}

PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
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

TITLES = {"type": "object", "additionalProperties": {"type": "string"}}
LAYOUT_SUMMARY = {
    "type": "object",
    "required": ["id", "title", "page", "pages", "variants", "signed", "placeable", "source"],
    "properties": {
        "id": {"type": "string"},
        "title": TITLES,
        "page": {"type": "object"},
        "pages": {"type": "integer"},
        "variants": {"type": "array", "items": {"type": "string"}},
        "bleed_mm": {"type": "number"},
        "signed": {"type": "boolean"},
        "placeable": {"type": "boolean"},
        "source": {"type": "string"},
        "description": {"type": ["string", "null"]},
        "links": {"type": "object"},
        "request_schema": {"type": "object"},
    },
}
COUNTS = {
    "type": "object",
    "required": ["total"],
    "properties": {"total": {"type": "integer"}},
    "additionalProperties": {"type": "integer"},
}
FILE_ENTRY = {
    "type": "object",
    "required": ["name", "url"],
    "properties": {
        "name": {"type": "string"},
        "url": {"type": "string"},
        "media_type": {"type": "string"},
        "sha256": {"type": "string"},
        "bytes": {"type": "integer"},
    },
}
DELIVERY = {
    "type": "object",
    "description": "A webhook delivery: its event, and every attempt with its answer.",
    "required": ["id", "event", "url", "state", "created", "attempts"],
    "properties": {
        "id": {"type": "string", "description": "the event id (X-Obrazci-Event-Id)"},
        "event": {
            "enum": ["batch.ready", "batch.completed-with-errors", "batch.failed", "job.ready"]
        },
        "url": {"type": "string"},
        "state": {"enum": ["pending", "delivered", "failed"]},
        "created": {"type": "string"},
        "next_attempt": {"type": "string", "description": "while pending"},
        "attempts": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["time"],
                "properties": {
                    "time": {"type": "string"},
                    "status": {"type": "integer", "description": "the receiver's HTTP status"},
                    "error": {"type": "string", "description": "why there was no answer"},
                    "excerpt": {"type": "string", "description": "the answer's first characters"},
                    "next_retry": {"type": "string"},
                },
            },
        },
    },
}
BATCH_STATUS: dict[str, Any] = {
    "type": "object",
    "required": ["id", "url", "state", "layout", "languages", "format", "counts", "progress"],
    "properties": {
        "id": {"type": "string"},
        "url": {"type": "string"},
        "state": {"enum": list(BATCH_STATES)},
        "layout": {"type": "string"},
        "languages": {"type": "array", "items": {"type": "string"}},
        "format": {"type": "string"},
        "variant": {"type": ["string", "null"]},
        "output": {"type": ["string", "null"]},
        "imposition": {"type": ["string", "null"]},
        "shop": {"type": ["string", "null"]},
        "created": {"type": "string"},
        "updated": {"type": "string"},
        "counts": {"$ref": COMPONENTS + "Counts"},
        "progress": {"type": "number"},
        "failures": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "index": {"type": "integer"},
                    "id": {"type": "string"},
                    "errors": {"type": "array", "items": {"type": "object"}},
                },
            },
        },
        "failures_truncated": {"type": "boolean"},
        "error": {"type": "string"},
        "files": {"type": "array", "items": {"$ref": COMPONENTS + "FileEntry"}},
        "requeued": {"type": "integer"},
        "callback_url": {"type": "string"},
        "deliveries": {"type": "array", "items": {"$ref": COMPONENTS + "Delivery"}},
    },
}
PRINT_JOB = {
    "type": "object",
    "required": ["id", "url", "state", "layout", "languages", "format", "counts"],
    "properties": {
        "id": {"type": "string"},
        "url": {"type": "string"},
        "state": {"enum": list(JOB_STATES)},
        "layout": {"type": "string"},
        "languages": {"type": "array", "items": {"type": "string"}},
        "format": {"type": "string"},
        "output": {"type": ["string", "null"]},
        "counts": {"$ref": COMPONENTS + "Counts"},
        "created": {"type": "string"},
        "claimed_until": {"type": "string"},
        "reason": {"type": "string"},
        "files": {"type": "array", "items": {"$ref": COMPONENTS + "FileEntry"}},
        "deliveries": {"type": "array", "items": {"$ref": COMPONENTS + "Delivery"}},
    },
}
VERIFY_REPORT = {
    "type": "object",
    "required": ["validation_time", "signatures", "level"],
    "properties": {
        "pdfa": {},
        "validation_time": {"type": ["string", "null"]},
        "simulated_time": {"type": "boolean"},
        "revocation_data": {},
        "signatures": {"type": "array", "items": {"type": "object"}},
        "level": {"type": ["string", "null"]},
    },
}
READINESS = {
    "type": "object",
    "required": ["status", "reasons", "components"],
    "properties": {
        "status": {"enum": ["ready", "not ready"]},
        "reasons": {"type": "array", "items": {"type": "string"}},
        "components": {"type": "object", "additionalProperties": {"type": "object"}},
    },
}
STUDIO_PAGE = {
    "type": "object",
    "required": ["png", "pages", "page"],
    "properties": {
        "png": {"type": "string", "contentEncoding": "base64"},
        "pages": {"type": "integer"},
        "page": {"type": "integer"},
    },
}
BATCH_LISTING = {
    "type": "object",
    "required": ["id", "url", "state", "layout", "total", "created", "updated"],
    "properties": {
        **{
            name: BATCH_STATUS["properties"][name]
            for name in ("id", "url", "state", "layout", "languages", "format", "variant")
            + ("output", "imposition", "shop", "created", "updated")
        },
        "total": {"type": "integer"},
    },
}
SCHEMAS = {
    "Problem": PROBLEM,
    "BatchListing": BATCH_LISTING,
    "LayoutSummary": LAYOUT_SUMMARY,
    "Counts": COUNTS,
    "FileEntry": FILE_ENTRY,
    "Delivery": DELIVERY,
    "BatchStatus": BATCH_STATUS,
    "PrintJob": PRINT_JOB,
    "VerifyReport": VERIFY_REPORT,
    "Readiness": READINESS,
    "StudioPage": STUDIO_PAGE,
}


def _json(schema_name: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": COMPONENTS + schema_name}}},
    }


def _object(description: str, required: list[str], properties: dict) -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {"type": "object", "required": required, "properties": properties}
            }
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


def _param(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": schema,
        "description": description,
    }


def _path(name: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema or TEXT}


def layout_formats(layout: Layout) -> list[str]:
    """The formats the layout is delivered in: e-mail text and HTML only where it is a
    message; with an uploaded or embedded file PDF and PDF/A-3 (and PNG of an upload); a
    signed layout in PDF formats only."""
    formats = []
    for name, fmt in FORMATS.items():
        if fmt.textual and not layout.text_formats:
            continue
        if layout.signed and not fmt.is_pdf:
            continue
        carries_file = layout.upload or layout.attachment
        if carries_file and fmt.is_pdf and (fmt.pdfx or (fmt.is_pdfa and fmt.pdfa_part != 3)):
            continue
        if layout.attachment and not fmt.is_pdf:
            continue
        formats.append(name)
    return formats


def _render_params(layout: Layout | None, formats: list[str]) -> list[dict]:
    variants = list(layout.variants) if layout else None
    default_variant = variants[0] if variants else None
    variant_schema: dict[str, Any] = (
        {"enum": variants, "default": default_variant} if variants else dict(TEXT)
    )
    marks = [f for f in MARKS_FORMATS if f in formats]
    params = [
        _param(
            "format",
            {"enum": formats, "default": "pdf"},
            "Output format. pdfx-4 is print-ready PDF/X-4 (FOGRA39 output intent, 3 mm bleed "
            "where the layout's colour runs to the edge).",
        ),
        _param("variant", variant_schema, "The layout's variant (see its 'variants')."),
    ]
    if "png" in formats:
        params.append(
            _param(
                "dpi",
                {
                    "type": "integer",
                    "minimum": RenderOptions.MIN_DPI,
                    "maximum": RenderOptions.MAX_DPI,
                },
                f"Resolution of format=png only (default {RenderOptions.dpi}); with any other "
                "format it is a 400.",
            )
        )
    if marks:
        params.append(
            _param(
                "marks",
                {"enum": list(MARKS)},
                f"Printer's marks: crop marks outside the bleed (format {' or '.join(marks)}).",
            )
        )
    return params


def _languages_param() -> dict:
    return _param(
        "languages",
        {"enum": LANGUAGE_CHOICES, "default": "sl"},
        "Language set: Slovenian alone or first with Italian or Hungarian.",
    )


def _signing_params() -> list[dict]:
    return [
        _param("sign", TEXT, "Signer profile (needs an X-API-Key allowed to use it)."),
        _param(
            "level",
            {"enum": list(LEVELS)},
            "PAdES baseline level (B-B when not given); only with sign.",
        ),
        _param(
            "stamp",
            {"type": "string", "pattern": r"^\s*[0-9.]+\s*,\s*[0-9.]+\s*$"},
            "X,Y in mm from the page's top left: a visible signature there.",
        ),
        _param("stamp_page", {"type": "integer", "minimum": 1}, "Page of the visible signature."),
    ]


def _document(media_types: list[str], description: str = "The document") -> dict:
    return {
        "description": description,
        "headers": {
            "Content-Disposition": {"schema": {"type": "string"}},
            "X-Page-Count": {"schema": {"type": "integer"}},
            "X-Findings": {
                "schema": {"type": "string"},
                "description": "JSON list of a layout's findings",
            },
        },
        "content": {media: {"schema": BINARY} for media in media_types},
    }


def _media_types(formats: list[str]) -> list[str]:
    return sorted({FORMATS[f].media_type.split(";")[0] for f in formats})


def _operation_id(prefix: str, layout_id: str) -> str:
    return prefix + "_" + layout_id.replace(".", "_").replace("-", "_")


def _render_path(layout: Layout, schemas: dict) -> dict:
    body, definitions = request_json_schema(layout.data_model, COMPONENTS)
    schemas.update(definitions)
    name = "Request." + layout.id
    schemas[name] = body
    content: dict = {"application/json": {"schema": {"$ref": COMPONENTS + name}}}
    part = layout.upload or layout.attachment
    if part:  # the request as a JSON part beside the uploaded file
        content["multipart/form-data"] = {
            "schema": {
                "type": "object",
                "required": ["request", part],
                "properties": {"request": {"$ref": COMPONENTS + name}, part: BINARY},
            },
            "encoding": {"request": {"contentType": "application/json"}},
        }
        if layout.upload:  # the scan is always a part: no plain JSON body
            del content["application/json"]
    formats = layout_formats(layout)
    return {
        "post": {
            "summary": f"Render {layout.titles['sl']} ({layout.source})",
            "operationId": _operation_id("render", layout.id),
            "tags": ["render"],
            "security": [{}, {"SignerKey": []}],
            "parameters": [*_render_params(layout, formats), *_signing_params()],
            "requestBody": {"required": True, "content": content},
            "responses": {
                "200": _document(_media_types(formats)),
                **_problems(400, 401, 403, 409, 413, 415, 422, 502, 503),
            },
        }
    }


def openapi_document(registry: Registry) -> dict:
    schemas: dict = dict(SCHEMAS)
    layout_id = _path("layout_id", {"enum": registry.ids()})
    all_formats = [f for f in FORMATS if not FORMATS[f].textual]
    paths: dict = {
        "/healthz": {
            "get": {
                "operationId": "healthz",
                "tags": ["service"],
                "summary": "Liveness: the process answers",
                "responses": {"200": _object("ok", ["status"], {"status": {"const": "ok"}})},
            }
        },
        "/readyz": {
            "get": {
                "operationId": "readyz",
                "tags": ["service"],
                "summary": "Readiness, with each component's state",
                "responses": {
                    "200": _json("Readiness", "ready"),
                    "503": _json("Readiness", "not ready: the reasons and each component"),
                },
            }
        },
        "/metrics": {
            "get": {
                "operationId": "metrics",
                "tags": ["service"],
                "summary": "Prometheus metrics of every process of the service",
                "responses": {
                    "200": {
                        "description": "the text exposition format",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "tags": ["service"],
                "summary": "This document",
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
        "/v1/layouts": {
            "get": {
                "operationId": "list_layouts",
                "tags": ["layouts"],
                "summary": "The catalog of layouts",
                "responses": {
                    "200": _object(
                        "catalog",
                        ["layouts"],
                        {
                            "layouts": {
                                "type": "array",
                                "items": {"$ref": COMPONENTS + "LayoutSummary"},
                            }
                        },
                    )
                },
            }
        },
        "/v1/layouts/{layout_id}": {
            "get": {
                "operationId": "get_layout",
                "tags": ["layouts"],
                "summary": "One layout with the JSON Schema of its request",
                "parameters": [layout_id],
                "responses": {
                    "200": _json("LayoutSummary", "the layout"),
                    **_problems(400, 404),
                },
            }
        },
        "/v1/layouts/{layout_id}/sample": {
            "get": {
                "operationId": "render_sample",
                "tags": ["layouts"],
                "summary": "The layout's bundled sample, rendered (formats as its render offers)",
                "parameters": [layout_id, *_render_params(None, all_formats), _languages_param()],
                "responses": {
                    "200": _document(_media_types(all_formats)),
                    **_problems(400, 404, 409, 422),
                },
            }
        },
    }
    pdf_body = {"required": True, "content": {"application/pdf": {"schema": BINARY}}}
    paths["/v1/sign"] = {
        "post": {
            "operationId": "sign",
            "tags": ["signing"],
            "summary": "Sign an uploaded PDF (PAdES, incremental)",
            "security": [{}, {"SignerKey": []}],
            "parameters": [{**_signing_params()[0], "required": True}, *_signing_params()[1:]],
            "requestBody": pdf_body,
            "responses": {
                "200": _document(["application/pdf"], "the signed PDF"),
                **_problems(400, 401, 403, 409, 413, 415, 422, 502, 503),
            },
        }
    }
    paths["/v1/verify"] = {
        "post": {
            "operationId": "verify",
            "tags": ["signing"],
            "summary": "Report on the signatures of an uploaded PDF (only what the file carries)",
            "parameters": [
                _param(
                    "at",
                    {"type": "string", "format": "date-time"},
                    "Validate as of this moment (ISO 8601 with a time zone) instead of now.",
                )
            ],
            "requestBody": pdf_body,
            "responses": {
                "200": _json("VerifyReport", "the report"),
                **_problems(400, 413, 415, 422),
            },
        }
    }
    paths["/v1/place/{layout_id}"] = {
        "post": {
            "operationId": "place",
            "tags": ["render"],
            "summary": "Render a layout and draw it onto an uploaded PDF",
            "parameters": [
                _path("layout_id", {"enum": [lay.id for lay in registry if lay.placeable]}),
                _param(
                    "page",
                    {"type": "string", "pattern": "^([1-9][0-9]*|new)$", "default": "1"},
                    "Page number (from 1), or 'new' for a new last page.",
                ),
                _param(
                    "at",
                    {"type": "string", "pattern": r"^\s*[0-9.]+\s*,\s*[0-9.]+\s*$"},
                    "X,Y in mm from the page's top left (default 0,0).",
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
                                "document": BINARY,
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": _document(["application/pdf"]),
                **_problems(400, 404, 413, 415, 422),
            },
        }
    }
    paths.update(_studio_paths(layout_id))
    paths.update(_batch_paths(registry))
    for layout in registry:
        paths[f"/v1/render/{layout.id}"] = _render_path(layout, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "obrazci", "version": __version__},
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": SECURITY_SCHEMES},
    }


def _studio_paths(layout_id: dict) -> dict:
    dpi = _param(
        "dpi",
        {"type": "number", "minimum": RenderOptions.MIN_DPI, "maximum": 300, "default": 96},
        "Resolution of the PNG.",
    )
    page = _param(
        "page", {"type": "integer", "minimum": 1, "maximum": 100_000, "default": 1}, "Page."
    )
    return {
        "/v1/studio/overlay": {
            "post": {
                "operationId": "studio_overlay",
                "tags": ["studio"],
                "summary": "A reference scan (PDF, PNG, JPEG or TIFF, checked like every "
                "upload) as a PNG of one page",
                "parameters": [page, dpi],
                "requestBody": {
                    "required": True,
                    "content": {"application/octet-stream": {"schema": BINARY}},
                },
                "responses": {
                    "200": _json("StudioPage", "png (base64), pages, page, width_mm, height_mm"),
                    **_problems(400, 413, 422),
                },
            }
        },
        "/v1/studio/{layout_id}": {
            "get": {
                "operationId": "studio_layout",
                "tags": ["studio"],
                "summary": "What the preview studio needs of a layout",
                "parameters": [layout_id],
                "responses": {
                    "200": _json("LayoutSummary", "the layout, its sample sets and checks"),
                    **_problems(400, 404),
                },
            }
        },
        "/v1/studio/{layout_id}/preview": {
            "post": {
                "operationId": "studio_preview",
                "tags": ["studio"],
                "summary": "One page of a draft as PNG, with its geometry and prescribed checks",
                "parameters": [
                    layout_id,
                    dpi,
                    page,
                    _param("variant", TEXT, "The layout's variant."),
                    _param("separation", {"type": "string"}, "One ink of a spot variant."),
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "responses": {
                    "200": _json("StudioPage", "the page and what is measured on it"),
                    **_problems(400, 404, 413, 415, 422),
                },
            }
        },
        "/v1/studio/{layout_id}/upload": {
            "get": {
                "operationId": "studio_sample_upload",
                "tags": ["studio"],
                "summary": "The bundled sample file of a layout that takes one",
                "parameters": [layout_id],
                "responses": {
                    "200": _document(["application/pdf"], "the sample file"),
                    **_problems(400, 404),
                },
            }
        },
    }


def _batch_paths(registry: Registry) -> dict:
    client: list[dict[str, list]] = [{"ClientKey": []}]
    shop: list[dict[str, list]] = [{"ShopKey": []}]
    batch_id = _path("batch_id")
    job_id = _path("job_id")
    name = _path("name")
    file_content = {
        "application/pdf": {"schema": BINARY},
        "application/zip": {"schema": BINARY},
        "application/json": {"schema": BINARY},
    }
    files = {
        "200": {
            "description": "the file; X-Checksum-SHA256 header, ETag, Accept-Ranges: bytes",
            "headers": {
                "X-Checksum-SHA256": {"schema": {"type": "string"}},
                "Accept-Ranges": {"schema": {"const": "bytes"}},
            },
            "content": file_content,
        },
        "206": {
            "description": "the byte range asked for (Content-Range)",
            "headers": {"Content-Range": {"schema": {"type": "string"}}},
            "content": file_content,
        },
        **_problems(416),
    }
    ranged = [
        {
            "name": "Range",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "pattern": "^bytes=([0-9]+-[0-9]*|-[0-9]+)$"},
            "description": "One byte range: resumes a download (206).",
        },
        {
            "name": "If-Range",
            "in": "header",
            "required": False,
            "schema": {"type": "string"},
            "description": "The ETag the range is of; another one sends the whole file.",
        },
    ]
    batchable = [lay.id for lay in registry if not (lay.upload or lay.attachment)]
    return {
        "/v1/batches": {
            "get": {
                "operationId": "list_batches",
                "tags": ["batches"],
                "summary": "The caller's batches, newest first, a page at a time",
                "security": client,
                "parameters": [
                    _param("state", {"enum": list(LISTED)}, "Only batches in it."),
                    _param(
                        "since",
                        {"type": "string", "format": "date-time"},
                        "Submitted at or after (ISO 8601 with its zone, or a date: 00:00 UTC).",
                    ),
                    _param(
                        "until",
                        {"type": "string", "format": "date-time"},
                        "Submitted before (ISO 8601 with its zone, or a date: 00:00 UTC).",
                    ),
                    _param(
                        "limit",
                        {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
                        "Batches on the page.",
                    ),
                    _param("cursor", TEXT, "The next_cursor of the page before."),
                ],
                "responses": {
                    "200": {
                        **_object(
                            "a page of batches; a Link header rel=next while there are more",
                            ["batches", "next_cursor"],
                            {
                                "batches": {
                                    "type": "array",
                                    "items": {"$ref": COMPONENTS + "BatchListing"},
                                },
                                "next_cursor": {"type": ["string", "null"]},
                            },
                        ),
                        "headers": {"Link": {"schema": {"type": "string"}}},
                    },
                    **_problems(400, 401),
                },
            },
            "post": {
                "operationId": "submit_batch",
                "tags": ["batches"],
                "summary": "Submit a batch: the records as a JSON array or NDJSON (each one "
                "a layout's data)",
                "security": client,
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 200},
                    },
                    _param(
                        "layout",
                        {"enum": batchable},
                        "The layout of every record.",
                        required=True,
                    ),
                    _languages_param(),
                    _param(
                        "format", {"enum": list(BATCH_FORMATS), "default": "pdf"}, "Output format."
                    ),
                    _param("variant", TEXT, "The layout's variant."),
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
                    _param("shop", TEXT, "The print shop the job is for."),
                    _param(
                        "callback_url",
                        {"type": "string", "format": "uri", "minLength": 1, "maxLength": 2000},
                        "Called back (a signed POST) when the batch is ready, completed with "
                        "errors or failed: an http(s) URL of a host the service allows "
                        "(OBRAZCI_WEBHOOK_HOSTS), else a 422.",
                    ),
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"type": "array", "items": {"type": "object"}, "minItems": 1}
                        },
                        "application/x-ndjson": {"schema": {"type": "string"}},
                    },
                },
                "responses": {
                    "202": _json("BatchStatus", "the batch's status"),
                    **_problems(400, 401, 409, 413, 415, 422),
                },
            },
        },
        "/v1/batches/{batch_id}": {
            "get": {
                "operationId": "get_batch",
                "tags": ["batches"],
                "summary": "A batch's state, counts, failures and files",
                "security": client,
                "parameters": [batch_id],
                "responses": {
                    "200": _json("BatchStatus", "the status"),
                    **_problems(400, 401, 404),
                },
            },
            "delete": {
                "operationId": "delete_batch",
                "tags": ["batches"],
                "summary": "Delete a finished batch and its files (a print shop's job once the "
                "shop has collected, shipped or rejected it)",
                "security": client,
                "parameters": [batch_id],
                "responses": {
                    "204": {"description": "deleted"},
                    **_problems(400, 401, 404, 409),
                },
            },
        },
        "/v1/batches/{batch_id}/cancel": {
            "post": {
                "operationId": "cancel_batch",
                "tags": ["batches"],
                "summary": "Cancel a queued or rendering batch: nothing more is rendered, "
                "its files are removed (again: the same answer; a finished batch is a 409)",
                "security": client,
                "parameters": [batch_id],
                "responses": {
                    "200": _json("BatchStatus", "the status, state cancelled"),
                    **_problems(400, 401, 404, 409),
                },
            }
        },
        "/v1/batches/{batch_id}/rerun": {
            "post": {
                "operationId": "rerun_batch",
                "tags": ["batches"],
                "summary": "Render the failed records again (optionally corrected)",
                "security": client,
                "parameters": [batch_id],
                "requestBody": {
                    "required": False,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "records": {
                                        "type": "object",
                                        "description": "failed record index → corrected data",
                                        "additionalProperties": {"type": "object"},
                                    }
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "202": _json("BatchStatus", "the status, with 'requeued'"),
                    **_problems(400, 401, 404, 409, 415, 422),
                },
            }
        },
        "/v1/batches/{batch_id}/files/{name}": {
            "get": {
                "operationId": "get_batch_file",
                "tags": ["batches"],
                "summary": "A finished batch's file",
                "security": client,
                "parameters": [batch_id, name, *ranged],
                "responses": {**files, **_problems(400, 401, 404)},
            }
        },
        "/v1/print-jobs": {
            "get": {
                "operationId": "list_print_jobs",
                "tags": ["print shops"],
                "summary": "The print shop's jobs",
                "security": shop,
                "parameters": [
                    _param("state", {"enum": list(JOB_STATES)}, "Only jobs in this state.")
                ],
                "responses": {
                    "200": _object(
                        "the jobs",
                        ["jobs"],
                        {"jobs": {"type": "array", "items": {"$ref": COMPONENTS + "PrintJob"}}},
                    ),
                    **_problems(400, 401),
                },
            }
        },
        "/v1/print-jobs/{job_id}": {
            "get": {
                "operationId": "get_print_job",
                "tags": ["print shops"],
                "summary": "One job",
                "security": shop,
                "parameters": [job_id],
                "responses": {"200": _json("PrintJob", "the job"), **_problems(400, 401, 404)},
            }
        },
        "/v1/print-jobs/{job_id}/claim": {
            "post": {
                "operationId": "claim_print_job",
                "tags": ["print shops"],
                "summary": "Claim (or renew the claim on) a job: a lease",
                "security": shop,
                "parameters": [job_id],
                "responses": {
                    "200": _json("PrintJob", "the job"),
                    **_problems(400, 401, 404, 409),
                },
            }
        },
        "/v1/print-jobs/{job_id}/files/{name}": {
            "get": {
                "operationId": "get_print_job_file",
                "tags": ["print shops"],
                "summary": "A job's file",
                "security": shop,
                "parameters": [job_id, name, *ranged],
                "responses": {**files, **_problems(400, 401, 404)},
            }
        },
        "/v1/print-jobs/{job_id}/status": {
            "post": {
                "operationId": "report_print_job",
                "tags": ["print shops"],
                "summary": "Report accepted, printed, shipped, or rejected with a reason",
                "security": shop,
                "parameters": [job_id],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["status"],
                                "properties": {
                                    "status": {
                                        "enum": ["accepted", "printed", "shipped", "rejected"]
                                    },
                                    "reason": {"type": "string", "maxLength": 2000},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json("PrintJob", "the job"),
                    **_problems(400, 401, 404, 409, 415, 422),
                },
            }
        },
    }
