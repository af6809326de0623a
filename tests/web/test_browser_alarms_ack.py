"""Our FLASH ignored by the other side, and the sender's console says so (docs/operations.md, Alarms).

Ankara sends two FLASH messages to Damascus, whose people never acknowledge them; FLASH is given
a short deadline. At half the deadline Ankara's console (the sender's) raises a not-acknowledged
alarm per message, with its own sound, and at the deadline raises it again as critical. Ankara's
station.toml has `notify = []`: the line-status page warns that no supervisor contact is
configured. At the largest text size, with several alarms, the banner takes at most a third of
the window and nothing overflows sideways. Arabic counts take CLDR's six plural forms.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .browser_stations import (
    RECORDERS,
    ConsoleStation,
    login,
    screenshots,
    watch_traffic,
)
from .conftest import ConsoleLine, LineFactory

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
DEADLINE = 16.0
"""Both stations' `[deadlines] flash`: half-time 8 s after delivery, the deadline 16 s after."""
WAIT = DEADLINE * 3000
"""Milliseconds to wait for a step due within the deadline (a busy machine is slower)."""
STATIC = Path(__file__).resolve().parents[2] / "src/detente/web/static"
ARABIC = json.loads((STATIC / "locales/ar.json").read_text(encoding="utf-8"))
VIEWPORT = {"width": 1440, "height": 900}


@pytest.fixture
def line(make_console_line: LineFactory) -> ConsoleLine:
    """Ankara (TR) with an operator and no supervisor contact, and Damascus (SY), serving."""

    def prepare(tr: ConsoleStation, sy: ConsoleStation) -> None:
        for station in (tr, sy):
            station.configure("flash", str(DEADLINE))
        tr.configure("notify", "[]")
        tr.add_operator("Yzb. Demir")

    return make_console_line(prepare)


def _alarm(page: Any, message: str, stage: str) -> Any:
    return page.locator(
        f'.alarm-banner li.alarm-line[data-kind="not-acknowledged"][data-message="{message}"][data-stage="{stage}"]'
    )


def _alarms(page: Any) -> list[dict[str, Any]]:
    reply = page.request.get(page.url.split("#")[0] + "api/v1/alarms?lang=en")
    assert reply.ok, reply.text()
    found: list[dict[str, Any]] = reply.json()["alarms"]
    return found


def _no_sideways_overflow(page: Any) -> bool:
    return bool(page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


def test_our_flash_unacknowledged_alarms_the_sender_at_half_time_and_deadline(
    browser: Any, line: tuple[ConsoleStation, ConsoleStation], tmp_path: Path
) -> None:
    tr, sy = line
    shots = screenshots(tmp_path)
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
    context.add_init_script(RECORDERS)
    traffic = watch_traffic(context)
    page = context.new_page()
    login(page, tr, "Yzb. Demir", "en")
    page.locator('a.badge.link[data-party="SY"][data-link="UP"]').wait_for(timeout=30_000)
    page.click("h1")  # the first click: sounds allowed from now on

    first = tr.send("Artillery fire planned near Akçakale at 14:00Z; keep clear.", "SY", "flash")
    second = tr.send("Drone flight along the border corridor, 15:00–16:00Z.", "SY", "flash")
    for message in (first, second):
        page.locator(f'table.watch tr.message[data-id="{message}"][data-state="delivered"]').wait_for(timeout=WAIT)

    # Half-time: one alarm per message on the sender's console, with the not-acknowledged sound.
    for message in (first, second):
        _alarm(page, message, "half-time").wait_for(timeout=WAIT)
    banner = page.locator(".alarm-banner")
    assert banner.is_visible()
    page.wait_for_function("() => window.detenteSounds.some((s) => s.sound === 'not-acknowledged' && s.played)")
    assert banner.get_attribute("data-sound") == "not-acknowledged"
    assert not page.evaluate("window.detenteSounds.some((s) => s.sound === 'line-down')"), "the line is up"
    texts = {a["message"]: a["text"] for a in _alarms(page) if a["kind"] == "not-acknowledged"}
    assert _alarm(page, first, "half-time").locator(".alarm-text").inner_text() == texts[first]
    shots.take(page, "sender-half-time")

    # The deadline: the same alarms, critical, sounding again.
    for message in (first, second):
        _alarm(page, message, "deadline").wait_for(timeout=WAIT)
        assert "severity-critical" in (_alarm(page, message, "deadline").get_attribute("class") or "")
    # The FLASH badge stands out on the red banner: its background is not its line's, its text not its background.
    badge = _alarm(page, first, "deadline").locator(".prec-flash.badge")
    colours = badge.evaluate(
        """(el) => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color,
                    getComputedStyle(el.closest('li')).backgroundColor]"""
    )
    background, text, line_background = colours
    assert banner.get_attribute("data-severity") == "critical", banner.get_attribute("data-severity")
    assert background != line_background and text != background, colours
    count = int(banner.get_attribute("data-count") or "0")
    assert count >= 3, "two messages not acknowledged, and no supervisor contact"
    assert f"⚠ {count} alarms · détente" in page.title(), page.title()
    shots.take(page, "sender-deadline")

    # notify = []: the line-status page says at once that nobody would be told.
    page.click("nav a[data-view=status]")
    warning = page.locator('.setup-warning[data-kind="notify-missing"]')
    warning.wait_for()
    (missing,) = [a for a in _alarms(page) if a["kind"] == "notify-missing"]
    assert missing["text"] in warning.inner_text()
    assert page.locator('.status-alarms[data-list="active"] li.alarm-line[data-kind="not-acknowledged"]').count() == 2
    shots.take(page, "status-notify-missing")

    # The largest text size: the banner with its alarms takes at most a third of the window (its
    # lines scroll inside) and no page overflows sideways.
    while page.locator("#text-larger").is_enabled() and not page.evaluate(
        "document.documentElement.classList.contains('text-size-5')"
    ):
        page.click("#text-larger")
    views = (("#/status", ".status-view .peer-card"), ("#/watch", "table.watch"), ("#/compose", "#compose-to"))
    for view, ready in views:
        page.goto(f"{tr.url}{view}")
        page.wait_for_selector(ready)
        banner.locator("li.alarm-line").first.wait_for()
        assert banner.locator("li.alarm-line").count() >= 3
        box = banner.bounding_box()
        assert box is not None and box["height"] <= VIEWPORT["height"] / 3 + 1, (view, box)
        assert _no_sideways_overflow(page), f"{view} overflows sideways at the largest text size"
        shots.take(page, f"largest-text-{view[2:]}")

    # Arabic counts: CLDR's zero, one, two, few, many and other.
    counts = page.evaluate(
        """async () => {
          const i18n = await import("/js/i18n.js");
          i18n.setLang("ar");
          const found = [0, 1, 2, 3, 11, 100].map((count) => i18n.t("alarms.count", { count }));
          i18n.setLang("en");
          return found;
        }"""
    )
    assert counts == ["لا إنذارات", "إنذار واحد", "إنذاران اثنان", "3 إنذارات", "11 إنذارًا", "100 إنذار"]
    assert ARABIC["alarms.count"].count("{") == 7, "six forms in one plural"

    assert traffic.foreign(tr.origin) == [] and traffic.errors == []
    context.close()
