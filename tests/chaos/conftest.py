"""Two real stations whose every byte passes through a fault-injecting proxy."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from detente.config import set_station_setting
from detente.home import Home
from detente.outbox import queue_message
from detente.protocol.envelope import Precedence
from integration.stations import StationProcess, init_station, run_cli, wait_until

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
