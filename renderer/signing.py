"""Sign: PAdES baseline signatures (B-B, B-T, B-LT, B-LTA) with pyHanko.

Signer profiles are configuration (a TOML file named by OBRAZCI_SIGNING_CONFIG): a PKCS#12
file or a PKCS#11 token, the TSA, the trust roots, and which API keys may use the profile.
Secrets (passphrase, PIN) come from environment variables or files named in the profile; they
are read once at start-up, never logged and never part of an answer. A profile that cannot be
opened stops the service from starting.

Two things keep signed PDF/A valid: the signature field is created with an (empty) appearance
stream and the print flag, and pyHanko is kept from rewriting the document's Info/XMP, which
the finisher wrote consistent with each other.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from unittest import mock

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.attributes import (
    CMSAttributeProvider,
    SignedAttributeProviderSpec,
    SigningCertificateV2Provider,
)
from pyhanko.sign.general import (
    as_signing_certificate_v2,
    load_cert_from_pemder,
    simple_cms_attribute,
)
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.stamp import NoOpStampStyle
from pyhanko_certvalidator import ValidationContext

from renderer.accessible.widget import tag_field

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")
FIELD_NAME = "Signature1"
TIMESTAMP_FIELD = "DocTimeStamp1"
RESERVE = {"B-B": 12_288, "B-T": 20_480, "B-LT": 20_480, "B-LTA": 20_480}  # bytes for the CMS


class SigningConfigError(RuntimeError):
    """A signer profile cannot be loaded; the service must not start."""


class ServiceFailure(RuntimeError):
    """A trust service (TSA, OCSP/CRL) failed; the asked level cannot be reached."""

    def __init__(self, service: str, reason: str, unreachable: bool):
        super().__init__(f"{service}: {reason}")
        self.service = service
        self.reason = reason
        self.unreachable = unreachable


@dataclass(frozen=True)
class SignerProfile:
    name: str
    kind: str  # "pkcs12" or "pkcs11"
    trust_roots: tuple[str, ...]
    tsa_url: str | None = None
    # TSA certificates trusted as such, as a trusted list lists a qualified TSA: their
    # timestamps need no revocation data, so a B-LTA file's newest document timestamp stays
    # verifiable offline (/v1/verify) until that certificate expires
    trusted_tsa_certs: tuple[str, ...] = ()
    reason: str | None = None
    location: str | None = None
    verify_url: str | None = None  # printed as a QR code on visible signatures
    # pkcs12
    path: str | None = None
    passphrase_env: str | None = None
    passphrase_file: str | None = None
    # pkcs11
    module: str | None = None
    token_label: str | None = None
    key_label: str | None = None
    cert_label: str | None = None
    pin_env: str | None = None


@dataclass(frozen=True)
class ApiKey:
    name: str
    sha256: str
    profiles: frozenset[str]


@dataclass(frozen=True)
class SigningConfig:
    profiles: dict[str, SignerProfile] = field(default_factory=dict)
    api_keys: tuple[ApiKey, ...] = ()
    default_profile: str | None = (
        None  # signs layouts marked `signed = true` unless another is named
    )
    default_level: str = "B-T"

    @classmethod
    def from_file(cls, path: str | Path) -> SigningConfig:
        try:
            with open(path, "rb") as fh:
                table = tomllib.load(fh)
            base = Path(path).resolve().parent
            profiles = {}
            for name, entry in table.get("profiles", {}).items():
                entry = dict(entry)
                for key in ("path", "passphrase_file", "module"):
                    if entry.get(key) and not os.path.isabs(entry[key]) and key != "module":
                        entry[key] = str(base / entry[key])
                for key in ("trust_roots", "trusted_tsa_certs"):
                    entry[key] = tuple(
                        r if os.path.isabs(r) else str(base / r) for r in entry.get(key, [])
                    )
                profiles[name] = SignerProfile(name=name, **entry)
            keys = tuple(
                ApiKey(name, entry["sha256"].lower(), frozenset(entry["profiles"]))
                for name, entry in table.get("api_keys", {}).items()
            )
        except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError) as exc:
            raise SigningConfigError(
                f"signing configuration {path}: {type(exc).__name__}: {exc}"
            ) from None
        unknown = {p for k in keys for p in k.profiles} - set(profiles)
        if unknown:
            raise SigningConfigError(
                f"signing configuration {path}: API keys name unknown profiles {sorted(unknown)}"
            )
        default = table.get("default_profile")
        if default is not None and default not in profiles:
            raise SigningConfigError(
                f"signing configuration {path}: default_profile {default!r} is not a profile"
            )
        level = table.get("default_level", "B-T")
        if level not in LEVELS:
            raise SigningConfigError(
                f"signing configuration {path}: default_level must be one of {', '.join(LEVELS)}"
            )
        return cls(profiles, keys, default, level)

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


class _CachedAttribute(CMSAttributeProvider):
    """A signed attribute that is the same in every signature, encoded once."""

    def __init__(self, attribute_type: str, der: bytes):
        self.attribute_type = attribute_type
        self._der = der

    async def get_attribute(self, dry_run=False):
        return cms.CMSAttribute.load(self._der)


class _CachingSpec(SignedAttributeProviderSpec):
    """pyHanko's own attribute providers, with the signing-certificate-v2 attribute (the
    costly one: the certificate's issuer re-encoded every time) computed once."""

    def __init__(self, inner: SignedAttributeProviderSpec, cache: dict):
        self.inner = inner
        self.cache = cache

    def signed_attr_providers(self, *args, **kwargs):
        for provider in self.inner.signed_attr_providers(*args, **kwargs):
            if isinstance(provider, SigningCertificateV2Provider):
                der = self.cache.get("scv2")
                if der is None:
                    der = simple_cms_attribute(
                        "signing_certificate_v2", as_signing_certificate_v2(provider.signing_cert)
                    ).dump()
                    self.cache["scv2"] = der
                yield _CachedAttribute("signing_certificate_v2", der)
            else:
                yield provider


class CachedKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner re-parses the private key for every signature; this one keeps
    the parsed RSA key (PKCS#1 v1.5, the PAdES default) and encodes the attributes that never
    change once."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
        self._attribute_cache: dict = {}

    def _signed_attr_provider_spec(self, *args, **kwargs):
        return _CachingSpec(
            super()._signed_attr_provider_spec(*args, **kwargs), self._attribute_cache
        )

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._key, RSAPrivateKey):
            return self._key.sign(data, PKCS1v15(), getattr(hashes, digest_algorithm.upper())())
        return super().sign_raw(data, digest_algorithm)


def _secret(env: str | None, path: str | None, what: str, profile: str) -> bytes:
    if env:
        if env not in os.environ:
            raise SigningConfigError(f"profile {profile}: the {what} variable {env} is not set")
        return os.environ[env].encode()
    if path:
        try:
            return Path(path).read_bytes().rstrip(b"\r\n")
        except OSError as exc:
            raise SigningConfigError(
                f"profile {profile}: cannot read the {what} file: {exc.strerror}"
            ) from None
    raise SigningConfigError(f"profile {profile}: no {what} configured")


@dataclass
class LoadedProfile:
    profile: SignerProfile
    signer: signers.Signer
    trust_roots: tuple[asn1_x509.Certificate, ...]
    trusted_tsa: tuple[asn1_x509.Certificate, ...] = ()
    session: object = None  # an open PKCS#11 session, kept for the process's life

    def validation_context(self, fetching: bool) -> ValidationContext:
        """When signing, OCSP answers and CRLs are fetched after the context's moment (the
        TSA's only once its timestamp has arrived); they count although issued later."""
        return ValidationContext(
            trust_roots=list(self.trust_roots),
            allow_fetching=fetching,
            revocation_mode="hard-fail" if fetching else "soft-fail",
            retroactive_revinfo=fetching,
        )


