"""Composing: each kind of bad input gives the specific field error, in the operator's language."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.notifications import LANGUAGES, Problems, ValidNotice, validate
from detente.notifications.errors import UsageError
from detente.notifications.i18n import catalogue_entries
from detente.notifications.problems import MESSAGES

from .conftest import KINDS

MakeBody = Callable[..., dict[str, Any]]


def problems(kind: str, data: object, lang: str = "en") -> dict[str, str]:
    result = validate(kind, data, lang=lang)  # type: ignore[arg-type]
    assert isinstance(result, Problems), f"{kind} accepted {data!r}"
    return result.codes()


def test_wrong_types(make_body: MakeBody) -> None:
    body = make_body("flight-notice", aircraft=[{"count": "2", "category": "fighter"}], standoff_km=True)
    assert problems("flight-notice", body) == {"aircraft[0].count": "int_type", "standoff_km": "float_type"}
    assert problems("free-text", {"text": 5, "lang": "tr"}) == {"text": "string_type"}
    assert problems("flight-notice", make_body("flight-notice", aircraft=[{"count": 2.0, "category": "fighter"}])) == {
        "aircraft[0].count": "int_type"
    }


def test_reversed_time_window(make_body: MakeBody) -> None:
    body = make_body("fire-notice", window={"start": "2026-11-27T09:00:00Z", "end": "2026-11-27T05:00:00Z"})
    result = validate("fire-notice", body, lang="en")
    assert isinstance(result, Problems)
    (problem,) = result.items
    assert (problem.path, problem.code) == ("window.end", "window_reversed")
    assert problem.label == "Time window › End"
    assert problem.message == "must be after the start (2026-11-27T09:00:00Z)"


def test_window_too_long_and_naive_times(make_body: MakeBody) -> None:
    body = make_body("flight-notice", window={"start": "2026-11-26T09:00:00Z", "end": "2026-11-28T09:00:00Z"})
    assert problems("flight-notice", body) == {"window": "window_too_long"}
    body = make_body("incident-report", time="2026-11-26T06:42:00")
    assert problems("incident-report", body) == {"time": "time_zone_missing"}
    body = make_body("incident-report", time="26/11/2026 06:42")
    assert problems("incident-report", body) == {"time": "datetime_parsing"}


def test_offsets_are_converted_to_utc(make_body: MakeBody) -> None:
    body = make_body("incident-report", time="2026-11-26T06:42:00+03:00")
    result = validate("incident-report", body)
    assert isinstance(result, ValidNotice)
    assert result.body["time"] == "2026-11-26T03:42:00Z"


def test_self_intersecting_polygon(make_body: MakeBody) -> None:
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[37.1, 36.7], [37.2, 36.8], [37.2, 36.7], [37.1, 36.8], [37.1, 36.7]]],
    }
    result = validate("air-defence-notice", make_body("air-defence-notice", area=bowtie), lang="en")
    assert isinstance(result, Problems)
    (problem,) = result.items
    assert (problem.path, problem.code) == ("area.coordinates", "self_intersection")
    assert problem.message == "the outline crosses itself near 36.75, 37.15"
    assert problem.label == "Area › Vertices"


def test_unclosed_and_degenerate_rings(make_body: MakeBody) -> None:
    open_ring = {"type": "Polygon", "coordinates": [[[37.1, 36.7], [37.2, 36.7], [37.2, 36.8], [37.1, 36.8]]]}
    assert problems("air-defence-notice", make_body("air-defence-notice", area=open_ring)) == {
        "area.coordinates[0]": "ring_not_closed"
    }
    line = {"type": "Polygon", "coordinates": [[[37.1, 36.7], [37.2, 36.7], [37.3, 36.7], [37.1, 36.7]]]}
    assert problems("air-defence-notice", make_body("air-defence-notice", area=line)) in (
        {"area.coordinates": "polygon_degenerate"},
        {"area.coordinates": "self_intersection"},
    )


def test_coordinates_out_of_range(make_body: MakeBody) -> None:
    body = make_body("incident-report", location={"type": "Point", "coordinates": [38.9, 136.7]})
    assert problems("incident-report", body) == {"location.coordinates[1]": "latitude_range"}
    body = make_body("incident-report", location={"type": "Point", "coordinates": [-238.9, 36.7]})
    assert problems("incident-report", body) == {"location.coordinates[0]": "longitude_range"}


def test_unknown_enums(make_body: MakeBody) -> None:
    assert problems("flight-notice", make_body("flight-notice", mission="bombing")) == {"mission": "enum"}
    assert problems("free-text", {"text": "hallo", "lang": "de"}) == {"lang": "literal_error"}
    body = make_body("incident-report", location={"type": "Circle", "coordinates": [38.9, 36.7]})
    assert problems("incident-report", body) == {"location": "union_tag_invalid"}


def test_oversize_text(make_body: MakeBody) -> None:
    assert problems("free-text", {"text": "x" * 4001, "lang": "en"}) == {"text": "string_too_long"}
    result = validate("incident-report", make_body("incident-report", description="ç" * 2001), lang="tr")
    assert isinstance(result, Problems)
    assert result.items[0].message == "çok uzun: en fazla 2.000 karakter"


def test_missing_and_extra_fields(make_body: MakeBody) -> None:
    assert problems("fire-notice", make_body("fire-notice", safety_area=None, weapon=None)) == {
        "weapon": "missing",
        "safety_area": "missing",
    }
    assert problems("free-text", {"text": "x", "lang": "en", "priority": "high"}) == {"priority": "extra_forbidden"}


def test_texts_may_not_carry_direction_controls_or_be_blank() -> None:
    assert problems("free-text", {"text": "abc\u202edef", "lang": "en"}) == {"text": "text_controls"}
    assert problems("free-text", {"text": "   ", "lang": "en"}) == {"text": "text_blank"}


def test_cross_field_rules(make_body: MakeBody) -> None:
    both = make_body("clarification-request", position={"type": "Point", "coordinates": [40.0, 36.8]})
    assert problems("clarification-request", both) == {"": "position_or_track"}
    backwards = make_body("clarification-request")
    backwards["track"][2]["time"] = "2026-11-26T10:00:00Z"
    assert problems("clarification-request", backwards) == {"track": "track_order"}
    assert problems("clarification-response", make_body("clarification-response", references=None)) == {
        "references": "missing"
    }
    update = make_body("clarification-response")
    update["references"][0]["relation"] = "update"
    assert problems("clarification-response", update) == {"references": "response_needs_request"}
    outside = make_body("fire-notice")
    outside["area"]["coordinates"][0][1] = [37.40, 36.40]
    assert problems("fire-notice", outside) == {"safety_area": "safety_area_excludes_impact"}
    band = {"lower": {"unit": "fl", "value": 250}, "upper": {"unit": "ft-amsl", "value": 15000}}
    assert problems("flight-notice", make_body("flight-notice", altitude=band)) == {
        "altitude.upper": "altitude_band_reversed"
    }
    assert problems("flight-notice", make_body("flight-notice", callsigns=["asena11"])) == {
        "callsigns[0]": "callsign_form"
    }
    assert problems("flight-notice", make_body("flight-notice", callsigns=["ASENA11", "ASENA11"])) == {
        "callsigns": "duplicate_item"
    }
    bad_ref = make_body("clarification-response", references=[{"id": "42", "relation": "reply"}])
    assert problems("clarification-response", bad_ref) == {"references[0].id": "message_id_form"}


def test_whole_body_problems() -> None:
    assert problems("free-text", "{not json") == {"": "json_invalid"}
    assert problems("free-text", [1, 2]) == {"": "not_an_object"}
    assert problems("free-text", {"text": float("nan"), "lang": "en"}) == {"": "finite_number"}
    with pytest.raises(UsageError):
        validate("free-text", {"text": object(), "lang": "en"})
    with pytest.raises(UsageError):
        validate("free-text", {"text": "x", "lang": "en"}, lang="de")  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_problems_are_in_the_operators_language(make_body: MakeBody, lang: str) -> None:
    body = make_body("fire-notice", window={"start": "2026-11-27T09:00:00Z", "end": "2026-11-27T05:00:00Z"})
    result = validate("fire-notice", body, lang=lang)  # type: ignore[arg-type]
    assert isinstance(result, Problems) and result.lang == lang
    expected = {
        "tr": "Zaman aralığı › Bitiş",
        "ar": "الفترة الزمنية › النهاية",
        "en": "Time window › End",
        "ru": "Временной интервал › Окончание",
    }
    assert result.items[0].label == expected[lang]
    assert "2026-11-27T09:00:00Z" in result.items[0].message


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_problem_message_is_translated(lang: str) -> None:
    entries = catalogue_entries(lang)  # type: ignore[arg-type]
    for code, message in MESSAGES.items():
        assert (None, message) in entries, f"{lang}: no translation for {code}"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(KINDS), data=json_values)
def test_validate_never_raises_on_json_data(kind: str, data: object) -> None:
    result = validate(kind, data, lang="ru")
    assert isinstance(result, Problems | ValidNotice)


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from(KINDS),
    drop=st.integers(min_value=0, max_value=20),
    value=json_values,
)
def test_mutated_examples_never_raise(kind: str, drop: int, value: object) -> None:
    from .conftest import load_example

    body = load_example(kind)
    keys = sorted(body)
    body[keys[drop % len(keys)]] = value
    result = validate(kind, json.loads(json.dumps(body)), lang="ar")
    if isinstance(result, Problems):
        assert all(item.message for item in result.items)
