"""The asyncio side of :mod:`detente.transports.admission`, shared by every listener.

A :class:`Gate` stands at one listener (the link, a relay, the console). The listener hands it
each transport as it is accepted, before any TLS or HTTP byte is read; a connection over the
limits is aborted on the spot and counted, one admitted is given a ticket to hand back when it
has authenticated or failed. Refusals are logged as ``connection.limited``, at most once per
source and interval.

Also here: raising the soft open-files limit to the hard one (:func:`raise_open_files_limit`),
an estimate of the open files left (:class:`Descriptors`), and a loop exception handler that
turns asyncio's "out of system resource" accept errors (EMFILE, ENFILE: asyncio stops accepting
on that socket for a second, then resumes by itself) into one counted line per interval
(:func:`quiet_accept_errors`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import resource
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..config import ListenerLimits
from ..logs import log_event
from ..protocol.timestamps import format_time
from .admission import Admission, AdmissionLimits, Admitted, Refusal

__all__ = [
    "ACCEPT_ERROR",
    "LISTENER_COUNTS",
    "Descriptors",
    "Gate",
    "ListenerCounts",
    "descriptors",
    "endpoint_hosts",
    "gate_for",
    "quiet_accept_errors",
    "raise_open_files_limit",
    "source_address",
    "source_key",
]

log = logging.getLogger("detente.limits")

LISTENER_COUNTS = "listener-counts"
"""The store's meta key under which `serve` keeps its link listener's counts for `status`."""
_MEASURE_EVERY = 0.1
"""Seconds between two counts of the open files (a count costs about a millisecond per thousand)."""
ACCEPT_ERROR = "socket.accept() out of system resource"
"""The message of asyncio's accept errors (EMFILE, ENFILE…), which the listeners here use too."""
_ACCEPT_ERROR_INTERVAL = 10.0


def raise_open_files_limit(where: str) -> tuple[int, int]:
    """Raise the soft RLIMIT_NOFILE to the hard limit and log both; returns (soft, hard)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    before = soft
    if soft != wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError) as exc:
            log_event(log, logging.WARNING, "limits.open_files_not_raised", soft=soft, hard=hard, error=str(exc))
    log_event(log, logging.INFO, "limits.open_files", process=where, soft=soft, hard=hard, was=before)
    return soft, hard


class Descriptors:
    """How many more files this process may open, counted at most every 100 ms and, in between,
    lowered by each connection admitted (a conservative estimate)."""

    def __init__(self) -> None:
        self._dir = next((d for d in ("/proc/self/fd", "/dev/fd") if os.path.isdir(d)), None)
        self._measured_at = -1e9
        self._open = 0
        self._since = 0

    @property
    def limit(self) -> int:
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        return soft if soft != resource.RLIM_INFINITY else 1 << 30

    def free(self) -> int | None:
        if self._dir is None:
            return None
        now = time.monotonic()
        if now - self._measured_at >= _MEASURE_EVERY:
            try:
                self._open = len(os.listdir(self._dir))
            except OSError:  # out of files to even list them: none is left
                return 0
            self._measured_at, self._since = now, 0
        return self.limit - self._open - self._since

    def opened(self) -> None:
        self._since += 1


_descriptors: Descriptors | None = None


def descriptors() -> Descriptors:
    """The process's one :class:`Descriptors`."""
    global _descriptors
    if _descriptors is None:
        _descriptors = Descriptors()
    return _descriptors


def source_key(host: str) -> str:
    """What the per-source limits count by: an IPv4 address (an IPv4-mapped IPv6 one as IPv4),
    an IPv6 /64 network (one site's share: an attacker there has every address in it), or the
    text as it is when it is not an IP address."""
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def source_address(transport: asyncio.BaseTransport) -> str:
    """The :func:`source_key` of a connection's remote end."""
    peer = transport.get_extra_info("peername")
    if isinstance(peer, tuple) and peer:
        return source_key(str(peer[0]))
    return str(peer or "unknown")


@dataclass(frozen=True)
class ListenerCounts:
    """What a listener's gate has done since start, for ``status``."""

    listener: str
    pending: int
    admitted: int
    refused: dict[str, int] = field(default_factory=dict)