def load_profile(profile: SignerProfile) -> LoadedProfile:
    try:
        roots = tuple(load_cert_from_pemder(p) for p in profile.trust_roots)
        trusted_tsa = tuple(load_cert_from_pemder(p) for p in profile.trusted_tsa_certs)
    except (OSError, ValueError) as exc:
        raise SigningConfigError(
            f"profile {profile.name}: trust roots or TSA certificates: {exc}"
        ) from None
    if profile.kind == "pkcs12":
        passphrase = _secret(
            profile.passphrase_env, profile.passphrase_file, "passphrase", profile.name
        )
        try:
            with open(profile.path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise SigningConfigError(
                f"profile {profile.name}: cannot read {profile.path} ({exc.strerror})"
            ) from None
        try:  # the _data variant raises where load_pkcs12 logs a traceback and returns None
            simple = signers.SimpleSigner.load_pkcs12_data(data, (), passphrase=passphrase)
        except Exception:  # noqa: BLE001 - whatever the cause, the operator gets one line
            raise SigningConfigError(
                f"profile {profile.name}: cannot open {profile.path} "
                "(wrong passphrase or not a PKCS#12 file)"
            ) from None
        signer = CachedKeySigner(
            signing_cert=simple.signing_cert,
            signing_key=simple.signing_key,
            cert_registry=simple.cert_registry,
        )
        return LoadedProfile(profile, signer, roots, trusted_tsa)
    if profile.kind == "pkcs11":
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

        pin = _secret(profile.pin_env, None, "PIN", profile.name).decode()
        try:
            session = open_pkcs11_session(
                profile.module,
                token_criteria=TokenCriteria(label=profile.token_label),
                user_pin=pin,
            )
            signer = PKCS11Signer(
                session,
                key_label=profile.key_label,
                cert_label=profile.cert_label or profile.key_label,
            )
            signer.signing_cert  # noqa: B018 - fetch the certificate now: fail at start-up, not later
        except Exception as exc:
            raise SigningConfigError(
                f"profile {profile.name}: cannot open token {profile.token_label!r} ({type(exc).__name__})"
            ) from None
        return LoadedProfile(profile, signer, roots, trusted_tsa, session)
    raise SigningConfigError(
        f"profile {profile.name}: unknown kind {profile.kind!r} (pkcs12 or pkcs11)"
    )


@contextmanager
def _metadata_untouched():
    """pyHanko rewrites Info and XMP in every revision it writes (DSS, timestamps included);
    that would break PDF/A's Info/XMP agreement. Keep the document's metadata as it is."""
    with mock.patch.object(BasePdfFileWriter, "_update_meta", lambda self: None):
        yield


@dataclass(frozen=True)
class VisibleStamp:
    """A visible signature: a rendered one-page PDF (its appearance) placed on a page at
    (x, y) mm from the page's top left."""

    pdf: bytes
    page: int = 0
    x_mm: float = 0.0
    y_mm: float = 0.0


PT_PER_MM = 72 / 25.4


def _form_from_page(writer: IncrementalPdfFileWriter, pdf_bytes: bytes):
    """Page 1 of ``pdf_bytes`` as a form XObject in ``writer``, and its size in points."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(BytesIO(pdf_bytes))
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    x0, y0, x1, y1 = (float(v) for v in page["/MediaBox"])
    contents = page["/Contents"]
    contents = contents.get_object()
    data = (
        b"".join(c.get_object().data for c in contents)
        if isinstance(contents, generic.ArrayObject)
        else contents.data
    )
    form = generic.StreamObject(
        {
            generic.pdf_name("/Type"): generic.pdf_name("/XObject"),
            generic.pdf_name("/Subtype"): generic.pdf_name("/Form"),
            generic.pdf_name("/BBox"): generic.ArrayObject(
                [generic.FloatObject(v) for v in (x0, y0, x1, y1)]
            ),
            generic.pdf_name("/Resources"): writer.import_object(page["/Resources"].get_object()),
        },
        stream_data=data,
    )
    return writer.add_object(form), (x1 - x0, y1 - y0)


def _add_field(
    writer: IncrementalPdfFileWriter, name: str = FIELD_NAME, stamp: VisibleStamp | None = None
) -> None:
    """A signature field whose widget has an appearance stream and the print flag, as PDF/A
    requires of every annotation: empty and invisible, or the rendered stamp."""
    if stamp is None:
        fields.append_signature_field(
            writer, fields.SigFieldSpec(name, on_page=0, box=(0, 0, 0, 0))
        )
        appearance = writer.add_object(
            generic.StreamObject(
                {
                    generic.pdf_name("/Type"): generic.pdf_name("/XObject"),
                    generic.pdf_name("/Subtype"): generic.pdf_name("/Form"),
                    generic.pdf_name("/BBox"): generic.ArrayObject([generic.NumberObject(0)] * 4),
                },
                stream_data=b"",
            )
        )
    else:
        appearance, (width, height) = _form_from_page(writer, stamp.pdf)
        page_height = float(writer.root["/Pages"]["/Kids"][stamp.page].get_object()["/MediaBox"][3])
        x, top = stamp.x_mm * PT_PER_MM, page_height - stamp.y_mm * PT_PER_MM
        fields.append_signature_field(
            writer,
            fields.SigFieldSpec(
                name, on_page=stamp.page, box=(int(x), int(top - height), int(x + width), int(top))
            ),
        )
    for ref in writer.root["/AcroForm"]["/Fields"]:
        widget = ref.get_object()
        if widget.get("/T") == name:
            widget["/F"] = generic.NumberObject(4 | 128)  # Print, Locked
            widget["/AP"] = generic.DictionaryObject({generic.pdf_name("/N"): appearance})
            writer.update_container(widget)
            tag_field(writer, ref, stamp.page if stamp else 0, name == TIMESTAMP_FIELD)


def sign_pdf(
    pdf_bytes: bytes, loaded: LoadedProfile, level: str, stamp: VisibleStamp | None = None
) -> bytes:
    """Sign ``pdf_bytes`` (incrementally) at ``level``, invisibly or with ``stamp``; raises
    ServiceFailure if a trust service fails, so nothing below the asked level is returned."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    profile = loaded.profile
    timestamped = level != "B-B"
    if timestamped and not profile.tsa_url:
        raise ServiceFailure(
            "TSA", f"profile {profile.name} has no TSA configured, {level} needs one", False
        )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=profile.reason,
        location=profile.location,
        embed_validation_info=level in ("B-LT", "B-LTA"),
        validation_context=loaded.validation_context(fetching=True)
        if level in ("B-LT", "B-LTA")
        else None,
    )
    timestamper = HTTPTimeStamper(profile.tsa_url, timeout=10) if timestamped else None
    out = BytesIO()
    with _metadata_untouched():
        writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes))
        _add_field(writer, FIELD_NAME, stamp)
        try:
            signers.PdfSigner(
                meta, signer=loaded.signer, timestamper=timestamper, stamp_style=NoOpStampStyle()
            ).sign_pdf(writer, output=out, bytes_reserved=RESERVE[level])
            if level == "B-LTA":  # a document timestamp over the signature and its DSS
                out = _document_timestamp(out.getvalue(), loaded, timestamper)
        except Exception as exc:
            raise _service_failure(exc) from exc
    return out.getvalue()


