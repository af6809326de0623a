"""Real stations with their consoles, and Debian's chromium driven by Playwright, for the browser tests.

Each station is a folder made with ``detente init``'s own code (``create_station``, its console on
a free loopback port) and, once started, a real ``detente serve`` process. Peers are pinned,
accounts created (``add_operator``; ``set_password`` unless the test wants the one-time
password) and messages queued with the station's code too, in this process: the CLI's start-up
would cost the tests seconds each time. The browser is never downloaded: Playwright launches
/usr/bin/chromium.
"""

from __future__ import annotations

import functools
import os
import random
import re
import shutil
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from argon2 import PasswordHasher

from detente.home import Home, create_station
from detente.operators import add_operator
from detente.outbox import queue_message
from detente.peers import peer_by_party, pin_peer
from detente.protocol.envelope import Precedence, seal_receipt
from detente.protocol.timestamps import format_time
from detente.store import OperatorRecord
from integration.stations import StationProcess

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "a watch-officer's password"
ARABIC = re.compile(r"[\u0600-\u06ff]")

# Before any page script runs: record the tones the console plays (Web Audio), the desktop
# notifications it raises (permission granted), and when each message row first appeared.
RECORDERS = """
(() => {
  window.__tones = [];
  window.__notifications = [];
  window.__seen = {};
  new MutationObserver(() => {
    for (const row of document.querySelectorAll("tr.message[data-id]")) {
      window.__seen[row.dataset.id] ??= Date.now();
    }
  }).observe(document, { childList: true, subtree: true });
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) {
    window.__tones.push(this.frequency.value);
    return start.apply(this, args);
  };
  class RecordedNotification {
    static permission = "granted";
    static requestPermission() { return Promise.resolve("granted"); }
    constructor(title, options = {}) {
      window.__notifications.push({ title, body: options.body || "", tag: options.tag || "" });
    }
    close() {}
  }
  window.Notification = RecordedNotification;
})();
"""


@functools.cache
def _password_hash() -> str:
    return PasswordHasher().hash(PASSWORD)


def chromium_or_skip() -> None:
    """Skip when there is no chromium here (a developer machine), but fail in CI, which installs it."""
    pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium for the browser tests")
        pytest.skip(f"{CHROMIUM} is missing: `apt-get install chromium` to run the browser tests")


@dataclass
class ConsoleStation:
    """A station with a console, and the accounts made on it (name → password)."""

    process: StationProcess
    lang: str
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.process.console_port}/"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.process.console_port}"

    @property
    def home(self) -> Home:
        return Home(self.process.home)

    def add_operator(self, name: str, role: str = "operator", *, one_time: bool = False) -> str:
        """Create an account; returns its password: the one-time one (``detente operator add``)
        if ``one_time``, else PASSWORD (hashed once per run: argon2id takes a second here)."""
        store = self.home.open_store()
        try:
            if one_time:
                _, password = add_operator(store, name=name, role=role, now=time.time())
            else:
                created = format_time(time.time())
                store.add_operator(OperatorRecord(name, role, _password_hash(), None, False, created, None))
                password = PASSWORD
        finally:
            store.close()
        self.passwords[name] = password
        return password

    def configure(self, name: str, value: str) -> None:
        """Change the first setting ``name`` in station.toml to ``value`` (TOML), before it is served."""
        path = self.process.home / "station.toml"
        text, found = re.subn(rf"^{re.escape(name)} = .*$", f"{name} = {value}", path.read_text(), count=1, flags=re.M)
        if found != 1:
            raise AssertionError(f"no setting {name} in {path}")
        path.write_text(text)

    def pin(self, other: ConsoleStation) -> None:
        """Pin the other station's card (as `detente peer add` does)."""
        store = self.home.open_store()
        try:
            pin_peer(self.home, store, other.home.card(), source=f"{other.process.name} card", now=time.time())
        finally:
            store.close()

    def send(
        self, text: str, to: str, precedence: str = "routine", *, kind: str = "free-text", body: Any = None
    ) -> str:
        """Queue a message (as `detente send` does, from another process than `serve`): free text,
        or a notice of ``kind`` with ``body``."""
        store = self.home.open_store()
        try:
            envelope = queue_message(
                self.home,
                store,
                peer=peer_by_party(store, to).station_id,
                kind=kind,
                precedence=Precedence(precedence),
                body=body if body is not None else {"lang": self.lang, "text": text},
                now=time.time(),
            )
        finally:
            store.close()
        return envelope.id

    def receive(self, sender: ConsoleStation, text: str, precedence: str = "routine") -> str:
        """A free-text message from ``sender`` (in its language), stored here with this station's
        signed receipt as the link stores one; neither station needs to run."""
        theirs = sender.home.open_store()
        try:
            envelope = queue_message(
                sender.home,
                theirs,
                peer=self.home.config.station_id,
                kind="free-text",
                precedence=Precedence(precedence),
                body={"lang": sender.lang, "text": text},
                now=time.time(),
            )
        finally:
            theirs.close()
        store = self.home.open_store()
        try:
            at = format_time(time.time())
            store.store_incoming([(envelope, seal_receipt(self.home.signer, envelope, at))], at)
        finally:
            store.close()
        return envelope.id


