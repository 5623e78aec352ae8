"""renderer/weasycompat.py against WeasyPrint itself: a page shortened after one layout is
written byte for byte as a second layout at that height writes it. These fail when
WeasyPrint changes the internals touched there."""

import base64
import dataclasses
import inspect
import itertools
import re

import pytest
from weasyprint import CSS, HTML
from weasyprint.formatting_structure import boxes

from renderer import weasycompat
from renderer.options import FORMATS
from renderer.registry import Registry
from renderer.render import Renderer

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


# --- ComposedHTML: the composed documents parsed and styled faster, unchanged -------------


def test_composed_html_sets_what_weasyprint_html_sets():
    """ComposedHTML sets HTML's attributes itself when renderer.fasthtml reads the document:
    WeasyPrint's HTML must still set those and no others, in the same way."""
    from renderer.fetcher import AssetFetcher

    html = "<!doctype html><html><head><base href='sub/'></head><body><p>a</p></body></html>"
    fetcher = AssetFetcher()
    theirs = HTML(string=html, base_url="file:///x/", url_fetcher=fetcher)
    ours = weasycompat.ComposedHTML(html, "file:///x/", fetcher)
    assert sorted(vars(theirs)) == sorted(weasycompat.HTML_ATTRIBUTES) == sorted(vars(ours))
    assert ours.base_url == theirs.base_url == "file:///x/sub/"
    assert ours.media_type == theirs.media_type and ours.url_fetcher is fetcher
    assert type(ours.wrapper_element) is type(theirs.wrapper_element)
    assert ours.etree_element is ours.wrapper_element.etree_element
    assert inspect.signature(HTML._ua_stylesheets).parameters.keys() == {"self", "forms"}


def test_the_user_agent_stylesheet_is_scoped_as_expected():
    from weasyprint.html import UA

    scoped = weasycompat.scoped_ua_css()
    for pseudo in weasycompat.UNIVERSAL_PSEUDO_ELEMENTS:
        assert f"\n::{pseudo} {{" in UA and f"\nli::{pseudo} {{" in scoped
    margin_rules = weasycompat.MARGIN_BOX_RULE.findall(UA)
    assert len(margin_rules) == weasycompat.MARGIN_BOXES == 16
    assert "@top-center" in UA and "@top-center" not in scoped
    # nothing else changed
    assert scoped.replace("\nli::", "\n::") == weasycompat.MARGIN_BOX_RULE.sub("", UA)
    with pytest.raises(ValueError, match="changed"):
        weasycompat.scoped_ua_css(UA.replace("\n::marker {", "\n::marker, x {"))
    with pytest.raises(ValueError, match="margin boxes"):
        weasycompat.scoped_ua_css(UA.replace("@top-center ", "@top-center{} @x "))


def _templates_matching(pattern: re.Pattern) -> list[str]:
    """The templates and stylesheets in which ``pattern`` occurs."""
    from renderer.paths import TEMPLATES_DIR

    return [
        path.name
        for path in TEMPLATES_DIR.rglob("*")
        if path.suffix in (".css", ".j2") and pattern.search(path.read_text(encoding="utf-8"))
    ]


def test_no_template_makes_list_items_footnotes_notes_or_margin_boxes():
    """What the scoped user-agent rules no longer style outside li, and the page-margin
    boxes whose rules are left out."""
    pattern = re.compile(r"list-item|footnote|note\(|<li\b|::marker|@(top|bottom|left|right)-")
    assert _templates_matching(pattern) == []


class _PlainHTML(HTML):
    """WeasyPrint's own HTML, called as the renderer calls ComposedHTML (keeping nothing)."""

    def render(self, font_config, stylesheets, static_blocks=None):
        return super().render(font_config=font_config, stylesheets=stylesheets)


@pytest.mark.parametrize(
    "layout_id",
    ["certification-book.register", "envelope.personal-delivery", "e-delivery.slip", "sign.facade"],
)
def test_composed_html_renders_what_weasyprint_html_renders(pipeline, layout_id, monkeypatch):
    """The same bytes through ComposedHTML as through WeasyPrint's own HTML (tagged too)."""
    layout = pipeline.layout(layout_id)
    request = pipeline.validate(layout, layout.sample(("sl", "hu")))
    composition = pipeline.composer.compose(layout, request)
    output = FORMATS["pdfua-1" if layout.tagged else "pdf"]
    assert weasycompat.fasthtml.parse(composition.html) is not None
    ours = pipeline.renderer.write_pdf(pipeline.renderer.lay_out(layout, composition), output)
    monkeypatch.setattr(
        weasycompat,
        "ComposedHTML",
        lambda string, base_url, url_fetcher: _PlainHTML(
            string=string, base_url=base_url, url_fetcher=url_fetcher
        ),
    )
    theirs = pipeline.renderer.write_pdf(pipeline.renderer.lay_out(layout, composition), output)
    assert ours == theirs


