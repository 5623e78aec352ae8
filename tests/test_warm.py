"""Pipeline.warm(): the one-time costs paid once, so that no request after it pays them,
without rendering every sample."""

import gc

import pytest

from renderer.options import FORMATS, LANGUAGE_SETS, RenderOptions
from renderer.pipeline import Pipeline


@pytest.fixture(scope="module")
def warmed():
    pipeline = Pipeline()
    renders = []
    original = pipeline.render_valid
    pipeline.render_valid = lambda *a, **k: renders.append(a[0].id) or original(*a, **k)
    pipeline.warm()
    del pipeline.render_valid
    gc.unfreeze()  # the test process goes on making other pipelines
    return pipeline, renders


def test_warm_renders_a_few_documents_not_every_sample(warmed):
    pipeline, renders = warmed
    assert len(renders) <= 10 < len(list(pipeline.registry)) * len(LANGUAGE_SETS)


@pytest.mark.slow  # about 16 envelope renders, every format and variant
def test_no_request_draws_a_layer_after_warm(warmed):
    """The envelope's pre-print is drawn during warm() for every format, variant and bleed
    a request can ask for (in every language set alike): no render afterwards draws one."""
    languages = ("sl", "it")
    pipeline, _ = warmed
    layout = pipeline.layout("envelope.personal-delivery")
    draws = []
    original = pipeline._draw
    pipeline._draw = lambda *a, **k: draws.append(a[2]) or original(*a, **k)
    try:
        for fmt, output in FORMATS.items():
            if output.textual or output.tagged:  # the envelope is not tagged
                continue
            for variant in layout.variants:
                for marks in (None, "crop") if fmt in ("pdf", "pdfx-4") else (None,):
                    if variant == "preprint" and fmt not in ("pdf", "pdfx-4"):
                        continue
                    pipeline.render_sample(
                        layout.id, languages, RenderOptions(fmt, variant=variant, marks=marks)
                    )
    finally:
        del pipeline._draw
    assert "preprint" not in draws
    assert draws.count("variable") == len(draws)  # only the request's own layer was drawn


def test_every_template_is_compiled_by_warm(warmed):
    pipeline, _ = warmed
    env = pipeline.composer.env
    names = env.list_templates(extensions=["j2"])
    compiled = {key[1] for key in env.cache.keys()}  # Jinja2 keys its cache by (loader, name)
    assert names and set(names) <= compiled


def test_after_warm_young_objects_are_collected_less_often(warmed):
    from renderer.pipeline import GC_YOUNG_OBJECTS

    assert gc.get_threshold()[0] == GC_YOUNG_OBJECTS > 700  # Python's default
