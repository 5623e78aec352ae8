"""Opening a profile's key: a PKCS#12 file into the key-caching signer, or a PKCS#11 token.

The key stays inside the signer object for the process's life: nothing outside this module
sees it, and no error message carries it or its passphrase or PIN.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from asn1crypto import cms, keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pyhanko.sign import signers
from pyhanko.sign.attributes import CMSAttributeProvider, SignedAttributeProviderSpec
from pyhanko.sign.general import (
    as_signing_certificate_v2,
    load_cert_from_pemder,
    simple_cms_attribute,
)
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.api import OwnedFetcherBackend
from pyhanko_certvalidator.registry import CertificateStore

from .config import Pkcs11Key, Pkcs12Key, SignerProfile
from .errors import SigningConfigError
from .fetching import RecordingFetcherBackend
from .secrets import read_secret


class _FixedAttribute(CMSAttributeProvider):
    """A signed attribute that is the same in every signature, encoded once."""

    def __init__(self, attribute_type: str, der: bytes):
        self.attribute_type = attribute_type
        self._der = der

    async def build_attr_value(self, dry_run: bool = False) -> Any:
        return cms.CMSAttribute.load(self._der)["values"][0]


class PadesSignedAttributes(SignedAttributeProviderSpec):
    """The signed attributes pyHanko gives a PAdES signature (its CAdES spec with
    ``is_pades``: signing-certificate-v2 only; content type and message digest are added
    by pyHanko itself), with signing-certificate-v2 (the costly one: the certificate's
    issuer re-encoded every time) computed once. Set as the signer's public
    ``signed_attr_prov_spec``, it serves PAdES signatures without CAdES extras (signature
    policy, commitment type), which no profile asks for; tests/test_sign_signer.py checks
    it gives what stock pyHanko gives."""

    def __init__(self, signing_cert: asn1_x509.Certificate):
        der = simple_cms_attribute(
            "signing_certificate_v2", as_signing_certificate_v2(signing_cert)
        ).dump()
        self._attribute = _FixedAttribute("signing_certificate_v2", der)

    def signed_attr_providers(
        self, data_digest: bytes, digest_algorithm: str
    ) -> Iterator[CMSAttributeProvider]:
        yield self._attribute


class CachedKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner re-parses the private key for every signature; this one keeps
    the parsed RSA key (PKCS#1 v1.5, the PAdES default) and encodes the attributes that never
    change once."""

    def __init__(
        self,
        signing_cert: asn1_x509.Certificate,
        signing_key: keys.PrivateKeyInfo,
        cert_registry: CertificateStore,
    ):
        super().__init__(
            signing_cert=signing_cert, signing_key=signing_key, cert_registry=cert_registry
        )
        self._key = serialization.load_der_private_key(signing_key.dump(), password=None)
        self.signed_attr_prov_spec = PadesSignedAttributes(signing_cert)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._key, RSAPrivateKey):
            return self._key.sign(data, PKCS1v15(), getattr(hashes, digest_algorithm.upper())())
        return super().sign_raw(data, digest_algorithm)


@dataclass
class LoadedProfile:
    profile: SignerProfile
    signer: signers.Signer
    trust_roots: tuple[asn1_x509.Certificate, ...]
    trusted_tsa: tuple[asn1_x509.Certificate, ...] = ()
    session: object = None  # an open PKCS#11 session, kept for the process's life

    def signing_context(self, fetch_failures: list[Exception]) -> ValidationContext:
        """What B-LT and B-LTA fetch their validation data with: hard-failing, the fetch
        errors kept in ``fetch_failures``. OCSP answers and CRLs are fetched after the
        context's moment (the TSA's only once its timestamp has arrived); they count
        although issued later."""
        return ValidationContext(
            trust_roots=list(self.trust_roots),
            allow_fetching=True,
            revocation_mode="hard-fail",
            retroactive_revinfo=True,
            fetcher_backend=OwnedFetcherBackend(RecordingFetcherBackend(fetch_failures)),
        )


def load_profile(profile: SignerProfile) -> LoadedProfile:
    """Open the profile's key and read its certificates; SigningConfigError if not."""
    try:
        roots = tuple(load_cert_from_pemder(p) for p in profile.trust_roots)
        trusted_tsa = tuple(load_cert_from_pemder(p) for p in profile.trusted_tsa_certs)
    except (OSError, ValueError) as exc:
        raise SigningConfigError(
            f"profile {profile.name}: trust roots or TSA certificates: {exc}"
        ) from None
    if isinstance(profile.key, Pkcs12Key):
        return LoadedProfile(profile, _open_pkcs12(profile.name, profile.key), roots, trusted_tsa)
    signer, session = _open_pkcs11(profile.name, profile.key)
    return LoadedProfile(profile, signer, roots, trusted_tsa, session)


def _open_pkcs12(name: str, key: Pkcs12Key) -> CachedKeySigner:
    passphrase = read_secret(key.passphrase_env, key.passphrase_file, "passphrase", name)
    try:
        with open(key.path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise SigningConfigError(
            f"profile {name}: cannot read {key.path} ({exc.strerror})"
        ) from None
    try:  # the _data variant raises where load_pkcs12 logs a traceback and returns None
        simple = signers.SimpleSigner.load_pkcs12_data(data, (), passphrase=passphrase)
    except Exception:  # noqa: BLE001 - whatever the cause, the operator gets one line
        raise SigningConfigError(
            f"profile {name}: cannot open {key.path} (wrong passphrase or not a PKCS#12 file)"
        ) from None
    assert simple.signing_cert is not None  # load_pkcs12_data refuses a file without one
    return CachedKeySigner(simple.signing_cert, simple.signing_key, simple.cert_registry)


def _open_pkcs11(name: str, key: Pkcs11Key) -> tuple[signers.Signer, object]:
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    pin = read_secret(key.pin_env, None, "PIN", name).decode()
    try:
        session = open_pkcs11_session(
            key.module, token_criteria=TokenCriteria(label=key.token_label), user_pin=pin
        )
        signer = PKCS11Signer(
            session, key_label=key.key_label, cert_label=key.cert_label or key.key_label
        )
        signer.signing_cert  # noqa: B018 - fetch the certificate now: fail at start-up, not later
    except Exception as exc:  # noqa: BLE001 - python-pkcs11's errors have no common base
        raise SigningConfigError(
            f"profile {name}: cannot open token {key.token_label!r} ({type(exc).__name__})"
        ) from None
    return signer, session
