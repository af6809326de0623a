"""Where alarms come from: the conditions of a line (its paths, its clock) and of its messages
(deadlines on either side, watch checks), as pure functions of what the station saw and when.

A path is down when no established connection on it has been heard from within
``failover_after`` (the moment the link itself would move to another path); the line is down
when no path is left. Both wait ``grace`` seconds after the station starts, while the first
connections are being made.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..protocol.timestamps import format_time
from ..watch.deadlines import WATCH_CHECK
from ..watch.roster import Roster
from .model import Condition, Kind, Severity

__all__ = [
    "LineSeen",
    "LineWatch",
    "MESSAGE_KINDS",
    "MessageSeen",
    "PathSeen",
    "clock_condition",
    "line_conditions",
    "login_condition",
    "message_conditions",
    "roster_condition",
]


@dataclass(frozen=True)
class PathSeen:
    name: str
    heard: float | None
    """The last frame received on an established connection of this path (None: none is established)."""
    detail: str = ""


@dataclass(frozen=True)
class LineSeen:
    """One line as the station sees it now."""

    party: str
    peer: str
    paths: tuple[PathSeen, ...]
    waiting: int = 0
    """Messages to the peer without its receipt."""
    waiting_flash: int = 0
    waiting_immediate: int = 0
    contact: str | None = None
    courier: str = ""


@dataclass
class LineWatch:
    """Remembers, per line and path, when it was last heard from (a closed connection forgets)."""

    started: float
    heard: dict[tuple[str, str], float] = field(default_factory=dict)

    def observe(self, line: LineSeen) -> LineSeen:
        """``line`` with each path's last-heard time as remembered across connections."""
        paths = []
        for path in line.paths:
            key = (line.peer, path.name)
            if path.heard is not None:
                self.heard[key] = max(self.heard.get(key, path.heard), path.heard)
            paths.append(PathSeen(path.name, self.heard.get(key), path.detail))
        return LineSeen(
            line.party,
            line.peer,
            tuple(paths),
            line.waiting,
            line.waiting_flash,
            line.waiting_immediate,
            line.contact,
            line.courier,
        )


def _iso(seconds: float) -> str:
    return format_time(seconds)


def line_conditions(
    line: LineSeen, now: float, *, failover_after: float, started: float, grace: float
) -> list[Condition]:
    """``path-down`` for each path down (when there are several), ``line-down`` when none is left."""
    if now - started < grace:
        return []
    down = [p for p in line.paths if p.heard is None or now - p.heard >= failover_after]
    found: list[Condition] = []
    if len(line.paths) > 1:
        for path in down:
            since = path.heard if path.heard is not None else started
            found.append(
                Condition(
                    key=f"path-down:{line.peer}:{path.name}",
                    kind=Kind.PATH_DOWN,
                    severity=Severity.WARNING,
                    party=line.party,
                    peer=line.peer,
                    paths=(path.name,),
                    params={"down_since": _iso(since), "down_paths": [path.name], "detail": path.detail},
                )
            )
    if line.paths and len(down) == len(line.paths):
        heard = [p.heard for p in line.paths if p.heard is not None]
        since = max(heard) if heard else started
        found.append(
            Condition(
                key=f"line-down:{line.peer}",
                kind=Kind.LINE_DOWN,
                severity=Severity.CRITICAL,
                party=line.party,
                peer=line.peer,
                paths=tuple(p.name for p in line.paths),
                params={
                    "down_since": _iso(since),
                    "down_paths": [p.name for p in line.paths],
                    "waiting": line.waiting,
                    "waiting_flash": line.waiting_flash,
                    "waiting_immediate": line.waiting_immediate,
                    "contact": line.contact,
                    "courier": line.courier,
                },
            )
        )
    return found


def clock_condition(party: str, peer: str, offset: float | None, threshold: float) -> list[Condition]:
    """``clock-offset`` while the peer's clock is further than ``threshold`` seconds from ours."""
    if offset is None or abs(offset) <= threshold:
        return []
    return [
        Condition(
            key=f"clock-offset:{peer}",
            kind=Kind.CLOCK_OFFSET,
            severity=Severity.WARNING,
            party=party,
            peer=peer,
            params={"offset_s": round(offset, 3), "threshold_s": threshold},
        )
    ]


@dataclass(frozen=True)
class MessageSeen:
    """A message awaiting a person's acknowledgement, with its deadline."""

    id: str
    direction: str
    """"in": this station's people must acknowledge it; "out": the peer's must."""
    party: str
    peer: str
    kind: str
    precedence: str
    started: float | None
    """When its deadline started: stored here ("in"), delivered to the peer ("out")."""
    deadline: float


def message_conditions(messages: Iterable[MessageSeen], now: float) -> list[Condition]:
    """At half-time and past the deadline: ``not-acknowledged`` (ours, per recipient),
    ``acknowledgement-due`` (theirs); a watch check past its deadline: ``watch-check-missed``."""
    found: list[Condition] = []
    for item in messages:
        if item.started is None:
            continue  # not delivered yet: it waits on the line, which has its own alarm
        due = item.started + item.deadline
        params = {
            "precedence": item.precedence,
            "kind": item.kind,
            "deadline_s": item.deadline,
            "due_at": _iso(due),
        }
        if item.kind == WATCH_CHECK:
            if now >= due:
                side = "theirs" if item.direction == "out" else "ours"
                found.append(
                    Condition(
                        key=f"watch-check-missed:{item.id}:{item.peer}",
                        kind=Kind.WATCH_CHECK_MISSED,
                        severity=Severity.WARNING,
                        party=item.party,
                        peer=item.peer,
                        message=item.id,
                        params=params | {"side": side},
                    )
                )
            continue
        if now < item.started + item.deadline / 2:
            continue
        late = now >= due
        kind = Kind.NOT_ACKNOWLEDGED if item.direction == "out" else Kind.ACKNOWLEDGEMENT_DUE
        found.append(
            Condition(
                key=f"{kind.value}:{item.id}:{item.peer}",
                kind=kind,
                severity=Severity.CRITICAL if late or item.precedence == "flash" else Severity.WARNING,
                party=item.party,
                peer=item.peer,
                message=item.id,
                stage="deadline" if late else "half-time",
                params=params,
            )
        )
    return found


MESSAGE_KINDS: Sequence[Kind] = (Kind.NOT_ACKNOWLEDGED, Kind.ACKNOWLEDGEMENT_DUE, Kind.WATCH_CHECK_MISSED)
"""The kinds :func:`message_conditions` reports."""


def roster_condition(party: str, peer: str, roster: Roster | None) -> list[Condition]:
    """``nobody-on-watch`` while the newest report of who is on watch at the peer lists nobody."""
    if roster is None or roster.on_watch:
        return []
    return [
        Condition(
            key=f"nobody-on-watch:{peer}",
            kind=Kind.NOBODY_ON_WATCH,
            severity=Severity.WARNING,
            party=party,
            peer=peer,
            params={"reported_at": roster.reported_at, "message": roster.message_id},
        )
    ]


def login_condition(name: str, source: str, scope: str, failures: int, retry_after: int, at: float) -> Condition:
    """``login-throttled`` for logins of ``name`` (scope "name"), or of every name (scope
    "source"), from ``source``, held back after ``failures`` failures."""
    who = name if scope == "name" else ""
    return Condition(
        key=f"login-throttled:{who}:{source}",
        kind=Kind.LOGIN_THROTTLED,
        severity=Severity.WARNING,
        params={
            "name": who,
            "source": source,
            "scope": scope,
            "failures": failures,
            "retry_after": retry_after,
            "last_at": _iso(at),
        },
    )
