"""The console on a line of three stations: an operator at Ankara addresses Damascus and, on the
same line, the mediator in Moscow; the message's page then shows each recipient's own receipt,
and Damascus's acknowledgement as it comes. Debian's chromium, real stations, offline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from integration.stations import run_cli, wait_until

from .browser_stations import (
    ConsoleStation,
    login,
    make_console_station,
    screenshots,
    serve,
    watch_traffic,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
LINE = "syria-turkey"


@pytest.fixture
def three(tmp_path: Path) -> Iterator[tuple[ConsoleStation, ConsoleStation, ConsoleStation]]:
    tr = make_console_station(tmp_path, "Ankara Operations Centre", "TR", "tr")
    sy = make_console_station(tmp_path, "Damascus Operations Centre", "SY", "ar")
    ru = make_console_station(tmp_path, "Moscow Mediation Desk", "RU", "ru")
    for station in (tr, sy, ru):
        for other in (tr, sy, ru):
            if other is not station:
                station.pin(other)
    tr.add_operator("Yzb. Demir")
    sy.add_operator("Lt. Haddad")
    run_cli("line", "create", "--home", str(tr.home.path), "--name", LINE, "--member", "SY:party", "--member",
            "RU:mediator")  # fmt: skip
    try:
        serve(tr, sy, ru)
        yield tr, sy, ru
    finally:
        for station in (tr, sy, ru):
            station.process.close()


def _in_force(station: ConsoleStation) -> bool:
    return '"in_force": null' not in run_cli("line", "list", "--json", "--home", str(station.home.path)).stdout


def test_addressing_several_members_and_each_recipients_state(
    browser: Any, three: tuple[ConsoleStation, ConsoleStation, ConsoleStation], tmp_path: Path
) -> None:
    tr, sy, ru = three
    wait_until(lambda: "syria-turkey" in run_cli("line", "list", "--home", str(sy.home.path)).stdout, 30)
    run_cli("line", "accept", "--home", str(sy.home.path), LINE)
    wait_until(lambda: _in_force(tr), 30, what="the line in force at Ankara")
    shots = screenshots(tmp_path)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="tr-TR")
    traffic = watch_traffic(context)
    page = context.new_page()
    login(page, tr, "Yzb. Demir", "tr")
    page.click("nav a[data-view=compose]")
    page.wait_for_selector('[data-path="text"] textarea')
    page.select_option("#compose-to", "SY")
    also = page.locator("fieldset.compose-also")
    also.wait_for()
    assert LINE in also.locator("legend").inner_text()
    page.check('fieldset.compose-also input[value="RU"]')
    page.fill('[data-path="text"] textarea', "Akçakale yakınında topçu atışı; arabulucu da bilgilendirildi.")
    page.click("button.check")
    page.wait_for_selector("button.send:enabled")
    with page.expect_response(
        lambda r: r.request.method == "POST" and urlsplit(r.url).path == "/api/v1/messages"
    ) as sent:
        page.click("button.send")
    reply = sent.value.json()
    assert len(reply["ids"]) == 2, reply
    page.goto(f"{tr.url}#/message/{reply['ids'][0]}")
    table = page.locator("section.recipients table.recipients-table")
    table.wait_for()
    for party in ("SY", "RU"):
        row = table.locator(f'tr[data-party="{party}"]')
        wait_until(lambda row=row: "20" in row.locator("td").nth(2).inner_text(), 30, what=f"{party}'s receipt")
    assert table.locator('tr[data-party="RU"] td').nth(1).inner_text() == "arabulucu"
    shots.take(page, "ankara-recipients-received")
    # Damascus's person acknowledges; the page shows it in Damascus's row, and only there.
    inbox = [json.loads(line) for line in run_cli("inbox", "--json", "--home", str(sy.home.path)).stdout.splitlines()]
    (message_id,) = [m["id"] for m in inbox if "Akçakale" in str(m.get("body", {}).get("text"))]
    run_cli("ack", message_id, "--operator", "Lt. Haddad", "--home", str(sy.home.path))
    page.locator('tr[data-party="SY"][data-acknowledged="yes"]').wait_for(timeout=30_000)
    assert "Lt. Haddad" in table.locator('tr[data-party="SY"] td').nth(3).inner_text()
    assert page.locator('tr[data-party="RU"]').get_attribute("data-acknowledged") == "no"
    shots.take(page, "ankara-recipients-acknowledged")
    assert "line-accept" not in page.locator("body").inner_text(), "a signature awaits no one's acknowledgement"
    assert traffic.foreign(tr.origin) == [], "the console fetches nothing from anywhere else"
    context.close()
