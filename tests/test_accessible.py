"""Tagged PDF/UA-1 (issue 19): the Matterhorn checks and the reading order of every tagged
layout in sl, sl+it and sl+hu, unsigned (pdfua-1) and signed (pdfa-2a, pdfa-3a where the
layout embeds a file); each check shown to fail on a file broken for it."""

from __future__ import annotations

import inspect
import io
import json
import re
from datetime import datetime

import pikepdf
import pypdfium2 as pdfium
import pytest
from falcon import testing
from lxml import html as lxml_html

from renderer.accessible import AccessibilityError, make_accessible, problems, reading, weasytags
from renderer.finish import DocumentInfo, FinishOptions, finish
from renderer.http.app import create_app
from renderer.options import FORMATS, RenderOptions
from renderer.sign.config import SigningConfig
from renderer.sign.service import SigningService
from renderer.uploads import count_pages

from .conftest import ALL_LANGUAGE_SETS, sample
from .preflight import preflight, require_preflight
from .test_signing import KEY_OFFICE, config_text, pki  # noqa: F401 (pki: the fixture)

#: What a reader hears for an empty blank and before a struck alternative, written here
#: independently of the catalogs.
BLANK = {"sl": "(prazno)", "it": "(vuoto)", "hu": "(üres)"}
STRUCK = {"sl": "prečrtano:", "it": "barrato:", "hu": "áthúzva:"}
SCAN_PAGE = {"sl": "Stran {} skeniranega izvirnika"}
TAGGED = [
    "certification.copy",
    "certification.electronic-copy",
    "certification.signature",
    "complaint-book.notice",
    "e-delivery.accepted",
    "e-delivery.failed",
    "e-delivery.notice",
    "e-delivery.physical-notice",
    "e-delivery.reminder",
    "e-delivery.slip",
    "e-delivery.slip-deemed",
    "e-delivery.slip-deemed-absent",
    "e-delivery.unknown-address",
    "e-receipt.application",
    "notice.complaint-right",
    "notice.discretion-zone",
    "notice.office-hours",
]
EMBEDS = {"certification.electronic-copy", "e-receipt.application"}  # PDF/A-3 only


def test_the_tagged_layouts_are_those_meant_to_be_read(pipeline):
    assert sorted(layout.id for layout in pipeline.registry if layout.tagged) == TAGGED


# ------------------------------------------------------------------ expected reading
def _lang(element, default: str) -> str:
    for node in element.iterancestors():
        if node.get("lang"):
            return node.get("lang")
    return default


def expected_reading(html: str, default: str) -> list[tuple[str, str]]:
    """(language, text) in document order, from the composed HTML (lxml, not the PDF): an
    empty blank as the word for it, a struck alternative as "struck: <its words>"."""
    pieces: list[tuple[str, str]] = []

    def words(element, lang) -> str:
        parts = [element.text or ""]
        for child in element:
            parts.append(
                f" {BLANK[lang]} "
                if "blank" in child.get("class", "").split()
                else words(child, lang)
            )
            parts.append(child.tail or "")
        return "".join(parts).replace("……………", f" {BLANK[lang]} ")

    def visit(element, lang):
        lang = element.get("lang") or lang
        classes = element.get("class", "").split()
        if "blank" in classes:
            prefix = f"{STRUCK[lang]} " if "struck" in classes else ""
            pieces.append((lang, prefix + BLANK[lang]))
        elif element.tag == "del":
            pieces.append((lang, f"{STRUCK[lang]} {words(element, lang)}"))
        else:
            if element.text:
                pieces.append((lang, element.text))
            for child in element:
                visit(child, lang)
                if child.tail:
                    pieces.append((lang, child.tail))

    body = lxml_html.fromstring(html).find("body")
    visit(body, default)
    return pieces


def squeeze(pieces) -> list[tuple[str, str]]:
    """Consecutive pieces of one language joined, whitespace removed (a PDF has no spaces
    between lines): what must match is every character, its order and its language."""
    runs: list[tuple[str, str]] = []
    for lang, text in pieces:
        text = re.sub(r"\s+", "", text)
        if not text:
            continue
        if runs and runs[-1][0] == lang:
            runs[-1] = (lang, runs[-1][1] + text)
        else:
            runs.append((lang, text))
    return runs


