"""Prometheus metrics of every stage, in one place.

Under ``renderer serve`` each process (gunicorn's workers, the batch runner and its
workers) writes its values to ``PROMETHEUS_MULTIPROC_DIR``, which the service sets before
anything imports this module, and ``/metrics`` adds them up (prometheus_client's
multiprocess mode). Without that directory (tests, the CLI) the metrics live in this
process only.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

#: Seconds: from a stamp (tens of ms) to a whole book or a long register (tens of s).
BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)

REQUESTS = Counter(
    "obrazci_http_requests_total", "HTTP requests answered", ["route", "layout", "format", "status"]
)
REQUEST_SECONDS = Histogram(
    "obrazci_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["route", "layout"],
    buckets=BUCKETS,
)
STAGE_SECONDS = Histogram(
    "obrazci_render_stage_seconds",
    "Time spent in one stage of a render (compose, layout, write, finish, raster)",
    ["layout", "stage"],
    buckets=BUCKETS,
)
SIGN_SECONDS = Histogram(
    "obrazci_sign_duration_seconds",
    "Time to sign a PDF (with timestamps and validation data as the level asks)",
    ["level"],
    buckets=BUCKETS,
)
SIGNING_FAILURES = Counter(
    "obrazci_signing_service_failures_total",
    "TSA, OCSP and CRL services that failed while signing",
    ["service"],
)
RESTARTS = Counter(
    "obrazci_process_restarts_total",
    "Processes replaced: HTTP workers, the batch runner, batch workers",
    ["kind"],
)
RESIDENT = Gauge(
    "obrazci_resident_memory_bytes",
    "Resident memory of each process of the service",
    ["kind"],
    multiprocess_mode="all",
)  # one series per process (pid)


@contextmanager
def stage(layout: str, name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        STAGE_SECONDS.labels(layout, name).observe(time.perf_counter() - started)


def resident_bytes() -> int:
    """This process's resident memory now (from /proc), or its peak where /proc is missing."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def note_memory(kind: str) -> int:
    """Record this process's resident memory (bytes) and return it."""
    resident = resident_bytes()
    RESIDENT.labels(kind).set(resident)
    return resident


class BatchCollector:
    """Batch records by state and pages rendered, read from the batch store when scraped."""

    def __init__(self, store):
        self.store = store

    def collect(self):
        records = GaugeMetricFamily(
            "obrazci_batch_records", "Batch records by state", labels=["state"]
        )
        pages = GaugeMetricFamily(
            "obrazci_batch_pages_rendered", "Pages of the batch records rendered"
        )
        try:
            counts, rendered = self.store.totals()
        except Exception:  # noqa: BLE001 - a scrape never fails because the store does; /readyz says why
            return
        for state, number in sorted(counts.items()):
            records.add_metric([state], number)
        pages.add_metric([], rendered)
        yield records
        yield pages


def exposition(extra_collectors=()) -> bytes:
    """The text format of every process's metrics (and the extra collectors')."""
    from prometheus_client import REGISTRY

    extra = CollectorRegistry()
    for collector in extra_collectors:
        extra.register(collector)
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry) + generate_latest(extra)


def process_exited(pid: int) -> None:
    """Forget a dead process's live gauges (multiprocess mode)."""
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