# --- StaticBlocks: laid-out fixed wording reused across documents, unchanged ---------------

LAYOUT_IDS = Registry().ids()
#: Layouts mostly of fixed wording: the cache must be hit (the tests cannot pass vacuously).
#: Layouts whose fixed wording is kept in every language set (the office-hours notice in one
#: language is not: its only fixed blocks are its h1 headings, and WeasyPrint gives an h1
#: cached counter values, which StaticBlocks does not keep).
TEXT_HEAVY = {
    "certification.copy",
    "certification.signature",
    "e-delivery.notice",
    "e-delivery.physical-notice",
    "e-delivery.reminder",
    "stamp.receipt",
}
FIELD_TEXT = re.compile(r'(<[^>]* data-field="[^"]*"[^>]*>)([^<]+)<')


def _varied(html: str) -> str:
    """The composed HTML with every value's text doubled: its neighbours move down."""
    return FIELD_TEXT.sub(lambda m: f"{m.group(1)}{m.group(2)} {m.group(2)}<", html)


@pytest.fixture(scope="module")
def renderers(pipeline):
    """One renderer keeping static blocks across the module's documents, one without."""
    cached, fresh = Renderer(pipeline.renderer.fonts), Renderer(pipeline.renderer.fonts)
    fresh.static_blocks = None
    return cached, fresh


def _lay_out(renderer, layout, composition):
    if layout.page.auto_height:
        return renderer.lay_out_fitted(layout, composition)
    return renderer.lay_out(layout, composition)


@pytest.mark.parametrize("languages", [("sl",), ("sl", "it"), ("sl", "hu")], ids="+".join)
@pytest.mark.parametrize("layout_id", LAYOUT_IDS)
def test_static_blocks_change_no_byte(pipeline, renderers, layout_id, languages):
    """Each sample laid out after a document whose values differ (reusing its blocks where
    they moved) and again (reusing its own) writes what a renderer without the cache writes."""
    layout = pipeline.layout(layout_id)
    composition = pipeline.composer.compose(
        layout, pipeline.validate(layout, layout.sample(languages))
    )
    varied = dataclasses.replace(composition, html=_varied(composition.html))
    cached, fresh = renderers
    formats = ("pdf", "pdfa-2b", "pdfua-1") if layout.tagged else ("pdf", "pdfa-2b")
    expected = _lay_out(fresh, layout, composition)
    written = {fmt: fresh.write_pdf(expected, FORMATS[fmt]) for fmt in formats}
    _lay_out(cached, layout, varied)
    for written_formats in (formats, ("pdf",)):
        hits = cached.static_blocks.hits
        document = _lay_out(cached, layout, composition)
        for fmt in written_formats:
            assert cached.write_pdf(document, FORMATS[fmt]) == written[fmt], fmt
    assert cached.static_blocks.hits > hits or layout_id not in TEXT_HEAVY


def test_static_blocks_are_hit_and_refer_to_the_current_document(pipeline):
    """The fixed paragraphs of the physical notice (four of six in sl+hu) are copies from the
    cache the second time, whose boxes name the elements of the document being laid out."""
    layout = pipeline.layout("e-delivery.physical-notice")
    composition = pipeline.composer.compose(
        layout, pipeline.validate(layout, layout.sample(("sl", "hu")))
    )
    renderer = Renderer(pipeline.renderer.fonts)
    renderer.lay_out(layout, composition)
    assert (renderer.static_blocks.stored, renderer.static_blocks.hits) == (4, 0)
    document = renderer.lay_out(layout, composition)
    assert (renderer.static_blocks.stored, renderer.static_blocks.hits) == (4, 4)
    elements = set(document._html.etree_element.iter())
    tree = weasycompat.page_box(document.pages[0]).descendants()
    assert all(box.element is None or box.element in elements for box in tree)
    renderer.forget("e-delivery.physical-notice")
    assert len(renderer.static_blocks) == len(renderer.static_blocks.lines) == 0


