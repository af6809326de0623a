"""systemd: `detente serve` against a notify socket the test binds (READY=1 once the store is open
and the listener bound, WATCHDOG=1 from the event loop, none while the loop is stopped, STOPPING=1
on the way out); and the unit files in examples/systemd checked by `systemd-analyze verify`."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import StationFactory

UNITS = Path(__file__).resolve().parents[2] / "examples" / "systemd"


def _datagrams(sock: socket.socket, seconds: float) -> list[str]:
    got: list[str] = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            got.append(sock.recv(4096).decode())
        except TimeoutError:
            break
    return got


@pytest.mark.slow
def test_serve_says_ready_once_listening_and_feeds_the_watchdog_from_its_loop(
    make_station: StationFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    station = make_station("Ankara Operations Centre", "TR", "tr")
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        monkeypatch.setenv("NOTIFY_SOCKET", str(path))
        monkeypatch.setenv("WATCHDOG_USEC", "400000")  # WatchdogSec=0.4: fed every 0.2 s
        station.start()
        first = _datagrams(sock, 1.0)
        told = [message for message in first if message != "WATCHDOG=1"]
        assert told[:2] == ["READY=1", "STATUS=active: serving the line"], first
        with socket.create_connection(("127.0.0.1", station.port), timeout=5):
            pass  # the link's listener was bound when READY=1 came
        assert first.count("WATCHDOG=1") >= 2
        assert station.process is not None
        os.kill(station.process.pid, signal.SIGSTOP)  # a stuck loop
        try:
            _datagrams(sock, 0.1)  # what was sent before it stopped
            assert _datagrams(sock, 1.0) == [], "a stopped loop feeds no watchdog"
        finally:
            os.kill(station.process.pid, signal.SIGCONT)
        assert "WATCHDOG=1" in _datagrams(sock, 1.0), "fed again once the loop runs"
        assert station.stop() == 0
        assert "STOPPING=1" in _datagrams(sock, 1.0)


def test_the_unit_files_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian package systemd)")
    detente = Path(sys.executable).with_name("detente")
    names = ["detente.service", "detente-relay.service", "detente-backup.service", "detente-backup.timer"]
    for name in names:  # the binaries where this machine has them: verify checks that they exist
        text = (UNITS / name).read_text(encoding="utf-8")
        text = text.replace("/opt/detente/bin/detente", str(detente)).replace("/usr/bin/sqlite3", "/bin/true")
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = subprocess.run(
        [analyze, "verify", "--man=no", *(f"./{name}" for name in names)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    ours = [line for line in result.stderr.splitlines() if any(name in line for name in names)]
    assert result.returncode == 0 and ours == [], result.stderr
    station = (UNITS / "detente.service").read_text(encoding="utf-8")
    for directive in (
        "Type=notify",
        "WatchdogSec=",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "User=detente",
        "ReadWritePaths=/var/lib/detente",
        "CapabilityBoundingSet=\n",
    ):
        assert directive in station, directive
    assert "OnCalendar=" in (UNITS / "detente-backup.timer").read_text(encoding="utf-8")
