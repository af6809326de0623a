"""Is the watch answering on a line? Human liveness, shown apart from the link's heartbeats.

A link can be up, heartbeats answered in milliseconds, and nobody reading: "link up, watch not
answering for 14 min" is a state operators must see. For one line, from the store alone:

* the last watch check this station sent, and whether (who, when) a person there answered it;
* how long the peer's watch has not been answering: since the delivery of the oldest message
  (watch check or other) that the peer's people have left unacknowledged past its deadline;
* how many received messages this station's own people have not yet acknowledged, how many of
  them are past their deadline, and the age of the oldest.
"""

from __future__ import annotations

from typing import Any

from ..config import StationConfig
from ..invisible import shown
from ..protocol.timestamps import parse_time
from ..store import AwaitingRecord, Store
from .deadlines import WATCH_CHECK, deadline_seconds
from .roster import latest_roster
from .sentences import duration_text

__all__ = ["format_duration", "watch_state"]


def _deadline(config: StationConfig, record: AwaitingRecord) -> float | None:
    return deadline_seconds(config, record.kind, record.precedence, record.party)


def watch_state(store: Store, config: StationConfig, peer: str, now: float) -> dict[str, Any]:
    """The watch on the line to ``peer`` (a station id) at ``now``, as plain data."""
    unacknowledged = store.unacknowledged(peer)
    here = [r for r in unacknowledged if r.direction == "in" and _deadline(config, r) is not None]
    here_overdue = [r for r in here if now > parse_time(r.stored_at) + (_deadline(config, r) or 0.0)]
    oldest_here = min(here, key=lambda r: parse_time(r.stored_at), default=None)
    peer_overdue = sorted(  # (delivered, message), delivered by this station and now past the deadline there
        (
            (parse_time(r.delivered_at), r)
            for r in unacknowledged
            if r.direction == "out"
            and r.delivered_at is not None
            and (deadline := _deadline(config, r)) is not None
            and now > parse_time(r.delivered_at) + deadline
        ),
        key=lambda pair: pair[0],
    )
    delivered, oldest_overdue = peer_overdue[0] if peer_overdue else (None, None)
    check = _last_check(store, peer)
    return {
        "last_check_sent_at": check.stored_at if check else None,
        "last_check_id": check.id if check else None,
        "last_check_answered": (check.acked_at is not None) if check else None,
        "last_check_acknowledged_at": check.acked_at if check else None,
        "last_check_acknowledged_by": shown(check.acked_by, multiline=False).text  # a name the peer sent
        if check and check.acked_by is not None
        else None,
        "peer_not_answering_since": oldest_overdue.delivered_at if oldest_overdue else None,
        "peer_not_answering_s": round(now - delivered, 3) if delivered is not None else None,
        "peer_overdue": len(peer_overdue),
        "peer_oldest_overdue_id": oldest_overdue.id if oldest_overdue else None,
        "awaiting_here": len(here),
        "awaiting_here_overdue": len(here_overdue),
        "oldest_awaiting_here_id": oldest_here.id if oldest_here else None,
        "oldest_awaiting_here_s": round(now - parse_time(oldest_here.stored_at), 3) if oldest_here else None,
        "peer_on_watch": roster.view(now) if (roster := latest_roster(store, peer)) is not None else None,
    }


def _last_check(store: Store, peer: str) -> AwaitingRecord | None:
    last = store.last_sent(peer, WATCH_CHECK)
    if last is None:
        return None
    sent = [r for r in store.acknowledgement_times(last) if r.peer == peer and r.direction == "out"]
    checks = [r for r in sent if r.kind == WATCH_CHECK]
    return checks[-1] if checks else None


def format_duration(seconds: float) -> str:
    """``45 s``, ``14 min``, ``2.5 h``: how long, as an operator reads it."""
    return duration_text(seconds)
