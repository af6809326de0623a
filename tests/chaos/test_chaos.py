"""The line under faults injected for real between two `detente serve` processes: jitter, resets,
corruption, stalls, cuts, SIGKILL of either station at random moments, and the courier carried
across a long cut. Every scenario sends at least 500 messages each way and ends with zero loss,
zero duplicates, order kept in each direction, and both ledgers intact with no alarm."""

from __future__ import annotations

import random
import time
from pathlib import Path

from integration.stations import run_cli

from .conftest import MESSAGES, Line
from .proxy import Faults

BURST = 50


def _traffic(line: Line, on_burst: object = None) -> None:
    """Both sides queue MESSAGES each, in bursts, while ``on_burst(i)`` injects faults."""
    for i in range(MESSAGES // BURST):
        line.queue("TR", BURST)
        line.queue("SY", BURST)
        if callable(on_burst):
            on_burst(i)
        time.sleep(0.2)


def _jittery(line: Line, **faults: object) -> None:
    for proxy in line.proxies.values():
        proxy.faults = Faults(**faults)  # type: ignore[arg-type]


def test_jitter_random_resets_and_a_ten_second_cut(chaos_line: Line) -> None:
    line = chaos_line
    _jittery(line, delay=0.01, jitter=0.2, reset_every=(2.0, 6.0))
    line.tr.start()
    line.sy.start()
    cut_ends: list[float] = []

    def fault(i: int) -> None:
        if i == MESSAGES // BURST // 2:
            for proxy in line.proxies.values():
                proxy.cut(10.0)
            cut_ends.append(time.monotonic() + 10.0)

    _traffic(line, fault)
    line.check()
    resets = sum(p.resets for p in line.proxies.values())
    assert resets >= 3, "the random resets happened"
    print(f"{resets} resets; everything delivered {time.monotonic() - cut_ends[0]:.1f} s after the 10 s cut ended")
    line.verify_ledgers()


def test_either_station_killed_at_random_moments(chaos_line: Line) -> None:
    line = chaos_line
    _jittery(line, delay=0.005, jitter=0.2)
    line.tr.start()
    line.sy.start()
    rng = random.Random(2012)
    kills: list[str] = []

    def fault(i: int) -> None:
        if i % 2 == 1:
            victim = line.station(rng.choice(["TR", "SY"]))
            time.sleep(rng.uniform(0.0, 0.6))  # somewhere in the middle of a burst
            victim.kill()
            kills.append(victim.party)
            time.sleep(rng.uniform(0.2, 1.5))
            victim.start()

    _traffic(line, fault)
    line.check()
    assert len(kills) >= 4, kills
    print(f"SIGKILLed: {', '.join(kills)}")
    line.verify_ledgers()


def test_corrupted_bytes_and_a_silent_stall(chaos_line: Line) -> None:
    line = chaos_line
    _jittery(line, delay=0.005, jitter=0.05)
    line.tr.start()
    line.sy.start()

    def fault(i: int) -> None:
        if i in (1, 3, 5):
            line.proxies[random.Random(i).choice(["TR", "SY"])].corrupt()  # TLS must refuse the record
        if i == 7:
            for proxy in line.proxies.values():
                proxy.stall(5.0)  # nothing arrives, nothing is closed: heartbeats must notice

    _traffic(line, fault)
    line.check()
    assert "link.down" in line.tr.log() + line.sy.log()
    line.verify_ledgers()


def test_a_long_cut_crossed_by_courier_then_the_link_again_with_kills(chaos_line: Line, tmp_path: Path) -> None:
    line = chaos_line
    _jittery(line, delay=0.005, jitter=0.1)
    line.tr.start()
    line.sy.start()
    half = MESSAGES // 2
    line.queue("TR", half // 2)
    line.queue("SY", half // 2)
    time.sleep(1.0)
    for proxy in line.proxies.values():
        proxy.cut(3600.0)  # every path down
    line.queue("TR", half - half // 2)
    line.queue("SY", half - half // 2)
    line.sy.kill()  # and Damascus crashes while cut off
    line.sy.start()

    outgoing, reply, back = tmp_path / "tr.courier", tmp_path / "sy.courier", tmp_path / "tr-receipts.courier"
    run_cli("courier", "export", "--home", str(line.tr.home), "--to", "SY", "--out", str(outgoing))
    run_cli("courier", "import", "--home", str(line.sy.home), str(outgoing), "--reply-out", str(reply))
    run_cli("courier", "import", "--home", str(line.tr.home), str(reply), "--reply-out", str(back))
    run_cli("courier", "import", "--home", str(line.sy.home), str(back))
    assert line.undelivered("TR") == 0 and line.undelivered("SY") == 0, "the courier settled everything sent"
    assert line.inbox("SY") == [f"TR {n}" for n in range(half)]

    line.queue("TR", MESSAGES - half)
    line.queue("SY", MESSAGES - half)
    line.tr.kill()
    line.tr.start()
    restored = time.monotonic()
    for proxy in line.proxies.values():
        proxy.mend()
    took = line.check()
    print(f"after the cut: {MESSAGES - half} each way delivered by the link {took:.1f} s after it came back")
    assert time.monotonic() >= restored
    line.verify_ledgers()
