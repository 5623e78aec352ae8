"""Certification confirmations (P 51)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal, Optional

from pydantic import Field

from ..schema import LayoutData, local_text, optional_text, text

SOURCES = ("original", "certified-transcript", "plain-transcript", "copy")
MEDIA = ("ink", "typewriter", "computer", "copy-of-original")
MADE = ("transcript", "copy")


class CopyCertification(LayoutData):
    """Potrdilo o overitvi prepisa ali kopije (P 51(3)). Each choice names one of the
    regulation's alternatives; the others are struck through on the confirmation."""

    authority: local_text(160, description="The body performing the certification, at the top.")
    source: Optional[Literal[SOURCES]] = Field(None, description="prepis originalne listine – overjenega prepisa – navadnega prepisa – kopije listine.")
    document: optional_text(200, description="The document certified.") = None
    medium: Optional[Literal[MEDIA]] = Field(None, description="s črnilom – na pisalni stroj – z računalnikom – kopija izvirnika.")
    pages: Optional[int] = Field(None, ge=1, le=9999, description="How many pages the document has.")
    made: Optional[Literal[MADE]] = Field(None, description="prepis – kopija: what was made.")
    held_at: optional_text(200, description="Where, as the party states, the document copied is kept.") = None
    fee: Optional[Decimal] = Field(None, ge=0, le=100000, decimal_places=2, description="The fee paid.")
    currency: text(8, description="The fee's currency (the regulation of 2005 printed SIT).") = "EUR"
    number: optional_text(30, description="Št. OV.") = None
    place: optional_text(60, description="Where certified.") = None
    certified_on: Optional[date] = Field(None, description="When (ISO 8601).")
    official: optional_text(80, description="The official's name, under 'uradna oseba'.") = None

    def blanks(self) -> dict:
        return {
            "source": SOURCES.index(self.source) if self.source else None,
            "medium": MEDIA.index(self.medium) if self.medium else None,
            "made": MADE.index(self.made) if self.made else None,
            "document": self.document,
            "pages": str(self.pages) if self.pages else None,
            "held_at": self.held_at,
            "fee": f"{self.fee:.2f}".replace(".", ",") if self.fee is not None else None,
            "currency": self.currency,
            "number": self.number,
            "place": self.place,
            "certified_on": f"{self.certified_on.day}. {self.certified_on.month}. {self.certified_on.year}"
            if self.certified_on else None,
        }
