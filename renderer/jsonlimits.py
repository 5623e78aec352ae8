"""JSON read with bounds checked before the work: nesting depth (scanned before a parser
recurses, and while a streamed body is read), the length of number literals (Python's int()
refuses more than 4,300 digits only after the work; a float overflows to inf), and strings
that cannot be written back (lone surrogates such as ``"\\ud800"``).

Every refusal is a ``JsonRefused`` with a JSON pointer to the offending value (when it has one)
and the limit by name, so the HTTP layer can answer a 422 that names it."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from .options import Limits

_SURROGATE = re.compile("[\ud800-\udfff]")
# inside a string: an escape pair or the closing quote; outside: a quote, a bracket or the
# characters of a number
_TOKEN = re.compile(rb'\\.?|["\[\]{}]|[-+0-9.eE]+', re.DOTALL)
_NUMBER = frozenset(b"-+0123456789.eE")


class JsonRefused(ValueError):
    """Well-formed or not, this JSON is beyond a limit (``limit`` names it) or malformed
    (``line``/``column`` say where)."""

    def __init__(
        self,
        reason: str,
        pointer: str = "",
        limit: str | None = None,
        line: int | None = None,
        column: int | None = None,
        syntax: bool = False,
    ):
        super().__init__(reason)
        self.reason = reason
        self.syntax = (
            syntax  # not JSON at all (a 400), rather than JSON the service refuses (a 422)
        )
        self.pointer = pointer
        self.limit = limit
        self.line = line
        self.column = column


class JsonGuard:
    """Follows a JSON text fed in pieces and refuses it as soon as it nests deeper than
    ``max_depth`` or a number runs longer than ``max_number_length``, before any parser
    works on it. Knows when it is inside a string (brackets and digits there do not count),
    across piece boundaries. ``values`` counts the values opened at depth ``count_at`` (the
    records of a top-level array, at 1), to name the one that went wrong."""

    def __init__(self, max_depth: int, max_number_length: int, count_at: int | None = None):
        self.max_depth = max_depth
        self.max_number_length = max_number_length
        self.count_at = count_at
        self.depth = 0
        self.values = -1
        self._in_string = False
        self._skip_next = False  # a backslash ended the previous piece
        self._number = 0  # length of the number the previous piece ended in

    def feed(self, piece: bytes) -> None:
        start = 0
        if self._skip_next and piece:
            start, self._skip_next = 1, False
        carried, self._number = self._number, 0
        for match in _TOKEN.finditer(piece, start):
            token = match.group()
            first = token[0]
            if first == 0x5C:  # a backslash: an escape (in a string)
                if len(token) == 1:
                    self._skip_next = True
                continue
            if first in _NUMBER:
                if self._in_string:
                    continue
                length = len(token) + (carried if match.start() == 0 else 0)
                if length > self.max_number_length:
                    raise JsonRefused(
                        f"a number of more than {self.max_number_length} characters (the limit "
                        "max_number_length)",
                        limit="max_number_length",
                    )
                if match.end() == len(piece):
                    self._number = length
                continue
            if token == b'"':
                self._in_string = not self._in_string
            elif self._in_string:
                continue
            elif token in (b"[", b"{"):
                if self.depth == self.count_at:
                    self.values += 1
                self.depth += 1
                if self.depth > self.max_depth:
                    raise JsonRefused(
                        f"nested deeper than {self.max_depth} levels (the limit max_json_depth)",
                        limit="max_json_depth",
                    )
            else:
                self.depth -= 1


def _number(limits: Limits, kind):
    def parse(text: str):
        if len(text) > limits.max_number_length:
            raise JsonRefused(
                f"a number of {len(text)} characters; the limit max_number_length is "
                f"{limits.max_number_length}",
                limit="max_number_length",
            )
        value = kind(text)
        if isinstance(value, float) and not math.isfinite(value):
            raise JsonRefused(f"the number {text} is out of range", limit="max_number_length")
        return value

    return parse


def _constant(name: str):
    raise JsonRefused(f"{name} is not valid JSON", syntax=True)


def check_values(value: Any, pointer: str = "", limits: Limits = Limits()) -> None:
    """Strings must be writable as UTF-8 (no lone surrogates), keys included; numbers
    finite and within ``max_number_length`` (for values a streaming parser made). The depth
    is bounded already, so the recursion is."""
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise JsonRefused(
                "a string with a lone surrogate (such as \\ud800) is not text", pointer
            )
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if value.bit_length() > limits.max_number_length * 3.33:
            raise JsonRefused(
                f"a number longer than {limits.max_number_length} characters (the limit "
                "max_number_length)",
                pointer,
                "max_number_length",
            )
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise JsonRefused("a number out of range", pointer, "max_number_length")
    elif isinstance(value, dict):
        for key, item in value.items():
            escaped = key.replace("~", "~0").replace("/", "~1")
            if _SURROGATE.search(key):
                raise JsonRefused(
                    "a key with a lone surrogate (such as \\ud800) is not text",
                    f"{pointer}/{escaped}",
                )
            check_values(item, f"{pointer}/{escaped}", limits)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_values(item, f"{pointer}/{index}", limits)


def loads(data: bytes | str, limits: Limits = Limits()) -> Any:
    """One JSON document within the limits (bytes are UTF-8)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    JsonGuard(limits.max_json_depth, limits.max_number_length).feed(raw)
    try:
        text = data if isinstance(data, str) else data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JsonRefused(f"the body is not UTF-8 (byte {exc.start})", syntax=True) from None
    try:
        value = json.loads(
            text,
            parse_int=_number(limits, int),
            parse_float=_number(limits, float),
            parse_constant=_constant,
        )
    except json.JSONDecodeError as exc:
        raise JsonRefused(
            f"line {exc.lineno}, column {exc.colno}: {exc.msg}",
            line=exc.lineno,
            column=exc.colno,
            syntax=True,
        ) from None
    check_values(value, "", limits)
    return value
