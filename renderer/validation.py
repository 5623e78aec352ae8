"""Request validation: the envelope every layout shares and the field types layouts use.

A layout's data model is a pydantic model built from these types (see ``renderer/schemas``).
Every failure becomes a ``FieldError`` with a JSON pointer into the request body, so the
HTTP layer can answer 422 naming each field and the reason.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from annotated_types import GroupedMetadata
from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo
from pydantic.functional_validators import PlainValidator
from pydantic.json_schema import WithJsonSchema
from pydantic_core import ErrorDetails

from .fonts import FONTS
from .options import LANGUAGE_SETS, Limits

#: Municipalities where Italian or Hungarian is an official language too (P 6, 13, 45, 51(4)).
#: Keys are lower case; both the Slovenian and the Italian or Hungarian names are accepted.
AREA_LANGUAGES = {
    **{
        m: ("sl", "it")
        for m in (
            "koper",
            "capodistria",
            "izola",
            "isola",
            "piran",
            "pirano",
            "ankaran",
            "ancarano",
        )
    },
    **{
        m: ("sl", "hu")
        for m in (
            "lendava",
            "lendva",
            "dobrovnik",
            "dobronak",
            "hodoš",
            "hodos",
            "moravske toplice",
            "šalovci",
        )
    },
}


@dataclass(frozen=True)
class FieldError:
    pointer: str  # RFC 6901 JSON pointer into the request body
    reason: str


class InvalidRequest(Exception):
    """The request cannot be rendered; each error names a field."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.pointer or '/'}: {e.reason}" for e in errors))
        self.errors = errors


