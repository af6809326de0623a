"""How long a person has to acknowledge a message.

The receiving station's ``[deadlines]`` (or the line's own table) give the time by precedence; a
kind of the notification catalogue may declare a shorter one (``KindSpec.acknowledge_within``),
which applies when it is shorter; a watch check has ``[watch] check_ack``.
"""

from __future__ import annotations

from ..config import DeadlineSettings, StationConfig
from ..protocol.envelope import Precedence

__all__ = [
    "ACKNOWLEDGEMENT",
    "NO_ACKNOWLEDGEMENT",
    "ROSTER",
    "WATCH_CHECK",
    "deadline_seconds",
    "shortest_deadline",
]

ACKNOWLEDGEMENT = "acknowledgement"
WATCH_CHECK = "watch-check"
ROSTER = "watch-roster"
"""A station's report of who is on watch there (watch/roster.py): a service message."""
NO_ACKNOWLEDGEMENT = frozenset({ACKNOWLEDGEMENT, ROSTER})
"""Kinds that no person acknowledges (an acknowledgement of an acknowledgement would never end;
a roster is the station's own report, made without anybody)."""


def _kind_deadline(kind: str, table: DeadlineSettings) -> float | None:
    """The seconds ``kind`` declares for its acknowledgement (a precedence's read from ``table``);
    None if it declares none, or is not in the catalogue (a watch check, a newer peer's kind)."""
    # Imported here: the catalogue is heavy to import, and most CLI commands never need it.
    from ..notifications import UsageError, spec

    try:
        declared = spec(kind).acknowledge_within
    except UsageError:
        return None
    if isinstance(declared, Precedence):
        return float(getattr(table, declared.value))
    return None if declared is None else declared.total_seconds()


def deadline_seconds(config: StationConfig, kind: str, precedence: str, party: str) -> float | None:
    """Seconds from arrival to a person's acknowledgement; None for kinds that need none."""
    if kind in NO_ACKNOWLEDGEMENT:
        return None
    if kind == WATCH_CHECK:
        return config.watch.check_ack
    table = config.deadlines_for(party)
    seconds = float(getattr(table, precedence, table.routine))
    own = _kind_deadline(kind, table)
    return seconds if own is None else min(seconds, own)


def shortest_deadline(config: StationConfig) -> float:
    """No message's deadline is shorter than this (seconds): the shortest of every precedence
    in every table, of every duration a kind declares, and of a watch check's."""
    from ..notifications import kinds

    tables = [config.deadlines, *config.line_deadlines.values()]
    seconds = [float(getattr(t, p.value)) for t in tables for p in Precedence]
    for item in kinds():
        declared = item.acknowledge_within
        if declared is not None and not isinstance(declared, Precedence):
            seconds.append(declared.total_seconds())
    return max(0.0, min([*seconds, float(config.watch.check_ack)]))
