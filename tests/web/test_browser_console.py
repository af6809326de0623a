"""The console's own pages in a real browser, against one real station (its peer not running).

Accounts and sessions as an operator meets them (a refused password in the chosen language, the
one-time password replaced before anything else, language and text size kept by the browser, a
second factor enrolled and then required, logout), the line status of a peer that is down, the
map with its bundled borders, the fonts shipped for every script, roles (an auditor cannot
compose, a translator certifies a translation, an administrator creates an account), and the
print view.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest

from .browser_stations import (
    ConsoleStation,
    login,
    make_console_station,
    screenshots,
    serve,
    watch_traffic,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]
NEW_PASSWORD = "my own password, at last"


@pytest.fixture
def ankara(tmp_path: Path) -> Iterator[ConsoleStation]:
    """Ankara serving its console, with Damascus pinned but not running, and a message queued for it."""
    tr = make_console_station(tmp_path, "Ankara Operations Centre", "TR", "tr")
    sy = make_console_station(tmp_path, "Damascus Operations Centre", "SY", "ar")
    tr.pin(sy)
    sy.pin(tr)
    tr.add_operator("Ütğm. Şahin", one_time=True)
    tr.add_operator("Denetçi Koç", "auditor")
    tr.add_operator("Tercüman Erdem", "translator")
    tr.add_operator("Yönetici Acar", "admin")
    tr.send("Kilis kuzeyinde atış tatbikatı, 14:00Z.", "SY", "immediate")
    try:
        serve(tr)
        yield tr
    finally:
        tr.process.close()


def _fonts_loaded(page: Any, family: str, text: str) -> int:
    return int(
        page.evaluate(
            "async ([family, text]) => (await document.fonts.load(`16px '${family}'`, text))"
            ".filter((face) => face.status === 'loaded').length",
            [family, text],
        )
    )


def test_accounts_languages_status_map_roles_and_print(browser: Any, ankara: ConsoleStation, tmp_path: Path) -> None:
    shots = screenshots(tmp_path)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    traffic = watch_traffic(context)
    page = context.new_page()

    # A refused login, in Russian (chosen on the login page); then the one-time password.
    page.goto(ankara.url)
    page.select_option("#language", "ru")
    assert page.evaluate("document.documentElement.lang") == "ru"
    page.fill("#login-name", "Ütğm. Şahin")
    page.fill("#login-password", "not the password")
    page.click(".login-form button[type=submit]")
    page.wait_for_selector(".login-message:not(:empty)")
    assert page.locator(".login-message").inner_text() == "Неверное имя, пароль или одноразовый код."
    shots.take(page, "refused-in-russian")
    page.fill("#login-password", ankara.passwords["Ütğm. Şahin"])
    page.click(".login-form button[type=submit]")
    page.wait_for_selector(".password-form")
    assert page.locator("table.watch").count() == 0, "nothing but the password form until it is changed"
    assert "одноразовым паролем" in page.locator(".password-form .warning").inner_text()
    page.fill("#pw-current", ankara.passwords["Ütğm. Şahin"])
    page.fill("#pw-new", NEW_PASSWORD)
    page.fill("#pw-again", NEW_PASSWORD + "!")
    page.click(".password-form button[type=submit]")
    assert page.locator(".password-form .error").inner_text() == "Новые пароли не совпадают."
    page.fill("#pw-again", NEW_PASSWORD)
    page.click(".password-form button[type=submit]")
    page.wait_for_selector("table.watch tr.message")
    assert page.locator("nav a[data-view=watch]").inner_text() == "Дежурство"
    assert page.locator("table.watch tr.message .badge.prec").inner_text() == "СРОЧНО"
    shots.take(page, "watch-in-russian")

    # Larger text and the language are kept by this browser, across a reload; the session too.
    page.click("#text-larger")
    page.click("#text-larger")
    assert "text-size-3" in page.evaluate("document.documentElement.className")
    larger = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.reload()
    page.wait_for_selector("table.watch tr.message")
    assert "text-size-3" in page.evaluate("document.documentElement.className")
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") == larger == 20
    assert page.evaluate("document.documentElement.lang") == "ru"
    page.click("#text-smaller")
    page.click("#text-smaller")

    # The shipped fonts cover Cyrillic, Turkish and Arabic (served by the station itself).
    assert _fonts_loaded(page, "Noto Sans", "Дежурство") >= 1
    assert _fonts_loaded(page, "Noto Sans", "Ütğm. Şahin İĞ") >= 1
    assert _fonts_loaded(page, "Noto Sans Arabic", "المناوبة") >= 1

    # Line status: Damascus is not running, so its path is not up; the checkpoints are listed.
    page.click("nav a[data-view=status]")
    card = page.locator('.peer-card[data-party="SY"]')
    card.wait_for()
    assert card.get_attribute("data-link") != "UP"
    assert "Наш журнал, подписанный SY" in card.inner_text()
    assert "Ждут их квитанции" in card.inner_text()
    shots.take(page, "status-peer-down")

    # The map: Leaflet over the bundled borders, no tiles.
    page.click("nav a[data-view=map]")
    page.wait_for_selector(".overview-map path.country")
    assert page.locator(".overview-map path.country").count() >= 10
    assert page.locator(".overview-map img.leaflet-tile").count() == 0
    shots.take(page, "map-view")

    # A second factor: enrolled from the account page, with the password, then a code from the
    # secret shown there; a wrong password changes nothing.
    page.click("nav a[data-view=account]")
    page.fill("#totp-password", "not the password")
    page.click(".totp button.setup")
    page.wait_for_selector(".totp .error")
    assert page.locator(".totp .error").inner_text() == "Неверен пароль или текущий одноразовый код."
    page.fill("#totp-password", NEW_PASSWORD)
    page.click(".totp button.setup")
    secret = page.locator(".totp .secret code").inner_text().replace(" ", "")
    page.fill("#totp-code", pyotp.TOTP(secret).now())
    page.click(".totp button[type=submit]")
    page.wait_for_selector(".totp .ok")
    assert page.locator(".totp p").first.inner_text().startswith("При каждом входе ваша учётная запись")

    # Logout: back to the login page, and the session is gone.
    page.click("#logout")
    page.wait_for_selector(".login-form")
    assert page.locator(".login-message").inner_text() == "Вы вышли из системы."
    assert page.evaluate("fetch('/api/v1/session').then((r) => r.status)") == 401

    # From now on the password alone is not enough; with the code it is.
    page.fill("#login-name", "Ütğm. Şahin")
    page.fill("#login-password", NEW_PASSWORD)
    page.click(".login-form button[type=submit]")
    page.wait_for_selector(".login-message:not(:empty)")
    assert page.locator("#login-code").is_hidden()
    page.click(".login-form button.link")
    time.sleep(30 - time.time() % 30)  # the code that enrolled it is spent: the next one
    page.fill("#login-code", pyotp.TOTP(secret).now())
    page.click(".login-form button[type=submit]")
    page.wait_for_selector(".account-view")  # back where the operator was
    page.click("#logout")
    page.wait_for_selector(".login-form")

    # An auditor reads but cannot compose.
    login(page, ankara, "Denetçi Koç", "tr")
    assert page.locator("nav a[data-view=compose]").count() == 0
    assert page.locator("nav a[data-view=watch]").inner_text() == "Nöbet"
    page.click("#logout")

    # A translator certifies a translation of the queued message; the print view shows it.
    login(page, ankara, "Tercüman Erdem", "en")
    page.locator("table.watch tr.message").first.click()
    page.wait_for_selector(".translate-form")
    page.select_option('.translate-form select[name="lang"]', "ar")
    page.fill('.translate-form textarea[name="text"]', "تمرين رماية شمال كلس، الساعة 14:00Z.")
    page.click(".translate-form button[type=submit]")
    page.wait_for_selector(".translation-list li")
    assert "certified by Tercüman Erdem" in page.locator(".translation-list").inner_text()
    assert page.locator(".ack-form").count() == 0, "a translator does not acknowledge"
    page.click("a.print")
    page.wait_for_selector(".print-record pre.rendered")
    record = page.locator(".print-record").inner_text()
    assert "Kilis kuzeyinde" in record and "تمرين رماية" in record and "Printed" in page.inner_text(".letterhead")
    page.emulate_media(media="print")
    assert page.locator(".topbar").is_hidden() and page.locator(".toolbar").is_hidden()
    shots.take(page, "print-one-message")
    page.emulate_media(media="screen")
    page.click("nav a[data-view=print]")
    page.wait_for_selector(".print-view table.summary tbody tr")
    assert page.locator(".print-view .print-record").count() == 1
    shots.take(page, "print-time-range")
    page.click("#logout")

    # An administrator creates an account and is shown its one-time password once.
    login(page, ankara, "Yönetici Acar", "en")
    page.click("nav a[data-view=accounts]")
    page.fill("#new-name", "Bnb. Kaya")
    page.select_option("#new-role", "supervisor")
    page.click(".add-account button[type=submit]")
    page.wait_for_selector(".accounts-view code.secret")
    assert len(page.locator(".accounts-view code.secret").inner_text()) >= 12
    assert page.locator('table.accounts tr[data-name="Bnb. Kaya"]').count() == 1
    shots.take(page, "accounts")

    assert traffic.foreign(ankara.origin) == []
    refused = "console error: Failed to load resource: the server responded with a status of 403 (Forbidden)"
    assert traffic.errors == [refused], "no error but the second factor refused for a wrong password"
    context.close()
