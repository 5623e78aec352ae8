"""The overflow check sees every value: nothing can escape it by its position in the tree."""

import re

import pytest

from renderer.fit import check_overflow
from renderer.registry import Registry
from renderer.specs import LANGUAGE_SETS

CASES = [pytest.param(l.id, langs, id=f"{l.id}-{'+'.join(langs)}") for l in Registry() for langs in LANGUAGE_SETS]


@pytest.mark.parametrize("layout_id, languages", CASES)
def test_every_tagged_value_is_measured(pipeline, layout_id, languages):
    layout = pipeline.layout(layout_id)
    request = pipeline.validate(layout, layout.sample(languages))
    composition = pipeline.composer.compose(layout, request)
    tagged = set(re.findall(r'data-field="([^"]+)"', composition.html))
    report = check_overflow(pipeline.renderer.layout(layout, composition), pipeline.render_pages(layout, request))
    assert report.errors == []
    assert report.checked == tagged


def test_no_stylesheet_clips():
    """Clipping would hide what the overflow check lets through (e.g. descenders)."""
    from renderer.paths import TEMPLATES_DIR

    for css in TEMPLATES_DIR.glob("**/*.css"):
        text = css.read_text().replace(" ", "")
        assert "overflow:hidden" not in text and "overflow:clip" not in text, css
