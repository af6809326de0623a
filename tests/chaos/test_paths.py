"""Two paths between the stations, the direct link and a relay run by a third party, under faults
injected for real: the direct link cut while the relay carries the line, the relay SIGKILLed and
restarted mid-stream, both paths down and the courier carried across, 5% "loss" and 200 ms of
jitter on every path, and the stations SIGKILLed at random moments throughout. Every scenario
sends at least 500 messages each way and ends with zero loss, zero duplicates, order kept in
each direction, both ledgers intact with no alarm, and the relay holding nothing readable."""

from __future__ import annotations

import random
import sqlite3
import time
from pathlib import Path

from integration.stations import run_cli, wait_until

from .conftest import MESSAGES, RelayedLine
from .proxy import Faults

BURST = 50
FAILOVER_LIMIT = 3.0


def _traffic(relayed: RelayedLine, bursts: int, on_burst: object = None) -> None:
    line = relayed.line
    for i in range(bursts):
        line.queue("TR", BURST)
        line.queue("SY", BURST)
        if callable(on_burst):
            on_burst(i)
        time.sleep(0.2)


def _moved_to(relayed: RelayedLine, party: str, path: str, after: float, timeout: float = 15.0) -> float:
    """Seconds from ``after`` until ``party``'s station logged that its link moved to ``path``."""

    def found() -> float | None:
        for at, new in relayed.path_changes(party):
            if new == path and at >= after - 0.05:
                return at - after
        return None

    return float(wait_until(lambda: found() is not None, timeout, what=f"{party} on {path}") and found())


def _relay_holds_no_text(relayed: RelayedLine) -> None:
    db = sqlite3.connect(relayed.relay.home / "relay.sqlite3")
    try:
        bodies = b"".join(bytes(row[0]) for row in db.execute("SELECT body FROM items"))
    finally:
        db.close()
    for marker in (b"TR 1", b"SY 1", b"free-text"):
        assert marker not in bodies


def _stations_up_on_direct(relayed: RelayedLine) -> None:
    line = relayed.line
    line.tr.start()
    line.sy.start()
    for station in (line.tr, line.sy):
        station.wait_log(r"path\.up .*path=relay:un", timeout=30)
        station.wait_log(r"link\.up .*path=direct", timeout=30)


