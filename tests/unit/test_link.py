"""The link state machine, one behaviour at a time, with literal times.

Most tests drive one real ``Link`` against a scripted peer: the test writes the peer's frames
and reads back what the link wrote. Tests about two links together use ``pairs.Pair``.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

import pytest

from detente.errors import LocalProtocolError
from detente.protocol import events as ev
from detente.protocol import link as link_module
from detente.protocol import states
from detente.protocol.codes import CloseReason, RejectCode
from detente.protocol.envelope import GENESIS_HASH, Envelope, Precedence, Receipt, seal_envelope, seal_receipt
from detente.protocol.frames import (
    Bye,
    EnvelopeFrame,
    ErrorFrame,
    Frame,
    FrameDecoder,
    Hello,
    Ping,
    Pong,
    ReceiptFrame,
    encode_frame,
    parse_frame,
)
from detente.protocol.ids import uuid7
from detente.protocol.link import Link, LinkConfig, ReceiveCursor
from detente.protocol.states import TRANSITIONS, ConnState, Input, LinkState, PathState
from detente.protocol.timestamps import format_time
from pairs import T0, Durable, Pair, signer_for

A, B = "alpha", "bravo"
SIGNERS = {name: signer_for(name) for name in (A, B, "charlie", "mallory")}
E = TypeVar("E")


def keys(name: str) -> dict[str, Any]:
    return {SIGNERS[name].kid: SIGNERS[name].verifier}


def make_link(
    local: str = B,
    peer: str = A,
    *,
    now: float = T0,
    cursor: ReceiveCursor | None = None,
    receipted_through: int = 0,
    seed: int = 0,
    **config: Any,
) -> Link:
    config.setdefault("dial", False)
    return Link(
        local=local,
        peer=peer,
        peer_keys=keys(peer),
        now=now,
        cursor=cursor,
        receipted_through=receipted_through,
        config=LinkConfig(**config),
        rng=random.Random(seed),
    )


def outbox(sender: str = A, recipient: str = B, count: int = 5, text: str = "message") -> list[Envelope]:
    durable = Durable(sender, SIGNERS[sender])
    return [durable.queue(recipient, T0 + n, f"{text} {n + 1}") for n in range(count)]


def forge(
    signer: str = A, *, sender: str = A, recipient: str = B, seq: int = 1, prev: str = GENESIS_HASH, text: str = "x"
) -> Envelope:
    return seal_envelope(
        SIGNERS[signer],
        id=uuid7(int(T0 * 1000), seq.to_bytes(2, "big") + text.encode()[:8].ljust(8, b"-")),
        sender=sender,
        recipient=recipient,
        seq=seq,
        prev=prev,
        created=format_time(T0),
        kind="free-text",
        precedence=Precedence.ROUTINE,
        body={"text": text},
    )


def receipt(envelope: Envelope, signer: str = B, now: float = T0) -> Receipt:
    return seal_receipt(SIGNERS[signer], envelope, format_time(now))


def written(link: Link, cid: int = 1) -> list[Frame]:
    data = link.data_to_send(cid)
    return [parse_frame(p) for p in FrameDecoder().feed(data)]


def feed(link: Link, cid: int, *frames: Frame, now: float = T0) -> list[ev.Event]:
    link.receive_data(cid, b"".join(encode_frame(f) for f in frames), now)
    return link.events()


def hello(station: str = A, *, versions: tuple[int, ...] = (1,), next_seq: int = 1, time_us: int = 0) -> Hello:
    return Hello(versions, station, next_seq, time_us)


def up(link: Link, cid: int = 1, *, now: float = T0, dialed: bool = False, next_seq: int = 1) -> list[ev.Event]:
    """Open connection ``cid`` and complete its handshake with a scripted peer."""
    link.connection_made(cid, dialed=dialed, now=now)
    events = feed(link, cid, hello(link.peer, next_seq=next_seq), now=now)
    assert of(events, ev.ConnectionEstablished)
    assert link.current_connection == cid
    ours = written(link, cid)
    assert isinstance(ours[0], Hello)
    return events


def of(events: Iterable[object], kind: type[E]) -> list[E]:
    return [e for e in events if isinstance(e, kind)]


def refusal(events: list[ev.Event]) -> str:
    (refused,) = of(events, ev.FrameRefused)
    closed = of(events, ev.ConnectionClosed)
    assert closed and closed[0].reason == refused.code
    return refused.code


def micros(t: float) -> int:
    return int(round(t * 1_000_000))


# --- handshake and versions ------------------------------------------------------------------------


def test_handshake() -> None:
    pair = Pair(configs=[LinkConfig(dial=True), LinkConfig(dial=False)])
    assert pair.link(0).next_timer() == T0 and pair.link(1).next_timer() is None
    pair.fire_timers()
    assert pair.pending_dials == [1, 0]
    assert (pair.link(0).state, pair.link(1).state) == (LinkState.DOWN, LinkState.DOWN)
    assert pair.link(0).path_state("direct") is PathState.DIALING
    cid = pair.connect(0)
    hellos = [parse_frame(pair.conns[cid].to[i].frames[0][4:]) for i in (1, 0)]
    assert hellos == [Hello((1,), A, 1, micros(T0)), Hello((1,), B, 1, micros(T0))]
    assert pair.link(0).state is LinkState.DOWN  # connected, not yet established
    pair.pump()
    established = [of(pair.sides[i].history, ev.LinkEstablished) for i in (0, 1)]
    assert established == [
        [ev.LinkEstablished(cid, 1, dialed=True, peer_next_seq=1)],
        [ev.LinkEstablished(cid, 1, dialed=False, peer_next_seq=1)],
    ]
    for i in (0, 1):
        assert pair.link(i).state is LinkState.UP
        assert pair.link(i).current_connection == cid


def test_hello_announces_what_is_stored() -> None:
    link = make_link(cursor=ReceiveCursor(8, "a" * 64), versions=(1, 4))
    link.connection_made(5, dialed=False, now=T0 + 0.5)
    assert written(link, 5) == [Hello((1, 4), B, 8, micros(T0 + 0.5))]


@pytest.mark.parametrize(
    ("ours", "theirs", "version"),
    [((1,), (1,), 1), ((1, 2, 3), (2, 3, 5), 3), ((3, 1), (1, 2), 1), ((7, 2), (2, 7, 9), 7)],
)
def test_highest_common_version(ours: tuple[int, ...], theirs: tuple[int, ...], version: int) -> None:
    pair = Pair(configs=[LinkConfig(versions=ours), LinkConfig(versions=theirs, dial=False)])
    pair.advance(0.0)
    for i in (0, 1):
        (established,) = of(pair.sides[i].history, ev.LinkEstablished)
        assert established.version == version


def test_unsupported_version_refuses_and_receives_nothing() -> None:
    link = make_link()
    link.connection_made(1, dialed=False, now=T0)
    env = outbox()[0]
    events = feed(link, 1, hello(versions=(2, 7)), EnvelopeFrame(env), Ping(1, 0, 0))
    assert refusal(events) == RejectCode.UNSUPPORTED_VERSION == "unsupported-version"
    assert of(events, ev.ConnectionClosed) == [ev.ConnectionClosed(1, "unsupported-version", events[0].detail)]
    assert not of(events, ev.LinkEstablished) and not of(events, ev.EnvelopeReceived)
    ours = written(link)
    assert isinstance(ours[0], Hello)
    assert isinstance(ours[1], ErrorFrame) and ours[1].code == "unsupported-version"
    assert len(ours) == 2  # no pong: nothing after the refused hello was handled
    assert (link.state, link.current_connection, link.next_expected_seq) == (LinkState.DOWN, None, 1)
    assert link.pending_output() == [] and link.buffered_bytes() == 0


def test_unsupported_version_between_two_stations() -> None:
    pair = Pair(configs=[LinkConfig(versions=(1,)), LinkConfig(versions=(2,), dial=False)])
    pair.queue(0)
    pair.advance(1.0)
    for i in (0, 1):
        assert [e.code for e in pair.sides[i].refused][:1] == ["unsupported-version"]
        assert not of(pair.sides[i].history, ev.LinkEstablished)
        assert pair.link(i).state is not LinkState.UP
    assert pair.durables[1].inbox == []


def test_unexpected_station_in_hello() -> None:
    link = make_link()
    link.connection_made(1, dialed=False, now=T0)
    events = feed(link, 1, hello("charlie"))
    assert refusal(events) == RejectCode.UNEXPECTED_STATION
    assert "charlie" in of(events, ev.FrameRefused)[0].detail
    assert [type(f) for f in written(link)] == [Hello, ErrorFrame]
    assert link.state is LinkState.DOWN


@pytest.mark.parametrize(
    "frame",
    [
        Ping(1, 0, 0),
        Pong(1, 0, 0),
        EnvelopeFrame(outbox()[0]),
        ReceiptFrame(1, receipt(outbox(B, A)[0], signer=A)),
    ],
    ids=lambda f: type(f).__name__,
)
def test_frames_before_hello(frame: Frame) -> None:
    link = make_link()
    link.connection_made(1, dialed=False, now=T0)
    events = feed(link, 1, frame, hello())
    assert refusal(events) == RejectCode.UNEXPECTED_FRAME
    assert "before hello" in of(events, ev.FrameRefused)[0].detail
    assert not of(events, ev.EnvelopeReceived) and not of(events, ev.LinkEstablished)
    assert link.next_expected_seq == 1


def test_error_or_bye_before_hello_close_without_a_refusal() -> None:
    link = make_link()
    link.connection_made(1, dialed=False, now=T0)
    events = feed(link, 1, ErrorFrame("unexpected-station", "who are you"))
    assert events == [
        ev.PeerErrorReported(1, "unexpected-station", "who are you"),
        ev.ConnectionClosed(1, "unexpected-station", "who are you"),
    ]
    link.connection_made(2, dialed=False, now=T0)
    events = feed(link, 2, Bye("shutdown"))
    assert events == [ev.ConnectionClosed(2, CloseReason.PEER_CLOSED, "peer said bye: shutdown")]


def test_second_hello() -> None:
    link = make_link()
    up(link)
    events = feed(link, 1, hello(), now=T0 + 1)
    assert refusal(events) == RejectCode.UNEXPECTED_FRAME
    assert "second hello" in of(events, ev.FrameRefused)[0].detail
    assert of(events, ev.LinkLost)
    assert link.state is LinkState.DOWN and link.current_connection is None


def test_frames_after_a_refused_one_in_the_same_chunk_are_ignored() -> None:
    link = make_link()
    up(link)
    envs = outbox(count=2)
    link.receive_data(1, b"\x00\x00\x00\x05junk!" + encode_frame(EnvelopeFrame(envs[0])), T0)
    events = link.events()
    assert refusal(events) == RejectCode.MALFORMED_FRAME
    assert not of(events, ev.EnvelopeReceived)
    assert feed(link, 1, EnvelopeFrame(envs[0])) == []  # the connection is gone


def test_oversize_frame_is_refused_from_its_header() -> None:
    link = make_link(max_frame=4096)
    up(link)
    link.receive_data(1, (5000).to_bytes(4, "big") + b"{", T0)
    events = link.events()
    assert refusal(events) == RejectCode.FRAME_TOO_LARGE
    assert link.buffered_bytes() < 200  # the error frame to send; no body was waited for


def test_deeply_nested_frame_is_refused_not_a_crash() -> None:
    # Regression: json.loads raised RecursionError straight out of receive_data.
    link = make_link()
    up(link)
    payload = b"[" * 50_000
    link.receive_data(1, len(payload).to_bytes(4, "big") + payload, T0)
    assert refusal(link.events()) == RejectCode.MALFORMED_FRAME


# --- heartbeats ------------------------------------------------------------------------------------


def test_pings_every_heartbeat_interval_and_pongs_at_once() -> None:
    link = make_link(heartbeat_interval=1.0, dead_after=3.0)
    up(link, now=T0)
    assert link.next_timer() == T0 + 1
    pings = []
    for second in range(1, 6):
        assert link.next_timer() == T0 + second
        link.handle_timer(T0 + second - 0.001)
        assert written(link) == []  # not before its time
        link.handle_timer(T0 + second)
        (ping,) = written(link)
        pings.append(ping)
        feed(link, 1, Ping(100 + second, 42, 0), now=T0 + second + 0.5)  # the peer is alive
        assert written(link) == [Pong(100 + second, 42, micros(T0 + second + 0.5))]
    assert pings == [Ping(n, micros(T0 + n), 0) for n in range(1, 6)]


def test_ping_carries_the_cumulative_ack() -> None:
    link = make_link()
    up(link)
    for envelope in outbox(count=3):
        assert of(feed(link, 1, EnvelopeFrame(envelope)), ev.EnvelopeReceived)
        link.send_receipt(receipt(envelope), T0)
    written(link)
    link.handle_timer(T0 + 1)
    assert written(link) == [Ping(1, micros(T0 + 1), 3)]


def test_heartbeat_measures_round_trip_and_clock_offset() -> None:
    """Bravo's clock is 100 s ahead of alpha's; the offset is the peer's clock minus ours."""
    pair = Pair(configs=[LinkConfig(), LinkConfig(dial=False)], skew=(0.0, 100.0))
    pair.advance(0.0)  # connected and established at T0 on the shared clock
    cid = pair.link(0).current_connection
    assert cid is not None and pair.link(1).current_connection == cid
    pair.now = T0 + 1
    pair.fire_timers()  # both ping: alpha at its T0+1, bravo at its T0+101
    pair.now = T0 + 1.25
    pair.deliver(cid, 1, count=1)  # alpha's ping reaches bravo, which pongs
    pair.now = T0 + 1.5
    pair.deliver(cid, 0, count=2)  # bravo's ping, then its pong, reach alpha
    pair.now = T0 + 1.75
    pair.deliver(cid, 1, count=1)  # alpha's pong reaches bravo
    (alpha,) = of(pair.sides[0].history, ev.HeartbeatAnswered)
    (bravo,) = of(pair.sides[1].history, ev.HeartbeatAnswered)
    assert alpha.connection == bravo.connection == cid
    assert alpha.round_trip == pytest.approx(0.5, abs=1e-6)
    assert alpha.clock_offset == pytest.approx(100.0, abs=1e-6)  # symmetric delays: exact
    assert bravo.round_trip == pytest.approx(0.75, abs=1e-6)
    # Bravo pinged at its T0+101; alpha answered at its T0+1.5 (0.5 s out, 0.25 s back):
    # T0+1.5 - (T0+101 + 0.75/2), the true -100 off by half the asymmetry of the delays.
    assert bravo.clock_offset == pytest.approx(-99.875, abs=1e-6)


