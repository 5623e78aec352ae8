"""Deliver a composed message as an e-mail body: plain text, or self-contained HTML."""

from __future__ import annotations

import re

from lxml import html as lxml_html


def as_plain_text(composed_html: str) -> str:
    """Every block (heading, paragraph) of the message on its own, separated by blank lines."""
    root = lxml_html.fromstring(composed_html)
    parts = []
    for section in root.iter("section"):
        blocks = [
            b.text_content().strip() if b.tag == "h1" else " ".join(b.text_content().split())
            for b in section.xpath(".//h1|.//p")
        ]  # headings keep their letter spacing
        parts.append("\n\n".join(b for b in blocks if b))
    return "\n\n----\n\n".join(parts) + "\n"


def as_email_html(composed_html: str, css: str) -> str:
    """The composed HTML with the layout's CSS inlined; no fonts, no page rules, no assets."""
    css = re.sub(r"@page[^{]*\{[^}]*\}", "", css)
    return composed_html.replace("</head>", f"<style>{css}</style></head>", 1)
