"""A station whose disk fills up loses nothing. At the receiver it refuses to receipt what it
could not store, so the sender keeps the messages queued; at the sender, a receipt it could not
store makes it restart the link from the database and ask again. Either way delivery completes
exactly once when space is back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from detente.errors import StationError, StoreError
from detente.home import Home, create_station
from detente.outbox import queue_message
from detente.peers import peer_by_party, pin_peer
from detente.protocol.envelope import Envelope, Precedence, Receipt
from detente.station import Station
from detente.store import SQLiteStore

from .stations import free_port


class FullDisk(SQLiteStore):
    """The real SQLite store on a disk that is full for the first ``failures`` calls of one write:
    ``store_incoming`` (the receiver storing messages) or ``store_receipts`` (the sender)."""

    def __init__(self, path: Path, failing: str, failures: int) -> None:
        super().__init__(path)
        self.failing = failing
        self.failures = failures

    def _fill(self, action: str) -> None:
        if action == self.failing and self.failures > 0:
            self.failures -= 1
            raise StoreError(f"station database {self.path}: database or disk is full while trying to {action}")

    def store_incoming(
        self,
        items: Sequence[tuple[Envelope, Receipt]],
        at: str,
        line_states: Mapping[str, tuple[bool, str | None]] | None = None,
    ) -> None:
        self._fill("store_incoming")
        super().store_incoming(items, at, line_states)

    def store_receipts(self, receipts: Sequence[Receipt], at: str) -> int:
        self._fill("store_receipts")
        return super().store_receipts(receipts, at)


def _pair(tmp_path: Path) -> tuple[Home, Home]:
    tr = create_station(
        tmp_path / "tr", name="Ankara Operations Centre", party="TR", listen=f"127.0.0.1:{free_port()}", language="tr"
    )
    sy = create_station(
        tmp_path / "sy", name="Damascus Operations Centre", party="SY", listen=f"127.0.0.1:{free_port()}", language="ar"
    )
    for home, other in ((tr, sy), (sy, tr)):
        store = home.open_store()
        try:
            pin_peer(home, store, other.card(), source="card", now=time.time())
        finally:
            store.close()
    return tr, sy


def _queue(home: Home, count: int) -> list[str]:
    store = home.open_store()
    try:
        peer = peer_by_party(store, "SY").station_id
        return [
            queue_message(
                home,
                store,
                peer=peer,
                kind="free-text",
                precedence=Precedence.ROUTINE,
                body={"text": f"message {i}"},
                now=time.time(),
            ).id
            for i in range(count)
        ]
    finally:
        store.close()


def _run_until_delivered(sender: Home, stations: list[Station], timeout: float = 30) -> None:
    async def run() -> None:
        stop = asyncio.Event()
        tasks = [asyncio.create_task(s.run(stop)) for s in stations]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            check = sender.open_store()
            try:
                if all(r.state == "delivered" for _, r in check.messages("out")):
                    break
            finally:
                check.close()
        stop.set()
        await asyncio.gather(*tasks)

    asyncio.run(run())


def _assert_delivered_once(sender: Home, receiver: Home, sent: list[str]) -> None:
    out, inn = sender.open_store(), receiver.open_store()
    try:
        assert [r.id for _, r in out.messages("out")] == sent
        assert all(r.state == "delivered" and r.receipt for _, r in out.messages("out"))
        inbox = [r for _, r in inn.messages("in")]
        assert [r.id for r in inbox] == sent, "each message is stored once, in order, at the receiver"
        assert [r.seq for r in inbox] == list(range(1, len(sent) + 1))
    finally:
        out.close()
        inn.close()


def test_full_disk_at_the_receiver_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    tr, sy = _pair(tmp_path)
    sent = _queue(tr, 20)
    disk = FullDisk(sy.database_path, "store_incoming", failures=3)
    _run_until_delivered(tr, [Station(tr), Station(sy, store=disk)])
    assert disk.failures == 0, "the disk was full for three batches"
    _assert_delivered_once(tr, sy, sent)
    journal = sy.open_store()
    try:
        assert "link.down" in [e.event for e in journal.journal_entries()]
    finally:
        journal.close()


def test_full_disk_at_the_sender_when_receipts_arrive_restarts_the_link_and_delivers(tmp_path: Path) -> None:
    tr, sy = _pair(tmp_path)
    sent = _queue(tr, 10)
    disk = FullDisk(tr.database_path, "store_receipts", failures=2)
    _run_until_delivered(tr, [Station(tr, store=disk), Station(sy)])
    assert disk.failures == 0, "the disk was full for two batches of receipts"
    _assert_delivered_once(tr, sy, sent)


class Buggy(SQLiteStore):
    """A store whose link-status write hits a programming error (not a StoreError)."""

    def save_link_status(self, status: object) -> None:  # type: ignore[override]
        raise RuntimeError("a bug in the status writer")


def test_an_internal_fault_stops_the_station_with_the_reason_instead_of_hanging(tmp_path: Path) -> None:
    tr, _ = _pair(tmp_path)

    async def run() -> None:
        await asyncio.wait_for(Station(tr, store=Buggy(tr.database_path)).run(asyncio.Event()), 10)

    with pytest.raises(StationError, match="internal error, the station stopped: RuntimeError"):
        asyncio.run(run())