def composed(pipeline, layout_id, languages) -> str:
    layout = pipeline.layout(layout_id)
    request = pipeline.validate(layout, sample(layout_id, languages))
    return pipeline.composer.compose(layout, request).html


def check_reading(pipeline, layout_id, languages, pdf_bytes) -> None:
    expected = expected_reading(composed(pipeline, layout_id, languages), languages[0])
    layout = pipeline.layout(layout_id)
    if layout.upload:
        scanned = count_pages(layout.sample_upload(layout.upload))
        expected = [("sl", SCAN_PAGE["sl"].format(n)) for n in range(1, scanned + 1)] + expected
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        got = [(piece.lang, piece.text) for piece in reading(pdf)]
    assert squeeze(got) == squeeze(expected)


# ------------------------------------------------------------------ unsigned
@pytest.fixture(scope="module")
def tagged(pipeline):
    cache = {}

    def get(layout_id, languages, fmt="pdfua-1"):
        key = (layout_id, languages, fmt)
        if key not in cache:
            rendered = pipeline.render_sample(layout_id, languages, RenderOptions(fmt))
            cache[key] = rendered.content
        return cache[key]

    return get


@pytest.mark.parametrize("languages", ALL_LANGUAGE_SETS)
@pytest.mark.parametrize("layout_id", TAGGED)
def test_tagged_layout_passes_and_reads_in_order(pipeline, tagged, layout_id, languages):
    pdf_bytes = tagged(layout_id, languages)
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        assert problems(pdf, languages) == []
        assert str(pdf.Root.Lang) == "sl"
        meta = pdf.open_metadata()
        assert meta["pdfuaid:part"] == "1"
        assert "pdfaid:part" not in meta
    check_reading(pipeline, layout_id, languages, pdf_bytes)


def _pages_as_pixels(pdf_bytes: bytes, dpi: int = 50) -> list[bytes]:
    document = pdfium.PdfDocument(pdf_bytes)
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("RGB").tobytes() for page in document]
    finally:
        document.close()


@pytest.mark.parametrize("layout_id", TAGGED)
def test_tagged_output_looks_like_untagged(tagged, rendered_samples, layout_id):
    """Tagging changes what is read, never what is seen (every page, the scan's included)."""
    languages = ("sl", "it")
    assert _pages_as_pixels(tagged(layout_id, languages)) == _pages_as_pixels(
        rendered_samples(layout_id, languages, "pdf")
    )


# ------------------------------------------------------------------ signed
@pytest.fixture(scope="module")
def signing(pki):  # noqa: F811 (pki: the fixture)
    path = pki.directory / "signing.toml"
    path.write_text(config_text(pki))
    return SigningService(SigningConfig.from_file(path))


def pdfa_format(layout_id: str) -> str:
    return "pdfa-3a" if layout_id in EMBEDS else "pdfa-2a"


@pytest.mark.parametrize("languages", ALL_LANGUAGE_SETS)
@pytest.mark.parametrize("layout_id", TAGGED)
def test_signed_tagged_layout_keeps_its_structure(pipeline, tagged, signing, layout_id, languages):
    fmt = pdfa_format(layout_id)
    signed = signing.sign(tagged(layout_id, languages, fmt), "office", "B-B")
    with pikepdf.open(io.BytesIO(signed)) as pdf:
        assert problems(pdf, languages) == []
        meta = pdf.open_metadata()
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == (fmt[-2], "A")
        assert meta["pdfuaid:part"] == "1"
        widgets = [a for page in pdf.pages for a in page.get("/Annots", [])]
        assert [str(w.TU) for w in widgets] == ["Elektronski podpis"]
        forms = [
            e
            for e in _elements(pdf.Root.StructTreeRoot)
            if e.get("/S") == "/Form" and e.K[0].Obj.objgen == widgets[0].objgen
        ]
        assert len(forms) == 1
    check_reading(pipeline, layout_id, languages, signed)


def _elements(node):
    kids = node.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid
            yield from _elements(kid)