def test_fixed_lines_are_reused_and_values_are_not_kept(pipeline):
    """The lines of the certification's paragraphs that hold values are broken once: the
    second time every text of fixed wording looked up is a hit (nothing more is stored;
    the lines of a block reused whole are not looked up), and no kept text holds a value."""
    layout = pipeline.layout("certification.copy")
    request = pipeline.validate(layout, layout.sample(("sl", "hu")))
    composition = pipeline.composer.compose(layout, request)
    renderer = Renderer(pipeline.renderer.fonts)
    renderer.lay_out(layout, composition)
    lines = renderer.static_blocks.lines
    stored, hits = lines.stored, lines.hits
    assert stored > 20
    renderer.lay_out(layout, composition)
    assert lines.stored == stored and lines.hits - hits > stored / 2
    kept = {key[1] for key in lines._entries}
    for value in ("Upravna enota Lendava", "OV-12/2026", "pogodba", "4,50"):
        assert value in composition.html
        assert not any(value in text for text in kept), value


def test_static_blocks_are_bounded_and_shared_across_threads(pipeline):
    """A cache of three blocks stays at three (the document has more) and changes no byte,
    renders in two threads at once; a cache that holds them all is hit by every render of
    the threads. (Whether the three-block cache is hit depends on the threads' interleaving:
    in order, each block is evicted before it comes round again.)"""
    from concurrent.futures import ThreadPoolExecutor

    layout = pipeline.layout("certification.signature")
    composition = pipeline.composer.compose(
        layout, pipeline.validate(layout, layout.sample(("sl", "hu")))
    )
    output = FORMATS["pdf"]
    for capacity in (3, 512):
        renderer = Renderer(pipeline.renderer.fonts)
        renderer.static_blocks = weasycompat.StaticBlocks(capacity=capacity)
        expected = renderer.write_pdf(renderer.lay_out(layout, composition), output)
        stored = renderer.static_blocks.stored
        assert len(renderer.static_blocks) == min(capacity, stored) and stored > 3
        with ThreadPoolExecutor(2) as pool:
            written = pool.map(
                lambda _, r=renderer: r.write_pdf(r.lay_out(layout, composition), output),
                range(6),
            )
            assert set(written) == {expected}
        assert len(renderer.static_blocks) <= capacity
    assert renderer.static_blocks.hits >= 6 * stored


def test_no_template_styles_by_what_a_static_block_key_leaves_out():
    """A block's key holds its ancestors' and their siblings' start tags, not their content:
    no selector may look at content (``:empty``, ``:has()``)."""
    pattern = re.compile(r":empty|:has\(")
    assert _templates_matching(pattern) == []


def test_weasyprint_layout_internals_are_as_the_static_blocks_expect():
    """What weasycompat's static blocks rely on: the fails here say what changed upstream."""
    from weasyprint.draw import text as draw_text
    from weasyprint.formatting_structure import build
    from weasyprint.layout import LayoutContext, block, flex, grid, inline, preferred
    from weasyprint.text import fonts as text_fonts
    from weasyprint.text import line_break

    # the wrapped function, called through block.py's global name by the in-flow layout
    assert list(inspect.signature(weasycompat._block_level_layout).parameters) == list(
        inspect.signature(weasycompat._static_block_layout).parameters
    )
    assert block.block_level_layout is weasycompat._static_block_layout
    assert "block_level_layout" in block._in_flow_layout.__code__.co_names
    # flex and grid items (laid out with styles of their own) are told apart by their flags
    assert "block.block_level_layout" in inspect.getsource(flex)
    assert "child.is_flex_item = True" in inspect.getsource(build)
    assert "child.is_grid_item = True" in inspect.getsource(build)
    assert "block_level_layout" in inspect.getsource(grid)
    # a block is laid out into a copy of itself with new children, its decorations trimmed
    source = inspect.getsource(block.block_container_layout)
    assert "box.copy_with_children(new_children)" in source
    assert "adjoining_margins.append(box.margin_top)" in source
    # what the key and the fit check read of the layout context
    context = LayoutContext(None, lambda *a, **k: None, None, None, None)
    for name in ("in_column", "footnotes", "current_page", "forced_break", "style_for"):
        assert hasattr(context, name), name
    assert isinstance(inspect.getattr_static(LayoutContext, "excluded_shapes"), property)
    assert list(inspect.signature(LayoutContext.overflows_page).parameters) == [
        "self",
        "bottom_space",
        "position_y",
    ]
    # boxes copied, translated, and what marks one that refers to something elsewhere
    for name in ("deepcopy", "translate", "descendants", "copy_with_children"):
        assert callable(getattr(boxes.ParentBox, name)), name
    for name in ("footnote", "missing_link", "cached_counter_values", "bookmark_label"):
        assert hasattr(boxes.Box, name), name
    # the line breaker, called through the global names of the inline and preferred layouts
    assert list(inspect.signature(weasycompat._split_first_line).parameters) == list(
        inspect.signature(weasycompat._static_split_first_line).parameters
    )
    assert inline.split_first_line is preferred.split_first_line
    assert inline.split_first_line is weasycompat._static_split_first_line
    assert "split_first_line" in inline.split_text_box.__code__.co_names
    assert "from .inline import split_first_line" in inspect.getsource(preferred)
    # what it reads of the style: every property named in line_break.py and fonts.py
    read = set()
    for module in (line_break, text_fonts):
        read |= set(re.findall(r"style\['([a-z_]+)'\]", inspect.getsource(module)))
    assert read == set(weasycompat.TEXT_PROPERTIES)
    assert "percentage(" in inspect.getsource(line_break.split_first_line)
    # a laid-out text keeps a Pango layout torn down to plain values; drawing sets it up again
    # from the box's text and style: a shallow copy shares nothing drawing changes
    assert "layout.deactivate()" in inspect.getsource(line_break.first_line_metrics)
    assert "del self.layout, self.language, self.style" in inspect.getsource(
        line_break.Layout.deactivate
    )
    source = inspect.getsource(draw_text.draw_text)
    assert "textbox.pango_layout.reactivate(textbox.style)" in source
    assert "textbox.pango_layout.deactivate()" in source


