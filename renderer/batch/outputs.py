"""Where output files live. ``LocalOutputs`` is the embedded default (a directory); another
implementation (object storage) needs the same four operations. Files are written under a
temporary name, flushed, checksummed and renamed: a reader never sees half a file, and a
task that runs twice writes the same name twice, never a second copy."""

from __future__ import annotations

import glob
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol


class Outputs(Protocol):
    def put(self, key: str, data: bytes) -> str: ...  # returns the SHA-256 (hex)
    def writer(self, key: str): ...  # a context manager: a file to write, committed on success
    def open(self, key: str) -> BinaryIO: ...
    def size(self, key: str) -> int: ...
    def sha256(self, key: str) -> str: ...
    def delete(self, key: str) -> None: ...  # no error if there is none


class LocalOutputs:
    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise ValueError(f"output key {key!r} leaves the output directory")
        return path

    def put(self, key: str, data: bytes) -> str:
        with self.writer(key) as fh:
            fh.write(data)
        return hashlib.sha256(data).hexdigest()

    @contextmanager
    def writer(self, key: str) -> Iterator[BinaryIO]:
        """Yields a file to write; on success it is fsynced and renamed to ``key``. What an
        earlier, interrupted write of ``key`` left (a process killed mid-write) is removed
        first: a key is written by one task at a time."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        for leftover in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
            leftover.unlink(missing_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                yield fh
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise

    def open(self, key: str) -> BinaryIO:
        return open(self.path(key), "rb")

    def size(self, key: str) -> int:
        return self.path(key).stat().st_size

    def sha256(self, key: str) -> str:
        digest = hashlib.sha256()
        with self.open(key) as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)
