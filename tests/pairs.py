"""Two protocol cores joined in memory, each with a model of its station's durable store.

The harness plays the driver: it stores what arrives before it sends a receipt, feeds stored
envelopes into the window, and can lose, duplicate, reorder or cut frames and restart either
side from its durable state. Tests pass literal times; nothing sleeps.
"""

from __future__ import annotations

import random
import struct
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from detente.protocol import events as ev
from detente.protocol.codes import RejectCode
from detente.protocol.envelope import GENESIS_HASH, Envelope, Precedence, Receipt, seal_envelope, seal_receipt
from detente.protocol.ids import uuid7
from detente.protocol.link import Link, LinkConfig, ReceiveCursor
from detente.protocol.signing import Signer
from detente.protocol.timestamps import format_time

T0 = 1_790_000_000.0


def signer_for(name: str) -> Signer:
    return Signer(name.encode().ljust(32, b"\0")[:32])


@dataclass
class Durable:
    """What one station has on disk: its outbox, its inbox and the receipts of both."""

    name: str
    signer: Signer
    outbox: list[Envelope] = field(default_factory=list)
    receipts: dict[int, Receipt] = field(default_factory=dict)  # outgoing seq -> peer's receipt
    inbox: list[Envelope] = field(default_factory=list)
    inbox_receipts: dict[int, Receipt] = field(default_factory=dict)  # incoming seq -> our receipt
    counter: int = 0

    def queue(self, peer: str, now: float, text: str) -> Envelope:
        prev = self.outbox[-1].hash if self.outbox else GENESIS_HASH
        self.counter += 1
        envelope = seal_envelope(
            self.signer,
            id=uuid7(int(now * 1000), self.counter.to_bytes(10, "big")),
            sender=self.name,
            recipient=peer,
            seq=len(self.outbox) + 1,
            prev=prev,
            created=format_time(now),
            kind="free-text",
            precedence=Precedence.ROUTINE,
            body={"text": text},
        )
        self.outbox.append(envelope)
        return envelope

    def cursor(self) -> ReceiveCursor:
        if not self.inbox:
            return ReceiveCursor()
        return ReceiveCursor(self.inbox[-1].seq + 1, self.inbox[-1].hash)

    def receipted_through(self) -> int:
        seq = 0
        while seq + 1 in self.receipts:
            seq += 1
        return seq


class Side:
    """One station's driver in memory."""

    def __init__(self, durable: Durable, peer: Durable, config: LinkConfig, now: float, seed: int) -> None:
        self.durable = durable
        self.peer_name = peer.name
        self.peer_keys = {peer.signer.kid: peer.signer.verifier}
        self.config = config
        self.seed = seed
        self.history: list[ev.Event] = []  # every event of every incarnation, in order
        self.conflicts: list[Envelope] = []  # conflicting duplicates the peer sent
        self.restarts = 0
        self.restart(now)

    def restart(self, now: float) -> None:
        self.link = Link(
            local=self.durable.name,
            peer=self.peer_name,
            peer_keys=self.peer_keys,
            now=now,
            cursor=self.durable.cursor(),
            receipted_through=self.durable.receipted_through(),
            config=self.config,
            rng=random.Random(self.seed + self.restarts),
        )
        self.restarts += 1
        self.dial_requested = False
        self.closed: set[int] = set()
        self.refused: list[ev.FrameRefused] = []
        self.peer_errors: list[ev.PeerErrorReported] = []
        self.feed(now)

    def feed(self, now: float) -> None:
        while self.link.window_space > 0 and self.link.last_queued_seq < len(self.durable.outbox):
            self.link.send_envelope(self.durable.outbox[self.link.last_queued_seq], now)

    def process(self, now: float) -> list[ev.Event]:
        """Act on the link's events as a station would (store, then receipt) and return them."""
        handled: list[ev.Event] = []
        while events := self.link.events():
            handled.extend(events)
            self.history.extend(events)
            for event in events:
                self._handle(event, now)
        self.feed(now)
        return handled

    def _handle(self, event: ev.Event, now: float) -> None:
        if isinstance(event, ev.EnvelopeReceived):
            envelope = event.envelope
            assert envelope.seq == len(self.durable.inbox) + 1, "delivered out of order or twice"
            self.durable.inbox.append(envelope)
            receipt = seal_receipt(self.durable.signer, envelope, format_time(now))
            self.durable.inbox_receipts[envelope.seq] = receipt
            self.link.send_receipt(receipt, now)
        elif isinstance(event, ev.DuplicateEnvelopeReceived):
            stored = self.durable.inbox[event.envelope.seq - 1]
            if stored != event.envelope:
                # The peer signed two different envelopes with one sequence number: keep the
                # stored one, send no receipt, and close the connection saying why.
                self.conflicts.append(event.envelope)
                self.link.abort(RejectCode.CONFLICTING_ENVELOPE, f"seq {stored.seq} differs from the stored one", now)
                return
            self.link.send_receipt(self.durable.inbox_receipts[event.envelope.seq], now)
        elif isinstance(event, ev.ReceiptReceived):
            self.durable.receipts[event.receipt.seq] = event.receipt
        elif isinstance(event, ev.DialRequested):
            self.dial_requested = True
        elif isinstance(event, ev.ConnectionClosed):
            self.closed.add(event.connection)
        elif isinstance(event, ev.FrameRefused):
            self.refused.append(event)
        elif isinstance(event, ev.PeerErrorReported):
            self.peer_errors.append(event)


