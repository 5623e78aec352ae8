"""The complaint and praise book (P 2–6) and the certification book (P 46–50)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from ..validation import LayoutData, LocalText, LocalWording, OptionalText, Text

COMPLAINT_BOOK_PAGES = 100  # P 2


class NoData(LayoutData):
    """A page with nothing variable on it (a cover, the endpaper notice)."""


class BookTitle(LayoutData):
    """An inner title page; the body's name is written above the bottom rule (P 4(2), 48(1))."""

    authority: (
        Annotated[
            LocalWording,
            LocalText(160, description="The body that keeps the book; blank to write it by hand."),
        ]
        | None
    ) = None


class ComplaintBookPage(LayoutData):
    page_number: int = Field(
        1, ge=1, le=COMPLAINT_BOOK_PAGES, description="The number printed on the page."
    )

    @property
    def first_number(self) -> int:
        return self.page_number


class CertificationBook(BookTitle):
    spreads: int = Field(
        50,
        ge=1,
        le=250,
        description=(
            "How many two-page spreads of the register the book has (its pages are numbered 1 to 2"
            " x spreads)."
        ),
    )

    @property
    def repeat_count(self) -> int:
        return self.spreads


class CertificationBookSpread(LayoutData):
    first_page: int = Field(1, ge=1, le=9999, description="The number of the spread's left page.")

    @property
    def first_number(self) -> int:
        return self.first_page


REGISTER_ROWS = 12  # entries per spread: one row across the two facing pages
#: The API draws the entries directly (press/register.py: 240 entries, 40 pages, in about
#: 0.1 s), but the studio lays the table out, whose time grows faster than the entries
#: (WeasyPrint's table pagination: 240 entries take a few seconds; the body limit alone
#: would let 1,771 in, 28 s unloaded).
MAX_REGISTER_ENTRIES = 240


class RegisterEntry(LayoutData):
    """One certification, with the particulars of art. 216 of the Decree."""

    number: Annotated[str, Text(20, description="Št. OV: the serial number of the certification.")]
    certified_on: date = Field(description="Datum overitve (ISO 8601).")
    party: Annotated[str, Text(160, description="Priimek, ime in prebivališče stranke.")]
    identity: Literal["acquaintance", "identity-card", "passport", "witnesses"] = Field(
        description=(
            "Način ugotovitve istovetnosti: osebno znanstvo, osebna izkaznica, potni list or priče."
        )
    )
    identity_detail: Annotated[
        str | None, OptionalText(120, description="The document's number, or the witnesses' names.")
    ] = None
    kind: Literal["signature", "transcript", "copy"] = Field(
        description="Vrsta overitve: podpis, prepis or kopija."
    )
    document: Annotated[str, Text(120, description="Listina: the document certified.")]
    pages_or_copies: Annotated[
        str, Text(20, description="Število strani oziroma izvodov, e.g. '3 strani'.")
    ]
    fee: Annotated[
        str | None,
        OptionalText(24, description="Upravna taksa, with its currency, e.g. '4,50 EUR'."),
    ] = None
    official: Annotated[str, Text(60, description="Uradna oseba.")]
    remarks: Annotated[str | None, OptionalText(160, description="Opombe.")] = None


class CertificationRegister(LayoutData):
    """The register of a period printed on the book's spreads (P 49): every entry once, in
    the order given, 12 to a spread; a row never splits across pages."""

    entries: list[RegisterEntry] = Field(
        min_length=1,
        max_length=MAX_REGISTER_ENTRIES,
        description=(
            f"At most {MAX_REGISTER_ENTRIES} entries "
            f"({2 * MAX_REGISTER_ENTRIES // REGISTER_ROWS} pages) a request, so that it renders "
            "within the request deadline; print a longer register in parts, each with its "
            "first_page."
        ),
    )
    first_page: int = Field(1, ge=1, le=9999, description="The number of the first (left) page.")

    rows_per_spread: ClassVar[int] = REGISTER_ROWS

    @property
    def spreads(self) -> list[list[RegisterEntry]]:
        return [
            self.entries[i : i + REGISTER_ROWS] for i in range(0, len(self.entries), REGISTER_ROWS)
        ]

    @property
    def page_count(self) -> int:
        return 2 * len(self.spreads)

    @property
    def repeat_count(self) -> int:
        """The blank spreads the register is printed on (its ``[cells]``)."""
        return len(self.spreads)

    @property
    def first_number(self) -> int:
        return self.first_page
