"""The station's sentry: turns what the running station sees into alarms, and records what it
did to tell its supervisors.

The station calls it from its loops with what it knows (each line's paths and clock, the time);
the sentry reads the store for the messages awaiting a person, reconciles each source's
conditions in the book, and says which notifications to send. It sends nothing and reads no
clock itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..home import Home
from ..logs import log_event
from ..protocol.timestamps import format_time, parse_time
from ..store import Store, SupervisorNotice
from ..watch.deadlines import deadline_seconds
from ..watch.notify import ChannelOutcome, describe_channel
from ..watch.roster import latest_roster
from .book import AlarmBook
from .model import AlarmEscalated, AlarmFact, AlarmRaised, Condition, Kind, Severity
from .sources import (
    MESSAGE_KINDS,
    LineSeen,
    LineWatch,
    MessageSeen,
    clock_condition,
    line_conditions,
    roster_condition,
)
from .sources import message_conditions as _message_conditions
from .texts import alarm_text

__all__ = ["NO_CONTACT", "Notice", "Sentry"]

log = logging.getLogger("detente.alarms")

NO_CONTACT = "no supervisor contact is configured"
"""What the record says when a step calls for the supervisors and no channel is configured."""


@dataclass(frozen=True)
class Notice:
    """A notification the station must send to its supervisors (in a worker thread)."""

    message: str
    peer: str
    party: str
    step: str
    """``half-time``, ``deadline`` (not acknowledged by the peer) or ``overdue`` (not by us)."""
    title: str
    body: str


class Sentry:
    def __init__(
        self,
        home: Home,
        store: Store,
        publish: Callable[[dict[str, Any]], None],
        *,
        started: float,
        grace: float,
    ) -> None:
        self.home = home
        self.config = home.config
        self.store = store
        self.book = AlarmBook(store, station=self.config.station_id, signer=home.signer, publish=publish)
        self.lines = LineWatch(started)
        self.started = started
        self.grace = grace

    # --- at start ----------------------------------------------------------------------------

    def at_start(self, now: float) -> None:
        """Say at once when no channel to the supervisors is configured (a go-live mistake)."""
        if not self.config.watch.notify:
            log_event(
                log,
                logging.WARNING,
                "watch.no_supervisor_contact",
                detail=f"{NO_CONTACT}: set notify in [watch] of station.toml",
            )
            condition = Condition("notify-missing", Kind.NOTIFY_MISSING, Severity.WARNING)
            self.book.keyed("notify-missing", condition, now)
        else:
            self.book.keyed("notify-missing", None, now)

    # --- lines -------------------------------------------------------------------------------

    def check_line(self, line: LineSeen, now: float, *, clock_offset: float | None, up: bool) -> list[AlarmFact]:
        """The line's paths and clock, as the station sees them now."""
        seen = self.lines.observe(line)
        conditions = line_conditions(
            seen, now, failover_after=self.config.link.failover_after, started=self.started, grace=self.grace
        )
        peer = line.peer
        facts = self.book.update(
            lambda a: a.peer == peer and a.kind in (Kind.LINE_DOWN, Kind.PATH_DOWN), conditions, now
        )
        if up:  # while it is down the offset is not measured: the alarm stands as it was
            clock = clock_condition(line.party, peer, clock_offset, self.config.watch.clock_offset_alarm)
            facts += self.book.update(lambda a: a.peer == peer and a.kind is Kind.CLOCK_OFFSET, clock, now)
        return facts

    # --- messages ----------------------------------------------------------------------------

    def check_messages(self, peers: Sequence[tuple[str, str]], now: float) -> list[Notice]:
        """The messages awaiting a person on each line (station id, party); the notifications due."""
        seen = []
        for peer, party in peers:
            for record in self.store.unacknowledged(peer):
                deadline = deadline_seconds(self.config, record.kind, record.precedence, record.party)
                if deadline is None:
                    continue
                started = record.stored_at if record.direction == "in" else record.delivered_at
                seen.append(
                    MessageSeen(
                        id=record.id,
                        direction=record.direction,
                        party=party,
                        peer=peer,
                        kind=record.kind,
                        precedence=record.precedence,
                        started=parse_time(started) if started else None,
                        deadline=deadline,
                    )
                )
        known = {peer for peer, _ in peers}
        facts = self.book.update(
            lambda a: a.kind in MESSAGE_KINDS and a.peer in known, _message_conditions(seen, now), now
        )
        return [notice for fact in facts if (notice := self._notice(fact)) is not None]

    def _notice(self, fact: AlarmFact) -> Notice | None:
        """Tell the supervisors when a message of ours reaches half-time or its deadline unacknowledged."""
        louder = isinstance(fact, AlarmRaised) or (isinstance(fact, AlarmEscalated) and fact.louder)
        alarm = fact.alarm
        if not louder or alarm.kind is not Kind.NOT_ACKNOWLEDGED or not self.config.watch.notify_peer_overdue:
            return None
        if alarm.message is None or alarm.peer is None:
            return None
        text = alarm_text(alarm, self.config.language)
        english = alarm_text(alarm, "en")
        config = self.config
        body = (
            f"{text}\n\n{english if english != text else ''}\n\nstation: {config.name} ({config.party}, "
            f"{config.station_id})\nline: {alarm.party}\nmessage: {alarm.message}\n"
            f"due at: {alarm.params.get('due_at', '-')}\n"
        )
        return Notice(
            message=alarm.message,
            peer=alarm.peer,
            party=alarm.party or "",
            step=alarm.stage,
            title=f"détente {config.party}: {english}"[:200],
            body=body,
        )

    # --- who is on watch at the peer, and who is trying to log in here ----------------------

    def check_rosters(self, peers: Sequence[tuple[str, str]], now: float) -> list[AlarmFact]:
        """``nobody-on-watch`` for each line (station id, party) whose peer reports nobody."""
        found = [c for peer, party in peers for c in roster_condition(party, peer, latest_roster(self.store, peer))]
        known = {peer for peer, _ in peers}
        return self.book.update(lambda a: a.kind is Kind.NOBODY_ON_WATCH and a.peer in known, found, now)

    def logins_quiet(self, now: float, *, quiet_after: float) -> list[AlarmFact]:
        """End the ``login-throttled`` alarms not reported again for ``quiet_after`` seconds."""
        return self.book.update(
            lambda a: a.kind is Kind.LOGIN_THROTTLED and now - parse_time(str(a.params["last_at"])) >= quiet_after,
            [],
            now,
        )

    # --- the supervisors ---------------------------------------------------------------------

    def notified(self, notice: Notice, outcomes: Sequence[ChannelOutcome], now: float) -> list[SupervisorNotice]:
        """Record what telling the supervisors did (``outcomes`` empty: no channel is
        configured), in the message's history, and raise or end ``notify-failed`` per channel."""
        at = format_time(now)
        if not outcomes:
            rows = [SupervisorNotice(notice.message, notice.peer, notice.step, at, "", "", "none", NO_CONTACT)]
        else:
            rows = [
                SupervisorNotice(
                    notice.message,
                    notice.peer,
                    notice.step,
                    at,
                    o.channel,
                    o.recipient,
                    "delivered" if o.delivered else "failed",
                    o.reason,
                )
                for o in outcomes
            ]
        self.store.add_supervisor_notices(rows)
        for outcome in outcomes:
            key = f"notify-failed:{outcome.channel}:{outcome.recipient}"
            if outcome.delivered:
                self.book.keyed(key, None, now)
            else:
                condition = Condition(
                    key,
                    Kind.NOTIFY_FAILED,
                    Severity.CRITICAL,
                    party=notice.party or None,
                    peer=notice.peer,
                    message=notice.message,
                    params={"reason": outcome.reason, "channel": outcome.channel, "recipient": outcome.recipient},
                )
                self.book.keyed(key, condition, now)
        return rows

    def channels(self) -> list[tuple[str, str]]:
        """(kind, recipient) of each configured channel."""
        return [describe_channel(url) for url in self.config.watch.notify]

    # --- the ledger --------------------------------------------------------------------------

    def ledger_alarm(self, peer: str, party: str, code: str, detail: str, now: float) -> None:
        key = f"ledger:{peer}:{code}"
        condition = Condition(
            key,
            Kind.LEDGER,
            Severity.CRITICAL,
            party=party,
            peer=peer,
            params={"code": code, "detail": detail},
        )
        self.book.keyed(key, condition, now)

    def ledger_agreed(self, peer: str, codes: Sequence[str], now: float) -> None:
        """The peer co-signed (or this station co-signed the peer's) checkpoint again: the
        ledger alarms of these codes on the line end."""
        prefixes = tuple(f"ledger:{peer}:{code}" for code in codes)
        self.book.update(lambda a: a.kind is Kind.LEDGER and a.key.startswith(prefixes), [], now)