def test_document_timestamp_field_is_tagged_too(tagged, signing):
    signed = signing.sign(tagged("e-delivery.slip", ("sl", "it"), "pdfa-2a"), "office", "B-LTA")
    with pikepdf.open(io.BytesIO(signed)) as pdf:
        assert problems(pdf, ("sl", "it")) == []
        widgets = [a for page in pdf.pages for a in page.get("/Annots", [])]
        assert sorted(str(w.TU) for w in widgets) == ["Elektronski podpis", "Časovni žig dokumenta"]


def test_visible_signature_on_a_tagged_document(pipeline, signing):
    """Rendered and signed over HTTP with a visible stamp: its widget is in the tree."""
    client = testing.TestClient(create_app(pipeline, signing))
    resp = client.simulate_post(
        "/v1/render/e-delivery.slip",
        params={"format": "pdfa-2a", "sign": "office", "stamp": "120,240", "stamp_page": "1"},
        body=json.dumps(sample("e-delivery.slip", ("sl", "hu"))),
        headers={"Content-Type": "application/json", "X-API-Key": KEY_OFFICE},
    )
    assert resp.status_code == 200, resp.text
    with pikepdf.open(io.BytesIO(resp.content)) as pdf:
        assert problems(pdf, ("sl", "hu")) == []
        (widget,) = pdf.pages[0].Annots
        assert float(widget.Rect[2]) - float(widget.Rect[0]) > 100  # 60 mm wide
        assert str(widget.TU) == "Elektronski podpis"


# ------------------------------------------------------------------ what is read
def test_bilingual_slip_reads_slovenian_then_italian(tagged):
    with pikepdf.open(io.BytesIO(tagged("e-delivery.slip", ("sl", "it")))) as pdf:
        pieces = reading(pdf)
    text = " ".join(p.text for p in pieces)
    assert text.startswith("VROČILNICA Giulia Rossi")  # the heading's words, not its letters
    first_it = next(i for i, p in enumerate(pieces) if p.lang == "it")
    assert pieces[first_it].text == "RICEVUTA DI NOTIFICA"
    assert {p.lang for p in pieces[:first_it]} == {"sl"}
    assert {p.lang for p in pieces[first_it:]} == {"it"}


def test_struck_alternatives_are_read_as_struck(tagged):
    with pikepdf.open(io.BytesIO(tagged("certification.signature", ("sl",)))) as pdf:
        pieces = reading(pdf)
        deleted = [e for e in _elements(pdf.Root.StructTreeRoot) if e.S == "/Del"]
        assert pdf.Root.StructTreeRoot.RoleMap.Del == "/Span"
        assert deleted and all(e.A.TextDecorationType == "/LineThrough" for e in deleted)
    texts = [p.text for p in pieces]
    assert "prečrtano: so" in texts  # the party is one woman: "je", not "so"
    assert "prečrtano: priznala podpis na tej listini za svojega" in texts
    # broken over two lines, still read once
    assert texts.count("prečrtano: na podlagi osebnega znanstva med uradno osebo in stranko") == 1
    with pikepdf.open(io.BytesIO(tagged("certification.signature", ("sl", "it")))) as pdf:
        italian = [p for p in reading(pdf) if p.lang == "it"]
    assert "barrato: firmato di proprio pugno il presente documento" in [p.text for p in italian]


def test_empty_blanks_are_read_as_blank_in_their_language(tagged):
    with pikepdf.open(io.BytesIO(tagged("certification.signature", ("sl", "hu")))) as pdf:
        pieces = reading(pdf)
    assert ("(üres)", "hu") in {(p.text, p.lang) for p in pieces}
    assert not any("……" in p.text for p in pieces)


def test_every_second_language_element_has_its_lang(tagged):
    with pikepdf.open(io.BytesIO(tagged("notice.office-hours", ("sl", "hu")))) as pdf:
        elements = list(_elements(pdf.Root.StructTreeRoot))
        hungarian = [e for e in elements if e.get("/Lang") == "hu"]
        assert hungarian
        for element in hungarian:  # every element below a Hungarian one says so itself
            assert all(kid.get("/Lang") == "hu" for kid in _elements(element))
        assert not any(e.get("/Lang") == "sl" for e in elements)  # the catalog says sl


