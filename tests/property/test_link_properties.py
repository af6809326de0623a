"""Exactly once, in order, both ways: two link cores through a hostile wire and crashes.

Two stations (``pairs.Pair``) exchange messages while hypothesis drives the wire and the
stations: it delivers frames when it likes, runs the network with latency (so frames of
different connections interleave and retransmissions race receipts), cuts connections, turns
them into silent black holes, fails or completes dials, and restarts either station from its
durable state, sometimes between receiving a frame and acting on it. Then the chaos stops, the
wire becomes clean, and time runs until both outboxes are receipted.

What a wire may do within one connection. A connection is one TLS stream: it can stop (cut,
crash, silence) but it never drops, duplicates or reorders a frame and then goes on. So the
first test keeps every stream in order. Across connections, frames are reordered and
duplicated anyway, by retransmission on the next connection and by frames of an old connection
arriving after a new one started; none of that may ever cause a refusal, since a refusal would
mean an honest peer is being treated as a faulty one.

The second test also lets the wire drop, duplicate, swap and delay frames inside a stream, which no
TLS stream does: it models a broken relay. Some of that is a protocol violation the receiver
must refuse (a duplicated hello, an envelope before hello), and only such refusals are allowed;
the refused connection closes, and the link must recover and still deliver exactly once.

The third test puts on the wire envelopes that the sender's own key signed for a history that
diverged from the one it stores (as after a restore from an old backup): only the hash chain,
the sequence window and the station's comparison of duplicates keep them out of the inbox.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.protocol import events as ev
from detente.protocol.codes import RejectCode
from detente.protocol.envelope import Receipt
from detente.protocol.frames import EnvelopeFrame, ReceiptFrame, encode_frame, envelope_frame_size
from detente.protocol.link import Link, LinkConfig
from pairs import Durable, Pair

ORDERLY, CORRUPTING, DIVERGED = "orderly", "corrupting", "diverged"

# Skews are multiples of 2**-22 s, so ``now + skew`` is exact near T0 (see Pair.advance).
SKEWS = [0.0, 0.25, -1.5, 37.125, -3600.0]
DT = [0.0625, 0.25, 0.5, 1.0, 2.0, 3.5, 6.0]
STEP = 0.0625

# An operation is (kind, a number to pick a stream or a side, a count, a flag, a duration); each
# kind uses what it needs. Kinds repeat to weight them: mostly deliveries and time passing.
KINDS = {
    ORDERLY: ["deliver"] * 4
    + ["tick"] * 2
    + ["run"] * 4
    + ["dial"] * 2
    + ["queue"] * 3
    + ["cut", "blackhole", "restart", "crash_on_delivery"],
}
KINDS[CORRUPTING] = KINDS[ORDERLY] + ["drop", "duplicate", "swap", "delay"]
KINDS[DIVERGED] = KINDS[ORDERLY] + ["inject"] * 3

# What the receiver may refuse, per wire. From an honest peer over ordered streams: nothing.
# A corrupting wire can duplicate or reorder a hello (a second hello, a frame before hello).
# Diverged envelopes break the chain or lie beyond the window.
ALLOWED_REFUSALS = {
    ORDERLY: set(),
    CORRUPTING: {RejectCode.UNEXPECTED_FRAME.value},
    DIVERGED: {RejectCode.BROKEN_CHAIN.value, RejectCode.SEQUENCE_GAP.value},
}


def scenario(wire: str) -> st.SearchStrategy[dict[str, Any]]:
    operation = st.tuples(
        st.sampled_from(KINDS[wire]), st.integers(0, 63), st.integers(1, 8), st.booleans(), st.sampled_from(DT)
    )
    return st.fixed_dictionaries(
        {
            "window": st.sampled_from([1, 2, 4, 8]),
            "dialers": st.sampled_from([(True, False), (False, True), (True, True)]),
            "skew": st.tuples(st.sampled_from(SKEWS), st.sampled_from(SKEWS)),
            "names": st.sampled_from([("alpha", "bravo"), ("zulu", "yankee")]),
            "initial": st.tuples(st.integers(0, 12), st.integers(0, 12)),
            "ops": st.lists(operation, min_size=10, max_size=100),
            "seed": st.integers(0, 2**16),
            "fault_rate": st.sampled_from([0.05, 0.2, 0.5]) if wire == CORRUPTING else st.just(0.0),
        }
    )


class Bounds:
    """Checks, whenever the harness is about to drain a link's output, that what the link holds
    stays bounded.

    The window bounds both the sender's unreceipted envelopes and the receiver's reorder buffer
    (only sequence numbers strictly between the next expected one and next + window are held).

    Bytes: the harness drains each link's output after every call into it, and each call
    handles at most one frame, one timer round or one batch of newly stored messages. The most
    one call can make a link write is every unreceipted envelope once (a retransmission, or a
    new connection; fresh envelopes only fill what the window leaves), plus one receipt per
    envelope accepted (a frame that fills the gap before the reorder buffer releases up to
    ``window`` of them), plus a few small frames (hello, ping, pong, bye, an error whose detail
    is at most a few hundred bytes). Hence ``window * (E + R) + 8 KiB`` where E and R are the
    largest envelope and receipt frames. Nothing in it grows with the number of messages or the
    time run, which is the point: the runs below send many windows' worth.
    """

    def __init__(self, pair: Pair, window: int) -> None:
        self.pair = pair
        self.window = window
        self.largest_env = 0
        self.largest_rcpt = 600  # receipts are written before the harness stores them
        self.seen = [(0, 0), (0, 0)]  # per station: outbox and inbox lengths measured

    def bound(self) -> int:
        for i, durable in enumerate(self.pair.durables):
            sent, received = self.seen[i]
            for envelope in durable.outbox[sent:]:
                self.largest_env = max(self.largest_env, envelope_frame_size(envelope))
            for seq in range(received + 1, len(durable.inbox) + 1):
                receipt = durable.inbox_receipts[seq]
                self.largest_rcpt = max(self.largest_rcpt, len(encode_frame(ReceiptFrame(seq, receipt))))
            self.seen[i] = (len(durable.outbox), len(durable.inbox))
        return self.window * (self.largest_env + self.largest_rcpt) + 8192

    def __call__(self, side: int, link: Link) -> None:
        assert 0 <= link.unacked <= self.window
        assert link.window_space == self.window - link.unacked
        assert link.reorder_buffered <= self.window - 1
        assert link.buffered_bytes() <= self.bound(), (link.buffered_bytes(), self.bound())


def transports_held(link: Link) -> set[int]:
    """The connections the link still tracks (to check that it forgets closed ones)."""
    return set(link._conns)


def check_after_step(pair: Pair) -> None:
    for i in (0, 1):
        link = pair.link(i)
        # All output was drained and frames arrive whole: nothing may linger in the link, and
        # it tracks exactly the transports it has neither closed nor been told are lost.
        assert link.buffered_bytes() == 0
        assert link.pending_output() == []
        assert transports_held(link) == {cid for cid, conn in pair.conns.items() if conn.open[i]}


def busy_network(pair: Pair, dt: float, rng: random.Random, fault_rate: float) -> None:
    """``dt`` seconds of a network with latency. Every STEP, each stream delivers its next few
    frames with probability 1/2, and a pending dial ends with probability 0.3, failing one time
    in five. With ``fault_rate``, a delivery is sometimes preceded by dropping, duplicating,
    swapping or delaying a frame of that stream (a corrupting wire)."""
    faults = (pair.drop_frame, pair.duplicate_frame, pair.swap_frames, pair.delay_frame)
    end = pair.now + dt
    while pair.now < end:
        for cid, to in pair.busy_pipes():
            if rng.random() < 0.5:
                if rng.random() < fault_rate:
                    rng.choice(faults)(cid, to, rng.randrange(8))
                pair.deliver(cid, to, rng.randint(1, 3))
        for i in (0, 1):
            if pair.pending_dials[i] and rng.random() < 0.3:
                pair.answer_dial(i, succeed=rng.random() < 0.8)
        pair.advance(min(STEP, end - pair.now), pump=False, dial=False)


def inject_diverged(pair: Pair, side: int, number: int, count: int) -> None:
    """Put on a connection towards ``side`` an envelope its peer's key signed for a history that
    shares only the first ``j`` stored envelopes. Only envelopes from ``j + 2`` on are used:
    the one at ``j + 1`` chains correctly onto the real history, and nothing in the protocol
    can tell it from the real one until that arrives as a conflicting duplicate."""
    sender = pair.durables[1 - side]
    targets = sorted(cid for cid, conn in pair.conns.items() if conn.open[side] and not conn.blackholed)
    if not targets:
        return
    shared = number % (len(sender.outbox) + 1)
    fork = Durable(sender.name, sender.signer, outbox=list(sender.outbox[:shared]), counter=10**6 + number)
    for _ in range(2 + count % 3):
        fork.queue(pair.durables[side].name, pair.clock(1 - side), "a diverged history")
    envelope = fork.outbox[shared + 1 + count % (len(fork.outbox) - shared - 1)]
    pair.inject(targets[number % len(targets)], side, encode_frame(EnvelopeFrame(envelope)))


def run(params: dict[str, Any], wire: str) -> Pair:
    window = params["window"]
    configs = [LinkConfig(window=window, dial=dial) for dial in params["dialers"]]
    pair = Pair(configs=configs, names=params["names"], skew=params["skew"], seed=params["seed"])
    pair.on_settle = Bounds(pair, window)
    for i in (0, 1):
        pair.queue(i, params["initial"][i])
    pair.advance(0.0)  # both stations start and the dialer connects

    for index, (kind, number, count, flag, dt) in enumerate(params["ops"]):
        busy = pair.busy_pipes()
        live = sorted(cid for cid, conn in pair.conns.items() if any(conn.open))
        if kind == "tick":  # time passes, nothing arrives
            pair.advance(dt, pump=False, dial=False)
        elif kind == "run":  # time passes on a working (or corrupting) network with latency
            busy_network(pair, dt, random.Random(params["seed"] * 1000 + index), params["fault_rate"])
        elif kind == "deliver" and busy:
            cid, to = busy[number % len(busy)]
            pair.deliver(cid, to, count, split=flag and count == 1)
        elif kind == "dial":  # a dial one side asked for ends; one in four fails
            side = number % 2 if pair.pending_dials[number % 2] else 1 - number % 2
            pair.answer_dial(side, succeed=flag or count > 2)
        elif kind == "queue":
            pair.queue(number % 2, 1 + count % 3)
        elif kind == "cut" and live:
            pair.cut(live[number % len(live)])
        elif kind == "blackhole" and live:
            pair.blackhole(live[number % len(live)])
        elif kind == "restart":
            pair.restart(number % 2)
        elif kind == "crash_on_delivery" and busy:
            cid, to = busy[number % len(busy)]
            pair.crash_on_delivery(cid, to)
        elif kind in ("drop", "duplicate", "swap", "delay") and busy:
            cid, to = busy[number % len(busy)]
            fault = {
                "drop": pair.drop_frame,
                "duplicate": pair.duplicate_frame,
                "swap": pair.swap_frames,
                "delay": pair.delay_frame,
            }[kind]
            fault(cid, to, count)
        elif kind == "inject":
            inject_diverged(pair, number % 2, number // 2, count)
        check_after_step(pair)

    # The chaos is over: every frame is delivered in order and every dial succeeds at once.
    # Retransmission backs off to retransmit_max (60 s) and a black-holed connection takes
    # dead_after to notice, so 300 s is ample; a livelock runs into it.
    pair.run_until_delivered(limit=300.0)
    counts = [len(d.inbox) for d in pair.durables]
    pair.advance(10.0)
    assert [len(d.inbox) for d in pair.durables] == counts
    check_after_step(pair)
    check_outcome(pair, wire)
    refused = {e.code for side in pair.sides for e in side.history if isinstance(e, ev.FrameRefused)}
    assert refused <= ALLOWED_REFUSALS[wire]
    if wire != DIVERGED:
        assert pair.sides[0].conflicts == pair.sides[1].conflicts == []
    return pair


def check_outcome(pair: Pair, wire: str) -> None:
    for i in (0, 1):
        mine, theirs = pair.durables[i], pair.durables[1 - i]
        # Exactly once and in order: the peer's inbox is our outbox, envelope for envelope.
        # (Side.process also asserts, at every EnvelopeReceived, that it is the next in line.)
        assert theirs.inbox == mine.outbox
        assert [e.seq for e in theirs.inbox] == list(range(1, len(mine.outbox) + 1))
        # Every outgoing envelope has the peer's signed receipt, for exactly that envelope.
        assert sorted(mine.receipts) == list(range(1, len(mine.outbox) + 1))
        for seq, receipt in mine.receipts.items():
            assert isinstance(receipt, Receipt)
            receipt.verify({theirs.signer.kid: theirs.signer.verifier})
            envelope = mine.outbox[seq - 1]
            assert (receipt.envelope_hash, receipt.message_id) == (envelope.hash, envelope.id)
            assert (receipt.sender, receipt.recipient) == (theirs.name, mine.name)
        assert pair.link(i).unacked == 0
        if wire != DIVERGED:  # a diverged envelope may wait there for a predecessor that never comes
            assert pair.link(i).reorder_buffered == 0
        assert pair.link(i).next_expected_seq == len(theirs.outbox) + 1
        # Nothing stored was ever lost, so the peer never asked to resume below a receipt.
        assert not [e for e in pair.sides[i].history if isinstance(e, ev.PeerLostMessages)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario(ORDERLY))
def test_exactly_once_through_chaos(params: dict[str, Any]) -> None:
    pair = run(params, ORDERLY)
    assert not [e for side in pair.sides for e in side.history if isinstance(e, ev.PeerErrorReported)]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario(CORRUPTING))
def test_exactly_once_through_a_corrupting_wire(params: dict[str, Any]) -> None:
    run(params, CORRUPTING)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario(DIVERGED))
def test_a_diverged_history_never_reaches_the_inbox(params: dict[str, Any]) -> None:
    run(params, DIVERGED)
