"""Certification confirmations (P 51)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, get_args

from pydantic import Field, ValidationInfo, field_validator

from ..validation import LayoutData, LocalText, LocalWording, OptionalLocalText, OptionalText, Text

Source = Literal["original", "certified-transcript", "plain-transcript", "copy"]
SOURCES: tuple[Source, ...] = get_args(Source)
Medium = Literal["ink", "typewriter", "computer", "copy-of-original"]
MEDIA: tuple[Medium, ...] = get_args(Medium)
Made = Literal["transcript", "copy"]
MADE: tuple[Made, ...] = get_args(Made)


def _fee(value: Decimal | None) -> str | None:
    return f"{value:.2f}".replace(".", ",") if value is not None else None


class _Certification(LayoutData):
    """What every confirmation of P 51 has: the certifying body at the top; the fee, Št. OV,
    place, date and official at the foot."""

    authority: Annotated[
        LocalWording,
        LocalText(160, description="The body performing the certification, at the top."),
    ]
    fee: Decimal | None = Field(
        None, ge=0, le=100000, decimal_places=2, description="The fee paid."
    )
    currency: Annotated[
        str, Text(8, description="The fee's currency (the regulation of 2005 printed SIT).")
    ] = "EUR"
    number: Annotated[str | None, OptionalText(30, description="Št. OV.")] = None
    place: Annotated[
        LocalWording | None,
        OptionalLocalText(
            60,
            description="Where certified; in a bilingual request the official name in "
            'each language, e.g. {"sl": "Koper", "it": "Capodistria"}.',
        ),
    ] = None
    certified_on: date | None = Field(None, description="When (ISO 8601).")
    official: Annotated[
        str | None, OptionalText(80, description="The official's name, under 'uradna oseba'.")
    ] = None

    def _foot(self) -> dict:
        return {
            "fee": _fee(self.fee),
            "currency": self.currency,
            "number": self.number,
            "place": self.place,
            "certified_on": self.certified_on,
        }


class CopyCertification(_Certification):
    """Potrdilo o overitvi prepisa ali kopije (P 51(3)). Each choice names one of the
    regulation's alternatives; the others are struck through on the confirmation."""

    source: Source | None = Field(
        None,
        description=(
            "prepis originalne listine – overjenega prepisa – navadnega prepisa – kopije listine."
        ),
    )
    document: Annotated[
        LocalWording | None, OptionalLocalText(200, description="The document certified.")
    ] = None
    medium: Medium | None = Field(
        None, description="s črnilom – na pisalni stroj – z računalnikom – kopija izvirnika."
    )
    pages: int | None = Field(None, ge=1, le=9999, description="How many pages the document has.")
    made: Made | None = Field(None, description="prepis – kopija: what was made.")
    held_at: Annotated[
        LocalWording | None,
        OptionalLocalText(
            200, description="Where, as the party states, the document copied is kept."
        ),
    ] = None

    def blanks(self) -> dict[str, Any]:
        return {
            "source": SOURCES.index(self.source) if self.source else None,
            "medium": MEDIA.index(self.medium) if self.medium else None,
            "made": MADE.index(self.made) if self.made else None,
            "document": self.document,
            "pages": str(self.pages) if self.pages else None,
            "held_at": self.held_at,
            **self._foot(),
        }


class Person(LayoutData):
    """A person as the confirmation names one: (priimek, ime, prebivališče)."""

    surname: Annotated[str, Text(60, description="Priimek.")]
    given_name: Annotated[str, Text(60, description="Ime.")]
    residence: Annotated[str, Text(120, description="Prebivališče.")]

    @property
    def line(self) -> str:
        return f"{self.surname} {self.given_name}, {self.residence}"


class Party(Person):
    gender: Literal["male", "female"] = Field(
        description="Sets the endings: podpisal – podpisala, imenovanega – imenovane; with several "
        "parties, "
        "the feminine plural only when every party is female (podpisale), else podpisali."
    )