def test_text_runs_are_not_wrapped_in_bare_spans(tagged):
    """WeasyPrint's Span per run of text is folded into its parent: the tree keeps only
    Spans that say something (a language of their own, a replacement text, a deletion)."""
    with pikepdf.open(io.BytesIO(tagged("e-delivery.notice", ("sl", "hu")))) as pdf:
        elements = list(_elements(pdf.Root.StructTreeRoot))
        spans = [e for e in elements if e.S == "/Span"]
        assert spans and all("/ActualText" in e for e in spans)  # the empty blanks
        parents = {e.objgen for e in elements}
        for entry in pdf.Root.StructTreeRoot.ParentTree.Nums[1::2]:
            assert all(ref.objgen in parents for ref in entry)


def test_office_hours_table_has_row_headers(tagged):
    with pikepdf.open(io.BytesIO(tagged("notice.office-hours", ("sl",)))) as pdf:
        headers = [e for e in _elements(pdf.Root.StructTreeRoot) if e.S == "/TH"]
        assert headers and all(e.A.Scope == "/Row" for e in headers)
        headings = [
            str(e.S) for e in _elements(pdf.Root.StructTreeRoot) if re.match(r"/H\d", str(e.S))
        ]
        assert headings[0] == "/H1"


def test_scanned_pages_are_figures(tagged):
    with pikepdf.open(io.BytesIO(tagged("certification.electronic-copy", ("sl",)))) as pdf:
        figures = [e for e in _elements(pdf.Root.StructTreeRoot) if e.S == "/Figure"]
        assert [str(f.Alt) for f in figures][:1] == ["Stran 1 skeniranega izvirnika"]
        assert figures[0].Pg.objgen == pdf.pages[0].objgen
        assert "/Annots" not in pdf.pages[0]


# ------------------------------------------------------------------ metadata and formats
def test_pdfa_2a_claims_both(pipeline, tagged):
    with pikepdf.open(io.BytesIO(tagged("notice.complaint-right", ("sl", "it"), "pdfa-2a"))) as pdf:
        meta = pdf.open_metadata()
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"], meta["pdfuaid:part"]) == (
            "2",
            "A",
            "1",
        )
        xmp = pdf.Root.Metadata.read_bytes().decode()
        assert "<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>" in xmp  # declared for PDF/A
        titles = pipeline.layout("notice.complaint-right").titles
        assert meta["dc:title"] == f"{titles['sl']} / {titles['it']}" == str(pdf.docinfo.Title)
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        assert pdf.Root.MarkInfo.Marked is True
        assert pdf.pdf_version == "1.7"


def test_untagged_formats_claim_no_pdfua(rendered_samples):
    with pikepdf.open(io.BytesIO(rendered_samples("e-delivery.slip", ("sl",), "pdfa-2b"))) as pdf:
        assert "pdfuaid:part" not in pdf.open_metadata()
        assert "/StructTreeRoot" not in pdf.Root


def test_layouts_say_whether_they_are_tagged(client):
    layouts = {item["id"]: item for item in client.simulate_get("/v1/layouts").json["layouts"]}
    assert layouts["e-delivery.slip"]["tagged"] is True
    for untagged in (
        "stamp.receipt",
        "sign.facade",
        "envelope.personal-delivery",
        "complaint-book",
    ):
        assert layouts[untagged]["tagged"] is False


def test_a_tagged_format_of_an_untagged_layout_is_refused(client):
    resp = client.simulate_post(
        "/v1/render/stamp.receipt",
        params={"format": "pdfua-1"},
        body=json.dumps(sample("stamp.receipt")),
        headers={"Content-Type": "application/json"},
    )
    assert resp.status_code == 400
    assert resp.headers["content-type"] == "application/problem+json"
    assert [e.get("parameter") for e in resp.json["errors"]] == ["format"]
    assert "not tagged" in resp.json["errors"][0]["detail"]


def test_no_claim_when_the_checks_fail(rendered_samples):
    """An untagged PDF finished as pdfua-1 is refused, not claimed."""
    untagged = rendered_samples("e-delivery.slip", ("sl",), "pdf")
    info = DocumentInfo("Elektronska vročilnica", ("sl",), datetime(2026, 11, 20))
    with pytest.raises(AccessibilityError, match="no structure tree"):
        finish(untagged, FinishOptions(info=info, output=FORMATS["pdfua-1"]))


