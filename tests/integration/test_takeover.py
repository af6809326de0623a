"""Two servers of one station (Ankara's) on one PostgreSQL database, and a peer (Damascus) on
SQLite, all real `detente serve` processes: the active server is killed with SIGKILL three times
while a thousand messages go each way; the standby takes over each time, and nothing is lost,
duplicated or reordered."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import struct
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from detente.config import set_station_setting
from detente.home import Home
from detente.outbox import queue_message
from detente.protocol.envelope import Precedence

from .conftest import StationFactory
from .stations import StationProcess, free_port, run_cli, wait_until

EACH_WAY = 1000
ROUNDS = 10
KILL_AT = (2, 5, 8)


def _set(config: Path, **settings: str | list[str]) -> None:
    for key, value in settings.items():
        set_station_setting(config, key, value)


def _queue(home: Path, peer: str, texts: list[str], lang: str) -> None:
    station = Home(home)
    store = station.open_store()
    try:
        for text in texts:
            queue_message(
                station,
                store,
                peer=peer,
                kind="free-text",
                precedence=Precedence.ROUTINE,
                body={"text": text, "lang": lang},
                now=time.time(),
            )
    finally:
        store.close()


def _inbox(home: Path) -> list[str]:
    store = Home(home).open_store()
    try:
        return [str(record.body["text"]) for _, record in store.messages("in") if record.kind == "free-text"]
    finally:
        store.close()


def _undelivered(home: Path) -> int:
    store = Home(home).open_store()
    try:
        return sum(store.queue_depth(peer.station_id) for peer in store.peers())
    finally:
        store.close()


@dataclass
class TwoServers:
    """Ankara's two servers (a, b) on one PostgreSQL database, and Damascus, pinned to each other."""

    servers: dict[str, StationProcess]
    homes: dict[str, Path]
    sy: StationProcess
    via: str = "a"
    """The server folder whose station.toml the test's own reads and writes go through."""

    @property
    def tr_id(self) -> str:
        return Home(self.homes["a"]).config.station_id

    @property
    def sy_id(self) -> str:
        return Home(self.sy.home).config.station_id

    def queue(self, numbers: range) -> None:
        _queue(self.homes[self.via], self.sy_id, [f"TR→SY {n}" for n in numbers], "tr")
        _queue(self.sy.home, self.tr_id, [f"SY→TR {n}" for n in numbers], "ar")

    def check_all_delivered(self, count: int) -> None:
        wait_until(
            lambda: _undelivered(self.homes[self.via]) == 0 and _undelivered(self.sy.home) == 0,
            180,
            interval=0.5,
            what="every message delivered both ways",
        )
        assert _inbox(self.sy.home) == [f"TR→SY {n}" for n in range(count)], "Damascus: exactly once, in order"
        assert _inbox(self.homes[self.via]) == [f"SY→TR {n}" for n in range(count)], "Ankara: exactly once, in order"

    def stop_and_verify(self) -> None:
        for server in self.servers.values():
            if server.process is not None and server.process.poll() is None:
                server.stop()
        self.sy.stop()
        for home in (self.homes[self.via], self.sy.home):
            run_cli("ledger", "verify", "--home", str(home))
        shown = json.loads(run_cli("ledger", "show", "--json", "--home", str(self.sy.home)).stdout)
        assert shown["alarms"] == [], "Damascus saw reconnects, nothing else"


@pytest.fixture
def two_servers(make_station: StationFactory, postgres_url: str, tmp_path: Path) -> Iterator[TwoServers]:
    sy = make_station("Damascus Operations Centre", "SY", "ar")
    ports = {name: (free_port(), free_port()) for name in ("a", "b")}
    homes = {name: tmp_path / f"tr-{name}" for name in ("a", "b")}
    run_cli(
        "init",
        "--home",
        str(homes["a"]),
        "--name",
        "Ankara Operations Centre",
        "--party",
        "TR",
        "--listen",
        f"127.0.0.1:{ports['a'][0]}",
        "--lang",
        "tr",
        "--store",
        postgres_url,
    )
    endpoints = [f"127.0.0.1:{ports[name][0]}" for name in ("a", "b")]
    _set(homes["a"] / "station.toml", advertise=endpoints)
    shutil.copytree(homes["a"], homes["b"])  # the same station (keys, card) on a second server
    for name in ("a", "b"):
        _set(
            homes[name] / "station.toml",
            listen=[f"127.0.0.1:{ports[name][0]}"],
            server=f"ankara-{name}",
            console=f"127.0.0.1:{ports[name][1]}",
        )
    servers = {
        name: StationProcess(homes[name], f"Ankara server {name}", "TR", ports[name][0], console_port=ports[name][1])
        for name in ("a", "b")
    }
    try:
        servers["a"].pin(sy)
        sy.pin(servers["a"])
        assert servers["b"].card()["endpoints"] == [f"tls://{e}" for e in endpoints], "the card lists every server"
        sy.start()
        servers["a"].start(ready=r"server\.active")
        servers["b"].start(ready=r"server\.standby")
        yield TwoServers(servers, homes, sy)
    finally:
        for server in servers.values():
            server.close()


