"""The station's alarms, as a pure function of the conditions a duty officer must act on.

Conditions go in (each named by a key that says what it is about: ``line-down:SY-…``,
``not-acknowledged:<message>:<peer>``), with the alarms already active and a literal time; facts
come out: an alarm raised, escalated (its severity or stage rose: it sounds again), ended (its
condition is gone, with why and after how long) or silenced (a person stopped its sound; the
alarm stays until its condition ends). Nothing here reads a clock, a store or a socket.

Each source of conditions is reconciled on its own (``scope``): a line's paths are looked at
when the link changes, the deadlines at each turn of the watch; an alarm ends only when the
source that raised it no longer reports its condition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

__all__ = [
    "END_REASONS",
    "Alarm",
    "AlarmEnded",
    "AlarmEscalated",
    "AlarmFact",
    "AlarmRaised",
    "AlarmSilenced",
    "Condition",
    "Kind",
    "Severity",
    "SilenceRefused",
    "reconcile",
    "silence",
]


class Kind(StrEnum):
    """What an alarm is about (the names are a contract of ``detente alarms --json`` and the API)."""

    LINE_DOWN = "line-down"
    """No path to the peer is left."""
    PATH_DOWN = "path-down"
    """One path to the peer is down (others may still carry the line)."""
    NOT_ACKNOWLEDGED = "not-acknowledged"
    """A message of ours the peer's people have not acknowledged at half-time or the deadline."""
    ACKNOWLEDGEMENT_DUE = "acknowledgement-due"
    """A message this station's people must acknowledge, at half-time or past the deadline."""
    WATCH_CHECK_MISSED = "watch-check-missed"
    """A watch check not answered in time, by either side."""
    LEDGER = "ledger"
    """The co-signed ledger found something wrong (PROTOCOL §17.4)."""
    CLOCK_OFFSET = "clock-offset"
    """The peer's clock is further from ours than the configured threshold."""
    NOTIFY_FAILED = "notify-failed"
    """Telling this station's supervisors failed."""
    NOTIFY_MISSING = "notify-missing"
    """No channel to this station's supervisors is configured."""
    NOBODY_ON_WATCH = "nobody-on-watch"
    """The peer's station reports nobody on watch there (its ``watch-roster``)."""
    LOGIN_THROTTLED = "login-throttled"
    """Logins to this station's console are held back after repeated failures: someone may be
    guessing a password (or an operator is locked in a loop of typos)."""