def test_pong_must_match_a_recent_ping() -> None:
    link = make_link(heartbeat_interval=1.0, dead_after=30.0)
    up(link)
    for second in range(1, 10):
        link.handle_timer(T0 + second)
    pings = [f for f in written(link) if isinstance(f, Ping)]
    assert [p.n for p in pings] == list(range(1, 10))
    now = T0 + 9.5
    assert of(feed(link, 1, Pong(1, pings[0].time_us, 0), now=now), ev.HeartbeatAnswered) == []  # only 8 kept
    assert of(feed(link, 1, Pong(5, pings[5].time_us, 0), now=now), ev.HeartbeatAnswered) == []  # wrong echo
    assert of(feed(link, 1, Pong(99, 0, 0), now=now), ev.HeartbeatAnswered) == []  # never sent
    (answered,) = of(feed(link, 1, Pong(9, pings[8].time_us, 0), now=now), ev.HeartbeatAnswered)
    assert answered.round_trip == pytest.approx(0.5)
    assert of(feed(link, 1, Pong(9, pings[8].time_us, 0), now=now), ev.HeartbeatAnswered) == []  # once only


# --- link loss --------------------------------------------------------------------------------------


def test_link_lost_after_dead_after_of_silence_and_never_earlier() -> None:
    link = make_link(heartbeat_interval=1.0, dead_after=3.0)
    up(link, now=T0)
    for t in (T0 + 1, T0 + 2, T0 + 2.999):
        link.handle_timer(t)
        assert not of(link.events(), ev.ConnectionClosed)
        assert link.state is LinkState.UP
    assert link.next_timer() == T0 + 3
    link.handle_timer(T0 + 3)
    events = link.events()
    assert of(events, ev.ConnectionClosed) == [ev.ConnectionClosed(1, "link-timeout", events[0].detail)]
    assert of(events, ev.LinkLost)[0].reason == CloseReason.LINK_TIMEOUT
    assert "3.0 s" in of(events, ev.LinkLost)[0].detail
    assert link.state is LinkState.DOWN


