"""Stamps (P 24–26)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field

from ..validation import LayoutData, LocalText, LocalWording, OptionalText


class ReceiptStamp(LayoutData):
    """Prejemna štampiljka (P 24–25). Empty fields print as blanks for handwriting."""

    authority: Annotated[
        LocalWording,
        LocalText(
            120,
            description="Naziv organa javne uprave: the body's name, engraved above the fields.",
        ),
    ]
    received: date | None = Field(
        None, description="Prejeto: the date set on the dater (ISO 8601)."
    )
    sig_code: Annotated[str | None, OptionalText(24, description="Sig. znak.")] = None
    case_code: Annotated[str | None, OptionalText(40, description="Šifra zadeve.")] = None
    value: Annotated[str | None, OptionalText(24, description="Vredn.")] = None
    attachments: Annotated[str | None, OptionalText(24, description="Priloge.")] = None
    with_cc: bool = Field(False, description="Add the optional seventh field V vednost (P 25(3)).")
    cc: Annotated[
        str | None, OptionalText(60, description="V vednost: who receives a copy; implies with_cc.")
    ] = None

    @property
    def shows_cc(self) -> bool:
        return self.with_cc or self.cc is not None


class CertifiedCopyStamp(LayoutData):
    """Štampiljka »kopija enaka izvirniku« (P 26). Empty fields print as dashed blanks."""

    place: Annotated[
        str | None, OptionalText(40, description="Kraj: where the copy was certified.")
    ] = None
    certified_on: date | None = Field(
        None, description="Datum: the date of certification (ISO 8601)."
    )
    official: Annotated[
        str | None,
        OptionalText(60, description="The official's name, printed under the signature line."),
    ] = None
