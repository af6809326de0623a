"""Late notices are accepted and flagged; answers are due by a deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from detente.notifications import LANGUAGES, answer_deadline, lateness
from detente.notifications.errors import UsageError

from .conftest import load_example, valid


def flight_body() -> dict[str, object]:
    return dict(valid("flight-notice", load_example("flight-notice")).body)  # starts 09:00Z


def test_on_time() -> None:
    result = lateness("flight-notice", flight_body(), "2026-11-26T07:30:00.000Z")
    assert result is not None and not result.late
    assert result.lead_time == timedelta(minutes=90) and result.shortfall == timedelta(0)
    assert result.describe("en") == "sent 1 h 30 min before the start (minimum lead time for Flight notice: 1 h)"


def test_late_before_the_start() -> None:
    result = lateness("flight-notice", flight_body(), datetime(2026, 11, 26, 8, 25, tzinfo=UTC))
    assert result is not None and result.late
    assert (result.lead_time, result.required, result.shortfall) == (
        timedelta(minutes=35),
        timedelta(hours=1),
        timedelta(minutes=25),
    )
    assert result.describe("en").startswith("LATE by 25 min: sent 35 min before the start")
    assert result.describe("tr").startswith("GEÇ (25 dk): başlangıçtan 35 dk önce gönderildi")


def test_sent_after_the_start() -> None:
    body = valid("fire-notice", load_example("fire-notice")).body  # starts 2026-11-27T05:00Z, needs 6 h
    result = lateness("fire-notice", body, "2026-11-27T05:10:00.000Z")
    assert result is not None and result.late
    assert result.lead_time == timedelta(minutes=-10) and result.shortfall == timedelta(hours=6, minutes=10)
    assert "after the start" in result.describe("en")
    for lang in LANGUAGES:
        assert result.describe(lang)


def test_kinds_without_lead_time() -> None:
    body = valid("incident-report", load_example("incident-report")).body
    assert lateness("incident-report", body, "2026-11-26T07:00:00.000Z") is None


def test_bad_send_time_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        lateness("flight-notice", flight_body(), "yesterday")
    with pytest.raises(UsageError):
        lateness("flight-notice", flight_body(), datetime(2026, 11, 26, 8, 0))


def test_answer_deadline() -> None:
    request = dict(valid("clarification-request", load_example("clarification-request")).body)
    sent = datetime(2026, 11, 26, 10, 8, tzinfo=UTC)
    assert answer_deadline("clarification-request", request, sent) == datetime(2026, 11, 26, 10, 20, tzinfo=UTC)
    request.pop("answer_by")
    assert answer_deadline("clarification-request", request, sent) == sent + timedelta(minutes=10)
    assert answer_deadline("free-text", {"text": "x", "lang": "en"}, sent) is None