def test_any_frame_resets_the_silence() -> None:
    link = make_link(heartbeat_interval=1.0, dead_after=3.0)
    up(link, now=T0)
    link.handle_timer(T0 + 1)
    link.handle_timer(T0 + 2)
    feed(link, 1, Ping(1, 0, 0), now=T0 + 2.5)
    for t in (T0 + 3, T0 + 4, T0 + 5, T0 + 5.499):
        link.handle_timer(t)
        assert link.state is LinkState.UP
    link.handle_timer(T0 + 5.5)
    assert of(link.events(), ev.LinkLost)


def test_silence_deadline_is_a_timer_of_its_own() -> None:
    # dead_after between two pings: the driver must be woken for it, not at the next ping.
    link = make_link(heartbeat_interval=1.0, dead_after=2.5)
    up(link, now=T0)
    wakes = []
    while link.state is LinkState.UP:
        wake = link.next_timer()
        assert wake is not None
        wakes.append(wake - T0)
        link.handle_timer(wake)
    assert wakes == [1.0, 2.0, 2.5]


def test_handshake_timeout_then_redial() -> None:
    link = make_link(A, B, dial=True, handshake_timeout=5.0)
    link.handle_timer(T0)
    assert link.events() == [ev.DialRequested()]
    link.connection_made(1, dialed=True, now=T0 + 0.5)
    assert link.next_timer() == T0 + 5.5
    link.handle_timer(T0 + 5.499)
    assert link.events() == []
    link.handle_timer(T0 + 5.5)
    events = link.events()
    assert events == [ev.ConnectionClosed(1, "handshake-timeout", "no hello within 5 s")]
    assert not of(events, ev.LinkLost)  # the link was never up on it
    wake = link.next_timer()
    assert wake is not None and T0 + 5.5 + 0.125 <= wake <= T0 + 5.5 + 0.25


