"""What the watch writes in a message's history when it escalates, in one table (``sentences.py``):
stored in English (the journal, the ledger's sealed record, ``detente status``), said again in
the reader's language by the console."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ..sentences import N_, Sentences

if TYPE_CHECKING:
    from ..notifications.languages import Lang

__all__ = ["ESCALATION", "duration_text", "say", "say_in"]

TEMPLATES: Final[dict[str, str]] = {
    "half-time": N_("{what} from {party} is not yet acknowledged; half of its {deadline} deadline is gone"),
    "overdue": N_("{what} from {party} was not acknowledged within {deadline}"),
    "link-wait": N_("{what} to {party} waits on the link (down), not on a person"),
    "peer-overdue": N_("{party} did not acknowledge {what} within {deadline}"),
    "late": N_("{what} was acknowledged late by {who} ({name}), {late} after its deadline"),
    # how long (watch.state.format_duration)
    "seconds": N_("{n} s"),
    "minutes": N_("{n} min"),
    "hours": N_("{n} h"),
}

ESCALATION: Final = Sentences(
    TEMPLATES,
    nested=frozenset({"deadline", "late"}),
    words={"this station": N_("this station")},
)


def duration_text(seconds: float) -> str:
    """``45 s``, ``14 min``, ``2.5 h``: how long, as an operator reads it (stored in English)."""
    if seconds < 120:
        return say("seconds", n=f"{seconds:.0f}")
    if seconds < 7200:
        return say("minutes", n=f"{seconds / 60:.0f}")
    return say("hours", n=f"{seconds / 3600:.1f}")


def say(which: str, /, **parts: object) -> str:
    """The English sentence ``which``, as the watch stores it."""
    return ESCALATION.say(which, **parts)


def say_in(text: str, lang: Lang) -> str:
    """A stored escalation detail in ``lang``."""
    return ESCALATION.say_in(text, lang)
