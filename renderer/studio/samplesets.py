"""Named sample sets for the preview studio: the bundled sample of each language set and edge
cases generated from it with the layout's request schema:

- ``longest``: every text the schema bounds filled to its maximum length, absent optional
  texts added at their maximum, lists at their most items;
- ``empty-optional``: every optional member left out;
- ``most-rows``: every list at its most items (rows of a table, units of a sign), but no
  more than MAX_ROWS and no more than a request may carry (``Limits.max_body_bytes``).

A generated set must validate: where a change breaks a rule the schema cannot express (a
date, a check digit, a rule across fields), that member goes back to the sample's value.
Whether the result fits its boxes is the renderer's question: an overflow is a finding.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from ..options import Limits
from ..registry import Layout
from ..validation import InvalidRequest, validate_request

SETS = ("sample", "longest", "empty-optional", "most-rows")
FILLER = "Žgoča črta ščetk "  # letters with the tallest accents the languages use
MAX_REPAIRS = 8
DEFAULT_LIMITS = Limits()  # the service's defaults (frozen: one instance serves every call)
MAX_ROWS = 100  # a generated list stops here: a preview of thousands of rows is no preview


class _Schema:
    """Resolves ``$ref`` and picks the ``anyOf`` branch that matches a value."""

    def __init__(self, root: dict):
        self.defs = root.get("$defs", {})

    def resolve(self, schema: dict) -> dict:
        while "$ref" in schema:
            schema = self.defs[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def branch(self, schema: dict, value: Any) -> dict:
        schema = self.resolve(schema)
        if "anyOf" not in schema:
            return schema
        wanted = {str: "string", dict: "object", list: "array", type(None): "null"}.get(type(value))
        options = [self.resolve(s) for s in schema["anyOf"]]
        return next(
            (s for s in options if s.get("type") == wanted),
            next((s for s in options if s.get("type") != "null"), options[0]),
        )


def _is_wording(node: dict) -> bool:
    """The object form of wording by language ({"sl": …, "it": …}): its members follow the
    request's languages, not the edge case."""
    return set(node.get("properties", {})) <= {"sl", "it", "hu"}


def _long(text: str, length: int) -> str:
    seed = (text.strip() + " ") if text.strip() else FILLER
    return (seed * (length // len(seed) + 1))[:length].rstrip() or seed[:length]


def _lengthen(items: list, most: int, budget: int) -> list:
    """The list repeated to ``most`` items, or as many as fit ``budget`` bytes of JSON."""
    if not items:
        return items
    size = max(1, len(json.dumps(items, ensure_ascii=False)) // len(items))
    most = max(len(items), min(most, budget // size, MAX_ROWS))
    return [copy.deepcopy(items[i % len(items)]) for i in range(most)]


def _walk(schema: _Schema, node: dict, value: Any, change: Callable) -> Any:
    """``change`` applied bottom-up, so a list grows knowing the size of its grown items."""
    node = schema.branch(node, value)
    if isinstance(value, dict) and node.get("type") == "object":
        props = node.get("properties", {})
        value = {
            k: _walk(schema, props[k], v, change) if k in props else v for k, v in value.items()
        }
    elif isinstance(value, list) and "items" in node:
        value = [_walk(schema, node["items"], v, change) for v in value]
    return change(node, value)


def _longest(schema: _Schema, budget: int):
    def change(node, value):
        if (
            isinstance(value, str)
            and "maxLength" in node
            and "format" not in node
            and "pattern" not in node
        ):
            return _long(value, node["maxLength"])
        if isinstance(value, list) and "maxItems" in node:
            return _lengthen(value, node["maxItems"], budget)
        if isinstance(value, dict) and node.get("type") == "object" and not _is_wording(node):
            added = dict(value)
            for key, sub in node.get("properties", {}).items():
                sub = schema.branch(sub, "")
                if (
                    key not in added
                    and sub.get("type") == "string"
                    and "maxLength" in sub
                    and "format" not in sub
                    and "pattern" not in sub
                    and "enum" not in sub
                ):
                    added[key] = _long("", sub["maxLength"])
            return added
        return value

    return change


def _empty_optional(schema: _Schema, budget: int):
    def change(node, value):
        if isinstance(value, dict) and node.get("type") == "object" and not _is_wording(node):
            required = set(node.get("required", ()))
            return {k: v for k, v in value.items() if k in required}
        return value

    return change


def _most_rows(schema: _Schema, budget: int):
    def change(node, value):
        if isinstance(value, list) and "maxItems" in node:
            return _lengthen(value, node["maxItems"], budget)
        return value

    return change


GENERATORS = {"longest": _longest, "empty-optional": _empty_optional, "most-rows": _most_rows}


def _get(doc: Any, parts: list[str]):
    for part in parts:
        if isinstance(doc, list) and part.isdigit() and int(part) < len(doc):
            doc = doc[int(part)]
        elif isinstance(doc, dict) and part in doc:
            doc = doc[part]
        else:
            raise KeyError(part)
    return doc


def _revert(body: dict, original: dict, pointer: str) -> bool:
    """Put the original's value back at ``pointer`` (or drop a member the original lacks);
    a pointer below a value that changed shape reverts its nearest existing parent."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    while parts:
        try:
            parent = _get(body, parts[:-1])
        except KeyError:
            parts = parts[:-1]
            continue
        key = parts[-1]
        try:
            old = copy.deepcopy(_get(original, parts))
        except KeyError:
            old = KeyError
        if isinstance(parent, dict):
            if old is KeyError:
                return parent.pop(key, None) is not None
            if parent.get(key) != old:
                parent[key] = old
                return True
        elif isinstance(parent, list) and key.isdigit() and int(key) < len(parent):
            if old is KeyError:
                del parent[int(key)]
                return True
            if parent[int(key)] != old:
                parent[int(key)] = old
                return True
        parts = parts[:-1]
    return False


def generate(
    layout: Layout, name: str, sample: dict, limits: Limits = DEFAULT_LIMITS
) -> dict | None:
    """The edge case ``name`` made from ``sample``; None when it cannot be made valid.
    Lists stop growing where the body would exceed the request size limit."""
    schema = _Schema(layout.request_schema)
    data_schema = layout.request_schema["properties"]["data"]
    budget = limits.max_body_bytes
    while True:
        body = {
            **sample,
            "data": _walk(schema, data_schema, sample["data"], GENERATORS[name](schema, budget)),
        }
        if len(json.dumps(body, ensure_ascii=False).encode()) <= limits.max_body_bytes * 0.95:
            break
        if budget < 1024:
            return None
        budget //= 2
    for _ in range(MAX_REPAIRS):
        try:
            validate_request(layout.data_model, body, limits)
            return body
        except InvalidRequest as exc:
            if not any(_revert(body, sample, e.pointer) for e in exc.errors):
                return None
    return None


def sample_sets(
    layout: Layout, languages: tuple[str, ...], limits: Limits = DEFAULT_LIMITS
) -> dict[str, dict]:
    """Every named set for one language set that validates, in SETS order."""
    sample = layout.sample(languages)
    sets = {"sample": sample}
    for name in SETS[1:]:
        body = generate(layout, name, sample, limits)
        if body is not None and body != sample:
            sets[name] = body
    return sets
