"""Editing the database of a stopped station behind its back: two real stations exchange
messages both ways until co-signed checkpoints cover everything; then a copy of Ankara's
folder is edited with the sqlite3 module, one way per test. `detente ledger verify` exits 1
naming the entry and what is wrong; `detente serve` refuses to start, saying why; with
--accept-damaged-ledger it starts, and the acceptance is recorded in the ledger."""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from detente.cli import main
from detente.home import Home
from detente.ledger.records import Record
from detente.store import LedgerLeaf
from integration.stations import StationProcess, run_cli

from .twostations import queue, run_in_process, two_stations


@pytest.fixture(scope="module")
def line(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StationProcess, str]]:
    with two_stations(tmp_path_factory.mktemp("line")) as (tr, sy):
        queue(tr.home, "SY", 4, "from Ankara")
        queue(sy.home, "TR", 3, "from Damascus")
        run_in_process(tr.home, sy.home)
        yield tr, Home(sy.home).config.station_id


@pytest.fixture
def copy(line: tuple[StationProcess, str], tmp_path: Path) -> Iterator[StationProcess]:
    """A copy of Ankara's stopped station, to edit."""
    tr, _ = line
    shutil.copytree(tr.home, tmp_path / "tr")
    station = StationProcess(tmp_path / "tr", tr.name, tr.party, tr.port)
    yield station
    station.close()


@contextlib.contextmanager
def database(station: StationProcess) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(Home(station.home).database_path)
    try:
        yield db
        db.commit()
    finally:
        db.close()


def entries(station: StationProcess, peer: str, kind: str) -> list[LedgerLeaf]:
    store = Home(station.home).open_store()
    try:
        return [x for x in store.ledger_leaves(peer, 0, store.log_size("own", peer)) if x.kind == kind]
    finally:
        store.close()


def envelope(db: sqlite3.Connection, message_id: str) -> bytes:
    (data,) = db.execute("SELECT envelope FROM messages WHERE id = ?", (message_id,)).fetchone()
    return bytes(data)


def change_body(db: sqlite3.Connection, peer: str, pick: Callable[..., LedgerLeaf]) -> tuple[LedgerLeaf, str]:
    entry = pick("envelope-in")
    data = envelope(db, entry.ref).replace(b"from Damascus", b"from Dam4scus")
    db.execute("UPDATE messages SET envelope = ? WHERE id = ?", (data, entry.ref))
    return entry, "changed-data"


def delete_message(db: sqlite3.Connection, peer: str, pick: Callable[..., LedgerLeaf]) -> tuple[LedgerLeaf, str]:
    entry = pick("envelope-out")
    db.execute("DELETE FROM messages WHERE id = ?", (entry.ref,))
    return entry, "missing-data"


def delete_entry(db: sqlite3.Connection, peer: str, pick: Callable[..., LedgerLeaf]) -> tuple[LedgerLeaf, str]:
    entry = pick("receipt-in")
    db.execute("DELETE FROM ledger_entries WHERE peer = ? AND idx = ?", (peer, entry.idx))
    return entry, "missing-entry"


def swap_envelopes(db: sqlite3.Connection, peer: str, pick: Callable[..., LedgerLeaf]) -> tuple[LedgerLeaf, str]:
    a, b = pick("envelope-in"), pick("envelope-in", 2)
    first, second = envelope(db, a.ref), envelope(db, b.ref)
    db.execute("UPDATE messages SET envelope = ? WHERE id = ?", (second, a.ref))
    db.execute("UPDATE messages SET envelope = ? WHERE id = ?", (first, b.ref))
    return a, "changed-data"


def change_leaf(db: sqlite3.Connection, peer: str, pick: Callable[..., LedgerLeaf]) -> tuple[LedgerLeaf, str]:
    entry = pick("receipt-out")
    db.execute("UPDATE ledger_entries SET leaf = ? WHERE peer = ? AND idx = ?", (bytes(32), peer, entry.idx))
    return entry, "changed-leaf"


def change_node(db: sqlite3.Connection, peer: str, pick: Callable[..., LedgerLeaf]) -> tuple[LedgerLeaf, str]:
    db.execute("UPDATE ledger_nodes SET hash = ? WHERE peer = ? AND level = 1 AND idx = 2", (bytes(32), peer))
    (kind, ref) = db.execute("SELECT kind, ref FROM ledger_entries WHERE peer = ? AND idx = 4", (peer,)).fetchone()
    return LedgerLeaf(4, kind, ref, b""), "changed-node"


