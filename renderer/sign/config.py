"""Signer profiles and API keys, read from the TOML file named by OBRAZCI_SIGNING_CONFIG.

Each key kind has its own frozen dataclass (a PKCS#12 file, a PKCS#11 token), as pyHanko's
own configuration does; a profile holds one of them beside what every profile has (trust
roots, TSA, reason, …). Every mistake in the file is a SigningConfigError that names the file
and the key (``profiles.office.tsa_url: expected a string``): the service does not start.
Relative paths are relative to the file. Secrets are not read here (``secrets``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import tomllib
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

from .errors import SigningConfigError

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")


@dataclass(frozen=True)
class VisibleStamp:
    """A visible signature: a rendered one-page PDF (its appearance) placed on a page at
    (x, y) mm from the page's top left."""

    pdf: bytes
    page: int = 0
    x_mm: float = 0.0
    y_mm: float = 0.0


@dataclass(frozen=True)
class Pkcs12Key:
    """A key and certificate in a PKCS#12 file, opened with a passphrase."""

    kind: ClassVar[str] = "pkcs12"
    PATHS: ClassVar[tuple[str, ...]] = ("path", "passphrase_file")

    path: str
    passphrase_env: str | None = None
    passphrase_file: str | None = None


@dataclass(frozen=True)
class Pkcs11Key:
    """A key that never leaves a PKCS#11 token, used with the token's PIN."""

    kind: ClassVar[str] = "pkcs11"
    PATHS: ClassVar[tuple[str, ...]] = ()  # the module is found as the system finds libraries

    module: str
    token_label: str
    key_label: str
    pin_env: str
    cert_label: str | None = None  # default: the key's label


KEY_KINDS: dict[str, type[Pkcs12Key] | type[Pkcs11Key]] = {
    cls.kind: cls for cls in (Pkcs12Key, Pkcs11Key)
}


@dataclass(frozen=True)
class SignerProfile:
    name: str
    key: Pkcs12Key | Pkcs11Key
    trust_roots: tuple[str, ...] = ()
    tsa_url: str | None = None
    # TSA certificates trusted as such, as a trusted list lists a qualified TSA: their
    # timestamps need no revocation data, so a B-LTA file's newest document timestamp stays
    # verifiable offline (/v1/verify) until that certificate expires
    trusted_tsa_certs: tuple[str, ...] = ()
    reason: str | None = None
    location: str | None = None
    verify_url: str | None = None  # printed as a QR code on visible signatures

    PATHS: ClassVar[tuple[str, ...]] = ("trust_roots", "trusted_tsa_certs")

    @property
    def kind(self) -> str:
        return self.key.kind


@dataclass(frozen=True)
class ApiKey:
    name: str
    sha256: str
    profiles: frozenset[str]


@dataclass(frozen=True)
class SigningConfig:
    profiles: dict[str, SignerProfile] = field(default_factory=dict)
    api_keys: tuple[ApiKey, ...] = ()
    # signs layouts marked `signed = true` unless another is named
    default_profile: str | None = None
    default_level: str = "B-T"

    @classmethod
    def from_file(cls, path: str | Path) -> SigningConfig:
        try:
            with open(path, "rb") as fh:
                table = tomllib.load(fh)
        except OSError as exc:
            raise SigningConfigError(
                f"signing configuration {path}: cannot read it ({exc.strerror})"
            ) from None
        except tomllib.TOMLDecodeError as exc:
            raise SigningConfigError(f"signing configuration {path}: not TOML: {exc}") from None
        try:
            return _parse(table, Path(path).resolve().parent)
        except _KeyProblem as problem:
            raise SigningConfigError(
                f"signing configuration {path}: {problem.key}: {problem.reason}"
            ) from None

    @classmethod
    def from_environment(cls) -> SigningConfig:
        path = os.environ.get("OBRAZCI_SIGNING_CONFIG")
        return cls.from_file(path) if path else cls()

    def authorise(self, presented: str | None, profile: str) -> str:
        """'ok', 'unauthenticated' (no or unknown key) or 'forbidden' (key without the profile)."""
        if not presented:
            return "unauthenticated"
        digest = hashlib.sha256(presented.encode()).hexdigest()
        for key in self.api_keys:
            if hmac.compare_digest(digest, key.sha256):
                return "ok" if profile in key.profiles else "forbidden"
        return "unauthenticated"


class _KeyProblem(Exception):
    def __init__(self, key: str, reason: str):
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


TOP_LEVEL = ("profiles", "api_keys", "default_profile", "default_level")


