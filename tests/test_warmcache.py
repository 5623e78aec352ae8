"""renderer/warmcache.py: what warm() makes, kept on disk for the next process: a pipeline
that reads it draws no layer and compiles no template, and delivers the same bytes."""

from __future__ import annotations

import gc

import pytest

from renderer import warmcache
from renderer.options import RenderOptions
from renderer.pipeline import Pipeline
from renderer.warmcache import WarmCache

ENVELOPE = "envelope.personal-delivery"
LANGUAGES = ("sl", "hu")
#: the envelope's pre-print under the variable layer, on screen and print-ready pages, and
#: as a document of its own with spot colours
RENDERS = [
    RenderOptions("pdf"),
    RenderOptions("pdfa-2b"),
    RenderOptions("pdfx-4"),
    RenderOptions("pdf", variant="preprint", marks="crop"),
]


def _draws(pipeline: Pipeline, monkeypatch) -> list[str]:
    drawn: list[str] = []
    original = pipeline._draw
    monkeypatch.setattr(pipeline, "_draw", lambda *a, **k: drawn.append(a[2]) or original(*a, **k))
    return drawn


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """A cache folder filled by a first pipeline, and that pipeline's renders."""
    root = tmp_path_factory.mktemp("warm")
    first = Pipeline(warm_cache=WarmCache(root))
    return root, [first.render_sample(ENVELOPE, LANGUAGES, options) for options in RENDERS]


def test_a_second_pipeline_reads_the_layers_and_gives_the_same_bytes(stored, monkeypatch):
    root, first = stored
    second = Pipeline(warm_cache=WarmCache(root))
    drawn = _draws(second, monkeypatch)
    again = [second.render_sample(ENVELOPE, LANGUAGES, options) for options in RENDERS]
    assert "preprint" not in drawn  # every layer came from the disk
    assert [r.content for r in again] == [r.content for r in first]
    assert [r.pages for r in again] == [r.pages for r in first]


def test_the_same_bytes_as_a_pipeline_without_the_cache(stored):
    _, first = stored
    plain = Pipeline()
    assert [plain.render_sample(ENVELOPE, LANGUAGES, o).content for o in RENDERS] == [
        r.content for r in first
    ]


def test_a_damaged_layer_is_drawn_again(stored, monkeypatch):
    root, first = stored
    folder = WarmCache(root).folder / "layers"
    victim = next(folder.glob(f"{ENVELOPE}.sl-hu.preprint.bleed-0.envelope_size=C5.pdf"))
    whole = victim.read_bytes()
    try:
        victim.write_bytes(whole[: len(whole) // 2])  # as if cut off (it is written whole)
        second = Pipeline(warm_cache=WarmCache(root))
        drawn = _draws(second, monkeypatch)
        assert second.render_sample(ENVELOPE, LANGUAGES, RENDERS[0]).content == first[0].content
        assert "preprint" in drawn
        assert victim.read_bytes() == whole  # and stored again
    finally:
        victim.write_bytes(whole)


def test_another_version_of_the_inputs_has_its_own_folder(tmp_path, monkeypatch):
    code = tmp_path / "renderer"
    code.mkdir()
    monkeypatch.setattr(warmcache, "CODE_DIR", code)
    digests = []
    try:
        for step in ("empty", "a file more", "its content changed"):
            if step == "a file more":
                (code / "a.py").write_text("A = 1")
            elif step == "its content changed":
                (code / "a.py").write_text("A = 2")
            warmcache.inputs_digest.cache_clear()
            digests.append(warmcache.inputs_digest())
            assert WarmCache(tmp_path).folder.name == f"warm-{digests[-1]}"
    finally:
        warmcache.inputs_digest.cache_clear()
    assert len(set(digests)) == 3


def test_templates_are_compiled_once_for_every_process(tmp_path, monkeypatch):
    first = Pipeline(warm_cache=WarmCache(tmp_path))
    first.composer.env.get_template("stamp.receipt/template.html.j2")
    second = Pipeline(warm_cache=WarmCache(tmp_path))
    compiled = []
    original = second.composer.env.compile
    monkeypatch.setattr(
        second.composer.env, "compile", lambda *a, **k: compiled.append(a) or original(*a, **k)
    )
    template = second.composer.env.get_template("stamp.receipt/template.html.j2")
    assert template is not None and compiled == []


def test_a_folder_that_cannot_be_written_costs_only_the_drawing(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    pipeline = Pipeline(warm_cache=WarmCache(blocked))
    plain = Pipeline()
    options = RenderOptions("pdf")
    assert (
        pipeline.render_sample(ENVELOPE, ("sl",), options).content
        == plain.render_sample(ENVELOPE, ("sl",), options).content
    )


def test_warm_with_stored_layers_draws_none(stored, monkeypatch):
    root, _ = stored
    second = Pipeline(warm_cache=WarmCache(root))
    drawn = _draws(second, monkeypatch)
    second.warm(layer_language_sets=[LANGUAGES])
    gc.unfreeze()  # the test process goes on making other pipelines
    assert "preprint" not in drawn


def test_warm_without_drawing_counts_what_is_missing_and_draws_none(tmp_path, monkeypatch):
    """What the service's master does before it listens: no layer drawn, the stored ones read
    (into memory, for the workers it forks), the missing ones counted."""
    empty = Pipeline(warm_cache=WarmCache(tmp_path))
    drawn = _draws(empty, monkeypatch)
    asked = sum(len(empty.layers_asked(layout)) for layout in empty.registry)
    assert empty.warm_layers([LANGUAGES], draw=False) == asked > 0
    assert drawn == []
    empty.warm_layers([LANGUAGES])
    assert len(drawn) > 0
    again = Pipeline(warm_cache=WarmCache(tmp_path))
    drawn_again = _draws(again, monkeypatch)
    assert again.warm_layers([LANGUAGES], draw=False) == 0 and drawn_again == []


def test_renderer_warm_fills_the_cache_and_marks_it_complete(tmp_path):
    import os
    import subprocess
    import sys

    environment = dict(os.environ, OBRAZCI_DATA_DIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "renderer", "warm"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    cache = WarmCache(tmp_path / "cache")
    assert cache.complete() and "layers drawn into" in done.stdout
    pipeline = Pipeline(warm_cache=cache)
    assert pipeline.warm_layers([("sl",), ("sl", "it"), ("sl", "hu")], draw=False) == 0