# ------------------------------------------------------------------ each check can fail
def _broken(pdf_bytes: bytes, damage) -> list[str]:
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        damage(pdf)
        out = io.BytesIO()
        pdf.save(out)
    with pikepdf.open(io.BytesIO(out.getvalue())) as pdf:
        return problems(pdf, ("sl", "it"))


def _first(pdf, kind):
    return next(e for e in _elements(pdf.Root.StructTreeRoot) if e.S == kind)


def _untagged_text(pdf):
    page = pdf.pages[0]
    page.contents_add(pdf.make_stream(b"BT /F9 12 Tf (x) Tj ET"), prepend=False)


def _skip_heading(pdf):
    _first(pdf, "/H1").S = pikepdf.Name("/H3")


def _no_scope(pdf):
    del _first(pdf, "/TH").A.Scope


def _no_to_unicode(pdf):
    for font in pdf.pages[0].Resources.Font.values():
        del font.ToUnicode


def _no_display_title(pdf):
    pdf.Root.ViewerPreferences.DisplayDocTitle = False


def _foreign_lang(pdf):
    _first(pdf, "/P").Lang = pikepdf.String("de")


def _orphan_mcid(pdf):
    article = _first(pdf, "/Art")  # the Italian section cut off the tree, its content kept
    article.K = pikepdf.Array(list(article.K)[:1])


def _no_role_map(pdf):
    del pdf.Root.StructTreeRoot.RoleMap


def _no_figure_alt(pdf):
    _first(pdf, "/P").S = pikepdf.Name("/Figure")


@pytest.mark.parametrize(
    ("layout_id", "damage", "problem"),
    [
        ("e-delivery.slip", _untagged_text, "outside tagged content"),
        ("e-delivery.slip", _skip_heading, "a level skipped"),
        ("notice.office-hours", _no_scope, "a TH has no Scope"),
        ("e-delivery.slip", _no_to_unicode, "has no ToUnicode"),
        ("e-delivery.slip", _no_display_title, "DisplayDocTitle"),
        ("e-delivery.slip", _foreign_lang, "in language 'de'"),
        ("e-delivery.slip", _orphan_mcid, "belongs to no element of the tree"),
        ("certification.copy", _no_role_map, "neither standard nor role-mapped"),
        ("e-delivery.slip", _no_figure_alt, "a Figure has no Alt"),
    ],
)
def test_each_check_fails_on_a_file_broken_for_it(tagged, layout_id, damage, problem):
    found = _broken(tagged(layout_id, ("sl", "it")), damage)
    assert any(problem in p for p in found), found


def test_an_untagged_widget_fails(tagged, signing):
    signed = signing.sign(tagged("e-delivery.slip", ("sl", "it"), "pdfa-2a"), "office", "B-B")

    def untag(pdf):
        widget = pdf.pages[0].Annots[0]
        del widget.StructParent
        del widget.TU

    found = _broken(signed, untag)
    assert any("annotation is not in the tree" in p for p in found), found


def test_a_widget_without_tu_fails(tagged, signing):
    signed = signing.sign(tagged("e-delivery.slip", ("sl", "it"), "pdfa-2a"), "office", "B-B")
    found = _broken(signed, lambda pdf: pdf.pages[0].Annots[0].__delattr__("TU"))
    assert any("has no TU" in p for p in found), found


def test_make_accessible_refuses_an_untagged_pdf(rendered_samples):
    with pikepdf.open(io.BytesIO(rendered_samples("e-delivery.slip", ("sl",), "pdf"))) as pdf:
        with pytest.raises(AccessibilityError):
            make_accessible(pdf, ("sl",))


