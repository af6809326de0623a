"""People logging in: passwords, second factor, rate limiting, sessions that expire, CSRF and
Origin on every POST, the one-time password, and the security headers."""

from __future__ import annotations

import re

import pyotp
import pytest

from detente.web.auth import COOKIE
from detente.web.throttle import FREE_PER_PAIR

from .conftest import BASE, PASSWORD, Caller, Desk

pytestmark = pytest.mark.anyio


async def _login(desk: Desk, name: str, password: str = PASSWORD, code: str | None = None) -> Caller | None:
    body = {"name": name, "password": password} | ({"code": code} if code else {})
    response = await desk.call("POST", "/api/v1/login", json=body)
    if response.status_code != 200:
        return None
    cookie = response.cookies.get(COOKIE)
    assert cookie, "a login sets the session cookie"
    return Caller(name, cookie=cookie, csrf=response.json()["csrf"])


async def test_the_right_password_opens_a_session_with_safe_cookie_flags(desk: Desk) -> None:
    desk.account("Yzb. Kaya")
    response = await desk.call("POST", "/api/v1/login", json={"name": "Yzb. Kaya", "password": PASSWORD})
    assert response.status_code == 200
    reply = response.json()
    assert reply["operator"] == "Yzb. Kaya" and reply["role"] == "operator" and reply["auth"] == "session"
    assert reply["station"]["party"] == "TR" and reply["csrf"]
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    for flag in ("HttpOnly", "Secure", "SameSite=strict", "Path=/"):
        assert flag.lower() in cookie.lower(), f"the session cookie lacks {flag}: {cookie}"
    token = response.cookies[COOKIE]
    assert token not in desk.home.database_path.read_bytes().decode("latin-1"), "only the token's hash is stored"
    session = await desk.call("GET", "/api/v1/session", Caller("Yzb. Kaya", cookie=token))
    assert session.status_code == 200 and session.json()["operator"] == "Yzb. Kaya"
    assert [e.detail for e in desk.journal("console.login")] == ["Yzb. Kaya: from 127.0.0.1"]


async def test_before_logging_in_the_station_shows_its_name_and_party_and_nothing_more(desk: Desk) -> None:
    response = await desk.call("GET", "/api/v1/station")
    assert response.status_code == 200
    assert response.json() == {"name": desk.home.config.name, "party": "TR"}


@pytest.mark.parametrize(("name", "password"), [("Yzb. Kaya", "wrong password!"), ("Nobody", PASSWORD)])
async def test_a_wrong_password_or_unknown_account_is_refused_alike(desk: Desk, name: str, password: str) -> None:
    desk.account("Yzb. Kaya")
    response = await desk.call("POST", "/api/v1/login", json={"name": name, "password": password})
    assert response.status_code == 401
    assert response.json()["error"] == "the name, password or one-time code is not right"
    assert COOKIE not in response.cookies
    assert [e.detail for e in desk.journal("console.login_failed")] == [f"{name!r} from 127.0.0.1"]


async def test_an_account_with_a_second_factor_needs_the_right_code(desk: Desk) -> None:
    secret = pyotp.random_base32()
    desk.account("Bnb. Aydın", totp=secret)
    totp = pyotp.TOTP(secret)
    assert await _login(desk, "Bnb. Aydın") is None, "no code"
    wrong = f"{(int(totp.at(desk.clock())) + 1) % 1_000_000:06d}"
    assert await _login(desk, "Bnb. Aydın", code=wrong) is None, "a wrong code"
    stale = totp.at(desk.clock() - 300)
    assert await _login(desk, "Bnb. Aydın", code=stale) is None, "a code from five minutes ago"
    assert await _login(desk, "Bnb. Aydın", code=totp.at(desk.clock())) is not None
    assert len(desk.journal("console.login_failed")) == 3


async def test_enrolling_a_second_factor_through_the_api(desk: Desk) -> None:
    caller = desk.session("Bnb. Aydın")
    setup = await desk.call("POST", "/api/v1/totp/setup", caller, json={"password": PASSWORD})
    assert setup.status_code == 200
    secret = setup.json()["secret"]
    assert setup.json()["uri"].startswith("otpauth://totp/")
    refused = await desk.call("POST", "/api/v1/totp/confirm", caller, json={"code": "000000"})
    assert refused.status_code == 422 and desk.store.operator("Bnb. Aydın").totp_secret is None  # type: ignore[union-attr]
    code = pyotp.TOTP(secret).at(desk.clock())
    confirmed = await desk.call("POST", "/api/v1/totp/confirm", caller, json={"code": code})
    assert confirmed.status_code == 200
    assert desk.store.operator("Bnb. Aydın").totp_secret == secret  # type: ignore[union-attr]
    assert await _login(desk, "Bnb. Aydın") is None, "from now on the login needs the code"
    assert desk.journal("console.second_factor_enrolled")[0].detail.startswith("Bnb. Aydın:")


async def test_repeated_failures_from_one_address_are_throttled_with_429(desk: Desk) -> None:
    desk.account("Yzb. Kaya")
    for _ in range(FREE_PER_PAIR + 1):
        assert await _login(desk, "Yzb. Kaya", "guess guess guess") is None
    throttled = await desk.call("POST", "/api/v1/login", json={"name": "Yzb. Kaya", "password": PASSWORD})
    assert throttled.status_code == 429, "from the failing address even the right password waits"
    wait = int(throttled.headers["retry-after"])
    assert wait > 0
    assert desk.journal("console.login_throttled")
    desk.clock.advance(wait)
    assert await _login(desk, "Yzb. Kaya") is not None, "after the delay the account logs in again"


