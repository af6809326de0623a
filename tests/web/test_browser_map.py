"""The maps an officer aims with, in a real browser between two real stations.

Ankara sends a flight notice along the border near Kilis with a 4 km corridor. On both consoles
(Ankara in Turkish, Damascus in Arabic) the message's map names the places near the border in the
reader's language, has a metric scale bar, shows the pointer's position in degrees and MGRS, draws
the corridor as an area, switches an MGRS grid on, and explains every symbol in its legend; the
detail page states the nearest town with its bearing and the border distance on both sides.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
import shapely
from pyproj import Transformer

from detente.demo import _flight_notice
from detente.notifications.formatting import format_mgrs
from detente.notifications.gazetteer import gazetteer
from detente.notifications.geodesy import LocalProjection, as_polygon
from detente.notifications.geometry import Route
from detente.notifications.whereabouts import bearing_text

from .browser_stations import ConsoleStation, login, screenshots, watch_traffic
from .conftest import ConsoleLine, LineFactory

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


@pytest.fixture
def line(make_console_line: LineFactory) -> ConsoleLine:
    """Ankara (TR, Turkish) and Damascus (SY, Arabic), pinned to each other, serving their consoles."""

    def accounts(tr: ConsoleStation, sy: ConsoleStation) -> None:
        tr.add_operator("Yzb. Demir")
        sy.add_operator("Lt. Haddad")

    return make_console_line(accounts)


def _symbols_have_colour(page: Any) -> list[str]:
    """The legend's symbols that draw nothing (no background, image or border)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.map-legend li')].filter((li) => {
          const s = getComputedStyle(li.querySelector('.symbol'));
          const blank = (c) => c === 'rgba(0, 0, 0, 0)' || c === 'transparent';
          return blank(s.backgroundColor) && s.backgroundImage === 'none' &&
            (blank(s.borderTopColor) || s.borderTopWidth === '0px');
        }).map((li) => li.dataset.symbol)"""
    )


def _check_detail_map(page: Any, message_id: str, *, kilis: str, hemisphere: str) -> str:
    page.goto(page.url.split("#")[0] + f"#/message/{message_id}")
    page.wait_for_selector(".detail-map path.shape.corridor")
    where = page.locator(".whereabouts li[data-path=area]").inner_text()
    # The corridor is an area: a closed outline around its centre line, wider than the line all round
    # (once the map has settled on the shapes).
    corridor = page.locator(".detail-map path.shape.corridor").first
    assert (corridor.get_attribute("d") or "").rstrip().lower().endswith("z")
    page.wait_for_function(
        """() => {
          const area = document.querySelector('.detail-map path.shape.corridor').getBoundingClientRect();
          const line = document.querySelector('.detail-map path.shape.route').getBoundingClientRect();
          return area.height > line.height + 4 && area.width > line.width + 4 &&
            area.left < line.left && area.right > line.right;
        }""",
        timeout=5000,
    )
    # Place names near the border, in the reader's language.
    page.wait_for_selector(f".detail-map .place-label:has-text('{kilis}')")
    # A metric scale bar.
    scale = page.locator(".detail-map .leaflet-control-scale-line").first
    assert re.fullmatch(r"\d+ (km|m)", scale.inner_text()), scale.inner_text()
    # The pointer's position in degrees and MGRS.
    page.locator(".detail-map").scroll_into_view_if_needed()
    map_box = page.locator(".detail-map").bounding_box()
    page.mouse.move(map_box["x"] + map_box["width"] / 2, map_box["y"] + map_box["height"] / 2)
    page.mouse.move(map_box["x"] + map_box["width"] / 2 + 5, map_box["y"] + map_box["height"] / 2 + 5)
    degrees = page.locator(".detail-map .cursor-readout .degrees")
    degrees.wait_for()
    shown = degrees.inner_text()
    assert re.fullmatch(rf"3[67]\.\d{{5}}° {hemisphere}[,،] 3[78]\.\d{{5}}° .+", shown), shown
    mgrs = page.locator(".detail-map .cursor-readout .mgrs").inner_text()
    assert re.fullmatch(r"MGRS 37S [A-Z]{2} \d{5} \d{5}", mgrs), mgrs
    lat, lon = (float(n) for n in re.findall(r"\d+\.\d{5}", shown))
    station = format_mgrs(lon, lat).split()
    assert [part[:4] for part in mgrs.split()[1:]] == [part[:4] for part in station], "the station's MGRS, to 10 m"
    # The nearest town, as the station names it ("12 km SE of Kilis") for a message there.
    town = gazetteer().nearest(lon, lat, min_population=10_000)
    assert town is not None
    near = page.locator(".detail-map .cursor-readout .near").inner_text()
    language = "tr" if hemisphere == "K" else "ar"
    allowed = {  # the readout's degrees are rounded to about a metre: the last figure may differ
        re.sub("[\u2066-\u2069]", "", bearing_text(dataclasses.replace(town, km=town.km + d), language))
        for d in (-0.05, 0.0, 0.05)
    }
    assert near in allowed, (near, allowed)
    # The MGRS grid, on request.
    assert page.locator(".detail-map path.mgrs-line").count() == 0
    page.check(".detail-map input[name=mgrs-grid]")
    page.wait_for_selector(".detail-map path.mgrs-line")
    assert page.locator(".detail-map .mgrs-label").count() > 0
    # The legend explains every symbol, and none is blank.
    page.click(".detail-map .map-legend summary")
    symbols = page.locator(".detail-map .map-legend li")
    assert {symbols.nth(i).get_attribute("data-symbol") for i in range(symbols.count())} >= {
        "party",
        "country",
        "sea",
        "place",
        "area",
        "corridor",
        "point",
        "grid",
    }
    assert _symbols_have_colour(page) == []
    return re.sub("[\u2066-\u2069]", "", where)


def test_both_consoles_show_places_scale_position_grid_corridor_and_where_it_lies(
    line: tuple[ConsoleStation, ConsoleStation], browser: Any, tmp_path: Path
) -> None:
    tr, sy = line
    shots = screenshots(tmp_path)
    message_id = tr.send("", "SY", "priority", kind="flight-notice", body=_flight_notice(time.time()))
    at_ankara = browser.new_context(viewport={"width": 1440, "height": 900})
    at_damascus = browser.new_context(viewport={"width": 1440, "height": 900})
    traffic = watch_traffic(at_ankara)
    ankara, damascus = at_ankara.new_page(), at_damascus.new_page()
    login(ankara, tr, "Yzb. Demir", "tr")
    login(damascus, sy, "Lt. Haddad", "ar")
    damascus.locator(f'tr.message[data-id="{message_id}"]').wait_for(timeout=15000)

    sender = _check_detail_map(ankara, message_id, kilis="Kilis", hemisphere="K")
    shots.take(ankara, "ankara-detail-map")
    receiver = _check_detail_map(damascus, message_id, kilis="كلس", hemisphere="شمالًا")
    shots.take(damascus, "damascus-detail-map")
    assert "Nizip yerleşiminin 12,4 km güneybatısı" in sender
    assert "Suriye–Türkiye sınırına 4,9 km, Türkiye tarafında" in sender
    assert "12.4 كم جنوب غرب Nizip" in receiver and "على بعد 4.9 كم من حدود تركيا–سوريا، في تركيا" in receiver

    # The corridor the browser draws is the ground the station checks (within 1 %).
    route = _flight_notice(time.time())["area"]
    ring = ankara.evaluate(
        "async ([line, km]) => (await import('/js/corridor.js')).corridorRing(line, km)",
        [route["coordinates"], route["corridor_km"]],
    )
    outline = shapely.LineString([(lon, lat) for lat, lon in ring] + [(ring[0][1], ring[0][0])])
    drawn = shapely.union_all(shapely.get_parts(shapely.polygonize([shapely.node(outline)])))  # as filled (nonzero)
    checked = as_polygon(Route.model_validate_json(json.dumps(route)))
    local = LocalProjection.around(checked)
    overlap = local.project(drawn.intersection(checked)).area / local.project(drawn.union(checked)).area
    assert overlap > 0.99, overlap

    # The grid's UTM plane is WGS-84's (zone 37N, EPSG:32637), to the millimetre, both ways.
    easting, northing = ankara.evaluate("async () => (await import('/js/utm.js')).forward(36.71611, 37.115)")
    expected = Transformer.from_crs("EPSG:4326", "EPSG:32637", always_xy=True).transform(37.115, 36.71611)
    assert abs(easting - expected[0]) < 0.01 and abs(northing - expected[1]) < 0.01
    back = ankara.evaluate(f"async () => (await import('/js/utm.js')).inverse({easting}, {northing}, 37)")
    assert abs(back[0] - 36.71611) < 1e-7 and abs(back[1] - 37.115) < 1e-7

    # The compose map has the same aids, and its legend the drawing's symbols.
    ankara.click("nav a[data-view=compose]")
    ankara.wait_for_selector(".compose-map .place-label")
    assert ankara.locator(".compose-map .leaflet-control-scale-line").count() == 1
    assert ankara.locator(".compose-map .cursor-readout").count() == 1
    assert ankara.locator(".compose-map input[name=mgrs-grid]").count() == 1
    for symbol in ("drawn", "other_field", "corridor"):
        assert ankara.locator(f'.compose-map .map-legend li[data-symbol="{symbol}"]').count() == 1

    # The overview map's kind list has coloured swatches (they were blank).
    ankara.click("nav a[data-view=map]")
    swatch = ankara.locator(".kind-filter .kind-flight-notice .swatch")
    swatch.wait_for()
    colour = swatch.evaluate("(el) => getComputedStyle(el).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent"), colour
    shots.take(ankara, "ankara-overview-map")
    assert any(url.endswith("/api/v1/map/places") for url in traffic.requests)
    assert traffic.errors == []
    at_ankara.close()
    at_damascus.close()