SVG_LAYOUTS = ("sign.directory", "sign.facade", "signature.stamp", "envelope.personal-delivery")


@pytest.mark.parametrize("languages", [("sl",), ("sl", "hu")], ids="+".join)
@pytest.mark.parametrize("layout_id", SVG_LAYOUTS)
def test_drawn_svg_images_change_no_byte(pipeline, layout_id, languages):
    """The arms drawn again from the operators an earlier document's drawing appended write
    what WeasyPrint's own SVG drawing writes, in every format."""
    layout = pipeline.layout(layout_id)
    composition = pipeline.composer.compose(
        layout, pipeline.validate(layout, layout.sample(languages))
    )
    fresh, cached = Renderer(pipeline.renderer.fonts), Renderer(pipeline.renderer.fonts)
    fresh.drawn_images = None
    for fmt in ("pdf", "pdfa-1b", "pdfx-4"):
        expected = fresh.write_pdf(_lay_out(fresh, layout, composition), FORMATS[fmt])
        cached.write_pdf(_lay_out(cached, layout, composition), FORMATS[fmt])
        hits = cached.drawn_images.hits
        assert cached.write_pdf(_lay_out(cached, layout, composition), FORMATS[fmt]) == expected
        assert cached.drawn_images.hits > hits, fmt


def _svg_page(svg: str) -> str:
    source = base64.b64encode(svg.encode()).decode()
    return f'<html><body><img src="data:image/svg+xml;base64,{source}" style="width: 20mm"></body></html>'


PLAIN_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" width="10" height="10">'
    '<path d="M0,0 H10 V10 Z" fill="#ed1c24" fill-opacity="0.5"/></svg>'
)
GRADIENT_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" width="10" height="10">'
    '<defs><linearGradient id="g"><stop offset="0" stop-color="red"/>'
    '<stop offset="1" stop-color="blue"/></linearGradient></defs>'
    '<rect width="10" height="10" fill="url(#g)"/></svg>'
)


@pytest.mark.parametrize(("svg", "kept"), [(PLAIN_SVG, 1), (GRADIENT_SVG, 0)])
def test_only_self_contained_svg_drawings_are_kept(svg, kept):
    """A drawing that registers only alpha states is kept and replayed to the same bytes; one
    that registers a pattern or shading (a gradient) is drawn by WeasyPrint every time."""
    drawn = weasycompat.DrawnImages()
    html = _svg_page(svg)
    expected = weasycompat.write_pdf(HTML(string=html).render())
    assert weasycompat.write_pdf(HTML(string=html).render(), drawn) == expected
    assert (drawn.stored, drawn.hits) == (kept, 0)
    assert weasycompat.write_pdf(HTML(string=html).render(), drawn) == expected
    assert (drawn.stored, drawn.hits) == (kept, kept)