EDITS = [change_body, delete_message, delete_entry, swap_envelopes, change_leaf, change_node]


def verify(station: StationProcess, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["ledger", "verify", "--home", str(station.home)])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_untouched_ledger_verifies(copy: StationProcess, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = verify(copy, capsys)
    assert code == 0 and err == "" and out.startswith("ledger intact")
    assert "co-signed by SY" in out


@pytest.mark.parametrize("edit", EDITS, ids=[e.__name__ for e in EDITS])
def test_an_edit_is_named_by_verify_and_stops_serve(
    edit: Callable[..., tuple[LedgerLeaf, str]],
    line: tuple[StationProcess, str],
    copy: StationProcess,
    capsys: pytest.CaptureFixture[str],
) -> None:
    peer = line[1]

    def pick(kind: str, nth: int = 1) -> LedgerLeaf:
        return entries(copy, peer, kind)[nth]

    with database(copy) as db:
        entry, code_name = edit(db, peer, pick)
    code, out, err = verify(copy, capsys)
    named = f"our log, entry {entry.idx} ({entry.kind} {entry.ref})"
    assert code == 1 and out.startswith("ledger DAMAGED")
    assert f"line with SY ({peer})" in out
    assert f"- {named}: " in out.split("problem(s)", 1)[1].splitlines()[1], out
    assert err.startswith(f"detente: the ledger of the line with SY is damaged: {named}: "), err
    report = json.loads(_json(copy, capsys))
    assert report["lines"][0]["problems"][0]["code"] == code_name
    served = run_cli("serve", "--home", str(copy.home), check=False, timeout=60)
    assert served.returncode == 1, served.stderr
    assert "failed verification" in served.stderr and named in served.stderr, served.stderr
    assert "--accept-damaged-ledger" in served.stderr


def _json(station: StationProcess, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["ledger", "verify", "--home", str(station.home), "--json"]) == 1
    out, _ = capsys.readouterr()
    return out


def test_serving_a_damaged_ledger_when_told_to_is_recorded(
    line: tuple[StationProcess, str], copy: StationProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    peer = line[1]
    entry = entries(copy, peer, "envelope-in")[0]
    with database(copy) as db:
        db.execute("DELETE FROM messages WHERE id = ?", (entry.ref,))
    copy.start("--accept-damaged-ledger")
    copy.wait_log(r"ERROR\s+ledger\.damaged party=SY problems=\d+ first=.*entry " + str(entry.idx), since_run=True)
    assert copy.stop() == 0
    assert main(["ledger", "show", "--home", str(copy.home), "--json"]) == 0
    view = json.loads(capsys.readouterr().out)
    (alarm,) = [a for a in view["alarms"] if a["kind"] == "ledger.damaged"]
    assert f"entry {entry.idx}" in alarm["detail"] and "--accept-damaged-ledger" in alarm["detail"]
    home = Home(copy.home)
    store = home.open_store()
    try:
        (recorded,) = [a for a in store.alarms() if a.kind == "ledger.damaged"]
        size = store.log_size("own", peer)
        logged = [x for x in store.ledger_leaves(peer, 0, size) if x.kind == "record" and x.ref == recorded.record]
        assert logged, "the acceptance is a signed record in the line's log"
        record = Record.from_bytes(store.entry_for(peer, "record", logged[0].ref) or b"")
        assert record.event == "ledger.damaged" and record.verify(home.signer.verifier)
        assert any(j.event == "ledger.damaged" for j in store.journal_entries())
    finally:
        store.close()
    status = json.loads(run_cli("status", "--home", str(copy.home), "--json").stdout)
    assert status["peers"][0]["alarms"]["count"] >= 1
    assert status["peers"][0]["alarms"]["latest"]["kind"] == "ledger.damaged"
    # the damage stays; verify still says so, and that it was accepted; a restart is not refused for it
    code, out, _ = verify(copy, capsys)
    assert code == 1 and "accepted before by serve --accept-damaged-ledger" in out
    copy.start()
    assert copy.stop() == 0
