"""The complaint book and the certification book, measured from the output PDFs."""

import io
from pathlib import Path

import pdfplumber
import pikepdf
import pypdfium2 as pdfium
import pytest

from renderer.options import RenderOptions
from renderer.schemas.books import REGISTER_ROWS
from renderer.validation import InvalidRequest

from .conftest import sample
from .pdfmeasure import MM_PER_PT, all_text

P4_1 = (Path(__file__).parent / "data" / "p4-1.txt").read_text(encoding="utf-8")


def render(pipeline, layout_id, data, languages=("sl",), fmt="pdf"):
    return pipeline.render(
        layout_id, {"languages": list(languages), "data": data}, RenderOptions(fmt)
    )


def normalise(text: str) -> str:
    return " ".join(text.replace("-\n", "").split())


def page_texts(pdf_bytes: bytes, pages) -> list[str]:
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        return [pdf.pages[i].extract_text() or "" for i in pages]


def pixel(pdf_bytes: bytes, page: int, x_mm: float, y_mm: float, dpi=30):
    image = pdfium.PdfDocument(pdf_bytes)[page].render(scale=dpi / 72).to_pil().convert("RGB")
    return image.getpixel((int(x_mm / 25.4 * dpi), int(y_mm / 25.4 * dpi)))


def blank(pdf_bytes: bytes, page: int) -> bool:
    image = pdfium.PdfDocument(pdf_bytes)[page].render(scale=20 / 72).to_pil().convert("L")
    return image.getextrema() == (255, 255)


@pytest.fixture(scope="module")
def complaint_book(pipeline):
    return render(pipeline, "complaint-book", {"authority": "Upravna enota Novo mesto"})


def test_complaint_book_counted_as_a_binder_counts(complaint_book):
    """P 2: the book has 100 pages: the block, bound in a cover with an endpaper whose fourth
    page carries the notice of P 4(1), facing the title page (which opens the block)."""
    pdf = complaint_book.content
    assert complaint_book.pages == 1 + 4 + 100
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) == 105
        for page in doc.pages:
            width, height = (float(v) * MM_PER_PT for v in page.MediaBox[2:])
            assert abs(width - 210) <= 0.1 and abs(height - 297) <= 0.1
        # two pages up, odd file pages on the left: the notice (file page 5) faces the title (6)
        assert doc.Root.PageLayout == "/TwoPageLeft"
    texts = page_texts(pdf, range(7))
    cover, notice, title, back = texts[0], texts[4], texts[5], texts[6]
    assert normalise(cover) == "KNJIGA PRIPOMB IN POHVAL"
    assert all(t == "" and blank(pdf, i) for i, t in enumerate(texts[1:4], 1))  # endpaper 1–3
    assert normalise(notice) == normalise(P4_1)  # art. 4(1) verbatim, the endpaper's 4th page
    assert normalise(title).startswith(
        "REPUBLIKA SLOVENIJA KNJIGA PRIPOMB IN POHVAL Upravna enota Novo mesto"
    )
    assert normalise(title).endswith("Organ javne uprave Žig")
    assert back == "" and blank(pdf, 6)  # the title page's back is blank white (P 4(3))
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for index in range(7, 105):  # inner pages numbered 1..98 at the foot, centred
            page = doc.pages[index]
            foot = [c for c in page.chars if c["top"] * MM_PER_PT > 275]
            number = "".join(c["text"] for c in sorted(foot, key=lambda c: c["x0"]))
            assert number == str(index - 6)
            centre = (min(c["x0"] for c in foot) + max(c["x1"] for c in foot)) / 2 * MM_PER_PT
            assert abs(centre - 105) < 0.3
            assert "Pripomba oziroma pohvala" in page.extract_text()


def test_a_block_of_odd_pages_is_refused():
    from renderer.press.book import Assembly, AssemblyError, NumberSpec, assemble

    odd = Assembly(
        front=2,
        repeat=1,
        back=0,
        count=3,
        bound_separately=1,
        numbers=(NumberSpec(x_mm=1, baseline_mm=1, size_pt=9),),
    )
    assert odd.block_pages(3) == 4
    with pikepdf.new() as pdf:
        for _ in range(odd.render_pages):
            pdf.add_blank_page()
        with pytest.raises(AssemblyError, match="not even"):
            assemble(pdf, odd, 2)


