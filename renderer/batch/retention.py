"""Outputs removed once they are not wanted. Retention: a batch the print shop has collected
(accepted, printed or shipped) is removed with every file it made once ``retention_s`` have
passed since the shop's last report, so that the data directory or bucket does not grow
without end. Purges: a cancelled batch's files are removed as soon as no task works on it
any more. The runner applies both (the embedded engine's runner, the celery engine's
sweeper; a cancel and a task that stops apply the purge too)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

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


def purge_cancelled(
    store,
    outputs: Outputs,
    busy: Callable[[str], bool] = lambda batch_id: False,
    batch_id: str | None = None,
) -> int:
    """Remove the files of the cancelled batches (or of ``batch_id``) that no task works on
    (``busy``: the embedded runner's own knowledge; the celery engine's store leaves out
    batches with a live lease); how many were purged."""
    purged = 0
    for due in store.purges_due(batch_id):
        if busy(due):
            continue
        outputs.delete_all(due)
        store.purged(due)
        purged += 1
    return purged
