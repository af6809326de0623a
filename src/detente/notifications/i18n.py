"""Message catalogues: every word the renderers and validators show comes from here.

The catalogues are gettext ``.po`` files shipped inside the package
(``locale/<lang>/LC_MESSAGES/detente.po``) and read with Babel when first needed, so a fresh
``pip install -e .`` needs no compile step. English is a catalogue like the others (its msgids are
the English source strings, but a missing English entry is still an error in strict mode).

Message ids are English; enumerated values use the enum's name as gettext context
(``msgctxt "Mission"``, ``msgid "patrol"``). ``N_`` marks a string for extraction without
translating it.

A counted text is a gettext plural entry (``msgid`` / ``msgid_plural``, one ``msgstr[i]`` per
form), chosen by the catalogue's ``Plural-Forms`` header, whose forms follow CLDR's categories in
CLDR's order: English and Turkish one/other, Russian one/few/many, Arabic
zero/one/two/few/many/other. ``Nn_`` marks one for extraction; ``Translator.ngettext`` looks it up.
"""

from __future__ import annotations

import functools
import gettext
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from .errors import PackageDataError, UsageError
from .languages import Lang, check_lang

__all__ = [
    "DOMAIN",
    "LOCALE_DIR",
    "MissingMessage",
    "Translator",
    "N_",
    "Nn_",
    "catalogue_entries",
    "plural_index",
    "po_path",
    "translator",
]

DOMAIN: Final = "detente"
LOCALE_DIR: Final = Path(__file__).resolve().parent / "locale"


class MissingMessage(UsageError):
    """A message is not in a catalogue (raised only by strict translators, which tests use)."""


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it here."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a counted message (singular and plural English forms) for the catalogue."""
    return singular, plural


def po_path(lang: Lang) -> Path:
    """Where the catalogue of ``lang`` lives."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@dataclass(frozen=True)
class _Catalogue:
    messages: dict[tuple[str | None, str], str]
    plurals: dict[tuple[str | None, str], tuple[str, ...]]
    """(context, singular msgid) → the translated forms, in the order of ``plural``'s indices."""
    plural: Callable[[int], int]
    """The catalogue's Plural-Forms expression: a count → the index of its form."""


@functools.cache
def _catalogue(lang: Lang) -> _Catalogue:
    path = po_path(lang)
    try:
        with path.open("rb") as handle:
            catalog: Catalog = read_po(handle, locale=lang, domain=DOMAIN)
    except OSError as exc:
        raise PackageDataError(f"message catalogue {path} cannot be read ({exc}); reinstall détente") from None
    table: dict[tuple[str | None, str], str] = {}
    plurals: dict[tuple[str | None, str], tuple[str, ...]] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, str):
            if isinstance(message.string, str) and message.string:
                table[(message.context, message.id)] = message.string
        elif isinstance(message.string, tuple | list) and all(message.string):
            plurals[(message.context, message.id[0])] = tuple(str(form) for form in message.string)
    return _Catalogue(table, plurals, gettext.c2py(catalog.plural_expr))


def _load(lang: Lang) -> dict[tuple[str | None, str], str]:
    return _catalogue(lang).messages


def plural_index(lang: Lang, count: int) -> int:
    """Which form of a counted message ``lang``'s catalogue uses for ``count``."""
    return _catalogue(check_lang(lang)).plural(count)


def catalogue_entries(lang: Lang) -> dict[tuple[str | None, str], str]:
    """Every usable (context, msgid) → translation of a language (fuzzy and empty ones left out)."""
    return dict(_load(check_lang(lang)))


@dataclass(frozen=True)
class Translator:
    """Looks messages up in one language's catalogue.

    A missing message falls back to the English source text, unless ``strict``, when it raises
    MissingMessage: the tests render everything strictly so that no untranslated word ships.
    """

    lang: Lang
    strict: bool = False

    def gettext(self, message: str) -> str:
        return self._lookup(None, message)

    def pgettext(self, context: str, message: str) -> str:
        return self._lookup(context, message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """The form of a counted message for ``count`` (English's own when it is missing, unless strict)."""
        catalogue = _catalogue(self.lang)
        forms = catalogue.plurals.get((None, singular))
        if forms is not None:
            return forms[min(catalogue.plural(count), len(forms) - 1)]
        if self.strict:
            raise MissingMessage(f"{self.lang} catalogue has no plural forms of {singular!r}")
        return singular if count == 1 else plural

    def nformat(self, singular: str, plural: str, count: int, /, **values: object) -> str:
        """``ngettext`` for ``count``, with its ``{placeholders}`` filled (``{count}`` among them)."""
        return self.ngettext(singular, plural, count).format(**({"count": count} | values))

    def format(self, message: str, /, **values: object) -> str:
        """Translate ``message`` and fill its ``{placeholders}``."""
        return self.gettext(message).format(**values)

    def _lookup(self, context: str | None, message: str) -> str:
        found = _load(self.lang).get((context, message))
        if found is not None:
            return found
        if self.strict:
            where = f"[{context}] " if context else ""
            raise MissingMessage(f"{self.lang} catalogue has no translation of {where}{message!r}")
        return message


def translator(lang: str, *, strict: bool = False) -> Translator:
    """A translator for ``lang`` (one of tr, ar, en, ru); UsageError for any other code."""
    return Translator(check_lang(lang), strict=strict)
