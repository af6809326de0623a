"""The console's API, through the real ASGI app (httpx.ASGITransport), against a real station.

``make_desk(**overrides)`` creates Ankara (TR) and Damascus (SY) with ``detente init``'s code,
pins each to the other, names Ankara's console as the tests reach it (``[console] names``),
opens Ankara's store and serves Ankara's console app with a clock the test moves
(``desk.clock``). Every reply that ``desk.call`` receives is checked against the
OpenAPI document: its status must be documented for that operation and its JSON must match the
documented schema, so the document is tested by every test here.
"""

from __future__ import annotations

import functools
import json
import os
import re
import secrets
import signal
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import jsonschema_rs
import pytest
from argon2 import PasswordHasher
from starlette.applications import Starlette

from detente.config import ConsoleSettings, render_config
from detente.home import Home, create_station
from detente.outbox import queue_message
from detente.peers import pin_peer
from detente.protocol.envelope import Envelope, Precedence, seal_receipt
from detente.protocol.timestamps import format_time, parse_time
from detente.store import JournalEntry, OperatorRecord, SessionRecord, Store
from detente.web.app import Console, api_document, create_app
from detente.web.auth import COOKIE, hash_token
from detente.web.hub import Hub
from detente.web.tokens import issue_token

if TYPE_CHECKING:
    from .browser_stations import ConsoleStation

T0 = parse_time("2026-11-25T12:00:00.000Z")
"""The tests' story starts the day before the example flight notice's window (examples/)."""
PASSWORD = "correct horse battery staple"
BASE = "https://ankara.station.test"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Clock:
    """The console's clock: literal times the test moves forward."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@functools.cache
def password_hash(password: str = PASSWORD) -> str:
    """argon2id takes most of a second here: hash each test password once."""
    return PasswordHasher().hash(password)


@dataclass(frozen=True)
class Caller:
    """Credentials for requests: a session cookie with its CSRF token, or a bearer token."""

    name: str
    cookie: str | None = None
    csrf: str | None = None
    bearer: str | None = None

    def headers(self, *, csrf: bool = True) -> dict[str, str]:
        found = {}
        if self.cookie is not None:
            found["cookie"] = f"{COOKIE}={self.cookie}"
        if self.csrf is not None and csrf:
            found["x-csrf-token"] = self.csrf
        if self.bearer is not None:
            found["authorization"] = f"Bearer {self.bearer}"
        return found


class Document:
    """The app's OpenAPI document, for checking replies against it."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._paths: list[tuple[re.Pattern[str], str]] = [
            (re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path)) + "$"), path)
            for path in document["paths"]
        ]
        self._validators: dict[tuple[str, str, str], Any] = {}

    def template(self, path: str) -> str:
        matches = [template for pattern, template in self._paths if pattern.match(path)]
        if not matches:
            raise AssertionError(f"{path} is not in the OpenAPI document")
        return min(matches, key=lambda t: t.count("{"))  # /messages/preview before /messages/{message_id}

    def check(self, method: str, path: str, response: httpx.Response) -> None:
        template = self.template(path)
        operation = self.document["paths"][template].get(method.lower())
        assert operation is not None, f"{method} {template} is not in the OpenAPI document"
        status = str(response.status_code)
        assert status in operation["responses"], (
            f"{method} {template} answered {status}, which the document does not list: {response.text[:300]}"
        )
        content = operation["responses"][status].get("content", {})
        media = response.headers.get("content-type", "").split(";")[0]
        if not content:
            return
        assert media in content, f"{method} {template} {status}: {media} is not documented ({list(content)})"
        if media != "application/json":
            return
        key = (method, template, status)
        if key not in self._validators:
            schema = {**content[media]["schema"], "components": self.document["components"]}
            self._validators[key] = jsonschema_rs.Draft202012Validator(schema)
        errors = [str(e) for e in self._validators[key].iter_errors(response.json())]
        assert not errors, f"{method} {template} {status} does not match its schema: {errors[:3]}"


