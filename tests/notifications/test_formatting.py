"""Coordinates and MGRS, and the bidi helpers, on any point of the region."""

from __future__ import annotations

import re

import mgrs  # type: ignore[import-untyped]
from hypothesis import given
from hypothesis import strategies as st

from detente.notifications.bidi import FSI, LRI, PDI, contains_rtl, isolate_auto, isolate_ltr
from detente.notifications.formatting import format_mgrs
from detente.notifications.geodesy import geodesic_km

MGRS_FORM = re.compile(r"^\d{1,2}[C-X] [A-Z]{2} \d{5} \d{5}$")


@given(lon=st.floats(min_value=25.0, max_value=50.0), lat=st.floats(min_value=29.0, max_value=43.0))
def test_mgrs_is_spaced_and_within_a_few_metres(lon: float, lat: float) -> None:
    text = format_mgrs(lon, lat)
    assert MGRS_FORM.fullmatch(text), text
    back_lat, back_lon = mgrs.MGRS().toLatLon(text.replace(" ", ""))
    assert geodesic_km((lon, lat), (back_lon, back_lat)) < 0.0015  # MGRS truncates to the metre


def test_known_mgrs() -> None:
    assert format_mgrs(37.1147, 36.7161) == "37S CA 31623 65035"  # Kilis


def test_isolation() -> None:
    assert isolate_ltr("ASENA11", rtl_context=True) == f"{LRI}ASENA11{PDI}"
    assert isolate_ltr("ASENA11", rtl_context=False) == "ASENA11"
    assert isolate_auto("Kilis", rtl_context=False) == "Kilis"
    assert isolate_auto("رأس العين", rtl_context=False) == f"{FSI}رأس العين{PDI}"
    assert contains_rtl("Ras al-Ayn رأس العين") and not contains_rtl("Ceylanpınar")
