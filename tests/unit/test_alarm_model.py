"""The alarm model with literal times: conditions in, raised/escalated/ended/silenced facts out;
where its conditions come from (a line's paths, deadlines on either side); its texts in every
language."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace

import pytest

from detente.alarms.model import (
    Alarm,
    AlarmEnded,
    AlarmEscalated,
    AlarmRaised,
    AlarmSilenced,
    Condition,
    Kind,
    Severity,
    SilenceRefused,
    reconcile,
    silence,
)
from detente.alarms.sources import (
    LineSeen,
    LineWatch,
    MessageSeen,
    PathSeen,
    clock_condition,
    line_conditions,
    login_condition,
    message_conditions,
    roster_condition,
)
from detente.alarms.texts import alarm_text, duration_text
from detente.notifications import LANGUAGES
from detente.notifications.i18n import translator
from detente.protocol.timestamps import format_time
from detente.watch.roster import OnWatch, Roster

T0 = 1_800_000_000.0
LINE = Condition("line-down:SY-1", Kind.LINE_DOWN, Severity.CRITICAL, party="SY", peer="SY-1", paths=("direct",))


def ids() -> Iterator[str]:
    return (f"alarm-{n}" for n in itertools.count(1))


def everything(alarm: Alarm) -> bool:
    return True


def test_a_condition_raises_one_alarm_and_reporting_it_again_changes_nothing() -> None:
    [raised] = reconcile([], [LINE], T0, scope=everything, ids=ids())
    assert isinstance(raised, AlarmRaised)
    alarm = raised.alarm
    assert (alarm.id, alarm.kind, alarm.severity, alarm.since, alarm.ended) == (
        "alarm-1",
        Kind.LINE_DOWN,
        Severity.CRITICAL,
        T0,
        None,
    )
    assert reconcile([alarm], [LINE], T0 + 5, scope=everything, ids=ids()) == []


def test_an_alarm_ends_only_when_its_condition_does_with_how_long_it_lasted() -> None:
    [raised] = reconcile([], [LINE], T0, scope=everything, ids=ids())
    [ended] = reconcile([raised.alarm], [], T0 + 134.4, scope=everything, ids=ids())
    assert isinstance(ended, AlarmEnded)
    assert (ended.alarm.ended, ended.alarm.end_reason) == (T0 + 134.4, "restored")
    assert ended.alarm.duration == pytest.approx(134.4)
    assert alarm_text(ended.alarm, "en") == "Line to SY restored after 2 min 14 s"


def test_a_source_reconciles_only_its_own_alarms() -> None:
    clock = Condition("clock-offset:SY-1", Kind.CLOCK_OFFSET, Severity.WARNING, party="SY", peer="SY-1")
    active = [f.alarm for f in reconcile([], [LINE, clock], T0, scope=everything, ids=ids())]
    facts = reconcile(active, [], T0 + 1, scope=lambda a: a.kind is Kind.CLOCK_OFFSET, ids=ids())
    assert [(type(f), f.alarm.kind) for f in facts] == [(AlarmEnded, Kind.CLOCK_OFFSET)]
    with pytest.raises(ValueError, match="outside the scope"):
        reconcile([], [LINE], T0, scope=lambda a: a.kind is Kind.CLOCK_OFFSET, ids=ids())


def test_silencing_stops_the_sound_never_the_alarm_and_a_later_stage_sounds_again() -> None:
    half = Condition(
        "not-acknowledged:m1:SY-1",
        Kind.NOT_ACKNOWLEDGED,
        Severity.WARNING,
        party="SY",
        peer="SY-1",
        message="m1",
        stage="half-time",
        params={"precedence": "immediate", "kind": "free-text", "deadline_s": 600.0},
    )
    [raised] = reconcile([], [half], T0, scope=everything, ids=ids())
    silenced = silence(raised.alarm, "Lt. Demir", T0 + 10)
    assert isinstance(silenced, AlarmSilenced)
    assert (silenced.alarm.silenced_by, silenced.alarm.silenced_at, silenced.alarm.active) == (
        "Lt. Demir",
        T0 + 10,
        True,
    )
    with pytest.raises(SilenceRefused, match="already silenced by Lt. Demir"):
        silence(silenced.alarm, "Lt. Kaya", T0 + 11)
    assert reconcile([silenced.alarm], [half], T0 + 20, scope=everything, ids=ids()) == [], "it stays, silent"
    deadline = replace(half, stage="deadline", severity=Severity.CRITICAL)
    [escalated] = reconcile([silenced.alarm], [deadline], T0 + 300, scope=everything, ids=ids())
    assert isinstance(escalated, AlarmEscalated) and escalated.louder
    assert (escalated.alarm.id, escalated.alarm.stage, escalated.alarm.severity) == (
        raised.alarm.id,
        "deadline",
        Severity.CRITICAL,
    )
    assert escalated.alarm.silenced_by is None, "the deadline sounds again"
    [ended] = reconcile([escalated.alarm], [], T0 + 400, scope=everything, ids=ids())
    with pytest.raises(SilenceRefused, match="already ended"):
        silence(ended.alarm, "Lt. Demir", T0 + 401)


def test_new_facts_update_an_alarm_quietly_and_keep_its_silence() -> None:
    first = replace(LINE, params={"waiting": 1})
    [raised] = reconcile([], [first], T0, scope=everything, ids=ids())
    quiet = silence(raised.alarm, "Lt. Demir", T0 + 1).alarm
    [updated] = reconcile([quiet], [replace(LINE, params={"waiting": 2})], T0 + 2, scope=everything, ids=ids())
    assert isinstance(updated, AlarmEscalated) and not updated.louder
    assert (updated.alarm.params["waiting"], updated.alarm.silenced_by) == (2, "Lt. Demir")


def _line(*paths: PathSeen, waiting: int = 0, flash: int = 0, immediate: int = 0) -> LineSeen:
    return LineSeen("SY", "SY-1", paths, waiting, flash, immediate, "+963 11 000 0000", "detente courier export")


def test_the_line_is_down_failover_after_the_last_path_was_heard_and_each_path_has_its_own_alarm() -> None:
    both = _line(PathSeen("direct", T0 + 10), PathSeen("relay:un", T0 + 12), waiting=4, flash=1, immediate=2)
    kw = {"failover_after": 2.0, "started": T0, "grace": 3.0}
    assert line_conditions(both, T0 + 11, **kw) == []
    [path] = line_conditions(both, T0 + 12.5, **kw)
    assert (path.kind, path.paths, path.params["down_since"]) == (Kind.PATH_DOWN, ("direct",), format_time(T0 + 10))
    found = line_conditions(both, T0 + 14, **kw)
    assert [c.kind for c in found] == [Kind.PATH_DOWN, Kind.PATH_DOWN, Kind.LINE_DOWN]
    line = found[-1]
    assert line.params == {
        "down_since": format_time(T0 + 12),
        "down_paths": ["direct", "relay:un"],
        "waiting": 4,
        "waiting_flash": 1,
        "waiting_immediate": 2,
        "contact": "+963 11 000 0000",
        "courier": "detente courier export",
    }
    one = _line(PathSeen("direct", None))
    assert line_conditions(one, T0 + 2, **kw) == [], "not while the first connection is being made"
    assert [c.kind for c in line_conditions(one, T0 + 3, **kw)] == [Kind.LINE_DOWN], "one path: no path alarm"


def test_a_closed_connection_does_not_forget_when_its_path_was_last_heard() -> None:
    watch = LineWatch(started=T0)
    watch.observe(_line(PathSeen("direct", T0 + 5)))
    seen = watch.observe(_line(PathSeen("direct", None)))
    assert seen.paths[0].heard == T0 + 5


def test_the_clock_alarm_is_beyond_the_threshold_either_way() -> None:
    assert clock_condition("SY", "SY-1", 1.9, 2.0) == []
    assert clock_condition("SY", "SY-1", None, 2.0) == []
    [late] = clock_condition("SY", "SY-1", -2.5, 2.0)
    assert (late.kind, late.params) == (Kind.CLOCK_OFFSET, {"offset_s": -2.5, "threshold_s": 2.0})


def _message(direction: str, *, kind: str = "free-text", started: float | None = T0) -> MessageSeen:
    return MessageSeen("m1", direction, "SY", "SY-1", kind, "flash", started, 120.0)


def test_deadlines_on_either_side_at_half_time_and_at_the_deadline() -> None:
    assert message_conditions([_message("out")], T0 + 59) == []
    [half] = message_conditions([_message("out")], T0 + 60)
    assert (half.kind, half.stage, half.key) == (Kind.NOT_ACKNOWLEDGED, "half-time", "not-acknowledged:m1:SY-1")
    [due] = message_conditions([_message("out")], T0 + 120)
    assert (due.stage, due.severity, due.params["due_at"]) == ("deadline", Severity.CRITICAL, format_time(T0 + 120))
    [ours] = message_conditions([_message("in")], T0 + 61)
    assert (ours.kind, ours.stage) == (Kind.ACKNOWLEDGEMENT_DUE, "half-time")
    assert message_conditions([_message("out", started=None)], T0 + 500) == [], "undelivered: the line's alarm"


def test_a_missed_watch_check_is_its_own_alarm_only_past_its_deadline() -> None:
    assert message_conditions([_message("out", kind="watch-check")], T0 + 100) == []
    [theirs] = message_conditions([_message("out", kind="watch-check")], T0 + 120)
    [ours] = message_conditions([_message("in", kind="watch-check")], T0 + 120)
    assert (theirs.kind, theirs.params["side"], ours.params["side"]) == (Kind.WATCH_CHECK_MISSED, "theirs", "ours")


def test_durations_read_as_an_operator_reads_them() -> None:
    t = translator("en", strict=True)
    assert [duration_text(s, t) for s in (0.4, 45, 134.9, 3 * 3600 + 5 * 60 + 7)] == [
        "0 s",
        "45 s",
        "2 min 14 s",
        "3 h 5 min",
    ]
    assert duration_text(134, translator("tr", strict=True)) == "2 dk 14 sn"


def _every_alarm() -> list[Alarm]:
    line = LINE.params | {
        "down_since": format_time(T0),
        "waiting": 3,
        "waiting_flash": 1,
        "waiting_immediate": 1,
        "contact": "+963 11 000 0000",
        "courier": "detente courier export --home /srv/tr --to SY --out FILE",
    }
    message = {"precedence": "flash", "kind": "free-text", "deadline_s": 120.0}
    conditions = [
        replace(LINE, params=line),
        Condition("p", Kind.PATH_DOWN, Severity.WARNING, "SY", "SY-1", paths=("relay:un",), params={"detail": "x"}),
        Condition("n1", Kind.NOT_ACKNOWLEDGED, Severity.WARNING, "SY", "SY-1", "m1", stage="half-time", params=message),
        Condition("n2", Kind.NOT_ACKNOWLEDGED, Severity.CRITICAL, "SY", "SY-1", "m1", stage="deadline", params=message),
        Condition(
            "a1", Kind.ACKNOWLEDGEMENT_DUE, Severity.WARNING, "SY", "SY-1", "m2", stage="half-time", params=message
        ),
        Condition(
            "a2", Kind.ACKNOWLEDGEMENT_DUE, Severity.CRITICAL, "SY", "SY-1", "m2", stage="deadline", params=message
        ),
        Condition(
            "w1", Kind.WATCH_CHECK_MISSED, Severity.WARNING, "SY", "SY-1", "m3", params=message | {"side": "ours"}
        ),
        Condition(
            "w2", Kind.WATCH_CHECK_MISSED, Severity.WARNING, "SY", "SY-1", "m3", params=message | {"side": "theirs"}
        ),
        Condition("l", Kind.LEDGER, Severity.CRITICAL, "SY", "SY-1", params={"code": "alarm.omission", "detail": "x"}),
        Condition("c", Kind.CLOCK_OFFSET, Severity.WARNING, "SY", "SY-1", params={"offset_s": -2.5, "threshold_s": 2}),
        Condition("f", Kind.NOTIFY_FAILED, Severity.CRITICAL, "SY", "SY-1", "m1", params={"reason": "refused"}),
        Condition("notify-missing", Kind.NOTIFY_MISSING, Severity.WARNING),
        *roster_condition("SY", "SY-1", Roster(format_time(T0), format_time(T0), (), "r1")),
        login_condition("Yzb. Kaya", "192.0.2.7", "name", 4, 8, T0),
        login_condition("Yzb. Kaya", "192.0.2.7", "source", 21, 2, T0),
    ]
    raised = [f.alarm for f in reconcile([], conditions, T0, scope=everything, ids=ids())]
    ended = [f.alarm for f in reconcile(raised, [], T0 + 61, scope=everything, ids=ids())]
    return raised + ended


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_alarm_active_or_ended_reads_in_every_language(lang: str) -> None:
    texts = [alarm_text(alarm, lang, strict=True) for alarm in _every_alarm()]
    assert all(texts) and len(set(texts)) == len(texts)


def test_line_down_says_since_when_what_waits_and_what_to_do() -> None:
    [line] = [a for a in _every_alarm() if a.kind is Kind.LINE_DOWN and a.active]
    assert alarm_text(line, "en") == (
        "Line to SY down since 08:00:00Z: no path left (direct). 3 messages wait (of them 1 FLASH, 1 IMMEDIATE). "
        "Call SY: +963 11 000 0000. Or send by courier: detente courier export --home /srv/tr --to SY --out FILE"
    )
    assert "تنتظر 3 رسائل" in alarm_text(line, "ar")


def test_the_peer_reporting_nobody_on_watch_is_an_alarm_until_a_report_names_somebody() -> None:
    nobody = Roster(format_time(T0), format_time(T0 + 0.1), (), "r1")
    demir = Roster(format_time(T0 + 60), format_time(T0 + 60.1), (OnWatch("Yzb. Demir", "operator", "x"),), "r2")
    assert roster_condition("TR", "TR-1", None) == []  # not reported yet: no news, not bad news
    assert roster_condition("TR", "TR-1", demir) == []
    [condition] = roster_condition("TR", "TR-1", nobody)
    assert condition.kind is Kind.NOBODY_ON_WATCH and condition.key == "nobody-on-watch:TR-1"
    scope = lambda a: a.kind is Kind.NOBODY_ON_WATCH  # noqa: E731
    [raised] = reconcile([], [condition], T0, scope=scope, ids=ids())
    assert alarm_text(raised.alarm, "en") == "TR reports nobody on watch (report of 08:00:00Z): call TR or the mediator"
    [ended] = reconcile([raised.alarm], roster_condition("TR", "TR-1", demir), T0 + 61, scope=scope, ids=ids())
    assert isinstance(ended, AlarmEnded) and ended.alarm.end_reason == "someone-on-watch"
    assert alarm_text(ended.alarm, "tr", strict=True).endswith("nöbette yeniden biri var")


@pytest.mark.parametrize(
    ("failures", "text"),
    [
        (1, "بعد محاولة فاشلة واحدة"),
        (2, "بعد محاولتين فاشلتين"),
        (3, "بعد 3 محاولات فاشلة"),
        (11, "بعد 11 محاولة فاشلة"),
        (100, "بعد 100 محاولة فاشلة"),
    ],
)
def test_held_back_logins_read_with_the_plural_forms_of_arabic(failures: int, text: str) -> None:
    condition = login_condition("Yzb. Kaya", "192.0.2.7", "name", failures, 8, T0)
    [raised] = reconcile([], [condition], T0, scope=everything, ids=ids())
    assert text in alarm_text(raised.alarm, "ar", strict=True)


def test_held_back_logins_name_who_and_from_where_in_russian_and_english() -> None:
    by_name = login_condition("Yzb. Kaya", "192.0.2.7", "name", 4, 8, T0)
    by_source = login_condition("Yzb. Kaya", "192.0.2.7", "source", 21, 2, T0)
    assert by_name.key == "login-throttled:Yzb. Kaya:192.0.2.7" and by_source.key == "login-throttled::192.0.2.7"
    alarms = [f.alarm for f in reconcile([], [by_name, by_source], T0, scope=everything, ids=ids())]
    english = [alarm_text(a, "en") for a in alarms]
    assert english[0].startswith("Logins of Yzb. Kaya from 192.0.2.7 held back after 4 failed attempts")
    assert english[1] == "Logins from 192.0.2.7 held back for every name after 21 failed attempts"
    assert "после 4 неудачных попыток" in alarm_text(alarms[0], "ru", strict=True)
    assert "после 21 неудачной попытки" in alarm_text(alarms[1], "ru", strict=True)