Act = Literal["signed", "acknowledged"]
ACTS: tuple[Act, ...] = get_args(Act)
Identity = Literal["acquaintance", "identity-card", "passport", "witnesses"]
IDENTITY: tuple[Identity, ...] = get_args(Identity)
IdentityDocument = Literal["identity-card", "passport"]
DOCUMENTS: tuple[IdentityDocument, ...] = get_args(IdentityDocument)
WitnessMeans = Literal["identity-card", "passport", "acquaintance"]
WITNESS_MEANS: tuple[WitnessMeans, ...] = get_args(WitnessMeans)


class SignatureCertification(_Certification):
    """Potrdilo o overitvi lastnoročnega podpisa (P 51(2)). Each choice names one of the
    regulation's alternatives; the others are struck through. *je – so* follows the number of
    parties; the endings (*podpisal…*, *imenovan…*) their gender and number."""

    parties: list[Party] = Field(
        default_factory=list,
        max_length=4,
        description="Whose signature: one (je) or more (so); none leaves the lines blank.",
    )
    act: Act | None = Field(
        None,
        description=(
            "lastnoročno podpisal… to listino (signed) – priznal… podpis na tej listini za svojega "
            "(acknowledged)."
        ),
    )
    identity: Identity | None = Field(
        None,
        description=(
            "How identity was established: osebno znanstvo (acquaintance), osebna izkaznica "
            "(identity-card), potni list (passport), priče (witnesses)."
        ),
    )
    document_number: Annotated[
        str | None, OptionalText(30, description="The identity card's or passport's number (št.).")
    ] = None
    issued_on: date | None = Field(
        None, description="When the identity card or passport was issued."
    )
    issued_by: Annotated[
        LocalWording | None, OptionalLocalText(100, description="Who issued it (izdal).")
    ] = None
    witnesses: list[Person] = Field(
        default_factory=list, max_length=3, description="The witnesses (s pričami)."
    )
    witnesses_identified: Annotated[
        LocalWording | None,
        OptionalLocalText(160, description="How the witnesses' identity was established."),
    ] = None
    witnesses_identified_by: WitnessMeans | None = Field(
        None,
        description=(
            "Or one of the usual ways, printed in each language from the catalogs: z osebno "
            "izkaznico (identity-card), s potnim listom (passport), na podlagi osebnega znanstva "
            "(acquaintance); instead of witnesses_identified."
        ),
    )

    @field_validator("document_number", "issued_on", "issued_by")
    @classmethod
    def _document_only(cls, value, info: ValidationInfo):
        if value is not None and info.data.get("identity") not in DOCUMENTS:
            raise ValueError(
                "belongs to an identity card or passport: set identity to identity-card or passport"
            )
        return value

    @field_validator("witnesses", "witnesses_identified", "witnesses_identified_by")
    @classmethod
    def _witnesses_only(cls, value, info: ValidationInfo):
        if value and info.data.get("identity") != "witnesses":
            raise ValueError(
                "belongs to identity established by witnesses: set identity to witnesses"
            )
        if (
            value
            and info.field_name == "witnesses_identified_by"
            and info.data.get("witnesses_identified")
        ):
            raise ValueError(
                "give either witnesses_identified (the wording) or witnesses_identified_by, not "
                "both"
            )
        return value

    @property
    def form(self) -> int | None:
        """The index of the endings' form: 0 one man, 1 one woman, 2 several (a man among
        them), 3 several women; None without parties."""
        if not self.parties:
            return None
        female = all(p.gender == "female" for p in self.parties)
        return (2 if len(self.parties) > 1 else 0) + (1 if female else 0)

    def blanks(self) -> dict[str, Any]:
        return {
            "plural": None if not self.parties else int(len(self.parties) > 1),
            "party": self.form,
            "act": ACTS.index(self.act) if self.act else None,
            "identity": (0, 1, 1, 2)[IDENTITY.index(self.identity)] if self.identity else None,
            "document": DOCUMENTS.index(self.identity) if self.identity in DOCUMENTS else None,
            "document_number": self.document_number,
            "issued_on": self.issued_on,
            "issued_by": self.issued_by,
            "witnesses_identified": self.witnesses_identified,
            **self._foot(),
        }
