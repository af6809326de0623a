"""Structured notifications between two real stations, through the command line."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from lxml import etree

from detente.notifications.cap_schema import cap_schema

from .stations import StationProcess, wait_until

EXAMPLES = Path(__file__).parents[2] / "examples"
CAP_SAMPLES = Path(__file__).parents[1] / "notifications" / "data" / "cap"


def test_a_flight_notice_from_a_turkish_station_is_rendered_in_arabic_at_the_other(
    pair: tuple[StationProcess, StationProcess],
) -> None:
    tr, sy = pair
    tr.start()
    sy.start()
    sent = tr.cli("send", "--to", "SY", "--kind", "flight-notice", "--file", str(EXAMPLES / "flight-notice.json"))
    message_id = sent.stdout.strip()
    assert "Suriye–Türkiye" in sent.stderr, "border advice, in the sender's language (tr)"
    wait_until(lambda: [m["id"] for m in sy.messages("inbox")] == [message_id], what="the notice to arrive")
    (received,) = sy.messages("inbox")
    assert received["kind"] == "flight-notice" and received["precedence"] == "priority"
    rendered = sy.cli("render", message_id, "--tz", "Asia/Damascus").stdout  # the station's language: ar
    assert "إشعار طيران" in rendered and "MGRS" in rendered
    assert "Asia/Damascus" in rendered
    assert "Kilis" in rendered, "the sender's free text stays in the original"
    english = sy.cli("render", message_id, "--lang", "en").stdout
    assert "FLIGHT NOTICE" in english and "Sender's language: Turkish" in english


def test_an_invalid_notice_lists_every_problem_and_queues_nothing(pair: tuple[StationProcess, StationProcess]) -> None:
    tr, _ = pair
    notice = json.loads((EXAMPLES / "flight-notice.json").read_text(encoding="utf-8"))
    notice["window"] = {"start": notice["window"]["end"], "end": notice["window"]["start"]}
    notice["mission"] = "invasion"
    bad = tr.home.parent / "bad.json"
    bad.write_text(json.dumps(notice), encoding="utf-8")
    result = tr.cli("send", "--to", "SY", "--kind", "flight-notice", "--file", str(bad), check=False)
    assert result.returncode == 1
    assert "nothing was queued" in result.stderr
    assert "mission" in result.stderr and "window" in result.stderr
    assert tr.messages("outbox") == []
    garbage = tr.home.parent / "garbage.json"
    garbage.write_text("{", encoding="utf-8")
    result = tr.cli("send", "--to", "SY", "--kind", "flight-notice", "--file", str(garbage), check=False)
    assert result.returncode == 1 and "is not JSON" in result.stderr
    result = tr.cli("send", "--to", "SY", "--kind", "no-such-kind", "--file", str(bad), check=False)
    assert result.returncode == 1 and tr.messages("outbox") == []


def test_cap_export_validates_and_cap_import_sends_an_incident_report(
    pair: tuple[StationProcess, StationProcess],
) -> None:
    tr, sy = pair
    message_id = tr.cli(
        "send", "--to", "SY", "--kind", "fire-notice", "--file", str(EXAMPLES / "fire-notice.json")
    ).stdout.strip()
    out = tr.home.parent / "fire.cap.xml"
    tr.cli("cap", "export", message_id, "--out", str(out))
    document = etree.fromstring(out.read_bytes())
    assert cap_schema().validate(document), cap_schema().error_log
    languages = document.findall(".//{urn:oasis:names:tc:emergency:cap:1.2}language")
    assert {e.text for e in languages} >= {"tr", "ar", "en", "ru"} or len(languages) == 4
    imported = sy.cli("cap", "import", "--to", "TR", str(CAP_SAMPLES / "shelling-ar-point.xml"))
    (queued,) = sy.messages("outbox")
    assert queued["id"] == imported.stdout.strip() and queued["kind"] == "incident-report"
    bomb = tr.home.parent / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">&lol2;</alert>',
        encoding="utf-8",
    )
    refused = sy.cli("cap", "import", "--to", "TR", str(bomb), check=False)
    assert refused.returncode == 1 and len(sy.messages("outbox")) == 1


def test_kinds_lists_the_catalogue() -> None:
    from .stations import run_cli

    listing = run_cli("kinds").stdout
    for kind in (
        "flight-notice",
        "air-defence-notice",
        "fire-notice",
        "incident-report",
        "clarification-request",
        "clarification-response",
        "humanitarian-notice",
        "free-text",
    ):
        assert kind in listing
    schemas = [json.loads(line) for line in run_cli("kinds", "--json").stdout.splitlines()]
    assert {s["kind"] for s in schemas} >= {"flight-notice", "free-text"}
    assert all("properties" in s["schema"] or "$defs" in s["schema"] for s in schemas)


def test_a_late_notice_is_sent_and_marked_late_at_both_stations(pair: tuple[StationProcess, StationProcess]) -> None:
    """A fire notice announced 30 minutes ahead, when its kind asks for 6 hours: accepted, sent,
    and shown as late by the sender and by the receiver, each in its language; Damascus reads its
    times in the zone of its station.toml (no --tz)."""
    from detente.home import Home
    from detente.notifications import Lang
    from detente.web.presenter import message_detail, message_line

    tr, sy = pair
    settings = sy.home / "station.toml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace('time_zone = ""', 'time_zone = "Asia/Damascus"'),
        encoding="utf-8",
    )
    tr.start()
    sy.start()
    start = datetime.datetime.now(datetime.UTC).replace(second=0, microsecond=0) + datetime.timedelta(minutes=30)
    notice = json.loads((EXAMPLES / "fire-notice.json").read_text(encoding="utf-8"))
    notice["window"] = {
        "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    late = tr.home.parent / "late-fire.json"
    late.write_text(json.dumps(notice, ensure_ascii=False), encoding="utf-8")

    sent = tr.cli("send", "--to", "SY", "--kind", "fire-notice", "--file", str(late))
    message_id = sent.stdout.strip()
    assert "note: sent late: GEÇ (5 sa" in sent.stderr, "the sender is told, in Turkish"
    wait_until(lambda: [m["id"] for m in sy.messages("inbox")] == [message_id], what="the late notice to arrive")
    (delivered,) = tr.messages("outbox")
    assert delivered["id"] == message_id

    received = sy.cli("render", message_id).stdout  # Arabic, the station's language and zone
    assert "متأخر بمقدار" in received and "حد الأدنى لمهلة الإشعار المسبق" in received
    assert "Asia/Damascus" in received and "UTC" in received
    sender_view = tr.cli("render", message_id).stdout
    assert "GEÇ (5 sa" in sender_view and "Asia/Damascus" not in sender_view

    views: list[tuple[StationProcess, Lang, str]] = [(sy, "ar", "متأخر بمقدار"), (tr, "tr", "GEÇ")]
    for station, lang, word in views:
        home = Home(station.home)
        store = home.open_store()
        try:
            record = store.message(message_id)
            assert record is not None
            assert message_line(home.config, record, lang)["late_notice"] is True, "the console's watch list"
            detail = message_detail(home.config, store, record, lang)
            assert detail["late"] is not None and detail["late"].startswith(word)
            if station is tr:
                (entry,) = [e for e in store.journal_entries() if e.event == "notice.late"]
                assert message_id in entry.detail, "the lateness is in the sender's record"
        finally:
            store.close()


def test_a_machine_translation_backend_that_cannot_work_is_reported_at_start(
    pair: tuple[StationProcess, StationProcess],
) -> None:
    from detente.notifications import ArgosTranslation

    if ArgosTranslation().installed:
        pytest.skip("Argos Translate is installed here")
    _, sy = pair
    settings = sy.home / "station.toml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace('machine_translation = "none"', 'machine_translation = "argos"'),
        encoding="utf-8",
    )
    sy.start()
    sy.wait_log(r"WARNING +console\.machine_translation_unavailable problem=.*Argos Translate is not installed")
    sy.wait_log(r"INFO +console\.listening")  # the line and the console run all the same
