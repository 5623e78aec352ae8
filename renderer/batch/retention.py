"""Retention: a batch the print shop has collected (accepted, printed or shipped) is removed
with every file it made once ``retention_s`` have passed since the shop's last report, so
that the data directory or bucket does not grow without end. The runner applies it (the
embedded engine's runner, the celery engine's sweeper)."""

from __future__ import annotations

import logging
import time

from .outputs import Outputs

log = logging.getLogger(__name__)


def expire_collected(store, outputs: Outputs, retention_s: float, now: float | None = None) -> int:
    """Remove the batches collected longer than ``retention_s`` ago; how many went."""
    cutoff = (time.time() if now is None else now) - retention_s
    expired = store.collected_before(cutoff)
    for batch_id in expired:
        outputs.delete_all(batch_id)
        store.delete(batch_id)
    if expired:
        log.info("retention: removed %d collected batch(es) and their files", len(expired))
    return len(expired)
