"""The composed HTML parsed into the tree the HTML5 parser builds, quickly.

WeasyPrint parses with tinyhtml5, a pure-Python HTML5 parser: a tenth of a small render and
40 ms of the certification register's 4 pages. The documents composed here are simple
HTML: every element closed where it is opened, tables of rows and cells (a ``tbody``
implied where rows follow the ``table``), no comments, scripts or forms, inline SVG of a few
plain shapes. For such a document the HTML5 tree-construction algorithm adds nothing and
moves nothing, and its tree is the one Python's own tokenizer (``html.parser``) reads, with
whitespace placed as HTML5 places it around ``head`` and ``body``. ``parse`` builds that tree, and returns None for
anything else (an unclosed or misnested element, a ``p`` around a block, text where a table
would move it out, a comment, a construct it does not know): the caller then parses with
tinyhtml5. ``tests/test_fasthtml.py`` compares the two trees for every layout's samples and
sample sets.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser

#: Elements without content (closed by their start tag).
VOID = frozenset(
    "area base br col embed hr img input link meta source track wbr param keygen".split()
)
#: Elements whose start tag closes an open ``p`` in HTML5 (the parser refuses them in a p).
CLOSES_P = frozenset(
    """address article aside blockquote center details dialog dir div dl fieldset figcaption
    figure footer header hgroup main menu nav ol p search section summary ul h1 h2 h3 h4 h5 h6
    pre listing form plaintext table hr xmp""".split()
)
#: Elements HTML5 treats specially (implied ends, raw text, forms, frames...): not handled.
UNHANDLED = frozenset(
    """li dd dt option optgroup rb rp rt rtc select button input textarea form frameset frame
    noscript noembed noframes plaintext xmp iframe template script pre listing math image
    isindex nobr a marquee object applet caption tfoot""".split()
)
#: What each table element may hold (anything else HTML5 would move or imply).
TABLE_CHILDREN = {
    "table": frozenset(("colgroup", "thead", "tbody")),
    "colgroup": frozenset(("col",)),
    "thead": frozenset(("tr",)),
    "tbody": frozenset(("tr",)),
    "tr": frozenset(("td", "th")),
}
HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
SVG_NS = "{http://www.w3.org/2000/svg}"
XMLNS = "{http://www.w3.org/2000/xmlns/}xmlns"
#: SVG elements whose names HTML5 keeps in lower case, with attributes of no mixed case
#: but ``viewBox``.
SVG_ELEMENTS = frozenset("svg path g rect circle line polyline polygon ellipse".split())
SVG_ATTRIBUTES = {"viewbox": "viewBox"}
WHITESPACE = " \t\n\f"


class _Unsupported(Exception):
    pass


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root: ET.Element | None = None
        self.stack: list[ET.Element] = []
        self.last: ET.Element | None = None  # the element whose text or tail comes next
        self.last_closed = False  # the text goes into last's tail (else its text)
        self.phase = "start"  # start, html, head, after-head, body, after-body, after-html
        self.implied: set[int] = set()  # the tbody elements HTML5 adds

    # --- text ---------------------------------------------------------------------------

    def _append_text(self, data: str) -> None:
        if self.last is None:
            raise _Unsupported("text outside the document")
        if self.last_closed:
            self.last.tail = (self.last.tail or "") + data
        else:
            self.last.text = (self.last.text or "") + data

    def handle_data(self, data: str) -> None:
        blank = not data.strip(WHITESPACE)
        if self.phase in ("start", "html"):
            if blank:
                return  # before head: ignored
            raise _Unsupported("text before head")
        if not blank and (
            self.phase == "after-head" or (self.phase == "head" and self.stack[-1].tag == "head")
        ):
            raise _Unsupported("text in head or between head and body")
        if self.phase in ("after-body", "after-html"):
            if not blank:
                raise _Unsupported("text after body")
            # processed as in body: appended to the body's end
            body = self.body
            if len(body):
                body[-1].tail = (body[-1].tail or "") + data
            else:
                body.text = (body.text or "") + data
            return
        current = self.stack[-1]
        if current.tag in TABLE_CHILDREN and not blank:
            raise _Unsupported("text in a table outside its cells")
        if "\0" in data or "\r" in data:
            raise _Unsupported("NUL or CR")
        self._append_text(data)

    # --- elements -----------------------------------------------------------------------

    def _attributes(self, attrs, svg: bool) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, value in attrs:
            if svg:
                if name == "xmlns":
                    name = XMLNS
                elif ":" in name:
                    raise _Unsupported("namespaced attribute")
                else:
                    name = SVG_ATTRIBUTES.get(name, name)
            elif ":" in name:
                raise _Unsupported("namespaced attribute")
            if name not in out:  # HTML5 keeps the first of repeated attributes
                out[name] = "" if value is None else value
        return out

    def handle_starttag(self, tag: str, attrs) -> None:
        self._start(tag, attrs, closed=False)

    def handle_startendtag(self, tag: str, attrs) -> None:
        self._start(tag, attrs, closed=True)

    def _start(self, tag: str, attrs, closed: bool) -> None:
        phase = self.phase
        if tag == "html":
            if phase != "start":
                raise _Unsupported("second html")
            self.root = ET.Element("html", self._attributes(attrs, False))
            self.stack = [self.root]
            self.last, self.last_closed, self.phase = self.root, False, "html"
            return
        if tag == "head":
            if phase != "html":
                raise _Unsupported("head out of place")
            self._push(tag, attrs, False)
            self.phase = "head"
            return
        if tag == "body":
            if phase != "after-head":
                raise _Unsupported("body out of place")
            self.body = self._push(tag, attrs, False)
            self.phase = "body"
            return
        if phase == "head":
            if tag not in ("meta", "title", "link", "style", "base"):
                raise _Unsupported("element in head")
        elif phase != "body":
            raise _Unsupported("element outside head and body")
        parent = self.stack[-1]
        svg = parent.tag.startswith(SVG_NS)
        if svg or tag == "svg":
            if tag not in SVG_ELEMENTS:
                raise _Unsupported("SVG element")
            self._push(SVG_NS + tag, attrs, True)
            if closed:
                self._pop(SVG_NS + tag)
            return
        if tag in UNHANDLED or tag in ("html", "head", "body"):
            raise _Unsupported(tag)
        if closed and tag not in VOID:
            raise _Unsupported("self-closing tag")  # HTML5 leaves the element open
        allowed = TABLE_CHILDREN.get(parent.tag)
        if parent.tag == "table" and tag == "tr":  # HTML5 implies the body of the table
            parent = self._push("tbody", (), False)
            self.implied.add(id(parent))
            allowed = TABLE_CHILDREN["tbody"]
        if allowed is not None and tag not in allowed:
            raise _Unsupported("table content out of place")
        if tag in ("td", "th", "tr", "col", "colgroup", "thead", "tbody") and allowed is None:
            raise _Unsupported("table part outside its table")
        if tag in CLOSES_P and any(e.tag == "p" for e in self.stack):
            raise _Unsupported("block in p")
        if tag in HEADINGS and parent.tag in HEADINGS:
            raise _Unsupported("heading in heading")  # HTML5 closes the outer one
        if tag == "title" and phase != "head":
            raise _Unsupported("title in body")
        self._push(tag, attrs, False)
        if tag in VOID:
            self._pop(tag)

    def _push(self, tag: str, attrs, svg: bool) -> ET.Element:
        element = ET.SubElement(self.stack[-1], tag, self._attributes(attrs, svg))
        self.stack.append(element)
        self.last, self.last_closed = element, False
        return element

    def _pop(self, tag: str) -> None:
        if self.stack[-1].tag != tag:
            raise _Unsupported("misnested end tag")
        element = self.stack.pop()
        self.last, self.last_closed = element, True

    def handle_endtag(self, tag: str) -> None:
        phase = self.phase
        if tag == "head" and phase == "head":
            self._pop("head")
            self.phase = "after-head"
            return
        if tag == "body" and phase == "body":
            if self.stack[-1].tag != "body":
                raise _Unsupported("body closed with elements open")
            self.phase = "after-body"  # HTML5 keeps body current: what follows goes in it
            return
        if tag == "html" and phase == "after-body":
            self.phase = "after-html"
            return
        if phase not in ("head", "body") or tag in VOID:
            raise _Unsupported("end tag out of place")
        if tag == "table" and id(self.stack[-1]) in self.implied:
            self._pop("tbody")
        parent_svg = self.stack[-1].tag.startswith(SVG_NS)
        self._pop(SVG_NS + tag if parent_svg else tag)

    def handle_comment(self, data):
        raise _Unsupported("comment")

    def handle_decl(self, decl):
        if decl.lower() != "doctype html" or self.phase != "start":
            raise _Unsupported("declaration")

    def handle_pi(self, data):
        raise _Unsupported("processing instruction")

    def unknown_decl(self, data):
        raise _Unsupported("CDATA")


def parse(html: str) -> ET.Element | None:
    """The root element of ``html`` as tinyhtml5 builds it (``namespace_html_elements``
    false), or None when the document is not one this parser can read exactly."""
    builder = _Builder()
    try:
        builder.feed(html)
        builder.close()
    except _Unsupported:
        return None
    if builder.phase not in ("after-body", "after-html") or builder.root is None:
        return None
    return builder.root