def test_handshake_timeout_of_an_accepted_connection_does_not_dial() -> None:
    link = make_link(dial=False)
    link.connection_made(1, dialed=False, now=T0)
    link.handle_timer(T0 + 5)
    assert of(link.events(), ev.ConnectionClosed)[0].reason == "handshake-timeout"
    assert link.next_timer() is None


# --- dialing and reconnection -----------------------------------------------------------------------


def test_reconnect_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    link = make_link(A, B, dial=True, reconnect_initial=0.25, reconnect_max=5.0, seed=7)
    now = T0
    ratios = []
    for attempt in range(12):
        link.handle_timer(now)
        assert link.events() == [ev.DialRequested("direct")]
        assert link.path_state("direct") is PathState.DIALING
        assert link.next_timer() is None  # nothing to wake for while the dial is under way
        link.handle_timer(now + 1000)
        assert link.events() == []  # and no second request
        now += 0.75  # the attempt takes a while, then fails
        link.dial_failed(now)
        assert link.state is LinkState.DOWN and link.path_state("direct") is PathState.WAITING
        wake = link.next_timer()
        assert wake is not None
        nominal = min(5.0, 0.25 * 2**attempt)
        delay = wake - now
        assert nominal / 2 <= delay <= nominal  # jitter: between half and all of it
        ratios.append(delay / nominal)
        now = wake
    assert len({round(r, 6) for r in ratios}) > 6  # jittered, not a fixed schedule


def test_backoff_resets_after_a_long_lived_link_only() -> None:
    def delay_after_link(up_for: float) -> float:
        pair = Pair(configs=[LinkConfig(dial=True), LinkConfig(dial=False)], seed=3)
        pair.fire_timers()
        for _ in range(4):  # four failures: the nominal delay is now 0.25 * 2**4 = 4 s
            pair.answer_dial(0, succeed=False)
            pair.advance(10.0, pump=False, dial=False)
        pair.advance(0.0)
        assert pair.link(0).state is LinkState.UP
        pair.advance(up_for)
        (cid,) = [c for c, conn in pair.conns.items() if all(conn.open)]
        pair.cut(cid)
        wake = pair.link(0).next_timer()
        assert wake is not None
        return wake - pair.now

    assert 2.0 <= delay_after_link(5.0) <= 4.0
    assert 0.125 <= delay_after_link(31.0) <= 0.25


def test_dial_requested_only_when_down() -> None:
    pair = Pair(configs=[LinkConfig(dial=True), LinkConfig(dial=True)])
    pair.advance(0.0)
    assert all(pair.link(i).state is LinkState.UP for i in (0, 1))
    before = [len(of(pair.sides[i].history, ev.DialRequested)) for i in (0, 1)]
    pair.advance(120.0)
    assert [len(of(pair.sides[i].history, ev.DialRequested)) for i in (0, 1)] == before


def test_a_dialer_the_peer_reached_first_does_not_dial() -> None:
    link = make_link(A, B, dial=True)
    assert link.next_timer() == T0  # it would dial at once...
    up(link, 1, now=T0, dialed=False)  # ...but the peer's connection came up first
    for second in range(1, 30):
        feed(link, 1, Ping(second, 0, 0), now=T0 + second)
        link.handle_timer(T0 + second)
        assert not of(link.events(), ev.DialRequested)
    assert link.state is LinkState.UP


def test_a_listener_never_dials() -> None:
    link = make_link(dial=False)
    assert link.next_timer() is None
    up(link)
    link.connection_lost(1, T0 + 1)
    assert of(link.events(), ev.LinkLost)
    assert link.next_timer() is None
    link.handle_timer(T0 + 1000)
    assert link.events() == []


def test_dial_failed() -> None:
    link = make_link(A, B, dial=True)
    link.dial_failed(T0)  # no dial under way: nothing
    assert link.events() == [] and link.state is LinkState.DOWN
    link.handle_timer(T0)
    link.events()
    link.dial_failed(T0 + 1)
    assert link.state is LinkState.DOWN and link.events() == []
    wake = link.next_timer()
    assert wake is not None and wake > T0 + 1
    # The peer's connection brought the link up while our own attempt was under way.
    link.handle_timer(wake)
    link.events()
    assert link.path_state("direct") is PathState.DIALING
    up(link, 7, now=wake + 0.1, dialed=False)
    assert link.state is LinkState.UP
    link.dial_failed(wake + 0.2)
    assert link.state is LinkState.UP and link.events() == []
    assert link.path_state("direct") is PathState.OPEN and link.next_timer() != wake + 0.2


def test_connection_lost_brings_the_link_down_and_schedules_a_dial() -> None:
    link = make_link(A, B, dial=True)
    link.handle_timer(T0)
    link.events()
    up(link, 1, now=T0 + 0.1, dialed=True)
    link.connection_lost(1, T0 + 2, "reset by peer")
    assert link.events() == [
        ev.ConnectionClosed(1, "transport-closed", "reset by peer"),
        ev.LinkLost("transport-closed", "reset by peer"),
    ]
    wake = link.next_timer()
    assert wake is not None and T0 + 2 < wake <= T0 + 2.25


@pytest.mark.parametrize("names", [(A, B), ("zulu", "yankee")])
@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_tie_break_when_both_dial_at_once(names: tuple[str, str], order: tuple[int, ...]) -> None:
    pair = Pair(configs=[LinkConfig(dial=True)] * 2, names=names)
    pair.fire_timers()
    assert pair.pending_dials == [1, 1]
    first = pair.connect(0)  # dialed by side 0
    second = pair.connect(1)  # dialed by side 1
    hellos = [(first, 0), (first, 1), (second, 0), (second, 1)]
    for index in order:
        pair.deliver(*hellos[index])
    pair.pump()
    keep = first if names[0] < names[1] else second  # the lower-named station's connection
    for i in (0, 1):
        assert pair.link(i).state is LinkState.UP
        assert pair.link(i).current_connection == keep
    dropped = second if keep == first else first
    assert not any(pair.conns[dropped].open)
    assert all(pair.conns[keep].open)
    pair.queue(0, 3)
    pair.queue(1, 2)
    pair.run_until_delivered(limit=10.0)
    assert pair.durables[1].inbox == pair.durables[0].outbox
    assert pair.durables[0].inbox == pair.durables[1].outbox


