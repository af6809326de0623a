"""Border advice on known geometry, the TopoJSON reader, and the packaged data against npm's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from detente.notifications import border_advice
from detente.notifications.errors import UsageError
from detente.notifications.geodata import DATA_FILE, atlas, geodata_text
from detente.notifications.geodesy import geodesic_km
from detente.notifications.topojson import decode_arcs, polygons, shared_arcs, subset

from .conftest import ROOT, load_example

MakeBody = Callable[..., dict[str, Any]]
WORLD_ATLAS = ROOT / "assets" / "node_modules" / "world-atlas" / "countries-10m.json"


def incident_at(make_body: MakeBody, lon: float, lat: float, radius: float | None = None) -> dict[str, Any]:
    location: dict[str, Any] = {"type": "Point", "coordinates": [lon, lat]}
    if radius is not None:
        location["radius_km"] = radius
    return make_body("incident-report", location=location)


def test_a_point_well_inside_turkey_gets_no_advice(make_body: MakeBody) -> None:
    kilis = incident_at(make_body, 37.1212, 36.7184)  # Kilis town centre, ~8 km from the border
    assert border_advice("incident-report", kilis, own="TR", other="SY", within_km=5) == ()


def test_a_point_near_the_border_on_our_side(make_body: MakeBody) -> None:
    oncupinar = incident_at(make_body, 37.08, 36.645)  # Öncüpınar crossing, Turkish side
    (advice,) = border_advice("incident-report", oncupinar, own="TR", other="SY")
    assert (advice.code, advice.country, advice.path) == ("near", "SY", "location")
    assert 0.1 < advice.km < 1.5
    lon, lat = advice.point
    assert geodesic_km((37.08, 36.645), (lon, lat)) == pytest.approx(advice.km, abs=0.01)
    assert advice.message.startswith(f"Position or area: lies {advice.km:.1f} km from the Syria–Türkiye border")


def test_a_point_on_the_other_side(make_body: MakeBody) -> None:
    bab_al_hawa = incident_at(make_body, 36.70, 36.20)  # south of the Cilvegözü–Bab al-Hawa crossing
    (advice,) = border_advice("incident-report", bab_al_hawa, own="TR", other="SY", lang="ar")
    assert (advice.code, advice.country) == ("inside", "SY")
    assert 1 < advice.km < 8
    assert "يقع داخل أراضي سوريا" in advice.message


def test_the_same_point_seen_from_syria(make_body: MakeBody) -> None:
    akcakale = incident_at(make_body, 38.947, 36.712, radius=0.3)
    (advice,) = border_advice("incident-report", akcakale, own="SY", other="TR", lang="ru")
    assert (advice.code, advice.country) == ("inside", "TR")
    assert "находится на территории государства Турция" in advice.message


def test_an_area_that_crosses_the_border(make_body: MakeBody) -> None:
    body = load_example("humanitarian-notice")  # Reyhanlı → Cilvegözü → Bab al-Hawa → Idlib road
    (advice,) = border_advice("humanitarian-notice", body, own="TR", other="SY", lang="tr")
    assert (advice.code, advice.country, advice.path) == ("enters", "SY", "route")
    assert 3 < advice.km < 7
    assert advice.message.startswith("Rota veya bölge: Suriye topraklarına")


def test_distance_threshold_is_configurable() -> None:
    body = load_example("air-defence-notice")
    (near,) = border_advice("air-defence-notice", body, own="TR", other="SY", within_km=10)
    assert 4 < near.km < 6
    assert border_advice("air-defence-notice", body, own="TR", other="SY", within_km=3) == ()


def test_parties_must_be_known() -> None:
    body = load_example("air-defence-notice")
    with pytest.raises(UsageError, match="XX"):
        border_advice("air-defence-notice", body, own="TR", other="XX")


def test_shared_borders() -> None:
    data = atlas()
    border = data.border("TR", "SY")
    assert border is not None and 700 < border.length * 100 < 1000  # ~900 km, in rough degrees
    assert data.border("TR", "RU") is None
    assert data.border("SY", "IQ") is not None
    assert data.country("TR").shape.contains(__import__("shapely").Point(32.85, 39.93))  # Ankara


def test_topojson_reader_on_a_tiny_topology() -> None:
    # Two unit squares side by side sharing the arc x=1; quantized with scale 1, translate 0.
    topology = {
        "type": "Topology",
        "transform": {"scale": [1, 1], "translate": [0, 0]},
        "objects": {
            "countries": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "id": "1"},
                    {"type": "Polygon", "arcs": [[~2, ~0]], "id": "2"},
                ],
            }
        },
        "arcs": [
            [[1, 0], [0, 1]],  # (1,0) → (1,1): the shared edge
            [[1, 1], [-1, 0], [0, -1], [1, 0]],  # (1,1) → (0,1) → (0,0) → (1,0)
            [[1, 1], [1, 0], [0, -1], [-1, 0]],  # (1,1) → (2,1) → (2,0) → (1,0)
        ],
    }
    arcs = decode_arcs(topology)
    a, b = topology["objects"]["countries"]["geometries"]  # type: ignore[index]
    assert polygons(a, arcs) == [[[(1, 0), (1, 1), (0, 1), (0, 0), (1, 0)]]]
    assert polygons(b, arcs) == [[[(1, 0), (2, 0), (2, 1), (1, 1), (1, 0)]]]
    assert shared_arcs(a, b) == [0]
    cut = subset(topology, "countries", [b])
    assert len(cut["arcs"]) == 2 and cut["objects"]["countries"]["geometries"][0]["arcs"] == [[~1, ~0]]


@pytest.mark.skipif(not WORLD_ATLAS.exists(), reason="assets/node_modules absent: run `npm ci --prefix assets`")
def test_packaged_borders_match_the_npm_package() -> None:
    assert DATA_FILE.read_text(encoding="utf-8") == geodata_text(WORLD_ATLAS), (
        "src/detente/notifications/data/borders-10m.topo.json is stale: run `make geodata`"
    )


def test_npm_project_pins_world_atlas_2() -> None:
    import json

    package = json.loads((ROOT / "assets" / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "assets" / "package-lock.json").read_text(encoding="utf-8"))
    assert package["dependencies"]["world-atlas"].startswith("2.")
    assert lock["packages"]["node_modules/world-atlas"]["version"].startswith("2.")
    assert Path(DATA_FILE).stat().st_size < 1_000_000


def test_a_notice_with_nothing_on_the_map_needs_no_border_data() -> None:
    # The border data takes most of a second to load: `detente send` of free text must not wait
    # for it, even to a party that is not a country.
    atlas.cache_clear()
    assert border_advice("free-text", {"text": "Hello", "lang": "en"}, own="TR", other="UN") == ()
    assert atlas.cache_info().currsize == 0
