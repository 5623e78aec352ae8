"""Bilingual wording (issue #15): dates and times in each language's form, every alternative of
P 51 a grammatical sentence in every language, per-language values in their language's part,
the Hungarian article chosen by the value."""

import re
from datetime import UTC, date, time

import pytest
from lxml import html as lxml_html

from renderer.localise import hungarian_article, local_date, local_time
from renderer.messages import as_text
from renderer.options import RenderOptions
from renderer.validation import InvalidRequest

from .conftest import sample

STRUCK = "¦"
SEPARATORS = re.compile(rf"(?:\s*[–,-])*\s*{STRUCK}(?:\s*[–,-])*\s*")


def sections(pipeline, layout_id, data, languages):
    """The composed HTML's part in each language: {lang: [paragraph element, …]}."""
    layout = pipeline.layout(layout_id)
    request = pipeline.validate(layout, {"languages": list(languages), "data": data})
    tree = lxml_html.fromstring(pipeline.composer.compose(layout, request).html)
    return {lang: tree.xpath(f'//section[@lang="{lang}"]//p') for lang in languages}


def chosen_sentence(paragraph) -> str:
    """A paragraph as it reads once the struck alternatives are gone: each struck one and the
    separators around it (" – ", ", ", " - ") dropped. Which of those marks belonged to the
    sentence cannot be told from the text, so sentences are compared word for word (``words``)."""
    paragraph = lxml_html.fromstring(lxml_html.tostring(paragraph))
    for struck in paragraph.xpath('.//del[@class="alternative"]'):
        tail = struck.tail or ""
        struck.clear()
        struck.text = STRUCK
        struck.tail = tail
    text = paragraph.text_content()
    while STRUCK in text:
        text = SEPARATORS.sub(" ", text, count=1)
    text = " ".join(text.split())
    return re.sub(r"\s+([,.:])", r"\1", text).rstrip(" –-,")


def words(sentence: str) -> list[str]:
    """The words of a sentence, the separators of alternatives (, – -) aside."""
    return re.sub(r"\s*[,–]\s*|\s+-\s+", " ", sentence).split()


def same_sentence(paragraph, expected: str) -> None:
    assert words(chosen_sentence(paragraph)) == words(expected), chosen_sentence(paragraph)


# --- 1. dates and times --------------------------------------------------------------------


def test_dates_and_times_in_each_language_by_cldr():
    day, moment = date(2026, 11, 19), time(9, 5)
    assert local_date(day, "sl") == "19. 11. 2026"
    assert local_date(day, "it") == "19/11/2026"
    assert local_date(day, "hu") == "2026. 11. 19."
    assert (local_time(moment, "sl"), local_time(moment, "it"), local_time(moment, "hu")) == (
        "9.05",
        "09:05",
        "9:05",
    )


@pytest.mark.parametrize(
    "languages, expected",
    [
        (
            ("sl", "hu"),
            ["dne 19. 11. 2026", "2026. 11. 19. napján", "2026. 11. 20. napján 9:05 órakor"],
        ),
        (
            ("sl", "it"),
            ["dne 19. 11. 2026", "in data 19/11/2026", "in data 20/11/2026 alle ore 09:05"],
        ),
    ],
)
def test_a_message_writes_dates_as_the_text_around_them(pipeline, languages, expected):
    data = {
        "provider": "Pošta Slovenije d.o.o.",
        "received_on": "2026-11-19",
        "notified_on": "2026-11-20",
        "notified_at": "09:05",
    }
    text = pipeline.render(
        "e-delivery.accepted", {"languages": list(languages), "data": data}, RenderOptions("txt")
    ).content.decode()
    slovenian, other = text.split("----")
    assert expected[0] in slovenian and "ob 9.05 uri" in slovenian
    for phrase in expected[1:]:
        assert phrase in other
    assert "19. 11. 2026" not in other and "9.05" not in other


