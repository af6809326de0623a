"""Helpers for crash tests: queue messages from a thread while `detente serve` processes are
killed with SIGKILL, look into a killed (or stopped) station's database, follow a serve log
closely enough to kill at a chosen line."""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from detente.home import Home
from detente.outbox import queue_message
from detente.peers import peer_by_party
from detente.protocol.envelope import Precedence
from detente.store import Direction, MessageRecord

from .stations import StationProcess

_PRECEDENCES = list(Precedence)


def box(station: StationProcess, direction: Direction) -> list[MessageRecord]:
    """The station's outbox ("out") or inbox ("in") in stored order, read on a connection of our own."""
    store = Home(station.home).open_store()
    try:
        return [record for _, record in store.messages(direction)]
    finally:
        store.close()


class Queuer(threading.Thread):
    """Queues ``count`` messages from each of two stations to the other, interleaved at random
    (single messages and bursts), through the code path of `detente send`: Home.open_store,
    peer_by_party, queue_message. It has its own store connections and closes them.

    ``lock`` is held while a message is being queued; holding it freezes ``sent``, which is
    then exactly what each station's outbox holds."""

    def __init__(
        self, stations: tuple[StationProcess, StationProcess], count: int, rng: random.Random, mean_gap: float
    ) -> None:
        super().__init__(name="queuer", daemon=True)
        self.stations = stations
        self.count = count
        self.rng = rng
        self.mean_gap = mean_gap
        self.lock = threading.Lock()
        self.halt = threading.Event()
        self.sent: dict[str, list[str]] = {s.party: [] for s in stations}
        self.error: BaseException | None = None

    def queued(self, party: str) -> int:
        return len(self.sent[party])

    def run(self) -> None:
        stores = []
        try:
            senders = {}
            first, second = self.stations
            for station, other in ((first, second), (second, first)):
                home = Home(station.home)
                store = home.open_store()
                stores.append(store)
                senders[station.party] = (home, store, peer_by_party(store, other.party).station_id)
            while not self.halt.is_set():
                left = [party for party, ids in self.sent.items() if len(ids) < self.count]
                if not left:
                    return
                burst = self.rng.randint(5, 30) if self.rng.random() < 0.08 else 1
                for _ in range(burst):
                    left = [party for party, ids in self.sent.items() if len(ids) < self.count]
                    if not left:
                        break
                    party = self.rng.choice(left)
                    home, store, peer = senders[party]
                    with self.lock:
                        number = len(self.sent[party]) + 1
                        envelope = queue_message(
                            home,
                            store,
                            peer=peer,
                            kind="free-text",
                            precedence=self.rng.choice(_PRECEDENCES),
                            body={"text": f"{party} message {number}", "lang": home.config.language},
                            now=time.time(),
                        )
                        assert envelope.seq == number, f"{party} message {number} got seq {envelope.seq}"
                        self.sent[party].append(envelope.id)
                self.halt.wait(self.rng.expovariate(1 / self.mean_gap))
        except BaseException as exc:  # handed to the test thread
            self.error = exc
        finally:
            for store in stores:
                store.close()


@dataclass(frozen=True)
class Kill:
    """One SIGKILL and what the killed station's database held at that instant."""

    victim: str
    at: float
    queued: int
    """messages the victim had queued for its peer"""
    unreceipted: int
    """of those, without the peer's receipt: the backlog to send"""
    in_flight: int
    """of those, already sent on a connection"""
    peer_queued: int
    """messages the peer had queued for the victim"""
    received: int
    """of those, stored by the victim; the rest is its backlog to receive"""

    @property
    def backlog_both_ways(self) -> bool:
        return self.unreceipted > 0 and self.peer_queued > self.received

    def __str__(self) -> str:
        return (
            f"{self.at:6.2f} s kill -9 {self.victim}: to send {self.unreceipted}/{self.queued} "
            f"({self.in_flight} in flight), to receive {self.peer_queued - self.received}/{self.peer_queued}"
        )


def kill(victim: StationProcess, peer: StationProcess, queuer: Queuer, started: float) -> Kill:
    """SIGKILL ``victim`` and read what its database holds, while no message is being queued."""
    with queuer.lock:
        queued, peer_queued = queuer.queued(victim.party), queuer.queued(peer.party)
        victim.kill()
        at = time.monotonic() - started
        outbox, inbox = box(victim, "out"), box(victim, "in")
    assert len(outbox) == queued, f"{victim.party} holds {len(outbox)} outgoing messages, {queued} were queued"
    unreceipted = [m for m in outbox if m.receipt is None]
    return Kill(
        victim=victim.party,
        at=at,
        queued=queued,
        unreceipted=len(unreceipted),
        in_flight=sum(1 for m in unreceipted if m.sent_at is not None),
        peer_queued=peer_queued,
        received=len(inbox),
    )


def wait_for_in_flight(station: StationProcess, timeout: float) -> bool:
    """Poll the station's outbox until some message is sent on a connection but not yet receipted."""
    store = Home(station.home).open_store()
    try:
        deadline = time.monotonic() + timeout
        after = 0
        while time.monotonic() < deadline:
            for rowid, record in store.messages("out", after_rowid=after):
                if record.receipt is None:
                    if record.sent_at is not None:
                        return True
                    break
                after = rowid
            else:
                time.sleep(0.001)
        return False
    finally:
        store.close()


class LogFollower:
    """Reads a serve log from where it ends now, line by line, polling every millisecond."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0
        self.partial = b""
        self.lines: list[str] = []

    def wait_for(self, pattern: str, timeout: float, alive: Callable[[], bool]) -> re.Match[str]:
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with open(self.path, "rb") as log:
            log.seek(self.offset)
            while True:
                while self.lines:
                    match = regex.search(self.lines.pop(0))
                    if match:
                        return match
                chunk = log.read()
                if chunk:
                    self.offset += len(chunk)
                    *lines, self.partial = (self.partial + chunk).split(b"\n")
                    self.lines = [line.decode("utf-8", "replace") for line in lines]
                elif time.monotonic() > deadline or not alive():
                    raise AssertionError(f"no line matching {pattern!r} in {self.path} within {timeout} s")
                else:
                    time.sleep(0.0005)


def problems_in_log(station: StationProcess) -> list[str]:
    """Lines of the station's serve log (all runs) that must never appear: refused frames,
    tracebacks, errors."""
    return [
        line
        for line in station.log().splitlines()
        if "frame.refused" in line or "Traceback" in line or re.match(r"\S+ (ERROR|CRITICAL)\b", line)
    ]