def test_weasyprint_svg_drawing_is_as_the_drawn_images_expect():
    """What weasycompat's drawn images rely on: the fails here say what changed upstream."""
    from weasyprint import draw
    from weasyprint.images import SVGImage
    from weasyprint.pdf import stream

    assert SVGImage.draw is weasycompat._drawn_svg
    assert list(inspect.signature(weasycompat._draw_svg).parameters) == list(
        inspect.signature(weasycompat._drawn_svg).parameters
    )
    assert "replacement.draw(stream" in inspect.getsource(draw.draw_replacedbox)
    source = inspect.getsource(stream.Stream)
    for name in (*weasycompat._STREAM_STATE, *weasycompat._STREAM_FONT, "_ctm_stack"):
        assert f"self.{name} " in source, name
    for name in ("_fonts", "_images", "_tags", "_resources"):
        assert f"self.{name} = {name[1:]}" in source, name
    # set_alpha registers its states by these names, holding one entry each
    alpha = inspect.getsource(stream.Stream.set_alpha)
    assert "key = f'A{alpha}'" in alpha and "key = f'a{alpha}'" in alpha
    assert "pydyf.Dictionary({'CA': alpha})" in alpha


# --- Dotted borders: one stroked line a side, the dots where WeasyPrint puts them ----------

#: Dotted sides that meet no other: 45 mm at 0.25 mm is a whole number of dots apart (the
#: count rounds there), the others are not; vertical sides; two colours and widths.
DOTTED = """<html><head><style>body { margin: 0 } div { margin: 3mm }</style></head><body>
<div style="border-top: 0.25mm dotted #000; width: 45mm; height: 2mm"></div>
<div style="border-top: 0.2mm dotted #22a3dc; border-bottom: 0.3mm dotted red; width: 37.3mm"></div>
<div style="border-left: 0.35mm dotted #000; border-right: 0.25mm dotted #000; width: 11mm; height: 23.7mm"></div>
</body></html>"""


