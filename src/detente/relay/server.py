"""``detente relay serve``: the relay a third party runs between stations.

Each station connects with its own TLS certificate, pinned from its card in ``stations/``. The
relay stores every item a station puts (durably, before saying ``stored``), pushes the items
waiting for a station as soon as it is connected, and deletes an item only when its recipient
says ``took``. An item the recipient has not taken is pushed again on its next connection. The
relay sees each item's header (who to whom, which session) and nothing else: the link bytes
inside are sealed end to end (``detente.relay.tunnel``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from ..config import ListenerLimits, parse_address
from ..errors import StoreError, TransportError
from ..identity import Card
from ..logs import log_event
from ..transports.admission import Admitted
from ..transports.gate import endpoint_hosts, gate_for, quiet_accept_errors
from ..transports.listener import GatedServer, serve_gated
from ..transports.tls import TLSStream, accept_tls, handshake_failure, server_context
from .home import RelayHome
from .queue import Put, QuotaExceeded, Quotas, RelayQueue
from .tunnel import TunnelError, parse_item
from .wire import RelayFrameDecoder, WireError, encode

__all__ = ["RelayServer"]

log = logging.getLogger("detente.relay")

_PUSH_WINDOW = 512
"""Items pushed to a station and not yet taken, at most."""
_SILENCE = 10.0
"""A station connection with no frame for this long is closed (stations ping every second)."""


@dataclass
class _Client:
    station: str
    stream: TLSStream
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    pushed: set[int] = field(default_factory=set)
    last_pushed: int = 0
    closed: bool = False


class RelayServer:
    """A relay for the stations whose ``cards`` it is given: run by ``detente relay serve`` from a
    relay directory (:meth:`from_home`), or by a mediator's own station for its peers."""

    def __init__(
        self,
        *,
        name: str,
        listen: tuple[str, ...],
        cards: list[Card],
        cert: Path,
        key: Path,
        database: Path,
        quotas: Quotas,
        limits: ListenerLimits | None = None,
    ) -> None:
        self.name = name
        self.listen = listen
        self._stations = {card.tls_certificate_sha256: card.station_id for card in cards}
        self._known = {card.station_id for card in cards}
        self._context = server_context(cert, key, [card.tls_certificate_pem for card in cards])
        self.queue = RelayQueue(database, quotas)
        self._clients: dict[str, _Client] = {}
        self._servers: list[GatedServer] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self.listening: list[tuple[str, int]] = []
        known = endpoint_hosts(endpoint for card in cards for endpoint in card.endpoints)
        self.gate = gate_for("relay", limits or ListenerLimits(), known=known)

    @classmethod
    def from_home(cls, home: RelayHome, *, listen: tuple[str, ...] | None = None) -> RelayServer:
        settings = home.settings()
        return cls(
            name=settings.name,
            listen=listen or settings.listen,
            cards=home.stations(),
            cert=home.tls_cert_path,
            key=home.tls_key_path,
            database=home.database_path,
            quotas=settings.quotas,
            limits=settings.listeners,
        )

    async def run(self, stop: asyncio.Event) -> None:
        quiet_accept_errors(asyncio.get_running_loop())
        try:
            for address in self.listen:
                host, port = parse_address(address, "listen address")
                try:
                    server = await serve_gated(self.gate, host, port, self._accepted)
                except OSError as exc:
                    raise TransportError(f"cannot listen on {address}: {exc.strerror or exc}") from None
                self._servers.append(server)
                self.listening.append((host, port))
                log_event(log, logging.INFO, "relay.listening", address=address, relay=self.name)
            log_event(log, logging.INFO, "relay.ready", relay=self.name, stations=len(self._known))
            await stop.wait()
        finally:
            for server in self._servers:
                server.close()
            for client in list(self._clients.values()):
                client.stream.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self.gate.close()
            self.queue.close()
            log_event(log, logging.INFO, "relay.stopped", relay=self.name)

    def _accepted(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ticket: Admitted) -> None:
        cast(asyncio.Transport, writer.transport).pause_reading()
        task = asyncio.create_task(self._serve(reader, writer, ticket))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ticket: Admitted) -> None:
        try:
            stream = await accept_tls(reader, writer, self._context, self.gate.handshake_timeout)
        except TransportError as exc:  # counted; a refused one also logged, a few per interval
            if self.gate.failed(ticket, handshake_failure(exc)):
                log_event(log, logging.WARNING, "relay.connection_refused", reason=str(exc))
            return
        station = self._stations.get(stream.certificate_sha256)
        self.gate.finished(ticket, authenticated=station is not None)  # a station's address is known from now on
        if station is None:
            log_event(log, logging.WARNING, "relay.connection_refused", remote=stream.remote, reason="not pinned")
            stream.close()
            return
        previous = self._clients.get(station)
        if previous is not None:  # the station reconnected: its older connection is gone
            previous.closed = True
            previous.stream.close()
        client = self._clients[station] = _Client(station, stream)
        log_event(log, logging.INFO, "relay.station_connected", station=station, remote=stream.remote)
        pusher = asyncio.create_task(self._push(client))
        pusher.add_done_callback(lambda task: self._pusher_ended(client, task))
        reason = "closed"
        try:
            held = self.queue.held([station])[0]
            stream.write(encode({"t": "welcome", "relay": self.name, "station": station, "held": held.items_waiting}))
            await self._read(client)
        except (WireError, StoreError) as exc:
            reason = str(exc)
            code = "storage" if isinstance(exc, StoreError) else "bad-frame"
            stream.write(encode({"t": "error", "code": code, "detail": reason[:300]}))
        except TimeoutError:
            reason = f"no frame for {_SILENCE:g} s"
        except (OSError, ssl.SSLError, ConnectionError) as exc:
            reason = f"connection error: {exc}"
        finally:
            client.closed = True
            pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pusher
            if self._clients.get(station) is client:
                del self._clients[station]
            stream.close()
            log_event(log, logging.INFO, "relay.station_disconnected", station=station, reason=reason)

    def _pusher_ended(self, client: _Client, task: asyncio.Task[None]) -> None:
        if task.cancelled() or task.exception() is None:
            return
        log_event(log, logging.ERROR, "relay.push_failed", station=client.station, error=repr(task.exception()))
        client.closed = True
        client.stream.close()  # the station reconnects, and is pushed what waits for it again

    async def _read(self, client: _Client) -> None:
        decoder = RelayFrameDecoder()
        while not client.closed:
            async with asyncio.timeout(_SILENCE):
                data = await client.stream.read()
            if not data:
                return
            puts: list[tuple[int, Put | tuple[str, str]]] = []  # replies go back in ref order
            took: list[int] = []
            for header, body in decoder.feed(data):
                kind = header["t"]
                if kind == "put":
                    ref = header.get("ref")
                    if type(ref) is not int:
                        raise WireError("put frame without an integer ref")
                    puts.append((ref, self._check(client, body)))
                elif kind == "took":
                    if type(header.get("id")) is int:
                        took.append(header["id"])
                elif kind == "ping":
                    client.stream.write(encode({"t": "pong", "n": header.get("n")}))
                else:
                    raise WireError(f"a station may not send a {kind!r} frame to a relay")
            if took:
                self.queue.take(client.station, took)
                client.pushed.difference_update(took)
                client.wake.set()
            if puts:
                self._store(client, puts)
            async with asyncio.timeout(_SILENCE):
                await client.stream.drain()

    def _check(self, client: _Client, body: bytes) -> Put | tuple[str, str]:
        """The item to store, or (code, detail) of its refusal."""
        try:
            item = parse_item(body)
        except TunnelError as exc:
            return "malformed", str(exc)
        if item.sender != client.station:
            return "not-yours", f"item claims to be from {item.sender}; you are {client.station}"
        if item.recipient not in self._known:
            return "unknown-recipient", f"this relay does not serve station {item.recipient}"
        return Put(item.sender, item.recipient, item.session, item.kind == "open", body)

    def _store(self, client: _Client, puts: list[tuple[int, Put | tuple[str, str]]]) -> None:
        results = iter(self.queue.put_many([put for _, put in puts if isinstance(put, Put)]))
        for ref, put in puts:
            if not isinstance(put, Put):
                self._refuse(client, ref, *put)
                continue
            result = next(results)
            if isinstance(result, QuotaExceeded):
                self._refuse(client, ref, result.code, result.detail)
                continue
            client.stream.write(encode({"t": "stored", "ref": ref}))
            recipient = self._clients.get(put.recipient)
            if recipient is not None:
                recipient.wake.set()

    def _refuse(self, client: _Client, ref: int, code: str, detail: str) -> None:
        log_event(log, logging.WARNING, "relay.refused", station=client.station, code=code, detail=detail)
        client.stream.write(encode({"t": "refused", "ref": ref, "code": code, "detail": detail[:300]}))

    async def _push(self, client: _Client) -> None:
        """Send the station what waits for it, oldest first, a window at a time."""
        while not client.closed:
            room = _PUSH_WINDOW - len(client.pushed)
            batch = self.queue.waiting(client.station, client.last_pushed, room) if room > 0 else []
            for ident, _sender, body in batch:
                client.stream.write(encode({"t": "item", "id": ident}, body))
                client.pushed.add(ident)
                client.last_pushed = ident
            if batch:
                async with asyncio.timeout(_SILENCE):  # a station that takes nothing is closed
                    await client.stream.drain()
                continue
            client.wake.clear()
            await client.wake.wait()
