"""Fixed wording: every text the templates print is in every catalog."""

import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from renderer.catalogs import Catalogs, MissingTranslation
from renderer.paths import LOCALE_DIR, PROJECT_ROOT, TEMPLATES_DIR

PLACEHOLDER = re.compile(r"%\([a-z_]+\)s")


def template_msgids() -> set[str]:
    """The templates' message ids; a plural message (ngettext) by its singular."""
    method_map = [("**.j2", "jinja2")]
    options = {"**.j2": {"extensions": "jinja2.ext.do"}}  # as in babel.cfg
    return {
        msgid[0] if isinstance(msgid, tuple) else msgid
        for _, _, msgid, _, _ in extract_from_dir(TEMPLATES_DIR, method_map, options)
    }


def key(entry) -> str:
    return entry.id[0] if entry.pluralizable else entry.id


def forms(entry) -> tuple[str, ...]:
    """Every translated form of an entry: one, or each plural form."""
    return tuple(entry.string) if entry.pluralizable else (entry.string,)


def catalog(lang):
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def test_extraction_finds_the_templates_wording():
    ids = template_msgids()
    assert {
        "Prejeto",
        "KOPIJA ENAKA IZVIRNIKU",
        "Soba št. %(number)s",
        "REPUBLIKA SLOVENIJA",
    } <= ids


@pytest.mark.parametrize("lang", ["it", "hu"])
def test_every_template_text_translated(lang):
    entries = {key(m): m for m in catalog(lang) if m.id}
    for msgid in template_msgids():
        assert msgid in entries, f"{msgid!r} missing from {lang} catalog (run pybabel update)"
        entry = entries[msgid]
        assert all(forms(entry)) and not entry.fuzzy, f"{msgid!r} untranslated or fuzzy in {lang}"
        for form in forms(entry):
            assert sorted(PLACEHOLDER.findall(form)) == sorted(PLACEHOLDER.findall(msgid)), msgid


@pytest.mark.parametrize("lang", ["sl", "it", "hu"])
def test_no_stale_entries(lang):
    stale = {key(m) for m in catalog(lang) if m.id} - template_msgids()
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
            for form in forms(entry):
                assert set(marks.findall(key(entry))) == set(marks.findall(form)), entry.id
