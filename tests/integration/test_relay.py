"""`detente relay`: setting a relay up, pointing stations at it, and what the relay refuses."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from chaos.conftest import RelayProcess

from .stations import StationProcess, free_port, init_station, run_cli, wait_until


@dataclass
class Setup:
    tr: StationProcess
    sy: StationProcess
    relay: RelayProcess
    relay_card: Path


def _card_file(station: StationProcess, folder: Path) -> Path:
    path = folder / f"{station.home.name}.card.json"
    path.write_text(json.dumps(station.card()))
    return path


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    port = free_port()
    relay_home = tmp_path / "relay"
    run_cli("relay", "init", "--home", str(relay_home), "--name", "un", "--listen", f"127.0.0.1:{port}")
    relay_card = tmp_path / "un.relay-card"
    relay_card.write_text(run_cli("relay", "card", "--home", str(relay_home)).stdout)
    tr = init_station(tmp_path / "tr", "Ankara Operations Centre", "TR", "tr", console=False)
    sy = init_station(tmp_path / "sy", "Damascus Operations Centre", "SY", "ar", console=False)
    relay = RelayProcess(relay_home, port)
    try:
        yield Setup(tr, sy, relay, relay_card)
    finally:
        for station in (tr, sy):
            station.close()
        relay.close()


def test_using_a_relay_checks_its_certificate_and_lists_it_in_the_card(setup: Setup, tmp_path: Path) -> None:
    tr = setup.tr
    sha = json.loads(setup.relay_card.read_text())["tls_certificate_sha256"]
    wrong = tr.cli("relay", "use", str(setup.relay_card), "--sha256", "00" * 32, check=False)
    assert wrong.returncode == 1 and f"the relay's certificate sha256 is {sha}" in wrong.stderr
    before = tr.card()
    done = tr.cli("relay", "use", str(setup.relay_card), "--sha256", sha.upper())
    assert "path relay:un added" in done.stdout
    again = tr.cli("relay", "use", str(setup.relay_card), check=False)
    assert again.returncode == 1 and "already has a relay named 'un'" in again.stderr
    after = tr.card()
    assert after["fingerprint"] == before["fingerprint"]
    assert after["relays"] == [
        {"name": "un", "endpoints": json.loads(setup.relay_card.read_text())["endpoints"]} | {"tls_sha256": sha}
    ]
    # The peer takes the card with the relay as an update of the pinned one.
    setup.sy.pin(tr)
    card_path = _card_file(tr, tmp_path)
    updated = setup.sy.cli("peer", "update", str(card_path))
    assert "same keys" in updated.stdout
    assert "relay:un" in tr.cli("relay", "list").stdout
    tr.cli("relay", "drop", "un")
    assert "no relay" in tr.cli("relay", "list").stdout
    assert "relays" not in tr.card()
    bad = tmp_path / "bad.relay-card"
    bad.write_text(json.dumps(json.loads(setup.relay_card.read_text()) | {"tls_certificate_sha256": "ab" * 32}))
    refused = tr.cli("relay", "use", str(bad), check=False)
    assert refused.returncode == 1 and "does not match the certificate" in refused.stderr


def test_a_relay_refuses_a_station_it_was_not_given(setup: Setup, tmp_path: Path) -> None:
    tr, sy = setup.tr, setup.sy
    run_cli("relay", "allow", "--home", str(setup.relay.home), str(_card_file(sy, tmp_path)))  # not TR
    setup.relay.start()
    tr.cli("relay", "use", str(setup.relay_card))
    tr.start()
    wait_until(lambda: "relay.connection_refused" in setup.relay.log(), 20, what="the relay refusing TR")
    tr.wait_log(r"relay\.unreachable relay=un", timeout=20)
    assert "relay.station_connected station=TR" not in setup.relay.log()


def test_items_wait_at_the_relay_across_its_restart_and_a_quota_refuses_with_the_reason(
    setup: Setup, tmp_path: Path
) -> None:
    tr, sy, relay = setup.tr, setup.sy, setup.relay
    for station in (tr, sy):
        station.cli("relay", "use", str(setup.relay_card))
        run_cli("relay", "allow", "--home", str(relay.home), str(_card_file(station, tmp_path)))
    tr.pin(sy)
    sy.pin(tr)
    relay.start()
    # Damascus is away: Ankara's session (its open and its hello) waits at the relay for it.
    dialer, listener = (tr, sy) if tr.station_id < sy.station_id else (sy, tr)
    dialer.start()
    held = lambda: json.loads(run_cli("relay", "status", "--json", "--home", str(relay.home)).stdout)  # noqa: E731
    waiting = lambda: {s["party"]: s["waiting_for_it"] for s in held()["stations"]}  # noqa: E731
    wait_until(lambda: waiting()[listener.party] >= 2, 20, what="items waiting for the absent station")
    dialer.stop()
    relay.kill()
    relay.start()
    assert waiting()[listener.party] >= 2, "kept across a SIGKILL of the relay"
    listener.start()
    wait_until(lambda: waiting()[listener.party] == 0, 20, what="the station taking what waited for it")
    listener.stop()

    # A quota of one item per station: an open and a hello do not fit.
    relay.close()
    set_quota(relay.home / "relay.toml", 1)
    relay.start()
    dialer.start()
    dialer.wait_log(r"relay\.session_failed .*quota", timeout=20)
    assert "relay.refused" in relay.log() and "code=quota" in relay.log()
    time.sleep(0.5)


def set_quota(path: Path, items: int) -> None:
    text = path.read_text()
    text = "\n".join(
        f"max_items_per_station = {items}" if line.startswith("max_items_per_station") else line
        for line in text.splitlines()
    )
    path.write_text(text + "\n")


def test_relay_init_refusals(tmp_path: Path) -> None:
    port = free_port()
    bad_name = run_cli(
        "relay", "init", "--home", str(tmp_path / "r"), "--name", "u n", "--listen", f"127.0.0.1:{port}", check=False
    )
    assert bad_name.returncode == 1 and "relay name 'u n'" in bad_name.stderr
    run_cli("relay", "init", "--home", str(tmp_path / "r"), "--name", "un", "--listen", f"127.0.0.1:{port}")
    again = run_cli(
        "relay", "init", "--home", str(tmp_path / "r"), "--name", "un", "--listen", f"127.0.0.1:{port}", check=False
    )
    assert again.returncode == 1 and "already holds a relay" in again.stderr
    missing = run_cli("relay", "serve", "--home", str(tmp_path / "nothing"), check=False)
    assert missing.returncode == 1 and "not a relay directory" in missing.stderr