def test_the_standby_takes_over_three_times_and_nothing_is_lost(two_servers: TwoServers) -> None:
    active, standby = two_servers.servers["a"], two_servers.servers["b"]
    _check_standby_console(standby, active)
    takeovers: list[float] = []
    per_round = EACH_WAY // ROUNDS
    for round_ in range(ROUNDS):
        two_servers.queue(range(round_ * per_round, (round_ + 1) * per_round))
        if round_ in KILL_AT:
            time.sleep(0.3)  # traffic in flight
            killed = time.monotonic()
            active.kill()
            standby.wait_log(r"server\.active", timeout=20, since_run=True)
            takeovers.append(time.monotonic() - killed)
            active.start(ready=r"server\.standby")  # back, as the standby
            active, standby = standby, active

    two_servers.check_all_delivered(EACH_WAY)
    print(f"takeovers after SIGKILL: {', '.join(f'{t:.2f} s' for t in takeovers)}")
    assert len(takeovers) == 3 and max(takeovers) < 5.0, takeovers
    status = json.loads(run_cli("status", "--json", "--home", str(two_servers.homes["a"])).stdout)
    assert status["servers"]["active"]["server"] == f"ankara-{'a' if active is two_servers.servers['a'] else 'b'}"
    assert status["servers"]["active"]["live"] is True and status["serve"]["running"] is True
    assert status["servers"]["database"]["engine"] == "postgresql"
    assert status["peers"][0]["link"] == "UP"
    two_servers.stop_and_verify()


def test_a_paused_active_server_is_fenced_off_and_stands_by_when_it_wakes(two_servers: TwoServers) -> None:
    a, b = two_servers.servers["a"], two_servers.servers["b"]
    two_servers.queue(range(0, 100))
    assert a.process is not None
    os.kill(a.process.pid, signal.SIGSTOP)  # frozen, its connections open: it cannot renew its lease
    try:
        b.wait_log(r"server\.active", timeout=20, since_run=True)
        two_servers.queue(range(100, 200))
        time.sleep(1.0)
    finally:
        os.kill(a.process.pid, signal.SIGCONT)
    a.wait_log(r"server\.lost .*another server took over", timeout=20, since_run=True)
    a.wait_log(r"server\.standby server=ankara-a active=ankara-b", timeout=20, since_run=True)
    two_servers.queue(range(200, 300))
    two_servers.check_all_delivered(300)
    two_servers.stop_and_verify()


def _check_standby_console(standby: StationProcess, active: StationProcess) -> None:
    """A standby's console sends operators to the active server's, and its API says it stands by."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect())
    try:
        opener.open(f"http://127.0.0.1:{standby.console_port}/watch")
        raise AssertionError("the standby's console answered instead of redirecting")
    except urllib.error.HTTPError as exc:
        assert exc.code == 307
        assert exc.headers["Location"] == f"http://127.0.0.1:{active.console_port}/watch"
        exc.close()
    try:
        opener.open(f"http://127.0.0.1:{standby.console_port}/api/v1/messages")
        raise AssertionError("the standby's API answered")
    except urllib.error.HTTPError as exc:
        assert exc.code == 503 and json.loads(exc.read())["error"] == "standby"
        exc.close()


def _reset(sock: socket.socket) -> None:
    """Abort with a TCP RST (``shutdown(SHUT_RD)`` wakes a thread blocked in ``recv`` on it, which
    would otherwise keep the socket open past ``close``)."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RD)
    sock.close()


def _sessions(url: str) -> list[tuple[object, ...]]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(
            "SELECT a.pid, a.application_name, a.state, a.wait_event_type, a.wait_event, left(a.query, 60),"
            " (SELECT string_agg(l.locktype || ':' || l.mode || ':' || l.granted, ',') FROM pg_locks l"
            "  WHERE l.pid = a.pid AND l.locktype = 'advisory')"
            " FROM pg_stat_activity a WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()"
        ).fetchall()


class Cable:
    """A TCP path from one server to the database that can be cut: while cut, every byte in
    either direction is held back and new connections get no answer, as when a cable is cut;
    restored, the connections that were open are reset (their peers had long given up)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.open = threading.Event()
        self.open.set()
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.open.wait()
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self.open.wait()
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_RDWR)
            source.close()  # the other direction closes the other socket

    def cut(self) -> None:
        self.open.clear()

    def restore(self) -> None:
        with self.lock:
            held, self.sockets = self.sockets, []
        for s in held:
            _reset(s)
        self.open.set()

    def close(self) -> None:
        self.restore()
        self.listener.close()


def test_a_server_cut_off_from_the_database_is_replaced_and_stands_by_once_back(
    two_servers: TwoServers, postgres_url: str
) -> None:
    a, b = two_servers.servers["a"], two_servers.servers["b"]
    a.stop()  # a again, reaching the database through a cable that can be cut
    host, port = re.match(r"postgresql://[^@]+@([\d.]+):(\d+)/", postgres_url).groups()  # type: ignore[union-attr]
    cable = Cable((host, int(port)))
    two_servers.via = "b"
    try:
        _set(two_servers.homes["a"] / "station.toml", store=postgres_url.replace(f":{port}/", f":{cable.port}/"))
        a.start(ready=r"server\.standby")
        b.stop()  # hands over to a at once
        a.wait_log(r"server\.active", timeout=20, since_run=True)
        b.start(ready=r"server\.standby")
        two_servers.queue(range(0, 100))
        cut = time.monotonic()
        cable.cut()
        try:
            b.wait_log(r"server\.active", timeout=20, since_run=True)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the database's sessions: {_sessions(postgres_url)}") from None
        takeover = time.monotonic() - cut
        two_servers.queue(range(100, 200))
        time.sleep(2.0)
        cable.restore()
        a.wait_log(r"server\.lost server=ankara-a", timeout=30, since_run=True)
        a.wait_log(r"server\.standby server=ankara-a active=ankara-b", timeout=30, since_run=True)
        two_servers.queue(range(200, 300))
        two_servers.check_all_delivered(300)
        print(f"takeover after the cut: {takeover:.2f} s")
        assert takeover < 5.0
        status = json.loads(run_cli("status", "--json", "--home", str(two_servers.homes["b"])).stdout)
        assert status["servers"]["active"]["server"] == "ankara-b", "a does not take the line back"
        two_servers.stop_and_verify()
    finally:
        cable.close()
