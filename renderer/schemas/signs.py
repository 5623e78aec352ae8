"""Door signs, name and room plates (P 10–12) and the official's badge (U 12)."""

from __future__ import annotations

from typing import Optional

from pydantic import Field, ValidationInfo, field_validator

from ..schema import LayoutData, local_text, optional_text, text


class UnitDoorSign(LayoutData):
    """Oznaka na vhodnih vratih notranje organizacijske enote (P 10)."""

    authority: local_text(120, description="Naziv organa: printed in capitals, centred.")
    unit: local_text(120, description="Ime notranje organizacijske enote: under the body's name.")


class PersonName(LayoutData):
    """A person's name with at most one title: scientific or professional, never both (P 11(3))."""

    name: text(60, description="Ime in priimek: one person only.")
    scientific_title: optional_text(12, description="Znanstveni naslov, printed before the name (e.g. dr., mag.).") = None
    professional_title: optional_text(40, description="Strokovni naslov, printed after the name (e.g. univ. dipl. prav.).") = None

    @field_validator("professional_title")
    @classmethod
    def _one_title(cls, value, info: ValidationInfo):
        if value is not None and info.data.get("scientific_title") is not None:
            raise ValueError(
                "a name carries a scientific or a professional title, never both (P 11(3)); "
                "scientific_title is given too"
            )
        return value

    @property
    def display_name(self) -> str:
        parts = [self.scientific_title, self.name.upper()]
        shown = " ".join(p for p in parts if p)
        return f"{shown}, {self.professional_title}" if self.professional_title else shown


class NamePlate(PersonName):
    """Imenska tablica (P 11): one official; no room number."""

    position: local_text(80, description="Položaj oziroma naziv: printed in capitals.")


class RoomPlate(LayoutData):
    """Tablica za označevanje sob (P 12)."""

    number: text(12, description="Številka sobe.")


class OfficialBadge(PersonName):
    """Identifikacijska priponka ali tablica (U 12): personal name and title."""

    title: local_text(80, description="Naziv: the official's title.")
    authority: Optional[local_text(120, description="The body the official works for (optional).")] = None
