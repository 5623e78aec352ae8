"""The visible signature stamp (the appearance of a PAdES signature field)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from ..validation import LayoutData, OptionalText, Text


class SignatureStamp(LayoutData):
    signer: Annotated[str, Text(80, description="Who signs: the certificate's common name.")]
    signed_at: datetime = Field(description="When (ISO 8601).")
    reason: Annotated[
        str | None, OptionalText(80, description="Razlog: why the document is signed.")
    ] = None
    verify_url: Annotated[
        str | None,
        OptionalText(200, description="Where the signature can be checked; printed as a QR code."),
    ] = None
