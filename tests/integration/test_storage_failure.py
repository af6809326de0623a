"""A receiving station whose disk fills up loses nothing: it refuses to receipt what it could
not store, the sender keeps the messages queued, and delivery completes once space is back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from pathlib import Path

from detente.errors import StoreError
from detente.home import Home, create_station
from detente.outbox import queue_message
from detente.peers import peer_by_party, pin_peer
from detente.protocol.envelope import Envelope, Precedence, Receipt
from detente.station import Station
from detente.store import SQLiteStore

from .stations import free_port


class FillingDisk(SQLiteStore):
    """The real SQLite store on a disk that is full for the first ``failures`` receive batches."""

    def __init__(self, path: Path, failures: int) -> None:
        super().__init__(path)
        self.failures = failures

    def store_incoming(self, items: Sequence[tuple[Envelope, Receipt]], at: str) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise StoreError(f"station database {self.path}: database or disk is full while trying to store")
        super().store_incoming(items, at)


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


def test_full_disk_at_the_receiver_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    tr, sy = _pair(tmp_path)
    store = tr.open_store()
    try:
        peer = peer_by_party(store, "SY").station_id
        sent = [
            queue_message(
                tr,
                store,
                peer=peer,
                kind="free-text",
                precedence=Precedence.ROUTINE,
                body={"text": f"message {i}"},
                now=time.time(),
            ).id
            for i in range(20)
        ]
    finally:
        store.close()
    failing = FillingDisk(sy.database_path, failures=3)

    async def run() -> None:
        stop = asyncio.Event()
        stations = [Station(tr), Station(sy, store=failing)]
        tasks = [asyncio.create_task(s.run(stop)) for s in stations]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            check = tr.open_store()
            try:
                if all(r.state == "delivered" for _, r in check.messages("out")):
                    break
            finally:
                check.close()
        stop.set()
        await asyncio.gather(*tasks)

    asyncio.run(run())
    assert failing.failures == 0, "the disk was full for three batches"
    sender, receiver = tr.open_store(), sy.open_store()
    try:
        assert [r.id for _, r in sender.messages("out")] == sent
        assert all(r.state == "delivered" and r.receipt for _, r in sender.messages("out"))
        inbox = [r for _, r in receiver.messages("in")]
        assert [r.id for r in inbox] == sent
        assert [r.seq for r in inbox] == list(range(1, 21))
        journal = [e.event for e in receiver.journal_entries()]
        assert "link.down" in journal
    finally:
        sender.close()
        receiver.close()


class FillingDiskForReceipts(SQLiteStore):
    """The real SQLite store on a disk that is full for the first ``failures`` receipt batches."""

    def __init__(self, path: Path, failures: int) -> None:
        super().__init__(path)
        self.failures = failures

    def store_receipts(self, receipts: Sequence[Receipt], at: str) -> int:
        if self.failures > 0:
            self.failures -= 1
            raise StoreError(f"station database {self.path}: database or disk is full while trying to store receipts")
        return super().store_receipts(receipts, at)


def test_full_disk_at_the_sender_when_receipts_arrive_restarts_the_link_and_delivers(tmp_path: Path) -> None:
    tr, sy = _pair(tmp_path)
    store = tr.open_store()
    try:
        peer = peer_by_party(store, "SY").station_id
        sent = [
            queue_message(
                tr,
                store,
                peer=peer,
                kind="free-text",
                precedence=Precedence.ROUTINE,
                body={"text": f"message {i}"},
                now=time.time(),
            ).id
            for i in range(10)
        ]
    finally:
        store.close()
    failing = FillingDiskForReceipts(tr.database_path, failures=2)

    async def run() -> None:
        stop = asyncio.Event()
        stations = [Station(tr, store=failing), Station(sy)]
        tasks = [asyncio.create_task(s.run(stop)) for s in stations]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            check = tr.open_store()
            try:
                if all(r.state == "delivered" for _, r in check.messages("out")):
                    break
            finally:
                check.close()
        stop.set()
        await asyncio.gather(*tasks)

    asyncio.run(run())
    assert failing.failures == 0
    sender, receiver = tr.open_store(), sy.open_store()
    try:
        assert all(r.state == "delivered" and r.receipt for _, r in sender.messages("out"))
        assert [r.id for _, r in receiver.messages("in")] == sent, "each message is stored once at the receiver"
    finally:
        sender.close()
        receiver.close()