class Gate:
    """Admission for one listener (see the module)."""

    def __init__(
        self,
        listener: str,
        limits: AdmissionLimits,
        *,
        handshake_timeout: float,
        known: Iterable[str] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.listener = listener
        self.handshake_timeout = handshake_timeout
        self.admission = Admission(limits, known=tuple(known))
        self._clock = clock
        self._report: asyncio.TimerHandle | None = None

    def know(self, sources: Iterable[str]) -> None:
        """Addresses a pinned peer is expected from (IP literals from its card)."""
        for source in sources:
            if not self.admission.is_known(source):
                self.admission.remember(source)

    def admit(self, transport: asyncio.BaseTransport) -> Admitted | None:
        """A ticket for a connection asyncio accepted, or None after aborting it (over a limit)."""
        ticket = self._decide(source_address(transport))
        if ticket is None:
            if isinstance(transport, asyncio.WriteTransport):
                transport.abort()  # no TLS work, nothing queued
            else:
                transport.close()
        return ticket

    def admit_socket(self, conn: socket.socket) -> Admitted | None:
        """A ticket for a socket just accepted, or None after closing it (over a limit)."""
        try:
            peer = conn.getpeername()
        except OSError:  # reset already
            conn.close()
            return None
        ticket = self._decide(source_key(str(peer[0])) if isinstance(peer, tuple) else str(peer))
        if ticket is None:
            conn.close()  # at once: its descriptor is free before the next accept
        return ticket

    def _decide(self, source: str) -> Admitted | None:
        result = self.admission.admit(source, self._clock(), descriptors_free=descriptors().free())
        if isinstance(result, Refusal):
            self._schedule_report()
            return None
        descriptors().opened()
        return result

    def finished(self, ticket: Admitted, *, authenticated: bool) -> None:
        self.admission.finished(ticket, authenticated=authenticated)

    def failed(self, ticket: Admitted, reason: str) -> bool:
        """The handshake failed: counted; True when the failure deserves a log line of its own
        (the first few from its source in the interval; the rest go into ``connection.limited``)."""
        first = self.admission.failed(ticket, self._clock(), reason)
        self._schedule_report()
        return first

    def counts(self) -> ListenerCounts:
        admission = self.admission
        return ListenerCounts(self.listener, admission.pending, admission.admitted, dict(admission.refused))

    def close(self) -> None:
        """Log what was refused and not reported yet (the listener is closing)."""
        if self._report is not None:
            self._report.cancel()
            self._report = None
        due = self.admission.next_report()
        if due is not None:
            self._log(due)

    def _schedule_report(self) -> None:
        due = self.admission.next_report()
        if self._report is None and due is not None:
            delay = max(0.0, due - self._clock())
            self._report = asyncio.get_running_loop().call_later(delay, self._reported)

    def _reported(self) -> None:
        self._report = None
        self._log(self._clock())
        self._schedule_report()

    def _log(self, now: float) -> None:
        for report in self.admission.reports(now):
            log_event(
                log,
                logging.WARNING,
                "connection.limited",
                listener=self.listener,
                source=report.source or f"{report.sources} other addresses",
                refused=report.count,
                reasons=",".join(f"{reason}:{count}" for reason, count in report.reasons),
                since=format_time(report.since),
            )


@dataclass
class _AcceptErrors:
    count: int = 0
    first: float = 0.0
    error: str = ""
    watching: bool = False


def quiet_accept_errors(loop: asyncio.AbstractEventLoop) -> None:
    """Count asyncio's "out of system resource" accept errors (it stops accepting on that socket
    for a second, then resumes by itself) and log them as ``listener.out_of_files``: the first
    at once, then at most one line per interval while they go on. Anything else goes to the
    handler there was. Installing it twice on a loop does nothing."""
    previous = loop.get_exception_handler()
    if getattr(previous, "quiets_accept_errors", False):
        return
    errors = _AcceptErrors()

    def flush() -> None:
        log_event(
            log,
            logging.ERROR,
            "listener.out_of_files",
            errors=errors.count,
            since=format_time(errors.first),
            error=errors.error,
        )
        errors.count = 0

    def tick() -> None:
        if errors.count:
            flush()
            loop.call_later(_ACCEPT_ERROR_INTERVAL, tick)
        else:
            errors.watching = False

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if context.get("message") != ACCEPT_ERROR:
            if previous is not None:
                previous(loop, context)
            else:
                loop.default_exception_handler(context)
            return
        if errors.count == 0:
            errors.first = time.time()
        errors.count += 1
        errors.error = str(context.get("exception", ""))
        if not errors.watching:
            errors.watching = True
            flush()
            loop.call_later(_ACCEPT_ERROR_INTERVAL, tick)

    handler.quiets_accept_errors = True  # type: ignore[attr-defined]
    loop.set_exception_handler(handler)


def gate_for(listener: str, limits: ListenerLimits, *, known: Iterable[str] = ()) -> Gate:
    """A gate with a listener's ``[listeners]`` settings."""
    return Gate(
        listener,
        AdmissionLimits(limits.max_pending_handshakes, limits.max_pending_per_source, limits.reserved_descriptors),
        handshake_timeout=limits.handshake_timeout,
        known=known,
    )


def endpoint_hosts(endpoints: Iterable[str]) -> list[str]:
    """The sources (:func:`source_key`) of the IP addresses named in ``tls://HOST:PORT``
    endpoints; host names are not resolved."""
    hosts = []
    for endpoint in endpoints:
        host = endpoint.removeprefix("tls://").rsplit(":", 1)[0].strip("[]")
        try:
            ipaddress.ip_address(host)
        except ValueError:
            continue
        hosts.append(source_key(host))
    return hosts
