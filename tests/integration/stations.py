"""Real stations for integration tests: each a folder made by `detente init` and, when started,
a real `detente serve` process listening on loopback."""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CLI = [sys.executable, "-m", "detente"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_cli(
    *args: str, check: bool = True, input: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*CLI, *args], capture_output=True, text=True, encoding="utf-8", input=input, timeout=timeout
    )
    if check and result.returncode != 0:
        raise AssertionError(f"detente {' '.join(args)} exited {result.returncode}: {result.stderr}")
    return result


def open_files_limit(limit: int | None) -> Callable[[], None] | None:
    """A ``preexec_fn`` that gives the child process ``limit`` open files, soft and hard (so that
    raising the soft limit to the hard one changes nothing); None for no limit of its own."""
    if limit is None:
        return None

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    return apply


def wait_until(predicate: Any, timeout: float = 30.0, interval: float = 0.05, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def init_station(
    home: Path, name: str, party: str, lang: str, *, console: bool = True, roster: bool = False
) -> StationProcess:
    """`detente init` a station listening on a free loopback port (its console on another, or
    none), and return it, not started. Unless ``roster``, it does not report who is on watch
    (``[watch] report_on_watch``): those reports are messages of their own on the line, which the
    tests that count messages would count (the roster is tested in tests/watch and tests/web)."""
    port = free_port()
    console_port = free_port() if console else None
    run_cli(
        "init",
        "--home",
        str(home),
        "--name",
        name,
        "--party",
        party,
        "--listen",
        f"127.0.0.1:{port}",
        "--console",
        f"127.0.0.1:{console_port}" if console_port else "off",
        "--lang",
        lang,
    )
    if not roster:
        config = home / "station.toml"
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace("report_on_watch = true", "report_on_watch = false", 1), encoding="utf-8")
    return StationProcess(home, name, party, port, console_port=console_port)


@dataclass
class StationProcess:
    """One station folder and, while it runs, its `detente serve` process."""

    home: Path
    name: str
    party: str
    port: int
    process: subprocess.Popen[bytes] | None = None
    console_port: int | None = None
    log_path: Path = field(init=False)
    runs: int = 0
    open_files: int | None = None
    """The open-files limit of its `serve` (see ``open_files_limit``); None: the test's own."""

    def __post_init__(self) -> None:
        self.log_path = self.home.parent / f"{self.home.name}.log"

    def cli(self, *args: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return run_cli(*args, "--home", str(self.home), check=check, input=input)

    def card(self) -> dict[str, Any]:
        return json.loads(self.cli("card").stdout)

    @property
    def station_id(self) -> str:
        return str(self.card()["station_id"])

    def pin(self, other: StationProcess) -> None:
        card_file = self.home.parent / f"{other.home.name}.card.json"
        card = other.card()
        card_file.write_text(json.dumps(card))
        self.cli("peer", "add", str(card_file), "--fingerprint", card["fingerprint"])

    def start(self, *extra: str, ready: str = r"station\.listening") -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        self.runs += 1
        log = open(self.log_path, "ab")
        log.write(f"--- run {self.runs}\n".encode())
        log.flush()
        self.process = subprocess.Popen(
            [*CLI, "serve", "--home", str(self.home), *extra],
            stdout=log,
            stderr=log,
            start_new_session=True,
            preexec_fn=open_files_limit(self.open_files),
        )
        log.close()
        self.wait_log(ready, since_run=True)

    def stop(self, timeout: float = 15) -> int:
        """SIGTERM and wait: the orderly shutdown."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self) -> None:
        """SIGKILL: the crash."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(15)

    def log(self, since_run: bool = False) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""
        if since_run:
            text = text.rsplit(f"--- run {self.runs}\n", 1)[-1]
        return text

    def wait_log(self, pattern: str, timeout: float = 30.0, since_run: bool = False) -> re.Match[str]:
        regex = re.compile(pattern)

        def found() -> re.Match[str] | None:
            if self.process is not None and self.process.poll() is not None and not regex.search(self.log(since_run)):
                raise AssertionError(f"{self.name} exited {self.process.returncode}:\n{self.log()[-3000:]}")
            return regex.search(self.log(since_run))

        return wait_until(found, timeout, what=f"{pattern!r} in the log of {self.name}")

    def messages(self, box: str) -> list[dict[str, Any]]:
        out = self.cli(box, "--json").stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def send(self, text: str, to: str, precedence: str = "routine") -> str:
        return self.cli("send", "--to", to, "--text", text, "--precedence", precedence).stdout.strip()

    def status(self) -> dict[str, Any]:
        return json.loads(self.cli("status", "--json").stdout)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(15)