def split_frames(data: bytes) -> list[bytes]:
    frames = []
    while data:
        (length,) = struct.unpack(">I", data[:4])
        frames.append(data[: 4 + length])
        data = data[4 + length :]
    return frames


# --- an in-memory wire between two sides ------------------------------------------------------


@dataclass
class Pipe:
    """One direction of one connection: whole frames in flight, in stream order."""

    frames: deque[bytes] = field(default_factory=deque)
    fin: bool = False
    """The sending side has closed: once ``frames`` are delivered, the receiver's transport ends."""


@dataclass
class WireConnection:
    id: int
    dialer: int
    path: str = "direct"
    to: tuple[Pipe, Pipe] = field(default_factory=lambda: (Pipe(), Pipe()))
    """``to[i]`` carries frames towards side ``i``."""
    open: list[bool] = field(default_factory=lambda: [True, True])
    """``open[i]``: side ``i`` still has this transport (it has neither closed it nor lost it)."""
    blackholed: bool = False
    """Everything sent either way vanishes and nobody is told: only silence reveals it."""


class Pair:
    """Two stations (sides 0 and 1) joined by an in-memory wire, driven as a station would.

    Each side has its own clock, ``now + skew[i]``; the tests move ``now`` explicitly. Every call
    into a link is followed by :meth:`settle`, which acts on the events (store then receipt,
    remember dial requests), calls ``on_settle`` (to check what the link holds) and then moves
    the bytes written onto the wire. The wire keeps each stream's frames in order; the fault
    methods (``drop_frame``, ``duplicate_frame``, ``swap_frames``, ``delay_frame``) break that
    deliberately, which no TLS stream would.
    """

    def __init__(
        self,
        config: LinkConfig | None = None,
        *,
        configs: Sequence[LinkConfig] | None = None,
        names: tuple[str, str] = ("alpha", "bravo"),
        now: float = T0,
        skew: tuple[float, float] = (0.0, 0.0),
        seed: int = 0,
        on_settle: Callable[[int, Link], None] | None = None,
    ) -> None:
        configs = list(configs) if configs is not None else [config or LinkConfig()] * 2
        self.now = now
        self.skew = skew
        self.durables = [Durable(names[0], signer_for(names[0])), Durable(names[1], signer_for(names[1]))]
        self.on_settle = on_settle
        self.conns: dict[int, WireConnection] = {}
        self.pending_dials = [0, 0]
        self.dial_paths: list[list[str]] = [[], []]
        """The path of each dial a side has asked for and not yet had answered, oldest first."""
        self.next_id = 1
        self.sides = [
            Side(self.durables[0], self.durables[1], configs[0], now + skew[0], seed * 2),
            Side(self.durables[1], self.durables[0], configs[1], now + skew[1], seed * 2 + 1),
        ]
        for i in (0, 1):
            self.settle(i)

    # --- plumbing ------------------------------------------------------------------------------

    def clock(self, i: int) -> float:
        return self.now + self.skew[i]

    def link(self, i: int) -> Link:
        return self.sides[i].link

    def settle(self, i: int) -> list[ev.Event]:
        """Process side ``i``'s events and put what it wrote on the wire."""
        side = self.sides[i]
        events = side.process(self.clock(i))
        closed = []
        for event in events:
            if isinstance(event, ev.DialRequested):
                self.pending_dials[i] += 1
                self.dial_paths[i].append(event.path)
            elif isinstance(event, ev.ConnectionClosed):
                closed.append(event.connection)
        if self.on_settle is not None:
            self.on_settle(i, side.link)
        for cid in side.link.pending_output():
            data = side.link.data_to_send(cid)
            conn = self.conns.get(cid)
            if conn is None or conn.blackholed or not conn.open[i]:
                continue
            conn.to[1 - i].frames.extend(split_frames(data))
        for cid in closed:
            self._closed_by(i, cid)
        return events

    def _closed_by(self, i: int, cid: int) -> None:
        conn = self.conns.get(cid)
        if conn is None or not conn.open[i]:
            return
        conn.open[i] = False
        conn.to[i].frames.clear()  # nobody reads them any more
        if not conn.blackholed:
            conn.to[1 - i].fin = True

    def call(self, i: int, action: Callable[[Link, float], object]) -> list[ev.Event]:
        action(self.link(i), self.clock(i))
        return self.settle(i)

    # --- dialing -------------------------------------------------------------------------------

    def connect(self, dialer: int, path: str = "direct") -> int:
        """Open a connection on ``path`` from ``dialer`` (it need not have asked) and return its id."""
        cid = self.next_id
        self.next_id += 1
        self.conns[cid] = WireConnection(cid, dialer, path)
        self.link(dialer).connection_made(cid, dialed=True, now=self.clock(dialer), path=path)
        self.settle(dialer)
        other = 1 - dialer
        self.link(other).connection_made(cid, dialed=False, now=self.clock(other), path=path)
        self.settle(other)
        return cid

    def answer_dial(self, i: int, succeed: bool = True, *, down: Sequence[str] = ()) -> int | None:
        """Carry out the oldest dial that side ``i`` asked for (failing it if its path is in ``down``)."""
        if not self.pending_dials[i]:
            return None
        self.pending_dials[i] -= 1
        path = self.dial_paths[i].pop(0) if self.dial_paths[i] else "direct"
        if succeed and path not in down:
            return self.connect(i, path)
        self.call(i, lambda link, now: link.dial_failed(now, path))
        return None

    # --- the wire --------------------------------------------------------------------------------

    def busy_pipes(self) -> list[tuple[int, int]]:
        """(connection, receiving side) of every pipe that still has something to deliver."""
        return [
            (cid, i)
            for cid, conn in sorted(self.conns.items())
            for i in (0, 1)
            if conn.open[i] and (conn.to[i].frames or conn.to[i].fin)
        ]

    def deliver(self, cid: int, i: int, count: int = 1, *, split: bool = False) -> None:
        """Deliver up to ``count`` frames of connection ``cid`` to side ``i`` (byte by byte if
        ``split``); after the last one, a closed sender's end of stream."""
        conn = self.conns[cid]
        pipe = conn.to[i]
        for _ in range(count):
            if not conn.open[i]:
                return
            if not pipe.frames:
                break
            frame = pipe.frames.popleft()
            if split:
                for k in range(len(frame)):
                    self.link(i).receive_data(cid, frame[k : k + 1], self.clock(i))
            else:
                self.link(i).receive_data(cid, frame, self.clock(i))
            self.settle(i)
        if conn.open[i] and not pipe.frames and pipe.fin:
            self.lose(cid, i, "peer closed the connection")

    def lose(self, cid: int, i: int, detail: str = "") -> None:
        """Side ``i``'s transport for ``cid`` ends (it reports connection_lost)."""
        conn = self.conns[cid]
        if not conn.open[i]:
            return
        conn.open[i] = False
        conn.to[i].frames.clear()
        self.link(i).connection_lost(cid, self.clock(i), detail)
        self.settle(i)

    def cut(self, cid: int) -> None:
        """The connection breaks: whatever is in flight is lost and both ends are told."""
        conn = self.conns[cid]
        for i in (0, 1):
            conn.to[i].frames.clear()
        for i in (0, 1):
            self.lose(cid, i, "cut")

    def blackhole(self, cid: int) -> None:
        conn = self.conns[cid]
        conn.blackholed = True
        for i in (0, 1):
            conn.to[i].frames.clear()
            conn.to[i].fin = False

    def drop_frame(self, cid: int, i: int, index: int = 0) -> None:
        frames = self.conns[cid].to[i].frames
        if frames:
            del frames[index % len(frames)]

    def duplicate_frame(self, cid: int, i: int, index: int = 0) -> None:
        frames = self.conns[cid].to[i].frames
        if frames:
            index %= len(frames)
            frames.insert(index, frames[index])

    def swap_frames(self, cid: int, i: int, index: int = 0) -> None:
        frames = self.conns[cid].to[i].frames
        if len(frames) >= 2:
            index %= len(frames) - 1
            frames[index], frames[index + 1] = frames[index + 1], frames[index]

    def delay_frame(self, cid: int, i: int, index: int = 0) -> None:
        """Move one frame to the end of its stream."""
        frames = self.conns[cid].to[i].frames
        if frames:
            index %= len(frames)
            frames.append(frames[index])
            del frames[index]

    def pump(self, limit: int = 100_000) -> None:
        """Deliver everything in flight, stream by stream in order, until the wire is empty."""
        for _ in range(limit):
            busy = self.busy_pipes()
            if not busy:
                return
            for cid, i in busy:
                self.deliver(cid, i, count=len(self.conns[cid].to[i].frames) + 1)
        raise AssertionError("the wire never went quiet")

    # --- stations ------------------------------------------------------------------------------

    def queue(self, i: int, count: int = 1) -> None:
        """Side ``i``'s operator writes ``count`` messages (stored, then fed to the link)."""
        mine, peer = self.durables[i], self.durables[1 - i].name
        for _ in range(count):
            mine.queue(peer, self.clock(i), f"{mine.name} message {len(mine.outbox) + 1}")
        self.sides[i].feed(self.clock(i))
        self.settle(i)

    def restart(self, i: int) -> None:
        """Side ``i`` crashes and comes back from its durable state. Its transports die with it:
        what it had already sent still reaches the peer, which then sees the connection end."""
        for conn in self.conns.values():
            if conn.open[i]:
                self._closed_by(i, conn.id)
        self.pending_dials[i] = 0
        self.dial_paths[i].clear()
        self.sides[i].restart(self.clock(i))
        self.settle(i)

    def inject(self, cid: int, i: int, frame: bytes) -> None:
        """Put a frame that its sender never wrote at the end of the stream towards side ``i``."""
        conn = self.conns[cid]
        if conn.open[i] and not conn.blackholed:
            conn.to[i].frames.append(frame)

    def crash_on_delivery(self, cid: int, i: int) -> None:
        """Side ``i`` receives one frame and crashes before acting on anything it caused."""
        conn = self.conns[cid]
        if conn.open[i] and conn.to[i].frames:
            self.link(i).receive_data(cid, conn.to[i].frames.popleft(), self.clock(i))
        self.restart(i)

    # --- time ----------------------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        """The earliest timer of either side, on the shared clock."""
        deadlines = []
        for i in (0, 1):
            timer = self.link(i).next_timer()
            if timer is not None:
                deadlines.append(timer - self.skew[i])
        return min(deadlines) if deadlines else None

    def fire_timers(self) -> None:
        for i in (0, 1):
            timer = self.link(i).next_timer()
            if timer is not None and timer <= self.clock(i):
                self.call(i, lambda link, now: link.handle_timer(now))

    def advance(self, dt: float, *, pump: bool = True, dial: bool = True, down: Sequence[str] = ()) -> None:
        """Let ``dt`` seconds pass, firing every timer when it is due; with ``pump`` every frame is
        delivered at once, with ``dial`` every dial request succeeds at once (except on the paths
        in ``down``, where it fails).

        Skews should be multiples of 2**-22 s so that ``now + skew`` is exact near ``T0``."""
        end = self.now + dt
        stalled = 0
        while True:
            if pump:
                self.pump()
            if dial:
                for i in (0, 1):
                    while self.pending_dials[i]:
                        self.answer_dial(i, down=down)
                if pump:
                    self.pump()
            deadline = self.next_deadline()
            if deadline is None or deadline > end:
                break
            stalled = stalled + 1 if deadline <= self.now else 0
            if stalled > 100:
                raise AssertionError(f"a timer due at {deadline} stays due after handle_timer")
            self.now = max(self.now, deadline)
            self.fire_timers()
        self.now = end

    def delivered(self) -> bool:
        """Every message of both sides is stored by the peer and its receipt is stored back."""
        for i in (0, 1):
            mine, theirs = self.durables[i], self.durables[1 - i]
            if len(theirs.inbox) != len(mine.outbox) or len(mine.receipts) != len(mine.outbox):
                return False
        return True

    def run_until_delivered(self, limit: float = 600.0, step: float = 0.5) -> float:
        """Advance until :meth:`delivered`; return how long it took (fails after ``limit`` s)."""
        start = self.now
        while not self.delivered():
            if self.now - start > limit:
                raise AssertionError(f"not delivered {limit:g} s after the chaos ended")
            self.advance(step)
        return self.now - start
