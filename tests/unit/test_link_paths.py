"""Several paths to one peer: each tested with its own heartbeats, the link on the best live one,
failover when it closes or falls silent, failback when the preferred one returns, and
exactly-once delivery whichever path (or paths) a message travels."""

from __future__ import annotations

import random

import pytest

from detente.protocol import events as ev
from detente.protocol.frames import EnvelopeFrame, FrameDecoder, Ping, parse_frame
from detente.protocol.link import LinkConfig
from detente.protocol.states import LinkState, PathState
from pairs import Pair

PATHS = ("direct", "relay:un")


def two_paths(**overrides: object) -> Pair:
    dialer = LinkConfig(paths=PATHS, dial=True, **overrides)  # type: ignore[arg-type]
    listener = LinkConfig(paths=PATHS, dial=False, **overrides)  # type: ignore[arg-type]
    return Pair(configs=[dialer, listener])


def conn_on(pair: Pair, path: str) -> int:
    (cid,) = [c for c, conn in pair.conns.items() if conn.path == path and all(conn.open)]
    return cid


def of(events: list[ev.Event], kind: type[ev.Event]) -> list[ev.Event]:
    return [e for e in events if isinstance(e, kind)]


def test_each_path_is_dialed_and_kept_open_and_the_link_rides_the_preferred_one() -> None:
    pair = two_paths()
    pair.advance(0.0)
    assert sorted(e.path for e in of(pair.sides[0].history, ev.DialRequested)) == sorted(PATHS)  # type: ignore[attr-defined]
    for i in (0, 1):
        link = pair.link(i)
        assert link.state is LinkState.UP
        assert link.current_path == "direct"
        assert [link.path_state(p) for p in PATHS] == [PathState.OPEN, PathState.OPEN]
    established = of(pair.sides[1].history, ev.ConnectionEstablished)
    assert sorted(e.path for e in established) == sorted(PATHS)  # type: ignore[attr-defined]
    # Heartbeats on both, for a long time, and no churn.
    before = len(pair.conns)
    pair.advance(60.0)
    assert len(pair.conns) == before
    assert not of(pair.sides[0].history, ev.CurrentPathChanged)


def test_relay_first_then_direct_comes_up_and_takes_over() -> None:
    pair = two_paths()
    pair.fire_timers()
    pair.answer_dial(0, down=["direct"])  # the direct dial fails...
    pair.answer_dial(0)  # ...the relay works
    pair.pump()
    assert pair.link(0).current_path == "relay:un"
    pair.queue(0, 3)
    pair.pump()
    pair.advance(5.0)  # the direct path is dialed again and comes up
    changed = of(pair.sides[0].history, ev.CurrentPathChanged)
    assert changed and changed[-1].path == "direct" and changed[-1].previous == "relay:un"  # type: ignore[attr-defined]
    assert pair.link(0).current_path == "direct"
    pair.queue(0, 2)
    pair.run_until_delivered(limit=5.0)


def test_cut_direct_path_fails_over_at_once_and_nothing_is_lost_or_doubled() -> None:
    pair = two_paths()
    pair.advance(0.0)
    pair.queue(0, 5)
    pair.queue(1, 5)
    direct = conn_on(pair, "direct")
    # In flight on the direct path when it is cut: lost with it, sent again on the relay.
    pair.cut(direct)
    for i in (0, 1):
        assert pair.link(i).state is LinkState.UP and pair.link(i).current_path == "relay:un"
        assert not of(pair.sides[i].history, ev.LinkLost)
    took = pair.run_until_delivered(limit=5.0)
    assert took <= 0.5  # no timer to wait for: the relay was already established
    changed = of(pair.sides[0].history, ev.CurrentPathChanged)[0]
    assert changed.previous == "direct" and "cut" in changed.reason  # type: ignore[attr-defined]