def test_a_newer_connection_from_the_same_dialer_replaces_the_current_one() -> None:
    link = make_link(B, A)
    up(link, 1)
    events = up(link, 2, now=T0 + 1)  # the peer redialed: it must have lost connection 1
    assert of(events, ev.ConnectionClosed) == [ev.ConnectionClosed(1, "superseded", "connection 2 is preferred")]
    assert of(events, ev.CurrentPathChanged) == []  # the same path: not a failover
    assert link.current_connection == 2
    assert written(link, 1) == [Bye("superseded")]


# --- sending: window, sequence, retransmission -------------------------------------------------------


def test_send_envelope_checks() -> None:
    link = make_link(A, B)
    envs = outbox()
    with pytest.raises(LocalProtocolError, match="expects 1"):
        link.send_envelope(envs[1], T0)
    link.send_envelope(envs[0], T0)
    with pytest.raises(LocalProtocolError, match="expects 2"):
        link.send_envelope(envs[0], T0)
    with pytest.raises(LocalProtocolError, match="not from alpha to bravo"):
        link.send_envelope(outbox(B, A)[1], T0)
    with pytest.raises(LocalProtocolError, match="not from alpha to bravo"):
        link.send_envelope(outbox(A, "charlie")[1], T0)
    assert (link.last_queued_seq, link.unacked) == (1, 1)
    resumed = make_link(A, B, receipted_through=3)
    with pytest.raises(LocalProtocolError, match="expects 4"):
        resumed.send_envelope(envs[0], T0)
    resumed.send_envelope(envs[3], T0)


def test_window_full_raises() -> None:
    link = make_link(A, B, window=2)
    up(link)
    envs = outbox()
    link.send_envelope(envs[0], T0)
    link.send_envelope(envs[1], T0)
    assert link.window_space == 0
    with pytest.raises(LocalProtocolError, match="window is full"):
        link.send_envelope(envs[2], T0)
    assert [type(f) for f in written(link)] == [EnvelopeFrame, EnvelopeFrame]
    events = feed(link, 1, ReceiptFrame(1, receipt(envs[0])))
    assert of(events, ev.ReceiptReceived) == [ev.ReceiptReceived(receipt(envs[0]), envs[0])]
    assert link.window_space == 1
    link.send_envelope(envs[2], T0)
    assert written(link) == [EnvelopeFrame(envs[2])]


def test_envelopes_queued_while_down_go_out_on_establishment() -> None:
    link = make_link(A, B)
    envs = outbox(count=2)
    for envelope in envs:
        link.send_envelope(envelope, T0)
    link.connection_made(4, dialed=False, now=T0 + 1)
    assert [type(f) for f in written(link, 4)] == [Hello]
    events = feed(link, 4, hello(B), now=T0 + 1)
    assert events[-1] == ev.EnvelopesRetransmitted(4, 1, 2)
    assert written(link, 4) == [EnvelopeFrame(e) for e in envs]


def test_retransmission_timeout_doubles_up_to_the_maximum_and_resets_on_progress() -> None:
    link = make_link(A, B, retransmit_initial=3.0, retransmit_max=60.0, dead_after=5.0)
    up(link, now=T0)
    envs = outbox(count=2)
    link.send_envelope(envs[0], T0)
    written(link)
    resent_at = []
    for tick in range(1, 215):
        now = T0 + tick
        feed(link, 1, Ping(tick, 0, 0), now=now)  # the peer is alive but sends no receipt
        link.handle_timer(now)
        for event in link.events():
            if isinstance(event, ev.EnvelopesRetransmitted):
                assert event == ev.EnvelopesRetransmitted(1, 1, 1)
                resent_at.append(tick)
        assert written(link).count(EnvelopeFrame(envs[0])) == (1 if resent_at and resent_at[-1] == tick else 0)
    assert resent_at == [3, 9, 21, 45, 93, 153, 213]  # +3, +6, +12, +24, +48, then +60 (capped)
    now = T0 + 214.5
    assert of(feed(link, 1, ReceiptFrame(1, receipt(envs[0])), now=now), ev.ReceiptReceived)
    link.send_envelope(envs[1], now)
    link.events()
    link.handle_timer(now + 2.999)
    assert not of(link.events(), ev.EnvelopesRetransmitted)
    link.handle_timer(now + 3)
    assert of(link.events(), ev.EnvelopesRetransmitted) == [ev.EnvelopesRetransmitted(1, 2, 1)]


def test_no_retransmission_timer_without_a_connection_or_without_unreceipted_envelopes() -> None:
    link = make_link(A, B, dead_after=100.0, heartbeat_interval=50.0, failover_after=60.0)
    envelope = outbox(count=1)[0]
    link.send_envelope(envelope, T0)
    assert link.next_timer() is None  # down: nothing to retransmit on
    up(link, now=T0)
    written(link)
    assert link.next_timer() == T0 + 3.0
    feed(link, 1, ReceiptFrame(1, receipt(envelope)), now=T0 + 1)
    assert link.next_timer() == T0 + 50.0  # only the heartbeat


# --- receiving: duplicates, chain, keys, addresses, window ------------------------------------------


def test_in_order_envelopes_are_received_and_duplicates_reported() -> None:
    link = make_link()
    up(link)
    envs = outbox(count=3)
    assert feed(link, 1, EnvelopeFrame(envs[0])) == [ev.EnvelopeReceived(envs[0])]
    assert feed(link, 1, EnvelopeFrame(envs[0])) == [ev.DuplicateEnvelopeReceived(envs[0])]
    assert feed(link, 1, EnvelopeFrame(envs[1]), EnvelopeFrame(envs[0])) == [
        ev.EnvelopeReceived(envs[1]),
        ev.DuplicateEnvelopeReceived(envs[0]),
    ]
    assert link.next_expected_seq == 3


