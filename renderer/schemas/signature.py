"""The visible signature stamp (the appearance of a PAdES signature field)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from ..validation import LayoutData, optional_text, text


class SignatureStamp(LayoutData):
    signer: text(80, description="Who signs: the certificate's common name.")
    signed_at: datetime = Field(description="When (ISO 8601).")
    reason: optional_text(80, description="Razlog: why the document is signed.") = None
    verify_url: optional_text(
        200, description="Where the signature can be checked; printed as a QR code."
    ) = None