def test_place_and_date_of_a_confirmation_in_each_language(pipeline):
    data = {
        "authority": {"sl": "Upravna enota Koper", "it": "Unità amministrativa Capodistria"},
        "place": {"sl": "Koper", "it": "Capodistria"},
        "certified_on": "2026-11-20",
    }
    parts = sections(pipeline, "certification.copy", data, ("sl", "it"))
    foot = {lang: paragraphs[-1].text_content() for lang, paragraphs in parts.items()}
    assert "Koper, dne 20. 11. 2026" in foot["sl"] and "Capodistria" not in foot["sl"]
    assert "Capodistria, 20/11/2026" in foot["it"] and "Koper" not in foot["it"]


# --- 2. every alternative of P 51 a sentence ----------------------------------------------

COPY = {"authority": {"sl": "UE Lendava", "it": "UE Lendava", "hu": "UE Lendava"}}
MEDIUM = {
    "sl": [
        "Listina je napisana s črnilom in sestoji iz {n} strani.",
        "Listina je napisana na pisalni stroj in sestoji iz {n} strani.",
        "Listina je napisana z računalnikom in sestoji iz {n} strani.",
        "Listina je napisana kopija izvirnika in sestoji iz {n} strani.",
    ],  # the regulation's own wording
    "it": [
        "Il documento è scritto a inchiostro e consta di {n} {pagine}.",
        "Il documento è scritto a macchina e consta di {n} {pagine}.",
        "Il documento è redatto al computer e consta di {n} {pagine}.",
        "Il documento è copia dell'originale e consta di {n} {pagine}.",
    ],
    "hu": [
        "Az okirat tintával írott, és {n} oldalból áll.",
        "Az okirat írógéppel írott, és {n} oldalból áll.",
        "Az okirat számítógéppel készült, és {n} oldalból áll.",
        "Az okirat az eredeti másolata, és {n} oldalból áll.",
    ],
}
MADE = {
    "sl": [
        "Listina, po kateri je prepis napravljen se po strankinem zatrjevanju nahaja pri X",
        "Listina, po kateri je kopija napravljen se po strankinem zatrjevanju nahaja pri X",
    ],
    "it": [
        "Il documento dal quale è stata tratta la trascrizione si trova, secondo quanto "
        "dichiarato dalla parte, presso X",
        "Il documento dal quale è stata tratta la copia si trova, secondo quanto dichiarato dalla parte, presso X",
    ],
    "hu": [
        "Az okirat, amelyről az átirat készült, az ügyfél állítása szerint a következő helyen található: X",
        "Az okirat, amelyről a másolat készült, az ügyfél állítása szerint a következő helyen található: X",
    ],
}
SOURCE = {
    "sl": [
        "da je to prepis originalne listine D",
        "da je to prepis overjenega prepisa D",
        "da je to prepis navadnega prepisa D",
        "da je to prepis kopije listine D",
    ],
    "it": [
        "che la presente è trascrizione del documento originale: D",
        "che la presente è trascrizione di una trascrizione autenticata: D",
        "che la presente è trascrizione di una trascrizione semplice: D",
        "che la presente è trascrizione di una copia del documento: D",
    ],
    "hu": [
        "hogy ez az átirat az eredeti okiratról készült: D",
        "hogy ez az átirat hitelesített átiratról készült: D",
        "hogy ez az átirat egyszerű átiratról készült: D",
        "hogy ez az átirat okiratmásolatról készült: D",
    ],
}


@pytest.mark.parametrize("lang", ["sl", "it", "hu"])
@pytest.mark.parametrize("pages", [1, 3])
def test_every_medium_and_page_count_is_a_sentence(pipeline, lang, pages):
    languages = ("sl",) if lang == "sl" else ("sl", lang)
    for index, medium in enumerate(("ink", "typewriter", "computer", "copy-of-original")):
        data = {
            "authority": {k: COPY["authority"][k] for k in languages},
            "medium": medium,
            "pages": pages,
        }
        paragraph = sections(pipeline, "certification.copy", data, languages)[lang][2]
        want = MEDIUM[lang][index].format(n=pages, pagine="pagina" if pages == 1 else "pagine")
        same_sentence(paragraph, want)


