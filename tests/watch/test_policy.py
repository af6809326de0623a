"""The escalation policy and the deadlines, as pure functions of literal times and settings."""

from __future__ import annotations

import pytest

from detente.config import load_config
from detente.errors import ConfigError
from detente.watch.deadlines import deadline_seconds
from detente.watch.escalation import Awaiting, Step, steps_due

from .conftest import T0, LineFactory, configure


def incoming(
    deadline: float = 120.0, acknowledged: float | None = None, done: frozenset[str] = frozenset()
) -> Awaiting:
    return Awaiting("m", "in", "TR", "free-text", "flash", T0, deadline, acknowledged, done)


def outgoing(
    started: float | None,
    deadline: float = 120.0,
    acknowledged: float | None = None,
    done: frozenset[str] = frozenset(),
) -> Awaiting:
    return Awaiting("m", "out", "SY", "free-text", "flash", started, deadline, acknowledged, done)


def test_a_message_to_acknowledge_goes_half_time_then_overdue() -> None:
    assert steps_due(incoming(), T0 + 59.999, link_up=True) == []
    assert steps_due(incoming(), T0 + 60, link_up=True) == [Step.HALF_TIME]
    assert steps_due(incoming(done=frozenset({"half-time"})), T0 + 119.999, link_up=True) == []
    assert steps_due(incoming(done=frozenset({"half-time"})), T0 + 120, link_up=True) == [Step.OVERDUE]
    # a station that was not running at half-time takes both steps, in order, when it looks again
    assert steps_due(incoming(), T0 + 500, link_up=False) == [Step.HALF_TIME, Step.OVERDUE]
    assert steps_due(incoming(done=frozenset({"half-time", "overdue"})), T0 + 500, link_up=True) == []


def test_an_acknowledgement_stops_the_steps_and_a_late_one_is_marked_late() -> None:
    assert steps_due(incoming(acknowledged=T0 + 61), T0 + 500, link_up=True) == []
    late = incoming(acknowledged=T0 + 150, done=frozenset({"half-time", "overdue"}))
    assert late.late_by() == pytest.approx(30.0)
    assert steps_due(late, T0 + 151, link_up=True) == [Step.LATE]
    assert steps_due(incoming(acknowledged=T0 + 120), T0 + 500, link_up=True) == [], "at the deadline is in time"


def test_at_the_sender_link_wait_at_once_while_the_link_is_down_then_peer_overdue() -> None:
    assert steps_due(outgoing(None), T0, link_up=False) == [Step.LINK_WAIT]
    assert steps_due(outgoing(None), T0 + 10_000, link_up=True) == [], "queued on a live link: nobody to blame"
    assert steps_due(outgoing(None, done=frozenset({"link-wait"})), T0, link_up=False) == []
    assert steps_due(outgoing(T0), T0 + 119, link_up=True) == []
    assert steps_due(outgoing(T0), T0 + 120, link_up=False) == [Step.PEER_OVERDUE]
    assert steps_due(outgoing(T0, acknowledged=T0 + 100), T0 + 500, link_up=True) == []
    late = outgoing(T0, acknowledged=T0 + 125, done=frozenset({"peer-overdue"}))
    assert steps_due(late, T0 + 500, link_up=True) == [Step.LATE] and late.late_by() == pytest.approx(5.0)


def test_default_deadlines_by_precedence_and_kind(make_line: LineFactory) -> None:
    config = make_line().tr.config
    assert [deadline_seconds(config, "free-text", p, "SY") for p in ("flash", "immediate", "priority", "routine")] == [
        120.0,
        600.0,
        3600.0,
        21600.0,
    ]
    assert deadline_seconds(config, "acknowledgement", "flash", "SY") is None
    assert deadline_seconds(config, "watch-check", "priority", "SY") == 300.0
    assert deadline_seconds(config, "clarification-request", "routine", "SY") == 120.0, "it declares FLASH"
    assert deadline_seconds(config, "clarification-request", "flash", "SY") == 120.0
    assert deadline_seconds(config, "incident-report", "routine", "SY") == 21600.0, "it declares nothing"
    assert deadline_seconds(config, "a-newer-peers-kind", "immediate", "SY") == 600.0, "not in the catalogue"


def test_deadlines_per_line_from_station_toml(make_line: LineFactory) -> None:
    line = make_line(
        tr={
            "deadlines": {"flash": 4.0, "routine": 30.0},
            "deadlines.lines.sy": {"flash": 2.0},
            "watch": {"check_ack": 1.5},
        }
    )
    config = line.tr.config
    assert deadline_seconds(config, "free-text", "flash", "SY") == 2.0, "the line's own table"
    assert deadline_seconds(config, "free-text", "routine", "SY") == 30.0, "the rest from [deadlines]"
    assert deadline_seconds(config, "free-text", "flash", "RU") == 4.0, "other lines: [deadlines]"
    assert deadline_seconds(config, "clarification-request", "routine", "SY") == 2.0
    assert deadline_seconds(config, "watch-check", "priority", "SY") == 1.5


@pytest.mark.parametrize(
    ("tables", "error"),
    [
        ({"deadlines": {"flash": 0.0}}, "deadlines.flash = 0.0 is not allowed: it must be a number from 1 to"),
        ({"deadlines": {"flash": "soon"}}, "deadlines.flash = 'soon' is not allowed: it must be a number"),
        ({"deadlines.lines.SY": {"flassh": 1.0}}, "unknown setting deadlines.lines.SY.flassh"),
        ({"watch": {"check_interval": -1.0}}, "watch.check_interval = -1.0 is not allowed"),
        ({"watch": {"notify_peer_overdue": "yes"}}, "watch.notify_peer_overdue must be true or false"),
    ],
)
def test_wrong_settings_are_refused_with_the_reason(
    make_line: LineFactory, tables: dict[str, dict[str, object]], error: str
) -> None:
    line = make_line()
    configure(line.tr.path, tables)
    with pytest.raises(ConfigError, match=error):
        load_config(line.tr.path / "station.toml")
