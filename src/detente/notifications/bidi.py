"""Bidirectional-text safety: isolate embedded tokens so that they cannot reorder their context.

Unicode isolates (UAX #9): LRI … PDI shows a token left to right whatever surrounds it (callsigns,
MGRS references, coordinates); FSI … PDI lets a token of unknown direction (a name, free text)
choose its own direction without disturbing the line it sits in. Free text and names from a
sender may not contain direction controls of their own (``validate`` refuses them), so an
isolate opened here is always the one closed here.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from .i18n import N_, translator

__all__ = [
    "BIDI_CONTROLS",
    "FSI",
    "INVISIBLE_NOTICE",
    "LRI",
    "PDI",
    "RLI",
    "RLM",
    "contains_rtl",
    "invisible_notice",
    "isolate_auto",
    "isolate_in",
    "isolate_ltr",
]

LRI: Final = "\u2066"
RLI: Final = "\u2067"
FSI: Final = "\u2068"
PDI: Final = "\u2069"
RLM: Final = "\u200f"
BIDI_CONTROLS: Final = frozenset("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Characters that change the direction of the text around them."""


def contains_rtl(text: str) -> bool:
    """Whether ``text`` has a right-to-left letter (Arabic, Hebrew, Syriac, Thaana…)."""
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def isolate_ltr(token: str, *, rtl_context: bool) -> str:
    """Wrap a left-to-right token (callsign, MGRS, coordinates) in LRI … PDI inside RTL text."""
    return f"{LRI}{token}{PDI}" if rtl_context and token else token


def isolate_auto(text: str, *, rtl_context: bool) -> str:
    """Wrap text of unknown direction in FSI … PDI when it could disturb its context."""
    if text and (rtl_context or contains_rtl(text)):
        return f"{FSI}{text}{PDI}"
    return text


INVISIBLE_NOTICE: Final = N_(
    "This message contains invisible or direction-changing characters, shown as ⟨U+…⟩ (their code points)."
)
"""The flag of a message from the peer that held such characters (:mod:`detente.invisible`)."""


def invisible_notice(lang: str) -> str:
    """:data:`INVISIBLE_NOTICE` in ``lang``."""
    return translator(lang).gettext(INVISIBLE_NOTICE)


def isolate_in(text: str, direction: str, *, rtl_context: bool) -> str:
    """Wrap text whose direction is known (the free text of a sender whose language is Arabic, say)
    in RLI … PDI or LRI … PDI where it sits in the other direction: an Arabic sentence that starts
    with a Latin place name stays right to left, which a first-strong isolate would not keep."""
    if text and direction == "rtl" and not rtl_context:
        return f"{RLI}{text}{PDI}"
    if text and direction == "ltr" and rtl_context:
        return f"{LRI}{text}{PDI}"
    return isolate_auto(text, rtl_context=rtl_context)
