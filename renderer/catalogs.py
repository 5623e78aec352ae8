"""Fixed wording, from gettext catalogs (Babel), one per language.

Slovenian is the source language: message ids are the regulation's own Slovenian wording,
copied from the seed, so the Slovenian catalog translates nothing. The Italian and
Hungarian catalogs are PO files a translator edits; they are compiled in memory at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from markupsafe import Markup, escape

from .paths import LOCALE_DIR

DOMAIN = "messages"
SOURCE_LANGUAGE = "sl"


class MissingTranslation(LookupError):
    """A fixed text has no translation in a language the request asked for."""


@dataclass(frozen=True)
class Phrase:
    """One fixed text in each language of a request, Slovenian first."""

    texts: tuple[tuple[str, str], ...]  # (language, text)

    def __iter__(self):
        return iter(self.texts)

    def __getitem__(self, lang: str) -> str:
        return dict(self.texts)[lang]

    @property
    def first(self) -> str:
        return self.texts[0][1]

    def __str__(self) -> str:
        return " / ".join(text for _, text in self.texts)

    def __html__(self) -> str:
        """Inline form: every language, each in its own element, equal prominence; a text
        that reads the same in every language (an abbreviation) is printed once."""
        if len({text for _, text in self.texts}) == 1:
            lang, text = self.texts[0]
            return Markup('<span class="lang" lang="{}">{}</span>').format(lang, text)
        parts = [
            Markup('<span class="lang" lang="{}">{}</span>').format(lang, text)
            for lang, text in self.texts
        ]
        return Markup('<span class="sep"> / </span>').join(parts)

    def format(self, **values) -> Phrase:
        """Fill ``%(name)s`` placeholders; values are escaped unless already markup."""
        return Phrase(tuple((lang, Markup(escape(text)) % values) for lang, text in self.texts))

    def upper(self) -> Phrase:
        return Phrase(tuple((lang, text.upper()) for lang, text in self.texts))


class Catalogs:
    """The compiled catalogs, loaded once."""

    def __init__(self, languages=("sl", "it", "hu")):
        self._translations: dict[str, Translations] = {}
        self._messages: dict[str, dict[str, str]] = {}
        for lang in languages:
            po_path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
            with po_path.open("rb") as fh:
                catalog = read_po(fh, locale=lang, domain=DOMAIN)
            self._messages[lang] = {
                (m.id[0] if m.pluralizable else m.id): m.string
                for m in catalog
                if m.id and (all(m.string) if m.pluralizable else m.string) and not m.fuzzy
            }
            buf = BytesIO()
            write_mo(buf, catalog)
            buf.seek(0)
            self._translations[lang] = Translations(buf, domain=DOMAIN)

    def gettext(self, lang: str, msgid: str) -> str:
        if lang == SOURCE_LANGUAGE:
            return msgid
        if msgid not in self._messages[lang]:
            raise MissingTranslation(f"no {lang} translation for {msgid!r}")
        return self._translations[lang].gettext(msgid)

    def ngettext(self, lang: str, singular: str, plural: str, n: int | None) -> str:
        """The form for ``n`` by the language's plural rule; with no number (an empty blank)
        the plural, as the regulation's "strani" reads."""
        count = 2 if n is None else n
        if lang == SOURCE_LANGUAGE:
            return singular if count == 1 else plural
        if singular not in self._messages[lang]:
            raise MissingTranslation(f"no {lang} translation for {singular!r}")
        return self._translations[lang].ngettext(singular, plural, count)

    def has(self, lang: str, msgid: str) -> bool:
        return lang == SOURCE_LANGUAGE or msgid in self._messages[lang]

    def phrase(self, languages: tuple[str, ...], msgid: str) -> Phrase:
        return Phrase(tuple((lang, self.gettext(lang, msgid)) for lang in languages))

    def translator(self, languages: tuple[str, ...]):
        """The `_` a template calls: `_("Prejeto")` → a Phrase in the request's languages."""

        def _(msgid: str) -> Phrase:
            return self.phrase(languages, msgid)

        return _

    def plural_translator(self, languages: tuple[str, ...]):
        """The `ngettext` a template calls: `ngettext("… {pages} strani.", "… {pages} strani.", n)`."""

        def ngettext(singular: str, plural: str, n: int | None) -> Phrase:
            return Phrase(
                tuple((lang, self.ngettext(lang, singular, plural, n)) for lang in languages)
            )

        return ngettext


class UsedMessages(Catalogs):
    """The catalogs of ``catalogs``, noting every message id a composition asks for and
    printing the Slovenian text where a translation is missing, so a layout's missing
    translations can be listed (the preview studio) instead of refusing the document."""

    def __init__(self, catalogs: Catalogs):
        self._translations = catalogs._translations
        self._messages = catalogs._messages
        self.used: set[str] = set()

    def gettext(self, lang: str, msgid: str) -> str:
        self.used.add(msgid)
        return super().gettext(lang, msgid) if self.has(lang, msgid) else msgid

    def ngettext(self, lang: str, singular: str, plural: str, n: int | None) -> str:
        self.used.add(singular)
        if self.has(lang, singular):
            return super().ngettext(lang, singular, plural, n)
        return singular if n == 1 else plural

    def missing(self, lang: str) -> list[str]:
        return sorted(m for m in self.used if not self.has(lang, m))
