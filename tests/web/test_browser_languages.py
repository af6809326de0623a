"""Every view of the console in Turkish, Arabic, English and Russian, in a real browser whose own
locale is US English: no key is missing from a catalogue (i18n.js records every lookup that falls
back), no English text of the catalogues shows in another language's views, the login page names
the station, counted texts take the language's plural forms (Arabic's six), a mixed Arabic/Latin
summary keeps its order in a left-to-right list, free text in another language is marked and a
translation can be asked for, and times are typed in 24-hour UTC.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .browser_stations import ConsoleStation, login, make_console_station, serve, watch_traffic

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

LOCALES = Path(__file__).resolve().parents[2] / "src" / "detente" / "web" / "static" / "locales"
MIXED = "Kilis: طائرة مسيّرة فوق المدينة"
"""Starts with a Latin name: "dir=auto" alone would lay this Arabic sentence out left to right."""
SUPERVISOR, ADMIN = "Bnb. Aydın", "Yönetici Acar"
SERVER_ENGLISH = [
    "never connected",
    "established (connection",
    "closed: ",
    "up on ",
    "dial failed",
    "station stopped",
    "Sender's language",
    "cannot be rendered",
    "queued, not yet sent",
]
"""What the station itself once said in English only: none of it may show in another language."""


@pytest.fixture
def ankara(tmp_path: Path) -> Iterator[tuple[ConsoleStation, dict[str, str]]]:
    """Ankara serving its console, with a message received from Damascus (not running) and one sent."""
    tr = make_console_station(tmp_path, "Ankara Operations Centre", "TR", "tr")
    sy = make_console_station(tmp_path, "Damascus Operations Centre", "SY", "ar")
    config = tr.home.path / "station.toml"
    config.write_text(config.read_text().replace('time_zone = ""', 'time_zone = "Europe/Istanbul"', 1))
    tr.pin(sy)
    sy.pin(tr)
    tr.add_operator(SUPERVISOR, "supervisor")
    tr.add_operator(ADMIN, "admin")
    ids = {
        "received": tr.receive(sy, MIXED, "flash"),
        "sent": tr.send("Kilis kuzeyinde atış tatbikatı, 14:00Z.", "SY", "immediate"),
    }
    try:
        serve(tr)
        yield tr, ids
    finally:
        tr.process.close()


def _english_texts(lang: str) -> list[str]:
    """English catalogue texts of three words or more that the other language words differently:
    none of them may show in a view in that language."""
    english = json.loads((LOCALES / "en.json").read_text(encoding="utf-8"))
    other = json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))
    found = []
    for key, text in english.items():
        for piece in re.split(r"\{\w+\}", text):
            piece = piece.strip(" .,:;()·—")
            if len(piece.split()) >= 3 and piece not in str(other.get(key, "")):
                found.append(piece)
    return found


def _open(page: Any, hash_: str, ready: str) -> None:
    page.evaluate("(hash) => { window.location.hash = hash; }", hash_)
    page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")


def _missing(page: Any) -> list[str]:
    return sorted(page.evaluate("Array.from(globalThis.detenteMissingKeys || [])"))


def _check_view(page: Any, lang: str, view: str, english: list[str]) -> None:
    assert _missing(page) == [], f"{lang} {view}: keys missing from the catalogue"
    if lang != "en":
        shown = page.inner_text("body")
        leaked = [text for text in english + SERVER_ENGLISH if text in shown]
        assert leaked == [], f"{lang} {view} shows English: {leaked}"


@pytest.mark.parametrize("lang", ["tr", "ar", "en", "ru"])
def test_every_view_is_in_the_language_with_nothing_missing(
    browser: Any, ankara: tuple[ConsoleStation, dict[str, str]], lang: str
) -> None:
    station, ids = ankara
    english = _english_texts(lang)
    assert lang == "en" or len(english) > 100, "the English texts to look for were found"
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    traffic = watch_traffic(context)
    page = context.new_page()

    # The login page says which station this is (and nothing else before logging in).
    page.goto(station.url)
    page.select_option("#language", lang)
    page.wait_for_selector("#login-station:not(:empty)")
    assert "Ankara Operations Centre" in page.inner_text("#login-station")
    assert "TR" in page.inner_text("#login-station")
    _check_view(page, lang, "login", english)

    login(page, station, SUPERVISOR, lang)
    views = [
        ("#/watch", "table.watch tr.message"),
        (f"#/message/{ids['received']}", ".detail-view table.history tbody tr"),
        (f"#/message/{ids['sent']}", ".detail-view table.history tbody tr"),
        ("#/compose", ".compose-view .schema-form"),
        ("#/status", '.peer-card[data-party="SY"]'),
        ("#/map", ".map-view .overview-map path.country"),
        ("#/account", ".account-view"),
        (f"#/print/{ids['received']}", ".print-view table.history"),
        ("#/print", ".print-view table.summary"),
    ]
    for hash_, ready in views:
        _open(page, hash_, ready)
        _check_view(page, lang, hash_, english)

    # Times are 24-hour UTC with the operations centre's zone beside them, whatever the browser's locale
    # ("04:00 PM" in en-US); they are typed in 24-hour UTC too.
    _open(page, "#/watch", "table.watch tr.message")
    shown = page.inner_text("table.watch tr.message td.time")
    assert re.search(r"\d{2}:\d{2}:\d{2}Z \(\d{2}:\d{2} Europe/Istanbul\)", shown), shown
    assert not re.search(r"\b(AM|PM)\b", page.inner_text("body"))
    _open(page, "#/print", ".print-view table.summary")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", page.input_value("#print-from"))
    assert page.get_attribute("#print-from", "type") == "text"

    page.click("#logout")
    page.wait_for_selector(".login-form")
    login(page, station, ADMIN, lang)
    _open(page, "#/accounts", ".accounts-view table.accounts tbody tr")
    _check_view(page, lang, "#/accounts", english)
    assert traffic.errors == []
    context.close()


def test_plurals_bidi_and_language_help(browser: Any, ankara: tuple[ConsoleStation, dict[str, str]]) -> None:
    station, ids = ankara
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    page = context.new_page()
    login(page, station, SUPERVISOR, "ar")

    # A signed number keeps its sign in front in right-to-left text (not "1.5−").
    signed = page.evaluate('async () => (await import("/js/i18n.js")).signedNumber(-1.5, 1)')
    assert signed == "\u2066\u22121.5\u2069"

    # Arabic's six plural forms, chosen by Intl.PluralRules: from a text's own ICU plural forms here
    # (the alarm banner's count), from the catalogue's keys below.
    said = page.evaluate(
        """async () => {
            const { t } = await import("/js/i18n.js");
            return Object.fromEntries([0, 1, 2, 3, 11, 100].map((n) => [n, t("alarms.count", { count: n })]));
        }"""
    )
    assert said == {
        "0": "لا إنذارات",
        "1": "إنذار واحد",
        "2": "إنذاران اثنان",
        "3": "3 إنذارات",
        "11": "11 إنذارًا",
        "100": "100 إنذار",
    }
    messages = page.evaluate(
        """async () => {
            const { t } = await import("/js/i18n.js");
            return [0, 1, 2, 3, 11, 100].map((n) => t("status.awaiting_here", { count: n, overdue: 0 }));
        }"""
    )
    assert messages == [
        "لا رسائل",
        "رسالة واحدة، منها 0 تجاوزت المهلة",
        "رسالتان، منهما 0 تجاوزت المهلة",
        "3 رسائل، منها 0 تجاوزت المهلة",
        "11 رسالة، منها 0 تجاوزت المهلة",
        "100 رسالة، منها 0 تجاوزت المهلة",
    ], "3 رسائل, not 3 رسالة"
    page.wait_for_function("() => document.querySelectorAll('table.watch tr.message').length === 2")
    assert "من رسالتين" in page.inner_text("p.counts"), "the list holds two messages: the dual"

    # In a Turkish (left-to-right) console, the Arabic summary that starts with a Latin name is laid
    # out right to left: its first word, "Kilis", is at the right end, the Arabic to its left.
    page.select_option("#language", "tr")
    row = page.locator(f'tr.message[data-id="{ids["received"]}"]')
    row.wait_for()
    summary = row.locator("td.summary bdi")
    assert summary.get_attribute("dir") == "rtl" and summary.get_attribute("lang") == "ar"
    positions = summary.evaluate(
        """(node) => {
            const text = node.firstChild;
            const at = (from, to) => {
                const range = document.createRange();
                range.setStart(text, from);
                range.setEnd(text, to);
                return range.getBoundingClientRect().left;
            };
            const arabic = text.data.indexOf("طائرة");
            return { kilis: at(0, 5), arabic: at(arabic, arabic + 5) };
        }"""
    )
    assert positions["kilis"] > positions["arabic"], positions
    assert "Arapça" in row.locator(".foreign-language").inner_text(), "marked as in a language we do not use"

    # The detail says so, and asks Damascus for a certified translation in one click.
    row.click()
    page.wait_for_selector(".language-help .foreign-text")
    assert "Arapça" in page.inner_text(".language-help .foreign-text")
    page.click(".language-help button.request-translation")
    page.wait_for_selector(".language-help .translation-request")
    assert page.locator(".language-help button.request-translation").count() == 0, "asked once"
    assert "Türkçe onaylı çeviri istendi" in page.inner_text(".language-help .translation-request")
    sent = station.process.messages("outbox")
    [request] = [m for m in sent if m["kind"] == "translation-request"]
    assert request["body"] == {"lang": "tr", "message": ids["received"], "into": "tr"}
    assert request["precedence"] == "flash", "tracked with the urgency of the message it names"

    # The composer: free text in Turkish to Damascus, which reads Arabic, is warned about; and the
    # border check says plainly that nothing was checked (free text has no area).
    page.click("nav a[data-view=compose]")
    page.select_option("#compose-kind", "free-text")
    page.wait_for_selector('[data-path="text"] textarea')
    page.fill('[data-path="text"] textarea', "Kilis'in doğusunda bir İHA sınırı geçti.")
    page.click("button.check")
    page.wait_for_selector("section.advice:not([hidden]) .language-warning")
    warning = page.inner_text("section.advice .language-warning")
    assert "Türkçe" in warning and "Arapça" in warning and "SY" in warning
    assert page.locator("section.advice .no-border-check").count() == 1
    assert page.locator("section.advice p.ok").count() == 0, "no green all-clear when nothing was checked"

    # The check above can fail: a key no catalogue has is recorded, and shown as its English or key.
    assert _missing(page) == []
    page.evaluate('async () => (await import("/js/i18n.js")).t("detail.no_such_text")')
    assert _missing(page) == ["tr:detail.no_such_text"]
    context.close()
