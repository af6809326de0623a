"""Two real stations whose every byte passes through a fault-injecting proxy."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from detente.config import set_station_setting
from detente.home import Home
from detente.outbox import queue_message
from detente.protocol.envelope import Precedence
from integration.stations import (
    CLI,
    StationProcess,
    free_port,
    init_station,
    open_files_limit,
    run_cli,
    wait_until,
)

from .proxy import FaultProxy, Faults

MESSAGES = int(os.environ.get("DETENTE_CHAOS_MESSAGES", "500"))
"""Messages each way in every scenario (`make chaos` raises it)."""


@dataclass
class Line:
    tr: StationProcess
    sy: StationProcess
    proxies: dict[str, FaultProxy]
    sent: dict[str, int] = field(default_factory=lambda: {"TR": 0, "SY": 0})

    def station(self, party: str) -> StationProcess:
        return self.tr if party == "TR" else self.sy

    def queue(self, party: str, count: int) -> None:
        """``count`` more numbered messages from ``party``, stored as `detente send` stores them."""
        station, other = self.station(party), self.station("SY" if party == "TR" else "TR")
        home = Home(station.home)
        peer = Home(other.home).config.station_id
        store = home.open_store()
        try:
            for n in range(self.sent[party], self.sent[party] + count):
                queue_message(
                    home,
                    store,
                    peer=peer,
                    kind="free-text",
                    precedence=Precedence.ROUTINE,
                    body={"text": f"{party} {n}", "lang": "tr" if party == "TR" else "ar"},
                    now=time.time(),
                )
        finally:
            store.close()
        self.sent[party] += count

    def inbox(self, party: str) -> list[str]:
        store = Home(self.station(party).home).open_store()
        try:
            return [str(r.body["text"]) for _, r in store.messages("in") if r.kind == "free-text"]
        finally:
            store.close()

    def undelivered(self, party: str) -> int:
        store = Home(self.station(party).home).open_store()
        try:
            return sum(store.queue_depth(p.station_id) for p in store.peers())
        finally:
            store.close()

    def check(self, timeout: float = 240) -> float:
        """Wait until everything is delivered both ways; assert exactly once and in order;
        return how long the wait took."""
        started = time.monotonic()
        wait_until(
            lambda: self.undelivered("TR") == 0 and self.undelivered("SY") == 0,
            timeout,
            interval=0.5,
            what="every message delivered both ways",
        )
        assert self.inbox("SY") == [f"TR {n}" for n in range(self.sent["TR"])], "SY: exactly once, in order"
        assert self.inbox("TR") == [f"SY {n}" for n in range(self.sent["SY"])], "TR: exactly once, in order"
        return time.monotonic() - started

    def verify_ledgers(self) -> None:
        for station in (self.tr, self.sy):
            if station.process is not None and station.process.poll() is None:
                station.stop()
        for station in (self.tr, self.sy):
            run_cli("ledger", "verify", "--home", str(station.home))
            shown = json.loads(run_cli("ledger", "show", "--json", "--home", str(station.home)).stdout)
            assert shown["alarms"] == [], f"{station.party}: {shown['alarms']}"


def _advertise(station: StationProcess, port: int) -> None:
    set_station_setting(station.home / "station.toml", "advertise", [f"127.0.0.1:{port}"])


@pytest.fixture
def chaos_line(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Line]:
    """Ankara and Damascus, each reachable only through its own fault-injecting proxy (the
    faults are set by the test through ``line.proxies[...].faults``), pinned, not started."""
    tr = init_station(tmp_path / "tr", "Ankara Operations Centre", "TR", "tr", console=False)
    sy = init_station(tmp_path / "sy", "Damascus Operations Centre", "SY", "ar", console=False)
    seed = sum(map(ord, request.node.name))
    proxies = {
        "TR": FaultProxy(("127.0.0.1", tr.port), Faults(), seed),
        "SY": FaultProxy(("127.0.0.1", sy.port), Faults(), seed + 1),
    }
    _advertise(tr, proxies["TR"].port)
    _advertise(sy, proxies["SY"].port)
    tr.pin(sy)
    sy.pin(tr)
    try:
        yield Line(tr, sy, proxies)
    finally:
        for station in (tr, sy):
            station.close()
        for proxy in proxies.values():
            proxy.close()


@dataclass
class RelayProcess:
    """A `detente relay serve` (a mediator's relay) on loopback, in its own directory."""

    home: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    runs: int = 0
    open_files: int | None = None
    """The open-files limit of its `relay serve` (see ``open_files_limit``); None: the test's own."""

    @property
    def log_path(self) -> Path:
        return self.home.parent / "relay.log"

    def start(self) -> None:
        self.runs += 1
        with open(self.log_path, "ab") as log:
            log.write(f"--- run {self.runs}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [*CLI, "relay", "serve", "--home", str(self.home)],
                stdout=log,
                stderr=log,
                start_new_session=True,
                preexec_fn=open_files_limit(self.open_files),
            )
        wait_until(lambda: "relay.ready" in self.log().rsplit(f"--- run {self.runs}", 1)[-1], 30, what="relay up")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(15)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class RelayedLine:
    line: Line
    relay: RelayProcess
    relay_proxy: FaultProxy

    def direct(self) -> list[FaultProxy]:
        return list(self.line.proxies.values())

    def path_changes(self, party: str) -> list[tuple[float, str]]:
        """(unix time, new path) of every `link.path_changed` and `link.up` in a station's log."""
        found = []
        for match in re.finditer(
            r"^(\S+) \S+\s+link\.(?:path_changed|up) .*?path=(\S+)", self.line.station(party).log(), re.MULTILINE
        ):
            found.append((_unix(match.group(1)), match.group(2)))
        return found


def _unix(stamp: str) -> float:
    import datetime

    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


@pytest.fixture
def relayed_line(chaos_line: Line, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[RelayedLine]:
    """The chaos line plus a relay run by a third party (the UN), which both stations use as a
    second path; the stations reach the relay through a fault-injecting proxy of its own."""
    port = free_port()
    relay_home = tmp_path / "relay"
    proxy = FaultProxy(("127.0.0.1", port), Faults(), sum(map(ord, request.node.name)) + 7)
    run_cli(
        "relay", "init", "--home", str(relay_home), "--name", "un", "--listen", f"127.0.0.1:{port}",
        "--advertise", f"tls://127.0.0.1:{proxy.port}",
    )  # fmt: skip
    relay_card = tmp_path / "relay.card.json"
    relay_card.write_text(run_cli("relay", "card", "--home", str(relay_home)).stdout)
    line = chaos_line
    for station in (line.tr, line.sy):
        station.cli("relay", "use", str(relay_card))
        card_file = tmp_path / f"{station.home.name}.relay-card.json"
        card_file.write_text(json.dumps(station.card()))
        run_cli("relay", "allow", "--home", str(relay_home), str(card_file))
    for station, other in ((line.tr, line.sy), (line.sy, line.tr)):
        card_file = tmp_path / f"{other.home.name}.card.json"
        card_file.write_text(json.dumps(other.card()))
        station.cli("peer", "update", str(card_file))
    relay = RelayProcess(relay_home, port)
    relay.start()
    try:
        yield RelayedLine(line, relay, proxy)
    finally:
        for station in (line.tr, line.sy):
            station.close()
        relay.close()
        proxy.close()
