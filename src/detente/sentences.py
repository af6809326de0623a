"""Sentences the station stores in English and says again in the reader's language.

A table names each sentence and its ``{parts}``; the station writes ``say(name, **parts)`` into
what it stores (the link status, an escalation's detail), so the logs, the journal and the CLI
read it as they always have. :meth:`Sentences.say_in` reads a stored sentence back against the
same table and says it in another language, its parts too: nested sentences, codes with a
catalogue context, words of the table's own. What no template matches (an operating system's
error, a sentence written by an older version) is shown as it is, isolated so that it cannot
disturb the line around it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .notifications.languages import Lang

# The catalogues (Babel, and the notification package around them) are imported only to say a
# sentence in another language, so that the commands that merely store one start fast.

__all__ = ["N_", "Sentences"]

_NUMBER = re.compile(r"[-+\u2212]?[0-9][0-9.]*")


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue (as ``notifications.i18n.N_`` does) without importing it."""
    return message


@dataclass(frozen=True, eq=False)
class Sentences:
    """One table of sentences, and how their parts are said (compared, and cached, by identity)."""

    templates: Mapping[str, str]
    """Every sentence, by name; ``{placeholders}`` are its parts."""
    nested: frozenset[str] = frozenset()
    """Parts that are themselves sentences of the table."""
    words: Mapping[str, str] = field(default_factory=dict)
    """Words a part may be, each said through the catalogue (``dialed`` …)."""
    codes: Mapping[str, tuple[str, frozenset[str]]] = field(default_factory=dict)
    """Part name → (catalogue context, the codes it may be), said with ``pgettext``."""

    def say(self, which: str, /, **parts: object) -> str:
        """The English sentence ``which`` with its parts, as the station stores it."""
        return self.templates[which].format(**parts)

    def say_in(self, text: str, lang: Lang) -> str:
        """A stored sentence in ``lang``: matched against the table, its parts said in ``lang`` too."""
        if lang == "en" or not text:
            return text
        return self._say(text, lang, depth=0)

    def _say(self, text: str, lang: Lang, depth: int) -> str:
        from .notifications.bidi import isolate_auto
        from .notifications.i18n import translator

        if depth < 4:
            for name, pattern in _patterns(self):
                match = pattern.match(text)
                if match is not None:
                    parts = {key: self._part(key, value, lang, depth) for key, value in match.groupdict().items()}
                    return translator(lang).gettext(self.templates[name]).format(**parts)
        return isolate_auto(text, rtl_context=lang == "ar")

    def _part(self, key: str, value: str, lang: Lang, depth: int) -> str:
        from .notifications.bidi import isolate_auto, isolate_ltr
        from .notifications.i18n import translator

        t = translator(lang)
        if key in self.nested:
            return self._say(value, lang, depth + 1)
        if key in self.codes and value in self.codes[key][1]:
            return t.pgettext(self.codes[key][0], value)
        if value in self.words:
            return t.gettext(self.words[value])
        if _NUMBER.fullmatch(value):
            return isolate_ltr(value, rtl_context=lang == "ar")  # a signed number keeps its sign in front
        return isolate_auto(value, rtl_context=lang == "ar")


@functools.cache
def _patterns(table: Sentences) -> list[tuple[str, re.Pattern[str]]]:
    found = []
    for name, template in table.templates.items():
        pieces = re.split(r"\{(\w+)\}", template)
        regex = "".join(
            re.escape(piece) if i % 2 == 0 else (f"(?P<{piece}>.+)" if piece in table.nested else f"(?P<{piece}>.+?)")
            for i, piece in enumerate(pieces)
        )
        found.append((name, re.compile(f"^{regex}$", re.DOTALL)))
    # The most specific first: more literal text before less.
    found.sort(key=lambda item: -len(re.sub(r"\{\w+\}", "", table.templates[item[0]])))
    return found
