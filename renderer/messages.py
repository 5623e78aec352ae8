"""Message texts with blanks (P 35–44): the regulation's wording, with the blanks marked.

In a catalog text, ``{name}`` is a blank that the request fills, and ``{?name:(hint)}`` is
the regulation's parenthesised hint for it, printed only while the blank is empty. An empty
blank prints as dots, as in the regulation. ``{=name:a|b|c}`` is a choice among the
regulation's alternatives (printed "a – b – c"): the request gives the chosen index and the
others are struck through, as an official strikes them on the paper form; with no choice,
all stand. The same segments make the PDF, the HTML for
e-mail and the plain text, so the three can never say different things.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

BLANK = "……………"
TOKEN = re.compile(r"\{\?(\w+):([^}]*)\}|\{=(\w+):([^}]*)\}|\{(\w+)\}")
DASH = " – "


def segments(text: str, values: dict) -> list[tuple[str, str, str | None]]:
    """(kind, text, field) parts of ``text``: kind is "text", "value", "blank", or "struck"
    (an alternative not chosen)."""
    parts, position = [], 0
    for match in TOKEN.finditer(text):
        parts.append(("text", text[position:match.start()], None))
        hint_for, hint, choice, alternatives, name = match.groups()
        if choice is not None:
            chosen = values.get(choice)
            for index, alternative in enumerate(alternatives.split("|")):
                if index:
                    parts.append(("text", DASH, None))
                parts.append(("struck" if chosen is not None and index != chosen else "text", alternative, None))
        elif hint_for is not None:
            if not values.get(hint_for):
                parts.append(("text", hint, None))
        elif values.get(name):
            parts.append(("value", values[name], name))
        else:
            parts.append(("blank", BLANK, name))
        position = match.end()
    parts.append(("text", text[position:], None))
    return [p for p in parts if p[1]]


def as_html(text: str, values: dict[str, str | None], tag) -> Markup:
    """``tag(value, name)`` wraps a filled value (the renderer tags it for the fit check)."""
    out = Markup()
    for kind, piece, name in segments(text, values):
        if kind == "value":
            out += tag(piece, name)
        elif kind == "struck":
            out += Markup('<del class="alternative">{}</del>').format(piece)
        else:
            out += escape(piece)
    return out


def as_text(text: str, values: dict[str, str | None]) -> str:
    return "".join(piece for _, piece, _ in segments(text, values))
