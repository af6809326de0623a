"""A peer that lies about its log is caught by a real `detente serve`.

Ankara (TR) runs as a real station. Damascus (SY) is a test double built on the real protocol
core: it holds Damascus's real keys and TLS identity, keeps its log with the real store and
the real LineLedger and NoteSigner in Damascus's own database, and speaks real frames. To lie
it does what a dishonest station would: it copies its database and lets the copies' histories
diverge, then presents their checkpoints. Each lie must be refused (a nocosig frame) and raise
an alarm that is stored, signed and entered in Ankara's log, journaled and logged."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from detente.config import LedgerSettings
from detente.home import Home
from detente.identity import parse_card
from detente.ledger.keeper import LineLedger
from detente.ledger.records import Record, seal_record
from detente.outbox import queue_message
from detente.protocol.envelope import Precedence, seal_envelope, seal_receipt
from detente.protocol.frames import (
    CosignatureFrame,
    CosignatureRefusedFrame,
    EnvelopeFrame,
    ErrorFrame,
    Frame,
    Ping,
    Pong,
    ReceiptFrame,
)
from detente.protocol.ids import uuid7
from detente.protocol.signing import Signer
from detente.protocol.timestamps import format_time
from detente.store import SQLiteStore
from integration.intruder import Intruder, Wire
from integration.stations import StationProcess, run_cli

from .twostations import two_stations

EAGER = LedgerSettings(checkpoint_entries=1, checkpoint_seconds=0.0, cosign_timeout=60.0)


class Damascus:
    """The double: Damascus's keys and database (and copies of it) on one connection to Ankara."""

    def __init__(self, sy: StationProcess, tr: StationProcess, folder: Path) -> None:
        self.home = Home(sy.home)
        self.folder = folder
        self.tr_card = parse_card(Home(tr.home).card())
        self.tr_id = self.tr_card.station_id
        self.intruder = Intruder.impersonating(sy, target=tr)
        self.receipts: list[ReceiptFrame] = []

    def database(self, name: str = "") -> SQLiteStore:
        """Damascus's database, or (``name``) a copy of it as it is now, to diverge from it."""
        path = self.home.database_path
        if name:
            copy = self.folder / f"{name}.db"
            source, target = sqlite3.connect(path), sqlite3.connect(copy)
            try:
                source.backup(target)  # what is committed, write-ahead log included
            finally:
                source.close()
                target.close()
            path = copy
        return SQLiteStore(path)

    def ledger(self, store: SQLiteStore) -> LineLedger:
        return LineLedger(
            store,
            station=self.home.config.station_id,
            signer=self.home.signer,
            note_signer=self.home.note_signer,
            peer=self.tr_card,
            policy=EAGER,
        )

    def note(self, store: SQLiteStore, text: str) -> None:
        """A record of Damascus's own in its log (a leaf Ankara cannot check against anything)."""
        now = time.time()
        record = seal_record(
            self.home.signer,
            id=uuid7(int(now * 1000), os.urandom(10)),
            station=self.home.config.station_id,
            peer=self.tr_id,
            event="note",
            at=format_time(now),
            detail=text,
        )
        store.add_record(self.tr_id, record.id, record.event, record.at, record.canonical)

    def present(self, wire: Wire, store: SQLiteStore) -> CosignatureFrame | CosignatureRefusedFrame:
        """Send the checkpoint the real LineLedger makes of ``store``'s log; Ankara's answer."""
        ledger = self.ledger(store)
        frame = ledger.due_checkpoint(time.time())
        assert frame is not None
        wire.send(frame)
        reply = self.answer(wire, (CosignatureFrame, CosignatureRefusedFrame))
        assert isinstance(reply, CosignatureFrame | CosignatureRefusedFrame)
        if isinstance(reply, CosignatureFrame):
            ledger.on_cosignature(reply, time.time())
        return reply

    def answer(self, wire: Wire, kinds: tuple[type[Frame], ...]) -> Frame:
        """The next frame of one of ``kinds``, answering heartbeats and setting aside Ankara's
        own checkpoints and receipts meanwhile."""
        while True:
            frame = wire.receive()
            if frame is None or isinstance(frame, ErrorFrame):
                raise AssertionError(f"Ankara ended the connection: {frame}")
            if isinstance(frame, Ping):
                wire.send(Pong(frame.n, frame.time_us, int(time.time() * 1_000_000)))
            if isinstance(frame, ReceiptFrame):
                self.receipts.append(frame)
            if isinstance(frame, kinds):
                return frame


@pytest.fixture
def line(tmp_path: Path) -> Iterator[tuple[StationProcess, Damascus]]:
    with two_stations(tmp_path) as (tr, sy):
        tr.start()
        yield tr, Damascus(sy, tr, tmp_path)


