"""Two real stations for the ledger's tests: folders made by ``detente init``, pinned to each
other, run either in this process (``run_in_process``) or as real ``detente serve`` processes
(``tests/integration/stations.py``), until the co-signed checkpoints of both logs cover
everything."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from detente.home import Home
from detente.outbox import queue_message
from detente.peers import peer_by_party
from detente.protocol.envelope import Precedence
from detente.station import Station
from integration.stations import StationProcess, init_station

FAST_LEDGER = ("checkpoint_seconds = 2.0", "checkpoint_seconds = 0.3")
"""Checkpoints within 0.3 s rather than 2 s, so that the tests settle quickly."""


@contextlib.contextmanager
def two_stations(folder: Path) -> Iterator[tuple[StationProcess, StationProcess]]:
    """Ankara (TR) and Damascus (SY), made by ``detente init`` and pinned to each other."""
    made = []
    for name, party, lang in (("Ankara Operations Centre", "TR", "tr"), ("Damascus Operations Centre", "SY", "ar")):
        station = init_station(folder / party.lower(), name, party, lang, console=False)
        home = station.home
        config = home / "station.toml"
        config.write_text(config.read_text().replace(*FAST_LEDGER))
        made.append(station)
    tr, sy = made
    try:
        tr.pin(sy)
        sy.pin(tr)
        yield tr, sy
    finally:
        for station in made:
            station.close()


def queue(home: Path, to: str, count: int, text: str = "message") -> list[str]:
    """Queue ``count`` signed messages to the peer of party ``to`` (as `detente send` does)."""
    station = Home(home)
    store = station.open_store()
    try:
        peer = peer_by_party(store, to).station_id
        return [
            queue_message(
                station,
                store,
                peer=peer,
                kind="free-text",
                precedence=Precedence.IMMEDIATE,
                body={"text": f"{text} {i}", "lang": station.config.language},
                now=time.time(),
            ).id
            for i in range(count)
        ]
    finally:
        store.close()


@dataclass(frozen=True)
class LedgerState:
    own: int
    own_cosigned: int
    peer: int
    peer_cosigned: int
    delivered: bool


def ledger_state(home: Path) -> LedgerState:
    station = Home(home)
    store = station.open_store()
    try:
        (peer,) = store.peers()
        pid = peer.station_id
        own = [c.size for c in store.checkpoints("own", pid) if c.cosigned_at]
        theirs = [c.size for c in store.checkpoints("peer", pid) if c.cosigned_at]
        delivered = all(r.state == "delivered" for _, r in store.messages("out"))
        return LedgerState(
            store.log_size("own", pid),
            max(own, default=0),
            store.log_size("peer", pid),
            max(theirs, default=0),
            delivered,
        )
    finally:
        store.close()


def settled(a: Path, b: Path) -> bool:
    """Everything delivered, and each log co-signed in full and held in full by the other."""
    x, y = ledger_state(a), ledger_state(b)
    return (
        x.delivered
        and y.delivered
        and x.own == x.own_cosigned == y.peer == y.peer_cosigned > 0
        and y.own == y.own_cosigned == x.peer == x.peer_cosigned > 0
    )


def run_in_process(a: Path, b: Path, timeout: float = 30.0) -> None:
    """Run both stations in this process (real Station, real TLS on loopback) until settled."""

    async def run() -> None:
        stop = asyncio.Event()
        tasks = [asyncio.create_task(Station(Home(home)).run(stop)) for home in (a, b)]
        deadline = time.monotonic() + timeout
        try:
            while not settled(a, b):
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"the ledgers did not settle in {timeout} s: {ledger_state(a)} {ledger_state(b)}"
                    )
                if any(task.done() for task in tasks):
                    break
                await asyncio.sleep(0.1)
        finally:
            stop.set()
            await asyncio.gather(*tasks)

    asyncio.run(run())
