"""The layout's CSS made standalone (e-mail HTML, the benchmarks' plain documents): every
@import inlined, nested ones too, so a standalone document lays out as the pipeline does."""

from weasyprint import HTML

from renderer.render import TEMPLATES_DIR, Renderer


def test_nested_imports_are_inlined(pipeline):
    css = Renderer.own_css(pipeline.layout("complaint-book"))
    assert "@import" not in css
    books = (TEMPLATES_DIR / "common" / "books.css").read_text(encoding="utf-8")
    assert books.strip().splitlines()[-1] in css  # complaint-book.css imports books.css


def test_standalone_book_has_the_pipelines_pages(pipeline):
    """The whole complaint book written out as one HTML document has 100 pages, as the
    pipeline's book has (its page breaks come from books.css, two imports deep)."""
    layout = pipeline.layout("complaint-book")
    request = pipeline.validate(layout, layout.sample(("sl",)))
    composition = pipeline.composer.compose(layout, request)
    css = "\n".join(
        [
            pipeline.renderer.fonts.css(),
            Renderer.own_css(layout),
            "@page { size: 210mm 297mm; margin: 0; }",
        ]
    )
    html = composition.html.replace("</head>", f"<style>{css}</style></head>", 1)
    document = HTML(string=html, base_url=composition.base_url).render()
    assert len(document.pages) == layout.assembly.render_pages
