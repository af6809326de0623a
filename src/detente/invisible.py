"""Invisible and direction-changing characters in text from the peer, made visible.

A signed envelope carries what the other party's station put in it. Our own sender refuses
direction controls and invisible characters (``common._clean_text``), but a hostile or broken
station can sign anything; shown raw, a right-to-left override (U+202E) makes
"0400Z ‮Z0021 ta sessorc‬ ok" read as "0400Z crosses at 1200Z ok", and a zero-width space makes
two different words look the same. So everything a peer sends is passed through :func:`shown`
before any person reads it (console, print view, API summaries, CLI text, CAP export, evidence
statements): every such character is replaced by a visible token, ``⟨U+202E⟩``, and the result
says that it found some, so that every view can flag the message. The signed bytes stay as
received; only what is shown changes.

Replaced (:func:`is_invisible`):

* format characters (Unicode category Cf): the bidi embeddings, overrides and isolates
  (U+202A–U+202E, U+2066–U+2069), the marks LRM, RLM and ALM (U+200E, U+200F, U+061C), zero-width
  space and joiners (U+200B–U+200D), word joiner and invisible operators (U+2060–U+2064), the byte
  order mark (U+FEFF), the soft hyphen (U+00AD), tag characters (U+E0000–U+E007F) and the rest;
* line and paragraph separators (U+2028, U+2029: categories Zl and Zp), which some views break a
  line at and others do not;
* control characters (category Cc) other than the line feed and the tab that free text may hold.

Right-to-left text needs none of these to display correctly: Arabic letters carry their own
direction, and the isolation a view needs (FSI … PDI, ``<bdi>``, ``dir="auto"``) is added by the
view itself (:mod:`.notifications.bidi`) after this has made the peer's own controls visible. The
notice that flags such a message, in the reader's language, is
:func:`.notifications.bidi.invisible_notice` (the console's is ``invisible.flag``).

Pure and light (the standard library only), so that every command may use it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final

__all__ = ["Shown", "escape_json", "is_invisible", "shown", "shown_value", "token"]

_KEPT: Final = frozenset("\n\t")
"""Controls that free text may hold and that every view shows as what they are."""
_CATEGORIES: Final = frozenset(("Cf", "Cc", "Zl", "Zp"))


@dataclass(frozen=True)
class Shown:
    """Text made safe to show, and whether anything in it had to be made visible."""

    text: str
    invisible: bool
    """Whether the original held invisible or direction-changing characters (now ``⟨U+…⟩``)."""


def is_invisible(ch: str, *, multiline: bool = True) -> bool:
    """Whether ``ch`` is shown as a token: a format, control or separator character (line feed
    and tab are kept in ``multiline`` text)."""
    if multiline and ch in _KEPT:
        return False
    return unicodedata.category(ch) in _CATEGORIES


def token(ch: str) -> str:
    """The visible stand-in of one character: ``⟨U+202E⟩``."""
    return f"⟨U+{ord(ch):04X}⟩"


def shown(text: str, *, multiline: bool = True) -> Shown:
    """``text`` with every invisible or direction-changing character replaced by its token.

    ``multiline=False`` replaces line feeds and tabs as well (a name, a summary on one line)."""
    if not any(is_invisible(ch, multiline=multiline) for ch in text):
        return Shown(text, False)
    return Shown("".join(token(ch) if is_invisible(ch, multiline=multiline) else ch for ch in text), True)


def shown_value(value: object) -> tuple[object, bool]:
    """A JSON value (a message body) with every string in it, member names included, passed
    through :func:`shown`; and whether any of them held such characters."""
    if isinstance(value, str):
        result = shown(value)
        return result.text, result.invisible
    if isinstance(value, list):
        items = [shown_value(item) for item in value]
        return [item for item, _ in items], any(flag for _, flag in items)
    if isinstance(value, dict):
        found = False
        members: dict[object, object] = {}
        for key, item in value.items():
            name, flagged_name = shown_value(key) if isinstance(key, str) else (key, False)
            shown_item, flagged_item = shown_value(item)
            members[name] = shown_item
            found = found or flagged_name or flagged_item
        return members, found
    return value, False


def escape_json(document: str) -> str:
    """Compact JSON text (``json.dumps(..., ensure_ascii=False)``, no indent) with every invisible or
    direction-changing character written as a ``\\uXXXX`` escape: the same JSON value, exactly (a
    signed body stays as received), that neither reorders a terminal's line nor splits a line
    where U+2028 or U+2029 would (JSON Lines readers, ``str.splitlines``)."""
    if not any(is_invisible(ch, multiline=False) for ch in document):
        return document
    return "".join(_escape(ch) if is_invisible(ch, multiline=False) else ch for ch in document)


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