def pointer(*parts: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


# --- field types ------------------------------------------------------------------------


def clean_text(value: Any, max_length: int, *, required: bool = True) -> str:
    """Normalise one string and refuse what cannot be printed faithfully."""
    if not isinstance(value, str):
        raise ValueError("must be a string")
    text = unicodedata.normalize("NFC", value).strip()
    if required and not text:
        raise ValueError("must not be empty")
    if len(text) > max_length:
        raise ValueError(f"is {len(text)} characters long; the limit is {max_length}")
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") and ch != " ":
            raise ValueError(f"contains the control character U+{ord(ch):04X}")
        if ord(ch) not in FONTS.codepoints:
            raise ValueError(
                f"contains {ch!r} (U+{ord(ch):04X}), which the layout's fonts cannot print"
            )
    return text


#: The validated value of wording that differs by language: the text by language, in the
#: request's order.
LocalWording = dict[str, str]


def _with_description(schema: dict, description: str) -> dict:
    return {**schema, "description": description} if description else schema


@dataclass(frozen=True)
class Text(GroupedMetadata):
    """``Annotated[str, Text(60, description=…)]``: a plain string printed the same in every
    language (a personal name, a code, a date).

    The four field types are pydantic metadata (a validator and the field's JSON Schema)
    in an ``Annotated`` whose first argument is the validated type, so that type checkers
    see the field's real type."""

    max_length: int
    description: str = ""

    def __iter__(self) -> Iterator[object]:
        max_length = self.max_length

        def validate(value: Any) -> str:
            return clean_text(value, max_length)

        schema = {"type": "string", "minLength": 1, "maxLength": max_length}
        yield PlainValidator(validate)
        yield WithJsonSchema(_with_description(schema, self.description))


@dataclass(frozen=True)
class OptionalText(GroupedMetadata):
    """``Annotated[str | None, OptionalText(…)] = None``: like ``Text``, for a field that may
    stay blank: null, "" or spaces mean not given."""

    max_length: int
    description: str = ""

    def __iter__(self) -> Iterator[object]:
        max_length = self.max_length

        def validate(value: Any) -> str | None:
            if value is None or (isinstance(value, str) and not value.strip()):
                return None
            return clean_text(value, max_length)

        schema = {
            "anyOf": [
                {"type": "string", "maxLength": max_length},
                {"type": "null"},
            ],
            "default": None,
        }
        yield PlainValidator(validate)
        yield WithJsonSchema(_with_description(schema, self.description))


def _local_wording(value: Any, languages: tuple[str, ...], max_length: int) -> dict[str, str]:
    """An object with the wording in each language of the request, in the request's order."""
    if not isinstance(value, dict):
        raise ValueError("must be a string or an object of strings keyed by language")
    extra = sorted(set(value) - set(languages))
    if extra:
        raise ValueError(f"has wording in {', '.join(extra)}, which the request does not print")
    missing = [lang for lang in languages if lang not in value]
    if missing:
        raise ValueError(f"lacks the wording in {', '.join(missing)}")
    result = {}
    for lang in languages:
        try:
            result[lang] = clean_text(value[lang], max_length)
        except ValueError as exc:
            raise ValueError(f"[{lang}] {exc}") from None
    return result


def _local_schema(max_length: int) -> list[dict]:
    one = {"type": "string", "minLength": 1, "maxLength": max_length}
    return [
        one,
        {
            "type": "object",
            "properties": {lang: one for lang in ("sl", "it", "hu")},
            "required": ["sl"],
            "additionalProperties": False,
        },
    ]


@dataclass(frozen=True)
class LocalText(GroupedMetadata):
    """``Annotated[LocalWording, LocalText(…)]``: wording that differs by language (a body's
    name, a position).

    In a Slovenian-only request a plain string; in a bilingual one an object with the
    wording in each language of the request, e.g. ``{"sl": "…", "it": "…"}``. The
    validated value is always a dict in the request's language order.
    """

    max_length: int
    description: str = ""

    def __iter__(self) -> Iterator[object]:
        max_length = self.max_length

        def validate(value: Any, info: ValidationInfo) -> LocalWording:
            languages = (info.context or {}).get("languages", ("sl",))
            if isinstance(value, str):
                if len(languages) > 1:
                    raise ValueError(
                        "give the wording in each language of the request as an object "
                        f"with the keys {', '.join(languages)}"
                    )
                return {languages[0]: clean_text(value, max_length)}
            return _local_wording(value, languages, max_length)

        schema = {"anyOf": _local_schema(max_length)}
        yield PlainValidator(validate)
        yield WithJsonSchema(_with_description(schema, self.description))


@dataclass(frozen=True)
class OptionalLocalText(GroupedMetadata):
    """``Annotated[LocalWording | None, OptionalLocalText(…)] = None``: a blank that may stay
    empty and may differ by language: null or "" (not given), a plain string (printed
    unchanged in every language: a company's name, a code), or an object with the wording
    in each language of the request (``{"sl": "Koper", "it": "Capodistria"}``). The
    validated value is None or a dict in the request's language order."""

    max_length: int
    description: str = ""

    def __iter__(self) -> Iterator[object]:
        max_length = self.max_length

        def validate(value: Any, info: ValidationInfo) -> LocalWording | None:
            if value is None or (isinstance(value, str) and not value.strip()):
                return None
            languages = (info.context or {}).get("languages", ("sl",))
            if isinstance(value, str):
                text = clean_text(value, max_length)
                return {lang: text for lang in languages}
            return _local_wording(value, languages, max_length)

        schema = {"anyOf": [*_local_schema(max_length), {"type": "null"}], "default": None}
        yield PlainValidator(validate)
        yield WithJsonSchema(_with_description(schema, self.description))


class LayoutData(BaseModel):
    """Base of every layout's data model, with every hook the pipeline asks a layout's data.

    A data model overrides what its layout needs: ``findings`` (checks beyond validity, e.g.
    a schedule against the decree, reported with the document) and ``findings_refuse``
    (whether they refuse it instead: the request's ``strict``); ``page_count`` (a document
    whose page count follows the data, a register); ``repeat_count`` (how often a book's
    repeated page or spread is printed, when its ``[assembly]`` gives no ``count``);
    ``first_number`` (the number its first repeated page is given, when the data says);
    ``blanks`` (the values a message text's blanks are filled from).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    def findings(self) -> list[FieldError]:
        return []

    def findings_refuse(self) -> bool:
        """Whether findings refuse the document (422) rather than travel with it."""
        return False

    @property
    def page_count(self) -> int | None:
        """The rendered document's page count when the data decides it; None: the layout's."""
        return None

    @property
    def repeat_count(self) -> int | None:
        """A book's repetitions of its repeated part when the data decides them."""
        return None

    @property
    def first_number(self) -> int | None:
        """The page number of an assembly's first repeated page when the data decides it."""
        return None

    def blanks(self) -> dict[str, Any]:
        """The values of a message text's blanks by name: by default every field's."""
        return dict(self)


# --- the envelope -------------------------------------------------------------------------


@dataclass(frozen=True)
class ValidRequest:
    languages: tuple[str, ...]
    data: LayoutData
    document_date: datetime | None = None  # as the request gives it; None: the day it is made

    @property
    def created(self) -> datetime:
        """The document's date in its metadata: the request's ``document_date``, else 00:00 UTC
        of the day it is made, so the same request gives the same bytes all day."""
        return self.document_date or datetime.now(UTC).replace(
            hour=0, minute=0, second=0, microsecond=0
        )


DEFAULT_LIMITS = Limits()


def request_json_schema(
    data_model: type[LayoutData], ref_prefix: str = "#/$defs/"
) -> tuple[dict, dict]:
    """JSON Schema of the whole request body for one layout, and the definitions its
    ``$ref``s point to (at ``ref_prefix``: ``#/$defs/`` standalone, or OpenAPI components)."""
    data = data_model.model_json_schema(ref_template=ref_prefix + "{model}")
    definitions = data.pop("$defs", {})
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["data"],
        "properties": {
            "languages": {
                # an array of an enum, not an enum of arrays (nor prefixItems): what code
                # generators read; the order (Slovenian first) is the service's 422
                "description": "Slovenian alone or Slovenian first with Italian or Hungarian: "
                + ", ".join(json.dumps(list(s)) for s in LANGUAGE_SETS),
                "type": "array",
                "items": {"enum": sorted({lang for s in LANGUAGE_SETS for lang in s})},
                "contains": {"const": "sl"},
                "minItems": 1,
                "maxItems": max(len(s) for s in LANGUAGE_SETS),
                "uniqueItems": True,
            },
            "area": {
                "description": "A municipality; its official languages are used when "
                "'languages' is absent (e.g. Koper → sl, it; Lendava → sl, hu).",
                "type": "string",
            },
            "document_date": {
                "description": "The document's date in its metadata (Info, XMP), ISO 8601: a date "
                "(00:00 UTC) or a date-time with its offset. Default: 00:00 UTC of the day the "
                "request is made, so the same request gives byte-identical output all that day.",
                "type": "string",
                "anyOf": [{"format": "date"}, {"format": "date-time"}],
            },
            "data": data,
        },
    }
    return schema, definitions


