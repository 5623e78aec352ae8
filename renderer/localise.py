"""A value as the text around it in one language writes it: dates and times by CLDR (Babel),
a per-language value's wording, and the Hungarian definite article chosen by the value's
first sound.

Slovenian dates are CLDR's short form, which is the regulation's own (19. 11. 2026); Italian
takes CLDR's short form with the full year (19/11/2026), Hungarian its short form
(2026. 11. 19.). Slovenian times keep the orthography's full stop (14.30), the others CLDR's
short time (14:30).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from functools import cache

from babel.dates import format_date, format_time, get_date_format


@cache
def _date_pattern(lang: str) -> str:
    pattern = get_date_format("short", locale=lang).pattern
    return re.sub(r"\by{1,2}\b", "y", pattern)  # the full year, never "26"


def local_date(value: date, lang: str) -> str:
    return format_date(value, _date_pattern(lang), locale=lang)


def local_time(value: time, lang: str) -> str:
    if lang == "sl":
        return f"{value.hour}.{value.minute:02d}"
    return format_time(value, "short", locale=lang)


def local_value(value, lang: str):
    """One blank's value in ``lang``: a date or time formatted, a per-language value's wording
    in that language; anything else (a choice's index, a code) unchanged."""
    if isinstance(value, datetime):
        raise TypeError("a blank takes a date or a time, not both")
    if isinstance(value, date):
        return local_date(value, lang)
    if isinstance(value, time):
        return local_time(value, lang)
    if isinstance(value, dict):
        return value.get(lang, next(iter(value.values())))
    return value


# --- the Hungarian article -----------------------------------------------------------------

HU_VOWELS = set("aáeéiíoóöőuúüűAÁEÉIÍOÓÖŐUÚÜŰ")
#: Consonants whose Hungarian names begin with a vowel, for an abbreviation read letter by
#: letter (az MNZ, az SZK): f (ef), l (el), m (em), n (en), r (er), s (es), x (iksz).
HU_VOWEL_LETTER_NAMES = set("FLMNRSX")


def _number_starts_with_vowel(digits: str) -> bool:
    """Whether a number read in Hungarian begins with a vowel: egy (1), öt (5), ötven (50),
    ötszáz (500), ezer (1000), egymillió…; tíz, száz, kétezer… do not."""
    digits = digits.lstrip("0") or "0"
    groups: list[str] = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    lead = groups[0]
    if len(groups) > 1 and lead == "1":
        return True  # ezer, egymillió, egymilliárd
    if len(lead) == 3:
        return lead[0] == "5"  # ötszáz…; száz, kétszáz… (1xx is "száz")
    if len(lead) == 2:
        return lead[0] == "5"  # ötven…; tíz, húsz…
    return lead in ("1", "5")  # egy, öt; nulla, kettő, három…


#: What may stand before a value's first sound: spaces, quotation marks, a parenthesis.
OPENING_MARKS = " \"'„“”«»("


def hungarian_article(value: str) -> str:
    """'a' or 'az' before ``value``, by its first sound."""
    text = value.lstrip(OPENING_MARKS)
    if not text:
        return "a"
    digits = re.match(r"\d+", text)
    if digits:
        return "az" if _number_starts_with_vowel(digits.group()) else "a"
    word = re.match(r"[^\W\d_]+", text)
    if (
        word
        and len(word.group()) > 1
        and word.group().isupper()
        and not set(word.group()) & HU_VOWELS
    ):
        return "az" if word.group()[0] in HU_VOWEL_LETTER_NAMES else "a"  # read letter by letter
    return "az" if text[0] in HU_VOWELS else "a"
