"""The command line as scripts drive it: names, exit codes, files and refusals."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from .conftest import StationFactory
from .stations import StationProcess, free_port, run_cli

COMMANDS = [
    ["init"],
    ["card"],
    ["peer"],
    ["peer", "add"],
    ["peer", "list"],
    ["serve"],
    ["send"],
    ["outbox"],
    ["inbox"],
    ["status"],
    ["demo"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_explains_itself(command: list[str]) -> None:
    result = run_cli(*command, "--help")
    assert result.returncode == 0
    assert "usage: detente" in result.stdout
    assert len(result.stdout.splitlines()) > 3


def test_usage_errors_exit_2() -> None:
    assert run_cli("send", "--home", "/nonexistent", check=False).returncode == 2
    assert run_cli("no-such-command", check=False).returncode == 2
    result = run_cli("send", "--home", "/x", "--to", "SY", "--text", "t", "--precedence", "urgent", check=False)
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_init_writes_private_keys_0600_and_refuses_to_overwrite(tmp_path: Path) -> None:
    home = tmp_path / "tr"
    args = [
        "init",
        "--home",
        str(home),
        "--name",
        "Ankara Operations Centre",
        "--party",
        "tr",
        "--listen",
        f"127.0.0.1:{free_port()}",
        "--lang",
        "tr",
    ]
    result = run_cli(*args)
    assert "fingerprint:" in result.stdout
    for key in ("signing.key", "tls.key"):
        assert stat.S_IMODE((home / "keys" / key).stat().st_mode) == 0o600
    assert stat.S_IMODE((home / "keys").stat().st_mode) == 0o700
    assert (home / "station.toml").exists() and (home / "detente.db").exists()
    before = (home / "keys" / "signing.key").read_bytes()
    again = run_cli(*args, check=False)
    assert again.returncode == 1
    assert "refusing to overwrite" in again.stderr and len(again.stderr.strip().splitlines()) == 1
    assert (home / "keys" / "signing.key").read_bytes() == before


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--party", "TURKEY", "two or three capital letters"),
        ("--listen", "localhost", "HOST:PORT"),
        ("--listen", "127.0.0.1:70000", "port 70000"),
    ],
)
def test_init_refuses_bad_values(tmp_path: Path, flag: str, value: str, message: str) -> None:
    args = {"--home": str(tmp_path / "x"), "--name": "X", "--party": "TR", "--listen": "127.0.0.1:7001"}
    args[flag] = value
    result = run_cli("init", *[part for pair in args.items() for part in pair], check=False)
    assert result.returncode == 1 and message in result.stderr
    assert not (tmp_path / "x" / "keys").exists()


def test_card_has_everything_a_peer_pins(make_station: StationFactory) -> None:
    tr = make_station()
    card = tr.card()
    for key in (
        "name",
        "party",
        "station_id",
        "signing_key",
        "tls_certificate",
        "tls_certificate_sha256",
        "endpoints",
        "protocol_versions",
        "fingerprint",
        "signature",
    ):
        assert key in card
    assert card["name"] == "Ankara Operations Centre" and card["party"] == "TR"
    assert card["endpoints"] == [f"tls://127.0.0.1:{tr.port}"]
    assert card["protocol_versions"] == [1]
    groups = card["fingerprint"].split()
    assert len(groups) == 6 and all(len(g) == 5 and g.isdigit() for g in groups)
    assert card == tr.card(), "the card is stable"


def test_peer_add_refuses_a_wrong_fingerprint_and_pins_nothing(make_station: StationFactory) -> None:
    tr, sy = make_station(), make_station("Damascus Operations Centre", "SY", "ar")
    card_file = tr.home.parent / "sy.card.json"
    card_file.write_text(json.dumps(sy.card()))
    digits = sy.card()["fingerprint"].replace(" ", "")
    wrong = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    result = tr.cli("peer", "add", str(card_file), "--fingerprint", wrong, check=False)
    assert result.returncode == 1
    assert "does not match the one you were given" in result.stderr and "by voice" in result.stderr
    assert tr.cli("peer", "list", "--json").stdout == ""
    tr.cli("peer", "add", str(card_file), "--fingerprint", digits)
    (listed,) = [json.loads(line) for line in tr.cli("peer", "list", "--json").stdout.splitlines()]
    assert listed["party"] == "SY" and listed["fingerprint"] == sy.card()["fingerprint"]
    again = tr.cli("peer", "add", str(card_file), check=False)
    assert again.returncode == 1 and "already pinned" in again.stderr


def test_peer_add_refuses_an_altered_card(make_station: StationFactory) -> None:
    tr, sy = make_station(), make_station("Damascus Operations Centre", "SY", "ar")
    card = sy.card()
    card["endpoints"] = ["tls://203.0.113.9:7001"]
    card_file = tr.home.parent / "altered.card.json"
    card_file.write_text(json.dumps(card))
    result = tr.cli("peer", "add", str(card_file), check=False)
    assert result.returncode == 1 and "signature does not verify" in result.stderr
    card_file.write_text("{not json")
    result = tr.cli("peer", "add", str(card_file), check=False)
    assert result.returncode == 1 and "not JSON" in result.stderr


def test_send_queues_durably_without_serve_and_lists_json(pair: tuple[StationProcess, StationProcess]) -> None:
    tr, _ = pair
    first = tr.send("Hat testi", "SY", "flash")
    second = tr.send("İkinci mesaj", "sy")
    rows = tr.messages("outbox")
    assert [r["id"] for r in rows] == [first, second]
    for key in ("id", "from", "to", "kind", "precedence", "body", "created_at", "state", "receipt_at"):
        assert key in rows[0]
    assert rows[0]["from"] == "TR" and rows[0]["to"] == "SY" and rows[0]["kind"] == "free-text"
    assert rows[0]["precedence"] == "flash" and rows[0]["state"] == "queued" and rows[0]["receipt_at"] is None
    assert rows[1]["body"]["text"] == "İkinci mesaj"
    assert "Hat testi" in tr.cli("outbox").stdout
    assert tr.cli("inbox").stdout.strip() == "mesaj yok", "in the station's language"
    assert tr.cli("inbox", "--lang", "en").stdout.strip() == "no messages"


def test_send_to_an_unknown_party_fails_with_the_reason(pair: tuple[StationProcess, StationProcess]) -> None:
    tr, _ = pair
    result = tr.cli("send", "--to", "RU", "--text", "x", check=False)
    assert result.returncode == 1 and "no peer for party RU" in result.stderr
    config = tr.home / "station.toml"
    config.write_text(config.read_text().replace("max_frame_bytes = 1048576", "max_frame_bytes = 4096"))
    result = tr.cli("send", "--to", "SY", "--text", "x" * 5000, check=False)
    assert result.returncode == 1 and "nothing was queued" in result.stderr and "text:" in result.stderr
    result = tr.cli("send", "--to", "SY", "--text", "ş" * 3000, check=False)  # valid text, 6,000 bytes
    assert result.returncode == 1 and "larger than the link's frame limit of 4096 bytes" in result.stderr
    assert tr.messages("outbox") == []


def test_status_without_serve(pair: tuple[StationProcess, StationProcess]) -> None:
    tr, _ = pair
    tr.send("waiting", "SY")
    status = tr.status()
    assert status["serve"] == {"running": False, "pid": None}
    (peer,) = status["peers"]
    assert peer["link"] == "STOPPED" and peer["queue_depth"] == 1
    assert "serve: not running" in tr.cli("status", "--lang", "en").stdout


def test_commands_on_a_folder_that_is_not_a_station(tmp_path: Path) -> None:
    result = run_cli("outbox", "--home", str(tmp_path), check=False)
    assert result.returncode == 1 and "not a station folder" in result.stderr


def test_a_damaged_database_is_reported_not_crashed_on(make_station: StationFactory) -> None:
    tr = make_station()
    (tr.home / "detente.db").write_bytes(b"this is not a database" * 100)
    for leftover in ("detente.db-wal", "detente.db-shm"):
        (tr.home / leftover).unlink(missing_ok=True)
    result = tr.cli("outbox", check=False)
    assert result.returncode == 1
    assert "is damaged" in result.stderr and "restore" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_second_serve_on_the_same_station_is_refused(pair: tuple[StationProcess, StationProcess]) -> None:
    tr, _ = pair
    tr.start()
    result = tr.cli("serve", check=False)
    assert result.returncode == 1 and "already running" in result.stderr
    assert tr.status()["serve"]["running"] is True
