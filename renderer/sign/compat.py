"""The only places that reach into pyHanko's and pyhanko-certvalidator's internals.

Each patch is here because the pinned versions (pyHanko 0.38, pyhanko-certvalidator 0.33)
offer no public way to the same result; tests/test_sign_compat.py asserts, for each, that
the internal it relies on still exists and still behaves as it did, so an upgrade that
changes it fails there first (and one that makes it unnecessary says so).

1. ``document_metadata_kept()``: every revision pyHanko writes (the signature, the DSS it
   adds for B-LT, the document timestamp) goes through ``BasePdfFileWriter._update_meta``,
   which sets ModDate to now and appends "; pyHanko x" to the Info's Producer while writing
   only "pyHanko x" into the XMP. That breaks PDF/A's Info/XMP agreement and changes what the
   finisher wrote. ``DocumentMetadata`` (public) cannot turn it off: ``_update_meta`` resets
   ``last_modified`` to "now" and always writes the Producer. While the context is open, in
   this thread or task only, the method does nothing; everywhere else pyHanko is unchanged
   (a context variable, not a patch that comes and goes: other threads never see it).
2. ``install_ocsp_certid_filter()``: pyhanko-certvalidator checks every OCSP answer it holds
   against every certificate, and counts an answer about *another* certificate of the same CA
   as a failed check. Once the answers have expired that failure is not "stale only", so the
   outcome is a chain failure instead of INDETERMINATE/TRY_LATER, and the AdES LTA algorithm
   then refuses past validation. ``RevinfoManager.async_retrieve_ocsps`` (public, but the
   LTA validation builds its own manager, so no subclass can be passed in) then hands on
   only the answers whose CertID names the certificate (serial number and issuer key).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko_certvalidator.revinfo.archival import OCSPContainer
from pyhanko_certvalidator.revinfo.manager import RevinfoManager

_keep_metadata: ContextVar[bool] = ContextVar("obrazci_keep_pdf_metadata", default=False)


@contextmanager
def document_metadata_kept() -> Iterator[None]:
    """pyHanko writes revisions without touching the document's Info and XMP."""
    _install_metadata_guard()
    token = _keep_metadata.set(True)
    try:
        yield
    finally:
        _keep_metadata.reset(token)


def _install_metadata_guard() -> None:
    original = BasePdfFileWriter._update_meta
    if hasattr(original, "__wrapped__"):
        return

    @functools.wraps(original)
    def update_meta(self: BasePdfFileWriter) -> None:
        if not _keep_metadata.get():
            original(self)

    BasePdfFileWriter._update_meta = update_meta  # type: ignore[method-assign]


def install_ocsp_certid_filter() -> None:
    """Installed once for the process (idempotent)."""
    original = RevinfoManager.async_retrieve_ocsps
    if hasattr(original, "__wrapped__"):
        return

    @functools.wraps(original)
    async def retrieve(self: RevinfoManager, cert, authority) -> list[OCSPContainer]:
        answers = await original(self, cert, authority)
        if not isinstance(cert, asn1_x509.Certificate):
            return answers
        return [a for a in answers if names_certificate(a, cert, authority)]

    RevinfoManager.async_retrieve_ocsps = retrieve  # type: ignore[method-assign]


def names_certificate(answer: OCSPContainer, cert: asn1_x509.Certificate, authority) -> bool:
    """Whether the OCSP answer's CertID is that of ``cert`` issued by ``authority``."""
    single = answer.extract_single_response()
    if single is None:
        return False
    cert_id = single["cert_id"]
    algorithm = cert_id["hash_algorithm"]["algorithm"].native
    return cert_id["serial_number"].native == cert.serial_number and cert_id[
        "issuer_key_hash"
    ].native == getattr(authority.public_key, algorithm)