def test_direct_link_cut_for_30_s_moves_to_the_relay_within_3_s_and_back(relayed_line: RelayedLine) -> None:
    relayed = relayed_line
    line = relayed.line
    for proxy in [*relayed.direct(), relayed.relay_proxy]:
        proxy.faults = Faults(delay=0.002, jitter=0.02)
    _stations_up_on_direct(relayed)
    cut_at: list[float] = []

    def fault(i: int) -> None:
        if i == 2:
            for proxy in relayed.direct():
                proxy.stall(1000.0)  # silence, not a reset: only the heartbeats can tell
            cut_at.append(time.time())

    _traffic(relayed, MESSAGES // BURST // 2, fault)
    failovers = {party: _moved_to(relayed, party, "relay:un", cut_at[0]) for party in ("TR", "SY")}

    def crash(i: int) -> None:
        if i == 1:  # Damascus crashes while the relay carries the line, and comes back on it
            line.sy.kill()
            line.sy.start()

    _traffic(relayed, MESSAGES // BURST // 2 - (MESSAGES // BURST // 2) // 2, crash)
    line.check()
    assert all(t <= FAILOVER_LIMIT for t in failovers.values()), failovers
    # Cut for 30 s in all; then the direct link comes back and the line returns to it.
    time.sleep(max(0.0, cut_at[0] + 30.0 - time.time()))
    for proxy in relayed.direct():
        proxy.reset()
        proxy._stall_until = 0.0
    restored = time.time()
    back = {party: _moved_to(relayed, party, "direct", restored, timeout=30) for party in ("TR", "SY")}
    _traffic(relayed, MESSAGES // BURST - MESSAGES // BURST // 2 - (MESSAGES // BURST // 4))
    line.check()
    print(f"failover to the relay after the direct link went silent: {failovers}; back on direct after: {back}")
    _relay_holds_no_text(relayed)
    line.verify_ledgers()


def test_relay_killed_and_restarted_mid_stream_with_the_direct_link_down(relayed_line: RelayedLine) -> None:
    relayed = relayed_line
    line = relayed.line
    for proxy in [*relayed.direct(), relayed.relay_proxy]:
        proxy.faults = Faults(delay=0.002, jitter=0.05)
    _stations_up_on_direct(relayed)
    for proxy in relayed.direct():
        proxy.cut(3600.0)  # only the relay is left
    rng = random.Random(1963)

    def fault(i: int) -> None:
        if i in (2, 6):
            time.sleep(rng.uniform(0.0, 0.5))
            relayed.relay.kill()
            time.sleep(rng.uniform(0.5, 2.0))
            relayed.relay.start()
        if i == 4:
            victim = line.station(rng.choice(["TR", "SY"]))
            victim.kill()
            victim.start()

    _traffic(relayed, MESSAGES // BURST, fault)
    line.check()
    assert "relay.connected" in line.tr.log()
    for proxy in relayed.direct():
        proxy.mend()
    _relay_holds_no_text(relayed)
    line.verify_ledgers()


def test_both_paths_down_courier_across_then_the_link_again(relayed_line: RelayedLine, tmp_path: Path) -> None:
    relayed = relayed_line
    line = relayed.line
    _stations_up_on_direct(relayed)
    half = MESSAGES // 2
    line.queue("TR", half // 2)
    line.queue("SY", half // 2)
    wait_until(lambda: line.undelivered("TR") == 0 and line.undelivered("SY") == 0, 60, what="first part")
    for proxy in [*relayed.direct(), relayed.relay_proxy]:
        proxy.cut(3600.0)
    line.queue("TR", half - half // 2)
    line.queue("SY", half - half // 2)
    line.sy.kill()
    line.sy.start()
    outgoing, reply, back = tmp_path / "tr.courier", tmp_path / "sy.courier", tmp_path / "tr-receipts.courier"
    run_cli("courier", "export", "--home", str(line.tr.home), "--to", "SY", "--out", str(outgoing))
    run_cli("courier", "import", "--home", str(line.sy.home), str(outgoing), "--reply-out", str(reply))
    run_cli("courier", "import", "--home", str(line.tr.home), str(reply), "--reply-out", str(back))
    run_cli("courier", "import", "--home", str(line.sy.home), str(back))
    assert line.undelivered("TR") == 0 and line.undelivered("SY") == 0, "the courier settled everything sent"
    line.queue("TR", MESSAGES - half)
    line.queue("SY", MESSAGES - half)
    relayed.relay_proxy.mend()  # the relay comes back first, then the direct link
    time.sleep(2.0)
    for proxy in relayed.direct():
        proxy.mend()
    line.check()
    _relay_holds_no_text(relayed)
    line.verify_ledgers()


def test_loss_and_jitter_on_every_path_with_kills(relayed_line: RelayedLine) -> None:
    relayed = relayed_line
    line = relayed.line
    for proxy in [*relayed.direct(), relayed.relay_proxy]:
        proxy.faults = Faults(delay=0.005, jitter=0.2, loss=0.05)
    _stations_up_on_direct(relayed)
    rng = random.Random(2015)

    def fault(i: int) -> None:
        if i == 3:
            for proxy in relayed.direct():
                proxy.cut(8.0)
        if i in (5, 8):
            victim = line.station(rng.choice(["TR", "SY"]))
            time.sleep(rng.uniform(0.0, 0.5))
            victim.kill()
            victim.start()

    _traffic(relayed, MESSAGES // BURST, fault)
    line.check()
    losses = sum(p.losses for p in [*relayed.direct(), relayed.relay_proxy])
    assert losses > 0
    line.verify_ledgers()
