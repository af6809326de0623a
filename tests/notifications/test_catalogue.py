"""The catalogue: every kind has its example, defaults and lead time, and bodies round-trip."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest

from detente.notifications import json_schema, kinds, spec, validate
from detente.notifications.errors import UsageError
from detente.protocol.canonical import canonical_json
from detente.protocol.envelope import Precedence

from .conftest import EXAMPLES, KINDS, load_example, valid


def test_the_first_catalogue() -> None:
    assert KINDS == (
        "flight-notice",
        "air-defence-notice",
        "fire-notice",
        "incident-report",
        "clarification-request",
        "clarification-response",
        "humanitarian-notice",
        "free-text",
        "translation-request",
    )


def test_every_example_is_a_kind() -> None:
    assert sorted(path.stem for path in EXAMPLES.glob("*.json")) == sorted(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_example_round_trips(kind: str) -> None:
    data = load_example(kind)
    notice = valid(kind, data)
    body = dict(notice.body)
    again = valid(kind, json.loads(json.dumps(body)))
    assert again.body == body, "the canonical body is a fixed point"
    assert canonical_json(body)  # representable in RFC 8785, so it can ride in an envelope
    assert notice.notice.canonical() == body
    assert body["lang"] in ("tr", "ar", "en", "ru")


def test_defaults() -> None:
    assert spec("clarification-request").precedence == Precedence.FLASH
    assert spec("clarification-request").answer_within == timedelta(minutes=10)
    assert spec("clarification-request").acknowledge_within == Precedence.FLASH
    assert [entry.name for entry in kinds() if entry.acknowledge_within is not None] == ["clarification-request"]
    assert spec("incident-report").precedence == Precedence.IMMEDIATE
    assert spec("free-text").precedence == Precedence.ROUTINE
    assert spec("flight-notice").min_lead == timedelta(hours=1)
    assert spec("fire-notice").min_lead == timedelta(hours=6)
    for entry in kinds():
        assert (entry.min_lead is None) == (
            entry.name
            in {
                "incident-report",
                "clarification-request",
                "clarification-response",
                "free-text",
                "translation-request",
            }
        )


def test_a_kind_cannot_declare_an_acknowledgement_deadline_of_nothing() -> None:
    with pytest.raises(ValueError, match="acknowledge_within must be positive"):
        dataclasses.replace(spec("free-text"), acknowledge_within=timedelta(0))


def test_free_text_stays_what_the_cli_sends() -> None:
    body = {"text": "Merhaba", "lang": "tr"}
    assert valid("free-text", body).body == body


def test_unknown_kind_is_a_problem_for_validate_and_a_usage_error_for_spec() -> None:
    result = validate("weather-report", {})
    assert not isinstance(result, type(valid("free-text", {"text": "x", "lang": "en"})))
    assert result.codes() == {"kind": "unknown_kind"}  # type: ignore[union-attr]
    with pytest.raises(UsageError, match="weather-report"):
        spec("weather-report")
    with pytest.raises(UsageError):
        json_schema("weather-report")
