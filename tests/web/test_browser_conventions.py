"""What an operator expects of a console at 3 a.m., in a real browser between two real stations:
night mode kept across a reload, search over the watch (text, kind, party, time; case, accents
and the Turkish dotted i do not matter), the most urgent first, the keyboard (help, next alarm,
acknowledge, moving in the list), and the largest text size without a horizontal scroll bar.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .browser_stations import ConsoleStation, login, screenshots, watch_traffic
from .conftest import LineFactory

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


@pytest.fixture
def line(make_console_line: LineFactory) -> tuple[ConsoleStation, ConsoleStation, dict[str, str]]:
    """Ankara (TR) and Damascus (SY) serving; Damascus has sent three messages, Ankara one."""
    sent: dict[str, str] = {}

    def prepare(tr: ConsoleStation, sy: ConsoleStation) -> None:
        tr.add_operator("Yzb. Demir")
        sent["routine"] = sy.send("Routine patrol north of Kilis, 0600Z to 0800Z.", "TR", "routine")
        sent["flash"] = sy.send("Unidentified aircraft heading north at 2000 ft.", "TR", "flash")
        sent["immediate"] = sy.send("Artillery exercise near Azaz at 1400Z.", "TR", "immediate")
        sent["out"] = tr.send("Gözlem uçuşu Hatay üzerinde, 1000Z.", "SY", "priority")

    tr, sy = make_console_line(prepare)
    return tr, sy, sent


def _shown(page: Any) -> list[str]:
    return [str(row.get_attribute("data-id")) for row in page.locator("table.watch tr.message").all()]


def _luminance(css_colour: str) -> float:
    """Relative luminance (0 black … 1 white) of a computed `rgb(…)` colour."""
    channels = [int(part) / 255 for part in css_colour[css_colour.index("(") + 1 : -1].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_night_mode_search_urgency_keyboard_and_largest_text(
    browser: Any, line: tuple[ConsoleStation, ConsoleStation, dict[str, str]], tmp_path: Path
) -> None:
    tr, _, sent = line
    shots = screenshots(tmp_path)
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    traffic = watch_traffic(context)
    page = context.new_page()
    login(page, tr, "Yzb. Demir", "tr")
    page.wait_for_function("() => document.querySelectorAll('table.watch tr.message').length === 4", timeout=30000)

    # Night mode: dark surfaces, kept by this browser across a reload.
    background = "getComputedStyle(document.documentElement).backgroundColor"
    day = page.evaluate("getComputedStyle(document.querySelector('table.watch')).backgroundColor")
    page.click("#night-mode")
    assert page.evaluate("document.documentElement.classList.contains('night')")
    assert page.get_attribute("#night-mode", "aria-pressed") == "true"
    night = page.evaluate("getComputedStyle(document.querySelector('table.watch')).backgroundColor")
    assert _luminance(day) > 0.8 and _luminance(night) < 0.05, (day, night)
    assert _luminance(page.evaluate(background)) < 0.05
    shots.take(page, "night")
    page.reload()
    page.wait_for_selector("table.watch tr.message")
    assert page.evaluate("document.documentElement.classList.contains('night')")

    # Search: every word must match; accents, case and the dotted İ do not matter; by kind, party, time.
    page.fill("#watch-search", "KİLİS patrol")
    page.wait_for_function("() => document.querySelectorAll('table.watch tr.message').length === 1")
    assert _shown(page) == [sent["routine"]]
    page.fill("#watch-search", "gozlem")  # "Gözlem", typed without the umlaut
    page.wait_for_function("() => document.querySelectorAll('table.watch tr.message').length === 1")
    assert _shown(page) == [sent["out"]]
    page.fill("#watch-search", "Yıldırım")  # the FLASH precedence, as the Turkish console names it
    page.wait_for_function("() => document.querySelectorAll('table.watch tr.message').length === 1")
    assert _shown(page) == [sent["flash"]]
    page.fill("#watch-search", "no such words anywhere")
    page.wait_for_selector(".watch-view p.empty:not([hidden])")
    assert page.locator(".watch-view p.empty").inner_text() == "Bu aramaya uyan mesaj yok."
    page.fill("#watch-search", "")
    page.wait_for_function("() => document.querySelectorAll('table.watch tr.message').length === 4")

    # The most urgent first: what waits for our acknowledgement, FLASH before IMMEDIATE before ROUTINE.
    page.select_option("#watch-order", "urgent")
    assert _shown(page)[:3] == [sent["flash"], sent["immediate"], sent["routine"]]

    # The keyboard: the help, the next alarm, acknowledge, the next one after it.
    page.locator("h1").first.click()
    page.keyboard.press("?")
    page.wait_for_selector("dialog.shortcuts[open]")
    assert "Klavye kısayolları" in page.locator("dialog.shortcuts").inner_text()
    page.keyboard.press("Escape")
    assert page.locator("dialog.shortcuts[open]").count() == 0
    page.keyboard.press("n")
    page.wait_for_url(f"**#/message/{sent['flash']}")
    page.wait_for_selector("form.ack-form button.acknowledge")
    page.keyboard.press("a")
    page.wait_for_selector(".acknowledged-by")
    assert "Yzb. Demir" in page.locator(".acknowledged-by").inner_text()
    page.keyboard.press("n")
    page.wait_for_url(f"**#/message/{sent['immediate']}")
    page.keyboard.press("w")
    page.wait_for_selector("table.watch tr.message")
    page.keyboard.press("j")
    page.keyboard.press("j")
    selected = page.locator("table.watch tr.message.selected")
    assert selected.count() == 1
    page.keyboard.press("Enter")
    page.wait_for_url("**#/message/**")

    # The largest text size: no horizontal scroll bar on the watch at 1440×900.
    page.keyboard.press("w")
    page.wait_for_selector("table.watch tr.message")
    for _ in range(6):
        page.click("#text-larger")
    assert "text-size-5" in page.evaluate("document.documentElement.className")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    shots.take(page, "largest-text")
    assert overflow <= 0, f"the page is {overflow} px wider than the window at the largest text size"
    assert traffic.errors == []
    assert traffic.foreign(tr.origin) == []
    context.close()
