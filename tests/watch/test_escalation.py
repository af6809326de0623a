"""The watchman on real stores at literal times: each escalation step once, in order, recorded
as an escalation row and as a record signed with the station's key in its log of the line."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import timedelta

import pytest

from detente import notifications
from detente.protocol.timestamps import format_time
from detente.store import SQLiteStore, Store
from detente.watch import watchman as watchman_module
from detente.watch.acks import acknowledge
from detente.watch.watchman import Escalated, Watchman

from .conftest import T0, Line, LineFactory


def watchmen(line: Line) -> dict[str, Watchman]:
    return {party: Watchman(line.home(party), line.store(party), started=T0) for party in ("TR", "SY")}


def tick(line: Line, watch: dict[str, Watchman], party: str, at: float, up: bool = True) -> list[tuple[str, str]]:
    """Steps taken at ``party`` at time ``at``, as (message id, step)."""
    peer = line.station_id(line.other(party))
    return [(e.message_id, e.step.value) for e in watch[party].tick(at, {peer: up})]


def steps(line: Line, party: str) -> list[tuple[str, str]]:
    return [(e.message_id, e.step) for e in line.store(party).escalations()]


def test_an_unacknowledged_message_goes_through_every_step_in_order(make_line: LineFactory) -> None:
    line = make_line(both={"deadlines": {"flash": 4.0}})
    watch = watchmen(line)
    message = line.send("TR", T0)
    m = message.id
    assert tick(line, watch, "TR", T0 + 0.5, up=False) == [(m, "link-wait")], "waits on the link, at once"
    line.deliver(message, T0 + 1)
    timeline = {
        T0 + 2.9: ([], []),
        T0 + 3.0: ([(m, "half-time")], []),  # half of 4 s after arrival at T0+1
        T0 + 4.9: ([], []),
        T0 + 5.0: ([(m, "overdue")], [(m, "peer-overdue")]),
        T0 + 60: ([], []),  # each step once
    }
    for at, (at_sy, at_tr) in timeline.items():
        assert tick(line, watch, "SY", at) == at_sy, f"SY at T0+{at - T0}"
        assert tick(line, watch, "TR", at) == at_tr, f"TR at T0+{at - T0}"
    assert steps(line, "SY") == [(m, "half-time"), (m, "overdue")]
    assert steps(line, "TR") == [(m, "link-wait"), (m, "peer-overdue")]
    of_message = line.store("SY").escalations_of([m, "no-such-message", m])  # as the watch list asks
    assert [(e.message_id, e.step, e.at) for e in of_message] == [
        (m, "half-time", format_time(T0 + 3)),
        (m, "overdue", format_time(T0 + 5)),
    ]
    assert line.store("SY").escalations_of([]) == []
    many = [f"other-{n}" for n in range(250)] + [m]  # more ids than one statement asks about
    assert [e.step for e in line.store("SY").escalations_of(many)] == ["half-time", "overdue"]
    for party, expected in (("SY", ["half-time", "overdue"]), ("TR", ["link-wait", "peer-overdue"])):
        records = line.records(party)
        assert [r.event for r in records] == [f"escalation.{s}" for s in expected]
        assert all(r.evidence["message"] == m and r.evidence["deadline_s"] == 4.0 for r in records)
    overdue = line.records("SY")[1]
    assert overdue.at == format_time(T0 + 5) and overdue.evidence["due_at"] == format_time(T0 + 5)
    assert "was not acknowledged within 4 s" in overdue.detail


def test_only_overdue_steps_ask_for_supervisors(make_line: LineFactory) -> None:
    line = make_line(both={"deadlines": {"flash": 4.0}}, tr={"watch": {"notify_peer_overdue": False}})
    watch = watchmen(line)
    message = line.send("TR", T0)
    line.deliver(message, T0)
    taken: list[Escalated] = watch["SY"].tick(T0 + 10, {}) + watch["TR"].tick(T0 + 10, {})
    assert [(e.step.value, e.notify, e.party, e.peer) for e in taken] == [
        ("half-time", False, "TR", line.station_id("TR")),
        ("overdue", True, "TR", line.station_id("TR")),
        ("peer-overdue", False, "SY", line.station_id("SY")),
    ]


def test_acknowledging_before_the_deadline_cancels_the_remaining_steps(make_line: LineFactory) -> None:
    line = make_line(both={"deadlines": {"flash": 4.0}})
    watch = watchmen(line)
    message = line.send("TR", T0)
    line.deliver(message, T0)
    assert tick(line, watch, "SY", T0 + 2.5) == [(message.id, "half-time")]
    ack = acknowledge(
        line.sy,
        line.store("SY"),
        message_id=message.id,
        operator=line.operator("SY", "Lt. Haddad"),
        note=None,
        now=T0 + 3,
    )
    assert "late_by_s" not in ack.body
    line.deliver(ack, T0 + 3.5)
    for at in (T0 + 4, T0 + 5, T0 + 3600):
        assert tick(line, watch, "SY", at) == [] and tick(line, watch, "TR", at) == []
    assert steps(line, "SY") == [(message.id, "half-time")]
    assert steps(line, "TR") == []
    assert [r.event for r in line.records("SY")] == ["escalation.half-time"]


def test_a_late_acknowledgement_is_recorded_late_with_how_late_on_both_sides(make_line: LineFactory) -> None:
    line = make_line(both={"deadlines": {"immediate": 10.0}})
    watch = watchmen(line)
    message = line.send("TR", T0, precedence="immediate")
    line.deliver(message, T0 + 1)
    assert tick(line, watch, "SY", T0 + 11) == [(message.id, "half-time"), (message.id, "overdue")]
    assert tick(line, watch, "TR", T0 + 11) == [(message.id, "peer-overdue")]
    ack = acknowledge(
        line.sy,
        line.store("SY"),
        message_id=message.id,
        operator=line.operator("SY", "Lt. Haddad"),
        note=None,
        now=T0 + 48,
    )
    assert ack.body["late_by_s"] == 37.0, "the signed acknowledgement itself says how late"
    line.deliver(ack, T0 + 49)
    assert tick(line, watch, "SY", T0 + 50) == [(message.id, "late")]
    assert tick(line, watch, "TR", T0 + 50) == [(message.id, "late")]
    assert tick(line, watch, "SY", T0 + 60) == [] and tick(line, watch, "TR", T0 + 60) == []
    for party, who in (("SY", "this station"), ("TR", "SY")):
        late = line.records(party)[-1]
        assert late.event == "escalation.late"
        assert late.evidence["late_by_s"] == 37.0
        assert late.evidence["acknowledged_by"] == "Lt. Haddad"
        assert late.evidence["acknowledged_at"] == format_time(T0 + 48)
        assert f"acknowledged late by {who} (Lt. Haddad), 37 s after its deadline" in late.detail
        assert steps(line, party)[-1] == (message.id, "late")


def test_a_late_acknowledgement_is_recorded_even_when_no_overdue_step_was_taken(make_line: LineFactory) -> None:
    """The acknowledgement came while `serve` was stopped (or in the instant between the deadline
    and the watchman's next look): nothing was overdue yet, and still it was late."""
    line = make_line(both={"deadlines": {"flash": 4.0}})
    message = line.send("TR", T0)
    line.deliver(message, T0)
    acknowledge(
        line.sy,
        line.store("SY"),
        message_id=message.id,
        operator=line.operator("SY", "Lt. Haddad"),
        note=None,
        now=T0 + 9,
    )
    watch = watchmen(line)  # the station starts again
    assert tick(line, watch, "SY", T0 + 10) == [(message.id, "late")]
    assert line.records("SY")[-1].evidence["late_by_s"] == 5.0
    assert tick(line, watch, "SY", T0 + 11) == []
    # and an acknowledgement in time is looked at once, then never again
    second = line.send("TR", T0 + 20)
    line.deliver(second, T0 + 20)
    acknowledge(line.sy, line.store("SY"), message_id=second.id, operator="Lt. Haddad", note=None, now=T0 + 21)
    assert tick(line, watch, "SY", T0 + 22) == []
    assert [r.id for r in line.store("SY").awaiting(0) if r.id == second.id] == [second.id]
    assert [r.id for r in line.store("SY").awaiting(10**9)] == [], "nothing left to watch"


def test_the_watch_reads_only_messages_a_step_may_be_due_for(make_line: LineFactory) -> None:
    """A backlog of fresh messages costs a tick nothing: messages received or delivered less
    than half the shortest deadline ago, and undelivered ones already waiting on the link, are
    not read; each comes back when a step may be due."""
    line = make_line(both={"deadlines": {"flash": 4.0}})
    watch = watchmen(line)
    message = line.send("TR", T0)
    sy, tr = line.store("SY"), line.store("TR")

    def ids(store: Store, at: float) -> list[str]:
        return [r.id for r in store.awaiting(0, format_time(at - 2.0))]  # half of 4 s

    assert ids(tr, T0 + 0.5) == [message.id], "undelivered, its wait on the link not yet recorded"
    linked = [r.id for r in tr.awaiting(0, format_time(T0 - 1.5), [line.station_id("SY")])]
    assert linked == [], "undelivered while its line is up: nobody waits on the link"
    assert tick(line, watch, "TR", T0 + 0.5, up=False) == [(message.id, "link-wait")]
    assert ids(tr, T0 + 0.6) == [], "waiting on the link is recorded: nothing more until delivered"
    line.deliver(message, T0 + 1)
    assert ids(sy, T0 + 2.9) == [], "arrived 1.9 s ago: half-time is 2 s after arrival"
    assert ids(sy, T0 + 3.0) == [message.id]
    assert ids(tr, T0 + 2.9) == [], "delivered 1.9 s ago"
    assert ids(tr, T0 + 3.1) == [message.id], "2 s after delivery it is read again (the peer's 4 s may end)"
    assert tick(line, watch, "SY", T0 + 3.0) == [(message.id, "half-time")]
    assert tick(line, watch, "SY", T0 + 5.0) == [(message.id, "overdue")]
    assert tick(line, watch, "TR", T0 + 5.0) == [(message.id, "peer-overdue")]


def test_an_acknowledgement_naming_another_version_of_the_message_marks_nothing(make_line: LineFactory) -> None:
    line = make_line()
    message = line.send("TR", T0)
    line.deliver(message, T0)
    for n, named in enumerate(("0" * 64, {"not": "a hash"}, 7), start=1):
        body = {"acknowledges": message.id, "envelope": named, "operator": "x", "at": format_time(T0 + n)}
        forged = line.send("SY", T0 + n, kind="acknowledgement", body=body)
        line.deliver(forged, T0 + n)  # stored at both ends without a failure
        for party in ("SY", "TR"):
            held = line.store(party).message(message.id)
            assert held is not None and held.acked_at is None, (party, named)


def test_a_station_upgraded_from_before_acknowledgements_does_not_escalate_its_history(
    make_line: LineFactory,
) -> None:
    line = make_line()
    old = line.send("TR", T0)
    line.deliver(old, T0)
    line.close()
    with sqlite3.connect(line.sy.database_path) as db:  # take it back to schema 2, as an older détente left it
        db.execute("DROP INDEX messages_awaiting_ack")
        for column in ("ack_id", "acked_at", "acked_by"):
            db.execute(f"ALTER TABLE messages DROP COLUMN {column}")
        db.execute("DROP TABLE escalations")
        db.execute("DROP TABLE operators")
        db.execute("DELETE FROM meta WHERE key = 'acknowledgements_from'")
        db.execute("DELETE FROM schema_migrations WHERE version = 3")
    db.close()
    upgraded = SQLiteStore(line.sy.database_path)
    upgraded.close()
    line.reopen()
    new = line.send("TR", T0 + 100)
    line.deliver(new, T0 + 100)
    watch = watchmen(line)
    assert tick(line, watch, "SY", T0 + 10_000) == [(new.id, "half-time"), (new.id, "overdue")]


@pytest.mark.parametrize(
    ("kind", "declared", "due"),
    [
        ("watch-check", None, 2.0),  # [watch] check_ack
        ("clarification-request", None, 6.0),  # the catalogue declares FLASH: this station's flash
        ("incident-report", timedelta(seconds=4), 4.0),  # a kind that declares its own duration
        ("incident-report", timedelta(hours=2), 600.0),  # never longer than its precedence's deadline
    ],
)
def test_watch_checks_and_kinds_that_declare_a_deadline_have_their_own(
    make_line: LineFactory, monkeypatch: pytest.MonkeyPatch, kind: str, declared: timedelta | None, due: float
) -> None:
    if declared is not None:  # what one line in the kind's KindSpec declares
        declaring = dataclasses.replace(notifications.spec(kind), acknowledge_within=declared)
        catalogue = notifications.spec
        monkeypatch.setattr(notifications, "spec", lambda name: declaring if name == kind else catalogue(name))
    line = make_line(both={"deadlines": {"flash": 6.0, "priority": 600.0}, "watch": {"check_ack": 2.0}})
    watch = watchmen(line)
    message = line.send("TR", T0, kind=kind, precedence="priority", body={"x": 1})
    line.deliver(message, T0)
    assert tick(line, watch, "SY", T0 + due / 2 - 0.001) == []
    assert tick(line, watch, "SY", T0 + due - 0.001) == [(message.id, "half-time")]
    assert tick(line, watch, "SY", T0 + due) == [(message.id, "overdue")]
    assert line.records("SY")[-1].evidence["deadline_s"] == due


def test_a_backlog_of_steps_is_taken_a_batch_at_a_time_each_once(make_line: LineFactory) -> None:
    """Thousands of messages waiting on a down link must not stall the station: a tick takes at
    most ``limit`` steps, the next ones continue where it stopped, none is taken twice."""
    line = make_line()
    watch = watchmen(line)
    sent = [line.send("TR", T0).id for _ in range(7)]
    peer = line.station_id("SY")
    batches = []
    while batch := [(e.message_id, e.step.value) for e in watch["TR"].tick(T0 + 1, {peer: False}, limit=3)]:
        batches.append(batch)
    assert [len(b) for b in batches] == [3, 3, 1]
    assert [step for b in batches for step in b] == [(m, "link-wait") for m in sent]
    assert steps(line, "TR") == [(m, "link-wait") for m in sent]


def routine_delivered(line: Line, count: int) -> list[str]:
    """Ids of ``count`` ROUTINE messages from TR, delivered to SY at T0."""
    sent = []
    for _ in range(count):
        message = line.send("TR", T0, precedence="routine")
        line.deliver(message, T0)
        sent.append(message.id)
    return sent


def test_a_tick_reads_a_few_pages_and_the_next_one_goes_on_from_there(
    make_line: LineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long list of messages awaiting acknowledgement is read a page at a time, a few pages
    per tick, so that no tick holds the station's loop for long; ``busy`` says the pass goes on,
    and every message is looked at once per pass."""
    monkeypatch.setattr(watchman_module, "_PAGE", 3)
    monkeypatch.setattr(watchman_module, "_PAGES_PER_TICK", 2)
    line = make_line(both={"deadlines": {"routine": 60.0}})
    watch = watchmen(line)
    sent = routine_delivered(line, 10)
    peer = line.station_id("TR")
    first = [e.message_id for e in watch["SY"].tick(T0 + 30, {peer: True}, limit=100)]
    assert first == sent[:6] and watch["SY"].busy, "two pages of three, then the loop runs"
    second = [e.message_id for e in watch["SY"].tick(T0 + 30, {peer: True}, limit=100)]
    assert second == sent[6:] and not watch["SY"].busy, "the pass ends on a short page"
    assert watch["SY"].tick(T0 + 31, {peer: True}, limit=100) == [] and watch["SY"].busy
    assert watch["SY"].tick(T0 + 31, {peer: True}, limit=100) == [] and not watch["SY"].busy
    assert [e.step for e in line.store("SY").escalations()] == ["half-time"] * 10


def test_an_acknowledgement_given_during_a_pass_behind_it_is_still_found_late(
    make_line: LineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pass runs over several ticks in the order messages were stored; an acknowledgement of
    a message it has already read, given before another of a message it has not, must still be
    looked at: the pass may not count acknowledgements newer than the moment it began."""
    monkeypatch.setattr(watchman_module, "_PAGE", 2)
    monkeypatch.setattr(watchman_module, "_PAGES_PER_TICK", 1)
    line = make_line(both={"deadlines": {"routine": 60.0}})
    watch = watchmen(line)
    sent = routine_delivered(line, 4)
    peer = line.station_id("TR")
    assert [e.message_id for e in watch["SY"].tick(T0 + 31, {peer: True}, limit=100)] == sent[:2]
    assert watch["SY"].busy
    officer = line.operator("SY", "Lt. Haddad")
    for message_id in (sent[0], sent[2]):  # both late; the first behind the pass, the second ahead
        acknowledge(
            line.sy,
            line.store("SY"),
            message_id=message_id,
            operator=officer,
            note=None,
            now=T0 + 61,
        )
    for _ in range(10):
        watch["SY"].tick(T0 + 62, {peer: True}, limit=100)
    late = sorted(e.message_id for e in line.store("SY").escalations() if e.step == "late")
    assert late == sorted([sent[0], sent[2]])
