"""Stamps (P 24–26)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from ..validation import LayoutData, local_text, optional_text


class ReceiptStamp(LayoutData):
    """Prejemna štampiljka (P 24–25). Empty fields print as blanks for handwriting."""

    authority: local_text(
        120, description="Naziv organa javne uprave: the body's name, engraved above the fields."
    )
    received: date | None = Field(
        None, description="Prejeto: the date set on the dater (ISO 8601)."
    )
    sig_code: optional_text(24, description="Sig. znak.") = None
    case_code: optional_text(40, description="Šifra zadeve.") = None
    value: optional_text(24, description="Vredn.") = None
    attachments: optional_text(24, description="Priloge.") = None
    with_cc: bool = Field(False, description="Add the optional seventh field V vednost (P 25(3)).")
    cc: optional_text(60, description="V vednost: who receives a copy; implies with_cc.") = None

    @property
    def shows_cc(self) -> bool:
        return self.with_cc or self.cc is not None


class CertifiedCopyStamp(LayoutData):
    """Štampiljka »kopija enaka izvirniku« (P 26). Empty fields print as dashed blanks."""

    place: optional_text(40, description="Kraj: where the copy was certified.") = None
    certified_on: date | None = Field(
        None, description="Datum: the date of certification (ISO 8601)."
    )
    official: optional_text(
        60, description="The official's name, printed under the signature line."
    ) = None
