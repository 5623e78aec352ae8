"""Electronic messages and e-delivery slips (P 35–44): the values for the blanks."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Any, Literal

from pydantic import Field

from ..validation import LayoutData, LocalWording, OptionalLocalText, OptionalText


class Message(LayoutData):
    """Every blank may stay empty: it then prints as dots with the regulation's hint. Dates
    and times are written as each language writes them; the names of bodies and providers
    may differ by language (the blanks are the fields: ``LayoutData.blanks``)."""


class DeliveryAccepted(Message):
    """P 36: the provider received the document and notified the addressee."""

    provider: Annotated[
        LocalWording | None, OptionalLocalText(160, description="Poslovni ponudnik.")
    ] = None
    received_on: date | None = Field(None, description="When the provider received the document.")
    document_code: Annotated[str | None, OptionalText(60, description="Šifra dokumenta.")] = None
    addressee: Annotated[
        str | None,
        OptionalText(240, description="Naslovnik: ime, priimek, poštni in elektronski naslov."),
    ] = None
    notified_on: date | None = Field(None, description="When the addressee was sent the message.")
    notified_at: time | None = Field(None, description="At what time (HH:MM).")


class DeliverySlip(Message):
    """P 41: the e-delivery slip: the addressee took the document (signed)."""

    addressee: Annotated[
        str | None,
        OptionalText(
            240, description="Ime, priimek, poštni naslov (filled by the information system)."
        ),
    ] = None
    taken_on: date | None = Field(None, description="When the document was taken.")
    taken_at: time | None = Field(None, description="At what time (HH:MM).")
    authority: Annotated[
        LocalWording | None, OptionalLocalText(160, description="The body whose document it is.")
    ] = None
    document_code: Annotated[str | None, OptionalText(60, description="Šifra dokumenta.")] = None
    addressee_gender: Literal["male", "female"] | None = Field(
        None,
        description=(
            "Whether the Italian text says Io sottoscritto or Io sottoscritta (without it: "
            "sottoscritto/a)."
        ),
    )

    def blanks(self) -> dict[str, Any]:
        gender = ("male", "female").index(self.addressee_gender) if self.addressee_gender else None
        return {**super().blanks(), "addressee_gender": gender}


class DeliveryFailed(Message):
    """P 44: delivery failed."""

    addressee: Annotated[
        str | None,
        OptionalText(240, description="Naslovnik: ime, priimek, poštni in elektronski naslov."),
    ] = None
    document_code: Annotated[str | None, OptionalText(60, description="Šifra dokumenta.")] = None


class SlipDeemed(Message):
    """P 42: not taken although the addressee entered the system; delivery deemed done."""

    addressee: Annotated[
        str | None,
        OptionalText(240, description="Naslovnik: ime, priimek, poštni in elektronski naslov."),
    ] = None
    document_code: Annotated[str | None, OptionalText(60, description="Šifra dokumenta.")] = None
    entered_on: date | None = Field(None, description="When the addressee entered the system.")
    entered_at: time | None = Field(None, description="At what time (HH:MM).")


class SlipDeemedAbsent(Message):
    """P 43: not taken and never entered; delivery deemed done."""

    addressee: Annotated[
        str | None,
        OptionalText(240, description="Naslovnik: ime, priimek, poštni in elektronski naslov."),
    ] = None
    document_code: Annotated[str | None, OptionalText(60, description="Šifra dokumenta.")] = None
    first_notice_on: date | None = None
    first_notice_at: time | None = None
    second_notice_on: date | None = None
    second_notice_at: time | None = None
    physical_sent_on: date | None = Field(
        None, description="When the notice in physical form was sent."
    )
    physical_received_on: date | None = Field(None, description="When the addressee received it.")


class UnknownAddress(Message):
    """P 37: the addressee's e-mail address is unknown; the document is deleted."""

    provider: Annotated[
        LocalWording | None, OptionalLocalText(160, description="Poslovni ponudnik.")
    ] = None
    sent_on: date | None = Field(None, description="When the message to the addressee was sent.")
    sent_at: time | None = None
    addressee: Annotated[str | None, OptionalText(160, description="Naslovnik: ime, priimek.")] = (
        None
    )
    email: Annotated[
        str | None, OptionalText(160, description="The addressee's e-mail address.")
    ] = None
    document_code: Annotated[str | None, OptionalText(60, description="Šifra dokumenta.")] = None


class DeliveryNotice(Message):
    """P 38: a document awaits the addressee; take it within 15 days."""

    provider: Annotated[
        LocalWording | None, OptionalLocalText(160, description="Poslovni ponudnik.")
    ] = None
    received_on: date | None = Field(None, description="When the provider received the document.")
    received_at: time | None = None
    authority: Annotated[
        LocalWording | None, OptionalLocalText(160, description="The body whose document it is.")
    ] = None
    document_code: Annotated[str | None, OptionalText(60, description="Šifra dokumenta.")] = None
    web_address: Annotated[
        str | None, OptionalText(200, description="Where the document is taken (spletni naslov).")
    ] = None


class Reminder(DeliveryNotice):
    """P 39 (by e-mail) and P 40 (in physical form): the repeated notice."""

    notified_on: date | None = Field(None, description="When the first message was sent.")
    notified_at: time | None = None
    email: Annotated[
        str | None, OptionalText(160, description="The e-mail address it was sent to.")
    ] = None


class ApplicationReceived(Message):
    """P 35: the body's information system received an application by e-mail."""

    authority: Annotated[
        LocalWording | None,
        OptionalLocalText(
            160, description="The state or other body whose information system received it."
        ),
    ] = None
    received_on: date | None = Field(None, description="When the application was received.")
    received_at: time | None = Field(None, description="At what time (HH:MM).")
    applicant: Annotated[
        str | None,
        OptionalText(240, description="Vložnik: osebno ime, poštni in elektronski naslov."),
    ] = None
    title: Annotated[
        str | None, OptionalText(240, description="Naslov vloge: the application's title.")
    ] = None
