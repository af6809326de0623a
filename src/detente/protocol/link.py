"""The link to one peer: a sans-I/O state machine.

Bytes, envelopes and the current time go in; events and bytes come out. The link never reads
a clock, opens a socket or touches a file: its driver (``detente.station``) does that and calls

* ``connection_made`` / ``receive_data`` / ``connection_lost`` for each transport connection,
* ``send_envelope`` for each stored outgoing envelope, in sequence order, while
  ``window_space`` allows, and ``send_receipt`` once a received envelope is stored,
* ``handle_timer(now)`` no later than ``next_timer()``,

and after every call drains ``events()`` and writes ``data_to_send(c)`` for each connection
in ``pending_output()``.

Reliability: each direction numbers its envelopes 1, 2, 3, … and chains them by hash. The
receiver accepts only the next number whose ``prev`` is the hash of the last one it accepted;
an envelope below that is a duplicate (its stored receipt is sent again), one above is held in
a reorder buffer no larger than the window. The sender keeps every envelope until its signed
receipt arrives, re-sends all of them on each new connection and, while a connection lasts,
after a retransmission timeout that doubles up to a maximum. Heartbeats (ping/pong) run on
every established connection; silence longer than ``dead_after`` closes it.

Paths: the driver names the path each connection travels (``"direct"``, ``"relay:NAME"``).
Connections on different paths stay open side by side, each with its own heartbeats; the link
is carried by the established connection on the most preferred path (``LinkConfig.paths``
order) that has been heard from within ``failover_after``. When it closes or falls silent the
link moves at once to the next such connection and sends every unreceipted envelope again
there; when a more preferred path comes back, the link moves back. Both sides number and chain
envelopes the same whichever path carries them, so a message that travels two paths is still
delivered once.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import LocalProtocolError, RemoteProtocolError
from . import events as ev
from .codes import CloseReason, RejectCode
from .envelope import GENESIS_HASH, PROTOCOL_VERSION, Envelope, Receipt
from .frames import (
    DEFAULT_MAX_FRAME,
    Bye,
    CheckpointFrame,
    CosignatureFrame,
    CosignatureRefusedFrame,
    EnvelopeFrame,
    ErrorFrame,
    Frame,
    FrameDecoder,
    Hello,
    LedgerFrame,
    Ping,
    Pong,
    ReceiptFrame,
    encode_frame,
    parse_frame,
)
from .signing import Verifier
from .states import ConnState, Input, LinkState, PathState, advance

__all__ = ["Link", "LinkConfig", "ReceiveCursor"]

_KEPT_PINGS = 8
_MAX_DETAIL = 500  # characters of an error frame's detail (the receiver accepts up to 2000)
_LONG_LIVED = 30.0  # a link up this long resets the reconnection backoff when it drops


@dataclass(frozen=True)
class LinkConfig:
    """Timers and limits of one link. Times are in seconds."""

    heartbeat_interval: float = 1.0
    """How often each side pings on every established connection."""
    dead_after: float = 3.0
    """Silence (no frame at all) after which a connection is declared dead."""
    handshake_timeout: float = 5.0
    """How long a new connection may take to exchange hellos."""
    window: int = 256
    """Most envelopes in flight without a receipt; also the receiver's reorder-buffer bound."""
    max_frame: int = DEFAULT_MAX_FRAME
    """Largest frame accepted from the peer, in bytes."""
    retransmit_initial: float = 3.0
    """Time without progress before unreceipted envelopes are sent again on the same connection."""
    retransmit_max: float = 60.0
    """Upper bound of the doubling retransmission timeout."""
    reconnect_initial: float = 0.25
    """First reconnection delay; it doubles per failure, with jitter, up to ``reconnect_max``."""
    reconnect_max: float = 5.0
    """Upper bound of the reconnection delay."""
    dial: bool = True
    """Whether this side connects to the peer (otherwise it only accepts connections)."""
    paths: tuple[str, ...] = ("direct",)
    """The paths to the peer, most preferred first; this side dials each of them if ``dial``."""
    failover_after: float = 2.0
    """Silence on the current connection after which the link moves to a connection on another
    path that has been heard from more recently (the silent one stays open until ``dead_after``)."""
    versions: tuple[int, ...] = (PROTOCOL_VERSION,)
    """Protocol versions this side speaks; the highest common one is used."""

    def __post_init__(self) -> None:
        if self.heartbeat_interval <= 0 or self.dead_after <= self.heartbeat_interval:
            raise ValueError("dead_after must be longer than heartbeat_interval, and both positive")
        if not self.heartbeat_interval < self.failover_after <= self.dead_after:
            raise ValueError("failover_after must be longer than heartbeat_interval and at most dead_after")
        if not self.paths or len(set(self.paths)) != len(self.paths):
            raise ValueError("paths must name at least one path, each once")
        if self.window < 1:
            raise ValueError("window must be at least 1")
        if self.max_frame < 4096:
            raise ValueError("max_frame must be at least 4096 bytes")
        if self.reconnect_initial <= 0 or self.reconnect_max < self.reconnect_initial:
            raise ValueError("reconnect delays must be positive, with max >= initial")
        if self.retransmit_initial <= 0 or self.retransmit_max < self.retransmit_initial:
            raise ValueError("retransmit timeouts must be positive, with max >= initial")