# ------------------------------------------------------------------ WeasyPrint's internals
def test_weasyprint_tag_builder_is_as_expected():
    """weasytags wraps weasyprint.pdf.tags._build_box_tree: a generator of the structure
    elements of a box, called recursively through the module's global name."""
    from weasyprint.pdf import tags

    assert tags._build_box_tree is weasytags._build_box_tree
    original = weasytags._ORIGINAL
    assert inspect.isgeneratorfunction(original)
    assert list(inspect.signature(original).parameters) == [
        "box",
        "parent",
        "pdf",
        "page_number",
        "nums",
        "annotations",
        "tags",
    ]
    assert "_build_box_tree(" in inspect.getsource(original).split(":", 1)[1]  # recursion


def test_weasyprint_tags_carry_the_html():
    from weasyprint import HTML

    page = (
        '<html lang="sl"><body><p>ena <del>dve</del> <span class="blank">……</span></p>'
        '<section lang="it"><p>tre</p></section>'
        '<table><tr><th scope="row">a</th><td>b</td></tr></table></body></html>'
    )
    pdf_bytes = HTML(string=page).write_pdf(pdf_variant="pdf/ua-1")
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        elements = list(_elements(pdf.Root.StructTreeRoot))
        assert [str(e.Alt) for e in elements if e.S == "/Del"] == ["prečrtano: dve"]
        assert [str(e.ActualText) for e in elements if "/ActualText" in e] == ["(prazno)"]
        assert [str(e.S) for e in elements if e.get("/Lang") == "it"] == ["/Sect", "/P"]
        assert [str(e.A.Scope) for e in elements if e.S == "/TH"] == ["/Row"]


def test_the_tagged_formats():
    assert sorted(name for name, f in FORMATS.items() if f.tagged) == [
        "pdfa-2a",
        "pdfa-3a",
        "pdfua-1",
    ]
    assert [
        (FORMATS[n].pdfa_part, FORMATS[n].pdfa_conformance) for n in ("pdfa-2a", "pdfa-3a")
    ] == [
        (2, "A"),
        (3, "A"),
    ]


# ------------------------------------------------------------------ e-mail HTML
def test_email_html_marks_each_language_and_reads_blanks(pipeline):
    body = sample("e-delivery.notice", ("sl", "hu"))
    html = pipeline.render("e-delivery.notice", body, RenderOptions("html")).content.decode()
    root = lxml_html.fromstring(html)
    assert root.get("lang") == "sl"
    sections = root.findall(".//article/section")
    assert [s.get("lang") for s in sections] == ["sl", "hu"]
    for section in sections:
        lang = section.get("lang")
        blanks = section.findall(".//span[@class='blank']")
        assert blanks and all(
            (b.get("role"), b.get("aria-label")) == ("img", BLANK[lang]) for b in blanks
        )
        assert section.findall("p")  # paragraphs, not line breaks
    text = pipeline.render("e-delivery.notice", body, RenderOptions("txt")).content.decode()
    assert "……………" in text and "(prazno)" not in text  # the plain text keeps the dots


# ------------------------------------------------------------------ PDF/A
def _preflight_errors(pdf_bytes: bytes, path) -> set[str]:
    path.write_bytes(pdf_bytes)
    _, report = preflight(path)
    return {line.strip() for line in report.splitlines() if re.match(r"\s*\d+(\.\d+)+ :", line)}


@pytest.mark.slow  # a JVM per file (PDFBox Preflight)
@pytest.mark.parametrize("layout_id", ["e-delivery.slip", "certification.signature"])
def test_tagging_adds_nothing_pdfbox_preflight_refuses(tagged, signing, layout_id, tmp_path):
    """PDFBox Preflight knows PDF/A-1b only: a PDF/A-2 file fails there on the PDF/A-1 rules
    alone (CIDSet, pdfaid:part). pdfa-2a, signed or not, fails on exactly what pdfa-2b does:
    the structure tree and the PDF/UA schema add no error it can see."""
    require_preflight()
    languages = ("sl", "it")
    untagged = _preflight_errors(tagged(layout_id, languages, "pdfa-2b"), tmp_path / "b.pdf")
    assert untagged and all(e.startswith(("3.1.11", "7.11.2")) for e in untagged), untagged
    document = tagged(layout_id, languages, "pdfa-2a")
    assert _preflight_errors(document, tmp_path / "a.pdf") == untagged
    signed = signing.sign(document, "office", "B-B")
    assert _preflight_errors(signed, tmp_path / "s.pdf") == untagged
