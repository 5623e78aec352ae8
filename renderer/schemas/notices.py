"""Notices an office must display (U 10(4), 15(2), 56–60, 63(3), 65)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from annotated_types import GroupedMetadata
from pydantic import Field, ValidationInfo, field_validator
from pydantic.functional_validators import PlainValidator
from pydantic.json_schema import WithJsonSchema

from ..validation import (
    FieldError,
    LayoutData,
    LocalText,
    LocalWording,
    OptionalText,
    clean_text,
    pointer,
)

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
INTERVAL = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]|24):([0-5]\d)$")


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60}.{minutes % 60:02d}"


class Interval(tuple):
    """(start, end) in minutes after midnight."""

    @property
    def start(self) -> int:
        return self[0]

    @property
    def end(self) -> int:
        return self[1]

    def __str__(self) -> str:
        return f"{_hhmm(self.start)}–{_hhmm(self.end)}"


class Week(LayoutData):
    """Hours of each day as "HH:MM-HH:MM" intervals, in order, not overlapping."""

    monday: list[str] = Field(default_factory=list, max_length=4)
    tuesday: list[str] = Field(default_factory=list, max_length=4)
    wednesday: list[str] = Field(default_factory=list, max_length=4)
    thursday: list[str] = Field(default_factory=list, max_length=4)
    friday: list[str] = Field(default_factory=list, max_length=4)
    saturday: list[str] = Field(default_factory=list, max_length=4)

    @field_validator(*DAYS)
    @classmethod
    def _intervals(cls, value: list[str]) -> list[str]:
        previous_end = -1
        for item in value:
            match = INTERVAL.match(item.strip()) if isinstance(item, str) else None
            if not match:
                raise ValueError(f"{item!r} is not an interval like 08:00-15:00")
            start, end = _minutes(item[:5]), _minutes(item.strip()[6:])
            if end <= start:
                raise ValueError(f"{item!r} ends before it starts")
            if start < previous_end:
                raise ValueError(f"{item!r} overlaps or precedes the interval before it")
            previous_end = end
        return [item.strip() for item in value]

    def intervals(self, day: str) -> list[Interval]:
        return [Interval((_minutes(i[:5]), _minutes(i[6:]))) for i in getattr(self, day)]

    def days(self) -> list[tuple[str, list[Interval]]]:
        """The days that have hours, Monday first."""
        return [(day, self.intervals(day)) for day in DAYS if getattr(self, day)]


#: U 58(1): administrative units hold office hours at least Mon, Tue 8–15, Wed 8–18, Fri 8–13;
#: Mon–Wed continuously, unless there is no office hour from 12 to 13 (a break for lunch).
UE_MINIMUM = {
    "monday": (480, 900),
    "tuesday": (480, 900),
    "wednesday": (480, 1080),
    "friday": (480, 780),
}
UE_BREAK = (720, 780)
UE_BREAK_DAYS = ("monday", "tuesday", "wednesday")


class OfficeHours(LayoutData):
    """Delovni čas, uradne ure in uradne ure po telefonu (U 65(1))."""

    authority: Annotated[
        LocalWording, LocalText(120, description="The body whose hours these are.")
    ]
    kind: Literal["administrative-unit", "other"] = Field(
        "other",
        description="administrative-unit: the schedule is checked against U 58(1) and U 57(3).",
    )
    working_hours: Week = Field(description="Delovni čas (poslovni čas).")
    office_hours: Week = Field(description="Uradne ure.")
    phone_hours: Week | None = Field(None, description="Uradne ure po telefonu.")
    phone: Annotated[
        str | None,
        OptionalText(40, description="Telefonska številka uradnih ur po telefonu (U 59(3))."),
    ] = None
    strict: bool = Field(
        False, description="Refuse (422) a schedule with findings instead of reporting them."
    )

    def findings_refuse(self) -> bool:
        return self.strict

    def findings(self) -> list[FieldError]:
        if self.kind != "administrative-unit":
            return []
        found = []
        for day, (start, end) in UE_MINIMUM.items():
            missing = _uncovered(self.office_hours.intervals(day), start, end, day in UE_BREAK_DAYS)
            if missing:
                found.append(
                    FieldError(
                        pointer("data", "office_hours", day),
                        f"U 58(1): an administrative unit holds office hours on this day from "
                        f"{_hhmm(start)} to "
                        f"{_hhmm(end)}"
                        + (" (a break 12.00–13.00 is allowed)" if day in UE_BREAK_DAYS else "")
                        + f"; not covered: {', '.join(missing)}",
                    )
                )
        for day, intervals in self.office_hours.days():
            for reason in _u57_3(intervals):
                found.append(FieldError(pointer("data", "office_hours", day), reason))
        return found


def _uncovered(intervals: list[Interval], start: int, end: int, break_allowed: bool) -> list[str]:
    """The parts of start–end no interval covers (the lunch break excepted where allowed)."""
    gaps, cursor = [], start
    for interval in sorted(intervals):
        if interval.end <= cursor:
            continue
        if interval.start > cursor:
            gaps.append((cursor, min(interval.start, end)))
        cursor = max(cursor, interval.end)
        if cursor >= end:
            break
    if cursor < end:
        gaps.append((cursor, end))
    if break_allowed:  # the break is not a gap: cut it out of every gap
        gaps = [
            part
            for gap in gaps
            for part in ((gap[0], min(gap[1], UE_BREAK[0])), (max(gap[0], UE_BREAK[1]), gap[1]))
        ]
    return [str(Interval(g)) for g in gaps if g[1] > g[0]]


def _u57_3(intervals: list[Interval]) -> list[str]:
    """U 57(3): morning hours start by 9.00 and end no earlier than 12.00; afternoon hours
    start no earlier than 14.00, end no earlier than 16.00 and last at least 2 hours. A
    session resuming by 13.00 after the 12.00–13.00 break continues the morning (U 58(1))."""
    reasons, previous = [], None
    for interval in intervals:
        resumes_after_break = (
            previous is not None and previous.end >= UE_BREAK[0] and interval.start <= UE_BREAK[1]
        )
        if interval.start < 720 and not resumes_after_break:
            if interval.start > 540:
                reasons.append(
                    f"U 57(3): morning office hours must start by 9.00, not at "
                    f"{_hhmm(interval.start)}"
                )
            if interval.end < 720:
                reasons.append(
                    f"U 57(3): morning office hours must not end before 12.00 ({interval})"
                )
        elif interval.start >= 720 and not resumes_after_break:
            if interval.start < 840:
                reasons.append(
                    f"U 57(3): afternoon office hours must not start before 14.00 ({interval})"
                )
            if interval.end < 960:
                reasons.append(
                    f"U 57(3): afternoon office hours must not end before 16.00 ({interval})"
                )
            if interval.end - interval.start < 120:
                reasons.append(
                    f"U 57(3): afternoon office hours last at least 2 hours ({interval})"
                )
        previous = interval
    return reasons


@dataclass(frozen=True)
class LocalLines(GroupedMetadata):
    """``Annotated[dict[str, list[str]], LocalLines(80, 5, description=…)]``: lines (an
    address) that may differ by language: a list of lines, printed the same in every
    language, or an object with each language's list, ``{"sl": [...], "it": [...]}``. The
    validated value is a dict of each language's lines in the request's order."""

    length: int
    most: int
    description: str = ""

    def __iter__(self) -> Iterator[object]:
        length, most = self.length, self.most

        def lines(value: Any, where: str) -> list[str]:
            if not isinstance(value, list) or not 1 <= len(value) <= most:
                raise ValueError(f"{where}must be a list of 1 to {most} lines")
            result = []
            for number, line in enumerate(value, 1):
                try:
                    result.append(clean_text(line, length))
                except ValueError as exc:
                    raise ValueError(f"{where}line {number} {exc}") from None
            return result

        def validate(value: Any, info: ValidationInfo) -> dict[str, list[str]]:
            languages = (info.context or {}).get("languages", ("sl",))
            if isinstance(value, list):
                same = lines(value, "")
                return {lang: same for lang in languages}
            if not isinstance(value, dict):
                raise ValueError(
                    "must be a list of lines or an object of such lists keyed by language"
                )
            if set(value) != set(languages):
                raise ValueError(
                    "must give the lines in exactly the request's languages "
                    f"({', '.join(languages)})"
                )
            return {lang: lines(value[lang], f"[{lang}] ") for lang in languages}

        one = {
            "type": "array",
            "minItems": 1,
            "maxItems": most,
            "items": {"type": "string", "minLength": 1, "maxLength": length},
        }
        schema: dict[str, Any] = {
            "anyOf": [
                one,
                {
                    "type": "object",
                    "properties": {lang: one for lang in ("sl", "it", "hu")},
                    "required": ["sl"],
                    "additionalProperties": False,
                },
            ]
        }
        if self.description:
            schema["description"] = self.description
        yield PlainValidator(validate)
        yield WithJsonSchema(schema)


class ComplaintRightNotice(LayoutData):
    """Oznaka pravice do zapisa v knjigo pripomb in pohval (U 15(2))."""

    authority: Annotated[
        LocalWording, LocalText(120, description="The body whose premises display the notice.")
    ]
    inspection_address: Annotated[
        dict[str, list[str]],
        LocalLines(
            80,
            5,
            description=(
                "Uradni naslov upravne inšpekcije, one item per line (e.g. body, street, post code"
                " and town, e-mail); "
                "in a bilingual request the same lines for both languages or each language's lines."
            ),
        ),
    ]

    @property
    def address_parts(self) -> list[tuple[str | None, list[str]]]:
        """(language, lines) to print: once when every language has the same lines."""
        blocks: list[tuple[str | None, list[str]]] = list(self.inspection_address.items())
        if len({tuple(lines) for _, lines in blocks}) == 1:
            return [(None, blocks[0][1])]
        return blocks


class DiscretionZone(LayoutData):
    """Oznaka polja diskretnosti (U 10(4), 63(3))."""

    note: (
        Annotated[
            LocalWording,
            LocalText(
                160, description="An optional line under the marking, in the body's own words."
            ),
        ]
        | None
    ) = None
