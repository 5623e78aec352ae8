"""The loaded signer profiles of one process, opened once at start-up."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from asn1crypto import x509 as asn1_x509

from .appearance import VisibleStamp
from .config import SigningConfig
from .pades import sign_pdf
from .signer import LoadedProfile, load_profile


class SigningService:
    """The loaded profiles of one process, and what a signing request needs of them."""

    def __init__(self, config: SigningConfig):
        self.config = config
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
        return sign_pdf(pdf_bytes, self.loaded[profile], level, stamp)

    def signer_name(self, profile: str) -> str:
        cert = self.loaded[profile].signer.signing_cert
        assert cert is not None  # every loaded profile has its certificate
        return cert.subject.native.get("common_name") or cert.subject.human_friendly