@dataclass(frozen=True)
class ReceiveCursor:
    """Where the receiving direction stands, as stored: the next sequence number expected and
    the hash of the last envelope accepted (GENESIS_HASH before the first)."""

    next_seq: int = 1
    last_hash: str = GENESIS_HASH


class _Path:
    """Dialing on one path: its state, the next attempt and the backoff."""

    def __init__(self, name: str, rank: int) -> None:
        self.name = name
        self.rank = rank
        self.state: PathState = PathState.WAITING
        self.next_dial_at: float | None = None
        self.attempts = 0
        self.open_since = 0.0

    def move(self, event: Input) -> None:
        self.state = advance(self.state, event)  # type: ignore[assignment]


class _Connection:
    def __init__(self, ident: int, path: _Path, dialed: bool, now: float, max_frame: int) -> None:
        self.id = ident
        self.path = path
        self.dialed = dialed
        self.state: ConnState = ConnState.HANDSHAKING
        self.decoder = FrameDecoder(max_frame)
        self.output = bytearray()
        self.opened_at = now
        self.established_at = now
        self.last_received = now
        self.next_ping_at = now
        self.ping_counter = 0
        self.pings: OrderedDict[int, float] = OrderedDict()
        self.version = 0
        self.receipted_at_open = 0
        """Our receipted_through when the connection was made: the peer's hello may have been
        written before receipts that arrive later on another connection, so only receipts we
        held before this connection existed prove that the peer has lost messages."""

    @property
    def closed(self) -> bool:
        return self.state is ConnState.CLOSED

    def write(self, frame: Frame) -> None:
        self.output += encode_frame(frame)


