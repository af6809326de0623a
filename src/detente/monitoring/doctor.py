"""`detente doctor`: is this installation and station fit to serve? Each problem found is one
line in the operators' language, saying what is wrong and what to do."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import socket
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..config import parse_address
from ..errors import DetenteError
from ..home import Home
from ..peers import peer_card

__all__ = ["Finding", "N_", "clock_sync", "examine"]


def N_(message: str) -> str:
    return message


@dataclass(frozen=True)
class Finding:
    """One problem: a catalogue message (English id) and the values of its placeholders."""

    check: str
    message: str
    values: dict[str, str] = field(default_factory=dict)


def examine(home: Home) -> tuple[list[Finding], dict[str, str]]:
    """The problems of the station in ``home`` and facts worth showing (the clock's sync status)."""
    found: list[Finding] = []
    config = home.config
    secrets = [home.config_path, *sorted(p for p in home.keys_dir.glob("*") if p.is_file())]
    if config.metrics.token_file:
        secrets.append(home.path / config.metrics.token_file)
    for path in secrets:
        with contextlib.suppress(OSError):
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                found.append(
                    Finding(
                        "permissions",
                        N_("{path} can be read by others (mode {mode}): run chmod 600 {path}"),
                        {"path": str(path), "mode": f"{mode:04o}"},
                    )
                )
    sync = clock_sync()
    if sync == "no":
        found.append(Finding("clock", N_("the clock is not synchronised: enable NTP (timedatectl set-ntp true)")))
    serving = _serve_running(home)
    addresses = list(config.listen) + [a for a in (config.console, config.metrics.listen) if a]
    for address in addresses if not serving else []:
        host, port = parse_address(address, "address")
        try:
            with socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET):
                pass
        except OSError:
            found.append(
                Finding(
                    "ports",
                    N_("{address} is held by another program: stop it or change station.toml"),
                    {"address": address},
                )
            )
    try:
        store = home.open_store()
    except DetenteError as exc:
        found.append(
            Finding(
                "store", N_("the database cannot be opened ({error}): restore it from a backup"), {"error": str(exc)}
            )
        )
    else:
        try:
            peers = store.peers()
            if not peers:
                found.append(Finding("peers", N_("no peer is pinned: add one with detente peer add")))
            for record in peers:
                try:
                    peer_card(record)
                except DetenteError as exc:
                    found.append(
                        Finding(
                            "peers",
                            N_("the card of {party} is not valid ({error}): pin it again"),
                            {"party": record.party, "error": str(exc)},
                        )
                    )
        finally:
            store.close()
    if not config.watch.notify:
        found.append(Finding("notify", N_("no supervisor is told when nobody answers: set [watch] notify")))
    return found, {
        "python": sys.version.split()[0],  # the package itself requires 3.11 or newer
        "clock_sync": sync,
        "serve": "running" if serving else "not running",
    }


def clock_sync() -> str:
    """``yes`` or ``no`` as timedatectl or chronyc report it, ``unknown`` when neither can say."""
    if shutil.which("timedatectl"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                ["timedatectl", "show", "-p", "NTPSynchronized", "--value"], capture_output=True, text=True, timeout=5
            )
            if out.returncode == 0 and out.stdout.strip() in ("yes", "no"):
                return out.stdout.strip()
    if shutil.which("chronyc"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(["chronyc", "tracking"], capture_output=True, text=True, timeout=5)
            if out.returncode == 0:
                return "no" if "Not synchronised" in out.stdout else "yes"
    return "unknown"


def _serve_running(home: Home) -> bool:
    path: Path = home.lock_path
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False
