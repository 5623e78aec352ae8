"""The overflow check sees every value: nothing can escape it by its position in the tree."""

import re

import pytest

from renderer.fit import check_overflow
from renderer.options import LANGUAGE_SETS
from renderer.registry import Registry

CASES = [
    pytest.param(layout.id, langs, id=f"{layout.id}-{'+'.join(langs)}")
    for layout in Registry()
    for langs in LANGUAGE_SETS
]


@pytest.mark.parametrize("layout_id, languages", CASES)
def test_every_tagged_value_is_measured(pipeline, layout_id, languages):
    layout = pipeline.layout(layout_id)
    request = pipeline.validate(layout, layout.sample(languages))
    composition = pipeline.composer.compose(layout, request)
    tagged = set(re.findall(r'data-field="([^"]+)"', composition.html))
    report = check_overflow(
        pipeline.renderer.lay_out(layout, composition), pipeline.render_pages(layout, request)
    )
    assert report.errors == []
    assert report.checked == tagged


def test_no_stylesheet_clips():
    """Clipping would hide what the overflow check lets through (e.g. descenders)."""
    from renderer.paths import TEMPLATES_DIR

    for css in TEMPLATES_DIR.glob("**/*.css"):
        text = css.read_text().replace(" ", "")
        assert "overflow:hidden" not in text and "overflow:clip" not in text, css


def test_fixed_text_wider_than_its_table_cell_is_a_layout_bug(pipeline):
    """A column header crossing the rule beside it (issue #15: "dell'annotazione" at 46.13 mm)
    is refused like any fixed text that does not fit; the same word with a soft hyphen fits."""
    import weasyprint

    from renderer.fit import LayoutOverflow

    def document(word):
        html = (
            '<table style="table-layout: fixed; width: 40mm; border-collapse: collapse">'
            '<colgroup><col style="width: 15mm"><col style="width: 25mm"></colgroup>'
            f'<tr><th style="border: 0.25mm solid; font-size: 7pt">{word}</th><td></td></tr></table>'
        )
        return weasyprint.HTML(string=html).render()

    with pytest.raises(LayoutOverflow, match="dell'annotazione.*table cell"):
        check_overflow(document("dell'annotazione"), 1)
    assert check_overflow(document("dell'anno&shy;tazione"), 1).errors == []


@pytest.mark.parametrize(
    "layout_id", ["complaint-book.page", "certification-book.spread", "certification-book.register"]
)
@pytest.mark.parametrize("languages", LANGUAGE_SETS)
def test_book_column_headers_fit_their_cells(pipeline, layout_id, languages):
    layout = pipeline.layout(layout_id)
    request = pipeline.validate(layout, layout.sample(languages))
    document = pipeline.renderer.lay_out(layout, pipeline.composer.compose(layout, request))
    check_overflow(document, pipeline.render_pages(layout, request))  # raises LayoutOverflow if not
