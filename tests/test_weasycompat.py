"""renderer/weasycompat.py against WeasyPrint itself: a page shortened after one layout is
written byte for byte as a second layout at that height writes it. These fail when
WeasyPrint changes the internals touched there."""

import pytest
from weasyprint import CSS, HTML
from weasyprint.formatting_structure import boxes

from renderer import weasycompat
from renderer.options import FORMATS

CONTENT = """<html><head><style>
html { background: #ddeeff; } body { margin: 0; font-family: 'Obrazci Sans'; }
.a { padding: 10mm; border-bottom: 1mm solid red; } .f { float: left; width: 20mm; }
</style></head><body><div class="a">Napotilna tabla</div><div class="a"><span class="f">soba</span> 12</div></body></html>"""


def _page(height_mm: float, bleed_mm: float, extra: str = "") -> CSS:
    return CSS(
        string=f"@page {{ size: 200mm {height_mm}mm; margin: 0; bleed: {bleed_mm}mm; "
        f"background: #6f7174; }} {extra}"
    )


def _render(height_mm: float, bleed_mm: float, html: str = CONTENT, extra: str = ""):
    return HTML(string=html).render(stylesheets=[_page(height_mm, bleed_mm, extra)])


@pytest.mark.parametrize("bleed_mm", [0, 3])
@pytest.mark.parametrize("variant", [None, "pdf/a-2b"])
def test_one_layout_shortened_equals_a_second_layout(bleed_mm, variant):
    tall = _render(2000, bleed_mm)
    height = float(int(weasycompat.content_bottom_px(tall.pages[0]) / weasycompat.PX_PER_MM) + 1)
    assert 10 < height < 100
    assert weasycompat.fit_page_height(tall.pages[0], height)
    again = _render(height, bleed_mm)
    options = {"pdf_variant": variant} if variant else {}
    assert tall.pages[0].height == again.pages[0].height
    assert tall.write_pdf(**options) == again.write_pdf(**options)


@pytest.mark.parametrize(
    "html, extra",
    [
        (
            CONTENT.replace(
                '<div class="a">Napotilna',
                '<div class="a" style="position: absolute; bottom: 0">Napotilna',
            ),
            "",
        ),
        (CONTENT, "@page { @bottom-center { content: 'stran' } }"),
    ],
    ids=["positioned box", "margin box"],
)
def test_a_page_whose_layout_depends_on_its_height_is_not_shortened(html, extra):
    tall = _render(2000, 0, html, extra)
    before = tall.pages[0].height
    assert not weasycompat.fit_page_height(tall.pages[0], 50)
    assert tall.pages[0].height == before


def test_directory_sign_is_laid_out_once_and_written_as_two_layouts_write_it(pipeline, monkeypatch):
    layout = pipeline.layout("sign.directory")
    for languages in (("sl",), ("sl", "hu")):
        request = pipeline.validate(layout, layout.sample(languages))
        composition = pipeline.composer.compose(layout, request)
        calls = []
        original = pipeline.renderer.lay_out
        monkeypatch.setattr(
            pipeline.renderer,
            "lay_out",
            lambda *a, calls=calls, original=original, **k: calls.append(a) or original(*a, **k),
        )
        fitted = pipeline.renderer.lay_out_fitted(layout, composition, 3)
        monkeypatch.undo()
        assert len(calls) == 1
        height = pipeline.renderer.content_height_mm(original(layout, composition, bleed_mm=3))
        twice = original(layout, composition, height, 3)
        assert fitted.pages[0].height == twice.pages[0].height
        for fmt in ("pdf", "pdfa-2b"):
            output = FORMATS[fmt]
            assert pipeline.renderer.write_pdf(fitted, output) == pipeline.renderer.write_pdf(
                twice, output
            )


def test_an_absolutely_positioned_box_is_found_in_its_placeholder():
    """The imprint reads its plan from the laid-out tree, where layout wraps an absolutely
    positioned box in a placeholder: ``placed`` gives the box itself, with its position."""
    html = '<p style="position: absolute; left: 10mm; top: 5mm">RR123456785SI</p>'
    page = weasycompat.page_box(HTML(string=html).render(stylesheets=[_page(50, 0)]).pages[0])
    placeholders = [b for b in page.descendants() if type(b).__name__ == "AbsolutePlaceholder"]
    assert len(placeholders) == 1
    box = weasycompat.placed(placeholders[0])
    assert isinstance(box, boxes.BlockBox) and box.element.tag == "p"
    assert box.position_x == pytest.approx(10 * weasycompat.PX_PER_MM)
    assert box.position_y == pytest.approx(5 * weasycompat.PX_PER_MM)
    assert weasycompat.placed(page) is page


def _font_config_with_a_font_face():
    from weasyprint.text.fonts import FontConfiguration

    from renderer.paths import FONTS_DIR

    font = next(FONTS_DIR.rglob("*.ttf"))
    config = FontConfiguration()
    CSS(
        string=f'@font-face {{ font-family: probe; src: url("{font.as_uri()}") }}',
        font_config=config,
    )
    return config


@pytest.mark.parametrize("disowned", [False, True])
def test_a_disowned_font_configuration_leaves_its_font_files(disowned):
    """What a worker forked from the master does: its font configuration, collected at exit,
    must not remove the folder the master's fonts are loaded from (and upstream still keeps
    them in ``_folder`` and removes it when collected: without disowning, it is gone)."""
    import gc
    import shutil

    config = _font_config_with_a_font_face()
    folder = config._folder
    assert folder is not None and any(folder.iterdir())
    if disowned:
        weasycompat.disown_font_files(config)
    del config
    gc.collect()
    try:
        assert folder.exists() is disowned
    finally:
        shutil.rmtree(folder, ignore_errors=True)