def test_duplicates_after_a_restart_from_the_stored_cursor() -> None:
    envs = outbox(count=3)
    link = make_link(cursor=ReceiveCursor(3, envs[1].hash))
    up(link, next_seq=1)
    assert feed(link, 1, EnvelopeFrame(envs[0]), EnvelopeFrame(envs[1]), EnvelopeFrame(envs[2])) == [
        ev.DuplicateEnvelopeReceived(envs[0]),
        ev.DuplicateEnvelopeReceived(envs[1]),
        ev.EnvelopeReceived(envs[2]),
    ]


def test_reorder_buffer_delivers_in_order() -> None:
    link = make_link(window=4)
    up(link)
    envs = outbox(count=4)
    assert feed(link, 1, EnvelopeFrame(envs[2]), EnvelopeFrame(envs[3]), EnvelopeFrame(envs[2])) == []
    assert link.reorder_buffered == 2
    assert feed(link, 1, EnvelopeFrame(envs[1])) == []
    assert feed(link, 1, EnvelopeFrame(envs[0])) == [ev.EnvelopeReceived(e) for e in envs]
    assert link.reorder_buffered == 0 and link.next_expected_seq == 5


def test_broken_chain_is_refused_and_nothing_delivered() -> None:
    link = make_link()
    up(link)
    envs = outbox(count=2)
    assert of(feed(link, 1, EnvelopeFrame(envs[0])), ev.EnvelopeReceived)
    impostor = forge(seq=2, prev=GENESIS_HASH, text="a different second message")
    events = feed(link, 1, EnvelopeFrame(impostor), EnvelopeFrame(envs[1]))
    assert refusal(events) == RejectCode.BROKEN_CHAIN
    assert not of(events, ev.EnvelopeReceived)
    assert link.next_expected_seq == 2
    ours = written(link)
    assert isinstance(ours[-1], ErrorFrame) and ours[-1].code == "broken-chain"


def test_first_envelope_must_follow_genesis() -> None:
    link = make_link()
    up(link)
    assert refusal(feed(link, 1, EnvelopeFrame(forge(prev="1" * 64)))) == RejectCode.BROKEN_CHAIN


def test_broken_chain_found_in_the_reorder_buffer() -> None:
    link = make_link(window=4)
    up(link)
    envs = outbox(count=3)
    impostor = forge(seq=3, prev="2" * 64, text="not the real third")
    assert feed(link, 1, EnvelopeFrame(envs[0]), EnvelopeFrame(impostor)) == [ev.EnvelopeReceived(envs[0])]
    assert link.reorder_buffered == 1
    events = feed(link, 1, EnvelopeFrame(envs[1]), EnvelopeFrame(envs[2]))
    assert of(events, ev.EnvelopeReceived) == [ev.EnvelopeReceived(envs[1])]  # it is fine; the next is not
    assert refusal(events) == RejectCode.BROKEN_CHAIN
    assert link.next_expected_seq == 3 and link.reorder_buffered == 0
    up(link, 2, now=T0 + 1)
    assert feed(link, 2, EnvelopeFrame(envs[2]), now=T0 + 1) == [ev.EnvelopeReceived(envs[2])]


def test_envelope_signed_by_an_unpinned_key() -> None:
    link = make_link()
    up(link)
    events = feed(link, 1, EnvelopeFrame(forge("mallory")))
    assert refusal(events) == RejectCode.UNKNOWN_KEY
    assert not of(events, ev.EnvelopeReceived)


def test_envelope_with_a_bad_signature() -> None:
    genuine = outbox(count=1)[0]
    data = genuine.to_json()
    data["body"]["text"] = "tampered"
    link = make_link()
    up(link)
    link.receive_data(1, encode_frame_json({"t": "env", "env": data}), T0)
    events = link.events()
    assert refusal(events) == RejectCode.BAD_SIGNATURE
    assert not of(events, ev.EnvelopeReceived)


def encode_frame_json(obj: dict[str, Any]) -> bytes:
    from detente.protocol.canonical import canonical_json

    body = canonical_json(obj)
    return len(body).to_bytes(4, "big") + body


@pytest.mark.parametrize(("signer", "sender", "recipient"), [("charlie", "charlie", B), (A, A, "charlie"), (B, B, A)])
def test_misaddressed_envelope(signer: str, sender: str, recipient: str) -> None:
    link = make_link()
    up(link)
    events = feed(link, 1, EnvelopeFrame(forge(signer, sender=sender, recipient=recipient)))
    assert refusal(events) == RejectCode.MISADDRESSED
    assert not of(events, ev.EnvelopeReceived)


def test_sequence_beyond_the_window() -> None:
    link = make_link(window=4)
    up(link)
    envs = outbox(count=5)
    assert feed(link, 1, EnvelopeFrame(envs[3])) == []  # seq 4 < next 1 + window 4: held
    assert link.reorder_buffered == 1
    events = feed(link, 1, EnvelopeFrame(envs[4]))  # seq 5: beyond
    assert refusal(events) == RejectCode.SEQUENCE_GAP
    # The held envelope stays held for the next connection (it is signed and in the window).
    up(link, 2, now=T0 + 1)
    events = feed(link, 2, *(EnvelopeFrame(e) for e in envs[:3]), now=T0 + 1)
    assert events == [ev.EnvelopeReceived(e) for e in envs[:4]]


# --- receipts ---------------------------------------------------------------------------------------


def sender_with(count: int, **config: Any) -> tuple[Link, list[Envelope]]:
    link = make_link(A, B, **config)
    up(link)
    envs = outbox(count=count)
    for envelope in envs:
        link.send_envelope(envelope, T0)
    written(link)
    return link, envs


def test_receipt_received() -> None:
    link, envs = sender_with(2)
    rcpt = receipt(envs[0])
    assert feed(link, 1, ReceiptFrame(1, rcpt)) == [ev.ReceiptReceived(rcpt, envs[0])]
    assert link.unacked == 1
    assert feed(link, 1, ReceiptFrame(1, rcpt)) == []  # a repeated receipt is harmless
    assert link.unacked == 1


