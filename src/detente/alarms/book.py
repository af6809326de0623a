"""The station's book of alarms: the pure model's facts applied to the store, and told.

Each fact is stored (table ``station_alarms``), written to the journal and the log, entered in
the line's ledger as a signed record when it concerns the line itself (``line.down``,
``line.restored``, ``path.down``, ``path.restored``: records are a station's own statements,
PROTOCOL §17.1, so the protocol does not change), and published to the consoles as
``{"type": "alarms", "changed": [ids]}``. Reading (``detente alarms``, the API) needs no running
station: :func:`alarm_views` reads the store.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..ledger.records import seal_record
from ..logs import log_event
from ..protocol.ids import uuid7
from ..protocol.signing import Signer
from ..protocol.timestamps import format_time, parse_time
from ..store import StationAlarmRecord, Store
from .model import (
    Alarm,
    AlarmEnded,
    AlarmEscalated,
    AlarmFact,
    AlarmRaised,
    AlarmSilenced,
    Condition,
    Kind,
    Severity,
    reconcile,
    silence,
)
from .texts import alarm_text

__all__ = ["AlarmBook", "NoSuchAlarm", "alarm_from_record", "alarm_view", "alarm_views"]

log = logging.getLogger("detente.alarms")

_LEDGER_EVENTS = {
    (Kind.LINE_DOWN, True): "line.down",
    (Kind.LINE_DOWN, False): "line.restored",
    (Kind.PATH_DOWN, True): "path.down",
    (Kind.PATH_DOWN, False): "path.restored",
}


class NoSuchAlarm(LookupError):
    """No alarm has this id (the caller's mistake)."""


def alarm_from_record(record: StationAlarmRecord) -> Alarm:
    return Alarm(
        id=record.id,
        key=record.condition,
        kind=Kind(record.kind),
        severity=Severity(record.severity),
        party=record.party,
        peer=record.peer,
        message=record.message,
        paths=tuple(record.paths),
        stage=record.stage,
        params=dict(record.params),
        since=parse_time(record.since),
        ended=parse_time(record.ended) if record.ended else None,
        end_reason=record.end_reason,
        silenced_by=record.silenced_by,
        silenced_at=parse_time(record.silenced_at) if record.silenced_at else None,
    )


def _record(alarm: Alarm) -> StationAlarmRecord:
    return StationAlarmRecord(
        id=alarm.id,
        condition=alarm.key,
        kind=alarm.kind.value,
        severity=alarm.severity.value,
        party=alarm.party,
        peer=alarm.peer,
        message=alarm.message,
        paths=alarm.paths,
        stage=alarm.stage,
        params=dict(alarm.params),
        since=format_time(alarm.since),
        ended=format_time(alarm.ended) if alarm.ended is not None else None,
        end_reason=alarm.end_reason,
        silenced_by=alarm.silenced_by,
        silenced_at=format_time(alarm.silenced_at) if alarm.silenced_at is not None else None,
    )


def alarm_view(alarm: Alarm, lang: str) -> dict[str, Any]:
    """An alarm as ``detente alarms --json`` and ``GET /api/v1/alarms`` show it."""
    return {
        "id": alarm.id,
        "kind": alarm.kind.value,
        "severity": alarm.severity.value,
        "party": alarm.party,
        "peer": alarm.peer,
        "message": alarm.message,
        "paths": list(alarm.paths),
        "stage": alarm.stage or None,
        "since": format_time(alarm.since),
        "ended": format_time(alarm.ended) if alarm.ended is not None else None,
        "end_reason": alarm.end_reason,
        "duration_s": round(alarm.duration, 3) if alarm.duration is not None else None,
        "silenced_by": alarm.silenced_by,
        "silenced_at": format_time(alarm.silenced_at) if alarm.silenced_at is not None else None,
        "text": alarm_text(alarm, lang),
        "params": dict(alarm.params),
    }


def alarm_views(store: Store, lang: str, *, include_ended: bool = False) -> list[dict[str, Any]]:
    """The station's alarms (active ones; with ``include_ended``, ended ones too), oldest first."""
    return [alarm_view(alarm_from_record(r), lang) for r in store.station_alarms(include_ended=include_ended)]


class AlarmBook:
    """Raises, escalates, silences and ends the station's alarms, from the conditions its
    sources report (see :mod:`detente.alarms.model`)."""

    def __init__(
        self,
        store: Store,
        *,
        station: str,
        signer: Signer,
        publish: Callable[[dict[str, Any]], None],
        journal: Callable[[str, str, str, str | None], None] | None = None,
    ) -> None:
        self.store = store
        self.station = station
        self.signer = signer
        self.publish = publish
        self._journal = journal or (lambda event, detail, at, peer: store.journal(event, detail, at, peer))

    def active(self) -> list[Alarm]:
        """The active alarms, as stored (read afresh each time: a console may have silenced one)."""
        return [alarm_from_record(r) for r in self.store.station_alarms() if r.ended is None]

    def update(
        self,
        scope: Callable[[Alarm], bool],
        present: Iterable[Condition],
        now: float,
        *,
        reasons: Mapping[str, str] | None = None,
    ) -> list[AlarmFact]:
        """Make the active alarms in ``scope`` match the conditions ``present``; apply and tell
        what changed."""
        ids = iter(lambda: uuid7(int(now * 1000), os.urandom(10)), None)
        facts = reconcile(self.active(), present, now, scope=scope, ids=ids, reasons=reasons)
        self._apply(facts, now)
        return facts

    def keyed(self, key: str, condition: Condition | None, now: float, *, reason: str | None = None) -> list[AlarmFact]:
        """Raise (``condition``) or end (None) the one alarm of ``key``."""
        return self.update(
            lambda alarm: alarm.key == key,
            [condition] if condition is not None else [],
            now,
            reasons={key: reason} if reason else None,
        )

    def silence(self, alarm_id: str, by: str, now: float) -> Alarm:
        """``by`` silences an alarm (its sound stops; it stays until its condition ends).
        NoSuchAlarm for an unknown id; SilenceRefused for one ended or silent already."""
        record = self.store.station_alarm(alarm_id)
        if record is None:
            raise NoSuchAlarm(f"no alarm has the id {alarm_id}")
        fact = silence(alarm_from_record(record), by, now)
        self._apply([fact], now)
        return fact.alarm

    def _apply(self, facts: list[AlarmFact], now: float) -> None:
        if not facts:
            return
        for fact in facts:
            self.store.save_station_alarm(_record(fact.alarm))
            self._tell(fact, now)
        self.publish({"type": "alarms", "changed": [fact.alarm.id for fact in facts]})

    def _tell(self, fact: AlarmFact, now: float) -> None:
        alarm = fact.alarm
        text = alarm_text(alarm, "en")
        match fact:
            case AlarmRaised():
                event, level = "alarm.raised", logging.WARNING  # a condition of the line, not a fault of the station
            case AlarmEscalated(louder=True):
                event, level = "alarm.escalated", logging.WARNING
            case AlarmEscalated():
                event, level = "alarm.updated", logging.DEBUG
            case AlarmEnded():
                event, level = "alarm.ended", logging.INFO
            case AlarmSilenced(by=by):
                event, level = "alarm.silenced", logging.INFO
                text = f"{text} (silenced by {by})"
        log_event(
            log,
            level,
            event,
            id=alarm.id,
            kind=alarm.kind.value,
            severity=alarm.severity.value,
            party=alarm.party,
            message=alarm.message,
            stage=alarm.stage or None,
            reason=alarm.end_reason,
            text=text,
        )
        if level != logging.DEBUG:
            self._journal(event, f"{alarm.kind.value} {alarm.id}: {text}", format_time(now), alarm.peer)
        ledger_event = _LEDGER_EVENTS.get((alarm.kind, alarm.active))
        if ledger_event is not None and alarm.peer and isinstance(fact, AlarmRaised | AlarmEnded):
            self._enter_in_ledger(alarm, ledger_event, text, now)

    def _enter_in_ledger(self, alarm: Alarm, event: str, text: str, now: float) -> None:
        if alarm.peer is None:
            return
        evidence: dict[str, Any] = {
            "alarm": alarm.id,
            "paths": list(alarm.paths),
            "since": format_time(alarm.since),
        }
        if alarm.duration is not None:
            evidence["duration_s"] = round(alarm.duration, 3)
        for key in ("waiting", "waiting_flash", "waiting_immediate"):
            if key in alarm.params:
                evidence[key] = alarm.params[key]
        record = seal_record(
            self.signer,
            id=uuid7(int(now * 1000), os.urandom(10)),
            station=self.station,
            peer=alarm.peer,
            event=event,
            at=format_time(now),
            detail=text,
            evidence=evidence,
        )
        self.store.add_record(alarm.peer, record.id, record.event, record.at, record.canonical)
