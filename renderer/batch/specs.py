"""A batch as data: what is asked for (``BatchSpec``) and how the engine runs (``EngineSpec``)."""

from __future__ import annotations

import hashlib
import hmac
import os
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..options import FORMATS, LANGUAGE_SETS, OptionError

#: How a job's records are delivered. ``layers``: the layout's shared pre-print shell once,
#: the variable imprint (one page per record, in register) and a composite proof of the
#: first records — only for layouts with an ``[imprint]`` table in layout.toml (the envelope).
OUTPUT_KINDS = ("files", "merged", "imposed", "layers")
IMPOSITIONS = ("n-up", "cut-and-stack")
ENGINES = ("embedded", "celery")
BATCH_FORMATS = ("pdf", "pdfa-1b", "pdfa-2b", "pdfa-3b", "pdfx-4")


@dataclass(frozen=True)
class BatchSpec:
    """One layout, one language set, one format/variant for every record of the batch."""

    layout: str
    languages: tuple[str, ...] = ("sl",)
    format: str = "pdf"
    variant: str | None = None
    output: str = "files"
    imposition: str = "n-up"  # for output=imposed
    shop: str | None = None  # the print shop the job is addressed to

    def __post_init__(self) -> None:
        if self.languages not in LANGUAGE_SETS:
            raise OptionError(
                "languages", f"one of {', '.join(','.join(s) for s in LANGUAGE_SETS)}"
            )
        if self.format not in BATCH_FORMATS or self.format not in FORMATS:
            raise OptionError(
                "format",
                f"a batch is printed: one of {', '.join(f for f in BATCH_FORMATS if f in FORMATS)}",
            )
        if self.output not in OUTPUT_KINDS:
            raise OptionError("output", f"one of {', '.join(OUTPUT_KINDS)}")
        if self.imposition not in IMPOSITIONS:
            raise OptionError("imposition", f"one of {', '.join(IMPOSITIONS)}")

    def as_json(self) -> dict:
        value = asdict(self)
        value["languages"] = list(self.languages)
        return value

    @classmethod
    def from_json(cls, value: dict) -> BatchSpec:
        return cls(**{**value, "languages": tuple(value["languages"])})


@dataclass(frozen=True)
class WebhookSpec:
    """Where callbacks may go and how they are delivered (renderer/batch/delivery.py). The
    key that signs them is read from ``secret_file`` by the process that delivers, never
    carried here."""

    hosts: tuple[str, ...] = ()  # "host" or "host:port", as webhooks.parse_hosts gives them
    secret_file: Path | None = None
    attempts: int = 8  # a delivery is given up after this many attempts
    backoff_s: float = 10.0  # the wait before the first retry, doubled after each failure
    timeout_s: float = 5.0  # to connect, and for each read of the answer


@dataclass(frozen=True)
class EngineSpec:
    """How the batch engine runs on this machine."""

    data_dir: Path = Path("var")
    chunk_size: int = 100
    workers: int = max(1, os.cpu_count() or 1)
    max_chunks_per_worker: int = 200  # a worker is replaced after this many chunks …
    max_worker_rss_mib: int = 1024  # … or when its resident memory grows beyond this
    lease_s: int = 900  # a print shop's claim on a job lasts this long
    retention_s: float = 7 * 86400  # a collected batch is removed this long after (retention.py)
    max_records: int = 100_000
    max_record_bytes: int = 64 * 1024
    max_body_bytes: int = 512 * 1024 * 1024
    proof_records: int = 3  # records drawn in the composite proof of a layered job
    task_deadline_s: float = 600.0  # a task still running after this is killed with its worker
    # the celery engine (kind="celery"): state in PostgreSQL, tasks on a Redis broker, outputs
    # in object storage or a shared directory; data_dir is not used then
    kind: str = "embedded"
    database_url: str | None = None
    broker_url: str | None = None
    outputs_url: str | None = None
    s3_endpoint_url: str | None = None
    # a running task's lease (renewed every third of it): lost this long after its worker dies
    chunk_lease_s: float = 30.0
    queue_wait_s: float = 600.0  # an enqueued task not started after this is enqueued again
    sweep_interval_s: float = 5.0  # how often the sweeper looks for lost tasks
    webhooks: WebhookSpec = WebhookSpec()

    def __post_init__(self) -> None:
        if self.kind not in ENGINES:
            raise ValueError(f"kind is one of {', '.join(ENGINES)}")
        if not 1 <= self.chunk_size <= 10_000:
            raise ValueError("chunk_size must be between 1 and 10000")
        if self.workers < 1:
            raise ValueError("workers must be at least 1")

    @property
    def database(self) -> Path:
        return self.data_dir / "batches.sqlite3"

    @property
    def outputs(self) -> Path:
        return self.data_dir / "outputs"

    @property
    def heartbeat(self) -> Path:
        """Where the runner says it is alive (and how its store answers)."""
        return self.data_dir / "runner.heartbeat"


class AccessConfigError(RuntimeError):
    pass


@dataclass(frozen=True)
class Access:
    """Who may submit batches (``clients``; nobody listed: anyone) and which print shops
    exist (a shop sees only the jobs addressed to it). Keys are stored as SHA-256 digests."""

    clients: dict[str, str] = field(default_factory=dict)  # name -> sha256 of the key
    shops: dict[str, str] = field(default_factory=dict)
    shop_callbacks: dict[str, str] = field(default_factory=dict)  # name -> its callback_url

    @classmethod
    def from_file(cls, path: str | Path) -> Access:
        try:
            with open(path, "rb") as fh:
                table = tomllib.load(fh)
            clients = {
                name: entry["sha256"].lower() for name, entry in table.get("clients", {}).items()
            }
            shops = {
                name: entry["sha256"].lower() for name, entry in table.get("shops", {}).items()
            }
            callbacks = {
                name: entry["callback_url"]
                for name, entry in table.get("shops", {}).items()
                if "callback_url" in entry
            }
        except (OSError, KeyError, TypeError, AttributeError, tomllib.TOMLDecodeError) as exc:
            raise AccessConfigError(
                f"batch access configuration {path}: {type(exc).__name__}: {exc}"
            ) from None
        for name, url in callbacks.items():
            if not isinstance(url, str):
                raise AccessConfigError(
                    f"batch access configuration {path}: shops.{name}.callback_url is a URL"
                )
        return cls(clients, shops, callbacks)

    @classmethod
    def from_environment(cls) -> Access:
        path = os.environ.get("OBRAZCI_BATCH_ACCESS")
        return cls.from_file(path) if path else cls()

    @staticmethod
    def _match(presented: str | None, table: dict[str, str]) -> str | None:
        if not presented:
            return None
        digest = hashlib.sha256(presented.encode()).hexdigest()
        for name, expected in table.items():
            if hmac.compare_digest(digest, expected):
                return name
        return None

    def client(self, presented: str | None) -> str | None:
        """The submitting client's name; ``"anonymous"`` when no clients are configured."""
        return self._match(presented, self.clients) if self.clients else "anonymous"

    def shop(self, presented: str | None) -> str | None:
        return self._match(presented, self.shops)
