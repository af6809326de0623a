"""Message catalogues: every word the renderers and validators show comes from here.

The catalogues are gettext ``.po`` files shipped inside the package
(``locale/<lang>/LC_MESSAGES/detente.po``) and read with Babel when first needed, so a fresh
``pip install -e .`` needs no compile step. English is a catalogue like the others (its msgids are
the English source strings, but a missing English entry is still an error in strict mode).

Message ids are English; enumerated values use the enum's name as gettext context
(``msgctxt "Mission"``, ``msgid "patrol"``). ``N_`` marks a string for extraction without
translating it.
"""

from __future__ import annotations

import functools
import gettext as _gettext
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
    "catalogue_entries",
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


def po_path(lang: Lang) -> Path:
    """Where the catalogue of ``lang`` lives."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def _load(lang: Lang) -> dict[tuple[str | None, str], str]:
    return _read(lang)[0]


@functools.cache
def _read(
    lang: Lang,
) -> tuple[dict[tuple[str | None, str], str], dict[tuple[str | None, str], tuple[str, ...]], Callable[[int], int]]:
    """A catalogue's messages, its plural messages (by context and singular msgid) and its
    ``Plural-Forms`` rule (the CLDR categories in gettext's order: Arabic has six)."""
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
        if isinstance(message.id, (tuple, list)):
            forms = tuple(message.string) if isinstance(message.string, (tuple, list)) else ()
            if forms and all(forms):
                plurals[(message.context, str(message.id[0]))] = forms
            continue
        if isinstance(message.string, str) and message.string:
            table[(message.context, message.id)] = message.string
    rule = _gettext.c2py(catalog.plural_expr or "(n != 1)")
    return table, plurals, rule


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

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The form of ``singular``/``plural`` that the language's plural rule picks for ``n``."""
        _table, plurals, rule = _read(self.lang)
        forms = plurals.get((None, singular))
        if forms is not None:
            index = rule(n)
            return forms[index] if index < len(forms) else forms[-1]
        if self.strict:
            raise MissingMessage(f"{self.lang} catalogue has no plural forms of {singular!r}")
        return singular if n == 1 else plural

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
