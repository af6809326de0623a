"""The station's watchman: deadlines, escalation steps and watch checks, each time it is asked.

It reads the store, decides with :func:`escalation.steps_due`, and records every step it takes
(once per message and step) as a signed record in the line's log and a row of the escalation
table. It returns what the station must still do: tell supervisors, send watch checks and the
rosters of who is on watch. It reads no clock and sends nothing itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..home import Home
from ..invisible import shown
from ..ledger.records import seal_record
from ..protocol.ids import uuid7
from ..protocol.timestamps import format_time, parse_time
from ..store import AwaitingRecord, PeerRecord, Store
from .deadlines import ROSTER, WATCH_CHECK, deadline_seconds, shortest_deadline
from .escalation import Awaiting, Step, steps_due
from .roster import INTERVAL as ROSTER_INTERVAL
from .roster import on_watch, roster_body
from .sentences import say
from .state import format_duration

__all__ = ["Escalated", "Watchman"]

_PAGE = 500
"""Messages read at a time by a tick with a limit."""
_PAGES_PER_TICK = 4
"""Pages one tick reads at most before it lets the station's loop run."""


@dataclass(frozen=True)
class Escalated:
    """An escalation step just taken."""

    message_id: str
    peer: str
    """The peer's station id (the line)."""
    party: str
    step: Step
    detail: str
    notify: bool
    """Whether the station's supervisors must be told (through the configured channels)."""


