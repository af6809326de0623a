"""`detente status` shows the watch apart from the link's heartbeats: the last watch check and
whether a person answered it, how long the peer's watch has not been answering, what this
station's own people have not yet acknowledged, and the last shift's response times."""

from __future__ import annotations

import json
import time

import pytest

from detente.cli import main
from detente.views import status_view
from detente.watch.acks import acknowledge

from .conftest import T0, LineFactory


def test_the_watch_state_at_literal_times(make_line: LineFactory) -> None:
    line = make_line(both={"watch": {"check_ack": 300.0}})
    quiet = status_view(line.tr, line.store("TR"), now=T0)["peers"][0]["watch"]
    assert quiet["last_check_sent_at"] is None and quiet["peer_not_answering_s"] is None
    assert quiet["awaiting_here"] == 0

    flash = line.send("TR", T0, precedence="flash")  # 120 s to acknowledge
    line.deliver(flash, T0 + 1)
    check = line.send("TR", T0 + 60, kind="watch-check", precedence="priority", body={"ack_within_s": 300.0})
    line.deliver(check, T0 + 61)
    queued = line.send("TR", T0 + 100)  # not delivered: nobody to blame yet
    assert queued.id

    at_tr = status_view(line.tr, line.store("TR"), now=T0 + 100)["peers"][0]["watch"]
    assert at_tr["last_check_sent_at"] == check.created and at_tr["last_check_id"] == check.id
    assert at_tr["last_check_answered"] is False
    assert at_tr["peer_not_answering_s"] is None, "nothing is past its deadline yet"
    at_tr = status_view(line.tr, line.store("TR"), now=T0 + 900)["peers"][0]["watch"]
    assert (at_tr["peer_overdue"], at_tr["peer_oldest_overdue_id"]) == (2, flash.id)
    assert at_tr["peer_not_answering_since"] == "2027-01-15T08:00:01.000Z"
    assert at_tr["peer_not_answering_s"] == 899.0

    at_sy = status_view(line.sy, line.store("SY"), now=T0 + 200)["peers"][0]["watch"]
    assert (at_sy["awaiting_here"], at_sy["awaiting_here_overdue"]) == (2, 1)
    assert (at_sy["oldest_awaiting_here_id"], at_sy["oldest_awaiting_here_s"]) == (flash.id, 199.0)
    assert at_sy["last_check_sent_at"] is None, "SY sent no watch check of its own"

    operator = line.operator("SY", "Lt. Haddad")
    for message, at in ((check, T0 + 70), (flash, T0 + 80)):
        ack = acknowledge(line.sy, line.store("SY"), message_id=message.id, operator=operator, note=None, now=at)
        line.deliver(ack, at)
    at_tr = status_view(line.tr, line.store("TR"), now=T0 + 900)["peers"][0]["watch"]
    assert at_tr["last_check_answered"] is True
    assert (at_tr["last_check_acknowledged_by"], at_tr["last_check_acknowledged_at"]) == (
        "Lt. Haddad",
        "2027-01-15T08:01:10.000Z",
    )
    assert at_tr["peer_not_answering_s"] is None and at_tr["peer_overdue"] == 0
    at_sy = status_view(line.sy, line.store("SY"), now=T0 + 900)["peers"][0]["watch"]
    assert at_sy["awaiting_here"] == 0 and at_sy["oldest_awaiting_here_s"] is None


def test_status_json_and_text_show_the_watch_apart_from_the_link(
    make_line: LineFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    line = make_line()
    ten_minutes_ago = time.time() - 600
    check = line.send("TR", ten_minutes_ago, kind="watch-check", precedence="priority", body={"ack_within_s": 300.0})
    line.deliver(check, ten_minutes_ago)

    assert main(["status", "--home", str(line.tr.path), "--json"]) == 0
    view = json.loads(capsys.readouterr().out)
    [peer] = view["peers"]
    assert peer["link"] == "STOPPED" and "last_heartbeat" in peer, "the link, as before"
    assert peer["watch"]["last_check_answered"] is False
    assert 599 < peer["watch"]["peer_not_answering_s"] < 660
    assert {(f["side"], f["window"]) for f in view["figures"]} == {("ours", "shift"), ("theirs", "shift")}
    [theirs] = [f for f in view["figures"] if f["side"] == "theirs" and f["precedence"] == "all"]
    assert (theirs["messages"], theirs["acknowledged"], theirs["missed"]) == (1, 0, 1)

    assert main(["status", "--home", str(line.tr.path), "--lang", "en"]) == 0
    text = capsys.readouterr().out
    assert "link STOPPED" in text
    assert f"watch: last check sent {check.created}, not answered yet" in text
    assert "watch NOT ANSWERING for 10 min 0 s: 1 message to SY past its deadline without a person's" in text
    assert "here: nothing from SY awaits a person's acknowledgement" in text
    assert "response times to a person's acknowledgement, last shift: here: no messages; peer: median -" in text

    assert main(["status", "--home", str(line.sy.path), "--lang", "en"]) == 0
    text = capsys.readouterr().out
    assert "watch: no watch check sent yet" in text
    assert f"here: 1 message from TR not yet acknowledged, oldest 10 min 0 s ({check.id}), 1 past the deadline" in text
    # …and by default in the station's own language (Damascus reads Arabic), plurals by its rules.
    assert main(["status", "--home", str(line.sy.path)]) == 0
    arabic = capsys.readouterr().out
    assert "المناوبة: لم يُرسل أي تفقد للمناوبة بعد" in arabic
    assert "هنا: رسالة واحدة من" in arabic and "watch:" not in arabic
