from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .stations import StationProcess, free_port, run_cli

StationFactory = Callable[..., StationProcess]


@pytest.fixture
def make_station(tmp_path: Path) -> Iterator[StationFactory]:
    """Factory: ``make_station(name=…, party=…, lang=…)`` runs `detente init` and returns the station."""
    made: list[StationProcess] = []

    def make(name: str = "Ankara Operations Centre", party: str = "TR", lang: str = "tr") -> StationProcess:
        port, console = free_port(), free_port()
        home = tmp_path / party.lower()
        run_cli(
            "init",
            "--home",
            str(home),
            "--name",
            name,
            "--party",
            party,
            "--listen",
            f"127.0.0.1:{port}",
            "--console",
            f"127.0.0.1:{console}",
            "--lang",
            lang,
        )
        station = StationProcess(home, name, party, port, console_port=console)
        made.append(station)
        return station

    yield make
    for station in made:
        station.close()


@pytest.fixture
def pair(make_station: StationFactory) -> tuple[StationProcess, StationProcess]:
    """Ankara (TR) and Damascus (SY), each pinned to the other; not started."""
    tr = make_station("Ankara Operations Centre", "TR", "tr")
    sy = make_station("Damascus Operations Centre", "SY", "ar")
    tr.pin(sy)
    sy.pin(tr)
    return tr, sy
