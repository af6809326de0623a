"""Admission of connections that have not authenticated yet: who may start a handshake.

A listener asks :meth:`Admission.admit` about every connection it accepts, before any TLS (or
HTTP) work, with the source address and ``now``; a refused connection is closed at once, never
queued. A connection admitted is *pending* until it authenticates or fails
(:meth:`Admission.finished`). The limits:

* at most ``max_pending`` pending connections in all, and ``max_pending_per_source`` from one
  address;
* an eighth of ``max_pending`` (at least one, unless it is one) is kept for *known* sources: the addresses pinned
  peers have authenticated from, and those their cards name. A flood from unknown addresses
  fills the rest and no more, so a pinned peer reconnecting during it still finds room;
* when fewer than ``reserved_descriptors`` open files remain to the process, unknown sources
  are refused; known ones until a quarter of the reserve is left (the rest is for the console,
  the store and the station's own dials).

Handshakes that fail or time out (:meth:`Admission.failed`) are counted the same way; a few
refused by TLS are worth a line of their own, a timeout or a close never is. Refusals
are counted per source and reported at most once per ``report_interval``
(:meth:`Admission.reports`): the busiest sources one by one, the others in one summary, so a
flood never becomes a log line per connection.

Pure: no socket, no clock, no logging. The asyncio side is :mod:`detente.transports.gate`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import Enum

__all__ = ["QUIET_FAILURES", "Admission", "AdmissionLimits", "Admitted", "Refusal", "RefusalsCounted"]

_REPORTED_SOURCES = 10
"""Sources reported one by one per interval; the rest are summed in one report."""
QUIET_FAILURES = frozenset({"timeout", "closed"})
"""Handshake failures that are only counted, never worth a line of their own: what idle or
half-open connections (a flood) cause."""
_LOGGED_FAILURES = 4
"""Other failed handshakes from one source worth a line of their own per interval; the rest are
only counted."""
_LOGGED_FAILURES_IN_ALL = 32
"""...and from all sources together."""
_TALLIED_SOURCES = 10000
"""Sources counted one by one per interval at most; refusals from further ones are only summed."""
_KNOWN_SOURCES = 4096
"""Addresses remembered as known at most (the oldest forgotten first)."""


class Refusal(Enum):
    """Why a connection was refused before its handshake."""

    TOTAL = "total"
    """As many connections as allowed are already pending."""
    SOURCE = "source"
    """As many connections as allowed are already pending from this address."""
    DESCRIPTORS = "descriptors"
    """Too few open files remain to the process."""


@dataclass(frozen=True)
class AdmissionLimits:
    max_pending: int
    """Pending connections at most, in all."""
    max_pending_per_source: int
    """Pending connections at most from one address."""
    reserved_descriptors: int = 0
    """Open files kept free for known sources, the console and the station's own needs."""
    report_interval: float = 10.0
    """Seconds between two reports of refusals."""

    def __post_init__(self) -> None:
        if self.max_pending < 1 or self.max_pending_per_source < 1 or self.reserved_descriptors < 0:
            raise ValueError(f"admission limits must be positive: {self}")
        if not self.report_interval > 0:
            raise ValueError(f"report_interval must be positive, not {self.report_interval}")

    @property
    def known_reserve(self) -> int:
        """Pending places only known sources may take: an eighth, at least one (none of one)."""
        return max(1, self.max_pending // 8) if self.max_pending > 1 else 0


@dataclass(frozen=True)
class Admitted:
    """A connection allowed to start its handshake; give it back to :meth:`Admission.finished`."""

    source: str
    known: bool


@dataclass(frozen=True)
class RefusalsCounted:
    """Connections refused before their handshake during one interval.

    ``source`` is the address, or None for the sum of the ``sources`` not reported one by one
    (at least that many: past 10,000 addresses in an interval, the further ones count as one)."""

    source: str | None
    sources: int
    count: int
    reasons: tuple[tuple[str, int], ...]
    since: float


@dataclass
class _Tally:
    since: float
    reasons: Counter[str] = field(default_factory=Counter)


class Admission:
    """Counts pending connections by source and decides on each new one (see the module)."""

    def __init__(self, limits: AdmissionLimits, *, known: tuple[str, ...] = ()) -> None:
        self.limits = limits
        self._pending: Counter[str] = Counter()
        self._pending_known = 0
        self._total = 0
        self._known: dict[str, None] = dict.fromkeys(known)
        self._tallies: dict[str, _Tally] = {}
        self._overflow: _Tally | None = None
        self._window_start: float | None = None
        self._loud_failures: set[str] = set()
        self._lines = 0
        self.refused: Counter[str] = Counter()
        """Refusals since start, by reason (Refusal values, and the reasons of failed handshakes)."""
        self.admitted = 0
        """Connections admitted since start."""

    @property
    def pending(self) -> int:
        return self._total

    def is_known(self, source: str) -> bool:
        return source in self._known

    def remember(self, source: str) -> None:
        """A pinned peer authenticated from ``source``: it is known from now on."""
        self._known.pop(source, None)
        self._known[source] = None
        while len(self._known) > _KNOWN_SOURCES:
            del self._known[next(iter(self._known))]

    def admit(self, source: str, now: float, *, descriptors_free: int | None = None) -> Admitted | Refusal:
        """Admit a connection from ``source`` or say why not (and count the refusal)."""
        limits = self.limits
        known = source in self._known
        refusal: Refusal | None = None
        if descriptors_free is not None and descriptors_free < (
            limits.reserved_descriptors // 4 if known else limits.reserved_descriptors
        ):
            refusal = Refusal.DESCRIPTORS
        elif self._pending[source] >= limits.max_pending_per_source:
            refusal = Refusal.SOURCE
        elif self._total >= limits.max_pending or (
            not known and self._total - self._pending_known >= limits.max_pending - limits.known_reserve
        ):
            refusal = Refusal.TOTAL
        if refusal is not None:
            self._count(source, refusal, now)
            return refusal
        self._pending[source] += 1
        self._total += 1
        self._pending_known += known
        self.admitted += 1
        return Admitted(source, known)

    def finished(self, ticket: Admitted, *, authenticated: bool) -> None:
        """The connection ``ticket`` admitted is no longer pending: it authenticated as a pinned
        peer (its source becomes known) or it failed, timed out or closed."""
        left = self._pending[ticket.source] - 1
        if left < 0:
            raise ValueError(f"connection from {ticket.source} finished twice")
        if left:
            self._pending[ticket.source] = left
        else:
            del self._pending[ticket.source]
        self._total -= 1
        self._pending_known -= ticket.known
        if authenticated:
            self.remember(ticket.source)

    def failed(self, ticket: Admitted, now: float, reason: str) -> bool:
        """The handshake of the connection ``ticket`` admitted failed (``reason``: "timeout",
        "closed", "handshake"…): it is no longer pending, and is counted with the refusals. True
        when it deserves a line of its own: not a timeout nor a close (:data:`QUIET_FAILURES`),
        and among the first four from its source and the first 32 in all in this interval."""
        self.finished(ticket, authenticated=False)
        tally = self._tallies.get(ticket.source)
        failures = 0 if tally is None else sum(n for key, n in tally.reasons.items() if key in self._loud_failures)
        self._count(ticket.source, reason, now)
        if reason in QUIET_FAILURES:
            return False
        self._loud_failures.add(reason)
        if failures >= _LOGGED_FAILURES or self._lines >= _LOGGED_FAILURES_IN_ALL:
            return False
        self._lines += 1
        return True

    def _count(self, source: str, refusal: Refusal | str, now: float) -> None:
        reason = refusal.value if isinstance(refusal, Refusal) else refusal
        self.refused[reason] += 1
        if self._window_start is None:
            self._window_start = now
        tally = self._tallies.get(source)
        if tally is None:
            if len(self._tallies) >= _TALLIED_SOURCES:  # a flood from very many addresses: sum the rest
                tally = self._overflow = self._overflow or _Tally(now)
            else:
                tally = self._tallies[source] = _Tally(now)
        tally.reasons[reason] += 1

    def next_report(self) -> float | None:
        """When :meth:`reports` next has something to say (None: nothing refused)."""
        return None if self._window_start is None else self._window_start + self.limits.report_interval

    def reports(self, now: float) -> list[RefusalsCounted]:
        """The refusals of the interval that ended, once it has: the busiest sources one by one,
        the others summed; nothing before the interval is over."""
        due = self.next_report()
        if due is None or now < due:
            return []
        ranked = sorted(self._tallies.items(), key=lambda item: (-item[1].reasons.total(), item[0]))
        reports = [
            RefusalsCounted(source, 1, tally.reasons.total(), tuple(sorted(tally.reasons.items())), tally.since)
            for source, tally in ranked[:_REPORTED_SOURCES]
        ]
        rest = [tally for _, tally in ranked[_REPORTED_SOURCES:]]
        if rest or self._overflow is not None:
            reasons: Counter[str] = Counter()
            for tally in [*rest, *([self._overflow] if self._overflow else [])]:
                reasons.update(tally.reasons)
            since = min(tally.since for tally in [*rest, *([self._overflow] if self._overflow else [])])
            sources = len(rest) + (1 if self._overflow else 0)
            reports.append(RefusalsCounted(None, sources, reasons.total(), tuple(sorted(reasons.items())), since))
        self._tallies.clear()
        self._overflow = None
        self._window_start = None
        self._lines = 0
        return reports
