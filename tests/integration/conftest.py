from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .stations import StationProcess, init_station

StationFactory = Callable[..., StationProcess]


@pytest.fixture
def make_station(tmp_path: Path) -> Iterator[StationFactory]:
    """Factory: ``make_station(name=…, party=…, lang=…)`` runs `detente init` and returns the station."""
    made: list[StationProcess] = []

    def make(name: str = "Ankara Operations Centre", party: str = "TR", lang: str = "tr") -> StationProcess:
        station = init_station(tmp_path / party.lower(), name, party, lang)
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
