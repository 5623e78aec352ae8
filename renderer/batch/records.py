"""The records of a submission, read as a stream: a JSON array of objects, or NDJSON (one
object per line). Nothing holds the whole body; each record is handed on as its own JSON
text together with a running SHA-256 of the body (for idempotency)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import BinaryIO

import ijson

from ..jsonlimits import JsonGuard, JsonRefused, check_values, loads
from ..options import Limits

NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")


class RecordsError(ValueError):
    """The body cannot be read as records; ``index`` is the record where it went wrong,
    ``limit`` the limit it passed (None: malformed), ``pointer`` where in the record."""

    def __init__(
        self,
        reason: str,
        index: int | None = None,
        limit: str | None = None,
        pointer: str = "",
        invalid: bool = False,
    ):
        super().__init__(reason)
        self.reason = reason
        self.index = index
        self.limit = limit
        self.pointer = pointer
        self.invalid = invalid  # JSON, but beyond a limit or not text: a 422 rather than a 400


def _refused(exc: JsonRefused, index: int | None) -> RecordsError:
    where = f"record {index}: " if index is not None else ""
    return RecordsError(where + exc.reason, index, exc.limit, exc.pointer, invalid=not exc.syntax)


class _Hashing:
    """A read-only stream that hashes and counts what passes through it."""

    def __init__(self, stream: BinaryIO, max_bytes: int, depth: JsonGuard | None = None):
        self.stream = stream
        self.max_bytes = max_bytes
        self.depth = depth
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        if n == 0:  # ijson asks for nothing to learn whether the stream gives bytes
            return b""
        chunk = self.stream.read(n if n > 0 else 65536)
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise RecordsError(f"the body is larger than the limit of {self.max_bytes} bytes")
        self.sha256.update(chunk)
        if self.depth is not None:  # before the parser sees it: yajl grows quadratically with depth
            try:
                self.depth.feed(chunk)
            except JsonRefused as exc:
                raise _refused(exc, max(self.depth.values, 0)) from None
        return chunk


class _Prefixed:
    """``head`` (already read) followed by the rest of ``stream``."""

    def __init__(self, head: bytes, stream):
        self.head = head
        self.stream = stream

    def read(self, n: int = -1) -> bytes:
        if n == 0:
            return b""
        if self.head:
            chunk, self.head = self.head, b""
            return chunk
        return self.stream.read(n)


class RecordReader:
    """Iterate over the records of ``stream``; afterwards ``digest`` is the body's SHA-256."""

    def __init__(
        self,
        stream: BinaryIO,
        media_type: str,
        max_record_bytes: int,
        max_body_bytes: int,
        limits: Limits = Limits(),
    ):
        self.ndjson = media_type in NDJSON_TYPES
        self.limits = limits
        # an array's records open at depth 1; a record may nest as deep as any request body
        guard = (
            None
            if self.ndjson
            else JsonGuard(limits.max_json_depth + 1, limits.max_number_length, count_at=1)
        )
        self.body = _Hashing(stream, max_body_bytes, guard)
        self.max_record_bytes = max_record_bytes

    @property
    def digest(self) -> str:
        return self.body.sha256.hexdigest()

    def __iter__(self) -> Iterator[str]:
        records = self._ndjson() if self.ndjson else self._array()
        for index, record in enumerate(records):
            if not isinstance(record, dict):
                raise RecordsError("a record is a JSON object (the layout's data)", index)
            try:
                check_values(record, "", self.limits)
            except JsonRefused as exc:
                raise _refused(exc, index) from None
            text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
            if len(text.encode()) > self.max_record_bytes:
                raise RecordsError(
                    f"a record is larger than the limit of {self.max_record_bytes} bytes", index
                )
            yield text

    def _array(self) -> Iterator[object]:
        head = self.body.read(65536).lstrip()
        if not head:
            raise RecordsError("the body is empty: send a JSON array of records or NDJSON")
        if not head.startswith(b"["):
            raise RecordsError(
                "the body must be a JSON array of records (or NDJSON with Content-Type application/x-ndjson)"
            )
        count = 0
        try:
            for record in ijson.items(_Prefixed(head, self.body), "item", use_float=True):
                yield record
                count += 1
        except (ijson.JSONError, ValueError) as exc:  # ValueError: e.g. an integer of 5,000 digits
            if isinstance(exc, RecordsError):
                raise
            first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if "integer overflow" in first_line:  # yajl takes integers of up to 64 bits
                raise RecordsError(
                    f"record {count}: an integer beyond 64 bits",
                    count,
                    "max_number_length",
                    invalid=True,
                ) from None
            raise RecordsError(f"malformed JSON in record {count}: {first_line}", count) from None

    def _lines(self) -> Iterator[bytes]:
        """The body's lines, read in blocks (a server's readline is not always to be trusted)."""
        pending = b""
        while True:
            block = self.body.read(65536)
            if not block:
                break
            pending += block
            *lines, pending = pending.split(b"\n")
            yield from lines
            if len(pending) > self.max_record_bytes * 2 + 1024:
                raise RecordsError(
                    f"a line is longer than the record limit of {self.max_record_bytes} bytes"
                )
        if pending:
            yield pending

    def _ndjson(self) -> Iterator[object]:
        index = 0
        for line in self._lines():
            if not line.strip():
                continue
            try:
                yield loads(line, self.limits)
            except JsonRefused as exc:
                if not exc.syntax:
                    raise _refused(exc, index) from None
                raise RecordsError(f"line {index + 1} is not a JSON object: {exc}", index) from None
            index += 1