@dataclass
class Desk:
    """Ankara's console on a line to Damascus, with both stations' stores open."""

    home: Home
    peer: Home
    store: Store
    peer_store: Store
    hub: Hub
    clock: Clock
    app: Starlette
    client: httpx.AsyncClient
    document: Document
    stores: list[Store] = field(default_factory=list)

    # --- accounts and credentials ---------------------------------------------------------------

    def account(self, name: str, role: str = "operator", *, must_change: bool = False, totp: str | None = None) -> str:
        """An account with PASSWORD (hashed once per run; `operator add` is tested on its own)."""
        self.store.add_operator(
            OperatorRecord(name, role, password_hash(), totp, must_change, format_time(self.clock() - 86400), None)
        )
        return name

    def session(self, name: str, role: str = "operator", **options: Any) -> Caller:
        """A logged-in console session for a new account (as `POST /login` opens one; the login
        itself, and its argon2id check, are tested in test_auth.py)."""
        self.account(name, role, **options)
        token, csrf, now = secrets.token_urlsafe(32), secrets.token_urlsafe(24), self.clock()
        self.store.create_session(
            SessionRecord(
                hash_token(token), name, csrf, format_time(now), format_time(now), format_time(now + 43200), ""
            )
        )
        return Caller(name, cookie=token, csrf=csrf)

    def machine(self, name: str, role: str = "operator", *, expires_days: float | None = None) -> Caller:
        """A new account with a machine token."""
        self.account(name, role, must_change=True)
        issued = issue_token(self.store, name=name, now=self.clock(), expires_days=expires_days)
        return Caller(name, bearer=issued.token)

    # --- requests ----------------------------------------------------------------------------------

    async def call(
        self,
        method: str,
        path: str,
        caller: Caller | None = None,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        csrf: bool = True,
        content: bytes | None = None,
    ) -> httpx.Response:
        """Send a request and check the reply against the OpenAPI document."""
        sent = {**(caller.headers(csrf=csrf) if caller else {}), **(headers or {})}
        response = await self.client.request(method, path, json=json, params=params, headers=sent, content=content)
        self.document.check(method, path, response)
        return response

    # --- messages ----------------------------------------------------------------------------------

    def incoming(
        self, *, kind: str = "free-text", body: Mapping[str, Any] | None = None, precedence: str = "flash"
    ) -> str:
        """A message from Damascus, stored at Ankara with its signed receipt (what the link does)."""
        envelope = queue_message(
            self.peer,
            self.peer_store,
            peer=self.home.config.station_id,
            kind=kind,
            precedence=Precedence(precedence),
            body=body if body is not None else {"text": "هل هذه طائرتكم؟", "lang": "ar"},
            now=self.clock(),
        )
        self.deliver(envelope)
        return envelope.id

    def deliver(self, envelope: Envelope) -> None:
        at = format_time(self.clock())
        receipt = seal_receipt(self.home.signer, envelope, at)
        self.store.store_incoming([(envelope, receipt)], at)
        self.peer_store.store_receipts([receipt], at)

    def journal(self, event: str | None = None) -> list[JournalEntry]:
        return [e for e in self.store.journal_entries() if event is None or e.event == event]


DeskFactory = Callable[..., Desk]


def _pair(tmp_path: Path) -> tuple[Home, Home]:
    tr = create_station(
        tmp_path / "tr", name="Ankara Operations Centre", party="TR", listen="127.0.0.1:1", language="tr"
    )
    sy = create_station(
        tmp_path / "sy", name="Damascus Operations Centre", party="SY", listen="127.0.0.1:2", language="ar"
    )
    for home, other in ((tr, sy), (sy, tr)):
        store = home.open_store()
        try:
            pin_peer(home, store, other.card(), source="card", now=T0 - 86400)
        finally:
            store.close()
    return tr, sy


def with_console(home: Home, **settings: Any) -> Home:
    """The station with these ``[console]`` settings in its station.toml (``names``, ``trusted_proxies``)."""
    config = replace(home.config, console_access=ConsoleSettings(**settings))
    home.config_path.write_text(render_config(config), encoding="utf-8")
    return Home(home.path)


@pytest.fixture
async def make_desk(tmp_path: Path) -> AsyncIterator[DeskFactory]:
    """Factory: ``make_desk(now=T0)`` → a Desk; everything is closed at the end of the test."""
    made: list[Desk] = []
    document = Document(api_document())

    def make(*, now: float = T0, console: Mapping[str, Any] | None = None) -> Desk:
        """``console``: Ankara's ``[console]`` settings (default: the test's host name as its name)."""
        tr, sy = _pair(tmp_path / f"desk{len(made)}")
        tr = with_console(tr, **{"names": (BASE.split("://")[1],), **(console or {})})
        store, peer_store = tr.open_store(), sy.open_store()
        clock, hub = Clock(now), Hub()
        app = create_app(Console(tr, store, hub, clock))
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)
        desk = Desk(tr, sy, store, peer_store, hub, clock, app, client, document, [store, peer_store])
        made.append(desk)
        return desk

    yield make
    for desk in made:
        await desk.client.aclose()
        for store in desk.stores:
            store.close()


@pytest.fixture
def desk(make_desk: DeskFactory) -> Desk:
    return make_desk()


def example(name: str) -> dict[str, Any]:
    """A notice from examples/ (the ones the documentation shows)."""
    data: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's chromium through Playwright, for the browser tests (skipped where it is missing)."""
    from .browser_stations import chromium_or_skip, launch_browser

    chromium_or_skip()
    yield from launch_browser()


ConsoleLine = tuple["ConsoleStation", "ConsoleStation"]
LineFactory = Callable[..., ConsoleLine]


@pytest.fixture
def make_console_line(tmp_path: Path) -> Iterator[LineFactory]:
    """Factory: Ankara (TR, Turkish) and Damascus (SY, Arabic), pinned to each other; ``prepare(tr,
    sy)`` runs before they serve (accounts, settings, queued messages); ``serving`` names which of
    the two are started (both by default). Every station started is stopped (and thawed, should a
    test have left it frozen with SIGSTOP) after the test."""
    from .browser_stations import make_console_station, serve

    started: list[ConsoleStation] = []

    def make(
        prepare: Callable[[ConsoleStation, ConsoleStation], object] | None = None, *, serving: str = "TR SY"
    ) -> ConsoleLine:
        tr = make_console_station(tmp_path, "Ankara Operations Centre", "TR", "tr")
        sy = make_console_station(tmp_path, "Damascus Operations Centre", "SY", "ar")
        tr.pin(sy)
        sy.pin(tr)
        if prepare is not None:
            prepare(tr, sy)
        chosen = [s for s in (tr, sy) if s.process.party in serving.split()]
        started.extend(chosen)
        serve(*chosen)
        return tr, sy

    yield make
    for station in started:
        running = station.process.process
        if running is not None and running.poll() is None:
            os.kill(running.pid, signal.SIGCONT)
        station.process.close()