def validate_request(
    data_model: type[LayoutData], body: Any, limits: Limits = DEFAULT_LIMITS
) -> ValidRequest:
    if not isinstance(body, dict):
        raise InvalidRequest([FieldError("", "the request body must be a JSON object")])
    errors = [
        FieldError(
            pointer(key), "is not a known member (expected languages, area, document_date, data)"
        )
        for key in body
        if key not in ("languages", "area", "document_date", "data")
    ]
    languages = _languages(body, errors)
    document_date = _document_date(body, errors)
    if "data" not in body:
        errors.append(FieldError("/data", "is required"))
    elif not isinstance(body["data"], dict):
        errors.append(FieldError("/data", "must be a JSON object"))
    if errors:
        raise InvalidRequest(errors)
    try:
        data = data_model.model_validate(body["data"], context={"languages": languages})
    except ValidationError as exc:
        raise InvalidRequest(
            [FieldError(pointer("data", *e["loc"]), _reason(e)) for e in exc.errors()]
        ) from None
    return ValidRequest(languages, data, document_date)


def _document_date(body: dict, errors: list[FieldError]) -> datetime | None:
    value = body.get("document_date")
    if value is None:
        return None
    try:
        if isinstance(value, str) and len(value.strip()) == 10:
            day = date.fromisoformat(value.strip())
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = (
            datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            if isinstance(value, str)
            else None
        )
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        errors.append(
            FieldError(
                "/document_date",
                "must be an ISO 8601 date (2026-11-20) or a date-time with "
                "its offset (2026-11-20T09:30:00+01:00)",
            )
        )
        return None
    return moment.astimezone(UTC).replace(microsecond=0)


def _languages(body: dict, errors: list[FieldError]) -> tuple[str, ...]:
    if "languages" in body:
        value = body["languages"]
        if isinstance(value, list) and tuple(value) in LANGUAGE_SETS:
            return tuple(value)
        allowed = ", ".join(str(list(s)).replace("'", '"') for s in LANGUAGE_SETS)
        errors.append(FieldError("/languages", f"must be one of {allowed}"))
        return ("sl",)
    if "area" in body:
        area = body["area"]
        key = area.strip().lower() if isinstance(area, str) else None
        if key in AREA_LANGUAGES:
            return AREA_LANGUAGES[key]
        if isinstance(area, str) and area.strip():
            return ("sl",)  # a municipality with Slovenian as its only official language
        errors.append(FieldError("/area", "must be the name of a municipality"))
    return ("sl",)


def _reason(error: ErrorDetails) -> str:
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    if error["type"] == "missing":
        return "is required"
    if error["type"] == "extra_forbidden":
        return "is not a field of this layout"
    return error["msg"][0].lower() + error["msg"][1:]