@pytest.mark.parametrize("lang", ["sl", "it", "hu"])
def test_every_source_and_made_is_a_sentence(pipeline, lang):
    languages = ("sl",) if lang == "sl" else ("sl", lang)
    authority = {k: COPY["authority"][k] for k in languages}
    for index, made in enumerate(("transcript", "copy")):
        data = {"authority": authority, "made": made, "held_at": "X"}
        same_sentence(
            sections(pipeline, "certification.copy", data, languages)[lang][3], MADE[lang][index]
        )
    for index, source in enumerate(
        ("original", "certified-transcript", "plain-transcript", "copy")
    ):
        data = {"authority": authority, "source": source, "document": "D"}
        same_sentence(
            sections(pipeline, "certification.copy", data, languages)[lang][1], SOURCE[lang][index]
        )


MAN = {"surname": "Kralj", "given_name": "Janez", "residence": "Celje", "gender": "male"}
WOMAN = {"surname": "Kos", "given_name": "Ana", "residence": "Celje", "gender": "female"}
ACT = {  # (one man, two women) × (signed, acknowledged)
    "sl": [
        ["lastnoročno podpisal to listino.", "priznal podpis na tej listini za svojega."],
        ["lastnoročno podpisale to listino.", "priznale podpis na tej listini za svojega."],
    ],
    "it": [
        [
            "ha firmato di proprio pugno il presente documento.",
            "ha riconosciuto come propria la firma apposta sul presente documento.",
        ],
        [
            "hanno firmato di proprio pugno il presente documento.",
            "hanno riconosciuto come propria la firma apposta sul presente documento.",
        ],
    ],
    "hu": [
        [
            "ezt az okiratot saját kezűleg aláírta.",
            "az okiraton lévő aláírást sajátjának ismerte el.",
        ],
        [
            "ezt az okiratot saját kezűleg aláírták.",
            "az okiraton lévő aláírást sajátjuknak ismerték el.",
        ],
    ],
}
IDENTITY = {
    "acquaintance": {
        "sl": "Istovetnost imenovanega je ugotovljena na podlagi osebnega znanstva med uradno osebo in stranko",
        "it": "L'identità del suddetto è stata accertata in base alla conoscenza personale "
        "tra la persona ufficiale e la parte",
        "hu": "Nevezett személyazonossága megállapítást nyert a hivatalos személy és az ügyfél "
        "közötti személyes ismeretség alapján",
    },
    "passport": {
        # the regulation's own "z osebno izkaznico – potnim listom": the preposition stands as printed
        "sl": "Istovetnost imenovanega je ugotovljena z potnim listom št. 1234567, ki ga je dne 2. 3. 2020 izdal I",
        "it": "L'identità del suddetto è stata accertata mediante passaporto n. 1234567, rilasciato il 02/03/2020 da I",
        "hu": "Nevezett személyazonossága megállapítást nyert az 1234567 számú útlevél alapján, amelyet 2020. 03. 02. "
        "napján I állított ki",
    },
    "witnesses": {
        "sl": "Istovetnost imenovanega je ugotovljena s pričami",
        "it": "L'identità del suddetto è stata accertata mediante testimoni",
        "hu": "Nevezett személyazonossága megállapítást nyert tanúk útján:",
    },
}
WITNESSES_BY = {
    "sl": "katerih istovetnost je ugotovljena s potnim listom",
    "it": "la cui identità è stata accertata mediante passaporto",
    "hu": "akiknek személyazonossága megállapítást nyert: útlevél alapján",
}


def signature_paragraphs(pipeline, lang, data):
    languages = ("sl",) if lang == "sl" else ("sl", lang)
    data = {"authority": {k: "UE" for k in languages}, **data}
    return sections(pipeline, "certification.signature", data, languages)[lang]


