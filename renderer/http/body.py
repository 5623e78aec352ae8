"""Reading a JSON request body: content type, size limit, syntax — each with its own 4xx."""

from __future__ import annotations

import json
from typing import Any

import falcon

from .problems import Problem


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def read_json(req: falcon.Request, max_bytes: int) -> Any:
    media_type = (req.content_type or "").split(";")[0].strip().lower()
    if media_type != "application/json" and not (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        raise Problem(
            falcon.HTTP_415,
            "Unsupported media type",
            f"the body must be application/json, not {media_type or 'unspecified'}",
        )
    if req.content_length is not None and req.content_length > max_bytes:
        raise Problem(
            falcon.HTTP_413, "Request body too large", f"the limit is {max_bytes} bytes, the body has {req.content_length}"
        )
    raw = req.bounded_stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise Problem(falcon.HTTP_413, "Request body too large", f"the limit is {max_bytes} bytes")
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise Problem(falcon.HTTP_400, "Malformed JSON", f"the body is not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise Problem(
            falcon.HTTP_400, "Malformed JSON", f"line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise Problem(falcon.HTTP_400, "Malformed JSON", str(exc) or "nested too deeply") from None
