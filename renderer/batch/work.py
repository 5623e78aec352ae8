"""The units of work the batch runner hands to its workers — a chunk to render, a batch to
package — and the files an attempt at a chunk writes. Kept apart from the code that does the
work (``tasks.py``), so that the runner, which only schedules, imports none of the
rendering code: it starts beside the service in a tenth of the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .store import record_id

if TYPE_CHECKING:
    from .store import Batch


@dataclass(frozen=True)
class ChunkTask:
    batch: str
    chunk: int


@dataclass(frozen=True)
class PackageTask:
    batch: str


Task = ChunkTask | PackageTask


def record_key(batch_id: str, index: int) -> str:
    return f"{batch_id}/records/{record_id(batch_id, index)}.pdf"


def imprint_key(batch_id: str, chunk: int) -> str:
    return f"{batch_id}/imprint/chunk-{chunk:06d}.pdf"


def chunk_keys(batch: Batch, chunk: int, indexes: list[int]) -> list[str]:
    """The files an attempt at a chunk writes for these records (before its commit)."""
    if batch.spec.output == "layers":
        return [imprint_key(batch.id, chunk)]
    return [record_key(batch.id, index) for index in indexes]