def _document_timestamp(
    pdf_bytes: bytes, loaded: LoadedProfile, timestamper: HTTPTimeStamper
) -> BytesIO:
    """B-LTA's document timestamp, in a field we create (pyHanko's own has no appearance
    stream, which PDF/A forbids); the TSA's validation data goes into the DSS."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes))
    _add_field(writer, TIMESTAMP_FIELD)
    out = BytesIO()
    signers.PdfTimeStamper(timestamper, field_name=TIMESTAMP_FIELD).timestamp_pdf(
        writer,
        "sha256",
        validation_context=loaded.validation_context(fetching=True),
        output=out,
        bytes_reserved=RESERVE["B-LTA"],
    )
    return out


def _service_failure(exc: Exception) -> Exception:
    """Name the trust service behind a signing failure; other errors pass through."""
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.timestamps import TimestampRequestError

    chain, cause = [], exc
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    text = " ".join(f"{type(c).__name__}: {c}" for c in chain)
    # unreachable (503): no answer at all; an answer that is not what was asked for is a 502
    answered = any(type(c).__name__ in ("ClientResponseError", "ContentTypeError") for c in chain)
    unreachable = not answered and any(
        isinstance(c, (ConnectionError, TimeoutError))
        or type(c).__name__.startswith("ClientConnect")
        for c in chain
    )
    if any(isinstance(c, TimestampRequestError) for c in chain) or "imestamp" in text:
        return ServiceFailure("TSA", text[:300], unreachable)
    if any(w in text.lower() for w in ("ocsp", "crl", "revocation", "validation")) or isinstance(
        exc, SigningError
    ):
        return ServiceFailure("OCSP/CRL", text[:300], unreachable)
    return exc


class SigningService:
    """The loaded profiles of one process, and the checks a signing request goes through."""

    def __init__(self, config: SigningConfig):
        self.config = config
        self.loaded = {name: load_profile(profile) for name, profile in config.profiles.items()}

    @property
    def trust_roots(self):
        return self._union(lambda loaded: loaded.trust_roots)

    @property
    def trusted_tsa(self):
        return self._union(lambda loaded: loaded.trusted_tsa)

    def _union(self, certs_of):
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
        subject = self.loaded[profile].signer.signing_cert.subject.native
        return (
            subject.get("common_name")
            or self.loaded[profile].signer.signing_cert.subject.human_friendly
        )
