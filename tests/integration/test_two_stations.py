"""Two real `detente serve` processes on loopback over real TLS."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time

import pytest

from .conftest import StationFactory
from .stations import CLI, StationProcess, run_cli, wait_until


def test_messages_both_ways_are_delivered_once_with_receipts(pair: tuple[StationProcess, StationProcess]) -> None:
    tr, sy = pair
    tr.start()
    sy.start()
    sent_tr = [tr.send(f"TR message {i}", "SY", "flash" if i == 0 else "routine") for i in range(5)]
    sent_sy = [sy.send(f"SY رسالة {i}", "TR") for i in range(5)]
    wait_until(
        lambda: all(m["state"] == "delivered" for m in tr.messages("outbox") + sy.messages("outbox")),
        what="every message delivered",
    )
    assert [m["id"] for m in sy.messages("inbox")] == sent_tr
    assert [m["id"] for m in tr.messages("inbox")] == sent_sy
    inbox = sy.messages("inbox")
    assert inbox[0]["precedence"] == "flash" and inbox[0]["body"]["text"] == "TR message 0"
    assert inbox[0]["from"] == "TR" and inbox[0]["to"] == "SY"
    assert all(m["receipt_at"] for m in tr.messages("outbox"))
    status = tr.status()
    assert status["serve"]["running"] is True
    (peer,) = status["peers"]
    assert peer["party"] == "SY" and peer["link"] == "UP" and peer["queue_depth"] == 0


def test_send_while_serve_is_stopped_is_delivered_after_start(pair: tuple[StationProcess, StationProcess]) -> None:
    tr, sy = pair
    message = tr.send("queued while nothing runs", "SY", "immediate")
    assert tr.messages("outbox")[0]["state"] == "queued"
    sy.start()
    tr.start()
    wait_until(lambda: tr.messages("outbox")[0]["state"] == "delivered", what="delivery after start")
    assert [m["id"] for m in sy.messages("inbox")] == [message]


def test_orderly_shutdown_keeps_undelivered_messages_queued(pair: tuple[StationProcess, StationProcess]) -> None:
    tr, sy = pair
    tr.start()
    message = tr.send("the peer is not running", "SY")
    assert tr.stop() == 0
    assert tr.messages("outbox")[0]["state"] in ("queued", "sent")
    assert "station.stopped" in tr.log()
    sy.start()
    tr.start()
    wait_until(lambda: tr.messages("outbox")[0]["state"] == "delivered", what="delivery after restart")
    assert [m["id"] for m in sy.messages("inbox")] == [message]


def test_inbox_follow_prints_messages_as_they_arrive(pair: tuple[StationProcess, StationProcess]) -> None:
    tr, sy = pair
    tr.start()
    sy.start()
    follower = subprocess.Popen(
        [*CLI, "inbox", "--home", str(sy.home), "--follow", "--json"],
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    try:
        first = tr.send("first", "SY")
        assert follower.stdout is not None
        assert json.loads(follower.stdout.readline())["id"] == first
        second = tr.send("second", "SY", "flash")
        line = json.loads(follower.stdout.readline())
        assert line["id"] == second and line["precedence"] == "flash"
    finally:
        follower.terminate()
        follower.wait(10)
        assert follower.stdout is not None
        follower.stdout.close()


def test_a_line_over_ipv6_loopback(make_station: StationFactory) -> None:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
            port = probe.getsockname()[1]
    except OSError:
        pytest.skip("this machine has no IPv6 loopback")
    tr = make_station()
    sy_home = tr.home.parent / "sy6"
    run_cli(
        "init",
        "--home",
        str(sy_home),
        "--name",
        "Damascus Operations Centre",
        "--party",
        "SY",
        "--listen",
        f"[::1]:{port}",
        "--console",
        "off",
        "--lang",
        "ar",
    )
    sy = StationProcess(sy_home, "Damascus Operations Centre", "SY", port)
    try:
        assert sy.card()["endpoints"] == [f"tls://[::1]:{port}"]
        tr.pin(sy)
        sy.pin(tr)
        tr.start()
        sy.start()
        message = tr.send("over IPv6", "SY")
        wait_until(lambda: tr.messages("outbox")[0]["state"] == "delivered", what="delivery over ::1")
        assert [m["id"] for m in sy.messages("inbox")] == [message]
    finally:
        sy.close()


def test_a_peer_that_has_not_pinned_us_is_reported(make_station: StationFactory) -> None:
    tr = make_station()
    sy = make_station("Damascus Operations Centre", "SY", "ar")
    sy.pin(tr)  # Damascus pins Ankara, but Ankara never pins Damascus
    config = sy.home / "station.toml"
    config.write_text(config.read_text().replace('dial = "auto"', 'dial = "always"'))
    tr.start()
    sy.start()
    tr.wait_log(r"connection\.refused .*not a pinned peer")
    sy.wait_log(r"WARNING +connection\.closed .*reason=closed-before-hello .*does the peer have this station pinned")
    (peer,) = sy.status()["peers"]
    assert peer["link"] != "UP" and "before the peer's hello" in peer["detail"]


def test_a_frozen_peer_is_declared_lost_by_heartbeat_and_recovers(pair: tuple[StationProcess, StationProcess]) -> None:
    """SIGSTOP keeps the peer's TCP connection open but silent: only the heartbeats can tell."""
    tr, sy = pair
    tr.start()
    sy.start()
    tr.wait_log(r"link\.up party=SY")
    assert sy.process is not None
    os.kill(sy.process.pid, signal.SIGSTOP)
    stopped_at = time.monotonic()
    try:
        tr.wait_log(r"link\.down party=SY reason=link-timeout detail=\"no frame from the peer for", timeout=10)
        noticed = time.monotonic() - stopped_at
        message = tr.send("sent while the peer is frozen", "SY", "flash")
        assert tr.status()["peers"][0]["link"] in ("DOWN", "DIALING")
    finally:
        os.kill(sy.process.pid, signal.SIGCONT)
    # 3 s of silence after the last frame, plus this test's own polling and process start-up.
    assert noticed < 6, f"link loss noticed after {noticed:.1f} s"
    wait_until(lambda: tr.messages("outbox")[0]["state"] == "delivered", what="delivery after the peer thaws")
    assert [m["id"] for m in sy.messages("inbox")] == [message]