def quiet_port() -> int:
    """A free loopback port below the kernel's ephemeral range, so that no outgoing connection
    (the browser's, the stations') takes it between this choice and the station's bind."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(200):
        port = random.randrange(max(1024, low - 12000), low)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free loopback port below the ephemeral range")


def make_console_station(folder: Path, name: str, party: str, lang: str) -> ConsoleStation:
    """A new station (``detente init --console 127.0.0.1:PORT``), not yet started."""
    port, console = quiet_port(), quiet_port()
    home = folder / party.lower()
    create_station(
        home, name=name, party=party, listen=f"127.0.0.1:{port}", language=lang, console=f"127.0.0.1:{console}"
    )
    return ConsoleStation(StationProcess(home, name, party, port, console_port=console), lang)


def serve(*stations: ConsoleStation, timeout: float = 30.0) -> None:
    """Start each station's `detente serve` (all at once) and wait until every console listens."""
    with ThreadPoolExecutor(len(stations)) as pool:
        list(pool.map(lambda station: station.process.start(), stations))
    for station in stations:
        station.process.wait_log(r"console\.listening", timeout=timeout, since_run=True)


@dataclass
class Traffic:
    """Every request one browser context made, and what went wrong on its pages."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def foreign(self, origin: str) -> list[str]:
        """The requests that did not go to ``origin``."""
        return [url for url in self.requests if _origin(url) != origin]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def watch_traffic(context: Any) -> Traffic:
    """Record every request of ``context`` (all its pages) and every script error or CSP violation."""
    traffic = Traffic()
    context.on("request", lambda request: traffic.requests.append(request.url))

    def on_page(page: Any) -> None:
        page.on("pageerror", lambda error: traffic.errors.append(f"page error: {error}"))

        def on_console(message: Any) -> None:
            text = message.text
            if message.type == "error" and "401 (Unauthorized)" not in text:
                traffic.errors.append(f"console error: {text}")
            elif "Content Security Policy" in text:
                traffic.errors.append(f"CSP: {text}")

        page.on("console", on_console)

    context.on("page", on_page)
    return traffic


@dataclass
class Shots:
    """Screenshots of each step, numbered, in one folder of the test run's output."""

    folder: Path
    taken: list[Path] = field(default_factory=list)

    def take(self, page: Any, step: str) -> Path:
        path = self.folder / f"{len(self.taken) + 1:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=False)
        self.taken.append(path)
        return path


def screenshots(tmp_path: Path) -> Shots:
    folder = Path(os.environ.get("DETENTE_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nbrowser screenshots: {folder}")
    return Shots(folder)


def launch_browser() -> Iterator[Any]:
    """Debian's chromium, headless, started by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def login(page: Any, station: ConsoleStation, name: str, lang: str) -> None:
    """Open the console, choose the language on the login page, log in and wait for the watch."""
    page.goto(station.url)
    page.select_option("#language", lang)
    page.fill("#login-name", name)
    page.fill("#login-password", station.passwords[name])
    page.click(".login-form button[type=submit]")
    page.wait_for_selector("table.watch, .login-message:not(:empty)")
    refused = page.locator(".login-message:not(:empty)")
    assert refused.count() == 0, f"{name} could not log in to {station.url}: {refused.inner_text()}"
