"""The console's listener under the limits every listener has (:mod:`detente.transports.gate`).

uvicorn's HTTP/1.1 protocol with a gate in front: a connection over the limits is aborted as
soon as it is accepted; one admitted is pending until its first request has arrived, and is
closed if that takes longer than ``handshake_timeout``. The console has no TLS of its own (a
reverse proxy in front terminates it), so the first request is its handshake.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.h11_impl import H11Protocol

from ..transports.admission import Admitted
from ..transports.gate import Gate

__all__ = ["guarded_http"]


def guarded_http(gate: Gate) -> type[asyncio.Protocol]:
    """An uvicorn ``http`` protocol class that admits connections through ``gate``."""

    class GuardedH11Protocol(H11Protocol):
        _ticket: Admitted | None = None
        _refused = False
        _deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            ticket = gate.admit(transport)  # over the limits: aborted already
            if ticket is None:
                self._refused = True
                return
            self._ticket = ticket
            super().connection_made(transport)
            self._deadline = self.loop.call_later(gate.handshake_timeout, self._too_slow)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self._ticket is not None and self.cycle is not None:  # a request has begun
                self._release()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._refused:
                return
            self._release()
            super().connection_lost(exc)

        def _release(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None
            if self._ticket is not None:
                ticket, self._ticket = self._ticket, None
                gate.finished(ticket, authenticated=False)

        def _too_slow(self) -> None:
            self._deadline = None
            if self._ticket is not None:
                ticket, self._ticket = self._ticket, None
                gate.failed(ticket, "timeout")
                self.transport.abort()

    return GuardedH11Protocol
