"""Compose: a validated request + the layout's Jinja2 template + the catalogs → HTML.

Autoescaping is on for every template, so request data is always text, never markup. Data
never goes into a style attribute or URL; templates only place it in element content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

import segno
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from . import messages
from .accessible.labels import labels
from .barcodes import Code128Symbol
from .catalogs import Catalogs
from .localise import local_value
from .paths import TEMPLATES_DIR
from .press.fonts import metrics
from .registry import Layout
from .textfit import fit_size
from .units import PT_PER_MM
from .validation import ValidRequest, pointer


@dataclass(frozen=True)
class Composition:
    html: str
    base_url: str  # file: URL of the layout's folder, for its own relative assets


def _field(value, *path, upper: bool = False) -> Markup:
    """One value from the request, tagged with its JSON pointer for the overflow check."""
    value = str(value).upper() if upper else value
    return Markup('<span class="v" data-field="{}">{}</span>').format(pointer("data", *path), value)


def _numeric_date(value) -> str:
    """A date as the dater prints it: 22. 11. 2026."""
    return f"{value.day}. {value.month}. {value.year}"


#: A write-in line of a pre-printed form: a run of underscores, as the regulation prints it.
WRITE_IN = re.compile(r"_{3,}")


@cache
def _underscore_em() -> float:
    """The advance of "_" in the regular face, in em (Noto Sans: 0.444)."""
    face = metrics(400)
    return face.char_advances[ord("_")] / face.upem


#: The type size of a stretched write-in line: its thickness, whatever the text around it.
WRITE_IN_PT = 7


def _write_ins(text: str, lengths=(), refs: bool = False, first: int = 1) -> Markup:
    """A fixed text whose write-in lines (runs of underscores) are kept as printed, each
    stretched to ``lengths[i]`` mm (None: as it comes) so that there is room to write, and,
    with ``refs``, numbered ``first``, ``first + 1``… so that the other language's text can
    point to it."""
    out, position = Markup(), 0
    for index, match in enumerate(WRITE_IN.finditer(text)):
        out += escape(text[position : match.start()])
        length = lengths[index] if index < len(lengths) else None
        if length:
            natural = len(match.group()) * _underscore_em() * WRITE_IN_PT / PT_PER_MM
            out += Markup(
                '<span class="write-in" style="width: {:.2f}mm"><span style="font-size: {}pt; '
                'transform: scaleX({:.4f})">{}</span></span>'
            ).format(length, WRITE_IN_PT, length / natural, match.group())
        else:
            out += Markup('<span class="write-in">{}</span>').format(match.group())
        if refs:
            out += Markup('<sup class="ref">{}</sup>').format(first + index)
        position = match.end()
    return out + escape(text[position:])


def _refer(text: str, first: int = 1) -> Markup:
    """A translation whose write-in lines are the Slovenian text's: each run of underscores
    becomes the number of the line it stands for (one set of blanks on a bilingual form)."""
    out, position = Markup(), 0
    for index, match in enumerate(WRITE_IN.finditer(text)):
        out += escape(text[position : match.start()])
        out += Markup('<span class="ref-to">{}</span>').format(first + index)
        position = match.end()
    return out + escape(text[position:])


SLOVENIA = ZoneInfo("Europe/Ljubljana")


def _slovenian_time(moment: datetime) -> str:
    """A signing time as Slovenia's clock showed it, with its offset: 20. 11. 2026 11:15:00 (UTC+1)."""
    local = moment.astimezone(SLOVENIA)
    offset = local.utcoffset()
    assert offset is not None  # an aware time
    hours = int(offset.total_seconds() // 3600)
    return f"{local:%d. %m. %Y %H:%M:%S} (UTC{hours:+d})"


def _roman(number: int) -> str:
    """Storeys are Roman numerals (P 9(7)): 2 → II."""
    numerals = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    result = ""
    for value, letters in numerals:
        while number >= value:
            result += letters
            number -= value
    return result


def _code128(text: str, width_mm: float, height_mm: float) -> Markup:
    """A Code 128 symbol filling a box of the given size, as one SVG path."""
    return Code128Symbol.encode(text).svg(width_mm, height_mm)


def _qr_svg(text: str, size_mm: float) -> Markup:
    """A QR code (segno) of ``text`` as one SVG path, ``size_mm`` square, quiet zone included."""
    qr = segno.make(text, error="m")
    width = qr.symbol_size(border=2)[0]
    path = qr.svg_inline(border=2, omitsize=True).split("<path ", 1)[1].split("/>", 1)[0]
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" width="{s}mm" height="{s}mm" viewBox="0 0 {w} {w}">'
        "<path {p}/></svg>"
    ).format(s=size_mm, w=width, p=Markup(path))


def _fill(text: str, data, lang: str, **chosen) -> Markup:
    """A message text in ``lang`` with its blanks filled from ``data.blanks()`` (see
    renderer/messages): dates and times as that language writes them, a per-language value in
    its wording there (tagged with its pointer, e.g. /data/authority/it). ``chosen`` fills a
    blank with a catalog phrase the request chose by name."""
    raw = {**data.blanks(), **{name: dict(phrase) for name, phrase in chosen.items()}}
    values = {name: local_value(value, lang) for name, value in raw.items()}

    def tag(value, name):
        return _field(value, name, lang) if isinstance(raw[name], dict) else _field(value, name)

    return messages.as_html(text, values, tag, labels(lang)["blank"])


def _local(value: dict, *path, upper: bool = False) -> list[tuple[str, Markup]]:
    """A localized value as (language, tagged text) pairs in the request's order."""
    return [(lang, _field(text, *path, lang, upper=upper)) for lang, text in value.items()]


def _by_language(pairs, suffix: str = "") -> Markup:
    """Words in each language, one language under the other: the first language's words
    alone (it is the page's language, ``<html lang>``), each other language's in a block of
    its own (``<div lang>``). The first needs no block: the words become the anonymous block
    WeasyPrint makes of them, drawn the same, and the block it saves is one box fewer to lay
    out (a fifth of the directory sign's render in one language, a tenth in two)."""
    (_lang, first), *others = pairs
    return (
        escape(first)
        + suffix
        + Markup("").join(
            Markup('<div lang="{}">{}{}</div>').format(lang, words, suffix)
            for lang, words in others
        )
    )


class Composer:
    def __init__(self, catalogs: Catalogs):
        self.catalogs = catalogs
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES_DIR),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            extensions=["jinja2.ext.do"],
        )
        self.env.globals.update(
            field=_field,
            local=_local,
            by_language=_by_language,
            fit_size=fit_size,
            code128=_code128,
            qr_svg=_qr_svg,
            fill=_fill,
        )
        self.env.filters["numeric_date"] = _numeric_date
        self.env.filters["roman"] = _roman
        self.env.filters["write_ins"] = _write_ins
        self.env.filters["slovenian_time"] = _slovenian_time
        self.env.filters["refer"] = _refer

    def compose(
        self, layout: Layout, request: ValidRequest, variant: str | None = None
    ) -> Composition:
        template = self.env.get_template(layout.template_name)
        html = template.render(
            variant=variant or layout.variants[0],
            _=self.catalogs.translator(request.languages),
            ngettext=self.catalogs.plural_translator(request.languages),
            languages=request.languages,
            bilingual=len(request.languages) > 1,
            data=request.data,
            layout=layout,
            title=" / ".join(layout.titles[lang] for lang in request.languages),
        )
        return Composition(html, layout.directory.as_uri() + "/")
