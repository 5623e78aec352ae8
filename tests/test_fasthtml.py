"""renderer/fasthtml.py builds the tree tinyhtml5 builds, for every composed document, and
reads nothing it cannot read exactly (it returns None and tinyhtml5 parses)."""

import pytest
import tinyhtml5

from renderer import fasthtml
from renderer.options import LANGUAGE_SETS
from renderer.registry import Registry
from renderer.studio.samplesets import sample_sets


def _difference(fast, slow, path="html") -> str | None:
    """Where two element trees differ (tag, attributes, text, tail, children), or None."""
    mine = (fast.tag, dict(fast.attrib), fast.text or "", fast.tail or "", len(fast))
    theirs = (slow.tag, dict(slow.attrib), slow.text or "", slow.tail or "", len(slow))
    if mine != theirs:
        return f"{path}: {mine} != {theirs}"
    for index, (a, b) in enumerate(zip(fast, slow, strict=True)):
        found = _difference(a, b, f"{path}/{a.tag}[{index}]")
        if found:
            return found
    return None


def _tinyhtml5(html: str):
    return tinyhtml5.parse(html, namespace_html_elements=False)


@pytest.mark.parametrize("layout_id", [layout.id for layout in Registry()])
def test_every_composed_document_parses_as_html5_parses_it(pipeline, layout_id):
    """Every sample set (the bundled samples, longest values, optional members empty, most
    rows) of every language set and variant: the same tree, and none left to tinyhtml5."""
    layout = pipeline.layout(layout_id)
    for languages in LANGUAGE_SETS:
        for name, body in sample_sets(layout, languages).items():
            request = pipeline.validate(layout, body)
            for variant in layout.variants:
                html = pipeline.composer.compose(layout, request, variant).html
                fast = fasthtml.parse(html)
                assert fast is not None, (languages, name, variant)
                assert _difference(fast, _tinyhtml5(html)) is None, (languages, name, variant)


SKELETON = (
    '<!doctype html>\n<html lang="sl">\n<head>\n<meta charset="utf-8">\n<title>a &amp; b</title>\n'
    '</head>\n<body class="x">\n{}\n</body>\n</html>\n'
)


@pytest.mark.parametrize(
    "body",
    [
        "<div>ena <span>dve</span> tri</div>",
        '<table><colgroup><col class="a"><col></colgroup><tr><td>1</td></tr>\n<tr><th>2</th></tr></table>',
        "<table>\n  <thead><tr><th>a</th></tr></thead>\n  <tbody><tr><td>b</td></tr></tbody>\n</table>",
        '<p>x<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><path d="M0 0"/></svg></p>',
        "<p>a<br>b<sup>1</sup>&nbsp;&lt;č&gt; &#8211;</p><style>p { color: red }</style>",
        '<div data-fit data-field="/data/a" data-field="/data/b">x</div>',
    ],
)
def test_what_it_reads_is_what_html5_reads(body):
    html = SKELETON.format(body)
    fast = fasthtml.parse(html)
    assert fast is not None
    assert _difference(fast, _tinyhtml5(html)) is None


@pytest.mark.parametrize(
    "body",
    [
        "<p>a<div>b</div></p>",  # the div closes the p
        "<div><span>a</div></span>",  # misnested
        "<div>a",  # left open
        "<table>text<tr><td>a</td></tr></table>",  # text moved out of the table
        "<table><td>a</td></table>",  # a row implied
        "<div/>x",  # a self-closed div stays open
        "<!-- a comment -->",
        "<ul><li>a<li>b</ul>",  # implied ends
        "<h1><h2>a</h2></h1>",  # the h2 closes the h1
        "<pre>\na</pre>",  # the first newline dropped
        "<svg><lineargradient/></svg>",  # its name's case restored
        "<p>a\rb</p>",
    ],
)
def test_what_it_cannot_read_exactly_is_left_to_tinyhtml5(body):
    assert fasthtml.parse(SKELETON.format(body)) is None