@pytest.mark.parametrize("lang", ["sl", "it", "hu"])
def test_every_act_is_a_sentence(pipeline, lang):
    for form, parties in enumerate(([MAN], [WOMAN, WOMAN])):
        for index, act in enumerate(("signed", "acknowledged")):
            paragraphs = signature_paragraphs(pipeline, lang, {"parties": parties, "act": act})
            same_sentence(paragraphs[3], ACT[lang][form][index])


@pytest.mark.parametrize("lang", ["sl", "it", "hu"])
@pytest.mark.parametrize("identity", list(IDENTITY))
def test_every_identification_is_a_sentence(pipeline, lang, identity):
    data = {"parties": [MAN], "identity": identity}
    if identity == "passport":
        data.update(document_number="1234567", issued_on="2020-03-02", issued_by="I")
    paragraphs = signature_paragraphs(pipeline, lang, data)
    same_sentence(paragraphs[4], IDENTITY[identity][lang])


@pytest.mark.parametrize("lang", ["sl", "it", "hu"])
def test_how_witnesses_were_identified_from_the_catalogs(pipeline, lang):
    data = {"parties": [MAN], "identity": "witnesses", "witnesses_identified_by": "passport"}
    paragraphs = signature_paragraphs(pipeline, lang, data)
    same_sentence(paragraphs[6], WITNESSES_BY[lang])


def test_witnesses_identified_in_words_or_by_choice_not_both(pipeline):
    layout = pipeline.layout("certification.signature")
    with pytest.raises(InvalidRequest) as error:
        pipeline.validate(
            layout,
            {
                "data": {
                    "authority": "UE",
                    "identity": "witnesses",
                    "witnesses_identified": "z OI",
                    "witnesses_identified_by": "passport",
                }
            },
        )
    assert [e.pointer for e in error.value.errors] == ["/data/witnesses_identified_by"]


# --- 9. per-language values -------------------------------------------------------------


@pytest.mark.parametrize("field", ["document", "held_at", "place"])
def test_copy_fields_per_language_land_in_their_part(pipeline, field):
    data = {
        "authority": {"sl": "UE Koper", "it": "UA Capodistria"},
        field: {"sl": "SLOVENSKO", "it": "ITALIANO"},
    }
    parts = sections(pipeline, "certification.copy", data, ("sl", "it"))
    sl_text = " ".join(p.text_content() for p in parts["sl"])
    it_text = " ".join(p.text_content() for p in parts["it"])
    assert "SLOVENSKO" in sl_text and "ITALIANO" not in sl_text
    assert "ITALIANO" in it_text and "SLOVENSKO" not in it_text


@pytest.mark.parametrize("field", ["issued_by", "witnesses_identified"])
def test_signature_fields_per_language_land_in_their_part(pipeline, field):
    data = {
        "authority": {"sl": "UE Lendava", "hu": "KE Lendva"},
        "parties": [MAN],
        "identity": "witnesses" if field == "witnesses_identified" else "identity-card",
        field: {"sl": "SLOVENSKO", "hu": "MAGYARUL"},
    }
    parts = sections(pipeline, "certification.signature", data, ("sl", "hu"))
    sl_text = " ".join(p.text_content() for p in parts["sl"])
    hu_text = " ".join(p.text_content() for p in parts["hu"])
    assert "SLOVENSKO" in sl_text and "MAGYARUL" not in sl_text
    assert "MAGYARUL" in hu_text and "SLOVENSKO" not in hu_text


@pytest.mark.parametrize(
    "layout_id, field",
    [
        ("e-delivery.notice", "authority"),
        ("e-delivery.notice", "provider"),
        ("e-receipt.application", "authority"),
    ],
)
def test_message_fields_per_language_land_in_their_part(pipeline, layout_id, field):
    body = {"languages": ["sl", "it"], "data": {field: {"sl": "SLOVENSKO", "it": "ITALIANO"}}}
    slovenian, italian = (
        pipeline.render(layout_id, body, RenderOptions("txt")).content.decode().split("----")
    )
    assert "SLOVENSKO" in slovenian and "ITALIANO" not in slovenian
    assert "ITALIANO" in italian and "SLOVENSKO" not in italian


