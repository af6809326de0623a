"""A line between two real stations for the watch tests, without a network where none is needed.

``make_line(**settings)`` creates Ankara (TR) and Damascus (SY) with ``detente init``'s code,
pins each to the other, writes the given settings into both station.toml files and opens both
stores. ``line.send`` queues a message at one station; ``line.deliver`` carries it to the other
as the link would (stored there with its signed receipt, the receipt stored back at the sender),
at literal times, so that deadlines can be tested without sleeping.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from detente.home import Home, create_station
from detente.identity import parse_card
from detente.ledger.records import Record
from detente.outbox import queue_message
from detente.peers import pin_peer
from detente.protocol.envelope import Envelope, Precedence, seal_receipt
from detente.protocol.timestamps import format_time
from detente.station import Station
from detente.store import OperatorRecord, Store

T0 = 1_800_000_000.0
"""A literal time (2027-01-15T08:00:00Z) at which the tests' stories start."""


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(float(value))
    return json.dumps(value)  # strings and lists of strings: JSON's forms are TOML's too


def configure(path: Path, tables: Mapping[str, Mapping[str, object]]) -> None:
    """Set settings in a station.toml, table by table: ``{"deadlines": {"flash": 2.0}}``. A table
    ``deadlines.lines.SY`` is appended (it is commented out in a new station.toml)."""
    config = path / "station.toml"
    text = config.read_text(encoding="utf-8")
    for table, values in tables.items():
        header = f"[{table}]"
        if not re.search(rf"^{re.escape(header)}", text, re.M):
            text += f"\n{header}\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in values.items())
            continue
        start = re.search(rf"^{re.escape(header)}.*$", text, re.M)
        assert start is not None
        end_match = re.compile(r"^\[", re.M).search(text, start.end())
        end = end_match.start() if end_match else len(text)
        section = text[start.end() : end]
        for key, value in values.items():
            section, count = re.subn(rf"^{key} = .*$", f"{key} = {_toml(value)}", section, flags=re.M)
            if not count:
                section = f"\n{key} = {_toml(value)}" + section
        text = text[: start.end()] + section + text[end:]
    config.write_text(text, encoding="utf-8")


@dataclass
class Line:
    """Two stations pinned to each other, with their stores open."""

    tr: Home
    sy: Home
    stores: dict[str, Store] = field(default_factory=dict)

    def home(self, party: str) -> Home:
        return self.tr if party == "TR" else self.sy

    def store(self, party: str) -> Store:
        return self.stores[party]

    def other(self, party: str) -> str:
        return "SY" if party == "TR" else "TR"

    def station_id(self, party: str) -> str:
        return self.home(party).config.station_id

    def send(
        self,
        sender: str,
        at: float,
        *,
        precedence: str = "flash",
        kind: str = "free-text",
        body: Mapping[str, Any] | None = None,
    ) -> Envelope:
        """Queue a message at ``sender`` for the other station, as if created at ``at``."""
        home = self.home(sender)
        return queue_message(
            home,
            self.store(sender),
            peer=self.station_id(self.other(sender)),
            kind=kind,
            precedence=Precedence(precedence),
            body=body if body is not None else {"text": f"message at {at}", "lang": home.config.language},
            now=at,
        )

    def deliver(self, envelope: Envelope, at: float) -> None:
        """What the link does: the receiver stores the envelope and signs a receipt, the sender
        stores the receipt (its delivery time is ``at`` too)."""
        sender = "TR" if envelope.sender == self.station_id("TR") else "SY"
        receiver = self.other(sender)
        receipt = seal_receipt(self.home(receiver).signer, envelope, format_time(at))
        self.store(receiver).store_incoming([(envelope, receipt)], format_time(at))
        assert self.store(sender).store_receipts([receipt], format_time(at)) == 1

    def operator(self, party: str, name: str, role: str = "operator") -> str:
        """An account, quickly: its password hash is one computed once (`detente operator add`
        and its argon2id hashing are tested on their own)."""
        self.store(party).add_operator(
            OperatorRecord(name, role, _password_hash(), None, False, format_time(T0 - 86400), None)
        )
        return name

    def records(self, party: str, event_prefix: str = "escalation.") -> list[Record]:
        """The signed records in ``party``'s log of the line, checked against its own key."""
        store = self.store(party)
        peer = self.station_id(self.other(party))
        key = parse_card(self.home(party).card(), "own card").signing_key
        found = []
        for leaf in store.ledger_leaves(peer, 0, store.log_size("own", peer)):
            if leaf.kind != "record":
                continue
            data = store.entry_data(peer, leaf)
            assert data is not None
            record = Record.from_bytes(data)
            if record.event.startswith(event_prefix):
                assert record.verify(key), f"record {record.id} does not verify with {party}'s key"
                assert record.station == self.station_id(party) and record.peer == peer
                found.append(record)
        return found

    def close(self) -> None:
        for store in self.stores.values():
            store.close()
        self.stores.clear()

    def reopen(self) -> None:
        """Fresh Homes (station.toml read again) and stores."""
        self.close()
        self.tr, self.sy = Home(self.tr.path), Home(self.sy.path)
        self.stores.update(TR=self.tr.open_store(), SY=self.sy.open_store())


@functools.cache
def _password_hash() -> str:
    return PasswordHasher().hash("correct horse battery staple")


LineFactory = Callable[..., Line]


@pytest.fixture
def make_line(tmp_path: Path) -> Iterator[LineFactory]:
    """Factory: ``make_line(tr={...tables}, sy={...tables}, both={...tables})`` → a Line."""
    made: list[Line] = []

    def make(
        *,
        both: Mapping[str, Mapping[str, object]] | None = None,
        tr: Mapping[str, Mapping[str, object]] | None = None,
        sy: Mapping[str, Mapping[str, object]] | None = None,
        listen: tuple[str, str] = ("127.0.0.1:1", "127.0.0.1:2"),
    ) -> Line:
        homes = {
            "TR": create_station(
                tmp_path / "tr", name="Ankara Operations Centre", party="TR", listen=listen[0], language="tr"
            ),
            "SY": create_station(
                tmp_path / "sy", name="Damascus Operations Centre", party="SY", listen=listen[1], language="ar"
            ),
        }
        for party, home in homes.items():
            other = homes["SY" if party == "TR" else "TR"]
            store = home.open_store()
            try:
                pin_peer(home, store, other.card(), source="card", now=T0 - 86400)
            finally:
                store.close()
            configure(
                home.path,
                {
                    "station": {"console": ""},  # no operator console: two stations share this machine
                    **(both or {}),
                    **((tr if party == "TR" else sy) or {}),
                },
            )
        line = Line(Home(homes["TR"].path), Home(homes["SY"].path))
        line.stores.update(TR=line.tr.open_store(), SY=line.sy.open_store())
        made.append(line)
        return line

    yield make
    for line in made:
        line.close()


def run_stations(
    stations: list[Station], until: Callable[[], bool] | None, timeout: float, what: str = "the condition"
) -> None:
    """Run in-process stations (real TLS on loopback) until ``until()`` holds, failing after
    ``timeout``; with ``until=None``, for ``timeout`` seconds."""

    async def run() -> bool:
        stop = asyncio.Event()
        tasks = [asyncio.create_task(s.run(stop)) for s in stations]
        deadline = time.monotonic() + timeout
        done = False
        try:
            while time.monotonic() < deadline:
                await asyncio.sleep(0.1)
                if until is not None and until():
                    done = True
                    break
        finally:
            stop.set()
            await asyncio.gather(*tasks)
        return done or until is None

    assert asyncio.run(run()), f"timed out after {timeout} s waiting for {what}"