async def test_a_session_ends_after_an_hour_idle(desk: Desk) -> None:
    caller = desk.session("Yzb. Kaya")
    desk.clock.advance(3500)
    assert (await desk.call("GET", "/api/v1/messages", caller)).status_code == 200
    desk.clock.advance(3500)
    assert (await desk.call("GET", "/api/v1/messages", caller)).status_code == 200, "activity keeps it alive"
    desk.clock.advance(3601)
    expired = await desk.call("GET", "/api/v1/messages", caller)
    assert expired.status_code == 401
    desk.clock.advance(-3601)
    assert (await desk.call("GET", "/api/v1/session", caller)).status_code == 401, "an expired session is gone"


async def test_a_session_ends_twelve_hours_after_login_however_busy(desk: Desk) -> None:
    caller = desk.session("Yzb. Kaya")
    opened, status = desk.clock(), 200
    for _ in range(20):  # a request every 50 minutes: never idle
        desk.clock.advance(3000)
        status = (await desk.call("GET", "/api/v1/session", caller)).status_code
        if status != 200:
            break
    assert status == 401
    assert 12 * 3600 < desk.clock() - opened <= 12 * 3600 + 3000, "it ended at twelve hours, not before"


async def test_a_post_without_the_csrf_token_is_refused(desk: Desk) -> None:
    caller = desk.session("Yzb. Kaya")
    body = {"to": "SY", "body": {"text": "merhaba", "lang": "tr"}}
    missing = await desk.call("POST", "/api/v1/messages", caller, json=body, csrf=False)
    assert missing.status_code == 403 and "CSRF" in missing.json()["error"]
    wrong = await desk.call("POST", "/api/v1/messages", caller, json=body, csrf=False, headers={"x-csrf-token": "x"})
    assert wrong.status_code == 403
    assert desk.store.find_messages() == [], "nothing was sent"
    refusals = desk.journal("console.refused")
    assert len(refusals) == 2 and all(e.detail.startswith("Yzb. Kaya: POST /api/v1/messages") for e in refusals)
    assert (await desk.call("POST", "/api/v1/messages", caller, json=body)).status_code == 201


async def test_a_post_from_another_origin_is_refused(desk: Desk) -> None:
    caller = desk.session("Yzb. Kaya")
    body = {"to": "SY", "body": {"text": "merhaba", "lang": "tr"}}
    foreign = await desk.call("POST", "/api/v1/messages", caller, json=body, headers={"origin": "https://evil.test"})
    assert foreign.status_code == 403 and "evil.test" in foreign.json()["error"]
    login = await desk.call(
        "POST", "/api/v1/login", json={"name": "x", "password": "y"}, headers={"origin": "https://evil.test"}
    )
    assert login.status_code == 403, "nor may another site log a browser in"
    assert desk.store.find_messages() == []
    own = await desk.call("POST", "/api/v1/messages", caller, json=body, headers={"origin": BASE})
    assert own.status_code == 201


async def test_no_session_no_access(desk: Desk) -> None:
    for path in ("/api/v1/messages", "/api/v1/line", "/api/v1/status", "/api/v1/events", "/api/v1/operators"):
        response = await desk.call("GET", path)
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"].startswith("Bearer")
    forged = Caller("x", cookie="forged", csrf="forged")
    assert (await desk.call("GET", "/api/v1/messages", forged)).status_code == 401


async def test_the_one_time_password_must_be_replaced_first(desk: Desk) -> None:
    desk.account("Tğm. Demir", must_change=True)
    caller = await _login(desk, "Tğm. Demir")
    assert caller is not None
    session = await desk.call("GET", "/api/v1/session", caller)
    assert session.json()["must_change"] is True
    blocked = await desk.call("GET", "/api/v1/messages", caller)
    assert blocked.status_code == 403 and blocked.json()["must_change"] is True
    short = await desk.call("POST", "/api/v1/password", caller, json={"current": PASSWORD, "new": "short"})
    assert short.status_code == 422
    wrong = await desk.call("POST", "/api/v1/password", caller, json={"current": "not it", "new": "a new long one"})
    assert wrong.status_code == 403
    changed = await desk.call("POST", "/api/v1/password", caller, json={"current": PASSWORD, "new": "a new long one"})
    assert changed.status_code == 200
    assert (await desk.call("GET", "/api/v1/messages", caller)).status_code == 200
    assert await _login(desk, "Tğm. Demir") is None, "the one-time password no longer works"
    assert desk.journal("console.password_changed")[0].detail == "Tğm. Demir: the account's other sessions are ended"


async def test_logout_ends_the_session(desk: Desk) -> None:
    caller = desk.session("Yzb. Kaya")
    response = await desk.call("POST", "/api/v1/logout", caller)
    assert response.status_code == 200
    assert f"{COOKIE}=" in response.headers["set-cookie"] and "max-age=0" in response.headers["set-cookie"].lower()
    assert (await desk.call("GET", "/api/v1/session", caller)).status_code == 401
    assert desk.journal("console.logout")[0].detail.startswith("Yzb. Kaya")


async def test_security_headers_and_a_policy_without_external_sources(desk: Desk) -> None:
    for path in ("/", "/api/v1/openapi.json", "/api/v1/messages", "/api/v1/nothing"):
        response = await desk.client.get(path)
        policy = response.headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["default-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
        assert not re.search(r"https?:|\*|//|'unsafe-", policy), f"external or unsafe sources in {policy}"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
    assert (await desk.client.get("/api/v1/messages")).headers["cache-control"] == "no-store"