def test_a_plain_string_is_the_same_in_every_language(pipeline):
    body = {"languages": ["sl", "it"], "data": {"provider": "Pošta Slovenije d.o.o."}}
    slovenian, italian = (
        pipeline.render("e-delivery.notice", body, RenderOptions("txt"))
        .content.decode()
        .split("----")
    )
    assert "Pošta Slovenije d.o.o." in slovenian and "di Pošta Slovenije d.o.o." in italian


def test_per_language_value_must_match_the_request(client):
    body = {"languages": ["sl", "it"], "data": {"provider": {"sl": "X", "hu": "Y"}}}
    answer = client.simulate_post("/v1/render/e-delivery.notice?format=txt", json=body)
    assert answer.status_code == 422
    assert answer.json["errors"][0]["pointer"] == "/data/provider"


# --- 10. the Hungarian article ------------------------------------------------------------


@pytest.mark.parametrize(
    "value, article",
    [
        ("Pošta Slovenije d.o.o.", "a"),
        ("Upravna enota Lendava", "az"),
        ("Lendvai Közigazgatási Egység", "a"),
        ("Önkormányzat", "az"),
        ("351-77/2026-1", "a"),
        ("1-2/2026", "az"),
        ("5/2026", "az"),
        ("50", "az"),
        ("500", "az"),
        ("512", "az"),
        ("10", "a"),
        ("100", "a"),
        ("1000", "az"),
        ("2000", "a"),
        ("1 000 000", "az"),
        ("5000", "az"),
        ("ana@example.si", "az"),
        ("zoltan@example.si", "a"),
        ("MNZ", "az"),
        ("ZPIZ", "a"),
        ("SZK", "az"),
        ("KE", "a"),
    ],
)
def test_hungarian_article_by_the_first_sound(value, article):
    assert hungarian_article(value) == article


HU_MESSAGES = [
    "e-delivery.accepted",
    "e-delivery.slip",
    "e-delivery.failed",
    "e-delivery.unknown-address",
    "e-delivery.notice",
    "e-delivery.reminder",
    "e-delivery.physical-notice",
    "e-delivery.slip-deemed",
    "e-delivery.slip-deemed-absent",
    "e-receipt.application",
]


@pytest.mark.parametrize("layout_id", HU_MESSAGES)
def test_no_a_z_before_a_filled_value(pipeline, layout_id):
    data = dict(sample(layout_id)["data"])  # the Slovenian samples fill every blank
    filled = pipeline.render(
        layout_id, {"languages": ["sl", "hu"], "data": data}, RenderOptions("txt")
    ).content.decode()
    assert "a(z)" not in filled.lower()
    if layout_id != "e-delivery.failed":  # its Hungarian text has no article before a blank
        empty = pipeline.render(
            layout_id, {"languages": ["sl", "hu"], "data": {}}, RenderOptions("txt")
        ).content.decode()
        assert "(z) ……" in empty.split("----")[1]


def test_the_article_follows_the_value():
    text = "{&A:authority} {authority} információs rendszere átvette {&a:code} {code} kódú dokumentumot."
    assert (
        as_text(text, {"authority": "Upravna enota", "code": "1-2"})
        == "Az Upravna enota információs rendszere átvette az 1-2 kódú dokumentumot."
    )
    assert (
        as_text(text, {"authority": "Pošta", "code": "2-1"})
        == "A Pošta információs rendszere átvette a 2-1 kódú dokumentumot."
    )
    assert as_text(text, {}).startswith("A(z) …………… információs rendszere átvette a(z) ……………")


# --- 15. no double full stop ---------------------------------------------------------------