class Link:
    """The link from ``local`` to ``peer``. See the module docstring for the driver's duties."""

    def __init__(
        self,
        *,
        local: str,
        peer: str,
        peer_keys: Mapping[str, Verifier],
        now: float,
        cursor: ReceiveCursor | None = None,
        receipted_through: int = 0,
        config: LinkConfig | None = None,
        rng: random.Random | None = None,
    ) -> None:
        """``cursor`` is the stored receiving position; ``receipted_through`` is the highest
        outgoing sequence number whose receipt is stored (the next envelope sent is above it)."""
        if local == peer:
            raise LocalProtocolError("a station cannot link to itself")
        self.local = local
        self.peer = peer
        self.config = config or LinkConfig()
        self._keys = dict(peer_keys)
        self._rng = rng or random.Random()
        self._events: list[ev.Event] = []
        self._conns: dict[int, _Connection] = {}
        self._current: _Connection | None = None
        self._state: LinkState = LinkState.DOWN
        self._closing = False
        self._aborting = False
        self._now = now
        """The latest time the driver has passed in (to arm no timer that has already passed)."""
        # receiving direction
        cursor = cursor or ReceiveCursor()
        self._recv_next = cursor.next_seq
        self._recv_last_hash = cursor.last_hash
        self._reorder: dict[int, Envelope] = {}
        self._acked = cursor.next_seq - 1
        # sending direction
        self._unacked: OrderedDict[int, Envelope] = OrderedDict()
        self._receipted_through = receipted_through
        self._last_queued = receipted_through
        self._rto = self.config.retransmit_initial
        self._last_progress = now
        # paths and reconnection
        self._paths: dict[str, _Path] = {}
        for name in self.config.paths:
            path = self._path(name)
            path.next_dial_at = now if self.config.dial else None

    # --- what the driver reads ------------------------------------------------------------

    @property
    def state(self) -> LinkState:
        return self._state

    @property
    def current_connection(self) -> int | None:
        return self._current.id if self._current else None

    @property
    def current_path(self) -> str | None:
        return self._current.path.name if self._current else None

    def path_state(self, path: str) -> PathState:
        known = self._paths.get(path)
        return known.state if known else PathState.WAITING

    def last_heard(self, path: str) -> float | None:
        """When a frame last arrived on an established connection of ``path`` (None: none is)."""
        return max((c.last_received for c in self._established() if c.path.name == path), default=None)

    def connection_path(self, connection: int) -> str | None:
        conn = self._conns.get(connection)
        return conn.path.name if conn else None

    @property
    def window_space(self) -> int:
        return self.config.window - len(self._unacked)

    @property
    def unacked(self) -> int:
        return len(self._unacked)

    @property
    def next_expected_seq(self) -> int:
        return self._recv_next

    @property
    def receipted_through(self) -> int:
        """Every envelope up to this sequence number has its receipt."""
        return self._receipted_through

    @property
    def last_queued_seq(self) -> int:
        return self._last_queued

    @property
    def reorder_buffered(self) -> int:
        return len(self._reorder)

    def buffered_bytes(self) -> int:
        """Bytes held for all connections, outgoing and partially decoded incoming."""
        return sum(len(c.output) + c.decoder.buffered for c in self._conns.values())

    def events(self) -> list[ev.Event]:
        out, self._events = self._events, []
        return out

    def pending_output(self) -> list[int]:
        return [c.id for c in self._conns.values() if c.output]

    def data_to_send(self, connection: int) -> bytes:
        conn = self._conns.get(connection)
        if conn is None:
            return b""
        data = bytes(conn.output)
        conn.output.clear()
        if conn.state is ConnState.CLOSED:
            del self._conns[connection]
        return data

    def next_timer(self) -> float | None:
        deadlines: list[float] = []
        for conn in self._conns.values():
            if conn.state is ConnState.HANDSHAKING:
                deadlines.append(conn.opened_at + self.config.handshake_timeout)
            elif conn.state is ConnState.ESTABLISHED:
                deadlines.append(conn.next_ping_at)
                deadlines.append(conn.last_received + self.config.dead_after)
        if self._current is not None and self._unacked:
            deadlines.append(self._last_progress + self._rto)
        current = self._current
        if current is not None and any(c.last_received > current.last_received for c in self._established()):
            failover = current.last_received + self.config.failover_after
            if failover > self._now:  # once passed without a move, a frame on another path moves it
                deadlines.append(failover)
        if self._dialing_allowed():
            deadlines += [p.next_dial_at for p in self._paths.values() if p.next_dial_at is not None]
        return min(deadlines) if deadlines else None

    # --- what the driver calls --------------------------------------------------------------

    def connection_made(self, connection: int, *, dialed: bool, now: float, path: str = "direct") -> None:
        if connection in self._conns:
            raise LocalProtocolError(f"connection {connection} is already known")
        route = self._path(path)
        conn = _Connection(connection, route, dialed, now, self.config.max_frame)
        conn.receipted_at_open = self._receipted_through
        self._conns[connection] = conn
        route.move(Input.DIAL_CONNECTED if dialed and route.state is PathState.DIALING else Input.CONNECTION_MADE)
        if route.state is PathState.OPEN:
            route.next_dial_at = None
            if len(self._on_path(route)) == 1:
                route.open_since = now
        if self._closing:
            self._close(conn, Input.CLOSED_LOCALLY, CloseReason.SHUTDOWN, "station is shutting down", now=now, bye=True)
            return
        conn.write(Hello(self.config.versions, self.local, self._recv_next, _micros(now)))

    def dial_failed(self, now: float, path: str = "direct") -> None:
        """The connection attempt on ``path`` asked for by DialRequested failed; the next one is
        scheduled (unless a connection on that path was made meanwhile)."""
        route = self._path(path)
        if route.state is PathState.DIALING:
            route.move(Input.DIAL_FAILED)
            self._schedule_dial(route, now)

    def receive_data(self, connection: int, data: bytes, now: float) -> None:
        conn = self._conns.get(connection)
        if conn is None or conn.state is ConnState.CLOSED:
            return
        conn.last_received = now
        try:
            for payload in conn.decoder.feed(data):
                self._handle_frame(conn, parse_frame(payload), now)
                if conn.closed:
                    return
        except RemoteProtocolError as exc:
            self._refuse(conn, exc.code, exc.detail, now)
            return
        self._choose_current(now)

    def connection_lost(self, connection: int, now: float, detail: str = "") -> None:
        conn = self._conns.pop(connection, None)
        if conn is None or conn.state is ConnState.CLOSED:
            return
        if conn.state is ConnState.HANDSHAKING:
            reason, detail = (
                CloseReason.CLOSED_BEFORE_HELLO,
                (f"{detail or 'connection closed'} before the peer's hello (does the peer have this station pinned?)"),
            )
        else:
            reason, detail = CloseReason.TRANSPORT_CLOSED, detail or "connection closed"
        self._close(conn, Input.TRANSPORT_LOST, reason, detail, now=now)

    def send_envelope(self, envelope: Envelope, now: float) -> None:
        if envelope.sender != self.local or envelope.recipient != self.peer:
            raise LocalProtocolError(f"envelope {envelope.id} is not from {self.local} to {self.peer}")
        if envelope.seq != self._last_queued + 1:
            raise LocalProtocolError(
                f"envelope {envelope.id} has seq {envelope.seq}; the link expects {self._last_queued + 1}"
            )
        if self.window_space <= 0:
            raise LocalProtocolError("send window is full; wait for receipts before sending more")
        if not self._unacked:
            self._last_progress = now
        self._unacked[envelope.seq] = envelope
        self._last_queued = envelope.seq
        if self._current is not None:
            self._current.write(EnvelopeFrame(envelope))

    def send_receipt(self, receipt: Receipt, now: float) -> None:
        if receipt.seq >= self._recv_next:
            raise LocalProtocolError(f"receipt for seq {receipt.seq}, which this link has not accepted")
        self._acked = max(self._acked, receipt.seq)
        if self._current is not None:
            self._current.write(ReceiptFrame(self._acked, receipt))

    def send_ledger(self, frame: LedgerFrame) -> bool:
        """Write a checkpoint, cosignature or refusal on the current connection. These frames are
        not retransmitted: the ledger sends a newer checkpoint if one goes unanswered. Returns
        False (and sends nothing) while the link is down."""
        if self._current is None:
            return False
        self._current.write(frame)
        return True

    def abort(self, code: str, detail: str, now: float, cursor: ReceiveCursor | None = None) -> None:
        """Close every connection with an ``error`` frame (e.g. storage failed, or the peer sent a
        conflicting duplicate). With ``cursor``, the receiving position goes back to what is
        stored, so that the peer resends whatever was not."""
        self._aborting = True
        try:
            for conn in list(self._conns.values()):
                if conn.state is not ConnState.CLOSED:
                    conn.write(ErrorFrame(code, detail))
                    self._close(conn, Input.CLOSED_LOCALLY, code, detail, now=now)
        finally:
            self._aborting = False
        if cursor is not None:
            self._recv_next = cursor.next_seq
            self._recv_last_hash = cursor.last_hash
            self._acked = cursor.next_seq - 1
            self._reorder.clear()

    def close(self, now: float) -> None:
        """Orderly shutdown: say bye on every connection and stop dialing."""
        self._closing = True
        for conn in list(self._conns.values()):
            if conn.state is not ConnState.CLOSED:
                self._close(
                    conn, Input.CLOSED_LOCALLY, CloseReason.SHUTDOWN, "station is shutting down", now=now, bye=True
                )

    def handle_timer(self, now: float) -> None:
        self._now = max(self._now, now)
        for conn in list(self._conns.values()):
            if conn.state is ConnState.HANDSHAKING and now >= conn.opened_at + self.config.handshake_timeout:
                self._close(
                    conn,
                    Input.HANDSHAKE_TIMEOUT,
                    CloseReason.HANDSHAKE_TIMEOUT,
                    f"no hello within {self.config.handshake_timeout:g} s",
                    now=now,
                )
            elif conn.state is ConnState.ESTABLISHED:
                if now >= conn.last_received + self.config.dead_after:
                    self._close(
                        conn,
                        Input.SILENCE_TIMEOUT,
                        CloseReason.LINK_TIMEOUT,
                        f"no frame from the peer for {now - conn.last_received:.1f} s",
                        now=now,
                    )
                    continue
                if now >= conn.next_ping_at:
                    self._ping(conn, now)
        self._choose_current(now)
        if self._current is not None and self._unacked and now >= self._last_progress + self._rto:
            self._retransmit(self._current, now)
            self._rto = min(self._rto * 2, self.config.retransmit_max)
        if self._dialing_allowed():
            for route in self._paths.values():
                if route.next_dial_at is not None and now >= route.next_dial_at:
                    route.next_dial_at = None
                    route.move(Input.DIAL_DUE)
                    self._events.append(ev.DialRequested(route.name))

    # --- frames -------------------------------------------------------------------------------

    def _handle_frame(self, conn: _Connection, frame: Frame, now: float) -> None:
        if isinstance(frame, (ErrorFrame, Bye)):
            code = frame.code if isinstance(frame, ErrorFrame) else CloseReason.PEER_CLOSED.value
            detail = frame.detail if isinstance(frame, ErrorFrame) else f"peer said bye: {frame.reason}"
            if isinstance(frame, ErrorFrame):
                self._events.append(ev.PeerErrorReported(conn.id, frame.code, frame.detail))
            self._close(conn, Input.PEER_CLOSED, code, detail, now=now)
            return
        if conn.state is ConnState.HANDSHAKING:
            if not isinstance(frame, Hello):
                raise RemoteProtocolError(RejectCode.UNEXPECTED_FRAME, f"{_name(frame)} frame before hello")
            self._handle_hello(conn, frame, now)
            return
        if isinstance(frame, Hello):
            raise RemoteProtocolError(RejectCode.UNEXPECTED_FRAME, "second hello on an established connection")
        advance(conn.state, Input.FRAME_ACCEPTED)
        if isinstance(frame, EnvelopeFrame):
            self._handle_envelope(frame.envelope)
        elif isinstance(frame, ReceiptFrame):
            self._handle_receipt(frame.receipt, now)
        elif isinstance(frame, Ping):
            conn.write(Pong(frame.n, frame.time_us, _micros(now)))
        elif isinstance(frame, (CheckpointFrame, CosignatureFrame, CosignatureRefusedFrame)):
            self._events.append(ev.LedgerFrameReceived(conn.id, frame))
        elif isinstance(frame, Pong):
            sent = conn.pings.pop(frame.n, None)
            if sent is not None and _micros(sent) == frame.echo_us:
                rtt = max(0.0, now - sent)
                offset = frame.time_us / 1e6 - (sent + rtt / 2)
                self._events.append(ev.HeartbeatAnswered(conn.id, rtt, offset))

    def _handle_hello(self, conn: _Connection, hello: Hello, now: float) -> None:
        if hello.station != self.peer:
            self._refuse(
                conn,
                RejectCode.UNEXPECTED_STATION,
                f"hello names station {hello.station!r}; this connection is pinned to {self.peer}",
                now,
                Input.HELLO_REFUSED,
            )
            return
        common = set(hello.versions) & set(self.config.versions)
        if not common:
            self._refuse(
                conn,
                RejectCode.UNSUPPORTED_VERSION,
                f"we speak protocol versions {list(self.config.versions)}; the peer offered {list(hello.versions)[:8]}",
                now,
                Input.HELLO_REFUSED,
            )
            return
        conn.state = advance(conn.state, Input.HELLO_ACCEPTED)  # type: ignore[assignment]
        conn.version = max(common)
        conn.established_at = now
        conn.next_ping_at = now + self.config.heartbeat_interval
        if hello.next_seq <= conn.receipted_at_open:
            self._events.append(ev.PeerLostMessages(hello.next_seq, conn.receipted_at_open))
        # One established connection per path: of two (both sides dialed at once, or a newer one
        # from the same dialer), both sides keep the same one.
        twin = next((c for c in self._established() if c.path is conn.path and c is not conn), None)
        if twin is not None and self._preferred(twin, conn):
            self._close(
                conn, Input.SUPERSEDED, CloseReason.SUPERSEDED, f"connection {twin.id} is preferred", now=now, bye=True
            )
            return
        self._events.append(ev.ConnectionEstablished(conn.id, conn.path.name, conn.version, conn.dialed))
        current = self._current
        if current is None:
            self._move(Input.CONNECTION_ESTABLISHED)
            self._current = conn
            self._events.append(ev.LinkEstablished(conn.id, conn.version, conn.dialed, hello.next_seq, conn.path.name))
            if self._unacked:
                self._retransmit(conn, now)
        elif current is twin or conn.path.rank < current.path.rank:
            self._switch(conn, now, "preferred path is back" if current is not twin else "newer connection")
        if twin is not None:
            self._close(
                twin, Input.SUPERSEDED, CloseReason.SUPERSEDED, f"connection {conn.id} is preferred", now=now, bye=True
            )

    def _handle_envelope(self, envelope: Envelope) -> None:
        if envelope.sender != self.peer or envelope.recipient != self.local:
            raise RemoteProtocolError(
                RejectCode.MISADDRESSED,
                f"envelope {envelope.id} is from {envelope.sender} to {envelope.recipient}; "
                f"this link carries {self.peer} to {self.local}",
            )
        envelope.verify(self._keys)
        seq = envelope.seq
        if seq < self._recv_next:
            self._events.append(ev.DuplicateEnvelopeReceived(envelope))
            return
        if seq >= self._recv_next + self.config.window:
            raise RemoteProtocolError(
                RejectCode.SEQUENCE_GAP,
                f"envelope seq {seq} is beyond the window (expecting {self._recv_next}, window {self.config.window})",
            )
        if seq > self._recv_next:
            self._reorder.setdefault(seq, envelope)
            return
        self._accept(envelope)
        while self._recv_next in self._reorder:
            self._accept(self._reorder.pop(self._recv_next))

    def _accept(self, envelope: Envelope) -> None:
        if envelope.prev != self._recv_last_hash:
            raise RemoteProtocolError(
                RejectCode.BROKEN_CHAIN,
                f"envelope {envelope.id} seq {envelope.seq} says the previous hash is {envelope.prev[:16]}…, "
                f"but the envelope received before it hashes to {self._recv_last_hash[:16]}…",
            )
        self._recv_next += 1
        self._recv_last_hash = envelope.hash
        self._events.append(ev.EnvelopeReceived(envelope))

    def _handle_receipt(self, receipt: Receipt, now: float) -> None:
        if receipt.sender != self.peer or receipt.recipient != self.local:
            raise RemoteProtocolError(
                RejectCode.MISADDRESSED,
                f"receipt for seq {receipt.seq} is from {receipt.sender} to {receipt.recipient}",
            )
        receipt.verify(self._keys)
        envelope = self._unacked.get(receipt.seq)
        if envelope is None:
            if receipt.seq <= self._last_queued:
                return  # a receipt for an envelope already receipted: harmless repetition
            raise RemoteProtocolError(
                RejectCode.UNKNOWN_RECEIPT, f"receipt for seq {receipt.seq}, which was never sent"
            )
        if receipt.envelope_hash != envelope.hash or receipt.message_id != envelope.id:
            raise RemoteProtocolError(
                RejectCode.RECEIPT_MISMATCH,
                f"receipt for seq {receipt.seq} names envelope {receipt.message_id} / {receipt.envelope_hash[:16]}…, "
                f"but we sent {envelope.id} / {envelope.hash[:16]}…",
            )
        del self._unacked[receipt.seq]
        self._receipted_through = (next(iter(self._unacked)) - 1) if self._unacked else self._last_queued
        self._last_progress = now
        self._rto = self.config.retransmit_initial
        self._events.append(ev.ReceiptReceived(receipt, envelope))

    # --- helpers --------------------------------------------------------------------------------

    def _refuse(self, conn: _Connection, code: str, detail: str, now: float, how: Input = Input.FRAME_REFUSED) -> None:
        detail = detail if len(detail) <= _MAX_DETAIL else detail[: _MAX_DETAIL - 1] + "…"
        self._events.append(ev.FrameRefused(conn.id, code, detail))
        conn.write(ErrorFrame(code, detail))
        self._close(conn, how, code, detail, now=now)

    def _close(
        self,
        conn: _Connection,
        how: Input,
        reason: str,
        detail: str,
        *,
        now: float,
        bye: bool = False,
    ) -> None:
        if bye:
            conn.write(Bye(reason))
        conn.state = advance(conn.state, how)  # type: ignore[assignment]
        if not conn.output:
            self._conns.pop(conn.id, None)
        self._events.append(ev.ConnectionClosed(conn.id, reason, detail))
        route = conn.path
        if not self._on_path(route):
            route.move(Input.PATH_CLOSED)
            if route.state is PathState.WAITING:
                if now - route.open_since >= _LONG_LIVED:
                    route.attempts = 0
                self._schedule_dial(route, now)
        if conn is not self._current:
            return
        successor = None if self._closing or self._aborting else self._best(now, fresh_only=False)
        if successor is not None:
            self._switch(successor, now, f"{reason}: {detail}")
            return
        self._current = None
        self._move(Input.CURRENT_CLOSED)
        self._events.append(ev.LinkLost(reason, detail))

    def _preferred(self, current: _Connection, new: _Connection) -> bool:
        """True if ``current`` should be kept over ``new``: both sides apply the same rule, so
        they keep the same connection when both dialed at once."""
        lower_is_local = self.local < self.peer
        return (current.dialed == lower_is_local) and (new.dialed != lower_is_local)

    def _retransmit(self, conn: _Connection, now: float) -> None:
        for envelope in self._unacked.values():
            conn.write(EnvelopeFrame(envelope))
        self._last_progress = now
        first = next(iter(self._unacked))
        self._events.append(ev.EnvelopesRetransmitted(conn.id, first, len(self._unacked)))

    def _ping(self, conn: _Connection, now: float) -> None:
        conn.ping_counter += 1
        conn.pings[conn.ping_counter] = now
        while len(conn.pings) > _KEPT_PINGS:
            conn.pings.popitem(last=False)
        conn.write(Ping(conn.ping_counter, _micros(now), self._acked))
        conn.next_ping_at = now + self.config.heartbeat_interval

    def _path(self, name: str) -> _Path:
        route = self._paths.get(name)
        if route is None:
            rank = self.config.paths.index(name) if name in self.config.paths else len(self.config.paths)
            route = self._paths[name] = _Path(name, rank)
        return route

    def _on_path(self, route: _Path) -> list[_Connection]:
        return [c for c in self._conns.values() if c.path is route and c.state is not ConnState.CLOSED]

    def _established(self) -> list[_Connection]:
        return [c for c in self._conns.values() if c.state is ConnState.ESTABLISHED]

    def _best(self, now: float, *, fresh_only: bool) -> _Connection | None:
        """The established connection on the most preferred path, among those heard from within
        ``failover_after`` if any is (or all of them unless ``fresh_only``)."""
        established = [c for c in self._established() if c is not self._current or not fresh_only]
        fresh = [c for c in established if now - c.last_received < self.config.failover_after]
        pool = fresh or ([] if fresh_only else established)
        return min(pool, key=lambda c: (c.path.rank, -c.last_received), default=None)

    def _choose_current(self, now: float) -> None:
        """Fail over from a silent current connection to a live one on another path, and back to a
        more preferred path whose connection is heard from again."""
        self._now = max(self._now, now)
        current = self._current
        if current is None:
            return
        live = self._best(now, fresh_only=True)
        if live is None:
            return
        silent = now - current.last_received >= self.config.failover_after
        if silent:
            self._switch(live, now, f"no frame on {current.path.name} for {now - current.last_received:.1f} s")
        elif live.path.rank < current.path.rank:
            self._switch(live, now, f"{live.path.name} is preferred and answers again")

    def _switch(self, conn: _Connection, now: float, reason: str) -> None:
        previous = self._current
        self._current = conn
        self._move(Input.FAILED_OVER)
        if previous is None or previous.path is not conn.path:  # not for a newer connection on one path
            before = previous.path.name if previous else ""
            self._events.append(ev.CurrentPathChanged(conn.id, conn.path.name, before, reason))
        if self._unacked:
            self._retransmit(conn, now)

    def _dialing_allowed(self) -> bool:
        return self.config.dial and not self._closing

    def _schedule_dial(self, route: _Path, now: float) -> None:
        if not self._dialing_allowed() or route.name not in self.config.paths:
            return
        delay = min(self.config.reconnect_max, self.config.reconnect_initial * 2**route.attempts)
        route.attempts = min(route.attempts + 1, 32)
        route.next_dial_at = now + delay * (0.5 + self._rng.random() / 2)

    def _move(self, event: Input) -> None:
        self._state = advance(self._state, event)  # type: ignore[assignment]


def _micros(seconds: float) -> int:
    return int(round(seconds * 1_000_000))


def _name(frame: Frame) -> str:
    return {Hello: "hello", EnvelopeFrame: "env", ReceiptFrame: "rcpt", Ping: "ping", Pong: "pong"}.get(
        type(frame), type(frame).__name__
    )
