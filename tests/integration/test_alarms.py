"""The station's alarms between two real `detente serve` processes over TLS on loopback, read the
way a script reads them: `detente alarms --json` and `detente status --json`.

* Damascus is frozen (SIGSTOP: its connection stays open and silent, as with a cut cable behind
  a router): Ankara raises `line-down` within `failover_after` + 1 s, with what waits and what
  to do; thawed, the alarm ends with the outage's length.
* A FLASH nobody at Damascus acknowledges: at Ankara, the sender, `not-acknowledged` at half-time
  and at the deadline, an e-mail to Ankara's supervisor each time through a real SMTP server,
  and the message's history naming the channel and the result; Damascus, with no channel
  configured, says nobody was notified and shows `notify-missing`.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from detente.home import Home
from detente.protocol.timestamps import parse_time
from detente.web.presenter import message_detail
from smtp_server import Mailbox
from watch.conftest import configure

from .stations import StationProcess, wait_until

pytestmark = pytest.mark.filterwarnings("ignore:'imghdr' is deprecated:DeprecationWarning")

FAILOVER_AFTER = 2.0  # the default [link] failover_after


def alarms(station: StationProcess, *extra: str) -> list[dict[str, Any]]:
    out = station.cli("alarms", "--json", *extra).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def of_kind(station: StationProcess, kind: str, *extra: str) -> list[dict[str, Any]]:
    return [a for a in alarms(station, *extra) if a["kind"] == kind]


def test_a_frozen_peer_is_line_down_within_the_bound_with_what_waits_and_ends_with_the_outage(
    pair: tuple[StationProcess, StationProcess],
) -> None:
    tr, sy = pair
    configure(tr.home, {"contacts": {"SY": "+963 11 000 0000 (duty officer)"}})
    tr.start()
    sy.start()
    wait_until(lambda: tr.status()["peers"][0]["link"] == "UP", what="the link up at TR")
    assert of_kind(tr, "line-down") == []
    assert sy.process is not None
    frozen_at = time.time()
    os.kill(sy.process.pid, signal.SIGSTOP)
    try:
        [down] = wait_until(lambda: of_kind(tr, "line-down"), timeout=15, what="line-down at TR")
        assert parse_time(down["since"]) - frozen_at <= FAILOVER_AFTER + 1.0, "raised within failover_after + 1 s"
        assert (down["severity"], down["party"], down["ended"], down["paths"]) == ("critical", "SY", None, ["direct"])
        flash = tr.send("Unidentified aircraft heading south", "SY", precedence="flash")
        tr.send("Patrol moving north of Kilis", "SY", precedence="immediate")
        tr.send("Routine report", "SY")
        [down] = wait_until(
            lambda: [a for a in of_kind(tr, "line-down") if a["params"]["waiting"] == 3],
            timeout=10,
            what="the waiting messages counted in the alarm",
        )
        params = down["params"]
        assert (params["waiting_flash"], params["waiting_immediate"]) == (1, 1)
        assert params["contact"] == "+963 11 000 0000 (duty officer)"
        assert params["courier"].startswith(f"detente courier export --home {tr.home} --to SY")
        assert parse_time(params["down_since"]) <= parse_time(down["since"])
        text = down["text"]  # in the operators' language: Turkish at Ankara
        assert "SY hattı" in text and "kesik" in text and "3 mesaj bekliyor" in text and "1 FLASH" in text
        assert "+963 11 000 0000 (duty officer)" in text and "detente courier export" in text
        assert [a["id"] for a in tr.status()["alarms"] if a["kind"] == "line-down"] == [down["id"]]
        assert "kesik" in tr.cli("alarms").stdout, "the human listing, in Turkish"
        assert of_kind(tr, "not-acknowledged") == [], "the line is down, not the people"
    finally:
        os.kill(sy.process.pid, signal.SIGCONT)
        thawed_at = time.time()
    wait_until(lambda: of_kind(tr, "line-down") == [], timeout=20, what="line-down to end at TR")
    [ended] = [a for a in of_kind(tr, "line-down", "--all") if a["id"] == down["id"]]
    assert ended["end_reason"] == "restored" and ended["ended"] is not None
    outage = parse_time(ended["ended"]) - parse_time(ended["since"])
    assert 0 < outage <= thawed_at - frozen_at + 10
    assert ended["text"].startswith("SY hattı") and "sonra yeniden kuruldu" in ended["text"]
    english = tr.cli("alarms", "--all", "--json", "--lang", "en").stdout
    assert "Line to SY restored after" in english
    wait_until(lambda: any(m["id"] == flash and m["state"] == "delivered" for m in tr.messages("outbox")))


def test_an_unacknowledged_flash_alarms_the_sender_and_tells_its_supervisor_and_the_history_says_so(
    pair: tuple[StationProcess, StationProcess], smtp: Mailbox
) -> None:
    tr, sy = pair
    for station in (tr, sy):
        configure(station.home, {"deadlines": {"flash": 6.0}})
    configure(tr.home, {"watch": {"notify": [smtp.url("duty-tr@detente.invalid")]}})  # SY: notify = []
    tr.start()
    sy.start()
    assert [a["kind"] for a in sy.status()["alarms"]] == ["notify-missing"]
    assert of_kind(tr, "notify-missing") == []
    assert "watch.no_supervisor_contact" in sy.log()
    message = tr.send("Unidentified aircraft heading south, answer now", "SY", precedence="flash")

    half = wait_until(lambda: of_kind(tr, "not-acknowledged"), timeout=20, what="not-acknowledged at TR")[0]
    assert (half["message"], half["party"], half["stage"], half["severity"]) == (message, "SY", "half-time", "critical")
    [due] = wait_until(
        lambda: [a for a in of_kind(tr, "not-acknowledged") if a["stage"] == "deadline"],
        timeout=20,
        what="the deadline stage at TR",
    )
    assert due["id"] == half["id"] and due["silenced_by"] is None
    assert due["params"]["deadline_s"] == 6.0
    assert parse_time(due["params"]["due_at"]) <= time.time()

    mails = wait_until(lambda: len(smtp.to("duty-tr@detente.invalid")) >= 2 and smtp.to("duty-tr@detente.invalid"))
    subjects = [m["Subject"] for m in mails]
    assert subjects == [
        f"détente TR: FLASH free-text {message} to SY is not yet acknowledged: half of its 6 s deadline is gone",
        f"détente TR: FLASH free-text {message} to SY was not acknowledged within 6 s: call SY or the mediator",
    ]
    assert smtp.to("duty-sy@detente.invalid") == []

    tr_history = wait_until(lambda: _told(tr.home, message, 2), timeout=10, what="TR's history of the e-mails")
    assert [(h["step"], h["channel"], h["recipient"], h["event"]) for h in tr_history] == [
        ("half-time", "mailto", "duty-tr@detente.invalid", "supervisors: delivered"),
        ("deadline", "mailto", "duty-tr@detente.invalid", "supervisors: delivered"),
    ]
    assert tr_history[0]["detail"] == "supervisors notified via mailto to duty-tr@detente.invalid: delivered"

    sy_history = wait_until(lambda: _told(sy.home, message, 1), timeout=10, what="SY's history (nobody told)")
    assert [(h["step"], h["event"], h["channel"]) for h in sy_history] == [("overdue", "supervisors: none", None)]
    assert sy_history[0]["detail"] == "no supervisor contact is configured: nobody was notified"
    [due_here] = of_kind(sy, "acknowledgement-due")
    assert (due_here["message"], due_here["stage"], due_here["party"]) == (message, "deadline", "TR")
    status = sy.cli("status").stdout  # in Arabic at Damascus
    assert "لا توجد وسيلة اتصال مهيأة للمشرفين" in status


def _told(home: Path, message: str, count: int) -> list[dict[str, Any]]:
    """The `supervisors: …` items of the message's history as the console shows it, once ``count`` are there."""
    station = Home(home)
    store = station.open_store()
    try:
        record = store.message(message)
        if record is None:
            return []
        history = message_detail(station.config, store, record, "en")["history"]
    finally:
        store.close()
    told = [h for h in history if h["event"].startswith("supervisors: ")]
    return told if len(told) >= count else []
