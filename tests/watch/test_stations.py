"""Two real stations in this process over real TLS on loopback, with deadlines of seconds: the
supervisors' e-mail reaches a real SMTP server, every step is in the journal, the escalation
table and the ledger, and watch checks go out on schedule, only while the link is up."""

from __future__ import annotations

from typing import Any

import pytest

from detente.alarms.book import alarm_views
from detente.outbox import queue_message
from detente.protocol.envelope import Precedence
from detente.protocol.timestamps import parse_time
from detente.station import Station, monotonic_wall_clock
from detente.store import PeerRecord, SQLiteStore, Store
from detente.views import status_view
from detente.watch.acks import acknowledge
from detente.watch.figures import response_figures
from detente.web.presenter import message_detail
from integration.stations import free_port
from smtp_server import Mailbox, plain_text

from .conftest import Line, LineFactory, run_stations

# Apprise's e-mail plugin imports the standard library's deprecated imghdr the first time it loads.
pytestmark = pytest.mark.filterwarnings("ignore:'imghdr' is deprecated:DeprecationWarning")


def networked(make_line: LineFactory, **settings: Any) -> Line:
    return make_line(listen=(f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"), **settings)


def journal(store: Store) -> list[str]:
    return [e.event for e in store.journal_entries() if e.event.startswith("watch.")]


def test_nobody_answers_the_supervisors_get_an_email_and_every_step_is_on_record(
    make_line: LineFactory, smtp: Mailbox
) -> None:
    line = networked(
        make_line,
        both={"deadlines": {"flash": 2.0}},
        tr={"watch": {"notify": [smtp.url("duty-tr@detente.invalid")]}},
        sy={"watch": {"notify": [smtp.url("duty-sy@detente.invalid")]}},
    )
    message = queue_message(
        line.tr,
        line.store("TR"),
        peer=line.station_id("SY"),
        kind="free-text",
        precedence=Precedence.FLASH,
        body={"text": "Unidentified aircraft heading south, answer now", "lang": "tr"},
        now=monotonic_wall_clock()(),
    )
    run_stations(  # the peer is away: the message waits on the link, not on a person
        [Station(line.tr)],
        until=lambda: "watch.link-wait" in journal(line.store("TR")),
        timeout=15,
        what="the link-wait step at TR (the link counts as down after 3 s without a connection)",
    )
    sy = Station(line.sy)
    operator = line.operator("SY", "Lt. Haddad")

    def answered_late() -> bool:
        # Each side starts the deadline by its own clock (SY on arrival, TR on the receipt), so a
        # person at SY answers once both sides have recorded that the deadline passed.
        # TR's supervisors are told at half-time and at the deadline (its alarm checks deadlines once a
        # second): the answer comes after both, or the deadline's e-mail would never be due.
        past_due = (
            "watch.overdue" in journal(line.store("SY"))
            and "watch.peer-overdue" in journal(line.store("TR"))
            and len(smtp.to("duty-tr@detente.invalid")) >= 2
        )
        if past_due and (held := line.store("SY").message(message.id)):
            if held.acked_at is None:
                acknowledge(
                    line.sy, line.store("SY"), message_id=message.id, operator=operator, note=None, now=sy.clock()
                )
        return (
            len(smtp.received) >= 3
            and "watch.notified" in journal(line.store("SY"))
            and "watch.notified" in journal(line.store("TR"))
            and "watch.late" in journal(line.store("SY"))
            and "watch.late" in journal(line.store("TR"))
        )

    run_stations(
        [Station(line.tr), sy],
        until=answered_late,
        timeout=20,
        what="an e-mail to each side's supervisors, then the late acknowledgement at both",
    )
    [at_sy] = smtp.to("duty-sy@detente.invalid")
    assert at_sy["Subject"] == f"détente SY: FLASH free-text {message.id} from TR was not acknowledged within 2 s"
    assert at_sy["From"] == "station@detente.invalid"
    text = plain_text(at_sy)
    assert f"FLASH free-text {message.id} from TR was not acknowledged within 2 s" in text
    assert "station: Damascus Operations Centre (SY," in text and "line: TR (Ankara Operations Centre)" in text
    # The sender's supervisors are told at half-time and at the deadline (the not-acknowledged alarm).
    half, due = smtp.to("duty-tr@detente.invalid")
    assert half["Subject"] == (
        f"détente TR: FLASH free-text {message.id} to SY is not yet acknowledged: half of its 2 s deadline is gone"
    )
    assert due["Subject"] == (
        f"détente TR: FLASH free-text {message.id} to SY was not acknowledged within 2 s: call SY or the mediator"
    )
    assert "Unidentified aircraft" not in text + plain_text(half) + plain_text(due), "message bodies are not mailed"
    told = [(n.step, n.channel, n.recipient, n.outcome) for n in line.store("TR").supervisor_notices([message.id])]
    assert told == [
        ("half-time", "mailto", "duty-tr@detente.invalid", "delivered"),
        ("deadline", "mailto", "duty-tr@detente.invalid", "delivered"),
    ]
    told = [(n.step, n.channel, n.recipient, n.outcome) for n in line.store("SY").supervisor_notices([message.id])]
    assert told == [("overdue", "mailto", "duty-sy@detente.invalid", "delivered")]

    expected = {"SY": ["half-time", "overdue", "late"], "TR": ["link-wait", "peer-overdue", "late"]}
    for party, steps in expected.items():
        store = line.store(party)
        assert [e for e in journal(store) if e != "watch.notified"] == [f"watch.{s}" for s in steps], party
        assert [(e.message_id, e.step) for e in store.escalations()] == [(message.id, s) for s in steps], party
        records = line.records(party)  # each checked against the station's own key
        assert [r.event for r in records] == [f"escalation.{s}" for s in steps], party
        assert records[-1].evidence["acknowledged_by"] == "Lt. Haddad"
        assert records[-1].evidence["late_by_s"] > 0


def test_a_channel_that_fails_is_journalled_and_the_station_keeps_running(make_line: LineFactory) -> None:
    line = networked(
        make_line,
        both={"deadlines": {"flash": 1.0}},
        sy={"watch": {"notify": [f"mailto://127.0.0.1:{free_port()}?from=a@detente.invalid&to=b@detente.invalid"]}},
    )
    line.send("TR", monotonic_wall_clock()())
    run_stations(
        [Station(line.tr), Station(line.sy)],
        until=lambda: "watch.notify_failed" in journal(line.store("SY")),
        timeout=20,
        what="the failed notification in SY's journal",
    )
    assert "watch.notified" not in journal(line.store("SY"))
    [failed] = [a for a in alarm_views(line.store("SY"), "en") if a["kind"] == "notify-failed"]
    assert failed["severity"] == "critical" and failed["params"]["recipient"] == "b@detente.invalid"
    [row] = [n for n in line.store("SY").supervisor_notices([failed["message"]])]
    assert (row.step, row.channel, row.recipient, row.outcome) == ("overdue", "mailto", "b@detente.invalid", "failed")
    assert row.reason, "the history says why"


def test_with_no_channel_the_history_says_nobody_was_notified_and_the_station_says_so(make_line: LineFactory) -> None:
    # notify = [] at both; a deadline long enough for the alarms' once-a-second look to see half-time
    line = networked(make_line, both={"deadlines": {"flash": 4.0}})
    message = line.send("TR", monotonic_wall_clock()())

    def recorded() -> bool:
        steps = {p: {n.step for n in line.store(p).supervisor_notices([message.id])} for p in ("TR", "SY")}
        return steps == {"TR": {"half-time", "deadline"}, "SY": {"overdue"}}

    run_stations([Station(line.tr), Station(line.sy)], until=recorded, timeout=30, what="the record at both")
    for party in ("TR", "SY"):
        store = line.store(party)
        assert {(n.channel, n.recipient, n.outcome) for n in store.supervisor_notices([message.id])} == {
            ("", "", "none")
        }
        record = store.message(message.id)
        assert record is not None
        history = message_detail(line.home(party).config, store, record, "en")["history"]
        said = [h["detail"] for h in history if h["event"] == "supervisors: none"]
        assert said and all(d == "no supervisor contact is configured: nobody was notified" for d in said), party
        assert not any("notified via" in str(h.get("detail")) for h in history)
        status = status_view(line.home(party), store)
        assert [a["kind"] for a in status["alarms"]].count("notify-missing") == 1, party
        [missing] = [a for a in alarm_views(store, "tr") if a["kind"] == "notify-missing"]
        assert missing["text"].startswith("Amir iletişim kanalı tanımlı değil")
    assert "watch.not_notified" in [e.event for e in line.store("SY").journal_entries()]


def test_watch_checks_go_out_on_schedule_only_while_the_link_is_up_and_escalate_when_missed(
    make_line: LineFactory,
) -> None:
    line = networked(make_line, both={"watch": {"check_interval": 1.0, "check_ack": 1.5}})
    run_stations([Station(line.tr)], until=None, timeout=2.2)  # two intervals, the peer away
    assert watch_checks(line.store("TR")) == [], "no watch check while the link is down"

    tr, sy = Station(line.tr), Station(line.sy)
    operator = line.operator("SY", "Lt. Haddad")
    acknowledged: list[str] = []

    def progress() -> bool:
        received = [r for _, r in line.store("SY").messages("in") if r.kind == "watch-check"]
        if received and not acknowledged:  # a person at SY answers the first check at once
            ack = acknowledge(
                line.sy, line.store("SY"), message_id=received[0].id, operator=operator, note=None, now=sy.clock()
            )
            acknowledged.append(ack.id)
        sent = watch_checks(line.store("TR"))
        tr_steps = {(e.message_id, e.step) for e in line.store("TR").escalations()}
        return (
            len(sent) >= 3
            and sent[0].acked_at is not None
            and any((r.id, "peer-overdue") in tr_steps for r in sent[1:])
            and any(e.step == "overdue" for e in line.store("SY").escalations())
        )

    run_stations([tr, sy], until=progress, timeout=20, what="three watch checks, one answered, one missed")
    sent = watch_checks(line.store("TR"))
    created = [parse_time(r.created_at) for r in sent]
    assert created[0] - tr.watchman.started >= 1.0, "the first one interval after the station starts"
    gaps = [b - a for a, b in zip(created, created[1:], strict=False)]
    assert all(1.0 <= gap < 2.0 for gap in gaps), f"then every interval: {gaps}"
    assert sent[0].acked_by == "Lt. Haddad"
    assert [r.body for r in sent[:1]] == [{"ack_within_s": 1.5, "interval_s": 1.0}]

    missed = sent[1]
    assert (missed.id, "half-time") in [(e.message_id, e.step) for e in line.store("SY").escalations()]
    assert "watch.overdue" in journal(line.store("SY")) and "watch.peer-overdue" in journal(line.store("TR"))

    later = tr.clock() + 60  # every check past its deadline
    ours = figure(response_figures(line.store("SY"), line.sy.config, later), "ours")
    received = [r for _, r in line.store("SY").messages("in") if r.kind == "watch-check"]
    assert (ours.messages, ours.acknowledged, ours.missed) == (len(received), 1, len(received) - 1)
    assert ours.median_s is not None and 0 <= ours.median_s < 1.5, "answered in time"
    theirs = figure(response_figures(line.store("TR"), line.tr.config, later), "theirs")
    delivered = [r for r in sent if r.delivered_at is not None]
    assert (theirs.messages, theirs.acknowledged, theirs.missed) == (len(delivered), 1, len(delivered) - 1)


def watch_checks(store: Store) -> list[Any]:
    return [r for _, r in store.messages("out") if r.kind == "watch-check"]


def figure(figures: list[Any], side: str) -> Any:
    [found] = [f for f in figures if f.side == side and f.window == "shift" and f.precedence == "priority"]
    return found


class Unloaded(SQLiteStore):
    """The real store, but the station finds no peer to load: as for a peer pinned a moment ago,
    while its messages already await acknowledgement."""

    def peers(self) -> list[PeerRecord]:
        return []


def test_a_step_for_a_line_the_station_has_not_loaded_yet_does_not_stop_it(make_line: LineFactory) -> None:
    line = networked(make_line)
    message = line.send("TR", monotonic_wall_clock()())
    station = Station(line.tr, store=Unloaded(line.tr.database_path))
    run_stations(
        [station],
        until=lambda: bool(line.store("TR").escalations()),
        timeout=10,
        what="the link-wait step",
    )
    assert [(e.message_id, e.step) for e in line.store("TR").escalations()] == [(message.id, "link-wait")]