class Watchman:
    def __init__(self, home: Home, store: Store, *, started: float) -> None:
        """``started``: when the station started; the first watch check on a line that never had
        one goes out one interval later."""
        self.home = home
        self.store = store
        self.started = started
        self._shortest = shortest_deadline(home.config)
        self._acks_seen = 0
        """The store row of the newest acknowledgement already looked at for lateness."""
        self._row = 0
        """The row of the last message looked at in the pass under way (0: a pass starts)."""
        self._acks_in_pass = 0
        self._newest_at_start = 0
        """The newest message row when the pass under way began: every acknowledgement up to it
        was in the store before the pass read any message, so the pass saw it."""
        self.busy = False
        """A pass over the messages awaiting acknowledgement is under way: tick again soon."""
        self._rosters: dict[str, tuple[float, dict[str, Any] | None]] = {}
        """By peer: when the last roster of who is on watch was sent to it, and its body."""

    def tick(self, now: float, link_up: Mapping[str, bool], *, limit: int | None = None) -> list[Escalated]:
        """Take the escalation steps that are due, at most ``limit`` of them; ``link_up`` by
        the peer's station id.

        With ``limit``, messages are read a page at a time from where the last tick stopped, a
        few pages per tick: a backlog of thousands of messages must not stall the line. While
        :attr:`busy` says a pass over them is unfinished the station asks again at once,
        letting its link run in between. Acknowledgements seen are advanced only by a pass
        that recorded every step (if the store failed half-way, the next pass looks again)."""
        taken: list[Escalated] = []
        linked = [peer for peer, up in link_up.items() if up]
        quiet = format_time(now - self._shortest / 2)
        pages = 0
        if self._row == 0:
            self._newest_at_start = self.store.newest_message_row()
        while True:
            records = self.store.awaiting(
                self._acks_seen, quiet, linked, after_row=self._row, limit=None if limit is None else _PAGE
            )
            for record in records:
                if limit is not None and len(taken) >= limit:
                    self.busy = True
                    return taken  # the rest next time
                taken += self._take_steps(record, now, link_up.get(record.peer, False))
                self._row = record.row
                self._acks_in_pass = max(self._acks_in_pass, record.ack_rowid or 0)
            pages += 1
            if limit is None or len(records) < _PAGE:
                break  # every message was looked at
            if pages >= _PAGES_PER_TICK:
                self.busy = True
                return taken
        # Not beyond what existed when the pass began: an acknowledgement that came in during it,
        # for a message the pass had already read, is looked at again by the next pass.
        self._acks_seen = max(self._acks_seen, min(self._acks_in_pass, self._newest_at_start))
        self._row = self._acks_in_pass = 0
        self.busy = False
        return taken

    def _take_steps(self, record: AwaitingRecord, now: float, link_up: bool) -> list[Escalated]:
        item = self._awaiting(record)
        if item is None:
            return []
        taken = []
        for step in steps_due(item, now, link_up=link_up):
            detail = self._describe(step, record, item, now)
            evidence: dict[str, object] = {
                "message": record.id,
                "kind": record.kind,
                "precedence": record.precedence,
                "deadline_s": item.deadline,
                "due_at": format_time(item.due_at) if item.due_at is not None else None,
            }
            if step is Step.LATE:
                evidence |= {
                    "acknowledged_at": record.acked_at,
                    "acknowledged_by": record.acked_by,
                    "late_by_s": round(item.late_by() or 0.0, 3),
                }
            sealed = seal_record(
                self.home.signer,
                id=uuid7(int(now * 1000), os.urandom(10)),
                station=self.home.config.station_id,
                peer=record.peer,
                event=f"escalation.{step.value}",
                at=format_time(now),
                detail=detail,
                evidence=evidence,
            )
            if self.store.record_escalation(
                record.id, record.peer, step.value, format_time(now), detail, (sealed.id, sealed.canonical)
            ):
                notify = step is Step.OVERDUE or (
                    step is Step.PEER_OVERDUE and self.home.config.watch.notify_peer_overdue
                )
                taken.append(Escalated(record.id, record.peer, record.party, step, detail, notify))
        return taken

    def watch_checks_due(self, now: float, peers_up: list[PeerRecord]) -> list[PeerRecord]:
        """Peers (whose link is up) that are due a watch check from this station."""
        due = []
        for peer in peers_up:
            last = self.store.last_sent(peer.station_id, WATCH_CHECK)
            since = self.started if last is None else parse_time(last)
            if now - since >= self.home.config.watch.check_interval:
                due.append(peer)
        return due

    def rosters_due(self, now: float, peers_up: list[PeerRecord]) -> list[tuple[PeerRecord, dict[str, Any]]]:
        """(peer, body) of each roster of who is on watch here that a peer (whose link is up) is
        due: when the roster changed since the last one sent to it, or that one is
        ``roster.INTERVAL`` old. Call :meth:`roster_sent` once it is queued."""
        if not peers_up:
            return []
        body = roster_body(on_watch(self.store, now))
        due = []
        for peer in peers_up:
            last = self._rosters.get(peer.station_id)
            if last is None:
                sent = self.store.find_messages(kinds=[ROSTER], direction="out", peer=peer.station_id, limit=1)
                last = (parse_time(sent[0].created_at), sent[0].body) if sent else (float("-inf"), None)
                self._rosters[peer.station_id] = last
            if last[1] != body or now - last[0] >= ROSTER_INTERVAL:
                due.append((peer, body))
        return due

    def roster_sent(self, peer: str, body: dict[str, Any], now: float) -> None:
        self._rosters[peer] = (now, body)

    def watch_check_body(self) -> dict[str, object]:
        watch = self.home.config.watch
        return {"ack_within_s": watch.check_ack, "interval_s": watch.check_interval}

    def _awaiting(self, record: AwaitingRecord) -> Awaiting | None:
        deadline = deadline_seconds(self.home.config, record.kind, record.precedence, record.party)
        if deadline is None:
            return None
        started_text = record.stored_at if record.direction == "in" else record.delivered_at
        return Awaiting(
            message_id=record.id,
            direction=record.direction,
            party=record.party,
            kind=record.kind,
            precedence=record.precedence,
            started=parse_time(started_text) if started_text else None,
            deadline=deadline,
            acknowledged=parse_time(record.acked_at) if record.acked_at else None,
            done=record.steps,
        )

    def _describe(self, step: Step, record: AwaitingRecord, item: Awaiting, now: float) -> str:
        what = f"{record.precedence.upper()} {record.kind} {record.id}"
        deadline = format_duration(item.deadline)
        match step:
            case Step.HALF_TIME:
                return say("half-time", what=what, party=record.party, deadline=deadline)
            case Step.OVERDUE:
                return say("overdue", what=what, party=record.party, deadline=deadline)
            case Step.LINK_WAIT:
                return say("link-wait", what=what, party=record.party)
            case Step.PEER_OVERDUE:
                return say("peer-overdue", what=what, party=record.party, deadline=deadline)
            case Step.LATE:
                late = format_duration(item.late_by() or 0.0)
                who = "this station" if record.direction == "in" else record.party
                by = shown(record.acked_by or "", multiline=False).text  # (a name the peer may have sent)
                return say("late", what=what, who=who, name=by, late=late)
