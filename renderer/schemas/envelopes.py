"""Envelopes (P 27–34)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator

from ..barcodes import S10, s10_problem
from ..validation import LayoutData, OptionalText, Text

CODE128_TEXT = re.compile(r"^[\x20-\x7e]+$")  # what Code 128 set B prints one to one


class PersonalDeliveryEnvelope(LayoutData):
    """Ovojnica za osebno vročanje (P 28–34): the sender's variable data, printed in black."""

    envelope_size: Literal["C5", "DL"] = Field(
        "C5",
        description="C5 (229 x 162 mm, default): the full geometry of P 29–31, larger than a "
        "standardised letter. DL (220 x 110 mm): a standardised letter (P 28(3)); the boxes of "
        "P 29 and P 30(3) at their size, the slip moved to the extension above the notices (P 33).",
    )
    code: Annotated[str | None, OptionalText(40, description="ŠIFRA: the case's code.")] = None
    content: Annotated[
        str | None, OptionalText(60, description="VSEBINA: what the letter holds (e.g. odločba).")
    ] = None
    sender: list[Annotated[str, Text(60)]] = Field(
        min_length=1,
        max_length=4,
        description=(
            "POŠILJATELJ, also the PREJEMNIK VROČILNICE to whom the slip returns: one item per "
            "line."
        ),
    )
    addressee: list[Annotated[str, Text(60)]] = Field(
        min_length=1,
        max_length=4,
        description="NASLOVNIK, also PREJEMNIK PISMA: one item per line.",
    )
    post_office: str = Field(
        pattern=r"^\d{4}$",
        description=(
            "Številka sprejemne pošte: four digits (e.g. 1102), printed as text under the item's "
            "barcode."
        ),
    )
    item_number: str = Field(
        pattern=S10.pattern,
        description="Številka priporočene pošiljke, UPU S10 (e.g. RR123456785SI): the 60 x 18 mm "
        "boxes' barcode encodes it alone, the 13 characters postal scanners read. The ninth "
        "digit is the S10 check digit of the eight before it (weights 8 6 4 2 3 5 9 7, 11 "
        "less the sum modulo 11; 10 is 0, 11 is 5): a wrong one is a 422.",
    )
    document_number: str = Field(
        min_length=1,
        max_length=24,
        pattern=CODE128_TEXT.pattern,
        description="Številka dokumenta, printed as a Code 128 barcode (ASCII).",
    )

    @field_validator("item_number")
    @classmethod
    def _s10(cls, value: str) -> str:
        problem = s10_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("document_number")
    @classmethod
    def _ascii(cls, value: str) -> str:
        if not CODE128_TEXT.match(value):
            raise ValueError(
                "may hold only printable ASCII characters (letters without diacritics, digits, - /"
                " .)"
            )
        return value


class Wrapper(LayoutData):
    """Ovoj (P 27): sender, addressee and the file reference."""

    sender: list[Annotated[str, Text(60)]] = Field(
        min_length=1, max_length=5, description="Pošiljatelj, one item per line."
    )
    addressee: list[Annotated[str, Text(60)]] = Field(
        min_length=1, max_length=6, description="Naslovnik, one item per line."
    )
    reference: Annotated[
        str | None, OptionalText(40, description="Zadeva / šifra: the file reference.")
    ] = None