def _parse(table: dict[str, Any], base: Path) -> SigningConfig:
    _no_unknown(table, TOP_LEVEL, "the file")
    profiles = {
        name: _profile(name, entry, base)
        for name, entry in _table(table, "profiles", "profiles").items()
    }
    keys = tuple(
        _api_key(name, entry, set(profiles))
        for name, entry in _table(table, "api_keys", "api_keys").items()
    )
    default = _string(table, "default_profile", "default_profile")
    if default is not None and default not in profiles:
        raise _KeyProblem("default_profile", f"{default!r} is not a profile")
    level = _string(table, "default_level", "default_level") or "B-T"
    if level not in LEVELS:
        raise _KeyProblem("default_level", f"must be one of {', '.join(LEVELS)}")
    return SigningConfig(profiles, keys, default, level)


def _profile(name: str, entry: Any, base: Path) -> SignerProfile:
    where = f"profiles.{name}"
    if not isinstance(entry, dict):
        raise _KeyProblem(where, "expected a table")
    kind = entry.get("kind")
    key_class = KEY_KINDS.get(kind) if isinstance(kind, str) else None
    if key_class is None:
        raise _KeyProblem(f"{where}.kind", f"must be one of {', '.join(KEY_KINDS)}")
    common = [f for f in _init_fields(SignerProfile) if f not in ("name", "key")]
    _no_unknown(entry, ("kind", *_init_fields(key_class), *common), where)
    key = key_class(**_values(key_class, entry, where, base))
    return SignerProfile(
        name=name, key=key, **_values(SignerProfile, entry, where, base, only=common)
    )


def _api_key(name: str, entry: Any, profiles: set[str]) -> ApiKey:
    where = f"api_keys.{name}"
    if not isinstance(entry, dict):
        raise _KeyProblem(where, "expected a table")
    _no_unknown(entry, ("sha256", "profiles"), where)
    digest = _string(entry, "sha256", f"{where}.sha256")
    if (
        digest is None
        or len(digest) != 64
        or not all(c in "0123456789abcdefABCDEF" for c in digest)
    ):
        raise _KeyProblem(f"{where}.sha256", "the key's SHA-256 as 64 hexadecimal digits")
    allowed = _strings(entry, "profiles", f"{where}.profiles")
    unknown = sorted(set(allowed) - profiles)
    if unknown:
        raise _KeyProblem(f"{where}.profiles", f"unknown profiles {unknown}")
    return ApiKey(name, digest.lower(), frozenset(allowed))


def _init_fields(cls) -> list[str]:
    return [f.name for f in fields(cls) if f.init]


def _values(cls, entry: dict, where: str, base: Path, only: list[str] | None = None) -> dict:
    """The entry's values for ``cls``'s fields, type-checked, paths made absolute."""
    out: dict[str, Any] = {}
    for f in fields(cls):
        if f.name in ("name", "key") or (only is not None and f.name not in only):
            continue
        key = f"{where}.{f.name}"
        if f.name not in entry:
            if f.default is MISSING and f.default_factory is MISSING:
                raise _KeyProblem(key, f"missing (a {entry.get('kind')} profile needs it)")
            continue
        if isinstance(f.default, tuple):  # the lists: trust_roots, trusted_tsa_certs
            paths = _strings(entry, f.name, key)
            value: Any = tuple(_absolute(v, base, f.name in cls.PATHS) for v in paths)
        else:
            text = _string(entry, f.name, key)
            value = _absolute(text, base, f.name in cls.PATHS) if text is not None else None
        out[f.name] = value
    return out


def _absolute(value: str, base: Path, is_path: bool) -> str:
    return str(base / value) if is_path and not os.path.isabs(value) else value


def _table(table: dict, name: str, key: str) -> dict:
    value = table.get(name, {})
    if not isinstance(value, dict):
        raise _KeyProblem(key, "expected a table")
    return value


def _string(table: dict, name: str, key: str) -> str | None:
    value = table.get(name)
    if value is not None and (not isinstance(value, str) or not value):
        raise _KeyProblem(key, "expected a non-empty string")
    return value


def _strings(table: dict, name: str, key: str) -> list[str]:
    value = table.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _KeyProblem(key, "expected a list of strings")
    return value


def _no_unknown(table: dict, known, where: str) -> None:
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise _KeyProblem(
            f"{where}.{unknown[0]}" if where != "the file" else unknown[0],
            f"unknown key (known: {', '.join(sorted(known))})",
        )
