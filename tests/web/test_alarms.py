"""The station's alarms through the API: listed in the reader's language, silenced by a person
(CSRF and roles as every POST), the consoles told of every change on the live hub."""

from __future__ import annotations

import pytest

from detente.alarms.book import AlarmBook
from detente.alarms.model import Condition, Kind, Severity
from detente.protocol.timestamps import format_time

from .conftest import Desk

pytestmark = pytest.mark.anyio


def _book(desk: Desk) -> AlarmBook:
    home = desk.home
    return AlarmBook(desk.store, station=home.config.station_id, signer=home.signer, publish=desk.hub.publish)


def _line_down(desk: Desk) -> str:
    sy = desk.peer.config.station_id
    params = {
        "down_since": format_time(desk.clock() - 3),
        "down_paths": ["direct"],
        "waiting": 2,
        "waiting_flash": 1,
        "waiting_immediate": 0,
        "contact": "+963 11 000 0000",
        "courier": "detente courier export --home /srv/tr --to SY --out FILE",
    }
    condition = Condition(
        f"line-down:{sy}", Kind.LINE_DOWN, Severity.CRITICAL, "SY", sy, paths=("direct",), params=params
    )
    [fact] = _book(desk).keyed(condition.key, condition, desk.clock())
    return fact.alarm.id


async def test_alarms_are_listed_in_the_readers_language_and_ended_ones_on_request(desk: Desk) -> None:
    caller = desk.session("Yzb. Kaya")
    with desk.hub.subscription() as events:
        alarm_id = _line_down(desk)
        assert events.get_nowait() == {"type": "alarms", "changed": [alarm_id]}
    [alarm] = (await desk.call("GET", "/api/v1/alarms", caller)).json()["alarms"]
    assert (alarm["id"], alarm["kind"], alarm["severity"], alarm["party"], alarm["ended"]) == (
        alarm_id,
        "line-down",
        "critical",
        "SY",
        None,
    )
    assert alarm["params"]["waiting"] == 2 and alarm["paths"] == ["direct"]
    assert "SY hattı" in alarm["text"], "the station's language (Turkish) by default"
    [arabic] = (await desk.call("GET", "/api/v1/alarms", caller, params={"lang": "ar"})).json()["alarms"]
    assert "الخط إلى" in arabic["text"]
    status = (await desk.call("GET", "/api/v1/status", caller, params={"lang": "en"})).json()
    assert [a["id"] for a in status["alarms"]] == [alarm_id] and status["alarms"][0]["text"].startswith("Line to SY")
    assert "ledger_alarms" in status
    # A record of the line: signed, in the line's log.
    sy = desk.peer.config.station_id
    assert any(leaf.kind == "record" for leaf in desk.store.ledger_leaves(sy, 0, desk.store.log_size("own", sy)))

    desk.clock.advance(134)
    _book(desk).keyed(f"line-down:{sy}", None, desk.clock())
    assert (await desk.call("GET", "/api/v1/alarms", caller)).json()["alarms"] == []
    [ended] = (await desk.call("GET", "/api/v1/alarms", caller, params={"all": "true", "lang": "en"})).json()["alarms"]
    assert (ended["end_reason"], ended["duration_s"], ended["text"]) == (
        "restored",
        134.0,
        "Line to SY restored after 2 min 14 s",
    )


async def test_silencing_records_who_and_stops_the_sound_never_the_alarm(desk: Desk) -> None:
    alarm_id = _line_down(desk)
    operator = desk.session("Yzb. Kaya")
    refused = await desk.call("POST", f"/api/v1/alarms/{alarm_id}/silence", operator, csrf=False)
    assert refused.status_code == 403
    auditor = desk.session("Denetçi", "auditor")
    assert (await desk.call("POST", f"/api/v1/alarms/{alarm_id}/silence", auditor)).status_code == 403
    with desk.hub.subscription() as events:
        reply = await desk.call("POST", f"/api/v1/alarms/{alarm_id}/silence", operator)
        assert reply.status_code == 200
        assert events.get_nowait() == {"type": "alarms", "changed": [alarm_id]}
    silenced = reply.json()["alarm"]
    assert (silenced["silenced_by"], silenced["silenced_at"], silenced["ended"]) == (
        "Yzb. Kaya",
        format_time(desk.clock()),
        None,
    )
    [listed] = (await desk.call("GET", "/api/v1/alarms", operator)).json()["alarms"]
    assert listed["silenced_by"] == "Yzb. Kaya", "still listed: silencing is not ending"
    again = await desk.call("POST", f"/api/v1/alarms/{alarm_id}/silence", operator)
    assert again.status_code == 409 and "already silenced by Yzb. Kaya" in again.json()["error"]
    missing = await desk.call("POST", "/api/v1/alarms/nope/silence", operator)
    assert missing.status_code == 404
    assert any("silenced by Yzb. Kaya" in e.detail for e in desk.journal("alarm.silenced"))
