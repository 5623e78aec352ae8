"""Message texts with blanks (P 35–44): the regulation's wording, with the blanks marked.

In a catalog text, ``{name}`` is a blank that the request fills, and ``{?name:(hint)}`` is
the regulation's parenthesised hint for it, printed only while the blank is empty. An empty
blank prints as dots, as in the regulation. ``{=name:a|b|c}`` is a choice among the
regulation's alternatives (printed "a – b – c"): the request gives the chosen index and the
others are struck through, as an official strikes them on the paper form; with no choice,
all stand. Where an alternative is longer than a phrase (it holds blanks or other choices),
``{<name=i}`` … ``{>}`` marks it: the region is alternative ``i`` of the choice ``name`` and is
struck, whole, when another was chosen. ``{~name:a|b|…|z}`` is an ending or word that
follows the person(s) concerned (gender, number): the request gives the index of the form,
and with none the last form stands, the regulation's own placeholder (``podpisal…``).
``{&a:name}`` (``{&A:name}`` at the start of a sentence) is the Hungarian definite article
before the blank ``name``: *a* or *az* by the value's first sound, *a(z)* while it is empty.
A value that ends with a full stop (*d.o.o.*) takes the place of the sentence's own.
The values are already in the text's language (``renderer.localise``).
The same segments make the PDF, the HTML for e-mail and the plain text, so the three can
never say different things.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from .localise import hungarian_article

BLANK = "……………"
TOKEN = re.compile(
    r"\{&([aA]):(\w+)\}|\{\?(\w+):([^}]*)\}|\{=(\w+):([^}]*)\}|\{~(\w+):([^}]*)\}|\{<(\w+)=(\d+)\}|(\{>\})|\{(\w+)\}"
)
DASH = " – "


def segments(text: str, values: dict) -> list[tuple[str, str, str | None]]:
    """(kind, text, field) parts of ``text``: kind is "text", "value", "blank", or "struck"
    (an alternative not chosen; adjacent struck parts are joined into one)."""
    parts: list[tuple[str, str, str | None]] = []
    regions: list[bool] = []  # for each open region: whether it is struck
    position = 0

    def add(kind: str, piece: str, name: str | None = None) -> None:
        if any(regions):
            kind, name = "struck", None
        if kind == "struck" and parts and parts[-1][0] == "struck":
            parts[-1] = ("struck", parts[-1][1] + piece, None)
        elif piece:
            parts.append((kind, piece, name))

    def add_text(piece: str) -> None:
        if (
            piece.startswith(".")
            and parts
            and parts[-1][0] == "value"
            and parts[-1][1].endswith(".")
        ):
            piece = piece[1:]  # the value ("d.o.o.") ends the sentence: no second full stop
        add("text", piece)

    for match in TOKEN.finditer(text):
        add_text(text[position : match.start()])
        (
            article,
            article_for,
            hint_for,
            hint,
            choice,
            alternatives,
            form,
            forms,
            region,
            index,
            close,
            name,
        ) = match.groups()
        if article is not None:
            value = values.get(article_for)
            word = hungarian_article(value) if value else "a(z)"
            add("text", word.capitalize() if article == "A" else word)
        elif choice is not None:
            chosen = values.get(choice)
            for number, alternative in enumerate(alternatives.split("|")):
                if number:
                    add("text", DASH)
                add("struck" if chosen is not None and number != chosen else "text", alternative)
        elif form is not None:
            options = forms.split("|")
            chosen = values.get(form)
            add("text", options[chosen] if chosen is not None else options[-1])
        elif region is not None:
            chosen = values.get(region)
            regions.append(chosen is not None and chosen != int(index))
        elif close is not None:
            if not regions:
                raise ValueError(f"{{>}} without an open region in {text!r}")
            regions.pop()
        elif hint_for is not None:
            if not values.get(hint_for):
                add("text", hint)
        elif values.get(name):
            add("value", values[name], name)
        else:
            add("blank", BLANK, name)
        position = match.end()
    if regions:
        raise ValueError(f"a region is not closed in {text!r}")
    add_text(text[position:])
    return parts


def as_html(
    text: str, values: dict[str, str | None], tag, blank_label: str | None = None
) -> Markup:
    """``tag(value, name)`` wraps a filled value (the renderer tags it for the fit check);
    ``blank_label``: what a screen reader says for an empty blank ("(prazno)"), in HTML a
    symbol with its label (role img), in a tagged PDF its ActualText (renderer/accessible)."""
    out = Markup()
    for kind, piece, name in segments(text, values):
        if kind == "value":
            out += tag(piece, name)
        elif kind == "struck":
            out += Markup('<del class="alternative">{}</del>').format(piece)
        elif kind == "blank" and blank_label:
            out += Markup('<span class="blank" role="img" aria-label="{}">{}</span>').format(
                blank_label, piece
            )
        elif kind == "blank":
            out += Markup('<span class="blank">{}</span>').format(piece)
        else:
            out += escape(piece)
    return out


def as_text(text: str, values: dict[str, str | None]) -> str:
    return "".join(piece for _, piece, _ in segments(text, values))
