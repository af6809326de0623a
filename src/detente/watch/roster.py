"""Who is on watch: each station tells its peers, as signed service messages, who is on duty.

After the 2001 EP-3 collision nobody could be found to talk to. A link that answers its
heartbeats says nothing of the people; a station that serves a console therefore reports, to
every peer whose link is up, the operators logged in to it with a duty role (``operator`` or
``supervisor``): their names, roles and since when each has been on watch (the start of their
oldest live session). The report is an ordinary signed envelope of kind ``watch-roster`` (PROTOCOL.md §22)
that no person acknowledges, sent when the roster changes and at least every :data:`INTERVAL`
seconds otherwise, so that a peer can tell "nobody on watch" from "no news" (a report older than
:data:`STALE` is shown as such). The receiving console shows "on watch at SY: Lt. Haddad (duty
officer) since 06:00Z" and warns when the other side reports nobody.

An operator counts as logged in while a session of theirs is unexpired and was last seen within
:data:`PRESENCE` seconds (an open console refreshes its session at least every 30 s).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..operators import ACKNOWLEDGING_ROLES
from ..protocol.timestamps import format_time, parse_time
from ..store import MessageRecord, Store
from .deadlines import ROSTER

__all__ = ["INTERVAL", "PRESENCE", "STALE", "OnWatch", "Roster", "latest_roster", "on_watch", "roster_body"]

PRESENCE = 120.0
"""Seconds since a session was last seen for its operator to count as logged in."""
INTERVAL = 300.0
"""Seconds between two reports to a peer when nothing changed."""
STALE = 3 * INTERVAL + PRESENCE
"""A peer's report older than this (by this station's clock of its arrival) is stale."""


@dataclass(frozen=True)
class OnWatch:
    """One person on watch at a station."""

    name: str
    role: str
    since: str
    """When this watch began for them (the start of their oldest live session), RFC 3339 UTC."""


@dataclass(frozen=True)
class Roster:
    """The latest roster a peer reported, as this station received it."""

    reported_at: str
    """When the peer's station made the report (its envelope's creation time)."""
    received_at: str
    on_watch: tuple[OnWatch, ...]
    message_id: str

    def view(self, now: float) -> dict[str, Any]:
        return {
            "reported_at": self.reported_at,
            "received_at": self.received_at,
            "stale": now - parse_time(self.received_at) > STALE,
            "message": self.message_id,
            "on_watch": [{"name": p.name, "role": p.role, "since": p.since} for p in self.on_watch],
        }


def on_watch(store: Store, now: float) -> tuple[OnWatch, ...]:
    """The people on watch at this station at ``now``: accounts with a duty role that are not
    disabled and have a live session seen within :data:`PRESENCE`, longest on watch first."""
    seen_since = format_time(now - PRESENCE)
    started: dict[str, str] = {}
    for session in store.live_sessions(seen_since=seen_since, at=format_time(now)):
        current = started.get(session.operator)
        if current is None or parse_time(session.created_at) < parse_time(current):
            started[session.operator] = session.created_at
    people = []
    for name, since in started.items():
        account = store.operator(name)
        if account is None or account.disabled_at is not None or account.role not in ACKNOWLEDGING_ROLES:
            continue
        people.append(OnWatch(name, account.role, since))
    return tuple(sorted(people, key=lambda p: (parse_time(p.since), p.name)))


def roster_body(people: tuple[OnWatch, ...]) -> dict[str, Any]:
    """The body of a ``watch-roster`` envelope."""
    return {"on_watch": [{"name": p.name, "role": p.role, "since": p.since} for p in people]}


def _people(body: Any) -> tuple[OnWatch, ...] | None:
    """The roster in a received body; None if it is not one (a peer's bad report is ignored)."""
    if not isinstance(body, dict) or not isinstance(body.get("on_watch"), list):
        return None
    people = []
    for entry in body["on_watch"]:
        if not isinstance(entry, dict):
            return None
        name, role, since = entry.get("name"), entry.get("role"), entry.get("since")
        if not (isinstance(name, str) and isinstance(role, str) and isinstance(since, str)):
            return None
        try:
            parse_time(since)
        except ValueError:
            return None
        people.append(OnWatch(name, role, since))
    return tuple(people)


def latest_roster(store: Store, peer: str) -> Roster | None:
    """The newest well-formed roster ``peer`` (a station id) reported, or None."""
    records: list[MessageRecord] = store.find_messages(kinds=[ROSTER], direction="in", peer=peer, limit=5)
    for record in records:
        people = _people(record.body)
        if people is not None:
            return Roster(record.created_at, record.stored_at or record.created_at, people, record.id)
    return None
