"""PAdES baseline signatures (B-B, B-T, B-LT, B-LTA) of a PDF, incrementally, with pyHanko.

Signed PDF/A stays PDF/A: the signature field has an appearance stream and the print flag
(``appearance``), and pyHanko is kept from rewriting the document's Info/XMP, which the
finisher wrote consistent with each other (``compat.document_metadata_kept``). A trust
service that fails raises ServiceFailure: nothing below the asked level is returned.
"""

from __future__ import annotations

from io import BytesIO

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.stamp import NoOpStampStyle

from .appearance import add_signature_field
from .compat import document_metadata_kept
from .config import LEVELS, VisibleStamp
from .errors import ServiceFailure, service_failure
from .signer import LoadedProfile

FIELD_NAME = "Signature1"
TIMESTAMP_FIELD = "DocTimeStamp1"
RESERVE = {"B-B": 12_288, "B-T": 20_480, "B-LT": 20_480, "B-LTA": 20_480}  # bytes for the CMS
TSA_TIMEOUT_S = 10


def sign_pdf(
    pdf_bytes: bytes, loaded: LoadedProfile, level: str, stamp: VisibleStamp | None = None
) -> bytes:
    """Sign ``pdf_bytes`` (incrementally) at ``level``, invisibly or with ``stamp``; raises
    ServiceFailure if a trust service fails, so nothing below the asked level is returned."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    profile = loaded.profile
    timestamper = None
    if level != "B-B":
        if not profile.tsa_url:
            raise ServiceFailure(
                "TSA", f"profile {profile.name} has no TSA configured, {level} needs one", False
            )
        timestamper = HTTPTimeStamper(profile.tsa_url, timeout=TSA_TIMEOUT_S)
    long_term = level in ("B-LT", "B-LTA")
    fetch_failures: list[Exception] = []
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=profile.reason,
        location=profile.location,
        embed_validation_info=long_term,
        validation_context=loaded.signing_context(fetch_failures) if long_term else None,
    )
    out = BytesIO()
    with document_metadata_kept():
        writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes))
        add_signature_field(writer, FIELD_NAME, stamp)
        try:
            signers.PdfSigner(
                meta, signer=loaded.signer, timestamper=timestamper, stamp_style=NoOpStampStyle()
            ).sign_pdf(writer, output=out, bytes_reserved=RESERVE[level])
            if level == "B-LTA":  # a document timestamp over the signature and its DSS
                assert timestamper is not None
                out = _document_timestamp(out.getvalue(), loaded, timestamper, fetch_failures)
        except Exception as exc:
            failure = service_failure(exc, fetch_failures)
            if failure is None:
                raise
            raise failure from exc
    return out.getvalue()


def _document_timestamp(
    pdf_bytes: bytes,
    loaded: LoadedProfile,
    timestamper: HTTPTimeStamper,
    fetch_failures: list[Exception],
) -> BytesIO:
    """B-LTA's document timestamp, in a field we create (pyHanko's own has no appearance
    stream, which PDF/A forbids); the TSA's validation data goes into the DSS."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes))
    add_signature_field(writer, TIMESTAMP_FIELD, timestamp=True)
    out = BytesIO()
    signers.PdfTimeStamper(timestamper, field_name=TIMESTAMP_FIELD).timestamp_pdf(
        writer,
        "sha256",
        validation_context=loaded.signing_context(fetch_failures),
        output=out,
        bytes_reserved=RESERVE["B-LTA"],
    )
    return out
