"""Response-time figures at literal times: medians, 95th percentiles and missed deadlines by side,
window and precedence, watch checks included; and `detente figures --json`, `--csv FILE`."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from pathlib import Path

import pytest

from detente.cli import main
from detente.watch.acks import acknowledge
from detente.watch.figures import Figure, response_figures

from .conftest import T0, Line, LineFactory

NOW = T0 + 3600


@pytest.fixture
def answered(make_line: LineFactory) -> Line:
    """TR sends, SY's people answer after known delays (deadlines: FLASH 120 s, IMMEDIATE 600 s,
    watch checks 300 s); the acknowledgements travel back to TR."""
    line = make_line()
    operator = line.operator("SY", "Lt. Haddad")
    story = [  # (arrived, kind, precedence, seconds until acknowledged or None)
        (T0, "free-text", "flash", 10),
        (T0 + 10, "free-text", "flash", 20),
        (T0 + 20, "free-text", "flash", 30),
        (T0 + 30, "free-text", "flash", 200),  # late
        (T0 + 40, "free-text", "flash", None),  # never: missed
        (T0 + 45, "free-text", "immediate", 60),
        (T0 + 50, "watch-check", "priority", 400),  # late: 300 s for a watch check
        (T0 - 2 * 86400, "free-text", "flash", 5),  # two days ago: not in the last shift
    ]
    for arrived, kind, precedence, delay in sorted(story, key=lambda s: s[0]):
        message = line.send("TR", arrived, kind=kind, precedence=precedence, body={"n": arrived})
        line.deliver(message, arrived)
        if delay is not None:
            ack = acknowledge(
                line.sy, line.store("SY"), message_id=message.id, operator=operator, note=None, now=arrived + delay
            )
            line.deliver(ack, arrived + delay)
    return line


def table(figures: list[Figure], side: str) -> dict[tuple[str, str], tuple[object, ...]]:
    return {
        (f.window, f.precedence): (f.messages, f.acknowledged, f.median_s, f.p95_s, f.missed)
        for f in figures
        if f.side == side
    }


def test_figures_by_side_window_and_precedence(answered: Line) -> None:
    ours = table(response_figures(answered.store("SY"), answered.sy.config, NOW), "ours")
    assert ours[("shift", "flash")] == (5, 4, 20.0, 200.0, 2)
    assert ours[("shift", "immediate")] == (1, 1, 60.0, 60.0, 0)
    assert ours[("shift", "priority")] == (1, 1, 400.0, 400.0, 1), "the watch check counts, and was missed"
    assert ours[("shift", "routine")] == (0, 0, None, None, 0)
    assert ours[("shift", "all")] == (7, 6, 30.0, 400.0, 3)
    assert ours[("7d", "flash")] == ours[("30d", "flash")] == (6, 5, 20.0, 200.0, 2)
    theirs_at_sy = table(response_figures(answered.store("SY"), answered.sy.config, NOW), "theirs")
    assert theirs_at_sy[("30d", "all")] == (0, 0, None, None, 0), "acknowledgements need none themselves"

    theirs = table(response_figures(answered.store("TR"), answered.tr.config, NOW), "theirs")
    assert theirs == ours, "the sender sees the same figures for the peer's people"


def test_the_unacknowledged_message_is_missed_only_once_its_deadline_passed(answered: Line) -> None:
    before = table(response_figures(answered.store("SY"), answered.sy.config, T0 + 40 + 119), "ours")
    assert before[("shift", "flash")][4] == 1, "only the late one so far"
    after = table(response_figures(answered.store("SY"), answered.sy.config, T0 + 40 + 121), "ours")
    assert after[("shift", "flash")][4] == 2


def test_figures_json_and_csv(answered: Line, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    home = str(answered.sy.path)
    assert main(["figures", "--home", home, "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 2 * 3 * 5
    assert set(rows[0]) == {"side", "window", "precedence", "messages", "acknowledged", "median_s", "p95_s", "missed"}
    expected = [asdict(f) for f in response_figures(answered.store("SY"), answered.sy.config, T0)]
    # every message of the story is in every window at the real time now (the story is set in 2027):
    assert [r for r in rows if r["window"] == "30d"] == [r for r in expected if r["window"] == "30d"]
    [flash] = [r for r in rows if (r["side"], r["window"], r["precedence"]) == ("ours", "shift", "flash")]
    assert (flash["messages"], flash["acknowledged"], flash["median_s"], flash["p95_s"]) == (6, 5, 20.0, 200.0)

    out = tmp_path / "figures.csv"
    assert main(["figures", "--home", home, "--csv", str(out)]) == 0
    assert capsys.readouterr().out == ""
    with out.open(encoding="utf-8", newline="") as file:
        written = list(csv.DictReader(file))
    assert [(r["side"], r["window"], r["precedence"]) for r in written] == [
        (r["side"], r["window"], r["precedence"]) for r in rows
    ]
    assert [(r["messages"], r["median_s"]) for r in written] == [
        (str(r["messages"]), "" if r["median_s"] is None else str(r["median_s"])) for r in rows
    ]

    assert main(["figures", "--home", home]) == 0
    text = capsys.readouterr().out.splitlines()
    assert text[0].split() == ["SIDE", "WINDOW", "PRECEDENCE", "MESSAGES", "ACKED", "MEDIAN", "P95", "MISSED"]
    assert "ours    shift  flash             6      5     20 s    200 s" in "\n".join(text)


def test_figures_csv_to_a_folder_that_does_not_exist(answered: Line, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["figures", "--home", str(answered.sy.path), "--csv", "/nonexistent/figures.csv"])
    assert code == 1 and "cannot write /nonexistent/figures.csv" in capsys.readouterr().err