@pytest.mark.parametrize("failover_after", [1.5, 2.0, 2.5])
def test_silent_direct_path_fails_over_after_failover_after_and_back_when_it_returns(failover_after: float) -> None:
    pair = two_paths(failover_after=failover_after)
    pair.advance(0.0)
    direct = conn_on(pair, "direct")
    pair.advance(0.7)
    pair.blackhole(direct)  # no reset, no fin: only silence shows it
    cut_at = pair.now
    pair.queue(0, 4)  # written on the dead path, never arrives
    while pair.link(0).current_path == "direct":
        pair.advance(0.01)
    moved = pair.now - cut_at
    assert moved <= failover_after + 1e-6  # the last frame came before the cut
    assert moved > failover_after - 1.0 - 1e-6  # and not much before: frames arrive every second
    pair.run_until_delivered(limit=1.0)
    # The silent connection is closed at dead_after; the dialer dials the direct path again.
    pair.advance(5.0)
    assert pair.link(0).current_path == "direct"
    assert pair.link(1).current_path == "direct"
    pair.queue(0, 2)
    pair.queue(1, 2)
    pair.run_until_delivered(limit=2.0)


def test_failover_timer_is_only_armed_when_another_path_is_established() -> None:
    single = Pair(configs=[LinkConfig(dial=True), LinkConfig(dial=False)])
    single.advance(0.0)
    cid = conn_on(single, "direct")
    single.blackhole(cid)
    single.advance(2.5)  # beyond failover_after, short of dead_after: still the same connection
    assert single.link(0).current_connection == cid
    single.advance(1.0)
    assert single.link(0).state is LinkState.DOWN or single.link(0).current_connection != cid


def test_a_listener_accepts_on_any_path_and_never_dials() -> None:
    pair = two_paths()
    pair.advance(0.0)
    assert not of(pair.sides[1].history, ev.DialRequested)
    for cid in list(pair.conns):
        if all(pair.conns[cid].open):
            pair.cut(cid)
    assert pair.link(1).state is LinkState.DOWN
    assert pair.link(1).next_timer() is None
    pair.advance(10.0)
    assert pair.link(1).state is LinkState.UP


def test_unknown_path_of_an_accepted_connection_ranks_last() -> None:
    pair = two_paths()
    pair.fire_timers()
    pair.pending_dials[0] = 0
    pair.dial_paths[0].clear()
    spare = pair.connect(1, "courier-modem")  # a path the dialer's configuration does not name
    pair.pump()
    assert pair.link(0).current_connection == spare
    relay = pair.connect(0, "relay:un")
    pair.pump()
    assert pair.link(0).current_connection == relay


def test_both_paths_down_then_back_delivers_everything_once() -> None:
    pair = two_paths()
    pair.advance(0.0)
    pair.queue(0, 3)
    for cid in list(pair.conns):
        if all(pair.conns[cid].open):
            pair.cut(cid)
    assert pair.link(0).state is LinkState.DOWN
    pair.queue(0, 3)
    pair.queue(1, 3)
    pair.advance(3.0, down=PATHS)
    assert pair.link(0).state is LinkState.DOWN
    assert [pair.link(0).path_state(p) for p in PATHS] == [PathState.WAITING, PathState.WAITING]
    pair.run_until_delivered(limit=15.0)


def test_messages_sent_on_both_paths_are_received_once() -> None:
    """A receipt lost on the old path makes the sender repeat an envelope on the new one: the
    receiver recognises it and answers with its stored receipt."""
    pair = two_paths()
    pair.advance(0.0)
    direct, relay = conn_on(pair, "direct"), conn_on(pair, "relay:un")
    pair.queue(0, 3)
    pair.deliver(direct, 1, count=10)  # bravo stores them; its receipts are in flight back
    pair.conns[direct].to[0].frames.clear()
    pair.cut(direct)  # lost: alpha sends all three again on the relay
    pair.pump()
    assert len(pair.durables[1].inbox) == 3
    assert of(pair.sides[1].history, ev.DuplicateEnvelopeReceived)
    assert pair.delivered()
    assert pair.link(0).current_connection == relay