class Severity(StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"


END_REASONS: Mapping[Kind, str] = {
    Kind.LINE_DOWN: "restored",
    Kind.PATH_DOWN: "restored",
    Kind.NOT_ACKNOWLEDGED: "acknowledged",
    Kind.ACKNOWLEDGEMENT_DUE: "acknowledged",
    Kind.WATCH_CHECK_MISSED: "answered",
    Kind.LEDGER: "cleared",
    Kind.CLOCK_OFFSET: "within-threshold",
    Kind.NOTIFY_FAILED: "delivered",
    Kind.NOTIFY_MISSING: "configured",
    Kind.NOBODY_ON_WATCH: "someone-on-watch",
    Kind.LOGIN_THROTTLED: "quiet",
}
"""Why an alarm of each kind ends when its condition is gone, unless the source says otherwise."""


@dataclass(frozen=True)
class Condition:
    """Something a duty officer must act on, as a source reports it now."""

    key: str
    """What the condition is about; one active alarm per key."""
    kind: Kind
    severity: Severity
    party: str | None = None
    """The peer's party, when it concerns a line."""
    peer: str | None = None
    """The peer's station id, when it concerns a line."""
    message: str | None = None
    """The message it concerns, if any."""
    paths: tuple[str, ...] = ()
    """The paths down (line-down, path-down)."""
    stage: str = ""
    """For alarms that rise in steps (``half-time``, then ``deadline``): a later stage escalates."""
    params: Mapping[str, Any] = field(default_factory=dict)
    """The facts its text is made from (waiting counts, contact, deadline…)."""


@dataclass(frozen=True)
class Alarm:
    """An alarm, active (``ended`` None) or ended. Times are Unix seconds."""

    id: str
    key: str
    kind: Kind
    severity: Severity
    party: str | None
    peer: str | None
    message: str | None
    paths: tuple[str, ...]
    stage: str
    params: Mapping[str, Any]
    since: float
    ended: float | None = None
    end_reason: str | None = None
    silenced_by: str | None = None
    silenced_at: float | None = None

    @property
    def active(self) -> bool:
        return self.ended is None

    @property
    def duration(self) -> float | None:
        """How long it lasted (ended alarms)."""
        return None if self.ended is None else self.ended - self.since


@dataclass(frozen=True)
class AlarmRaised:
    alarm: Alarm


@dataclass(frozen=True)
class AlarmEscalated:
    """An active alarm reached a later stage or a higher severity (it sounds again: its silence
    is lifted), or its facts changed (``louder`` False: it is updated quietly)."""

    alarm: Alarm
    previous: Alarm
    louder: bool


@dataclass(frozen=True)
class AlarmEnded:
    alarm: Alarm


@dataclass(frozen=True)
class AlarmSilenced:
    alarm: Alarm
    by: str


AlarmFact = AlarmRaised | AlarmEscalated | AlarmEnded | AlarmSilenced

_STAGES = ("", "half-time", "deadline")
_RANK = {Severity.WARNING: 0, Severity.CRITICAL: 1}


class SilenceRefused(ValueError):
    """The alarm cannot be silenced (it has ended, or is silent already): the caller's mistake."""


def _louder(new: Condition, old: Alarm) -> bool:
    stage_up = (_STAGES.index(new.stage) if new.stage in _STAGES else 0) > (
        _STAGES.index(old.stage) if old.stage in _STAGES else 0
    )
    return stage_up or _RANK[new.severity] > _RANK[old.severity]


def reconcile(
    active: Iterable[Alarm],
    present: Iterable[Condition],
    now: float,
    *,
    scope: Callable[[Alarm], bool],
    ids: Iterator[str],
    reasons: Mapping[str, str] | None = None,
) -> list[AlarmFact]:
    """The facts that make the active alarms in ``scope`` match the conditions ``present``.

    A condition with no active alarm raises one (its id from ``ids``); one whose stage or
    severity rose escalates it; one whose facts changed updates it quietly; an active alarm in
    ``scope`` whose condition is gone ends, with ``reasons[key]`` or its kind's usual reason.
    Conditions outside ``scope`` are the caller's mistake and are refused."""
    reasons = reasons or {}
    current = {alarm.key: alarm for alarm in active if alarm.active and scope(alarm)}
    facts: list[AlarmFact] = []
    seen: set[str] = set()
    for condition in present:
        if condition.key in seen:
            continue
        seen.add(condition.key)
        old = current.get(condition.key)
        if old is None:
            alarm = Alarm(
                id=next(ids),
                key=condition.key,
                kind=condition.kind,
                severity=condition.severity,
                party=condition.party,
                peer=condition.peer,
                message=condition.message,
                paths=condition.paths,
                stage=condition.stage,
                params=dict(condition.params),
                since=now,
            )
            if not scope(alarm):
                raise ValueError(f"condition {condition.key} is outside the scope being reconciled")
            facts.append(AlarmRaised(alarm))
            continue
        louder = _louder(condition, old)
        changed = replace(
            old,
            severity=max(old.severity, condition.severity, key=_RANK.__getitem__),
            stage=condition.stage if louder else old.stage,
            paths=condition.paths,
            params=dict(condition.params),
            silenced_by=None if louder else old.silenced_by,
            silenced_at=None if louder else old.silenced_at,
        )
        if changed != old:
            facts.append(AlarmEscalated(changed, old, louder))
    for key, old in current.items():
        if key not in seen:
            reason = reasons.get(key, END_REASONS[old.kind])
            facts.append(AlarmEnded(replace(old, ended=max(now, old.since), end_reason=reason)))
    return facts


def silence(alarm: Alarm, by: str, now: float) -> AlarmSilenced:
    """``by`` stops the alarm's sound; the alarm stays active until its condition ends."""
    if not alarm.active:
        raise SilenceRefused(f"alarm {alarm.id} has already ended; there is nothing to silence")
    if alarm.silenced_by is not None:
        raise SilenceRefused(f"alarm {alarm.id} was already silenced by {alarm.silenced_by}")
    return AlarmSilenced(replace(alarm, silenced_by=by, silenced_at=now), by)
