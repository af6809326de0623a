"""Machines: bearer tokens from `detente operator token`, without cookie or CSRF token, refused
when missing, wrong, revoked or expired."""

from __future__ import annotations

import contextlib
import sqlite3
import time

import pytest

from detente.cli import main
from detente.web.tokens import PREFIX

from .conftest import Caller, Desk

pytestmark = pytest.mark.anyio

_NOTICE = {"to": "SY", "kind": "free-text", "body": {"text": "Kilis kuzeyinde tatbikat", "lang": "tr"}}


async def test_a_token_sends_without_cookie_or_csrf_token(desk: Desk) -> None:
    machine = desk.machine("AD feed")
    assert machine.bearer is not None and machine.bearer.startswith(PREFIX)
    sent = await desk.call("POST", "/api/v1/messages", machine, json=_NOTICE)
    assert sent.status_code == 201
    record = desk.store.message(sent.json()["id"])
    assert record is not None and record.body["text"] == "Kilis kuzeyinde tatbikat"
    session = (await desk.call("GET", "/api/v1/session", machine)).json()
    assert session["auth"] == "token" and session["csrf"] is None and session["must_change"] is False
    token_id = desk.store.tokens()[0].id
    assert [e.detail for e in desk.journal("console.sent")] == [
        f"AD feed [token {token_id}]: free-text {record.id} to SY"
    ]


async def test_a_token_acts_with_its_accounts_role(desk: Desk) -> None:
    auditor = desk.machine("Audit feed", "auditor")
    assert (await desk.call("GET", "/api/v1/messages", auditor)).status_code == 200
    assert (await desk.call("POST", "/api/v1/messages", auditor, json=_NOTICE)).status_code == 403
    assert desk.store.find_messages() == []


@pytest.mark.parametrize(
    ("authorization", "why"),
    [
        ("Bearer dtk_not-a-token-this-station-issued", "not known"),
        ("Bearer something-else", "not known"),
        ("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Authorization: Bearer"),
        ("Bearer ", "Authorization: Bearer"),
    ],
)
async def test_a_wrong_token_is_refused(desk: Desk, authorization: str, why: str) -> None:
    desk.machine("AD feed")
    response = await desk.call("POST", "/api/v1/messages", json=_NOTICE, headers={"authorization": authorization})
    assert response.status_code == 401 and why in response.json()["error"]
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert desk.store.find_messages() == []
    assert len(desk.journal("console.token_refused")) == 1


async def test_a_missing_token_is_refused(desk: Desk) -> None:
    response = await desk.call("POST", "/api/v1/messages", json=_NOTICE)
    assert response.status_code == 401
    assert desk.store.find_messages() == []


async def test_a_revoked_token_is_refused(desk: Desk) -> None:
    machine = desk.machine("AD feed")
    assert (await desk.call("GET", "/api/v1/messages", machine)).status_code == 200
    token_id = desk.store.tokens()[0].id
    assert main(["operator", "revoke-token", "--home", str(desk.home.path), "--id", token_id]) == 0
    response = await desk.call("GET", "/api/v1/messages", machine)
    assert response.status_code == 401 and "revoked" in response.json()["error"]


async def test_an_expired_token_is_refused(desk: Desk) -> None:
    machine = desk.machine("AD feed", expires_days=2)
    desk.clock.advance(2 * 86400 - 1)
    assert (await desk.call("GET", "/api/v1/messages", machine)).status_code == 200
    desk.clock.advance(1)
    response = await desk.call("GET", "/api/v1/messages", machine)
    assert response.status_code == 401 and "expired" in response.json()["error"]


async def test_a_disabled_accounts_token_is_refused(desk: Desk) -> None:
    machine = desk.machine("AD feed")
    admin = desk.session("Admin", "admin")
    assert (await desk.call("POST", "/api/v1/operators/AD feed/disable", admin)).status_code == 200
    response = await desk.call("GET", "/api/v1/messages", machine)
    assert response.status_code == 401 and "disabled" in response.json()["error"]


async def test_a_token_cannot_do_what_needs_a_person(desk: Desk) -> None:
    machine = desk.machine("AD feed")
    for path, body in (("/api/v1/password", {"current": "x", "new": "yyyyyyyyyyyyyyy"}), ("/api/v1/totp/setup", None)):
        response = await desk.call("POST", path, machine, json=body)
        assert response.status_code == 403, path
    assert (await desk.call("POST", "/api/v1/logout", machine)).status_code == 403


async def test_the_cli_issues_lists_and_revokes_tokens(desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    desk.account("AD feed")
    home = str(desk.home.path)
    assert main(["operator", "token", "--home", home, "--name", "AD feed", "--expires", "30"]) == 0
    out, err = capsys.readouterr()
    token = out.strip()
    assert token.startswith(PREFIX) and "\n" not in token
    record = desk.store.tokens()[0]
    assert record.operator == "AD feed" and record.expires_at is not None and f"--id {record.id}" in err
    with contextlib.closing(sqlite3.connect(desk.home.database_path)) as db:
        dump = "\n".join(db.iterdump())
    assert token not in dump and record.token_hash in dump, "the station keeps only the token's hash"

    desk.clock.now = time.time()  # the CLI stamps real time
    bearer = Caller("AD feed", bearer=token)
    assert (await desk.call("GET", "/api/v1/session", bearer)).status_code == 200
    assert main(["operator", "tokens", "--home", home]) == 0
    assert record.id in capsys.readouterr().out
    assert main(["operator", "revoke-token", "--home", home, "--name", "AD feed"]) == 0
    assert capsys.readouterr().out == f"revoked {record.id}\n"
    assert (await desk.call("GET", "/api/v1/session", bearer)).status_code == 401
    assert main(["operator", "token", "--home", home, "--name", "Nobody"]) == 1
    assert "no operator named 'Nobody'" in capsys.readouterr().err
