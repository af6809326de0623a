"""Every login and every action through the API is in the station's journal, with the name of
the operator (and, for a machine, its token's id)."""

from __future__ import annotations

import pytest

from detente.web.auth import COOKIE

from .conftest import PASSWORD, Caller, Desk

pytestmark = pytest.mark.anyio


async def test_the_journal_names_who_did_what(desk: Desk) -> None:
    desk.account("Yzb. Kaya")
    login = await desk.call("POST", "/api/v1/login", json={"name": "Yzb. Kaya", "password": PASSWORD})
    kaya = Caller("Yzb. Kaya", cookie=login.cookies[COOKIE], csrf=login.json()["csrf"])
    incoming = desk.incoming()
    sent = await desk.call("POST", "/api/v1/messages", kaya, json={"to": "SY", "body": {"text": "tamam", "lang": "tr"}})
    await desk.call("POST", f"/api/v1/messages/{incoming}/ack", kaya)
    translator = desk.session("Çevirmen", "translator")
    await desk.call("POST", f"/api/v1/messages/{incoming}/translation", translator, json={"lang": "tr", "text": "x"})
    machine = desk.machine("AD feed")
    await desk.call("POST", "/api/v1/messages", machine, json={"to": "SY", "body": {"text": "uyarı", "lang": "tr"}})
    auditor = desk.session("Müfettiş", "auditor")
    await desk.call("POST", f"/api/v1/messages/{incoming}/ack", auditor)
    await desk.call("POST", "/api/v1/logout", kaya)

    token = desk.store.tokens()[0].id
    journal = [(e.event, e.detail.split(":", 1)[0]) for e in desk.journal() if e.event.startswith("console.")]
    assert journal == [
        ("console.login", "Yzb. Kaya"),
        ("console.sent", "Yzb. Kaya"),
        ("console.acknowledged", "Yzb. Kaya"),
        ("console.translation", "Çevirmen"),
        ("console.sent", f"AD feed [token {token}]"),
        ("console.refused", "Müfettiş"),
        ("console.logout", "Yzb. Kaya"),
    ]
    assert sent.json()["id"] in desk.journal("console.sent")[0].detail
    assert all(e.at for e in desk.journal())
