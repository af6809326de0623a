"""`detente ledger export` and `detente ledger verify-bundle`, with two real `detente serve`
processes on loopback: a message goes from Ankara to Damascus, both logs are co-signed, Ankara
exports the message, and the bundle is checked with nothing but the file."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from integration.stations import StationProcess, free_port, run_cli, wait_until

LRI, PDI = "\u2066", "\u2069"


def _station(root: Path, name: str, party: str, lang: str) -> StationProcess:
    port = free_port()
    home = root / party.lower()
    run_cli(
        "init", "--home", str(home), "--name", name, "--party", party, "--listen", f"127.0.0.1:{port}", "--lang", lang
    )
    config = home / "station.toml"
    text = config.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^checkpoint_seconds = \S+", "checkpoint_seconds = 0.2", text)
    text = re.sub(r'(?m)^console = "[^"]*"', 'console = ""', text)  # no operator console: two stations, one host
    config.write_text(text, encoding="utf-8")
    return StationProcess(home, name, party, port)


def _cosigned(station: StationProcess, minimum: int) -> bool:
    (line,) = [json.loads(row) for row in station.cli("ledger", "show", "--json").stdout.splitlines() if row.strip()]
    own = line["own_log"]
    return bool(own["size"] >= minimum and own["cosigned_size"] == own["size"])


@pytest.fixture(scope="module")
def line(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StationProcess, StationProcess, str]]:
    """Ankara and Damascus, a FLASH message from Ankara delivered and co-signed; both stopped."""
    root = tmp_path_factory.mktemp("cli")
    tr = _station(root, "Ankara Operations Centre", "TR", "tr")
    sy = _station(root, "Damascus Operations Centre", "SY", "ar")
    try:
        tr.pin(sy)
        sy.pin(tr)
        tr.start()
        sy.start()
        sent = tr.send("Kilis kuzeyinde iki F-16 sınır devriyesi, 11:00–13:00Z.", "SY", "flash")
        wait_until(lambda: _cosigned(tr, 2) and _cosigned(sy, 2), timeout=30, what="both logs co-signed")
        assert tr.stop() == 0 and sy.stop() == 0
        yield tr, sy, sent
    finally:
        tr.close()
        sy.close()


def _export(station: StationProcess, out: Path, *selection: str, check: bool = True) -> str:
    result = run_cli("ledger", "export", "--home", str(station.home), "--out", str(out), *selection, check=check)
    return result.stdout if check else result.stderr


def test_export_by_message_then_verify_offline_in_arabic(
    line: tuple[StationProcess, StationProcess, str], tmp_path: Path
) -> None:
    tr, _, sent = line
    bundle = tmp_path / "evidence.json"
    assert str(bundle) in _export(tr, bundle, "--message", sent)
    offline = tmp_path / "elsewhere" / "evidence.json"  # nothing of the station next to it
    offline.parent.mkdir()
    offline.write_bytes(bundle.read_bytes())
    result = run_cli("ledger", "verify-bundle", str(offline), "--lang", "ar")
    assert result.returncode == 0
    text = result.stdout
    assert f"الرسالة {LRI}{sent}{PDI}" in text
    assert "خاطف" in text, "FLASH, in Arabic"
    assert "Ankara Operations Centre" in text and "Damascus Operations Centre" in text
    assert "ووقّعت المحطة" in text, "the receipt, in Arabic"


def test_a_flipped_byte_exits_1_with_the_reason(
    line: tuple[StationProcess, StationProcess, str], tmp_path: Path
) -> None:
    tr, _, sent = line
    bundle = tmp_path / "evidence.json"
    _export(tr, bundle, "--message", sent)
    data = bytearray(bundle.read_bytes())
    position = data.index(b'"received":"') + len(b'"received":"') + 3  # a digit of the receipt's time
    data[position] ^= 0x01
    bundle.write_bytes(bytes(data))
    result = run_cli("ledger", "verify-bundle", str(bundle), "--lang", "ar", check=False)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("detente: entries[")
    assert "receipt-in" in result.stderr and "signature does not verify" in result.stderr


def test_export_by_time_and_refusals(line: tuple[StationProcess, StationProcess, str], tmp_path: Path) -> None:
    tr, sy, sent = line
    bundle = tmp_path / "period.json"
    _export(sy, bundle, "--from", "2000-01-01T00:00:00Z", "--to", "2100-01-01T00:00:00+03:00")
    result = run_cli("ledger", "verify-bundle", str(bundle), "--lang", "ru")
    assert f"Сообщение {LRI}{sent}{PDI}" in result.stdout and "МОЛНИЯ" in result.stdout
    unknown = "01a21722-2472-7a0a-a2a3-a4a5a6a7a8a9"
    error = _export(tr, tmp_path / "none.json", "--message", unknown, check=False)
    assert f"message {unknown}: no such message at this station" in error
    assert not (tmp_path / "none.json").exists()