def test_inner_page_drawn_once(complaint_book):
    with pikepdf.open(io.BytesIO(complaint_book.content)) as doc:
        forms = {page.Resources.XObject.Tpl.objgen for page in list(doc.pages)[7:]}
        assert len(forms) == 1  # every inner page draws the same Form XObject
    assert len(complaint_book.content) < 150_000


def test_assembled_number_where_the_single_page_prints_it(pipeline, complaint_book):
    single = render(pipeline, "complaint-book.page", {"page_number": 37}).content
    with (
        pdfplumber.open(io.BytesIO(single)) as one,
        pdfplumber.open(io.BytesIO(complaint_book.content)) as book,
    ):
        a = [c for c in one.pages[0].chars if c["text"] in "37" and c["top"] * MM_PER_PT > 275]
        b = [
            c for c in book.pages[7 + 36].chars if c["text"] in "37" and c["top"] * MM_PER_PT > 275
        ]
        assert len(a) == len(b) == 2
        for x, y in zip(a, b, strict=True):
            assert (
                abs(x["x0"] - y["x0"]) * MM_PER_PT < 0.1
                and abs(x["top"] - y["top"]) * MM_PER_PT < 0.1
            )


def test_cover_colours(pipeline):
    for layout_id, blue in (
        ("complaint-book.cover", (0x1B, 0x2B, 0x57)),
        ("certification-book.cover", (0x1F, 0x5A, 0xA6)),
    ):
        pdf = render(pipeline, layout_id, {}).content
        assert all(abs(a - b) <= 3 for a, b in zip(pixel(pdf, 0, 20, 20), blue, strict=True)), (
            layout_id
        )
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            chars = [c for c in doc.pages[0].chars if c["text"].strip()]
        assert chars and all(
            c["non_stroking_color"] in ((1, 1, 1), (1.0, 1.0, 1.0), [1, 1, 1]) for c in chars
        )
        assert all(abs(c["size"] - 24) < 0.05 for c in chars)  # white letters of 24 points (P 3(2))


def test_bilingual_notice_in_both_languages(pipeline):
    text = normalise(all_text(render(pipeline, "complaint-book.notice", {}, ("sl", "it")).content))
    assert text.startswith(normalise(P4_1))
    assert "Nel libro delle osservazioni e degli elogi" in text


def test_certification_book_structure(pipeline):
    """Cover, then the block: title page, spreads on facing pages (left pages on versos), the
    back of the last register leaf, and the separate blank white leaf of P 50."""
    book = render(
        pipeline, "certification-book", {"spreads": 10, "authority": "Upravna enota Celje"}
    )
    pdf = book.content
    assert book.pages == 1 + (1 + 20 + 1 + 2)  # cover + an even block of 24 pages
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert doc.Root.PageLayout == "/TwoPageLeft"  # the block's page 1 (file page 2) right
    texts = page_texts(pdf, range(book.pages))
    assert normalise(texts[0]) == "KNJIGA OVERITEV"
    assert (
        "(naziv organa, ki vodi knjigo overitev)" in texts[1] and "Upravna enota Celje" in texts[1]
    )
    for index in range(book.pages - 3, book.pages):  # last register leaf's back, P 50's leaf
        assert texts[index] == "" and blank(pdf, index)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for n in range(1, 21):  # spread pages numbered 1..20
            page = doc.pages[1 + n]
            block_page = n + 1  # the title page is the block's page 1
            foot = sorted(
                (c for c in page.chars if c["top"] * MM_PER_PT > 275), key=lambda c: c["x0"]
            )
            assert "".join(c["text"] for c in foot) == str(n)
            if n % 2:  # a left page, on a verso (even block page), numbered at the left
                assert block_page % 2 == 0
                assert abs(foot[0]["x0"] * MM_PER_PT - 12) < 0.3 and "Št. OV" in page.extract_text()
            else:  # its right page, on the recto that faces it
                assert block_page % 2 == 1
                assert (
                    abs(foot[-1]["x1"] * MM_PER_PT - 198) < 0.3 and "Opombe" in page.extract_text()
                )


