"""The louder alarm in a real browser, between two real stations (docs/operations.md §7).

Ankara's station gives a PRIORITY message only a short time to be acknowledged. Damascus sends
two; nobody at Ankara acknowledges them. At half the deadline the console an operator has open at
Ankara, in Russian, raises the alarm: a banner on every page, the two rows marked, a siren (these
messages make no arrival tone, so every tone is the alarm's). A page loaded afterwards shows it at
once and sounds it at the operator's first click; silenced, it sounds again at the deadline. It
goes away message by message as each is acknowledged: one at this console, the other with `detente
ack`'s code at the station itself. Nothing went anywhere but the station's own origin.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from detente.watch.acks import acknowledge

from .browser_stations import (
    RECORDERS,
    ConsoleStation,
    login,
    screenshots,
    watch_traffic,
)
from .conftest import ConsoleLine, LineFactory

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
DEADLINE = 24.0
"""Ankara's `[deadlines] priority`: the alarm is raised 12 s after a PRIORITY message arrives."""
WORDS = json.loads(
    (Path(__file__).resolve().parents[2] / "src/detente/web/static/locales/ru.json").read_text(encoding="utf-8")
)
WAIT = DEADLINE * 2000
"""Milliseconds to wait for a step that is due within the deadline (a busy machine is slower)."""


def _set_deadline(station: ConsoleStation, precedence: str, seconds: float) -> None:
    """Change one of the `[deadlines]` in the station's station.toml (before it is served)."""
    path = station.process.home / "station.toml"
    text, found = re.subn(rf"^{precedence} = .*$", f"{precedence} = {seconds}", path.read_text(), count=1, flags=re.M)
    assert found == 1, f"no {precedence} deadline in {path}"
    path.write_text(text)


@pytest.fixture
def line(make_console_line: LineFactory) -> ConsoleLine:
    """Ankara (TR) with a short PRIORITY deadline and two operators, and Damascus (SY), serving."""

    def prepare(tr: ConsoleStation, sy: ConsoleStation) -> None:
        _set_deadline(tr, "priority", DEADLINE)
        tr.add_operator("Yzb. Demir")
        tr.add_operator("Ütğm. Şahin")

    return make_console_line(prepare)


def _tones(page: Any) -> int:
    return int(page.evaluate("window.__tones.length"))


def test_a_message_unacknowledged_at_half_time_raises_the_louder_alarm_until_it_is_acknowledged(
    browser: Any, line: tuple[ConsoleStation, ConsoleStation], tmp_path: Path
) -> None:
    tr, sy = line
    shots = screenshots(tmp_path)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ru-RU")
    context.add_init_script(RECORDERS)
    traffic = watch_traffic(context)
    page = context.new_page()
    login(page, tr, "Yzb. Demir", "ru")
    banner = page.locator(".escalation-alarm")
    assert banner.is_hidden()

    first = sy.send("طائرة مسيّرة شمال كلس؛ هل هي لكم؟", "TR", "priority")
    second = sy.send("قافلة إنسانية عند باب الهوى الساعة 14:00Z.", "TR", "priority")

    def item(message: str, step: str) -> Any:
        return banner.locator(f'a.alarm-item[data-id="{message}"][data-step="{step}"]')

    def row(message: str) -> Any:
        return page.locator(f'table.watch tr.message[data-id="{message}"]')

    # Half the deadline gone, nobody has acknowledged: the banner, the rows, the siren.
    for message in (first, second):
        item(message, "half-time").wait_for(timeout=WAIT)
    assert banner.is_visible() and banner.get_attribute("data-sounding") == "true"
    assert banner.locator('.alarm-group[data-step="half-time"] .alarm-heading').text_content() == WORDS[
        "alarm.half_time"
    ].replace("{count}", "2")
    for message in (first, second):
        assert row(message).get_attribute("data-alarm") == "half-time"
        assert "alarm-half-time" in (row(message).get_attribute("class") or "")
    page.wait_for_function("(n) => window.__tones.length > n", arg=0)
    shots.take(page, "half-time-alarm")

    # A page loaded now shows the alarm at once, from the station's record; the browser holds its
    # sound back until the operator's first click, which sounds it.
    page.reload()
    page.wait_for_selector("table.watch tr.message")
    for message in (first, second):
        assert banner.locator(f'a.alarm-item[data-id="{message}"]').count() == 1
        assert row(message).get_attribute("data-alarm") in ("half-time", "overdue")
    assert banner.get_attribute("data-sounding") == "true" and _tones(page) == 0
    assert banner.locator(".sound-blocked").inner_text() == WORDS["alarm.sound_blocked"]
    page.click(".escalation-alarm .alarm-heading")
    page.wait_for_function("(n) => window.__tones.length > n", arg=0)
    assert banner.locator(".sound-blocked").is_hidden()
    shots.take(page, "alarm-after-reload")

    # Silenced: quiet and calmer, still shown; at the deadline it sounds again.
    page.click(".escalation-alarm button.silence")
    assert banner.get_attribute("data-sounding") == "false"
    assert banner.locator(".silenced-note").inner_text() == WORDS["alarm.silenced"]
    assert banner.locator("a.alarm-item").count() == 2
    shots.take(page, "alarm-silenced")
    for message in (first, second):
        item(message, "overdue").wait_for(timeout=WAIT)
    page.wait_for_function("() => document.querySelector('.escalation-alarm').dataset.sounding === 'true'")
    tones = _tones(page)
    page.wait_for_function("(n) => window.__tones.length > n", arg=tones)
    assert banner.locator('.alarm-group[data-step="overdue"] .alarm-heading').text_content() == WORDS[
        "alarm.overdue"
    ].replace("{count}", "2")
    assert row(first).get_attribute("data-alarm") == "overdue"
    shots.take(page, "overdue-alarm")

    # Acknowledged here: that message leaves the alarm; the other still sounds.
    item(first, "overdue").click()
    page.wait_for_selector(f'.detail-view[data-id="{first}"] .ack-form button')
    page.click(".ack-form button")
    page.wait_for_selector('.detail-view .state-cell [data-state="acknowledged"]')
    banner.locator(f'a.alarm-item[data-id="{first}"]').wait_for(state="detached")
    assert banner.locator("a.alarm-item").count() == 1 and banner.get_attribute("data-sounding") == "true"

    # Acknowledged by someone else, elsewhere (`detente ack` at the station): the alarm is over.
    store = tr.home.open_store()
    try:
        acknowledge(tr.home, store, message_id=second, operator="Ütğm. Şahin", note=None, now=time.time())
    finally:
        store.close()
    banner.wait_for(state="hidden")
    assert banner.get_attribute("data-sounding") == "false"
    page.click("nav a[data-view=watch]")
    row(second).wait_for()
    assert row(second).get_attribute("data-state") == "acknowledged"
    assert page.locator("table.watch tr.message[data-alarm]").count() == 0
    shots.take(page, "acknowledged-alarm-over")

    assert traffic.foreign(tr.origin) == [] and traffic.errors == []
    context.close()
