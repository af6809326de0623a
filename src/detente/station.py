"""The station: drives one protocol ``Link`` per pinned peer over TLS, with the store underneath.

Rules that make a crash at any instant lose nothing:

* an outgoing envelope is stored (``queue_message``) before the link ever sees it, and it stays
  in the link's window until the peer's signed receipt is stored;
* an incoming envelope is stored, together with the receipt this station signs for it, in one
  transaction before that receipt is sent;
* after a restart the link is rebuilt from the store: the receiving position from the last
  stored incoming envelope, the window from the outgoing envelopes that have no receipt.

Everything runs on one asyncio loop; the store is touched only from it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import random
import socket
import ssl
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import uvicorn

from .alarms.sentry import Notice, Sentry
from .alarms.sources import LineSeen, PathSeen
from .config import format_address, parse_address
from .errors import StationError, StoreError
from .home import Home
from .identity import Card
from .ledger.keeper import AlarmRaised, LineLedger
from .lines.book import after_received, store_received
from .link_text import say
from .logs import log_event
from .outbox import WAKE_SOCKET, queue_message
from .peers import peer_card
from .protocol import events as ev
from .protocol.canonical import parse_json
from .protocol.codes import CloseReason, RejectCode
from .protocol.envelope import Envelope, Precedence, Receipt, seal_receipt
from .protocol.frames import CheckpointFrame, CosignatureFrame, LedgerFrame
from .protocol.link import Link, ReceiveCursor
from .protocol.timestamps import format_time
from .reading import machine_translator
from .relay.home import RelayCard
from .relays import load_relays
from .store import LinkStatus, PathStatus, PeerRecord, Store
from .transports.admission import Admitted
from .transports.gate import LISTENER_COUNTS, ListenerCounts, endpoint_hosts, gate_for, quiet_accept_errors
from .transports.listener import GatedServer, serve_gated
from .transports.relay import PeerKeys, RelayPath, RelayStream, TLSRelay
from .transports.tls import (
    TLSStream,
    TransportError,
    accept_tls,
    client_context,
    dial_tls,
    endpoint_address,
    handshake_failure,
    server_context,
)
from .watch.deadlines import ROSTER, WATCH_CHECK
from .watch.escalation import Step
from .watch.notify import notify_each
from .watch.watchman import Watchman
from .web.app import Console, create_app
from .web.gated_http import guarded_http
from .web.hub import Hub
from .web.login_alarm import ALARM_INTERVAL as LOGIN_QUIET

__all__ = ["Station", "monotonic_wall_clock"]

log = logging.getLogger("detente.station")

_POLL_INTERVAL = 0.05
_WATCH_INTERVAL = 0.5
_WATCH_BATCH = 50
"""Escalation steps taken per turn of the watch loop before the link gets its turn."""
_LINK_WAIT_GRACE = 3.0
"""Seconds a link must have been down before its messages are said to wait on it (not at start,
while the first connection is being made)."""
_STATUS_INTERVAL = 1.0


def monotonic_wall_clock() -> Callable[[], float]:
    """Unix time that never jumps backwards: wall time at start plus monotonic time elapsed."""
    wall, mono = time.time(), time.monotonic()
    return lambda: wall + (time.monotonic() - mono)


Stream = TLSStream | RelayStream


@dataclass
class _PathSeen:
    """What the station knows of one path to a peer, for `status` and the console."""

    round_trip: float | None = None
    last_success: float | None = None
    detail: str = "not connected yet"


@dataclass
class _Peer:
    record: PeerRecord
    card: Card
    link: Link
    context: ssl.SSLContext
    ledger: LineLedger
    streams: dict[int, Stream] = field(default_factory=dict)
    conn_paths: dict[int, str] = field(default_factory=dict)
    paths: dict[str, _PathSeen] = field(default_factory=dict)
    since: float = 0.0
    detail: str = "not connected yet"
    round_trip: float | None = None
    clock_offset: float | None = None
    last_heartbeat: float | None = None
    unmarked_sent: list[str] = field(default_factory=list)
    status_dirty: bool = True
    up: bool = False
    needs_rebuild: bool = False
    rebuild_reason: str = "a write to the database failed; resuming from what is stored"
    last_warning: str = ""


class Station:
    def __init__(
        self,
        home: Home,
        *,
        clock: Callable[[], float] | None = None,
        store: Store | None = None,
        console: tuple[str, int] | None = None,
    ) -> None:
        """``store`` defaults to the station's own database; the station closes it when it stops."""
        self.home = home
        self.config = home.config
        self.clock = clock or monotonic_wall_clock()
        self.store: Store = store or home.open_store()
        self._peers: dict[str, _Peer] = {}
        self._by_cert: dict[str, _Peer] = {}
        self._relays: dict[str, RelayPath] = {}
        self._server_context = server_context(home.tls_cert_path, home.tls_key_path, [])
        self._servers: list[GatedServer] = []
        self._gate = gate_for("link", self.config.listeners)
        self._saved_counts: ListenerCounts | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._poked = asyncio.Event()
        self._wake_socket: socket.socket | None = None
        self._next_connection = 0
        self._rng = random.Random()
        self.listening: list[tuple[str, int]] = []
        self.watchman = Watchman(home, self.store, started=self.clock())
        self.hub = Hub()
        self.sentry = Sentry(home, self.store, self.hub.publish, started=self.clock(), grace=_LINK_WAIT_GRACE)
        self._ledger_alarms = 0
        self._deadlines_checked = 0.0
        self._console_address = console
        self._console: _ConsoleServer | None = None
        self._console_task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._fault: BaseException | None = None

    # --- lifecycle ----------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event, on_ready: Callable[[Station], None] | None = None) -> None:
        """Run until ``stop`` is set. A fault inside the station (a bug, never the peer's doing)
        stops it too, and is raised as StationError once everything is closed: the station is
        crash-only, and restarting from the database is always safe."""
        self._stop = stop
        quiet_accept_errors(asyncio.get_running_loop())
        try:
            self._make_relays()
            self._load_peers()
            self._sentry("say whether supervisors can be told", lambda: self.sentry.at_start(self.clock()))
            await self._listen()
            self._open_wake_socket()
            for relay in self._relays.values():
                self._spawn(relay.run(), f"relay-{relay.name}")
            if self.config.relay_listen:
                self._spawn(self._serve_relay(stop), "relay-server")
            if on_ready is not None:
                on_ready(self)
            self._spawn(self._timer_loop(), "timers")
            self._spawn(self._watch_store(), "watch-store")
            self._spawn(self._watch_loop(), "watchman")
            if self._console_address is not None:
                self._spawn(self._follow_console(), "console-queue")
                await self._start_console(*self._console_address)
            await stop.wait()
            await self._shutdown()
        finally:
            self.store.close()
        if self._fault is not None:
            raise StationError(
                f"internal error, the station stopped: {self._fault!r}; nothing stored is lost, start it again"
            ) from self._fault

    def _make_relays(self) -> None:
        for relay in load_relays(self.home.path):
            key = f"relay-sessions:{relay.name}"
            common: dict[str, Any] = {
                "local": self.config.station_id,
                "signer": self.home.signer,
                "sealer": self.home.sealer,
                "peer_keys": self._peer_keys,
                "on_session": self._relay_session,
                "clock": self.clock,
                "seen": json.loads(self.store.get_meta(key) or "{}"),
                "remember": lambda seen, key=key: self._remember_sessions(key, seen),
            }
            path: RelayPath
            if isinstance(relay, RelayCard):
                path = TLSRelay(relay, cert=self.home.tls_cert_path, key=self.home.tls_key_path, **common)
            else:
                from .transports.jetstream import JetStreamRelay

                path = JetStreamRelay(relay.name, url=relay.url, stream=relay.stream, prefix=relay.prefix, **common)
            self._relays[path.path] = path

    async def _serve_relay(self, stop: asyncio.Event) -> None:
        """Relay sealed sessions between this station's pinned peers (a mediator's station)."""
        from .relay.queue import Quotas
        from .relay.server import RelayServer

        server = RelayServer(
            name=self.config.party.lower(),
            listen=(self.config.relay_listen,),
            cards=[peer.card for peer in self._peers.values()],
            cert=self.home.tls_cert_path,
            key=self.home.tls_key_path,
            database=self.home.path / "relay.sqlite3",
            quotas=Quotas(),
            limits=self.config.listeners,
        )
        await server.run(stop)

    def _remember_sessions(self, key: str, seen: dict[str, int]) -> None:
        try:
            self.store.set_meta(key, json.dumps(seen, sort_keys=True))
        except StoreError as exc:
            log_event(log, logging.ERROR, "store.failed", party="-", action="remember relay sessions", error=str(exc))

    def _relay_paths(self, card: Card) -> tuple[str, ...]:
        """The relays this station and the peer both use, by the peer's card."""
        theirs = {str(entry.get("name")): entry for entry in card.relays}
        shared = []
        for path, relay in sorted(self._relays.items()):
            entry = theirs.get(relay.name)
            if entry is None:
                continue
            if isinstance(relay, TLSRelay) and entry.get("tls_sha256") != relay.card.tls_certificate_sha256:
                continue  # another relay under the same name
            shared.append(path)
        return ("direct", *shared)

    def _peer_keys(self, station_id: str) -> PeerKeys | None:
        peer = self._peers.get(station_id)
        return PeerKeys(peer.card.signing_key, peer.card.sealing_key) if peer is not None else None

    def _relay_session(self, stream: RelayStream) -> None:
        """A peer opened a session to this station through a relay."""
        peer = self._peers.get(stream.peer)
        if peer is None:
            stream.close()
            return
        self._spawn(self._run_stream(peer, stream, dialed=False, path=stream.relay.path), f"conn-{peer.record.party}")

    async def _listen(self) -> None:
        for address in self.config.listen:
            host, port = parse_address(address, "listen address")
            try:
                server = await serve_gated(self._gate, host, port, self._accepted)
            except OSError as exc:
                raise TransportError(f"cannot listen on {address}: {exc.strerror or exc}") from None
            self._servers.append(server)
            self.listening.append((host, port))
            log_event(log, logging.INFO, "station.listening", address=address, station=self.config.station_id)

    async def _start_console(self, host: str, port: int) -> None:
        machine = await asyncio.to_thread(machine_translator, self.config)  # loading a model takes a while
        if machine.problem is not None:
            log_event(log, logging.WARNING, "console.machine_translation_unavailable", problem=machine.problem)
        elif machine.backend is not None:
            log_event(log, logging.INFO, "console.machine_translation", detail=machine.describe())
        app = create_app(Console(self.home, self.store, self.hub, self.clock, bind=host))
        gate = gate_for("console", self.config.listeners, known=("127.0.0.1", "::1"))  # a reverse proxy
        server = _ConsoleServer(
            uvicorn.Config(
                app,
                host=host,
                port=port,
                http=guarded_http(gate),
                log_level="warning",
                access_log=False,
                lifespan="off",
                timeout_graceful_shutdown=1,
                proxy_headers=False,  # the console believes X-Forwarded-For only from [console] trusted_proxies
            )
        )
        self._console = server
        self._spawn(server.serve(), "console")
        self._console_task = next(t for t in self._tasks if t.get_name() == "console")
        while not server.started:
            if self._fault is not None or server.should_exit:
                raise TransportError(f"cannot serve the console on {format_address(host, port)}")
            await asyncio.sleep(0.01)
        log_event(log, logging.INFO, "console.listening", url=f"http://{format_address(host, port)}/")

    async def _follow_console(self) -> None:
        """Send at once what the console queues (a message, an acknowledgement): it writes on this
        station's own connection to the database, which ``changed_elsewhere`` cannot see, and says
        so on the hub instead; without this it would wait for the next timer, up to a second."""
        with self.hub.subscription() as events:
            while True:
                event = await events.get()
                if event.get("type") in ("message", "reload"):
                    for peer in self._peers.values():
                        self._process(peer)

    async def _shutdown(self) -> None:
        now = self.clock()
        if self._console is not None:
            self._console.should_exit = True
        for server in self._servers:
            server.close()
        self._gate.close()
        self._close_wake_socket()
        for peer in self._peers.values():
            try:
                peer.link.close(now)
                self._process(peer)
                peer.detail = say("link.stopped")
                self._save_status(peer, force=True)
            except Exception as exc:  # shutting down after a fault: close everything regardless
                log.error("station.internal_error task=shutdown error=%r", exc)
                self._fault = self._fault or exc
        if self._console_task is not None:  # let the console close its socket (it gives clients 1 s)
            await asyncio.wait({self._console_task}, timeout=3.0)
        for task in list(self._tasks):
            task.cancel()
        for peer in self._peers.values():
            for stream in list(peer.streams.values()):
                stream.close()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for server in self._servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 1.0)
        log_event(log, logging.INFO, "station.stopped", station=self.config.station_id)

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if task.cancelled() or task.exception() is None:
            return
        fault = task.exception()
        log.error("station.internal_error task=%s error=%r", task.get_name(), fault, exc_info=fault)
        if self._fault is None:
            self._fault = fault
        self._stop.set()

    # --- peers --------------------------------------------------------------------------------

    def _load_peers(self) -> None:
        for record in self.store.peers():
            if (loaded := self._peers.get(record.station_id)) is not None:
                if loaded.record.card != record.card:  # `peer update`: same keys, new endpoints
                    loaded.record, loaded.card = record, peer_card(record)
                    log_event(log, logging.INFO, "peer.updated", party=record.party, endpoints=loaded.card.endpoints)
                continue
            card = peer_card(record)
            now = self.clock()
            link = self._new_link(record, card, now)
            context = client_context(self.home.tls_cert_path, self.home.tls_key_path, card.tls_certificate_pem)
            ledger = LineLedger(
                self.store,
                station=self.config.station_id,
                signer=self.home.signer,
                note_signer=self.home.note_signer,
                peer=card,
                policy=self.config.ledger,
                single_path=len(link.config.paths) == 1,
            )
            peer = _Peer(record, card, link, context, ledger, since=now)
            ledger.on_alarm = lambda alarm, peer=peer: self._alarm(peer, alarm)
            self._peers[record.station_id] = peer
            self._by_cert[card.tls_certificate_sha256] = peer
            self._gate.know(endpoint_hosts(card.endpoints))
            self._server_context.load_verify_locations(cadata=card.tls_certificate_pem)
            log_event(
                log,
                logging.INFO,
                "peer.loaded",
                party=record.party,
                station=record.station_id,
                dials=link.config.dial,
                queued=self.store.queue_depth(record.station_id),
            )
            self._feed(peer)
        self._wake.set()

    def _new_link(self, record: PeerRecord, card: Card, now: float) -> Link:
        """A link positioned where the store says this peer's two directions stand."""
        return Link(
            local=self.config.station_id,
            peer=record.station_id,
            peer_keys={card.signing_key.kid: card.signing_key},
            now=now,
            cursor=self.store.receive_cursor(record.station_id),
            receipted_through=self.store.receipted_through(record.station_id),
            config=self.config.link.link_config(self.config.station_id, record.station_id, self._relay_paths(card)),
            rng=self._rng,
        )

    def _rebuild(self, peer: _Peer) -> None:
        """Start the peer's link afresh from the store (after a write failed, the link's memory
        and the store disagree; the store is what survives, so it wins). Retried every poll
        while the store cannot be read."""
        for stream in peer.streams.values():
            stream.close()
        peer.streams.clear()
        try:
            peer.link = self._new_link(peer.record, peer.card, self.clock())
        except StoreError as exc:
            log_event(
                log, logging.ERROR, "store.failed", party=peer.record.party, action="restart the link", error=str(exc)
            )
            return
        peer.needs_rebuild = False
        peer.unmarked_sent.clear()
        log_event(
            log,
            logging.WARNING,
            "link.restarted",
            party=peer.record.party,
            reason=peer.rebuild_reason,
        )
        peer.rebuild_reason = _Peer.rebuild_reason
        self._feed(peer)
        self._wake.set()

    @property
    def peers(self) -> list[_Peer]:
        return list(self._peers.values())

    # --- connections ---------------------------------------------------------------------------

    def _accepted(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ticket: Admitted) -> None:
        # Admitted by the gate (within the limits on connections not yet authenticated); called
        # inside connection_made, before any byte is read: stop reading now, so that the client's
        # first TLS bytes stay in the socket for the TLS layer instead of the plain reader.
        cast(asyncio.Transport, writer.transport).pause_reading()
        self._spawn(self._accept(reader, writer, ticket), "accept")

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ticket: Admitted) -> None:
        try:
            stream = await accept_tls(reader, writer, self._server_context, self._gate.handshake_timeout)
        except TransportError as exc:  # counted; a refused one also logged, a few per interval
            if self._gate.failed(ticket, handshake_failure(exc)):
                log_event(log, logging.WARNING, "connection.refused", reason=str(exc))
            return
        peer = self._by_cert.get(stream.certificate_sha256)
        self._gate.finished(ticket, authenticated=peer is not None)  # a pinned peer's address is known now
        if peer is None:
            log_event(
                log,
                logging.WARNING,
                "connection.refused",
                remote=stream.remote,
                reason=f"certificate sha256 {stream.certificate_sha256[:16]}… is not pinned",
            )
            stream.close()
            return
        await self._run_stream(peer, stream, dialed=False, path="direct")

    async def _dial(self, peer: _Peer, path: str) -> None:
        if path != "direct":
            relay = self._relays.get(path)
            try:
                if relay is None:
                    raise TransportError(f"no relay {path} is configured")
                session = relay.open_session(peer.record.station_id)
            except TransportError as exc:
                self._path_seen(peer, path).detail = say("dial.failed", detail=exc)
                peer.link.dial_failed(self.clock(), path)
                self._wake.set()
                return
            self._spawn(self._run_stream(peer, session, dialed=True, path=path), f"conn-{peer.record.party}")
            return
        errors = []
        for endpoint in peer.card.endpoints:
            try:
                host, port = endpoint_address(endpoint)
                stream = await dial_tls(host, port, peer.context, peer.card.tls_certificate_sha256)
            except TransportError as exc:
                errors.append(str(exc))
                continue
            self._spawn(self._run_stream(peer, stream, dialed=True, path="direct"), f"conn-{peer.record.party}")
            return
        reason = "; ".join(errors) or say("detail.no_endpoint")
        if peer.detail != say("dial.failed", detail=reason):
            log_event(log, logging.INFO, "dial.failed", party=peer.record.party, reason=reason)
        if not peer.up:
            peer.detail = say("dial.failed", detail=reason)
        self._path_seen(peer, "direct").detail = say("dial.failed", detail=reason)
        peer.status_dirty = True
        peer.link.dial_failed(self.clock(), "direct")
        self._wake.set()

    def _path_seen(self, peer: _Peer, path: str) -> _PathSeen:
        seen = peer.paths.get(path)
        if seen is None:
            seen = peer.paths[path] = _PathSeen()
        return seen

    async def _run_stream(self, peer: _Peer, stream: Stream, *, dialed: bool, path: str) -> None:
        self._next_connection += 1
        ident = self._next_connection
        peer.streams[ident] = stream
        peer.conn_paths[ident] = path
        log_event(
            log,
            logging.DEBUG,
            "connection.open",
            party=peer.record.party,
            conn=ident,
            remote=stream.remote,
            dialed=dialed,
            path=path,
        )
        peer.link.connection_made(ident, dialed=dialed, now=self.clock(), path=path)
        self._process(peer)
        detail = "peer closed the connection"
        try:
            while ident in peer.streams:
                data = await stream.read()
                if not data:
                    break
                peer.link.receive_data(ident, data, self.clock())
                self._process(peer)
                await stream.drain()
        except (OSError, ssl.SSLError, ConnectionError) as exc:
            detail = f"connection error: {exc}"
        finally:
            if isinstance(stream, RelayStream) and stream.failure:
                detail = stream.failure
            if peer.streams.pop(ident, None) is not None:
                peer.link.connection_lost(ident, self.clock(), detail)
                self._process(peer)
            peer.conn_paths.pop(ident, None)
            stream.close()

    # --- the driver ------------------------------------------------------------------------------

    def _process(self, peer: _Peer) -> None:
        """Handle every pending event of ``peer``'s link, store first, then send: what the
        peer waits for (receipts, messages) goes out before the bookkeeping (checkpoints, sent
        times, status) is done."""
        link = peer.link
        now = self.clock()
        events = link.events()
        while events:
            for batch in _in_frame_order(events):
                received = [e.envelope for e in batch if isinstance(e, ev.EnvelopeReceived)]
                if received:
                    self._store_received(peer, received, now)
                receipts = [e for e in batch if isinstance(e, ev.ReceiptReceived)]
                if receipts:
                    self._store_receipts(peer, receipts, now)
                if (received or receipts) and not peer.needs_rebuild:
                    self._feed(peer)  # a receipt opens the window
                    self._flush(peer)
                for event in batch:
                    self._handle(peer, event, now)
            events = link.events()
        if peer.needs_rebuild:
            self._flush(peer)
            self._rebuild(peer)
            return
        self._feed(peer)
        self._flush(peer)
        self._checkpoint(peer, now)
        if peer.unmarked_sent and link.current_connection is not None:
            with self._guard(peer, "mark messages sent"):
                self.store.mark_sent(peer.unmarked_sent, format_time(now))
            peer.unmarked_sent.clear()
        self._flush(peer)
        if peer.status_dirty:  # the link came up or went down: `status` should say so at once
            self._save_status(peer)

    def _flush(self, peer: _Peer) -> None:
        link = peer.link
        for ident in link.pending_output():
            data = link.data_to_send(ident)
            stream = peer.streams.get(ident)
            if stream is not None:
                stream.write(data)
        self._wake.set()

    def _store_received(self, peer: _Peer, envelopes: list[Envelope], now: float) -> None:
        received_at = format_time(now)
        items = [(e, seal_receipt(self.home.signer, e, received_at)) for e in envelopes]
        try:
            refused = store_received(self.store, self.config.station_id, items, received_at)
        except StoreError as exc:
            log_event(log, logging.ERROR, "message.not_stored", party=peer.record.party, error=str(exc))
            # The batch is contiguous: its first envelope says where the stored history ends.
            first = envelopes[0]
            peer.link.abort(
                CloseReason.STORAGE_FAILURE,
                "the receiving station could not store the message",
                now,
                ReceiveCursor(first.seq, first.prev),
            )
            return
        for envelope, receipt in items:
            peer.link.send_receipt(receipt, now)
            log_event(
                log,
                logging.INFO,
                "message.received",
                party=peer.record.party,
                seq=envelope.seq,
                id=envelope.id,
                kind=envelope.kind,
                precedence=envelope.precedence.value,
                created=envelope.created,
            )
            self.hub.publish(
                {"type": "received", "id": envelope.id, "kind": envelope.kind, "precedence": envelope.precedence.value}
            )
            acknowledged = envelope.body.get("acknowledges") if envelope.kind == "acknowledgement" else None
            if isinstance(acknowledged, str):
                self.hub.publish({"type": "acknowledged", "id": acknowledged})
        with self._guard(peer, "keep the book of lines"):
            refused += after_received(self.store, self.config.station_id, envelopes, refused, received_at)
        for envelope, reason in refused:
            log_event(log, logging.WARNING, "line.refused", party=peer.record.party, id=envelope.id, reason=reason)

    def _store_receipts(self, peer: _Peer, events: list[ev.ReceiptReceived], now: float) -> None:
        try:
            self.store.store_receipts([e.receipt for e in events], format_time(now))
        except StoreError as exc:
            # The link has already forgotten these envelopes; restart it from the store so that
            # they are sent again and their receipts asked for again.
            log_event(log, logging.ERROR, "receipt.not_stored", party=peer.record.party, error=str(exc))
            peer.link.abort(CloseReason.STORAGE_FAILURE, "the sending station could not store a receipt", now)
            peer.needs_rebuild = True
            return
        for event in events:
            log_event(
                log,
                logging.INFO,
                "message.delivered",
                party=peer.record.party,
                seq=event.receipt.seq,
                id=event.receipt.message_id,
                receipted=event.receipt.received,
            )
            self.hub.publish({"type": "delivered", "id": event.receipt.message_id})

    def _handle(self, peer: _Peer, event: ev.Event, now: float) -> None:
        party = peer.record.party
        match event:
            case ev.DuplicateEnvelopeReceived(envelope=envelope):
                self._resend_receipt(peer, envelope, now)
            case ev.DialRequested(path=path):
                self._spawn(self._dial(peer, path), f"dial-{party}")
            case ev.ConnectionEstablished(connection=conn, path=path, dialed=dialed):
                seen = self._path_seen(peer, path)
                seen.detail = say("path.established", conn=conn, how="dialed" if dialed else "accepted")
                seen.last_success = now
                peer.status_dirty = True
                log_event(log, logging.INFO, "path.up", party=party, path=path, conn=conn)
            case ev.CurrentPathChanged(connection=conn, path=path, previous=previous, reason=why):
                peer.detail = say("link.moved", path=path, conn=conn, previous=previous, why=why)
                peer.status_dirty = True
                log_event(
                    log, logging.WARNING, "link.path_changed", party=party, path=path, previous=previous, reason=why
                )
                self._journal("link.path_changed", peer, f"{previous} → {path}: {why}", now)
                self.hub.publish({"type": "link", "party": party, "state": "UP", "path": path})
            case ev.LinkEstablished(connection=conn, version=version, dialed=dialed, path=path):
                if not peer.up:
                    peer.since, peer.up = now, True
                how = "dialed" if dialed else "accepted"
                peer.detail = say("link.up", path=path, conn=conn, how=how, version=version)
                peer.status_dirty = True
                log_event(
                    log,
                    logging.INFO,
                    "link.up",
                    party=party,
                    path=path,
                    conn=conn,
                    version=version,
                    dialed=dialed,
                    queued=peer.link.unacked,
                )
                self._journal("link.up", peer, peer.detail, now)
                self.hub.publish({"type": "link", "party": party, "state": "UP"})
            case ev.LinkLost(reason=reason, detail=detail):
                peer.since, peer.up = now, False
                peer.detail = say("link.down", reason=reason, detail=detail)
                peer.status_dirty = True
                log_event(log, logging.WARNING, "link.down", party=party, reason=reason, detail=detail)
                self._journal("link.down", peer, f"{reason}: {detail}", now)
                self.hub.publish({"type": "link", "party": party, "state": "DOWN", "detail": detail})
            case ev.ConnectionClosed(connection=conn, reason=reason, detail=detail):
                if (closed_path := peer.conn_paths.get(conn)) is not None:
                    self._path_seen(peer, closed_path).detail = say("path.closed", reason=reason, detail=detail)
                    peer.status_dirty = True
                stream = peer.streams.pop(conn, None)
                if stream is not None:
                    stream.write(peer.link.data_to_send(conn))
                    stream.close()
                if reason == CloseReason.CLOSED_BEFORE_HELLO and peer.last_warning != reason:
                    # Said once per run of failures: the usual cause is a peer that has not pinned us.
                    log_event(
                        log, logging.WARNING, "connection.closed", party=party, conn=conn, reason=reason, detail=detail
                    )
                    peer.detail = say("link.before_hello", detail=detail)
                    peer.status_dirty = True
                else:
                    log_event(
                        log, logging.DEBUG, "connection.closed", party=party, conn=conn, reason=reason, detail=detail
                    )
                peer.last_warning = reason
            case ev.FrameRefused(connection=conn, code=code, detail=detail):
                log_event(log, logging.WARNING, "frame.refused", party=party, conn=conn, code=code, detail=detail)
                self._journal("frame.refused", peer, f"{code}: {detail}", now)
            case ev.PeerErrorReported(code=code, detail=detail):
                log_event(log, logging.WARNING, "peer.reported_error", party=party, code=code, detail=detail)
                self._journal("peer.reported_error", peer, f"{code}: {detail}", now)
            case ev.HeartbeatAnswered(connection=conn, round_trip=rtt, clock_offset=offset):
                if (beat_path := peer.conn_paths.get(conn)) is not None:
                    seen = self._path_seen(peer, beat_path)
                    seen.round_trip, seen.last_success = rtt, now
                if conn == peer.link.current_connection:
                    peer.round_trip, peer.clock_offset, peer.last_heartbeat = rtt, offset, now
            case ev.EnvelopesRetransmitted(first_seq=first, count=count):
                log_event(log, logging.DEBUG, "messages.retransmitted", party=party, first_seq=first, count=count)
            case ev.LedgerFrameReceived(frame=frame):
                self._ledger_frame(peer, frame, now)
            case ev.PeerLostMessages(peer_next_seq=expected, receipted_through=through):
                detail = (
                    f"the peer asks to resume at seq {expected} but has signed receipts up to {through}: "
                    "it has lost stored messages (restored from an old backup?)"
                )
                log_event(log, logging.ERROR, "peer.lost_messages", party=party, detail=detail)
                self._journal("peer.lost_messages", peer, detail, now)

    def _ledger_frame(self, peer: _Peer, frame: LedgerFrame, now: float) -> None:
        alarms, agreed = self._ledger_alarms, cast(tuple[str, ...], ())
        with self._guard(peer, "keep the ledger"):
            if isinstance(frame, CheckpointFrame):
                reply = peer.ledger.on_checkpoint(frame, now)
                peer.link.send_ledger(reply)
                if isinstance(reply, CosignatureFrame):
                    log_event(log, logging.DEBUG, "ledger.cosigned", party=peer.record.party, size=reply.size)
                    agreed = ("alarm.", "checkpoint.forged")  # this station, the witness, co-signed again
            elif isinstance(frame, CosignatureFrame):
                peer.ledger.on_cosignature(frame, now)
                agreed = ("checkpoint.refused", "cosignature.")  # the peer co-signed this station's log again
            else:
                peer.ledger.on_refusal(frame, now)
        if agreed and self._ledger_alarms == alarms:
            station_id = peer.record.station_id
            self._sentry("end ledger alarms", lambda: self.sentry.ledger_agreed(station_id, agreed, now))

    def _checkpoint(self, peer: _Peer, now: float) -> None:
        """Send a checkpoint of this station's log of the line when the policy says it is due."""
        if peer.link.current_connection is None:
            return
        with self._guard(peer, "make a checkpoint"):
            frame = peer.ledger.due_checkpoint(now, peer.clock_offset)
            if frame is not None:
                peer.link.send_ledger(frame)
                log_event(
                    log,
                    logging.DEBUG,
                    "ledger.checkpoint",
                    party=peer.record.party,
                    size=frame.start + len(frame.leaves),
                )

    def _alarm(self, peer: _Peer, alarm: AlarmRaised) -> None:
        log_event(log, logging.ERROR, "ledger.alarm", party=peer.record.party, kind=alarm.kind, detail=alarm.detail)
        self.hub.publish({"type": "alarm", "party": peer.record.party, "kind": alarm.kind, "detail": alarm.detail})
        self._journal("ledger.alarm", peer, f"{alarm.kind}: {alarm.detail}", self.clock())
        self._ledger_alarms += 1
        record = peer.record
        self._sentry(
            "raise a ledger alarm",
            lambda: self.sentry.ledger_alarm(record.station_id, record.party, alarm.kind, alarm.detail, self.clock()),
        )

    def _resend_receipt(self, peer: _Peer, envelope: Envelope, now: float) -> None:
        stored = None
        with self._guard(peer, "look up a stored receipt"):
            stored = self.store.incoming_receipt(peer.record.station_id, envelope.seq)
        if stored is None:
            return
        stored_hash, receipt_bytes = stored
        if stored_hash != envelope.hash:
            detail = (
                f"envelope seq {envelope.seq} ({envelope.id}) differs from the one stored under that "
                f"number ({stored_hash[:16]}…): the peer signed two different messages with one number"
            )
            log_event(
                log,
                logging.ERROR,
                "frame.refused",
                party=peer.record.party,
                code=RejectCode.CONFLICTING_ENVELOPE.value,
                detail=detail,
            )
            self._journal("frame.refused", peer, f"{RejectCode.CONFLICTING_ENVELOPE.value}: {detail}", now)
            peer.link.abort(RejectCode.CONFLICTING_ENVELOPE, detail, now)
            return
        log_event(log, logging.DEBUG, "message.duplicate", party=peer.record.party, seq=envelope.seq)
        peer.link.send_receipt(Receipt.from_json(parse_json(receipt_bytes)), now)

    def _feed(self, peer: _Peer) -> None:
        link = peer.link
        while link.window_space > 0:
            with self._guard(peer, "load queued messages"):
                batch = self.store.outgoing_after(peer.record.station_id, link.last_queued_seq, link.window_space)
            if not batch:
                return
            now = self.clock()
            for envelope in batch:
                link.send_envelope(envelope, now)
                peer.unmarked_sent.append(envelope.id)

    @contextlib.contextmanager
    def _guard(self, peer: _Peer, action: str) -> Iterator[None]:
        try:
            yield
        except StoreError as exc:
            log_event(log, logging.ERROR, "store.failed", party=peer.record.party, action=action, error=str(exc))

    def _journal(self, event: str, peer: _Peer, detail: str, now: float) -> None:
        with self._guard(peer, "write the journal"):
            self.store.journal(event, detail, format_time(now), peer.record.station_id)

    # --- background loops --------------------------------------------------------------------------

    async def _timer_loop(self) -> None:
        while True:
            now = self.clock()
            deadlines = [t for p in self._peers.values() if (t := p.link.next_timer()) is not None]
            delay = max(0.0, min(deadlines) - now) if deadlines else 1.0
            self._wake.clear()
            # asyncio.timeout, not wait_for: in Python 3.11 a cancellation that lands while
            # wait_for's own timeout fires comes out as TimeoutError and would be swallowed here.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(delay, 1.0)):
                    await self._wake.wait()
            now = self.clock()
            for peer in self._peers.values():
                deadline = peer.link.next_timer()
                if deadline is not None and deadline <= now:
                    peer.link.handle_timer(now)
                    self._process(peer)
                else:
                    self._checkpoint(peer, now)
                    self._flush(peer)

    async def _watch_loop(self) -> None:
        """Deadlines, escalation and watch checks, twice a second (more often while a backlog of
        steps is being worked through, a batch at a time)."""
        full = False
        while True:
            await asyncio.sleep(0 if full else _WATCH_INTERVAL)
            now = self.clock()
            up = {
                p.record.station_id: p.link.current_connection is not None or now - p.since < _LINK_WAIT_GRACE
                for p in self._peers.values()
            }
            try:
                escalated = self.watchman.tick(now, up, limit=_WATCH_BATCH)
                full = self.watchman.busy
            except StoreError as exc:
                log_event(log, logging.ERROR, "store.failed", action="watch deadlines", error=str(exc))
                full = False  # try again at the next interval, not at once
                continue
            try:
                checks = self.watchman.watch_checks_due(
                    now, [p.record for p in self._peers.values() if p.link.current_connection is not None]
                )
            except StoreError as exc:  # the steps just taken are still logged and notified below
                log_event(log, logging.ERROR, "store.failed", action="watch checks", error=str(exc))
                checks = []
            self._check_alarms(now)
            for step in escalated:
                log_event(
                    log,
                    logging.WARNING,
                    "watch.escalation",
                    party=step.party,
                    step=step.step.value,
                    message=step.message_id,
                    detail=step.detail,
                )
                peer = self._peers.get(step.peer)
                if peer is None:  # pinned a moment ago and not loaded yet: the step is recorded anyway
                    continue
                self.hub.publish(
                    {"type": "escalation", "id": step.message_id, "step": step.step.value, "detail": step.detail}
                )
                self._journal(f"watch.{step.step.value}", peer, step.detail, now)
                if step.notify and step.step is not Step.PEER_OVERDUE:  # the sentry tells of those
                    title = f"détente {self.config.party}: {step.detail.split(' (', 1)[0][:120]}"
                    config = self.config
                    body = (
                        f"{step.detail}\n\nstation: {config.name} ({config.party}, {config.station_id})\n"
                        f"line: {peer.record.party} ({peer.record.name})\nat: {format_time(now)}\n"
                    )
                    notice = Notice(step.message_id, step.peer, step.party, step.step.value, title, body)
                    self._spawn(self._notify(peer, notice), "notify")
            try:  # only a station with a console has people logged in to report (or their absence), if it will
                rosters = self.watchman.rosters_due(
                    now,
                    [p.record for p in self._peers.values() if p.link.current_connection is not None]
                    if self.config.console and self.config.watch.report_on_watch
                    else [],
                )
            except StoreError as exc:
                log_event(log, logging.ERROR, "store.failed", action="who is on watch", error=str(exc))
                rosters = []
            for record, roster in rosters:
                peer = self._peers[record.station_id]
                with self._guard(peer, "report who is on watch"):
                    envelope = queue_message(
                        self.home,
                        self.store,
                        peer=record.station_id,
                        kind=ROSTER,
                        precedence=Precedence.ROUTINE,
                        body=roster,
                        now=now,
                    )
                    self.watchman.roster_sent(record.station_id, roster, now)
                    log_event(
                        log,
                        logging.INFO,
                        "watch.roster_sent",
                        party=record.party,
                        id=envelope.id,
                        on_watch=len(roster["on_watch"]),
                    )
                    self._process(peer)
            for record in checks:
                peer = self._peers[record.station_id]
                with self._guard(peer, "send a watch check"):
                    envelope = queue_message(
                        self.home,
                        self.store,
                        peer=record.station_id,
                        kind=WATCH_CHECK,
                        precedence=Precedence.PRIORITY,
                        body=self.watchman.watch_check_body(),
                        now=now,
                    )
                    log_event(log, logging.INFO, "watch.check_sent", party=record.party, id=envelope.id)
                    self._process(peer)

    async def _notify(self, peer: _Peer, notice: Notice) -> None:
        """Tell the supervisors through each configured channel, and record what each did (or
        that none is configured) in the message's history."""
        urls = self.config.watch.notify
        try:
            outcomes = await asyncio.to_thread(notify_each, urls, notice.title, notice.body) if urls else []
        except Exception as exc:  # a supervisors' channel that fails must never stop the line
            log_event(log, logging.ERROR, "watch.notify_failed", party=peer.record.party, error=repr(exc))
            self._journal("watch.notify_failed", peer, repr(exc), self.clock())
            return
        now = self.clock()
        rows = []
        with self._guard(peer, "record what the supervisors were told"):
            rows = self.sentry.notified(notice, outcomes, now)
        for row in rows:
            what = f"{notice.message} {notice.step}: {row.channel or '-'} to {row.recipient or '-'}: {row.outcome}"
            if row.outcome == "delivered":
                log_event(log, logging.INFO, "watch.notified", party=peer.record.party, detail=what)
                self._journal("watch.notified", peer, f"{what}; {notice.title}", now)
            elif row.outcome == "failed":
                log_event(log, logging.ERROR, "watch.notify_failed", party=peer.record.party, error=row.reason)
                self._journal("watch.notify_failed", peer, f"{what} ({row.reason})", now)
            else:
                log_event(log, logging.WARNING, "watch.not_notified", party=peer.record.party, detail=row.reason)
                self._journal("watch.not_notified", peer, f"{notice.message} {notice.step}: {row.reason}", now)
        self.hub.publish({"type": "message", "id": notice.message})

    def _check_alarms(self, now: float) -> None:
        """Each line's paths and clock, and the messages awaiting a person, into the alarms."""
        for peer in self._peers.values():
            self._sentry("watch the line", functools.partial(self._check_line, peer, now))
        if now - self._deadlines_checked < _STATUS_INTERVAL:  # a second is fine-grained enough for deadlines
            return
        self._deadlines_checked = now
        notices: list[Notice] = []

        def messages() -> None:
            notices.extend(self.sentry.check_messages([(p.record.station_id, p.record.party) for p in self.peers], now))

        self._sentry("watch the deadlines", messages)
        lines = [(p.record.station_id, p.record.party) for p in self.peers]
        self._sentry("watch who is on watch at the peers", lambda: self.sentry.check_rosters(lines, now))
        self._sentry("end quiet login alarms", lambda: self.sentry.logins_quiet(now, quiet_after=LOGIN_QUIET))
        for notice in notices:
            if (target := self._peers.get(notice.peer)) is not None:
                self._spawn(self._notify(target, notice), "notify")

    def _check_line(self, peer: _Peer, now: float) -> None:
        up = peer.link.current_connection is not None
        self.sentry.check_line(self._line_seen(peer), now, clock_offset=peer.clock_offset, up=up)

    def _line_seen(self, peer: _Peer) -> LineSeen:
        waiting = self.store.waiting_by_precedence(peer.record.station_id)
        party = peer.record.party
        return LineSeen(
            party=party,
            peer=peer.record.station_id,
            paths=tuple(
                PathSeen(name, peer.link.last_heard(name), self._path_seen(peer, name).detail)
                for name in peer.link.config.paths
            ),
            waiting=sum(waiting.values()),
            waiting_flash=waiting.get(Precedence.FLASH.value, 0),
            waiting_immediate=waiting.get(Precedence.IMMEDIATE.value, 0),
            contact=self.config.contacts.get(party),
            courier=f"detente courier export --home {self.home.path} --to {party} --out FILE",
        )

    def _sentry(self, action: str, step: Callable[[], object]) -> None:
        try:
            step()
        except StoreError as exc:
            log_event(log, logging.ERROR, "store.failed", action=action, error=str(exc))

    def _open_wake_socket(self) -> None:
        """Bind HOME/serve.wake, which ``queue_message`` in another process (``detente send``)
        pokes after it commits, so that the message goes out at once rather than at the next
        poll of the database; the poll stays, for anything that does not poke."""
        path = self.home.path / WAKE_SOCKET
        try:
            path.unlink(missing_ok=True)  # left by a killed serve; the serve lock makes it ours
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.setblocking(False)
            sock.bind(str(path))
        except OSError as exc:
            log_event(log, logging.WARNING, "station.no_wake_socket", path=str(path), error=str(exc))
            return
        self._wake_socket = sock
        asyncio.get_running_loop().add_reader(sock.fileno(), self._poked_by_send)

    def _poked_by_send(self) -> None:
        if self._wake_socket is None:
            return
        with contextlib.suppress(OSError):  # read every poke waiting: a burst is one wake-up
            while self._wake_socket.recv(16):
                pass
        self._poked.set()

    def _close_wake_socket(self) -> None:
        if self._wake_socket is None:
            return
        asyncio.get_running_loop().remove_reader(self._wake_socket.fileno())
        self._wake_socket.close()
        self._wake_socket = None
        with contextlib.suppress(OSError):
            (self.home.path / WAKE_SOCKET).unlink()

    async def _watch_store(self) -> None:
        last_status = 0.0
        while True:
            with contextlib.suppress(TimeoutError):  # woken by a poke, or polls every 50 ms
                async with asyncio.timeout(_POLL_INTERVAL):
                    await self._poked.wait()
            self._poked.clear()
            try:
                changed = self.store.changed_elsewhere()
            except StoreError as exc:
                log_event(log, logging.ERROR, "store.failed", action="poll", error=str(exc))
                continue
            if changed:
                self._load_peers()
                for peer in self._peers.values():
                    self._notice_line_moved(peer)
                    self._process(peer)
                self.hub.publish({"type": "refresh"})  # another process (`detente send`): consoles reload
            for peer in self._peers.values():
                if peer.needs_rebuild:
                    self._rebuild(peer)
            now = self.clock()
            if now - last_status >= _STATUS_INTERVAL:
                last_status = now
                for peer in self._peers.values():
                    self._save_status(peer, force=True)
                self._save_listener_counts(now)

    def _save_listener_counts(self, now: float) -> None:
        """What the link listener admitted and refused, for `status --json` (when it changed)."""
        counts = self._gate.counts()
        if counts == self._saved_counts:
            return
        value = {"pending": counts.pending, "admitted": counts.admitted, "refused": counts.refused}
        try:
            self.store.set_meta(LISTENER_COUNTS, json.dumps(value | {"updated_at": format_time(now)}))
        except StoreError as exc:
            log_event(log, logging.ERROR, "store.failed", action="save listener counts", error=str(exc))
            return
        self._saved_counts = counts

    def _notice_line_moved(self, peer: _Peer) -> None:
        """Another process (`courier import`) took in messages or receipts of this line: the
        store is ahead of the link, which starts afresh from it."""
        try:
            cursor = self.store.receive_cursor(peer.record.station_id)
            receipted = self.store.receipted_through(peer.record.station_id)
        except StoreError:
            return  # the next poll looks again
        if cursor.next_seq > peer.link.next_expected_seq or receipted > peer.link.receipted_through:
            peer.needs_rebuild = True
            peer.rebuild_reason = "messages or receipts arrived by another path (a courier file)"

    def _save_status(self, peer: _Peer, *, force: bool = False) -> None:
        if not (force or peer.status_dirty):
            return
        now = self.clock()
        status = LinkStatus(
            peer=peer.record.station_id,
            state=peer.link.state.value,
            since=format_time(peer.since),
            detail=peer.detail,
            round_trip=peer.round_trip,
            clock_offset=peer.clock_offset,
            last_heartbeat=format_time(peer.last_heartbeat) if peer.last_heartbeat else None,
            updated_at=format_time(now),
            serve_pid=os.getpid(),
            paths=self._path_statuses(peer),
        )
        with self._guard(peer, "save link status"):
            self.store.save_link_status(status)
            peer.status_dirty = False

    def _path_statuses(self, peer: _Peer) -> tuple[PathStatus, ...]:
        link = peer.link
        current = link.current_path
        statuses = []
        for name in link.config.paths:
            seen = self._path_seen(peer, name)
            established = any(p == name for c, p in peer.conn_paths.items() if c in peer.streams)
            if name == current:
                state = "current"
            elif established and "established" in seen.detail:
                state = "standby"
            elif link.path_state(name).value != "WAITING" or established:
                state = "connecting"
            else:
                state = "down"
            if name != "direct" and (relay := self._relays.get(name)) is not None and not relay.connected:
                detail = f"{relay.detail}; {seen.detail}"
            else:
                detail = seen.detail
            statuses.append(
                PathStatus(
                    name=name,
                    state=state,
                    round_trip=seen.round_trip,
                    last_success=format_time(seen.last_success) if seen.last_success else None,
                    detail=detail,
                )
            )
        return tuple(statuses)


class _ConsoleServer(uvicorn.Server):
    """uvicorn inside the station's loop: the station, not uvicorn, handles SIGINT and SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _in_frame_order(events: list[ev.Event]) -> list[list[ev.Event]]:
    """Split a batch of events so that each ledger frame is handled after exactly the messages
    and receipts that arrived before it (a checkpoint must cover what preceded it, not what
    followed it in the same read)."""
    batches: list[list[ev.Event]] = [[]]
    for event in events:
        if isinstance(event, ev.LedgerFrameReceived):
            batches.append([event])
            batches.append([])
        else:
            batches[-1].append(event)
    return [batch for batch in batches if batch]
