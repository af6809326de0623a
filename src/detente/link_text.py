"""What a station says about its links and paths, in one table.

The running station writes these sentences into the link status in English (the logs, the
journal and ``detente status`` read them as they are); :func:`say_in` reads a stored sentence
back against the same table and says it in the reader's language, its parts too (the close
reason's code, the protocol's own details). What no template matches, an operating system's
error for instance, is shown as it is, isolated so that it cannot disturb the line around it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from .protocol.codes import CloseReason, RejectCode
from .sentences import N_, Sentences

if TYPE_CHECKING:
    from .notifications.languages import Lang

__all__ = ["LINK", "TEMPLATES", "say", "say_in"]

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

_CODES: Final = frozenset(c.value for c in CloseReason) | frozenset(c.value for c in RejectCode)

LINK: Final = Sentences(
    TEMPLATES,
    nested=frozenset({"detail", "why"}),
    words={"dialed": N_("dialed"), "accepted": N_("accepted")},
    codes={"reason": ("close-reason", _CODES)},
)


def say(which: str, /, **parts: object) -> str:
    """The English sentence ``which`` with its parts, as the station stores it."""
    return LINK.say(which, **parts)


def say_in(text: str, lang: Lang) -> str:
    """A stored sentence about a link in ``lang``, its parts too."""
    return LINK.say_in(text, lang)
