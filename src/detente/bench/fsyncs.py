"""Counting a process's fsync and fdatasync calls with ``strace -f -c`` over a short run:
measured, rather than taken from a program's documentation."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path
from types import TracebackType

from .tools import find_program

__all__ = ["FsyncCounter", "parse_strace_summary", "strace_prefix"]

_SYSCALLS = "trace=fsync,fdatasync"


def parse_strace_summary(text: str) -> int:
    """The number of fsync plus fdatasync calls in the summary table ``strace -c`` writes."""
    calls = 0
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 5 and parts[-1] in ("fsync", "fdatasync") and parts[3].isdigit():
            calls += int(parts[3])
    return calls


def strace_prefix(output: Path) -> tuple[str, ...]:
    """The command prefix that runs a program under strace, counting into ``output`` (with a
    seccomp filter, so that the program stops only at the calls counted)."""
    strace = find_program("strace")
    if strace is None:
        raise FileNotFoundError("strace is not installed")
    return (strace, "-f", "--seccomp-bpf", "-c", "-e", _SYSCALLS, "-o", str(output))


class FsyncCounter:
    """Attach strace to running processes for the duration of a ``with`` block;
    ``counts`` then holds each process's fsync and fdatasync calls during the block."""

    def __init__(self, pids: dict[str, int], folder: Path) -> None:
        self.pids = pids
        self.folder = folder
        self.counts: dict[str, int] = {}
        self._tracers: dict[str, tuple[subprocess.Popen[str], Path]] = {}

    def __enter__(self) -> FsyncCounter:
        strace = find_program("strace")
        if strace is None:
            raise FileNotFoundError("strace is not installed")
        for name, pid in self.pids.items():
            output = self.folder / f"strace-{name}.txt"
            tracer = subprocess.Popen(
                [strace, "-f", "-c", "-e", _SYSCALLS, "-o", str(output), "-p", str(pid)],
                stderr=subprocess.PIPE,
                text=True,
            )
            assert tracer.stderr is not None
            line = tracer.stderr.readline()  # "strace: Process N attached", once it is attached
            if "attached" not in line:
                tracer.wait(10)
                raise RuntimeError(f"strace could not attach to {name} (pid {pid}): {line.strip()}")
            self._tracers[name] = (tracer, output)
        time.sleep(0.2)  # -f attaches the other threads just after the first
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        for tracer, _ in self._tracers.values():
            tracer.send_signal(signal.SIGINT)
        for name, (tracer, output) in self._tracers.items():
            try:
                tracer.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                tracer.kill()
                tracer.communicate()
            text = output.read_text(encoding="utf-8", errors="replace") if output.exists() else ""
            self.counts[name] = parse_strace_summary(text)