def test_a_peer_that_shows_different_histories_is_caught(line: tuple[StationProcess, Damascus]) -> None:
    tr, damascus = line
    honest = damascus.database()
    fork = damascus.database("fork")  # Damascus keeps a second history from here on
    try:
        with damascus.intruder.connect() as wire:
            wire.send(damascus.intruder.hello())
            for text in ("first", "second"):
                damascus.note(honest, text)
            assert isinstance(damascus.present(wire, honest), CosignatureFrame)
            # 1. the same size, another root: equivocation
            for text in ("first, told differently", "second, told differently"):
                damascus.note(fork, text)
            refused = damascus.present(wire, fork)
            assert isinstance(refused, CosignatureRefusedFrame) and refused.size == 2
            assert "two different checkpoints of size 2" in refused.reason
            # 2. a longer log that is not an extension of the co-signed one: history rewritten
            damascus.note(fork, "third")
            refused = damascus.present(wire, fork)
            assert isinstance(refused, CosignatureRefusedFrame) and "rewritten its history" in refused.reason
            # 3. a log that says Damascus received a message Ankara never sent: a false entry
            invented = damascus.database("invented")
            try:
                _receive_invented_message(damascus, invented)
                refused = damascus.present(wire, invented)
                assert isinstance(refused, CosignatureRefusedFrame) and "never sent" in refused.reason
            finally:
                invented.close()
            # 4. a message Damascus sent, and Ankara stored, left out of the log: an omission
            omitting = damascus.database("omitting")
            try:
                envelope = queue_message(
                    damascus.home,
                    honest,
                    peer=damascus.tr_id,
                    kind="free-text",
                    precedence=Precedence.FLASH,
                    body={"text": "we warned you", "lang": "ar"},
                    now=time.time(),
                )
                wire.send(EnvelopeFrame(envelope))
                receipt = damascus.answer(wire, (ReceiptFrame,))
                assert isinstance(receipt, ReceiptFrame) and receipt.receipt.message_id == envelope.id
                damascus.note(omitting, "nothing was sent")
                refused = damascus.present(wire, omitting)
                assert isinstance(refused, CosignatureRefusedFrame) and "leaves some out" in refused.reason
            finally:
                omitting.close()
            # the honest log, with the message and its receipt, is co-signed
            honest.store_receipts([receipt.receipt], format_time(time.time()))
            assert isinstance(damascus.present(wire, honest), CosignatureFrame)
    finally:
        honest.close()
        fork.close()
    kinds = ["alarm.equivocation", "alarm.history_rewritten", "alarm.false_entry", "alarm.omission"]
    for kind in kinds:
        tr.wait_log(rf"ERROR\s+ledger\.alarm party=SY kind={kind} ")
    assert tr.stop() == 0
    _assert_recorded(tr, damascus, kinds)


def _receive_invented_message(damascus: Damascus, store: SQLiteStore) -> None:
    """Damascus's copy stores an envelope 'from Ankara' that Ankara never signed nor sent."""
    now = time.time()
    envelope = seal_envelope(
        Signer(os.urandom(32)),
        id=uuid7(int(now * 1000), os.urandom(10)),
        sender=damascus.tr_id,
        recipient=damascus.home.config.station_id,
        seq=1,
        prev="0" * 64,
        created=format_time(now),
        kind="free-text",
        precedence=Precedence.FLASH,
        body={"text": "you may fly through", "lang": "tr"},
    )
    store.store_incoming([(envelope, seal_receipt(damascus.home.signer, envelope, format_time(now)))], format_time(now))


def _assert_recorded(tr: StationProcess, damascus: Damascus, kinds: list[str]) -> None:
    home = Home(tr.home)
    store = home.open_store()
    sy = damascus.home.config.station_id
    try:
        alarms = store.alarms()
        assert [a.kind for a in alarms] == kinds
        logged = {x.ref for x in store.ledger_leaves(sy, 0, store.log_size("own", sy)) if x.kind == "record"}
        for alarm in alarms:
            assert alarm.peer == sy and alarm.record in logged, "each alarm is a record in Ankara's log of the line"
            record = Record.from_bytes(store.entry_for(sy, "record", alarm.record or "") or b"")
            assert (record.event, record.detail) == (alarm.kind, alarm.detail)
            assert record.verify(home.signer.verifier), "signed by Ankara"
        journal = [j.detail for j in store.journal_entries() if j.event == "ledger.alarm"]
        assert [d.split(":", 1)[0] for d in journal] == kinds
    finally:
        store.close()
    assert run_cli("ledger", "verify", "--home", str(tr.home)).returncode == 0, "alarms are part of an intact ledger"
    status = tr.status()
    assert status["peers"][0]["alarms"]["count"] == len(kinds)
    assert status["peers"][0]["alarms"]["latest"]["kind"] == kinds[-1]
    shown = run_cli("ledger", "show", "--home", str(tr.home)).stdout
    assert f"ALARMS ({len(kinds)})" in shown and all(kind in shown for kind in kinds)
    listed = run_cli("alarms", "--all", "--json", "--home", str(tr.home)).stdout.splitlines()
    station_alarms = [json.loads(line) for line in listed if '"kind": "ledger"' in line]
    assert {a["params"]["code"] for a in station_alarms} == set(kinds), "each is one of the station's alarms too"
    assert all(a["severity"] == "critical" and a["party"] == "SY" for a in station_alarms)
