"""``verify_ledger`` on a synthetic line (tests/ledger/synthetic.py): every kind of edit of the
database is found and named at its entry, including edits that recompute the hashes, while an
intact ledger is checked with few signature verifications."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from detente.errors import StationError
from detente.home import Home
from detente.ledger.merkle import Levels
from detente.ledger.records import seal_record
from detente.ledger.verify import DAMAGE_ACCEPTED, LedgerReport, Problem, admit_ledger, verify_ledger
from detente.protocol.canonical import parse_json
from detente.protocol.envelope import Envelope
from detente.protocol.ids import uuid7
from detente.protocol.timestamps import format_time
from detente.store import LedgerLeaf

from .synthetic import build_line, make_pair

TAIL = 6
"""Entries logged after the last checkpoint."""


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A station (TR) whose line with SY holds about 120 entries, an alarm record, co-signed
    checkpoints every 32 entries, and TAIL entries after the last checkpoint."""
    tr, sy = make_pair(tmp_path_factory.mktemp("pair"))
    store = tr.open_store()
    try:
        line = build_line(tr, sy, store, entries=120, checkpoint_every=32, batch=10, outgoing_every=3)
        record = seal_record(
            tr.signer,
            id=uuid7(int(line.tick() * 1000), os.urandom(10)),
            station=tr.config.station_id,
            peer=line.peer_id,
            event="alarm.equivocation",
            at=format_time(line.clock),
            detail="a test alarm",
        )
        store.add_alarm(line.peer_id, record.event, record.detail, record.at, (record.id, record.canonical))
        line.checkpoint()
        line.receive(TAIL // 2)
    finally:
        store.close()
    return tr.path, sy.config.station_id


@pytest.fixture
def home(template: tuple[Path, str], tmp_path: Path) -> Home:
    shutil.copytree(template[0], tmp_path / "tr")
    return Home(tmp_path / "tr")


@pytest.fixture
def peer(template: tuple[Path, str]) -> str:
    return template[1]


@contextlib.contextmanager
def database(home: Home) -> Iterator[sqlite3.Connection]:
    """The station's SQLite file, opened as someone editing it behind the station's back."""
    db = sqlite3.connect(home.database_path)
    try:
        yield db
        db.commit()
    finally:
        db.close()


def verify(home: Home, *, full: bool = False) -> LedgerReport:
    store = home.open_store()
    try:
        return verify_ledger(home, store, full=full)
    finally:
        store.close()


def leaves(home: Home, peer: str) -> list[LedgerLeaf]:
    store = home.open_store()
    try:
        return store.ledger_leaves(peer, 0, store.log_size("own", peer))
    finally:
        store.close()


def covered(home: Home, peer: str, kind: str, nth: int = 5) -> LedgerLeaf:
    """The ``nth`` entry of ``kind`` (well inside what the checkpoints cover)."""
    return [leaf for leaf in leaves(home, peer) if leaf.kind == kind][nth]


def first(report: LedgerReport) -> Problem:
    (line,) = report.lines
    assert not line.ok and line.first is not None
    return line.first


def test_an_intact_ledger_verifies_with_few_signature_checks(home: Home, peer: str) -> None:
    report = verify(home)
    (line,) = report.lines
    assert report.ok and line.problems == () and line.problem_count == 0
    assert line.size == len(leaves(home, peer)) and line.covered == line.size - TAIL == line.cosigned
    assert line.peer_size == line.covered == line.peer_covered
    assert report.entries == line.size + line.peer_size
    # The tail's entries one by one, plus the checkpoints' and cosignatures' of both logs' anchors.
    assert TAIL <= line.signatures <= TAIL + 12
    full = verify(home, full=True)
    assert full.ok and full.lines[0].signatures > line.size + 2 * line.checkpoints


@pytest.mark.parametrize("kind", ["envelope-in", "envelope-out", "receipt-in", "receipt-out"])
def test_a_changed_body_is_named(home: Home, peer: str, kind: str) -> None:
    entry = covered(home, peer, kind)
    column = "envelope" if kind.startswith("envelope") else "receipt"
    with database(home) as db:
        (data,) = db.execute(f"SELECT {column} FROM messages WHERE id = ?", (entry.ref,)).fetchone()
        changed = (
            data.replace(b'"seq":', b'"seq": ') if kind.startswith("receipt") else data.replace(b"message", b"massage")
        )
        assert changed != data
        db.execute(f"UPDATE messages SET {column} = ? WHERE id = ?", (changed, entry.ref))
    problem = first(verify(home))
    assert (problem.index, problem.kind, problem.ref, problem.code) == (entry.idx, kind, entry.ref, "changed-data")
    assert "no longer hash to the logged leaf" in problem.detail


def test_a_deleted_message_row_is_named(home: Home, peer: str) -> None:
    entry = covered(home, peer, "envelope-out")
    with database(home) as db:
        db.execute("DELETE FROM messages WHERE id = ?", (entry.ref,))
    report = verify(home)
    problem = first(report)
    assert (problem.index, problem.ref, problem.code) == (entry.idx, entry.ref, "missing-data")
    assert "message row" in problem.detail
    # its receipt's entry too, and nothing else (the chain is not blamed on the next envelope)
    assert [p.code for p in report.lines[0].problems] == ["missing-data", "missing-data"]


def test_a_deleted_log_row_is_named_with_what_it_held(home: Home, peer: str) -> None:
    entry = covered(home, peer, "receipt-out")
    with database(home) as db:
        db.execute("DELETE FROM ledger_entries WHERE peer = ? AND idx = ?", (peer, entry.idx))
    report = verify(home)
    problem = first(report)
    assert (problem.index, problem.kind, problem.ref, problem.code) == (
        entry.idx,
        "receipt-out",
        entry.ref,
        "missing-entry",
    )
    assert f"entry {entry.idx} is missing" in problem.detail
    assert any(p.code == "unlogged" and p.ref == entry.ref for p in report.lines[0].problems)


def test_swapped_envelopes_are_named(home: Home, peer: str) -> None:
    a, b = covered(home, peer, "envelope-in", 3), covered(home, peer, "envelope-in", 7)
    envelope_a = _envelope(home, a.ref)
    with database(home) as db:
        db.execute(
            "UPDATE messages SET envelope = (SELECT envelope FROM messages m WHERE m.id = ?) WHERE id = ?",
            (b.ref, a.ref),
        )
        db.execute("UPDATE messages SET envelope = ? WHERE id = ?", (envelope_a, b.ref))
    report = verify(home)
    problems = report.lines[0].problems
    assert [(p.index, p.code) for p in problems[:2]] == [(a.idx, "changed-data"), (b.idx, "changed-data")]
    assert f"it is the envelope of message {b.ref}" in problems[0].detail


def _envelope(home: Home, message_id: str) -> bytes:
    store = home.open_store()
    try:
        entry = [x for x in store.ledger_leaves(store.peers()[0].station_id, 0, 1000) if x.ref == message_id][0]
        data = store.entry_data(store.peers()[0].station_id, entry)
        assert data is not None
        return data
    finally:
        store.close()


def test_reordered_entries_break_the_chain_at_the_moved_entry(home: Home, peer: str) -> None:
    a, b = covered(home, peer, "envelope-in", 3), covered(home, peer, "envelope-in", 8)
    with database(home) as db:
        db.execute("UPDATE ledger_entries SET idx = 999999 WHERE peer = ? AND idx = ?", (peer, a.idx))
        db.execute("UPDATE ledger_entries SET idx = ? WHERE peer = ? AND idx = ?", (a.idx, peer, b.idx))
        db.execute("UPDATE ledger_entries SET idx = ? WHERE peer = ? AND idx = 999999", (b.idx, peer))
    problem = first(verify(home))
    assert (problem.index, problem.ref, problem.code) == (a.idx, b.ref, "broken-chain")


def test_a_changed_leaf_is_told_apart_from_a_changed_body(home: Home, peer: str) -> None:
    entry = covered(home, peer, "receipt-in")
    with database(home) as db:
        db.execute("UPDATE ledger_entries SET leaf = ? WHERE peer = ? AND idx = ?", (bytes(32), peer, entry.idx))
    report = verify(home)
    problem = first(report)
    assert (problem.index, problem.ref, problem.code) == (entry.idx, entry.ref, "changed-leaf")
    assert report.lines[0].problem_count == 1, "the tree and checkpoints are rebuilt from the intact receipt"


def test_a_changed_node_is_named_by_its_entries(home: Home, peer: str) -> None:
    with database(home) as db:
        db.execute("UPDATE ledger_nodes SET hash = ? WHERE peer = ? AND level = 2 AND idx = 3", (bytes(32), peer))
    report = verify(home)
    problem = first(report)
    assert (problem.index, problem.code) == (12, "changed-node")
    assert problem.kind is not None and problem.ref is not None
    assert "level 2, index 3" in problem.detail and "entries 12 to 15" in problem.detail
    assert report.lines[0].problem_count == 1


def test_a_deleted_node_is_missing(home: Home, peer: str) -> None:
    with database(home) as db:
        db.execute("DELETE FROM ledger_nodes WHERE peer = ? AND level = 1 AND idx = 5", (peer,))
    problem = first(verify(home))
    assert (problem.index, problem.code) == (10, "missing-node")


def test_an_inserted_message_row_is_unlogged(home: Home, peer: str) -> None:
    entry = covered(home, peer, "envelope-in")
    with database(home) as db:
        row = db.execute("SELECT * FROM messages WHERE id = ?", (entry.ref,)).fetchone()
        forged = "01a0c450-6c01-7803-876b-000000000000"
        db.execute(f"INSERT INTO messages VALUES ({', '.join('?' * len(row))})", (forged, *row[1:3], 10_000, *row[4:]))
    problem = first(verify(home))
    assert (problem.index, problem.kind, problem.ref, problem.code) == (None, "envelope-in", forged, "unlogged")


def test_edited_columns_of_a_message_row_are_found(home: Home, peer: str) -> None:
    entry = covered(home, peer, "envelope-in")
    with database(home) as db:
        db.execute("UPDATE messages SET envelope_hash = ? WHERE id = ?", ("0" * 64, entry.ref))
    problem = first(verify(home))
    assert (problem.index, problem.code) == (entry.idx, "row-mismatch")


def test_a_rewrite_that_recomputes_every_hash_is_caught_by_the_signatures(home: Home, peer: str) -> None:
    """Someone changes a message, recomputes its leaf, its hash column and the whole tree: the
    hashes all agree, but the checkpoint this station signed does not, and the changed envelope
    cannot be re-signed: it is named."""
    entry = covered(home, peer, "envelope-in")
    with database(home) as db:
        (data,) = db.execute("SELECT envelope FROM messages WHERE id = ?", (entry.ref,)).fetchone()
        data = data.replace(b"please confirm", b"ignore this!!!")
        db.execute(
            "UPDATE messages SET envelope = ?, envelope_hash = ? WHERE id = ?",
            (data, hashlib.sha256(data).hexdigest(), entry.ref),
        )
        _rehash(db, peer, {entry.idx: hashlib.sha256(b"\x00" + data).digest()})
    report = verify(home)
    problem = first(report)
    assert (problem.index, problem.ref, problem.code) == (entry.idx, entry.ref, "bad-signature")
    assert "signature" in problem.detail
    assert any(p.code == "checkpoint-mismatch" for p in report.lines[0].problems)
    assert report.lines[0].covered < entry.idx + 1


def _rehash(db: sqlite3.Connection, peer: str, changed: dict[int, bytes]) -> None:
    """Give the log new leaves and recompute every node, as a careful forger would."""
    for idx, leaf in changed.items():
        db.execute("UPDATE ledger_entries SET leaf = ? WHERE peer = ? AND idx = ?", (leaf, peer, idx))
    rows = db.execute("SELECT leaf FROM ledger_entries WHERE peer = ? ORDER BY idx", (peer,)).fetchall()
    db.execute("DELETE FROM ledger_nodes WHERE peer = ?", (peer,))
    tree = Levels()
    for (leaf,) in rows:
        for level, index, digest in tree.append(bytes(leaf)):
            if level:
                db.execute("INSERT INTO ledger_nodes VALUES (?, ?, ?, ?)", (peer, level, index, digest))


def test_a_rewrite_of_the_tail_is_caught_by_its_signature(home: Home, peer: str) -> None:
    """After the last checkpoint nothing pins the entries: each is verified by its signature."""
    entry = leaves(home, peer)[-2]  # the last envelope received, after the last checkpoint
    assert entry.kind == "envelope-in"
    with database(home) as db:
        (data,) = db.execute("SELECT envelope FROM messages WHERE id = ?", (entry.ref,)).fetchone()
        data = data.replace(b"aircraft", b"airliner")
        db.execute(
            "UPDATE messages SET envelope = ?, envelope_hash = ? WHERE id = ?",
            (data, hashlib.sha256(data).hexdigest(), entry.ref),
        )
        _rehash(db, peer, {entry.idx: hashlib.sha256(b"\x00" + data).digest()})
    problem = first(verify(home))
    assert (problem.index, problem.code) == (entry.idx, "bad-signature")


def test_entries_removed_from_the_end_are_found_by_the_checkpoint(home: Home, peer: str) -> None:
    entries = leaves(home, peer)
    cut = len(entries) - TAIL - 4
    with database(home) as db:
        for entry in entries[cut:]:
            db.execute("DELETE FROM ledger_entries WHERE peer = ? AND idx = ?", (peer, entry.idx))
            if entry.kind.startswith("receipt"):
                db.execute("UPDATE messages SET receipt = NULL WHERE id = ?", (entry.ref,))
            else:
                db.execute("DELETE FROM messages WHERE id = ?", (entry.ref,))
                db.execute("DELETE FROM records WHERE id = ?", (entry.ref,))
    problem = first(verify(home))
    assert (problem.index, problem.code) == (cut, "removed-entries")


def test_an_altered_checkpoint_is_found(home: Home, peer: str) -> None:
    with database(home) as db:
        (size, note) = db.execute(
            "SELECT size, note FROM checkpoints WHERE log = 'own' ORDER BY size DESC LIMIT 1"
        ).fetchone()
        db.execute(
            "UPDATE checkpoints SET note = ? WHERE log = 'own' AND size = ?", (note.replace("1.500", "9.500"), size)
        )
    report = verify(home)
    codes = {p.code for p in report.lines[0].problems}
    assert codes == {"checkpoint-signature"}
    assert report.lines[0].covered < report.lines[0].size - TAIL, "the previous checkpoint is the anchor"


def test_a_deleted_alarm_is_found(home: Home, peer: str) -> None:
    with database(home) as db:
        db.execute("DELETE FROM alarms")
    problem = first(verify(home))
    assert (problem.kind, problem.code) == ("record", "alarm-deleted")
    assert "alarm.equivocation" in problem.detail


def test_the_peers_log_is_checked_against_its_checkpoints(home: Home, peer: str) -> None:
    with database(home) as db:
        db.execute("UPDATE peer_log SET leaf = ? WHERE peer = ? AND idx = 7", (bytes(32), peer))
    report = verify(home)
    problems = report.lines[0].problems
    assert {(p.log, p.code) for p in problems} == {("peer", "changed-node"), ("peer", "checkpoint-mismatch")}
    assert problems[0].index == 6


def test_admitting_a_damaged_ledger_refuses_then_records_the_acceptance(home: Home, peer: str) -> None:
    entry = covered(home, peer, "envelope-out")
    with database(home) as db:
        db.execute("DELETE FROM messages WHERE id = ?", (entry.ref,))
    store = home.open_store()
    try:
        with pytest.raises(StationError, match=rf"our log, entry {entry.idx} \(envelope-out {entry.ref}\)"):
            admit_ledger(home, store, accept_damaged=False, now=time.time())
        assert store.alarms()[-1].kind != DAMAGE_ACCEPTED
        admit_ledger(home, store, accept_damaged=True, now=time.time())
        alarm = store.alarms()[-1]
        assert alarm.kind == DAMAGE_ACCEPTED and f"entry {entry.idx}" in alarm.detail
        last = store.ledger_leaves(peer, store.log_size("own", peer) - 1, store.log_size("own", peer))[0]
        assert (last.kind, last.ref) == ("record", alarm.record)
        assert store.journal_entries()[-1].event == DAMAGE_ACCEPTED
        # a restart is not refused for the damage already accepted…
        report = admit_ledger(home, store, accept_damaged=False, now=time.time())
        assert report.lines[0].accepted and not report.ok
    finally:
        store.close()
    # …but it is for new damage
    other = covered(home, peer, "envelope-in", 2)
    with database(home) as db:
        db.execute("DELETE FROM messages WHERE id = ?", (other.ref,))
    store = home.open_store()
    try:
        with pytest.raises(StationError, match=f"entry {other.idx}"):
            admit_ledger(home, store, accept_damaged=False, now=time.time())
    finally:
        store.close()


def test_the_synthetic_envelopes_are_canonical(home: Home, peer: str) -> None:
    data = _envelope(home, covered(home, peer, "envelope-in").ref)
    assert Envelope.from_json(parse_json(data)).canonical == data


@pytest.mark.parametrize(
    ("sql", "code"),
    [
        ("UPDATE messages SET envelope = CAST(envelope AS TEXT) WHERE id = :ref", "changed-data"),
        ("UPDATE ledger_entries SET leaf = 'text' WHERE idx = :idx", "changed-leaf"),
        ("UPDATE ledger_entries SET kind = 'bogus' WHERE idx = :idx", "wrong-data"),
        ("UPDATE ledger_entries SET idx = 'twelve' WHERE idx = :idx", "wrong-data"),
        ("UPDATE peer_log SET leaf = 12 WHERE idx = :idx", "changed-node"),
        ("UPDATE ledger_nodes SET idx = 'x' WHERE level = 1 AND idx = 3", "missing-node"),
    ],
)
def test_values_of_the_wrong_type_are_damage_not_a_crash(home: Home, peer: str, sql: str, code: str) -> None:
    """SQLite keeps whatever type is written, and CHECK constraints can be switched off."""
    entry = covered(home, peer, "envelope-in")
    with database(home) as db:
        db.execute("PRAGMA ignore_check_constraints = ON")
        db.execute(sql, {"ref": entry.ref, "idx": entry.idx})
    report = verify(home)
    assert not report.ok
    assert code in {p.code for p in report.lines[0].problems}