def _dots(pdf_bytes: bytes) -> list[list[tuple[float, float]]]:
    """The dot centres of each side, as WeasyPrint draws them (a closed path of four Bézier
    curves a dot, between two clips) or as weasycompat strokes them (a dashed line)."""
    import io

    import pikepdf

    from renderer.press import content

    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        instructions = content.parse(pdf.pages[0])
    sides, dots, dash, start = [], [], None, None
    for index, (operands, operator) in enumerate(instructions):
        op = str(operator)
        values = [float(v) for v in operands] if op in ("m", "l") else []
        following = [str(o) for _, o in instructions[index + 1 : index + 6]]
        if op == "m" and following == ["c", "c", "c", "c", "h"]:
            (x1, y1), (x2, y2) = values, [float(v) for v in instructions[index + 2][0][-2:]]
            dots.append(((x1 + x2) / 2, (y1 + y2) / 2))  # the dot's rightmost and leftmost
        elif op == "W*" and dots:
            sides.append(dots)
            dots = []
        elif op == "d":
            on, off = (float(v) for v in operands[0])
            dash = (on, on + off)
        elif op == "m" and dash is not None:
            start = values
        elif op == "l" and dash is not None and start is not None:
            (x1, y1), (x2, y2), (on, period) = start, values, dash
            axis = 0 if y1 == y2 else 1
            first, end = start[axis] + on / 2, values[axis]
            count = int((end - first) // period) + 1
            sides.append(
                [
                    (first + k * period, y1) if axis == 0 else (x1, first + k * period)
                    for k in range(count)
                ]
            )
            start = None
    return sorted(sides)


def test_dotted_borders_are_stroked_with_weasyprints_dots(monkeypatch):
    """Each dotted side is one stroked line whose dots fall where WeasyPrint's own drawing
    puts them (its last dot, past the box and clipped away, aside), as many, within a
    thousandth of a px; every dash has a length (PDFium draws one of 0 a tenth of a px long)."""
    from weasyprint import draw

    ours = HTML(string=DOTTED).write_pdf(uncompressed_pdf=True)
    monkeypatch.setattr(draw, "draw_border", weasycompat._draw_border)
    theirs = HTML(string=DOTTED).write_pdf(uncompressed_pdf=True)
    stroked, drawn = _dots(ours), _dots(theirs)
    assert len(stroked) == len(drawn) == 5
    for line, dots in zip(stroked, drawn, strict=True):
        assert len(line) == len(dots) - 1 > 20
        for (x1, y1), (x2, y2) in zip(line, dots, strict=False):
            assert x1 == pytest.approx(x2, abs=1e-3) and y1 == pytest.approx(y2, abs=1e-3)
    dashes = re.findall(rb"\[([0-9. ]+)\] 0 d", ours)
    assert len(dashes) == 5 and all(dash.startswith(b"0.001 ") for dash in dashes)
    assert len(ours) < len(theirs) / 2


@pytest.mark.parametrize(
    "style",
    [
        "border: 0.25mm dotted #000",  # four sides: WeasyPrint's own fast path
        "border-top: 0.25mm dotted #000; border-left: 0.25mm dotted #000",  # sides that meet
        "border-top: 0.25mm dotted #000; border-bottom: 0.25mm solid #000",
        "border-top: 0.25mm dotted #000; border-radius: 1mm",
        "border-top: 0.25mm dotted transparent",
        "border-top: 0.25mm dashed #000",
        "border-top: 1mm dotted #000; width: 1.5mm",  # shorter than two dots
    ],
)
def test_other_borders_are_drawn_by_weasyprint(monkeypatch, style):
    from weasyprint import draw

    html = f'<div style="{style}; width: 30mm; height: 5mm"></div>'
    if "width: 1.5mm" in style:
        html = html.replace("width: 30mm; ", "")
    ours = HTML(string=html).write_pdf()
    monkeypatch.setattr(draw, "draw_border", weasycompat._draw_border)
    assert HTML(string=html).write_pdf() == ours


def test_weasyprint_draws_borders_as_the_dotted_lines_expect():
    """What the dotted lines rely on in WeasyPrint's drawing: the fails here say what changed."""
    from weasyprint import draw
    from weasyprint.draw import border

    # drawing calls draw_border through draw/__init__.py's global name
    assert draw.draw_border is weasycompat._draw_dotted_border
    for function in (draw.draw_stacking_context, draw.draw_inline_level, draw.draw_table):
        assert "draw_border" in function.__code__.co_names, function
    assert border.SIDES == ("top", "right", "bottom", "left")
    # a side with no rounded corner: dots flush with its ends, evenly spaced, as computed here
    source = inspect.getsource(border.clip_border_segment)
    for line in (
        "number_of_spaces = floor(length / dash / 2)",
        "space = (length - number_of_dashes * dash) / number_of_spaces",
        "advance = i * (space + dash)",
        "cx, cy = bbx + advance + dash / 2, bby + width / 2",
    ):
        assert line in source, line
    # what it checks before a border is drawn side by side
    source = inspect.getsource(border.draw_border)
    for part in (
        "box.style['visibility'] != 'visible'",
        "border_image_source",
        "column_rule_width",
    ):
        assert part in source, part


def test_normal_flow_is_read_as_weasyprint_reads_it():
    """``is_in_normal_flow`` answers as WeasyPrint's own for every float and position, and
    what it folds together is as WeasyPrint defines it (the fails say what changed)."""
    assert boxes.Box.is_in_normal_flow is weasycompat._is_in_normal_flow
    floats = ("none", "left", "right", "inline-start", "inline-end", "footnote")
    positions = ("static", "relative", "absolute", "fixed", ("running()", "r"), ("note()", "n"))
    for float_, position in itertools.product(floats, positions):
        box = boxes.BlockBox.__new__(boxes.BlockBox)
        box.style = {"float": float_, "position": position}
        expected = weasycompat._box_is_in_normal_flow(box)
        assert weasycompat._is_in_normal_flow(box) == expected, (float_, position)
    document = HTML(string="<p>a <span style='float: right'>b</span> <i>c</i></p>").render()
    tree = list(weasycompat.page_box(document.pages[0]).descendants())
    assert [weasycompat._is_in_normal_flow(b) for b in tree] == [
        weasycompat._box_is_in_normal_flow(b) for b in tree
    ]
    for name, source in {
        "is_floated": "self.style['float'] in ('left', 'right', 'inline-start', 'inline-end')",
        "is_footnote": "self.style['float'] == 'footnote'",
        "is_note": "self.style['position'][0] == 'note()'",
        "is_absolutely_positioned": "self.style['position'] in ('absolute', 'fixed')",
        "is_running": "self.style['position'][0] == 'running()'",
    }.items():
        assert source in inspect.getsource(getattr(boxes.Box, name)), name
        assert not any(name in vars(cls) for cls in _box_classes() if cls is not boxes.Box), name
    source = inspect.getsource(weasycompat._box_is_in_normal_flow)
    for name in ("is_floated", "is_absolutely_positioned", "is_running", "is_footnote", "is_note"):
        assert f"self.{name}()" in source, name


def _box_classes():
    found, todo = [], [boxes.Box]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found
