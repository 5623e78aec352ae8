"""Every setting of the service in one place: its environment variable, its command-line
flag, its default and what it means.

``Settings.load(environ, flags)`` gives the effective configuration (a flag wins over the
environment, the environment over the default) or raises ``SettingsError`` with one line
that names the setting. ``Settings.check()`` opens what the settings point to (the access
file, the signing configuration and its keys, the data directory) so that a bad
configuration stops ``renderer serve`` before it listens, never in a worker later.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .batch.webhooks import check_callback_url, parse_hosts, read_secret
from .options import Limits

LOG_FORMATS = ("json", "text")
LOG_LEVELS = ("debug", "info", "warning", "error")


class SettingsError(ValueError):
    """A setting that cannot be used; the message is the one line an operator sees."""


@dataclass(frozen=True)
class Setting:
    name: str  # the field of Settings
    env: str
    help: str
    secret: bool = False  # masked by `renderer config`

    @property
    def flag(self) -> str:
        """The command-line flag: the variable's name without OBRAZCI_ (OBRAZCI_REQUEST_TIMEOUT:
        --request-timeout)."""
        return "--" + self.env.removeprefix("OBRAZCI_").lower().replace("_", "-")


SETTINGS: tuple[Setting, ...] = (
    Setting("host", "OBRAZCI_HOST", "address to listen on"),
    Setting("port", "OBRAZCI_PORT", "TCP port"),
    Setting("workers", "OBRAZCI_WORKERS", "HTTP worker processes"),
    Setting(
        "threads",
        "OBRAZCI_THREADS",
        "threads per HTTP worker (one renders at a time; the others answer "
        "health checks and wait for a render slot)",
    ),
    Setting(
        "request_timeout_s",
        "OBRAZCI_REQUEST_TIMEOUT",
        "seconds a render may take; a worker whose render passes it by 10 s is replaced",
    ),
    Setting(
        "queue_timeout_s",
        "OBRAZCI_QUEUE_TIMEOUT",
        "seconds a request waits for a free render slot before it is answered 503 with Retry-After",
    ),
    Setting(
        "graceful_timeout_s",
        "OBRAZCI_GRACEFUL_TIMEOUT",
        "seconds in-flight requests get to finish on SIGTERM or reload",
    ),
    Setting(
        "max_requests",
        "OBRAZCI_MAX_REQUESTS",
        "an HTTP worker is replaced after about this many requests (0: never)",
    ),
    Setting(
        "max_requests_jitter",
        "OBRAZCI_MAX_REQUESTS_JITTER",
        "random extra requests, so workers do not retire together",
    ),
    Setting(
        "max_worker_rss_mib",
        "OBRAZCI_MAX_WORKER_RSS_MIB",
        "an HTTP worker whose resident memory passes this after a request is replaced",
    ),
    Setting("max_body_bytes", "OBRAZCI_MAX_BODY_BYTES", "largest JSON request body"),
    Setting(
        "max_text_length", "OBRAZCI_MAX_TEXT_LENGTH", "characters of any single string in a request"
    ),
    Setting(
        "max_png_pixels", "OBRAZCI_MAX_PNG_PIXELS", "pixels of a PNG page asked for (dpi x size)"
    ),
    Setting(
        "max_json_depth",
        "OBRAZCI_MAX_JSON_DEPTH",
        "nesting of arrays and objects in any JSON body, record or part",
    ),
    Setting("max_number_length", "OBRAZCI_MAX_NUMBER_LENGTH", "characters of one JSON number"),
    Setting(
        "max_upload_bytes",
        "OBRAZCI_MAX_UPLOAD_BYTES",
        "an uploaded file (scan, document, application, PDF to sign)",
    ),
    Setting("max_upload_pages", "OBRAZCI_MAX_UPLOAD_PAGES", "pages of an uploaded PDF"),
    Setting("max_scan_frames", "OBRAZCI_MAX_SCAN_FRAMES", "frames (pages) of an uploaded TIFF"),
    Setting(
        "max_image_pixels", "OBRAZCI_MAX_IMAGE_PIXELS", "pixels of one image or frame of an upload"
    ),
    Setting(
        "max_upload_pixels", "OBRAZCI_MAX_UPLOAD_PIXELS", "pixels of all the images of one upload"
    ),
    Setting(
        "max_decompressed_bytes",
        "OBRAZCI_MAX_DECOMPRESSED_BYTES",
        "all the streams of an uploaded PDF, decoded",
    ),
    Setting(
        "max_page_operators",
        "OBRAZCI_MAX_PAGE_OPERATORS",
        "content-stream operators of one uploaded page",
    ),
    Setting(
        "upload_deadline_s", "OBRAZCI_UPLOAD_DEADLINE", "seconds to check and convert one upload"
    ),
    Setting("data_dir", "OBRAZCI_DATA_DIR", "batch state and outputs"),
    Setting(
        "batch_workers", "OBRAZCI_BATCH_WORKERS", "batch worker processes (default: one per core)"
    ),
    Setting(
        "batch_task_deadline_s",
        "OBRAZCI_BATCH_TASK_DEADLINE",
        "seconds a batch task (a chunk, a packaging) may take before its worker is killed",
    ),
    Setting(
        "batch_engine",
        "OBRAZCI_BATCH_ENGINE",
        "embedded (SQLite, worker processes beside the service, "
        "outputs in the data directory) or celery (PostgreSQL, "
        "'renderer worker' processes on a Redis broker, shared "
        "outputs)",
    ),
    Setting(
        "database_url",
        "OBRAZCI_DATABASE_URL",
        "celery engine: the batch state, postgresql://user:password@host/db",
    ),
    Setting(
        "broker_url", "OBRAZCI_BROKER_URL", "celery engine: the task broker, redis://host:6379/0"
    ),
    Setting(
        "outputs_url",
        "OBRAZCI_OUTPUTS_URL",
        "celery engine: where output files go, s3://bucket/prefix or "
        "file:///a/path/every/machine/mounts",
    ),
    Setting(
        "s3_endpoint_url",
        "OBRAZCI_S3_ENDPOINT_URL",
        "an S3-compatible store's endpoint (none: AWS); credentials from the usual AWS_* variables",
    ),
    Setting(
        "batch_retention_days",
        "OBRAZCI_BATCH_RETENTION_DAYS",
        "days a batch the print shop collected is kept (with its files) after its last report",
    ),
    Setting("batch_access", "OBRAZCI_BATCH_ACCESS", "TOML file of batch clients and print shops"),
    Setting(
        "webhook_hosts",
        "OBRAZCI_WEBHOOK_HOSTS",
        "hosts a callback_url may name, host or host:port, comma-separated (none: callbacks "
        "are refused); no other host is ever called back",
    ),
    Setting(
        "webhook_secret_file",
        "OBRAZCI_WEBHOOK_SECRET_FILE",
        "file holding the key (at least 16 bytes) every callback is signed with, HMAC-SHA256; "
        "needed with OBRAZCI_WEBHOOK_HOSTS",
    ),
    Setting(
        "webhook_attempts",
        "OBRAZCI_WEBHOOK_ATTEMPTS",
        "attempts to deliver one callback before it is given up",
    ),
    Setting(
        "webhook_backoff_s",
        "OBRAZCI_WEBHOOK_BACKOFF",
        "seconds before a callback's first retry; doubled after each failed attempt (at most "
        "an hour)",
    ),
    Setting(
        "webhook_timeout_s",
        "OBRAZCI_WEBHOOK_TIMEOUT",
        "seconds to connect to a callback's host, and for each read of its answer",
    ),
    Setting(
        "signing_config", "OBRAZCI_SIGNING_CONFIG", "TOML file of signer profiles and API keys"
    ),
    Setting(
        "templates_dir",
        "OBRAZCI_TEMPLATES_DIR",
        "another templates folder (a designer's working copy, with serve --dev)",
    ),
    Setting("log_level", "OBRAZCI_LOG_LEVEL", f"one of {', '.join(LOG_LEVELS)}"),
    Setting("log_format", "OBRAZCI_LOG_FORMAT", "json (one object a line) or text"),
)


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    threads: int = 8
    request_timeout_s: float = 60.0
    queue_timeout_s: float = 10.0
    graceful_timeout_s: float = 70.0
    max_requests: int = 2000
    max_requests_jitter: int = 200
    max_worker_rss_mib: int = 1024
    max_body_bytes: int = Limits.max_body_bytes
    max_text_length: int = Limits.max_text_length
    max_png_pixels: int = Limits.max_png_pixels
    max_json_depth: int = Limits.max_json_depth
    max_number_length: int = Limits.max_number_length
    max_upload_bytes: int = Limits.max_upload_bytes
    max_upload_pages: int = Limits.max_upload_pages
    max_scan_frames: int = Limits.max_scan_frames
    max_image_pixels: int = Limits.max_image_pixels
    max_upload_pixels: int = Limits.max_upload_pixels
    max_decompressed_bytes: int = Limits.max_decompressed_bytes
    max_page_operators: int = Limits.max_page_operators
    upload_deadline_s: float = Limits.upload_deadline_s
    data_dir: Path = Path("var")
    batch_workers: int = max(1, os.cpu_count() or 1)
    batch_task_deadline_s: float = 600.0
    batch_engine: str = "embedded"
    database_url: str | None = None
    broker_url: str | None = None
    outputs_url: str | None = None
    s3_endpoint_url: str | None = None
    batch_retention_days: float = 7.0
    batch_access: Path | None = None
    webhook_hosts: str | None = None
    webhook_secret_file: Path | None = None
    webhook_attempts: int = 8
    webhook_backoff_s: float = 10.0
    webhook_timeout_s: float = 5.0
    signing_config: Path | None = None
    templates_dir: Path | None = None
    log_level: str = "info"
    log_format: str = "json"

    def __post_init__(self) -> None:
        def bad(name: str, reason: str):
            setting = _by_name[name]
            return SettingsError(f"{setting.env} ({setting.flag}): {reason}")

        if not 0 < self.port < 65536:
            raise bad("port", f"{self.port} is not a TCP port")
        for name in (
            "workers",
            "threads",
            "batch_workers",
            "max_worker_rss_mib",
            *(f.name for f in fields(Limits) if f.name != "upload_deadline_s"),
        ):
            if getattr(self, name) < 1:
                raise bad(name, "must be at least 1")
        for name in ("max_requests", "max_requests_jitter"):
            if getattr(self, name) < 0:
                raise bad(name, "must not be negative")
        for name in (
            "request_timeout_s",
            "queue_timeout_s",
            "graceful_timeout_s",
            "batch_task_deadline_s",
            "upload_deadline_s",
        ):
            if not 0 < getattr(self, name) <= 86400:
                raise bad(name, "must be a number of seconds between 0 and 86400")
        if not 0 < self.batch_retention_days <= 3650:
            raise bad("batch_retention_days", "must be a number of days between 0 and 3650")
        if not 1 <= self.webhook_attempts <= 100:
            raise bad("webhook_attempts", "must be between 1 and 100")
        if not 0 < self.webhook_backoff_s <= 86400:
            raise bad("webhook_backoff_s", "must be a number of seconds between 0 and 86400")
        if not 0 < self.webhook_timeout_s <= 60:
            raise bad("webhook_timeout_s", "must be a number of seconds between 0 and 60")
        try:
            parse_hosts(self.webhook_hosts)
        except ValueError as exc:
            raise bad("webhook_hosts", str(exc)) from None
        if self.log_level not in LOG_LEVELS:
            raise bad("log_level", f"one of {', '.join(LOG_LEVELS)}")
        if self.log_format not in LOG_FORMATS:
            raise bad("log_format", f"one of {', '.join(LOG_FORMATS)}")
        self._check_engine(bad)

    def _check_engine(self, bad) -> None:
        from .batch.specs import ENGINES

        if self.batch_engine not in ENGINES:
            raise bad("batch_engine", f"one of {', '.join(ENGINES)}")
        celery_only = ("database_url", "broker_url", "outputs_url", "s3_endpoint_url")
        if self.batch_engine == "embedded":
            for name in celery_only:
                if getattr(self, name):
                    raise bad(
                        name, "is used by the celery engine only (set OBRAZCI_BATCH_ENGINE=celery)"
                    )
            return
        schemes = {
            "database_url": ("postgresql", "postgres"),
            "broker_url": ("redis", "rediss"),
            "outputs_url": ("s3", "file"),
            "s3_endpoint_url": ("http", "https"),
        }
        for name in celery_only:
            value = getattr(self, name)
            if not value:
                if name != "s3_endpoint_url":
                    raise bad(name, "the celery engine needs it")
                continue
            scheme = urlsplit(value).scheme
            if scheme not in schemes[name]:
                raise bad(
                    name,
                    f"{mask(value)!r} is not a {' or '.join(s + '://' for s in schemes[name])} URL",
                )
        if self.outputs_url:
            from .batch.outputs import check_outputs_url

            reason = check_outputs_url(self.outputs_url)
            if reason:
                raise bad("outputs_url", reason)

    @classmethod
    def load(
        cls, environ: Mapping[str, str] | None = None, flags: Mapping[str, object] | None = None
    ) -> Settings:
        """Flags (already typed, ``None`` where not given) over the environment over the
        defaults."""
        environ = os.environ if environ is None else environ
        flags = flags or {}
        types = {f.name: f.type for f in fields(cls)}
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            given = flags.get(setting.name)
            if given is None and environ.get(setting.env, "") != "":
                given = environ[setting.env]
            if given is not None:
                values[setting.name] = _convert(setting, types[setting.name], given)
        return cls(**values)

    def shown(self) -> list[tuple[Setting, str]]:
        """(setting, value as text) for `renderer config`, secrets masked."""
        rows = []
        for setting in SETTINGS:
            value = getattr(self, setting.name)
            text = "" if value is None else str(value)
            rows.append((setting, mask(text) if setting.secret or "://" in text else text))
        return rows

    def check(self) -> None:
        """Open what the settings name; raise SettingsError with one line if anything fails."""
        from .batch.specs import Access, AccessConfigError
        from .sign.config import SigningConfig
        from .sign.errors import SigningConfigError
        from .sign.service import SigningService

        self.check_webhooks()
        if self.batch_access is not None:
            try:
                access = Access.from_file(self.batch_access)
            except AccessConfigError as exc:
                raise SettingsError(f"OBRAZCI_BATCH_ACCESS: {exc}") from None
            for shop, url in access.shop_callbacks.items():
                refused = check_callback_url(url, self.allowed_hosts)
                if refused:
                    raise SettingsError(
                        f"OBRAZCI_BATCH_ACCESS: {self.batch_access}: shops.{shop}.callback_url: "
                        f"{refused}"
                    )
        if self.signing_config is not None:
            try:
                SigningService(SigningConfig.from_file(self.signing_config))
            except SigningConfigError as exc:
                raise SettingsError(f"OBRAZCI_SIGNING_CONFIG: {exc}") from None
        if self.batch_engine == "celery":
            return  # the data directory is not used; PostgreSQL and the broker are checked at start
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            probe = self.data_dir / f".probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise SettingsError(
                f"OBRAZCI_DATA_DIR ({self.data_dir}): cannot write there: {exc.strerror}"
            ) from None

    @property
    def allowed_hosts(self) -> tuple[str, ...]:
        """The callback hosts of OBRAZCI_WEBHOOK_HOSTS, as webhooks.parse_hosts gives them."""
        return parse_hosts(self.webhook_hosts)

    def check_webhooks(self) -> None:
        """Callbacks are signed: with allowed hosts, the key's file must be readable (and
        the key long enough). Every process that delivers checks it at start."""
        if self.allowed_hosts and self.webhook_secret_file is None:
            raise SettingsError(
                "OBRAZCI_WEBHOOK_SECRET_FILE (--webhook-secret-file): callbacks are signed; "
                "name the file of the key"
            )
        if self.webhook_secret_file is not None:
            try:
                read_secret(self.webhook_secret_file)
            except ValueError as exc:
                raise SettingsError(f"OBRAZCI_WEBHOOK_SECRET_FILE: {exc}") from None

    def environment(self) -> dict[str, str]:
        """The settings as environment variables, for processes started from this one (the
        batch runner, gunicorn's workers), so every part of the service reads the same values."""
        env = {}
        for setting in SETTINGS:
            value = getattr(self, setting.name)
            if value is not None:
                env[setting.env] = str(value)
        return env

    def limits(self) -> Limits:
        """The limits on what a request may ask for, as these settings set them."""
        return Limits(**{f.name: getattr(self, f.name) for f in fields(Limits)})

    def engine(self):
        from .batch.specs import EngineSpec, WebhookSpec

        webhooks = WebhookSpec(
            self.allowed_hosts,
            self.webhook_secret_file,
            self.webhook_attempts,
            self.webhook_backoff_s,
            self.webhook_timeout_s,
        )
        return EngineSpec(
            data_dir=self.data_dir,
            workers=self.batch_workers,
            task_deadline_s=self.batch_task_deadline_s,
            kind=self.batch_engine,
            database_url=self.database_url,
            broker_url=self.broker_url,
            outputs_url=self.outputs_url,
            s3_endpoint_url=self.s3_endpoint_url,
            retention_s=self.batch_retention_days * 86400,
            webhooks=webhooks,
        )


_by_name = {s.name: s for s in SETTINGS}


def _convert(setting: Setting, kind, given: object) -> object:
    if not isinstance(given, str):
        return given
    kind = str(kind)
    try:
        if kind == "int":
            return int(given)
        if kind == "float":
            return float(given)
    except ValueError:
        raise SettingsError(f"{setting.env} ({setting.flag}): {given!r} is not a number") from None
    if "Path" in kind:
        return Path(given)
    return given


def mask(text: str) -> str:
    """A URL's password (or a whole secret) as ***."""
    if "://" not in text:
        return "***" if text else ""
    parts = urlsplit(text)
    if parts.password is None:
        return text
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
