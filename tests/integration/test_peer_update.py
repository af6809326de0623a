"""`detente peer update`: a pinned peer's newer card (a second server's endpoint) is taken, by a
running station too; a card with the same station id but other keys is refused."""

from __future__ import annotations

import json
from pathlib import Path

from detente.config import set_station_setting

from .conftest import StationFactory
from .stations import StationProcess, free_port


def _set_in_station_toml(home: Path, key: str, value: str | list[str]) -> None:
    set_station_setting(home / "station.toml", key, value)


def test_a_newer_card_of_the_same_station_replaces_its_endpoints(
    pair: tuple[StationProcess, StationProcess], make_station: StationFactory
) -> None:
    tr, sy = pair
    sy.start()
    before = tr.card()["endpoints"]
    second = f"127.0.0.1:{free_port()}"
    _set_in_station_toml(tr.home, "advertise", [before[0].removeprefix("tls://"), second])
    path = tr.home.parent / "tr-new.card.json"
    path.write_text(json.dumps(tr.card()))
    out = sy.cli("peer", "update", str(path)).stdout
    assert f"{before[0]} -> {before[0]}, tls://{second}" in out
    (listed,) = [json.loads(line) for line in sy.cli("peer", "list", "--json").stdout.splitlines()]
    assert listed["endpoints"] == [before[0], f"tls://{second}"]
    sy.wait_log(r"peer\.updated party=TR", timeout=10)

    impostor = make_station("Ankara Operations Centre", "RU", "ru")  # other keys…
    _set_in_station_toml(impostor.home, "station_id", tr.station_id)  # …claiming Ankara's station id
    path.write_text(json.dumps(impostor.card()))
    refused = sy.cli("peer", "update", str(path), check=False)
    assert refused.returncode != 0
    assert "not the pinned" in refused.stderr and "refused" in refused.stderr
    (still,) = [json.loads(line) for line in sy.cli("peer", "list", "--json").stdout.splitlines()]
    assert still == listed
