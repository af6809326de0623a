"""Logins an attacker cannot turn against the defenders, and second factors and sessions a
stolen cookie cannot take over.

Through the real ASGI app (``desk``), with the console behind a trusted proxy where the test
needs several client addresses, and against a real ``detente serve`` on loopback for what
uvicorn itself would otherwise decide (the forwarded address, the Host).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pyotp
import pytest

from detente.cli import main
from detente.config import ConsoleSettings, StationConfig, load_config, render_config
from detente.errors import ConfigError
from detente.operators import disable_operator
from detente.protocol.timestamps import format_time
from detente.web.addresses import allowed_host, client_address, host_of
from detente.web.auth import COOKIE, hash_token
from detente.web.login_alarm import ALARM_INTERVAL
from detente.web.throttle import FREE_PER_PAIR, FREE_PER_SOURCE, MAX_DELAY

from .browser_stations import ConsoleStation, make_console_station, serve
from .conftest import PASSWORD, Caller, Desk, DeskFactory

pytestmark = pytest.mark.anyio

ATTACKER = "203.0.113.9"
DESK = "198.51.100.7"
BEHIND_PROXY = {"trusted_proxies": ["127.0.0.1"]}
"""The console behind a reverse proxy on the same machine (the ASGI client is 127.0.0.1)."""


async def _login(
    desk: Desk, name: str, password: str = PASSWORD, *, code: str | None = None, source: str | None = None
) -> httpx.Response:
    body = {"name": name, "password": password} | ({"code": code} if code else {})
    headers = {"x-forwarded-for": source} if source else None
    return await desk.call("POST", "/api/v1/login", json=body, headers=headers)


def _caller(response: httpx.Response, name: str) -> Caller:
    assert response.status_code == 200, response.text
    return Caller(name, cookie=response.cookies[COOKIE], csrf=response.json()["csrf"])


# --- throttling by name and address ---------------------------------------------------------------


async def test_a_third_party_failing_against_a_name_does_not_keep_its_operator_out(make_desk: DeskFactory) -> None:
    desk = make_desk(console=BEHIND_PROXY)
    secret = pyotp.random_base32()
    desk.account("Yzb. Kaya", totp=secret)
    statuses = []
    for _ in range(30):  # an outsider who knows the name (it travels on acknowledgements)
        statuses.append((await _login(desk, "Yzb. Kaya", "guess guess guess", source=ATTACKER)).status_code)
        desk.clock.advance(1)
    assert statuses[: FREE_PER_PAIR + 1] == [401] * (FREE_PER_PAIR + 1) and 429 in statuses
    held = await _login(desk, "Yzb. Kaya", PASSWORD, code=pyotp.TOTP(secret).at(desk.clock()), source=ATTACKER)
    assert held.status_code == 429, "the failing address waits, even with the right password"
    desk.clock.advance(30)
    own = await _login(desk, "Yzb. Kaya", PASSWORD, code=pyotp.TOTP(secret).at(desk.clock()), source=DESK)
    assert own.status_code == 200, "the operator, from an address that has not been failing, gets in"
    assert [e.detail for e in desk.journal("console.login")] == [f"Yzb. Kaya: from {DESK}"]
    alarms = desk.journal("console.login_throttled")
    assert len(alarms) == 1, "one alarm for the (name, address), not one per refused attempt"
    assert f"'Yzb. Kaya' from {ATTACKER}" in alarms[0].detail
    # …and it is one of the station's alarms, on every console and in `detente alarms`.
    listed = (await desk.call("GET", "/api/v1/alarms", desk.session("Nbt. Aksoy"))).json()["alarms"]
    [throttled] = [a for a in listed if a["kind"] == "login-throttled"]
    assert throttled["params"]["name"] == "Yzb. Kaya" and throttled["params"]["source"] == ATTACKER
    assert throttled["text"].startswith(f"Yzb. Kaya adının {ATTACKER} adresinden girişleri")  # Ankara reads Turkish


async def test_the_alarm_is_raised_again_after_its_interval(make_desk: DeskFactory) -> None:
    desk = make_desk(console=BEHIND_PROXY)
    desk.account("Yzb. Kaya")
    for _ in range(FREE_PER_PAIR + 1):
        await _login(desk, "Yzb. Kaya", "guess guess guess", source=ATTACKER)
    assert len(desk.journal("console.login_throttled")) == 1
    desk.clock.advance(ALARM_INTERVAL + 1)
    for _ in range(2):
        await _login(desk, "Yzb. Kaya", "guess guess guess", source=ATTACKER)
    assert len(desk.journal("console.login_throttled")) == 2


async def test_delays_grow_with_each_failure_up_to_a_cap(desk: Desk) -> None:
    desk.account("Yzb. Kaya")
    for _ in range(FREE_PER_PAIR):
        assert (await _login(desk, "Yzb. Kaya", "guess guess guess")).status_code == 401, "no wait for the first"
    waits = []
    for _ in range(12):
        assert (await _login(desk, "Yzb. Kaya", "guess guess guess")).status_code == 401
        held = await _login(desk, "Yzb. Kaya")
        assert held.status_code == 429, "after a further failure even the right password waits"
        waits.append(int(held.headers["retry-after"]))
        desk.clock.advance(waits[-1])
    assert waits[:4] == [2, 4, 8, 16] and waits == sorted(waits)
    assert waits[-2:] == [MAX_DELAY, MAX_DELAY], "the delay stops growing"
    assert (await _login(desk, "Yzb. Kaya")).status_code == 200, "once waited out, the right password gets in"
    desk.clock.advance(1)
    assert (await _login(desk, "Yzb. Kaya", "guess guess guess")).status_code == 401
    assert (await _login(desk, "Yzb. Kaya")).status_code == 200, "a login forgets the failures of its address"


async def test_an_address_failing_for_many_names_is_held_back_for_all(make_desk: DeskFactory) -> None:
    desk = make_desk(console=BEHIND_PROXY)
    desk.account("Yzb. Kaya")
    at = format_time(desk.clock())
    for index in range(FREE_PER_SOURCE):
        desk.store.record_login_failure(f"name {index}", ATTACKER, at)
    refused = await _login(desk, "someone else", "guess guess guess", source=ATTACKER)
    assert refused.status_code == 401
    held = await _login(desk, "Yzb. Kaya", source=ATTACKER)
    assert held.status_code == 429 and "for this name" not in held.json()["error"], "held for the address"
    assert (await _login(desk, "Yzb. Kaya", source=DESK)).status_code == 200, "other addresses are not held"


async def test_the_password_route_is_throttled_like_login(desk: Desk) -> None:
    caller = desk.session("Yzb. Kaya")
    for _ in range(FREE_PER_PAIR + 1):
        wrong = await desk.call("POST", "/api/v1/password", caller, json={"current": "guess", "new": "a new long one"})
        assert wrong.status_code == 403
    right = {"current": PASSWORD, "new": "a new long one"}
    held = await desk.call("POST", "/api/v1/password", caller, json=right)
    assert held.status_code == 429 and int(held.headers["retry-after"]) > 0
    assert (await _login(desk, "Yzb. Kaya")).status_code == 429, "the name's logins from there wait as well"
    desk.clock.advance(int(held.headers["retry-after"]))
    assert (await desk.call("POST", "/api/v1/password", caller, json=right)).status_code == 200


# --- the client's address and the Host ------------------------------------------------------------


async def test_x_forwarded_for_is_ignored_unless_the_proxy_is_trusted(make_desk: DeskFactory) -> None:
    direct = make_desk()
    direct.account("Yzb. Kaya")
    statuses = [
        (await _login(direct, "Yzb. Kaya", "guess guess guess", source=f"192.0.2.{n}")).status_code for n in range(8)
    ]
    assert statuses[FREE_PER_PAIR + 1 :] == [429] * (7 - FREE_PER_PAIR), "a varied header buys no fresh start"
    assert all(e.detail.endswith("from 127.0.0.1") for e in direct.journal("console.login_failed"))

    proxied = make_desk(console=BEHIND_PROXY)
    proxied.account("Yzb. Kaya")
    assert (await _login(proxied, "Yzb. Kaya", source=f"10.9.9.9, {DESK}")).status_code == 200
    assert [e.detail for e in proxied.journal("console.login")] == [f"Yzb. Kaya: from {DESK}"], (
        "the address the trusted proxy wrote (rightmost), not what the client claimed before it"
    )


def test_the_client_address_is_the_nearest_hop_that_is_not_a_trusted_proxy() -> None:
    proxies = ("10.0.0.0/24", "::1")
    assert client_address("10.0.0.5", ["1.2.3.4, 5.6.7.8"], proxies) == "5.6.7.8"
    assert client_address("10.0.0.5", ["1.2.3.4", "10.0.0.7"], proxies) == "1.2.3.4", "proxies in a chain"
    assert client_address("192.0.2.1", ["1.2.3.4"], proxies) == "192.0.2.1", "not from a proxy: ignored"
    assert client_address("10.0.0.5", [], proxies) == "10.0.0.5"
    assert client_address("10.0.0.5", ["not an address"], proxies) == "10.0.0.5"
    assert client_address("::1", ["[2001:db8::1]:443"], proxies) == "2001:db8::1"
    assert client_address("10.0.0.5", ["1.2.3.4"], ()) == "10.0.0.5"


def test_the_host_must_name_the_console() -> None:
    assert allowed_host(host_of("127.0.0.1:8470"), bind="127.0.0.1", names=())
    assert allowed_host(host_of("localhost:8470"), bind="127.0.0.1", names=())
    assert allowed_host(host_of("[::1]:8470"), bind="::1", names=())
    assert not allowed_host(host_of("rebind.evil.example:8470"), bind="127.0.0.1", names=())
    assert allowed_host(host_of("Console.Ankara.Example"), bind="10.0.0.2", names=("console.ankara.example",))
    assert not allowed_host(host_of("localhost"), bind="10.0.0.2", names=())
    assert allowed_host(host_of("10.0.0.2:8470"), bind="0.0.0.0", names=()), "any address when bound to all"
    assert not allowed_host(host_of("evil.example"), bind="0.0.0.0", names=())
    assert not allowed_host("", bind="127.0.0.1", names=())


async def test_a_foreign_host_is_refused(desk: Desk) -> None:
    caller = desk.session("Yzb. Kaya")
    for path in ("/", "/api/v1/session"):
        foreign = await desk.client.get(path, headers={"host": "rebind.evil.example", **caller.headers()})
        assert foreign.status_code == 421, path
        assert "[console] names" in foreign.json()["error"]
    login = await desk.call(
        "POST", "/api/v1/login", json={"name": "Yzb. Kaya", "password": PASSWORD}, headers={"host": "evil.example"}
    )
    assert login.status_code == 421 and COOKIE not in login.cookies
    for host in ("ankara.station.test", "localhost:8470", "127.0.0.1:8470"):
        assert (await desk.client.get("/api/v1/session", headers={"host": host, **caller.headers()})).status_code == 200


async def test_console_settings_are_checked(tmp_path: Path, desk: Desk) -> None:
    config = desk.home.config
    for bad, named in (
        (ConsoleSettings(trusted_proxies=("10.0.0.300",)), "console.trusted_proxies"),
        (ConsoleSettings(names=("https://console.example",)), "console.names"),
    ):
        path = tmp_path / "station.toml"
        path.write_text(render_config(_replace(config, bad)), encoding="utf-8")
        with pytest.raises(ConfigError, match=re.escape(named)):
            load_config(path)
    good = ConsoleSettings(trusted_proxies=("10.0.0.0/24", "::1"), names=("console.ankara.example",))
    path = tmp_path / "station.toml"
    path.write_text(render_config(_replace(config, good)), encoding="utf-8")
    assert load_config(path).console_access == good


def _replace(config: StationConfig, settings: ConsoleSettings) -> StationConfig:
    return replace(config, console_access=settings)


# --- one-time codes ---------------------------------------------------------------------------------


async def test_a_one_time_code_is_refused_the_second_time(desk: Desk) -> None:
    secret = pyotp.random_base32()
    desk.account("Bnb. Aydın", totp=secret)
    code = pyotp.TOTP(secret).at(desk.clock())
    assert (await _login(desk, "Bnb. Aydın", code=code)).status_code == 200
    assert (await _login(desk, "Bnb. Aydın", code=code)).status_code == 401, "a code seen once is spent"
    earlier = pyotp.TOTP(secret).at(desk.clock() - 30)
    assert (await _login(desk, "Bnb. Aydın", code=earlier)).status_code == 401, "so is any code before it"
    desk.clock.advance(30)
    assert (await _login(desk, "Bnb. Aydın", code=pyotp.TOTP(secret).at(desk.clock()))).status_code == 200


async def test_one_step_of_tolerance_at_most(desk: Desk) -> None:
    secret = pyotp.random_base32()
    desk.account("Bnb. Aydın", totp=secret)
    totp, now = pyotp.TOTP(secret), desk.clock()
    assert (await _login(desk, "Bnb. Aydın", code=totp.at(now - 60))).status_code == 401, "two steps back"
    assert (await _login(desk, "Bnb. Aydın", code=totp.at(now + 30))).status_code == 401, "the next step"
    assert (await _login(desk, "Bnb. Aydın", code=totp.at(now - 30))).status_code == 200, "the step just ended"


# --- second factor and sessions -----------------------------------------------------------------------


async def test_a_stolen_session_cannot_replace_or_remove_the_second_factor(desk: Desk) -> None:
    secret = pyotp.random_base32()
    stolen = desk.session("Bnb. Aydın", totp=secret)
    for path in ("/api/v1/totp/setup", "/api/v1/totp/remove"):
        assert (await desk.call("POST", path, stolen, json={})).status_code == 422, "no password"
        without_code = await desk.call("POST", path, stolen, json={"password": PASSWORD})
        assert without_code.status_code == 403, "the password alone is not enough"
        guessed = await desk.call("POST", path, stolen, json={"password": "guess guess", "code": "123456"})
        assert guessed.status_code == 403
    assert desk.store.operator("Bnb. Aydın").totp_secret == secret  # type: ignore[union-attr]
    assert len(desk.journal("console.refused")) == 4

    desk.clock.advance(3600)  # past the delays those failures earned
    owner = desk.session("Owner of the rest")  # a second session of another account, to show it stays
    current = {"password": PASSWORD, "code": pyotp.TOTP(secret).at(desk.clock())}
    setup = await desk.call("POST", "/api/v1/totp/setup", stolen, json=current)
    assert setup.status_code == 200, "the password and a current code replace it"
    replay = await desk.call("POST", "/api/v1/totp/remove", stolen, json=current)
    assert replay.status_code == 403, "the same code does not serve twice"
    new = pyotp.TOTP(setup.json()["secret"])
    desk.clock.advance(30)
    confirmed = await desk.call("POST", "/api/v1/totp/confirm", stolen, json={"code": new.at(desk.clock())})
    assert confirmed.status_code == 200 and desk.journal("console.second_factor_replaced")
    desk.clock.advance(30)
    removed = await desk.call(
        "POST", "/api/v1/totp/remove", stolen, json={"password": PASSWORD, "code": new.at(desk.clock())}
    )
    assert removed.status_code == 200 and desk.store.operator("Bnb. Aydın").totp_secret is None  # type: ignore[union-attr]
    assert (await desk.call("GET", "/api/v1/session", owner)).status_code == 200


async def test_a_stolen_session_cannot_enroll_a_second_factor_without_the_password(desk: Desk) -> None:
    stolen = desk.session("Yzb. Kaya")
    refused = await desk.call("POST", "/api/v1/totp/setup", stolen, json={"password": "guess guess"})
    assert refused.status_code == 403 and desk.store.operator("Yzb. Kaya").totp_secret is None  # type: ignore[union-attr]


async def test_a_password_change_ends_every_other_session(desk: Desk) -> None:
    desk.account("Yzb. Kaya")
    here = _caller(await _login(desk, "Yzb. Kaya"), "Yzb. Kaya")
    elsewhere = _caller(await _login(desk, "Yzb. Kaya"), "Yzb. Kaya")
    other = desk.session("Lt. Haddad")
    changed = await desk.call("POST", "/api/v1/password", here, json={"current": PASSWORD, "new": "a new long one"})
    assert changed.status_code == 200
    assert (await desk.call("GET", "/api/v1/session", here)).status_code == 200, "the session that changed it stays"
    assert (await desk.call("GET", "/api/v1/session", elsewhere)).status_code == 401
    assert (await desk.call("GET", "/api/v1/session", other)).status_code == 200, "other accounts are untouched"


async def test_a_role_change_ends_the_accounts_sessions(desk: Desk) -> None:
    admin = desk.session("Admin", "admin")
    kaya = desk.session("Yzb. Kaya")
    changed = await desk.call("POST", "/api/v1/operators/Yzb. Kaya/role", admin, json={"role": "auditor"})
    assert changed.status_code == 200 and changed.json()["role"] == "auditor"
    assert (await desk.call("GET", "/api/v1/session", kaya)).status_code == 401
    assert desk.store.operator("Yzb. Kaya").role == "auditor"  # type: ignore[union-attr]
    assert "'Yzb. Kaya': operator → auditor" in desk.journal("console.operator_role")[0].detail
    own = await desk.call("POST", "/api/v1/operators/Admin/role", admin, json={"role": "operator"})
    assert own.status_code == 409 and desk.store.operator("Admin").role == "admin"  # type: ignore[union-attr]
    assert (await desk.call("POST", "/api/v1/operators/Nobody/role", admin, json={"role": "admin"})).status_code == 404
    assert (await desk.call("GET", "/api/v1/session", admin)).status_code == 200


async def test_detente_operator_role_ends_the_accounts_sessions(desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    kaya = desk.session("Yzb. Kaya")
    assert main(["operator", "role", "--home", str(desk.home.path), "--name", "Yzb. Kaya", "--role", "supervisor"]) == 0
    assert "'Yzb. Kaya' is now supervisor" in capsys.readouterr().out
    assert (await desk.call("GET", "/api/v1/session", kaya)).status_code == 401
    assert desk.store.operator("Yzb. Kaya").role == "supervisor"  # type: ignore[union-attr]
    assert main(["operator", "role", "--home", str(desk.home.path), "--name", "Nobody", "--role", "admin"]) != 0
    assert "no operator named 'Nobody'" in capsys.readouterr().err


async def test_disabling_an_account_ends_its_sessions(desk: Desk) -> None:
    desk.account("Yzb. Kaya")
    session = _caller(await _login(desk, "Yzb. Kaya"), "Yzb. Kaya")
    disable_operator(desk.store, name="Yzb. Kaya", now=desk.clock())  # what `detente operator disable` calls
    assert (await desk.call("GET", "/api/v1/session", session)).status_code == 401
    assert desk.store.session(_hash(session)) is None, "the session is gone from the database, not only refused"


def _hash(caller: Caller) -> str:
    assert caller.cookie is not None
    return hash_token(caller.cookie)


# --- a real station ------------------------------------------------------------------------------


@pytest.fixture
def station(tmp_path: Path) -> Iterator[ConsoleStation]:
    """Ankara serving its console on 127.0.0.1, behind a proxy on 127.0.0.1 (not 127.0.0.2)."""
    tr = make_console_station(tmp_path, "Ankara Operations Centre", "TR", "tr")
    text = tr.home.config_path.read_text(encoding="utf-8")
    tr.home.config_path.write_text(
        re.sub(r"^trusted_proxies = \[\]", 'trusted_proxies = ["127.0.0.1"]', text, flags=re.MULTILINE),
        encoding="utf-8",
    )
    tr.add_operator("Yzb. Kaya")
    try:
        serve(tr)
        yield tr
    finally:
        tr.process.close()


def test_a_real_console_believes_only_its_trusted_proxy_and_refuses_foreign_hosts(station: ConsoleStation) -> None:
    wrong = {"name": "Yzb. Kaya", "password": "guess guess guess"}
    url = station.url + "api/v1/login"
    origin = {"origin": station.origin}
    with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"), timeout=10) as outsider:
        statuses = [
            outsider.post(url, json=wrong, headers={**origin, "x-forwarded-for": f"192.0.2.{n}"}).status_code
            for n in range(FREE_PER_PAIR + 2)
        ]
    assert statuses[-1] == 429, "from an untrusted address the header is ignored (by uvicorn too)"
    with httpx.Client(timeout=10) as proxy:
        fresh = [
            proxy.post(url, json=wrong, headers={**origin, "x-forwarded-for": f"192.0.2.{n}"}).status_code
            for n in range(FREE_PER_PAIR + 2)
        ]
        assert fresh == [401] * (FREE_PER_PAIR + 2), "from the trusted proxy each forwarded client counts alone"
        rebound = proxy.get(station.url, headers={"host": "rebind.evil.example"})
        assert rebound.status_code == 421
        assert proxy.get(station.url).status_code == 200
        assert proxy.get(station.url.replace("127.0.0.1", "localhost")).status_code == 200
    line = station.process.wait_log(r"console\.login_throttled .*", timeout=10).group(0)
    assert "source=127.0.0.2" in line and "scope=name" in line
