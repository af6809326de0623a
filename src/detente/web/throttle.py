"""Growing delays after failed logins, by (name, address) and by address.

A name is never locked: failures are counted for the name *from one address*, so that someone
guessing an operator's password (operator names are not secret: they travel to the peer on
acknowledgements) slows only their own attempts, and the operator still logs in from their
desk. After :data:`FREE_PER_PAIR` failures of a name from an address, each further attempt of
that pair waits 2, 4, 8 … seconds after the last failure, at most :data:`MAX_DELAY`. An address
failing for many names is held back the same way after :data:`FREE_PER_SOURCE` failures.
Failures older than :data:`MEMORY` are forgotten, and a successful login forgets the pair's.

Pure: counts and times in, a wait out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..protocol.timestamps import parse_time
from ..store import LoginFailures
from .login_alarm import Scope

__all__ = ["FREE_PER_PAIR", "FREE_PER_SOURCE", "MAX_DELAY", "MEMORY", "Wait", "delay", "wait"]

MEMORY = 3600.0
"""Seconds for which a failed login counts."""
FREE_PER_PAIR = 3
"""Failures of a name from one address before its attempts are delayed."""
FREE_PER_SOURCE = 20
"""Failures from one address (whatever the names) before all its attempts are delayed."""
MAX_DELAY = 900.0
"""The longest delay between two attempts."""


@dataclass(frozen=True)
class Wait:
    scope: Scope
    failures: int
    seconds: int


def delay(failures: int, free: int) -> float:
    """Seconds an attempt waits after the last of ``failures`` failures (0 up to ``free``)."""
    if failures <= free:
        return 0.0
    return min(2.0 ** min(failures - free, 20), MAX_DELAY)


def wait(failures: LoginFailures, now: float) -> Wait | None:
    """How long the next attempt must still wait, and why; None if it may go ahead now."""
    found: Wait | None = None
    for scope, count, last, free in (
        ("name", failures.pair, failures.pair_last, FREE_PER_PAIR),
        ("source", failures.source, failures.source_last, FREE_PER_SOURCE),
    ):
        if last is None:
            continue
        remaining = parse_time(last) + delay(count, free) - now
        if remaining > 0 and (found is None or remaining > found.seconds):
            found = Wait(scope, count, math.ceil(remaining))  # type: ignore[arg-type]
    return found
