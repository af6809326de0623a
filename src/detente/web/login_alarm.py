"""The alarm raised when logins are throttled: what an administrator sees of someone guessing.

Every throttling of logins (of a name from an address, or of an address altogether) goes
through :func:`report_login_throttled`, which writes one journal entry and one structured log
line, ``console.login_throttled``, and raises the station's ``login-throttled`` alarm (on every
console, ``detente alarms``), at most once per (name, address) and :data:`ALARM_INTERVAL`,
however many attempts are refused meanwhile. The alarm ends once no report came for that long.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from ..logs import log_event
from ..protocol.timestamps import format_time
from ..store import Store

__all__ = ["ALARM_INTERVAL", "LoginAlarms", "LoginsThrottled", "report_login_throttled"]

log = logging.getLogger("detente.console")

ALARM_INTERVAL = 900.0
"""Seconds during which a (name, address) already reported is not reported again."""

Scope = Literal["name", "source"]


@dataclass(frozen=True)
class LoginsThrottled:
    """Logins were throttled: of ``name`` from ``source`` (scope "name"), or of every name from
    ``source`` (scope "source"), after ``failures`` failures; the next attempt in ``retry_after`` s."""

    name: str
    source: str
    scope: Scope
    failures: int
    retry_after: int
    at: float


@dataclass
class LoginAlarms:
    """What the console remembers of the throttling it reported, and how it raises the alarm."""

    reported: dict[tuple[str, str], float] = field(default_factory=dict)
    """When each throttled (name, address) was last reported."""
    raise_alarm: Callable[[LoginsThrottled], None] | None = None
    """Raises the station's ``login-throttled`` alarm (set by the running station)."""


def report_login_throttled(store: Store, event: LoginsThrottled, alarms: LoginAlarms) -> bool:
    """Journal, log and raise the alarm for ``event`` unless its (name, source) was reported less
    than :data:`ALARM_INTERVAL` ago; True if it was reported."""
    reported = alarms.reported
    key = (event.name if event.scope == "name" else "", event.source)
    last = reported.get(key)
    if last is not None and event.at - last < ALARM_INTERVAL:
        return False
    for old in [k for k, at in reported.items() if event.at - at >= ALARM_INTERVAL]:
        del reported[old]
    reported[key] = event.at
    whom = f"{event.name!r} from {event.source}" if event.scope == "name" else f"every name from {event.source}"
    store.journal(
        "console.login_throttled",
        f"logins of {whom} held back after {event.failures} failures; next attempt in {event.retry_after} s",
        format_time(event.at),
    )
    log_event(
        log,
        logging.WARNING,
        "console.login_throttled",
        name=event.name,
        source=event.source,
        scope=event.scope,
        failures=event.failures,
        retry_after=event.retry_after,
    )
    if alarms.raise_alarm is not None:
        alarms.raise_alarm(event)
    return True
