"""Which notices are in force over a span of time: what the console's map shows.

A notice announcing an activity (a flight's window, an air-defence deployment's period) is in
force from its start to its end, or until further notice when the period has no end. A report
of an event (an incident, an "is this yours?" observation) is shown for
:data:`REPORT_SHOWN_S` after the event. A notice stops being in force as soon as its sender
cancels or updates it (a later message of the same side that refers to it with relation
``cancel`` or ``update``; the update carries its own area and time). Bodies are read as
signed; one that does not validate has no time and is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from .notifications import InvalidBodyError, NotificationError
from .notifications.validation import parse_body
from .store import MessageRecord, Store

__all__ = ["REPORT_SHOWN_S", "ActiveNotice", "active_notices", "notice_times"]

REPORT_SHOWN_S = 24 * 3600.0
"""How long after the event a report without a time window of its own is shown."""

_SCAN_LIMIT = 100_000
_WITHDRAWING = ("cancel", "update")
_TIMES: dict[str, tuple[float, float | None] | None] = {}
"""Each message's times, by message id: the bodies are signed and never change."""


@dataclass(frozen=True)
class ActiveNotice:
    record: MessageRecord
    starts_at: float
    ends_at: float | None
    """None: until further notice."""


def _seconds(moment: datetime) -> float:
    return moment.timestamp()


def notice_times(record: MessageRecord) -> tuple[float, float | None] | None:
    """(start, end or None) of a notice, from its signed body; None if it has no time."""
    if record.id in _TIMES:
        return _TIMES[record.id]
    times: tuple[float, float | None] | None = None
    try:
        notice = parse_body(record.kind, record.body).notice
    except (InvalidBodyError, NotificationError):
        notice = None
    if notice is not None:
        activity = notice.activity()
        if activity is not None:
            start, end = activity
            times = (_seconds(start), _seconds(end) if end is not None else None)
        else:
            event = notice.event_time()
            if event is not None:
                times = (_seconds(event), _seconds(event) + REPORT_SHOWN_S)
    if len(_TIMES) > _SCAN_LIMIT:
        _TIMES.clear()
    _TIMES[record.id] = times
    return times


def _withdrawn(records: Sequence[MessageRecord]) -> set[tuple[str, str, str]]:
    """(direction, peer, id) of the notices their own senders cancelled or updated."""
    found: set[tuple[str, str, str]] = set()
    for record in records:
        references = record.body.get("references")
        if not isinstance(references, list):
            continue
        for ref in references:
            if isinstance(ref, dict) and ref.get("relation") in _WITHDRAWING and isinstance(ref.get("id"), str):
                found.add((record.direction, record.peer, ref["id"]))
    return found


def active_notices(store: Store, *, since: float, until: float, kinds: Sequence[str] = ()) -> list[ActiveNotice]:
    """Notices in force at some moment of ``[since, until]``, newest first."""
    if until < since:
        raise ValueError(f"the span ends ({until}) before it starts ({since})")
    records = store.find_messages(limit=_SCAN_LIMIT)
    withdrawn = _withdrawn(records)
    found = []
    for record in records:
        if kinds and record.kind not in kinds:
            continue
        if (record.direction, record.peer, record.id) in withdrawn:
            continue
        times = notice_times(record)
        if times is None:
            continue
        start, end = times
        if start <= until and (end is None or end >= since):
            found.append(ActiveNotice(record, start, end))
    return found