def test_receipt_for_another_envelope_with_that_number() -> None:
    link, envs = sender_with(1)
    other = outbox(text="something else", count=1)[0]
    assert other.seq == 1 and other.hash != envs[0].hash
    events = feed(link, 1, ReceiptFrame(1, receipt(other)))
    assert refusal(events) == RejectCode.RECEIPT_MISMATCH
    assert not of(events, ev.ReceiptReceived) and link.unacked == 1


def test_receipt_for_an_envelope_never_sent() -> None:
    link, envs = sender_with(1)
    unsent = outbox(count=2)[1]
    events = feed(link, 1, ReceiptFrame(2, receipt(unsent)))
    assert refusal(events) == RejectCode.UNKNOWN_RECEIPT
    assert link.unacked == 1


def test_receipt_signed_by_an_unpinned_key_or_misaddressed() -> None:
    link, envs = sender_with(1)
    assert refusal(feed(link, 1, ReceiptFrame(1, receipt(envs[0], signer="mallory")))) == RejectCode.UNKNOWN_KEY
    link, envs = sender_with(1)
    bogus = seal_receipt(SIGNERS["charlie"], forge("charlie", sender=A, recipient="charlie"), format_time(T0))
    assert refusal(feed(link, 1, ReceiptFrame(1, bogus))) == RejectCode.MISADDRESSED


def test_send_receipt_only_for_what_was_accepted() -> None:
    link = make_link()
    up(link)
    envs = outbox(count=2)
    with pytest.raises(LocalProtocolError):
        link.send_receipt(receipt(envs[0]), T0)
    feed(link, 1, EnvelopeFrame(envs[0]))
    link.send_receipt(receipt(envs[0]), T0)
    assert written(link) == [ReceiptFrame(1, receipt(envs[0]))]


def test_receipt_while_down_is_not_an_error() -> None:
    link = make_link()
    up(link)
    envelope = outbox(count=1)[0]
    feed(link, 1, EnvelopeFrame(envelope))
    link.connection_lost(1, T0)
    link.send_receipt(receipt(envelope), T0)  # goes nowhere; the peer will resend, we re-receipt
    assert link.pending_output() == []


def test_peer_lost_messages() -> None:
    link = make_link(A, B, receipted_through=3)
    events = up(link, next_seq=2)
    assert ev.PeerLostMessages(peer_next_seq=2, receipted_through=3) in events
    assert of(events, ev.LinkEstablished)[0].peer_next_seq == 2
    assert link.state is LinkState.UP  # the link still comes up; nothing is resent automatically
    for next_seq, lost in ((3, True), (4, False)):
        events = up(make_link(A, B, receipted_through=3), next_seq=next_seq)
        assert bool(of(events, ev.PeerLostMessages)) is lost


def test_a_stale_hello_is_not_lost_messages() -> None:
    """Regression: a hello written before the peer stored an envelope, arriving on a second
    connection after that envelope's receipt came on the first, was reported as lost messages."""
    link = make_link(A, B)
    up(link, 1)
    envelope = outbox(count=1)[0]
    link.send_envelope(envelope, T0)
    link.connection_made(2, dialed=False, now=T0 + 0.1)  # the peer dials again: its hello says next=1
    assert of(feed(link, 1, ReceiptFrame(1, receipt(envelope)), now=T0 + 0.2), ev.ReceiptReceived)
    events = feed(link, 2, hello(B, next_seq=1), now=T0 + 0.3)
    assert not of(events, ev.PeerLostMessages)
    assert of(events, ev.ConnectionEstablished) and link.current_connection == 2


# --- abort and close --------------------------------------------------------------------------------


def test_abort_with_a_cursor_rewinds_to_what_is_stored() -> None:
    link = make_link(window=8)
    up(link)
    envs = outbox(count=5)
    events = feed(link, 1, EnvelopeFrame(envs[0]), EnvelopeFrame(envs[1]), EnvelopeFrame(envs[4]))
    assert of(events, ev.EnvelopeReceived) == [ev.EnvelopeReceived(envs[0]), ev.EnvelopeReceived(envs[1])]
    assert link.reorder_buffered == 1
    # The station stored envs[0], then storing envs[1] failed.
    link.abort("storage-failure", "disk full", T0 + 1, cursor=ReceiveCursor(2, envs[0].hash))
    assert link.events() == [
        ev.ConnectionClosed(1, "storage-failure", "disk full"),
        ev.LinkLost("storage-failure", "disk full"),
    ]
    assert written(link) == [ErrorFrame("storage-failure", "disk full")]
    assert (link.next_expected_seq, link.reorder_buffered) == (2, 0)
    link.connection_made(2, dialed=False, now=T0 + 2)
    assert written(link, 2) == [Hello((1,), B, 2, micros(T0 + 2))]
    feed(link, 2, hello(), now=T0 + 2)
    assert feed(link, 2, EnvelopeFrame(envs[1]), now=T0 + 2) == [ev.EnvelopeReceived(envs[1])]


def test_abort_without_a_cursor_keeps_the_position() -> None:
    link = make_link()
    up(link)
    envs = outbox(count=2)
    feed(link, 1, EnvelopeFrame(envs[0]))
    link.abort(RejectCode.CONFLICTING_ENVELOPE, "seq 1 differs", T0)
    assert written(link) == [ErrorFrame("conflicting-envelope", "seq 1 differs")]
    assert link.next_expected_seq == 2
    up(link, 2)
    assert feed(link, 2, EnvelopeFrame(envs[0])) == [ev.DuplicateEnvelopeReceived(envs[0])]


def test_peer_error_frame_is_reported() -> None:
    link = make_link(A, B)
    up(link)
    events = feed(link, 1, ErrorFrame("broken-chain", "seq 2 says …"))
    assert events == [
        ev.PeerErrorReported(1, "broken-chain", "seq 2 says …"),
        ev.ConnectionClosed(1, "broken-chain", "seq 2 says …"),
        ev.LinkLost("broken-chain", "seq 2 says …"),
    ]


