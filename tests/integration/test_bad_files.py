"""Bad files a station is handed: an oversized courier file, a damaged or a locked database.

Every command then says, in one line on standard error, what is wrong and what to do, and exits
with status 1: never a Python traceback, and never a 300 MB file read into memory.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from detente.home import Home
from detente.protocol.envelope import GENESIS_HASH
from detente.protocol.frames import EnvelopeFrame, ReceiptFrame

from .conftest import StationFactory
from .intruder import Intruder
from .stations import CLI, StationProcess

pytestmark = pytest.mark.slow

MIB = 1 << 20


def _one_line_refusal(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    """The command failed with status 1 and one line on stderr holding every ``expected``."""
    assert result.returncode == 1, (result.returncode, result.stdout[-2000:], result.stderr[-4000:])
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("detente: "), lines[0]
    for part in expected:
        assert part in lines[0], lines[0]
    return lines[0]


def test_a_300_mb_courier_file_is_refused_on_its_size_without_reading_it(
    make_station: StationFactory, tmp_path: Path
) -> None:
    tr = make_station()
    padded = tmp_path / "padded.courier"
    with open(padded, "wb") as file:
        file.truncate(300 * MIB)  # sparse: takes no disk space
    # The command runs in a process of its own that reports its peak memory: VmHWM, the high-water
    # mark of its own address space (KiB). Not ru_maxrss: Linux carries the parent's peak across
    # exec into it, and this test's parent is the whole test run.
    probe = (
        "import re, sys\n"
        "from detente.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "status = open('/proc/self/status').read()\n"
        "print('maxrss', re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1), file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, "courier", "import", "--home", str(tr.home), str(padded)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    *message, peak = result.stderr.strip().splitlines()
    assert peak.startswith("maxrss ")
    peak_mib = int(peak.split()[1]) / 1024
    assert peak_mib < 150, f"courier import peaked at {peak_mib:.0f} MiB for a 300 MiB file"
    _one_line_refusal(
        subprocess.CompletedProcess(result.args, result.returncode, result.stdout, "\n".join(message)),
        f"courier file {padded} is 314,572,800 bytes, over the limit of 67,108,864 bytes",
        "courier.max_file_bytes",
        "nothing was read or imported",
    )
    assert tr.messages("inbox") == []


def test_the_limit_is_a_setting(make_station: StationFactory, tmp_path: Path) -> None:
    tr = make_station()
    config = tr.home / "station.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("max_file_bytes = 67108864", "max_file_bytes = 65536"), encoding="utf-8")
    small = tmp_path / "small.courier"
    small.write_bytes(b"{" + b" " * 70_000 + b"}")
    _one_line_refusal(
        tr.cli("courier", "import", str(small), check=False), "is 70,002 bytes, over the limit of 65,536 bytes"
    )


# --- a damaged or locked database --------------------------------------------------------------

MARKER = "a message whose stored bytes will be damaged"


@pytest.fixture
def received(pair: tuple[StationProcess, StationProcess]) -> tuple[StationProcess, str]:
    """TR, stopped, with one message from SY in its inbox (delivered by SY's keys) and one of its
    own queued for SY."""
    tr, sy = pair
    tr.start()
    intruder = Intruder.impersonating(sy, target=tr)
    envelope = intruder.envelope(seq=1, prev=GENESIS_HASH, text=MARKER)
    with intruder.connect() as wire:
        wire.send(intruder.hello())
        wire.send(EnvelopeFrame(envelope))
        wire.expect(ReceiptFrame)
    assert tr.stop() == 0
    tr.send("queued here, never sent", "SY")
    return tr, envelope.id


def _damage_bytes(home: Path, marker: str) -> None:
    """Change one byte inside the stored envelope that holds ``marker`` (wherever SQLite keeps it
    now: the database file or its write-ahead log)."""
    found = False
    for path in sorted(home.glob("detente.db*")):
        data = bytearray(path.read_bytes())
        at = data.find(marker.encode())
        while at >= 0:
            data[at + 2] = 0xFF  # no longer UTF-8, no longer the signed bytes
            found = True
            at = data.find(marker.encode(), at + 1)
        path.write_bytes(bytes(data))
    assert found, "the marker is not in the database files"


def test_every_command_on_a_damaged_message_names_the_damaged_entry(received: tuple[StationProcess, str]) -> None:
    tr, message_id = received
    _damage_bytes(tr.home, MARKER)
    reason = _one_line_refusal(
        tr.cli("ledger", "verify", check=False), "the ledger of the line with SY is damaged: ", "restore the database"
    )
    for command in (
        ["inbox"],
        ["inbox", "--json"],
        ["render", message_id],
        ["cap", "export", message_id],
    ):
        result = tr.cli(*command, check=False)
        assert _one_line_refusal(result) == reason, command
    # What is not damaged still works.
    assert "SY" in tr.cli("peer", "list").stdout
    assert "queued here, never sent" in tr.cli("outbox").stdout


def test_every_command_on_a_database_damaged_below_its_pages_says_so(received: tuple[StationProcess, str]) -> None:
    tr, _message_id = received
    database = Home(tr.home).database_path
    for leftover in tr.home.glob("detente.db-*"):
        leftover.unlink()
    size = database.stat().st_size
    with open(database, "r+b") as file:
        for offset in range(2 * 4096, size, 4096):
            file.seek(offset + 8)
            file.write(os.urandom(600))
    for command in (["inbox"], ["outbox"], ["status"], ["peer", "list"], ["ledger", "verify"], ["render", "x"]):
        _one_line_refusal(
            tr.cli(*command, check=False),
            f"station database {database} is damaged",
            "restore the database from a backup",
        )


def test_a_locked_database_gives_the_reason_and_status_1(received: tuple[StationProcess, str]) -> None:
    tr, _message_id = received
    database = Home(tr.home).database_path
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "db.execute('PRAGMA locking_mode = EXCLUSIVE')\n"
            "db.execute('BEGIN EXCLUSIVE')\n"
            "print('locked', flush=True)\n"
            "time.sleep(120)\n",
            str(database),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        for command in (["inbox"], ["status"]):
            started = time.monotonic()
            result = subprocess.run(
                [*CLI, *command, "--home", str(tr.home)], capture_output=True, text=True, timeout=60
            )
            _one_line_refusal(result, f"station database {database} is busy (database is locked)", "retry")
            assert time.monotonic() - started < 30
    finally:
        holder.kill()
        holder.wait(10)
        if holder.stdout is not None:
            holder.stdout.close()
    with sqlite3.connect(database) as db:  # released: the database is as it was
        assert db.execute("PRAGMA quick_check").fetchone() == ("ok",)
    assert len(tr.messages("inbox")) == 1
