"""The loaded signer profiles of one process, opened once at start-up.

pyHanko (and aiohttp with it, a third of the service's import time) is imported only when
a profile is configured: a service that does not sign starts without it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from asn1crypto import x509 as asn1_x509

from .config import SigningConfig, VisibleStamp

if TYPE_CHECKING:
    from .signer import LoadedProfile


class SigningService:
    """The loaded profiles of one process, and what a signing request needs of them."""

    def __init__(self, config: SigningConfig):
        self.config = config
        self.loaded: dict[str, LoadedProfile] = {}
        if config.profiles:
            from .signer import load_profile

            self.loaded = {name: load_profile(profile) for name, profile in config.profiles.items()}

    @property
    def trust_roots(self) -> list[asn1_x509.Certificate]:
        return self._union(lambda loaded: loaded.trust_roots)

    @property
    def trusted_tsa(self) -> list[asn1_x509.Certificate]:
        return self._union(lambda loaded: loaded.trusted_tsa)

    def _union(
        self, certs_of: Callable[[LoadedProfile], Iterable[asn1_x509.Certificate]]
    ) -> list[asn1_x509.Certificate]:
        seen, certs = set(), []
        for loaded in self.loaded.values():
            for cert in certs_of(loaded):
                if cert.sha256 not in seen:
                    seen.add(cert.sha256)
                    certs.append(cert)
        return certs

    def sign(
        self, pdf_bytes: bytes, profile: str, level: str, stamp: VisibleStamp | None = None
    ) -> bytes:
        from .pades import sign_pdf

        return sign_pdf(pdf_bytes, self.loaded[profile], level, stamp)

    def signer_name(self, profile: str) -> str:
        cert = self.loaded[profile].signer.signing_cert
        assert cert is not None  # every loaded profile has its certificate
        return cert.subject.native.get("common_name") or cert.subject.human_friendly
