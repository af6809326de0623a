"""What a station says about its links and paths, in one table.

The running station writes these sentences into the link status in English (the logs, the
journal and ``detente status`` read them as they are); :func:`say_in` reads a stored sentence
back against the same table and says it in the reader's language, its parts too (the close
reason's code, the protocol's own details). What no template matches, an operating system's
error for instance, is shown as it is, isolated so that it cannot disturb the line around it.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Final

from .protocol.codes import CloseReason, RejectCode

if TYPE_CHECKING:
    from .notifications.languages import Lang

# The catalogues (Babel, and the notification package around them) are imported only to say a
# sentence in another language, so that the commands that merely store one start fast.


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue (as ``notifications.i18n.N_`` does) without importing it."""
    return message


__all__ = ["TEMPLATES", "say", "say_in"]

TEMPLATES: Final[dict[str, str]] = {
    # the link to a peer
    "link.up": N_("up on {path} (connection {conn}, {how}, protocol v{version})"),
    "link.moved": N_("up on {path} (connection {conn}; moved from {previous}: {why})"),
    "link.down": N_("down: {reason}: {detail}"),
    "link.stopped": N_("station stopped"),
    "link.never": N_("never connected"),
    "link.before_hello": N_("connections close before the peer's hello: {detail}"),
    # one path
    "path.established": N_("established (connection {conn}, {how})"),
    "path.closed": N_("closed: {reason}: {detail}"),
    "dial.failed": N_("dial failed: {detail}"),
    # the protocol's details (protocol/link.py)
    "detail.shutdown": N_("station is shutting down"),
    "detail.preferred": N_("connection {conn} is preferred"),
    "detail.no_hello": N_("no hello within {seconds} s"),
    "detail.silent": N_("no frame from the peer for {seconds} s"),
    "detail.silent_path": N_("no frame on {path} for {seconds} s"),
    "detail.answers_again": N_("{path} is preferred and answers again"),
    "detail.path_back": N_("preferred path is back"),
    "detail.newer": N_("newer connection"),
    "detail.closed": N_("connection closed"),
    "detail.before_hello": N_("{detail} before the peer's hello (does the peer have this station pinned?)"),
    "detail.receipt_not_stored": N_("the sending station could not store a receipt"),
    "detail.no_endpoint": N_("the peer's card lists no endpoint"),
    "detail.reason": N_("{reason}: {detail}"),
}
"""Every sentence, by name; ``{placeholders}`` are its parts."""

_WORDS: Final = {"dialed": N_("dialed"), "accepted": N_("accepted")}
_NESTED: Final = frozenset({"detail", "why"})
_CODES: Final = frozenset(c.value for c in CloseReason) | frozenset(c.value for c in RejectCode)


def say(name: str, **parts: object) -> str:
    """The English sentence ``name`` with its parts, as the station stores it."""
    return TEMPLATES[name].format(**parts)


@functools.cache
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    found = []
    for name, template in TEMPLATES.items():
        pieces = re.split(r"\{(\w+)\}", template)
        regex = "".join(
            re.escape(piece) if i % 2 == 0 else (f"(?P<{piece}>.+)" if piece in _NESTED else f"(?P<{piece}>.+?)")
            for i, piece in enumerate(pieces)
        )
        found.append((name, re.compile(f"^{regex}$", re.DOTALL)))
    # The most specific first: more literal text before less.
    found.sort(key=lambda item: -len(re.sub(r"\{\w+\}", "", TEMPLATES[item[0]])))
    return found


def say_in(text: str, lang: Lang) -> str:
    """A stored sentence in ``lang``: matched against the table, its parts said in ``lang`` too."""
    if lang == "en" or not text:
        return text
    return _say(text, lang, depth=0)


def _say(text: str, lang: Lang, depth: int) -> str:
    from .notifications.bidi import isolate_auto
    from .notifications.i18n import translator

    t = translator(lang)
    rtl = lang == "ar"
    if depth < 4:
        for name, pattern in _patterns():
            match = pattern.match(text)
            if match is None:
                continue
            parts = {key: _part(key, value, lang, depth) for key, value in match.groupdict().items()}
            return t.gettext(TEMPLATES[name]).format(**parts)
    return isolate_auto(text, rtl_context=rtl)


def _part(key: str, value: str, lang: Lang, depth: int) -> str:
    from .notifications.bidi import isolate_auto, isolate_ltr
    from .notifications.i18n import translator

    t = translator(lang)
    if key in _NESTED:
        return _say(value, lang, depth + 1)
    if key == "reason" and value in _CODES:
        return t.pgettext("close-reason", value)
    if key == "how" and value in _WORDS:
        return t.gettext(_WORDS[value])
    if re.fullmatch(r"[-+\u2212]?[0-9][0-9.]*", value):
        return isolate_ltr(value, rtl_context=lang == "ar")  # a signed number keeps its sign in front
    return isolate_auto(value, rtl_context=lang == "ar")