def test_a_value_ending_in_a_full_stop_ends_the_sentence():
    assert (
        as_text("Sistem {provider}.", {"provider": "Pošta Slovenije d.o.o."})
        == "Sistem Pošta Slovenije d.o.o."
    )
    assert (
        as_text("Sistem {provider}{?provider: (navedba)}.", {"provider": "X d.o.o."})
        == "Sistem X d.o.o."
    )
    assert as_text("Sistem {provider}.", {}) == "Sistem ……………."


def test_signature_stamp_shows_slovenian_time_with_its_offset(pipeline):
    from datetime import datetime

    from renderer.compose import _slovenian_time

    from .pdfmeasure import all_text

    assert (
        _slovenian_time(datetime(2026, 11, 20, 10, 15, tzinfo=UTC))
        == "20. 11. 2026 11:15:00 (UTC+1)"
    )
    assert (
        _slovenian_time(datetime(2026, 7, 1, 10, 0, tzinfo=UTC)) == "01. 07. 2026 12:00:00 (UTC+2)"
    )
    body = {
        "languages": ["sl", "hu"],
        "data": {"signer": "Éva Horváth", "signed_at": "2026-11-20T10:15:00Z"},
    }
    lines = all_text(
        pipeline.render("signature.stamp", body, RenderOptions("pdf")).content
    ).splitlines()
    assert "20. 11. 2026 11:15:00 (UTC+1)" in lines
    assert (
        "Elektronski podpis" in lines and "Elektronikus aláírás" in lines
    )  # no word alone on a line


def test_receipt_stamp_prints_the_field_name_as_the_regulation(pipeline):
    from .pdfmeasure import all_text

    text = all_text(
        pipeline.render("stamp.receipt", sample("stamp.receipt"), RenderOptions("pdf")).content
    )
    assert "Prejeto" in text and "Prejeto:" not in text


def test_p51_2_keeps_the_seeds_hyphen_without_a_space(pipeline):
    paragraphs = signature_paragraphs(pipeline, "sl", {"parties": [MAN]})
    text = paragraphs[4].text_content()
    assert "……………- s pričami" in text and "…………… - s pričami" not in text


def test_inspection_address_per_language(pipeline):
    layout = pipeline.layout("notice.complaint-right")
    data = {
        "authority": {"sl": "UE Izola", "it": "UA Isola"},
        "inspection_address": {
            "sl": ["Inšpektorat za javni sektor"],
            "it": ["Ispettorato per il settore pubblico"],
        },
    }
    html = pipeline.composer.compose(
        layout, pipeline.validate(layout, {"languages": ["sl", "it"], "data": data})
    ).html
    tree = lxml_html.fromstring(html)
    assert tree.xpath('string(//address[@lang="sl"])').strip() == "Inšpektorat za javni sektor"
    assert (
        tree.xpath('string(//address[@lang="it"])').strip() == "Ispettorato per il settore pubblico"
    )
    plain = dict(data, inspection_address=["Inšpektorat za javni sektor"])
    html = pipeline.composer.compose(
        layout, pipeline.validate(layout, {"languages": ["sl", "it"], "data": plain})
    ).html
    assert (
        len(lxml_html.fromstring(html).xpath("//address")) == 1
    )  # the same lines are printed once
    with pytest.raises(InvalidRequest) as error:
        pipeline.validate(
            layout,
            {
                "languages": ["sl", "it"],
                "data": dict(data, inspection_address={"sl": ["X"], "hu": ["Y"]}),
            },
        )
    assert [e.pointer for e in error.value.errors] == ["/data/inspection_address"]


def test_no_word_alone_on_the_complaint_right_title(pipeline):
    from .pdfmeasure import all_text

    pdf = pipeline.render(
        "notice.complaint-right",
        sample("notice.complaint-right", ("sl", "it")),
        RenderOptions("pdf"),
    ).content
    assert "ELOGI" not in [line.strip() for line in all_text(pdf).splitlines()]
