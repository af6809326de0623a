"""Messages through the API: sending (and refusing to), the list and its filters, one message,
acknowledging, certified translations, the preview, and the journal of it all."""

from __future__ import annotations

import copy
import typing

import pytest

from detente.protocol.timestamps import format_time
from detente.watch.escalation import Step
from detente.watch.watchman import Watchman
from detente.web.models import EscalationStep

from .conftest import Desk, example

pytestmark = pytest.mark.anyio

_TEXT = {"to": "SY", "kind": "free-text", "body": {"text": "Kilis kuzeyinde tatbikat", "lang": "tr"}}


def _bad_flight_notice() -> dict[str, object]:
    body = example("flight-notice")
    del body["mission"]
    body["aircraft"][0]["count"] = 0
    body["window"]["end"] = "2026-11-26T08:00:00Z"
    return {"to": "SY", "kind": "flight-notice", "body": body}


async def test_an_operator_sends_a_flight_notice(desk: Desk) -> None:
    caller = desk.session("Yzb. Kaya")
    sent = await desk.call(
        "POST", "/api/v1/messages", caller, json={**_TEXT, "kind": "flight-notice", "body": example("flight-notice")}
    )
    assert sent.status_code == 201
    reply = sent.json()
    record = desk.store.message(reply["id"])
    assert record is not None and record.kind == "flight-notice" and record.precedence == "priority"
    assert record.direction == "out" and record.peer_party == "SY" and record.state == "queued"
    assert reply["late"] is None and reply["acknowledged"] == []
    assert [e.detail for e in desk.journal("console.sent")] == [f"Yzb. Kaya: flight-notice {record.id} to SY"]


async def test_an_auditor_may_read_but_not_send(desk: Desk) -> None:
    auditor = desk.session("Müfettiş", "auditor")
    refused = await desk.call("POST", "/api/v1/messages", auditor, json=_TEXT)
    assert refused.status_code == 403 and "auditor" in refused.json()["error"]
    assert desk.store.find_messages() == []
    assert "Müfettiş: POST /api/v1/messages" in desk.journal("console.refused")[0].detail
    assert (await desk.call("GET", "/api/v1/messages", auditor)).status_code == 200


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", {"mission": "is required", "aircraft[0].count": "must be at least 1"}),
        ("tr", {"mission": "zorunludur", "aircraft[0].count": "en az 1 olmalıdır"}),
    ],
)
async def test_an_invalid_notice_is_refused_with_every_problem_in_the_readers_language(
    desk: Desk, lang: str, expected: dict[str, str]
) -> None:
    caller = desk.session("Yzb. Kaya")
    refused = await desk.call("POST", "/api/v1/messages", caller, json=_bad_flight_notice(), params={"lang": lang})
    assert refused.status_code == 422
    problems = {p["path"]: p["message"] for p in refused.json()["problems"]}
    assert set(problems) == {"mission", "aircraft[0].count", "window.end"}
    for path, message in expected.items():
        assert problems[path] == message
    assert desk.store.find_messages() == [], "nothing was queued"


