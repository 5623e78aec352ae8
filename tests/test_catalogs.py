"""Fixed wording: every text the templates print is in every catalog."""

import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from renderer.catalogs import Catalogs, MissingTranslation
from renderer.paths import LOCALE_DIR, PROJECT_ROOT, TEMPLATES_DIR

PLACEHOLDER = re.compile(r"%\([a-z_]+\)s")


def template_msgids() -> set[str]:
    method_map = [("**.j2", "jinja2")]
    options = {"**.j2": {"extensions": "jinja2.ext.do"}}  # as in babel.cfg
    return {msgid for _, _, msgid, _, _ in extract_from_dir(TEMPLATES_DIR, method_map, options)}


def catalog(lang):
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def test_extraction_finds_the_templates_wording():
    ids = template_msgids()
    assert {"Prejeto", "KOPIJA ENAKA IZVIRNIKU", "Soba št. %(number)s", "REPUBLIKA SLOVENIJA"} <= ids


@pytest.mark.parametrize("lang", ["it", "hu"])
def test_every_template_text_translated(lang):
    entries = {m.id: m for m in catalog(lang) if m.id}
    for msgid in template_msgids():
        assert msgid in entries, f"{msgid!r} missing from {lang} catalog (run pybabel update)"
        entry = entries[msgid]
        assert entry.string and not entry.fuzzy, f"{msgid!r} untranslated or fuzzy in {lang}"
        assert sorted(PLACEHOLDER.findall(entry.string)) == sorted(PLACEHOLDER.findall(msgid)), msgid


@pytest.mark.parametrize("lang", ["sl", "it", "hu"])
def test_no_stale_entries(lang):
    stale = {m.id for m in catalog(lang) if m.id} - template_msgids()
    assert not stale, f"{lang} catalog has entries no template uses: {stale}"


def test_slovenian_is_the_source_language():
    catalogs = Catalogs()
    assert catalogs.gettext("sl", "Prejeto") == "Prejeto"
    assert catalogs.phrase(("sl", "hu"), "Prejeto").texts == (("sl", "Prejeto"), ("hu", "Érkezett"))
    with pytest.raises(MissingTranslation):
        catalogs.gettext("it", "not a message of ours")


def test_babel_config_covers_the_templates():
    config = (PROJECT_ROOT / "babel.cfg").read_text()
    assert "[jinja2: **.j2]" in config and "extensions = jinja2.ext.do" in config


@pytest.mark.parametrize("lang", ["it", "hu"])
def test_translations_keep_every_blank_and_alternative(lang):
    """A value the request fills ({name}) and an alternative a choice strikes ({<name=i}) are in
    every language; only how a language marks number ({=plural:je|so}, {~party:…}) may differ."""
    marks = re.compile(r"\{(\w+)\}|\{<(\w+=\d+)\}")
    for entry in catalog(lang):
        if entry.id:
            assert {m for m in marks.findall(entry.id)} == {m for m in marks.findall(entry.string)}, entry.id
