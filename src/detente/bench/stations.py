"""Two real stations for the bench: folders made by ``detente init``, pinned to each other, and
their ``detente serve`` processes on loopback, started, stopped, killed, frozen and thawed."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import StationError
from ..home import Home
from ..peers import peer_by_party
from ..store import Store

__all__ = ["BenchStation", "free_port", "make_pair", "run_detente"]

_CLI = [sys.executable, "-m", "detente"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_detente(*args: str) -> str:
    """Run a ``detente`` command in a process of its own; its standard output."""
    result = subprocess.run([*_CLI, *args], capture_output=True, text=True, encoding="utf-8", timeout=120)
    if result.returncode != 0:
        raise StationError(f"bench: `detente {' '.join(args)}` exited {result.returncode}: {result.stderr.strip()}")
    return result.stdout


@dataclass
class BenchStation:
    """One station folder and, while it runs, its ``detente serve`` process."""

    home: Path
    party: str
    port: int
    process: subprocess.Popen[bytes] | None = None
    log_path: Path = field(init=False)
    peer_id: str = ""
    runs: int = 0

    def __post_init__(self) -> None:
        self.log_path = self.home.parent / f"{self.home.name}.log"

    @property
    def pid(self) -> int:
        if self.process is None:
            raise StationError(f"bench: station {self.party} is not running")
        return self.process.pid

    def start(self, prefix: tuple[str, ...] = (), timeout: float = 60.0) -> float:
        """Start ``detente serve`` (under ``prefix``, e.g. strace); seconds until it listens."""
        if self.process is not None and self.process.poll() is None:
            raise StationError(f"bench: station {self.party} is already running")
        self.runs += 1
        marker = f"--- run {self.runs}\n"
        with open(self.log_path, "ab") as log:
            log.write(marker.encode())
            log.flush()
            started = time.monotonic()
            self.process = subprocess.Popen(
                [*prefix, *_CLI, "serve", "--home", str(self.home)],
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        while "station.listening" not in self.log_text(since_run=True):
            if self.process.poll() is not None:
                raise StationError(f"bench: `detente serve` for {self.party} exited: {self.log_text()[-2000:]}")
            if time.monotonic() - started > timeout:
                raise StationError(f"bench: `detente serve` for {self.party} did not listen within {timeout} s")
            time.sleep(0.01)
        return time.monotonic() - started

    def log_text(self, since_run: bool = False) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""
        return text.rsplit(f"--- run {self.runs}\n", 1)[-1] if since_run else text

    def stop(self) -> None:
        """SIGTERM and wait: the orderly shutdown (SIGKILL if it takes longer than 20 s)."""
        if self.process is None or self.process.poll() is not None:
            return
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL: the crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(20)

    def freeze(self) -> None:
        """SIGSTOP: the process stops answering, and its sockets stay open (a blackholed path)."""
        os.kill(self.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.pid, signal.SIGCONT)

    def open_store(self) -> Store:
        return Home(self.home).open_store()


def make_pair(folder: Path) -> tuple[BenchStation, BenchStation]:
    """Two stations in ``folder`` (Ankara, TR, sends; Damascus, SY, receives), pinned to each
    other with their fingerprints, consoles on free ports; not started."""
    stations = []
    for name, party, lang in (("Ankara Operations Centre", "TR", "tr"), ("Damascus Operations Centre", "SY", "ar")):
        port = free_port()
        home = folder / party.lower()
        run_detente(
            "init",
            "--home",
            str(home),
            "--name",
            f"{name} (bench)",
            "--party",
            party,
            "--listen",
            f"127.0.0.1:{port}",
            "--console",
            f"127.0.0.1:{free_port()}",
            "--lang",
            lang,
        )
        stations.append(BenchStation(home, party, port))
    first, second = stations
    for station, other in ((first, second), (second, first)):
        card = json.loads(run_detente("card", "--home", str(other.home)))
        card_path = folder / f"{other.party.lower()}.card.json"
        card_path.write_text(json.dumps(card), encoding="utf-8")
        run_detente("peer", "add", "--home", str(station.home), str(card_path), "--fingerprint", card["fingerprint"])
    for station, other in ((first, second), (second, first)):
        store = station.open_store()
        try:
            station.peer_id = peer_by_party(store, other.party).station_id
        finally:
            store.close()
    return first, second