async def test_a_malformed_request_is_refused_by_field(desk: Desk) -> None:
    caller = desk.session("Yzb. Kaya")
    not_json = await desk.call(
        "POST", "/api/v1/messages", caller, content=b"{to: SY", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 400
    missing = await desk.call("POST", "/api/v1/messages", caller, json={"kind": "free-text", "precedence": "urgent"})
    assert missing.status_code == 422
    assert {p["path"] for p in missing.json()["problems"]} == {"to", "body", "precedence"}
    unknown_peer = await desk.call("POST", "/api/v1/messages", caller, json={**_TEXT, "to": "IQ"})
    assert unknown_peer.status_code == 422 and "IQ" in unknown_peer.json()["error"]
    assert desk.store.find_messages() == []


async def test_the_list_is_newest_first_and_filters_by_time_kind_direction_and_id(desk: Desk) -> None:
    caller = desk.session("Yzb. Kaya")
    first = desk.incoming()
    desk.clock.advance(3600)
    middle = (await desk.call("POST", "/api/v1/messages", caller, json=_TEXT)).json()["id"]
    desk.clock.advance(3600)
    last = desk.incoming(kind="incident-report", body=example("incident-report"), precedence="immediate")

    listed = (await desk.call("GET", "/api/v1/messages", caller, params={"lang": "en"})).json()
    assert [m["id"] for m in listed["messages"]] == [last, middle, first]
    assert listed["now"] == format_time(desk.clock())
    newest = listed["messages"][0]
    assert newest["kind"] == "incident-report" and newest["title"] == "Incident report"
    assert newest["needs_acknowledgement"] is True and newest["due_at"] is not None

    async def fetch(params: dict[str, object]) -> list[str]:
        reply = await desk.call("GET", "/api/v1/messages", caller, params=params)
        assert reply.status_code == 200, reply.text
        return [m["id"] for m in reply.json()["messages"]]

    since = format_time(desk.clock() - 5400).replace(".000Z", "+00:00")
    assert await fetch({"since": since}) == [last, middle]
    assert await fetch({"since": since, "until": format_time(desk.clock())}) == [middle], "until is exclusive"
    assert await fetch({"until": "2026-11-25T15:30:00+03:00"}) == [first], "offsets are understood"
    assert await fetch({"kind": ["free-text"]}) == [middle, first]
    assert await fetch({"direction": "in"}) == [last, first]
    assert await fetch({"id_prefix": middle[:13]}) == [middle]
    assert await fetch({"limit": 1}) == [last]
    bad = await desk.call("GET", "/api/v1/messages", caller, params={"since": "yesterday", "limit": 0})
    assert bad.status_code == 422 and {p["path"] for p in bad.json()["problems"]} == {"since", "limit"}


async def test_one_message_in_the_readers_language_beside_the_original(desk: Desk) -> None:
    caller = desk.session("Yzb. Kaya")
    message_id = desk.incoming(kind="incident-report", body=example("incident-report"), precedence="immediate")
    detail = (await desk.call("GET", f"/api/v1/messages/{message_id}", caller, params={"lang": "ar"})).json()
    assert detail["rendered"]["lang"] == "ar" and detail["rendered"]["direction"] == "rtl"
    assert detail["original"]["lang"] == "tr" and detail["original"]["direction"] == "ltr"
    assert detail["body"] == example("incident-report")
    assert detail["geometries"] == [
        {"type": "Point", "coordinates": [38.947, 36.712], "radius_km": 0.3, "path": "location"}
    ]
    assert [h["event"] for h in detail["history"]] == ["created", "received and receipted"]
    assert detail["acknowledgement"] is None
    [where] = detail["whereabouts"]
    assert where["path"] == "location" and where["point"] == [38.947, 36.712]
    assert where["town"]["name"] == "أقجة قلعة" and where["town"]["bearing"] == "NW", "Akçakale, in Arabic"
    assert where["border"]["country"] == "TR" and 1.5 < where["border"]["km"] < 2.0
    assert "في تركيا" in where["text"]
    missing = await desk.call("GET", "/api/v1/messages/01a2153e-305f-772b-bbf0-db5abe7193b0", caller)
    assert missing.status_code == 404


async def test_an_operator_acknowledges_through_the_api(desk: Desk) -> None:
    caller = desk.session("Yzb. Kaya")
    message_id = desk.incoming()
    desk.clock.advance(30)
    acked = await desk.call("POST", f"/api/v1/messages/{message_id}/ack", caller, json={"note": "Alındı"})
    assert acked.status_code == 200
    record = desk.store.message(message_id)
    assert record is not None and record.acked_by == "Yzb. Kaya" and record.acked_at == format_time(desk.clock())
    ack = desk.store.message(acked.json()["id"])
    assert ack is not None and ack.kind == "acknowledgement" and ack.body["note"] == "Alındı"
    assert ack.body["acknowledges"] == message_id and ack.direction == "out"
    detail = (await desk.call("GET", f"/api/v1/messages/{message_id}", caller)).json()
    assert detail["state"] == "acknowledged"
    assert detail["acknowledgement"] == {
        "id": ack.id,
        "by": "Yzb. Kaya",
        "at": format_time(desk.clock()),
        "note": "Alındı",
        "late_by_s": None,
    }
    assert [e.detail for e in desk.journal("console.acknowledged")] == [f"Yzb. Kaya: {message_id}"]
    itself = (await desk.call("GET", f"/api/v1/messages/{ack.id}", caller)).json()
    assert itself["kind"] == "acknowledgement" and itself["body"]["acknowledges"] == message_id
    listed = (await desk.call("GET", "/api/v1/messages", caller)).json()["messages"]
    assert [m["id"] for m in listed] == [message_id], "the acknowledgement shows on what it acknowledges"


async def test_the_list_carries_the_escalation_steps_and_the_alarm_they_raise(desk: Desk) -> None:
    """What the console's louder alarm comes from: half-time, then overdue, for what this station
    has not acknowledged; nothing once a person has, nor for what waits on the other side."""
    caller = desk.session("Yzb. Kaya")
    watchman, peer = Watchman(desk.home, desk.store, started=desk.clock()), desk.peer.config.station_id
    waiting, answered = desk.incoming(precedence="flash"), desk.incoming(precedence="flash")  # 120 s each
    sent = (await desk.call("POST", "/api/v1/messages", caller, json=_TEXT)).json()["id"]

    async def lines() -> dict[str, tuple[list[str], str | None]]:
        listed = (await desk.call("GET", "/api/v1/messages", caller)).json()["messages"]
        return {m["id"]: (m["escalation"], m["alarm"]) for m in listed}

    watchman.tick(desk.clock(), {peer: False})
    assert await lines() == {waiting: ([], None), answered: ([], None), sent: (["link-wait"], None)}
    desk.clock.advance(60)
    watchman.tick(desk.clock(), {peer: False})
    assert await lines() == {
        waiting: (["half-time"], "half-time"),
        answered: (["half-time"], "half-time"),
        sent: (["link-wait"], None),
    }
    assert (await desk.call("POST", f"/api/v1/messages/{answered}/ack", caller, json={})).status_code == 200
    assert (await lines())[answered] == (["half-time"], None), "acknowledged: the alarm stops, the record stays"
    desk.clock.advance(60)
    watchman.tick(desk.clock(), {peer: False})
    assert (await lines())[waiting] == (["half-time", "overdue"], "overdue")
    one = (await desk.call("GET", "/api/v1/messages", caller, params={"id_prefix": waiting, "limit": 1})).json()
    assert [(m["escalation"], m["alarm"]) for m in one["messages"]] == [(["half-time", "overdue"], "overdue")]
    detail = (await desk.call("GET", f"/api/v1/messages/{waiting}", caller)).json()
    assert (detail["escalation"], detail["alarm"]) == (["half-time", "overdue"], "overdue")
    assert [h["event"] for h in detail["history"] if h["event"].startswith("escalation")] == [
        "escalation: half-time",
        "escalation: overdue",
    ]
    assert set(typing.get_args(EscalationStep)) == {step.value for step in Step}


async def test_acknowledgements_that_cannot_be_given_are_refused(desk: Desk) -> None:
    kaya, demir = desk.session("Yzb. Kaya"), desk.session("Tğm. Demir")
    message_id = desk.incoming()
    assert (await desk.call("POST", f"/api/v1/messages/{message_id}/ack", kaya)).status_code == 200
    twice = await desk.call("POST", f"/api/v1/messages/{message_id}/ack", demir)
    assert twice.status_code == 409 and "already acknowledged by Yzb. Kaya" in twice.json()["error"]
    unknown = await desk.call("POST", "/api/v1/messages/01a2153e-305f-772b-bbf0-db5abe7193b0/ack", kaya)
    assert unknown.status_code == 404
    own = (await desk.call("POST", "/api/v1/messages", kaya, json=_TEXT)).json()["id"]
    mine = await desk.call("POST", f"/api/v1/messages/{own}/ack", kaya)
    assert mine.status_code == 409 and "sent by this station" in mine.json()["error"]
    long_note = await desk.call("POST", f"/api/v1/messages/{message_id}/ack", kaya, json={"note": "x" * 501})
    assert long_note.status_code == 422 and long_note.json()["problems"][0]["path"] == "note"
    translator = desk.session("Çevirmen", "translator")
    other = desk.incoming()
    assert (await desk.call("POST", f"/api/v1/messages/{other}/ack", translator)).status_code == 403
    acks = [m for _, m in desk.store.messages("out") if m.kind == "acknowledgement"]
    assert len(acks) == 1, "only the first acknowledgement was queued"


async def test_a_translator_certifies_a_translation_and_an_operator_cannot(desk: Desk) -> None:
    translator, operator = desk.session("Çevirmen", "translator"), desk.session("Yzb. Kaya")
    message_id = desk.incoming()
    body = {"lang": "tr", "text": "Bu sizin uçağınız mı?"}
    refused = await desk.call("POST", f"/api/v1/messages/{message_id}/translation", operator, json=body)
    assert refused.status_code == 403 and desk.store.translations(message_id) == []
    stored = await desk.call("POST", f"/api/v1/messages/{message_id}/translation", translator, json=body)
    assert stored.status_code == 201
    [translation] = desk.store.translations(message_id)
    assert (translation.lang, translation.text, translation.translator) == ("tr", body["text"], "Çevirmen")
    detail = (await desk.call("GET", f"/api/v1/messages/{message_id}", operator)).json()
    assert detail["translations"][0]["translator"] == "Çevirmen"
    assert desk.journal("console.translation")[0].detail == f"Çevirmen: tr translation of {message_id}"
    bad = await desk.call(
        "POST", f"/api/v1/messages/{message_id}/translation", translator, json={"lang": "fr", "text": ""}
    )
    assert bad.status_code == 422 and {p["path"] for p in bad.json()["problems"]} == {"lang", "text"}


async def test_the_preview_renders_for_the_receiver_and_sends_nothing(desk: Desk) -> None:
    caller = desk.session("Yzb. Kaya")
    notice = {"to": "SY", "kind": "flight-notice", "body": example("flight-notice")}
    preview = (await desk.call("POST", "/api/v1/messages/preview", caller, json=notice, params={"lang": "en"})).json()
    assert preview["valid"] is True and preview["problems"] == [] and preview["precedence"] == "priority"
    assert preview["receiver"]["lang"] == "ar" and preview["receiver"]["direction"] == "rtl", "Damascus reads Arabic"
    assert preview["reader"]["lang"] == "en" and "FLIGHT NOTICE" in preview["reader"]["text"]
    assert preview["border_checked"] is True and preview["reads"] == ["ar"]
    assert preview["written_in"] == "tr", "its remarks are free text, in Turkish"
    bad = (await desk.call("POST", "/api/v1/messages/preview", caller, json=_bad_flight_notice())).json()
    assert bad["valid"] is False and {p["path"] for p in bad["problems"]} == {
        "mission",
        "aircraft[0].count",
        "window.end",
    }
    assert bad["problems"][0]["message"] == "zorunludur", "the station's language by default"
    assert desk.store.find_messages() == []


async def test_the_preview_of_free_text_says_nothing_was_checked_and_which_languages_the_peer_reads(
    desk: Desk,
) -> None:
    caller = desk.session("Yzb. Kaya")
    turkish = {"to": "SY", "kind": "free-text", "body": {"text": "Kilis'in doğusunda İHA sınırı geçti", "lang": "tr"}}
    preview = (await desk.call("POST", "/api/v1/messages/preview", caller, json=turkish)).json()
    assert preview["valid"] is True and preview["advice"] == []
    assert preview["border_checked"] is False, "free text has no area: nothing was checked against the border"
    assert (preview["written_in"], preview["reads"]) == ("tr", ["ar"]), "Damascus reads Arabic, not Turkish"
    arabic = {"to": "SY", "kind": "free-text", "body": {"text": "عبرت طائرة مسيّرة الحدود", "lang": "ar"}}
    preview = (await desk.call("POST", "/api/v1/messages/preview", caller, json=arabic)).json()
    assert (preview["written_in"], preview["reads"]) == ("ar", ["ar"])


async def test_a_reply_acknowledges_what_it_answers(desk: Desk) -> None:
    caller = desk.session("Yzb. Kaya")
    request = desk.incoming(kind="clarification-request", body=example("clarification-request"))
    answer = copy.deepcopy(example("clarification-response"))
    answer["references"] = [{"id": request, "relation": "reply"}]
    sent = await desk.call(
        "POST", "/api/v1/messages", caller, json={"to": "SY", "kind": "clarification-response", "body": answer}
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["acknowledged"] == [request]
    record = desk.store.message(request)
    assert record is not None and record.acked_by == "Yzb. Kaya"


async def test_sender_and_receiver_are_told_the_same_nearest_place_and_border_distance(desk: Desk) -> None:
    caller = desk.session("Yzb. Kaya")
    body = example("incident-report") | {"location": {"type": "Point", "coordinates": [37.2099, 36.6396]}}
    sent = await desk.call(
        "POST", "/api/v1/messages", caller, json={"to": "SY", "kind": "incident-report", "body": body}
    )
    assert sent.status_code == 201, sent.text
    received = desk.incoming(kind="incident-report", body=body, precedence="immediate")
    texts = []
    for message_id in (sent.json()["id"], received):
        detail = (await desk.call("GET", f"/api/v1/messages/{message_id}", caller, params={"lang": "en"})).json()
        [where] = detail["whereabouts"]
        assert where["town"] == {
            "name": "Kilis",
            "country": "TR",
            "km": 12.0,
            "bearing": "SE",
            "text": "12 km SE of Kilis",
        }
        texts.append(where["text"])
    assert (
        texts[0] == texts[1] == "12 km SE of Kilis; 8.2 km N of Şūrān; 1.7 km from the Syria–Türkiye border, in Syria"
    )
    free = (await desk.call("GET", f"/api/v1/messages/{desk.incoming()}", caller)).json()
    assert free["whereabouts"] == []


async def test_free_text_in_another_language_is_marked_and_a_translation_is_asked_for(desk: Desk) -> None:
    operator = desk.session("Yzb. Kaya")
    long_arabic = "طائرة مسيّرة عبرت الحدود قرب Kilis " + "وهي تتجه شرقًا نحو القرى الحدودية " * 8
    message_id = desk.incoming(body={"text": long_arabic, "lang": "ar"})
    [line] = (await desk.call("GET", "/api/v1/messages", operator)).json()["messages"]
    assert line["text_lang"] == "ar", "the console marks free text in a language it does not use"
    assert len(line["summary"]) <= 160 and line["summary"].endswith("…")
    assert long_arabic.startswith(line["summary"][:-1]) and long_arabic[len(line["summary"]) - 1] == " ", (
        "cut at a word boundary"
    )
    request = {
        "to": "SY",
        "kind": "translation-request",
        "precedence": "flash",
        "body": {"lang": "tr", "message": message_id, "into": "tr"},
    }
    sent = await desk.call("POST", "/api/v1/messages", operator, json=request)
    assert sent.status_code == 201, sent.text
    detail = (await desk.call("GET", f"/api/v1/messages/{message_id}", operator)).json()
    [asked] = detail["translation_requests"]
    assert (asked["id"], asked["into"], asked["state"]) == (sent.json()["id"], "tr", "queued")
    assert detail["state"] == "received", "asking for a translation does not acknowledge the message"
    # Damascus answers with the translation, a reply to the request: the message's page links it.
    translated = "Kilis yakınında sınırı geçen bir İHA doğuya, sınır köylerine doğru ilerliyor."
    reply = desk.incoming(
        body={"text": translated, "lang": "tr", "references": [{"id": sent.json()["id"], "relation": "reply"}]},
        precedence="immediate",
    )
    detail = (await desk.call("GET", f"/api/v1/messages/{message_id}", operator)).json()
    assert detail["translation_requests"][0]["answer"] == reply
    structured = (await desk.call("GET", f"/api/v1/messages/{sent.json()['id']}", operator)).json()
    assert structured["text_lang"] is None and structured["title"] == "Çeviri talebi"
