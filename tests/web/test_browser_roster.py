"""Who is on watch, seen from the other side, in a real browser between two real stations.

Damascus's duty officer has the line-status page open. Nobody is logged in at Ankara: Ankara's
station reports that (a signed `watch-roster` message), and Damascus's console says so in the
header, as an alarm, and on the line page. Then Ankara's duty officer logs in: the next report names her, her
role and since when, on Damascus's page, in Arabic. Nothing asked anyone for an acknowledgement.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from detente.watch.deadlines import ROSTER

from .browser_stations import ConsoleStation, login, screenshots, watch_traffic
from .conftest import ConsoleLine, LineFactory

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
AR = json.loads(
    (Path(__file__).resolve().parents[2] / "src/detente/web/static/locales/ar.json").read_text(encoding="utf-8")
)


@pytest.fixture
def line(make_console_line: LineFactory) -> ConsoleLine:
    def accounts(tr: ConsoleStation, sy: ConsoleStation) -> None:
        tr.add_operator("Yzb. Demir")
        sy.add_operator("ملازم حداد")

    return make_console_line(accounts)


def test_the_peer_sees_who_is_on_watch_and_when_nobody_is(
    browser: Any, line: tuple[ConsoleStation, ConsoleStation], tmp_path: Path
) -> None:
    tr, sy = line
    shots = screenshots(tmp_path)
    damascus = browser.new_context(viewport={"width": 1440, "height": 900}, locale="ar-SY")
    traffic = watch_traffic(damascus)
    page = damascus.new_page()
    login(page, sy, "ملازم حداد", "ar")

    # Nobody at Ankara: its report says so, in the header and on the line page.
    page.wait_for_selector(".nobody-on-watch[data-party=TR]", timeout=30000)
    assert page.locator(".nobody-on-watch").inner_text() == AR["roster.nobody_badge"].replace("{party}", "TR")
    alarm = ".alarm-banner li.alarm-line[data-kind=nobody-on-watch][data-party=TR][data-state=active]"
    page.wait_for_selector(alarm, timeout=15000)  # one of the station's alarms, in the banner on every page
    assert "TR" in page.locator(f"{alarm} .alarm-text").inner_text()
    page.goto(sy.url + "#/status")
    page.wait_for_selector(".peer-card[data-party=TR] .roster[data-roster=nobody]", timeout=15000)
    shots.take(page, "nobody-at-ankara")

    # Ankara's duty officer logs in; Damascus's page names her, her role, and since when.
    ankara = browser.new_context(viewport={"width": 1280, "height": 800}, locale="tr-TR")
    login(ankara.new_page(), tr, "Yzb. Demir", "tr")
    page.wait_for_selector(".peer-card[data-party=TR] .roster[data-roster=reported]", timeout=30000)
    text = page.locator(".peer-card[data-party=TR] .roster").inner_text()
    assert "Yzb. Demir" in text and AR["role.operator"] in text, text
    page.wait_for_selector(".nobody-on-watch", state="detached", timeout=15000)  # the header, at its next look
    page.wait_for_selector(alarm, state="detached", timeout=15000)  # the alarm has ended
    shots.take(page, "demir-on-watch")

    # Service messages: signed and on the line, but in nobody's watch list and awaiting nobody.
    store = sy.home.open_store()
    try:
        rosters = store.find_messages(kinds=[ROSTER], direction="in")
        assert len(rosters) >= 2 and all(r.acked_at is None for r in rosters)
        assert store.find_messages(direction="in") == []
    finally:
        store.close()
    assert page.locator("table.watch tr.message").count() == 0
    assert traffic.errors == []
    ankara.close()
    damascus.close()