def test_blank_spread_rows_match_the_register(pipeline):
    pdf = render(pipeline, "certification-book.spread", {"first_page": 1}).content
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        rects = doc.pages[0].rects + doc.pages[0].lines
    assert REGISTER_ROWS == 12
    assert "1" in all_text(pdf, [0]) and "2" in all_text(pdf, [1])
    assert rects  # a ruled table


def entries(n):
    return [
        {
            "number": f"{i + 1}/26",
            "certified_on": "2026-11-20",
            "party": f"Priimek{i + 1} Ime, Celje",
            "identity": "identity-card",
            "identity_detail": f"00{i + 1}",
            "kind": ["signature", "transcript", "copy"][i % 3],
            "document": f"listina {i + 1}",
            "pages_or_copies": "1 str.",
            "fee": "4,50 EUR",
            "official": "Maja Kos",
        }
        for i in range(n)
    ]


def column(pdf_bytes, page, x0_mm, x1_mm, prefix):
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as doc:
        words = doc.pages[page].extract_words()
    return [
        (w["text"], round(w["top"] * MM_PER_PT, 1))
        for w in words
        if x0_mm <= w["x0"] * MM_PER_PT < x1_mm and w["text"].startswith(prefix)
    ]


def test_register_entries_in_order_none_lost_rows_aligned(pipeline):
    count = 30
    result = render(
        pipeline, "certification-book.register", {"entries": entries(count), "first_page": 7}
    )
    pdf = result.content
    assert result.pages == 2 * 3  # 12 to a spread
    numbers, documents = [], []
    for spread in range(3):
        left = column(pdf, 2 * spread, 12, 33, "")  # the Št. OV column
        left = [(t, top) for t, top in left if "/26" in t]
        right = column(pdf, 2 * spread + 1, 16, 72, "")
        right_tops = {}
        for text, top in right:
            if text.isdigit():  # "listina N": the number
                right_tops[text] = top
        for text, top in left:
            numbers.append(text)
            n = text.split("/")[0]
            assert abs(right_tops[n] - top) < 1.5, (
                n,
                top,
                right_tops[n],
            )  # the same row on both pages
            documents.append(n)
    assert numbers == [f"{i + 1}/26" for i in range(count)]  # in order, none lost, none twice
    assert documents == [str(i + 1) for i in range(count)]
    text = all_text(pdf, [0])
    assert "osebna izkaznica: 001" in text and "podpis" in text and "prepis" in text
    assert all_text(pdf, [5]).split()[-1] == "12"  # pages numbered from first_page


def test_register_value_too_long_names_the_entry(pipeline):
    data = entries(13)
    data[12]["identity_detail"] = (
        "WWWWWWWWW " * 12
    )  # twelve lines in a 42 mm cell: more than a row holds
    with pytest.raises(InvalidRequest) as exc:
        render(pipeline, "certification-book.register", {"entries": data})
    assert [e.pointer for e in exc.value.errors] == ["/data/entries/12/identity_detail"]


def test_whole_books_as_pdfa_2b(pipeline):
    for layout_id, data in (("complaint-book", {}), ("certification-book", {"spreads": 3})):
        pdf = render(pipeline, layout_id, data, ("sl", "hu"), "pdfa-2b").content
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            assert "<pdfaid:part>2</pdfaid:part>" in doc.Root.Metadata.read_bytes().decode()
            assert "/OutputIntents" in doc.Root


@pytest.mark.parametrize("layout_id", ["complaint-book.title", "complaint-book"])
def test_complaint_book_prints_black_inside(pipeline, layout_id):
    """P 2: except on the covers the complaint book is printed in black: the title page's arms
    too (the certification book keeps them in colour)."""
    pdf = pipeline.render(layout_id, sample(layout_id), RenderOptions("pdf")).content
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        pages = (
            doc.pages[:1] if layout_id.endswith(".title") else doc.pages[1:7]
        )  # endpaper (notice), title, its back
        for page in pages:
            for shape in page.curves + page.rects:
                for colour in (shape.get("non_stroking_color"), shape.get("stroking_color")):
                    values = (
                        tuple(colour)
                        if isinstance(colour, (list, tuple))
                        else (colour,)
                        if colour is not None
                        else ()
                    )
                    assert len(set(values)) <= 1, (
                        page.page_number,
                        values,
                    )  # grey: R = G = B (or one value)
