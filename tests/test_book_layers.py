"""The books' pages that do not depend on the request are drawn once per language set and
bleed and reused (in-process and through the warm cache); per request only the title page
is rendered and the numbers written."""

from __future__ import annotations

import pytest

from renderer.options import RenderOptions
from renderer.pipeline import Pipeline
from renderer.validation import InvalidRequest
from renderer.warmcache import WarmCache

from .pdfmeasure import find


def _draws(pipeline: Pipeline, monkeypatch) -> list[str]:
    """The layouts ``pipeline`` lays out from now on, one entry a WeasyPrint render."""
    drawn: list[str] = []
    original = pipeline._draw
    monkeypatch.setattr(
        pipeline, "_draw", lambda *a, **k: drawn.append(a[0].id) or original(*a, **k)
    )
    return drawn


def _render(pipeline, layout_id, data, languages=("sl", "hu"), fmt="pdf"):
    body = {"languages": list(languages), "data": data}
    return pipeline.render(layout_id, body, RenderOptions(fmt))


@pytest.fixture
def fresh(monkeypatch):
    """A pipeline whose cached layers start empty (they are cached per Pipeline object)."""
    Pipeline._layer.cache_clear()
    pipeline = Pipeline()
    return pipeline, _draws(pipeline, monkeypatch)


@pytest.mark.parametrize(
    ("layout_id", "field", "values"),
    [
        ("complaint-book.page", "page_number", (3, 57)),
        ("certification-book.spread", "first_page", (1, 133)),
    ],
)
def test_a_page_alone_is_drawn_once_and_numbered_per_request(fresh, layout_id, field, values):
    pipeline, drawn = fresh
    first = _render(pipeline, layout_id, {field: values[0]})
    second = _render(pipeline, layout_id, {field: values[1]}, fmt="pdfa-2b")
    assert drawn == [layout_id]  # the second request (another number, format) drew nothing
    assert first.pages == second.pages == pipeline.layout(layout_id).assembly.repeat
    number = find(second.content, str(values[1]))
    assert 280 < number.top < number.bottom < 286  # at the foot, where the book numbers it


def test_a_book_renders_only_its_title_page_per_request(fresh):
    pipeline, drawn = fresh
    first = _render(
        pipeline,
        "certification-book",
        {"authority": {"sl": "UE Lendava", "hu": "KE Lendva"}, "spreads": 3},
    )
    second = _render(
        pipeline,
        "certification-book",
        {"authority": {"sl": "UE Koper", "hu": "KE Koper"}, "spreads": 5},
    )
    assert drawn == ["certification-book", "certification-book.title", "certification-book.title"]
    assert (first.pages, second.pages) == (2 + 2 * 3 + 3, 2 + 2 * 5 + 3)
    assert find(second.content, "UE Koper", page=1).top > 200  # the request's title page
    assert find(second.content, "10", page=11)  # the last spread's right page


def test_the_title_page_is_checked_like_any_data(fresh):
    pipeline, _ = fresh
    with pytest.raises(InvalidRequest) as raised:
        _render(pipeline, "complaint-book", {"authority": "WWWW " * 31 + "WWWW"}, ("sl",))
    assert [e.pointer for e in raised.value.errors] == ["/data/authority/sl"]


def test_a_second_process_reads_the_book_layers(tmp_path, monkeypatch):
    data = {"authority": "Upravna enota Celje"}
    Pipeline._layer.cache_clear()
    first = Pipeline(warm_cache=WarmCache(tmp_path))
    stored = _render(first, "complaint-book", data, ("sl",))
    Pipeline._layer.cache_clear()
    second = Pipeline(warm_cache=WarmCache(tmp_path))
    drawn = _draws(second, monkeypatch)
    again = _render(second, "complaint-book", data, ("sl",))
    assert drawn == ["complaint-book.title"]
    assert again.content == stored.content
