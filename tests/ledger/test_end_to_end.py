"""Two real `detente serve` processes exchange messages both ways; afterwards each holds the
co-signed checkpoints of both logs covering everything, `ledger verify` passes on both, and the
checkpoints `ledger checkpoint` prints verify with Go's golang.org/x/mod/sumdb/note (built from
tests/interop/notecheck as tests/ledger/test_note_interop.py does) using the Ed25519 verifier key
from the station card's note_keys."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from detente.cli import main
from detente.ledger.checkpoint import Checkpoint
from detente.ledger.note import KeyKind, NoteKey, parse_note
from integration.stations import StationProcess, wait_until

from .twostations import ledger_state, settled, two_stations

SOURCE = Path(__file__).parents[1] / "interop" / "notecheck"
GOPATH = Path("/usr/share/gocode")


@pytest.fixture(scope="module")
def notecheck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("go") is None or not (GOPATH / "src/golang.org/x/mod/sumdb/note").is_dir():
        if os.environ.get("CI"):
            pytest.fail("CI must install golang-go and golang-golang-x-mod-dev (see .ci/run)")
        pytest.skip("Go and golang.org/x/mod are not installed here (.ci/run installs them)")
    out = tmp_path_factory.mktemp("go")
    env = {**os.environ, "GO111MODULE": "off", "GOPATH": str(GOPATH), "GOCACHE": str(out / "cache"), "GOFLAGS": ""}
    env["CGO_ENABLED"] = "0"
    subprocess.run(["go", "build", "-o", str(out / "notecheck"), "."], cwd=SOURCE, env=env, check=True, timeout=300)
    return out / "notecheck"


def ed25519_vkey(station: StationProcess) -> NoteKey:
    keys = [NoteKey.from_vkey(v) for v in station.card()["note_keys"]]
    (key,) = [k for k in keys if k.kind is KeyKind.NOTE_ED25519]
    return key


def go_verifies(notecheck: Path, key: NoteKey, note: str) -> str:
    result = subprocess.run([str(notecheck), key.vkey], input=note, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert f"verified {key.name} {key.key_id.hex()}" in result.stdout
    return result.stdout


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """`detente ARGS` in this process (these commands neither log nor serve); its output."""
    assert main(list(args)) == 0
    return capsys.readouterr().out


def test_both_logs_are_cosigned_in_full_and_verify_everywhere(
    tmp_path: Path, notecheck: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with two_stations(tmp_path) as (tr, sy):
        tr.start()
        sy.start()
        sent = [tr.send(f"Ankara to Damascus {i}", to="SY", precedence="flash") for i in range(2)]
        sent += [sy.send(f"Damascus to Ankara {i}", to="TR") for i in range(2)]
        wait_until(lambda: settled(tr.home, sy.home), timeout=60, what="both logs co-signed in full")
        assert tr.stop() == 0 and sy.stop() == 0
        assert {m["id"] for m in tr.messages("inbox")} | {m["id"] for m in tr.messages("outbox")} == set(sent)
        for station, other in ((tr, sy), (sy, tr)):
            state, theirs = ledger_state(station.home), ledger_state(other.home)
            # our log: envelopes and receipts both ways (plus anything else logged), all co-signed
            assert state.own == state.own_cosigned >= 2 * len(sent)
            assert state.peer == state.peer_cosigned == theirs.own
            home = str(station.home)
            verified = cli(capsys, "ledger", "verify", "--home", home)
            assert verified.startswith("ledger intact"), verified
            shown = json.loads(cli(capsys, "ledger", "show", "--home", home, "--json"))
            assert shown["own_log"]["size"] == shown["own_log"]["cosigned_size"] == state.own
            assert shown["peer_log"]["size"] == shown["peer_log"]["cosigned_size"] == theirs.own
            assert shown["alarms"] == []
            status = station.status()
            assert status["peers"][0]["alarms"] == {"count": 0, "latest": None}
            # the checkpoint of our own log, as a C2SP signed note, verified by Go with our vkey
            note = cli(capsys, "ledger", "checkpoint", "--home", home)
            out = go_verifies(notecheck, ed25519_vkey(station), note)
            assert Checkpoint.from_text(parse_note(note).text).size == state.own
            assert "unverified 3" in out, "the ML-DSA signature and both cosignatures are there, unknown to Go"
            # and of the peer's log, verified with the peer's vkey
            note = cli(capsys, "ledger", "checkpoint", "--home", home, "--peer", other.party)
            go_verifies(notecheck, ed25519_vkey(other), note)
            assert Checkpoint.from_text(parse_note(note).text).size == theirs.own
