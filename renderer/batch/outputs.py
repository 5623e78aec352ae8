"""Where output files live. ``LocalOutputs`` is the embedded default (a directory, also a
shared one for the celery engine); ``S3Outputs`` is object storage, with the same operations. Files are written under a
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
from typing import IO, BinaryIO, Protocol
from urllib.parse import unquote, urlsplit


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
    def writer(self, key: str) -> Iterator[IO[bytes]]:
        """Yields a file to write; on success it is fsynced and renamed to ``key``. What an
        earlier, interrupted write of ``key`` left (a process killed mid-write) is removed
        first: a key is written by one task at a time."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        for leftover in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
            leftover.unlink(missing_ok=True)
        fd, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
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


class S3Outputs:
    """Outputs in an S3 bucket (AWS or any S3-compatible store), under ``prefix``. An object
    is uploaded whole in one PUT once its file is complete, so a reader never sees half of
    one and a killed writer leaves nothing (no temporary objects, no multipart leftovers);
    a task that runs twice puts the same key twice."""

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None, client=None):
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client or boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            config=Config(retries={"max_attempts": 5, "mode": "standard"}),
        )

    def key(self, key: str) -> str:
        parts = key.split("/")
        if not key or key.startswith("/") or any(part in ("", ".", "..") for part in parts):
            raise ValueError(f"output key {key!r} leaves the output prefix")
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        self.client.put_object(
            Bucket=self.bucket, Key=self.key(key), Body=data, Metadata={"sha256": digest}
        )
        return digest

    @contextmanager
    def writer(self, key: str) -> Iterator[IO[bytes]]:
        """A local temporary file to write; uploaded (one PUT) when the block ends without error."""
        name = self.key(key)
        with tempfile.SpooledTemporaryFile(max_size=16 * 2**20) as fh:
            yield fh
            fh.seek(0)
            digest = hashlib.sha256()
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
            fh.seek(0)
            self.client.put_object(
                Bucket=self.bucket, Key=name, Body=fh, Metadata={"sha256": digest.hexdigest()}
            )

    def open(self, key: str) -> BinaryIO:
        return self.client.get_object(Bucket=self.bucket, Key=self.key(key))["Body"]

    def size(self, key: str) -> int:
        return self.client.head_object(Bucket=self.bucket, Key=self.key(key))["ContentLength"]

    def sha256(self, key: str) -> str:
        """Read back from the stored object (not from its metadata): what a reader gets."""
        digest = hashlib.sha256()
        body = self.open(key)
        try:
            for block in iter(lambda: body.read(1 << 20), b""):
                digest.update(block)
        finally:
            body.close()
        return digest.hexdigest()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(key))

    def ping(self) -> None:
        self.client.head_bucket(Bucket=self.bucket)


def check_outputs_url(url: str) -> str | None:
    """Why ``url`` names no outputs (None if it does)."""
    parts = urlsplit(url)
    if (
        parts.scheme == "file"
        and parts.netloc in ("", "localhost")
        and parts.path.startswith("/")
        and parts.path != "/"
    ):
        return None
    if parts.scheme == "s3" and parts.netloc and ".." not in parts.path.split("/"):
        return None
    return f"{url!r}: outputs are file:///absolute/path or s3://bucket/prefix"


def open_outputs(url: str | None, endpoint_url: str | None = None) -> Outputs:
    """``file:///shared/path`` (a directory every worker and replica mounts) or
    ``s3://bucket/prefix``."""
    reason = check_outputs_url(url or "")
    if reason or url is None:
        raise ValueError(reason)
    parts = urlsplit(url)
    if parts.scheme == "file":
        return LocalOutputs(Path(unquote(parts.path)))
    return S3Outputs(parts.netloc, unquote(parts.path), endpoint_url)