@pytest.mark.parametrize("seed", range(12))
def test_random_faults_on_two_paths_exactly_once_in_order(seed: int) -> None:
    rng = random.Random(seed)
    pair = two_paths()
    pair.advance(0.0)
    for _ in range(40):
        pair.queue(rng.randrange(2), rng.randrange(1, 4))
        live = [c for c, conn in pair.conns.items() if all(conn.open) and not conn.blackholed]
        fault = rng.random()
        if live and fault < 0.2:
            pair.cut(rng.choice(live))
        elif live and fault < 0.3:
            pair.blackhole(rng.choice(live))
        elif live and fault < 0.4:
            cid = rng.choice(live)
            pair.drop_frame(cid, rng.randrange(2), rng.randrange(8))
        elif fault < 0.45:
            pair.restart(rng.randrange(2))
        down = [p for p in PATHS if rng.random() < 0.3]
        pair.advance(rng.choice([0.0, 0.3, 1.0, 2.2, 4.0]), down=down)
    pair.run_until_delivered(limit=120.0)
    for i in (0, 1):
        assert pair.durables[1 - i].inbox == pair.durables[i].outbox


def test_config_checks() -> None:
    with pytest.raises(ValueError, match="failover_after"):
        LinkConfig(failover_after=0.5)
    with pytest.raises(ValueError, match="failover_after"):
        LinkConfig(failover_after=4.0)
    with pytest.raises(ValueError, match="paths"):
        LinkConfig(paths=())
    with pytest.raises(ValueError, match="paths"):
        LinkConfig(paths=("direct", "direct"))


def test_pings_run_on_the_standby_path_too() -> None:
    pair = two_paths()
    pair.advance(0.0)
    relay = conn_on(pair, "relay:un")
    pair.advance(0.99)
    pair.link(0).handle_timer(pair.clock(0) + 0.02)
    data = pair.link(0).data_to_send(relay)
    frames = [parse_frame(f) for f in FrameDecoder().feed(data)]
    assert any(isinstance(f, Ping) for f in frames)
    assert not any(isinstance(f, EnvelopeFrame) for f in frames)


def test_a_preferred_path_that_went_silent_and_answers_again_takes_the_link_back() -> None:
    """Silence between failover_after and dead_after: the direct connection is never closed, and
    when it is heard from again the link returns to it."""
    pair = two_paths(dead_after=5.0)
    pair.advance(0.0)
    direct = conn_on(pair, "direct")
    conn = pair.conns[direct]
    conn.blackholed = True
    pair.advance(2.5)  # past failover_after (2 s), short of dead_after (3 s)
    assert pair.link(0).current_path == "relay:un"
    conn.blackholed = False  # the frames flow again (none of the held ones: they were lost)
    pair.advance(1.5)
    assert direct in pair.conns and all(pair.conns[direct].open)
    assert pair.link(0).current_path == "direct" and pair.link(1).current_path == "direct"
    changed = of(pair.sides[0].history, ev.CurrentPathChanged)
    assert [c.path for c in changed] == ["relay:un", "direct"]  # type: ignore[attr-defined]


def test_no_timer_stays_due_when_every_path_falls_silent() -> None:
    """Both paths silent: the failover deadline passes with nowhere to go and is not armed again
    (the driver would otherwise be woken at once, over and over, until dead_after)."""
    pair = two_paths(dead_after=30.0, failover_after=2.0)
    pair.advance(0.0)
    for cid in list(pair.conns):
        pair.blackhole(cid)
    link = pair.link(0)
    calls = 0
    now = pair.clock(0)
    while now < pair.clock(0) + 20.0:
        wake = link.next_timer()
        assert wake is not None
        now = max(now + 0.001, wake + 0.05)  # a driver that wakes a little late
        link.handle_timer(now)
        link.events()
        for cid in link.pending_output():
            link.data_to_send(cid)
        calls += 1
    assert calls < 100, f"{calls} wake-ups in 20 s"


def test_close_and_abort_do_not_move_the_link_to_a_connection_they_close() -> None:
    for stop in ("close", "abort"):
        pair = two_paths()
        pair.advance(0.0)
        pair.queue(0, 3)
        relay = conn_on(pair, "relay:un")
        pair.link(0).data_to_send(relay)
        link = pair.link(0)
        if stop == "close":
            link.close(pair.clock(0))
        else:
            link.abort("storage-failure", "disk full", pair.clock(0))
        assert not of(link.events(), ev.CurrentPathChanged)
        frames = [parse_frame(f) for f in FrameDecoder().feed(link.data_to_send(relay))]
        assert not any(isinstance(f, EnvelopeFrame) for f in frames), stop
