"""How long a person has to acknowledge a message."""

from __future__ import annotations

from ..config import StationConfig

__all__ = ["ACKNOWLEDGEMENT", "NO_ACKNOWLEDGEMENT", "WATCH_CHECK", "deadline_seconds"]

ACKNOWLEDGEMENT = "acknowledgement"
WATCH_CHECK = "watch-check"
NO_ACKNOWLEDGEMENT = frozenset({ACKNOWLEDGEMENT})
"""Kinds that no person acknowledges (an acknowledgement of an acknowledgement would never end)."""

_FLASH_LIKE = frozenset({"clarification-request"})
"""Kinds that default to FLASH urgency whatever their precedence ("is this yours?" cannot wait)."""


def deadline_seconds(config: StationConfig, kind: str, precedence: str, party: str) -> float | None:
    """Seconds from arrival to a person's acknowledgement; None for kinds that need none."""
    if kind in NO_ACKNOWLEDGEMENT:
        return None
    if kind == WATCH_CHECK:
        return config.watch.check_ack
    table = config.deadlines_for(party)
    seconds = float(getattr(table, precedence, table.routine))
    if kind in _FLASH_LIKE:
        seconds = min(seconds, table.flash)
    return seconds
