"""A flood of TCP connections that never authenticate, held against a station's link port and
against a relay's, each running with 1,024 open files: the pinned peer, restarted during the
flood, connects and delivers within 3 s; the station's console keeps answering; the refusals
are counted and logged per address and interval, not per connection."""

from __future__ import annotations

import json
import re
import resource
import select
import selectors
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from chaos.conftest import RelayProcess

from .conftest import StationFactory
from .stations import StationProcess, free_port, init_station, run_cli, wait_until

FLOOD = 5000
"""Connections held against the listener."""
SOURCES = 50
"""Loopback addresses they come from (127.0.0.2 …); the pinned peer connects from 127.0.0.1."""
OPEN_FILES = 1024
"""The listening process's open-files limit, soft and hard: the usual default."""
REOPEN_PER_SECOND = 1000
"""How fast the flood replaces a connection the listener closed."""
DELIVERY_BOUND = 3.0
"""Seconds from the peer's restart to the message being received at the other end."""


class Flood:
    """``FLOOD`` TCP connections to a port, opened without a byte sent and held, from many
    loopback addresses; each one the listener closes (refused, or timed out) is replaced, in a
    thread of the test, until the ``with`` block ends."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.opened = 0
        self.closed_by_listener = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="flood", daemon=True)
        self._selector = selectors.DefaultSelector()
        self._ready = threading.Event()

    def __enter__(self) -> Flood:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard != resource.RLIM_INFINITY and hard < FLOOD + 500:
            pytest.skip(f"the test needs {FLOOD + 500} open files; the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, FLOOD + 500), hard))
        self._thread.start()
        if not self._ready.wait(60):
            raise AssertionError("the flood did not open its connections within 60 s")
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)
        for key in list(self._selector.get_map().values()):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            sock.close()
        self._selector.close()

    def _open(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.bind((f"127.0.0.{2 + self.opened % SOURCES}", 0))
        sock.connect_ex(("127.0.0.1", self.port))
        self._selector.register(sock, selectors.EVENT_READ)
        self.opened += 1

    def _run(self) -> None:
        for _ in range(FLOOD):
            self._open()
        self._ready.set()
        owed = 0
        last = time.monotonic()
        while not self._stop.is_set():
            for key, _ in self._selector.select(0.05):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                self._selector.unregister(sock)
                sock.close()
                self.closed_by_listener += 1
                owed += 1
            now = time.monotonic()
            budget = int((now - last) * REOPEN_PER_SECOND)
            if budget:
                last = now
                for _ in range(min(owed, budget)):
                    self._open()
                    owed -= 1


def _set_link(station: StationProcess, **settings: str) -> None:
    path = station.home / "station.toml"
    text = path.read_text(encoding="utf-8")
    for key, value in settings.items():
        text, n = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", text, count=1)
        assert n == 1, key
    path.write_text(text, encoding="utf-8")


def _lines(log: str, event: str) -> int:
    return len(re.findall(rf" {re.escape(event)} ", log))


def _restart_and_time_delivery(sender: StationProcess, receiver: StationProcess, to: str) -> float:
    """Stop ``sender``, queue a message on it, start it again: seconds from its being up (its
    listener open, its first dial made) to the message being received by ``receiver``."""
    sender.stop()
    ident = sender.send("received during a flood", to=to)
    sender.start()
    started = time.monotonic()
    receiver.wait_log(rf"message\.received .*id={re.escape(ident)}", timeout=30)
    return time.monotonic() - started


ONLY_THE_RESERVE = {"max_pending_handshakes": "65536", "max_pending_per_source": "65536", "reserved_descriptors": "128"}
"""Limits under which only the open files kept in reserve stand between the flood and the line."""


@pytest.mark.slow
@pytest.mark.parametrize("limits", [{}, ONLY_THE_RESERVE], ids=["default-limits", "only-the-descriptor-reserve"])
def test_a_pinned_peer_reconnects_and_delivers_through_a_flood_and_the_console_answers(
    make_station: StationFactory, limits: dict[str, str]
) -> None:
    tr = make_station("Ankara Operations Centre", "TR", "tr")
    sy = make_station("Damascus Operations Centre", "SY", "ar")
    tr.pin(sy)
    sy.pin(tr)
    _set_link(tr, dial='"never"', **limits)  # Damascus is the one that connects: to Ankara's flooded port
    _set_link(sy, dial='"always"')
    tr.open_files = OPEN_FILES
    tr.start()
    sy.start()
    tr.wait_log(r"link\.up", timeout=30)
    assert re.search(rf"limits\.open_files process=serve soft={OPEN_FILES} hard={OPEN_FILES}", tr.log())

    with Flood(tr.port) as flood:
        wait_until(lambda: flood.closed_by_listener > 1000, 60, what="Ankara refusing the flood")
        took = _restart_and_time_delivery(sy, tr, to="TR")
        assert took <= DELIVERY_BOUND, f"Damascus took {took:.2f} s to reconnect and deliver"
        assert tr.process is not None and tr.process.poll() is None
        with urllib.request.urlopen(f"http://127.0.0.1:{tr.console_port}/", timeout=5) as page:
            assert page.status == 200 and b"<html" in page.read().lower()
        counts = tr.status()["link_listener"]
        reason = "descriptors" if limits else "total"
        assert counts["refused"][reason] > 1000 and counts["pending"] >= 1
        held = flood.opened
    tr.wait_log(r"connection\.limited listener=link", timeout=30)
    log = tr.log()
    assert "Too many open files" not in log and "listener.out_of_files" not in log
    lines = _lines(log, "connection.limited") + _lines(log, "connection.refused")
    assert lines < held / 20, f"{lines} log lines for {held} connections: refusals are logged per connection"


@pytest.fixture
def relayed(tmp_path: Path) -> Iterator[tuple[StationProcess, StationProcess, RelayProcess]]:
    """Ankara and Damascus whose only path is a relay (their cards name no reachable endpoint)."""
    port = free_port()
    relay_home = tmp_path / "relay"
    run_cli("relay", "init", "--home", str(relay_home), "--name", "un", "--listen", f"127.0.0.1:{port}")
    relay_card = tmp_path / "un.relay-card"
    relay_card.write_text(run_cli("relay", "card", "--home", str(relay_home)).stdout)
    tr = init_station(tmp_path / "tr", "Ankara Operations Centre", "TR", "tr", console=False)
    sy = init_station(tmp_path / "sy", "Damascus Operations Centre", "SY", "ar", console=False)
    relay = RelayProcess(relay_home, port, open_files=OPEN_FILES)
    try:
        for station in (tr, sy):
            _set_link(station, advertise=f'["127.0.0.1:{free_port()}"]')  # nobody listens there
            station.cli("relay", "use", str(relay_card))
            card = tmp_path / f"{station.home.name}.card.json"
            card.write_text(json.dumps(station.card()))
            run_cli("relay", "allow", "--home", str(relay_home), str(card))
        tr.pin(sy)
        sy.pin(tr)
        yield tr, sy, relay
    finally:
        for station in (tr, sy):
            station.close()
        relay.close()


@pytest.mark.slow
def test_a_station_reconnects_to_a_flooded_relay_and_delivers_through_it(
    relayed: tuple[StationProcess, StationProcess, RelayProcess],
) -> None:
    tr, sy, relay = relayed
    relay.start()
    tr.start()
    sy.start()
    tr.wait_log(r"link\.up .*path=relay:un", timeout=30)
    assert re.search(rf"limits\.open_files process=\"relay serve\" soft={OPEN_FILES} hard={OPEN_FILES}", relay.log())

    with Flood(relay.port) as flood:
        wait_until(lambda: flood.closed_by_listener > 1000, 60, what="the relay refusing the flood")
        took = _restart_and_time_delivery(tr, sy, to="SY")
        assert took <= DELIVERY_BOUND, f"Ankara took {took:.2f} s to reconnect to the relay and deliver"
        assert relay.process is not None and relay.process.poll() is None
        held = flood.opened
    wait_until(lambda: "connection.limited listener=relay" in relay.log(), 30, what="the relay's refusal report")
    log = relay.log()
    assert "Too many open files" not in log and "listener.out_of_files" not in log
    lines = _lines(log, "connection.limited") + _lines(log, "relay.connection_refused")
    assert lines < held / 20, f"{lines} log lines for {held} connections: refusals are logged per connection"


def _idle(port: int, source: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
    sock.settimeout(10)
    return sock


def _closed(sock: socket.socket) -> bool:
    """Whether the other end closed ``sock`` (waiting for it up to the socket's timeout)."""
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def _still_open(sock: socket.socket) -> bool:
    readable, _, _ = select.select([sock], [], [], 0)
    return not readable


@pytest.mark.slow
def test_over_the_limits_a_connection_is_closed_at_once_and_an_idle_one_after_the_deadline(
    make_station: StationFactory,
) -> None:
    tr = make_station("Ankara Operations Centre", "TR", "tr")
    _set_link(tr, handshake_timeout="3.0", max_pending_per_source="2")
    tr.start()
    assert tr.console_port is not None
    for port, listener in ((tr.port, "link"), (tr.console_port, "console")):
        first, second = _idle(port, "127.0.0.9"), _idle(port, "127.0.0.9")
        third = _idle(port, "127.0.0.9")
        assert _closed(third), f"the {listener} listener let a third connection from one address wait"
        assert _still_open(first) and _still_open(second)
        other = _idle(port, "127.0.0.10")
        assert _still_open(other), "another address is not held back"
        for sock in (first, second, other):
            assert _closed(sock), f"the {listener} listener kept an idle connection past handshake_timeout"
            sock.close()
        third.close()
    with urllib.request.urlopen(f"http://127.0.0.1:{tr.console_port}/", timeout=5) as page:
        assert page.status == 200
    refused = wait_until(
        lambda: (tr.status()["link_listener"] or {}).get("refused", {}).get("timeout", 0) >= 3 and tr.status(),
        10,
        what="the link listener's counts in status",
    )["link_listener"]["refused"]
    assert refused["source"] == 1 and refused["timeout"] == 3