def test_close_says_bye_and_stops_dialing() -> None:
    link = make_link(A, B, dial=True)
    link.handle_timer(T0)
    link.events()
    up(link, 1, dialed=True)
    link.close(T0 + 1)
    assert link.events() == [
        ev.ConnectionClosed(1, "shutdown", "station is shutting down"),
        ev.LinkLost("shutdown", "station is shutting down"),
    ]
    assert written(link) == [Bye("shutdown")]
    assert link.pending_output() == [] and link.buffered_bytes() == 0
    assert link.next_timer() is None
    link.handle_timer(T0 + 1000)
    assert link.events() == []
    link.connection_made(2, dialed=False, now=T0 + 1001)  # someone connects: bye at once, no hello
    assert link.events() == [ev.ConnectionClosed(2, "shutdown", "station is shutting down")]
    assert written(link, 2) == [Bye("shutdown")]
    assert link.state is LinkState.DOWN


def test_close_between_two_stations() -> None:
    pair = Pair(configs=[LinkConfig(dial=True), LinkConfig(dial=False)])
    pair.advance(1.0)
    pair.call(1, lambda link, now: link.close(now))
    pair.pump()
    closed = of(pair.sides[0].history, ev.ConnectionClosed)
    assert closed[-1].reason == CloseReason.PEER_CLOSED and "bye: shutdown" in closed[-1].detail
    assert not of(pair.sides[0].history, ev.PeerErrorReported)
    pair.advance(30.0)  # alpha keeps redialing; bravo says bye to every attempt
    assert pair.link(0).state is not LinkState.UP and pair.link(1).state is LinkState.DOWN
    assert len(of(pair.sides[1].history, ev.ConnectionClosed)) > 3


# --- the driver contract ----------------------------------------------------------------------------


def test_config_is_validated() -> None:
    for bad in (
        {"heartbeat_interval": 0},
        {"heartbeat_interval": 3.0, "dead_after": 3.0},
        {"window": 0},
        {"reconnect_initial": 0},
        {"reconnect_initial": 6.0, "reconnect_max": 5.0},
        {"retransmit_initial": 0},
        {"retransmit_initial": 61.0, "retransmit_max": 60.0},
    ):
        with pytest.raises(ValueError):
            LinkConfig(**bad)
    with pytest.raises(LocalProtocolError):
        make_link(A, A)


def test_unknown_connections() -> None:
    link = make_link()
    link.connection_made(1, dialed=False, now=T0)
    with pytest.raises(LocalProtocolError):
        link.connection_made(1, dialed=False, now=T0)
    link.receive_data(9, encode_frame(hello()), T0)
    link.connection_lost(9, T0)
    assert link.events() == [] and link.data_to_send(9) == b""


def test_a_closed_connection_is_forgotten_once_its_output_is_taken() -> None:
    link = make_link()
    up(link)
    feed(link, 1, hello())  # refused: an error frame is waiting
    assert link.pending_output() == [1]
    assert link.buffered_bytes() > 0
    written(link)
    assert link.pending_output() == [] and link.buffered_bytes() == 0
    link.connection_lost(1, T0)  # the driver reports the close it made: nothing happens
    assert link.events() == []


# --- the state table -------------------------------------------------------------------------------


@pytest.fixture
def transitions(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[Any, Input]]]:
    seen: list[tuple[Any, Input]] = []
    real = states.advance

    def recording(state: Any, event: Input) -> Any:
        seen.append((state, event))
        return real(state, event)

    monkeypatch.setattr(link_module, "advance", recording)
    yield seen


def exercise_every_path() -> None:
    """Scenarios that between them take every transition Link can take."""
    # Handshakes, refusals of every kind, timeouts, close, abort.
    test_handshake()
    test_unsupported_version_refuses_and_receives_nothing()
    test_frames_before_hello(Ping(1, 0, 0))
    test_error_or_bye_before_hello_close_without_a_refusal()
    test_second_hello()
    test_link_lost_after_dead_after_of_silence_and_never_earlier()
    test_handshake_timeout_then_redial()
    test_dial_failed()
    test_connection_lost_brings_the_link_down_and_schedules_a_dial()
    test_a_newer_connection_from_the_same_dialer_replaces_the_current_one()
    test_peer_error_frame_is_reported()
    test_close_says_bye_and_stops_dialing()
    test_abort_with_a_cursor_rewinds_to_what_is_stored()
    for order in itertools.permutations(range(4)):
        test_tie_break_when_both_dial_at_once((A, B), order)
    # A connection lost, or closed locally, while still in its handshake.
    link = make_link(A, B, dial=True)
    link.handle_timer(T0)
    link.connection_made(1, dialed=True, now=T0)
    link.connection_lost(1, T0)
    link.connection_made(2, dialed=False, now=T0)
    link.close(T0)
    # A peer's connection established while our own dial is under way.
    link = make_link(A, B, dial=True)
    link.handle_timer(T0)
    up(link, 1)


def test_every_transition_the_link_makes_is_in_the_table(transitions: list[tuple[Any, Input]]) -> None:
    exercise_every_path()
    taken = set(transitions)
    assert taken <= set(TRANSITIONS)
    assert set(TRANSITIONS) == taken, "every row of the table is reachable"


def test_advance_refuses_moves_outside_the_table() -> None:
    with pytest.raises(LocalProtocolError):
        states.advance(ConnState.CLOSED, Input.FRAME_ACCEPTED)
    with pytest.raises(LocalProtocolError):
        states.advance(LinkState.UP, Input.DIAL_DUE)
    assert states.advance(ConnState.HANDSHAKING, Input.HELLO_ACCEPTED) is ConnState.ESTABLISHED


def test_mermaid_diagram_shows_every_state_and_transition() -> None:
    diagram = states.mermaid()
    assert diagram.startswith("stateDiagram-v2\n")
    for state in ConnState:
        assert f"connection_{state.value}" in diagram
    for state in LinkState:
        assert f"link_{state.value}" in diagram
    for state in PathState:
        assert f"path_{state.value}" in diagram
    for (source, event), target in TRANSITIONS.items():
        machine = {ConnState: "connection", PathState: "path", LinkState: "link"}[type(source)]
        assert f"{machine}_{source.value} --> {machine}_{target.value}: {event.value}" in diagram
    assert "[*] --> connection_HANDSHAKING" in diagram and "[*] --> link_DOWN" in diagram
