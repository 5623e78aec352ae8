"""Door signs, name and room plates (P 10–12) and the official's badge (U 12)."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from ..validation import LayoutData, LocalText, LocalWording, OptionalText, Text


class UnitDoorSign(LayoutData):
    """Oznaka na vhodnih vratih notranje organizacijske enote (P 10)."""

    authority: Annotated[
        LocalWording, LocalText(120, description="Naziv organa: printed in capitals, centred.")
    ]
    unit: Annotated[
        LocalWording,
        LocalText(120, description="Ime notranje organizacijske enote: under the body's name."),
    ]


class PersonName(LayoutData):
    """A person's name with at most one title: scientific or professional, never both (P 11(3))."""

    name: Annotated[str, Text(60, description="Ime in priimek: one person only.")]
    scientific_title: Annotated[
        str | None,
        OptionalText(
            12, description="Znanstveni naslov, printed before the name (e.g. dr., mag.)."
        ),
    ] = None
    professional_title: Annotated[
        str | None,
        OptionalText(
            40, description="Strokovni naslov, printed after the name (e.g. univ. dipl. prav.)."
        ),
    ] = None

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

    position: Annotated[
        LocalWording, LocalText(80, description="Položaj oziroma naziv: printed in capitals.")
    ]


class RoomPlate(LayoutData):
    """Tablica za označevanje sob (P 12)."""

    number: Annotated[str, Text(12, description="Številka sobe.")]


class OfficialBadge(PersonName):
    """Identifikacijska priponka ali tablica (U 12): personal name and title."""

    title: Annotated[LocalWording, LocalText(80, description="Naziv: the official's title.")]
    authority: (
        Annotated[
            LocalWording, LocalText(120, description="The body the official works for (optional).")
        ]
        | None
    ) = None


# --- facade and directory signs (P 8–9) --------------------------------------------------

MAX_NAME_LEVELS = 4  # with REPUBLIKA SLOVENIJA, the directory sign's five levels (P 9(4))


def _levels(value):
    """A body's name as a list of levels (lines); a single name may be given bare."""
    return [value] if isinstance(value, (str, dict)) else value


class FacadeSign(LayoutData):
    """Tabla na pročelju (P 8): the body's name in one or more levels, under REPUBLIKA SLOVENIJA."""

    authority: list[Annotated[LocalWording, LocalText(120)]] = Field(
        min_length=1,
        max_length=MAX_NAME_LEVELS,
        description=(
            "Naziv organa državne uprave, one item per line (level), printed in bold capitals."
        ),
    )

    @field_validator("authority", mode="before")
    @classmethod
    def _as_levels(cls, value):
        return _levels(value)


class Room(LayoutData):
    number: Annotated[str, Text(12, description="Številka sobe.")]
    purpose: Annotated[
        LocalWording,
        LocalText(
            100,
            description=(
                "Področje dela ali položaj (P 9(5)). Never an employee's name (P 9(6)): the "
                "caller's duty, as a name cannot be told reliably from a field of work."
            ),
        ),
    ]


class Unit(LayoutData):
    name: Annotated[
        LocalWording,
        LocalText(120, description="Notranja organizacijska enota, printed in capitals."),
    ]
    rooms: list[Room] = Field(default_factory=list, max_length=40)


class Floor(LayoutData):
    floor: int = Field(
        ge=-1, le=30, description="-1 klet, 0 pritličje, 1 and up the storey (I. nadstropje, …)."
    )
    units: list[Unit] = Field(min_length=1, max_length=30)


class DirectorySign(LayoutData):
    """Napotilna tabla (P 9). Give ``units``, or ``floors`` when the body uses several floors."""

    # the units-or-floors rule below, said in the JSON Schema too (if/then/else: code
    # generators take it as validation only, where they drop a model's oneOf)
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"required": ["units"], "properties": {"units": {"type": "array"}}},
            "then": {"properties": {"floors": {"type": "null"}}},
            "else": {"required": ["floors"], "properties": {"floors": {"type": "array"}}},
        }
    )

    authority: list[Annotated[LocalWording, LocalText(120)]] = Field(
        min_length=1,
        description=(
            "The body's name, one item per level: with REPUBLIKA SLOVENIJA at most five levels (P "
            "9(4))."
        ),
    )
    units: list[Unit] | None = Field(None, min_length=1, max_length=40)
    floors: list[Floor] | None = Field(None, min_length=1, max_length=20)

    @field_validator("authority", mode="before")
    @classmethod
    def _five_levels(cls, value):
        value = _levels(value)
        if isinstance(value, list) and len(value) > MAX_NAME_LEVELS:
            raise ValueError(
                f"has {len(value) + 1} levels with REPUBLIKA SLOVENIJA; the logotype has at most "
                f"five (P 9(4))"
            )
        return value

    @field_validator("floors")
    @classmethod
    def _distinct_floors(cls, value):
        numbers = [f.floor for f in value or []]
        duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
        if duplicates:
            raise ValueError(f"lists floor {duplicates[0]} more than once")
        return value

    @model_validator(mode="after")
    def _units_or_floors(self):
        if (self.units is None) == (self.floors is None):
            raise ValueError(
                "give either units (one floor) or floors (several floors), not both or neither"
            )
        return self
