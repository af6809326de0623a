"""Facts about the machine the bench ran on, printed at the top of its table."""

from __future__ import annotations

import datetime
import os
import platform
import sys
from pathlib import Path
from typing import Any

__all__ = ["cpu_seconds", "machine_facts", "peak_rss_mb", "rss_mb"]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _filesystem(folder: Path) -> str:
    """The device and type of the filesystem that holds ``folder`` (from /proc/self/mounts)."""
    best, found = "", "unknown"
    target = str(folder.resolve())
    try:
        lines = Path("/proc/self/mounts").read_text(encoding="utf-8").splitlines()
    except OSError:
        return found
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount = parts[1]
        inside = target == mount or target.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) >= len(best):
            best, found = mount, f"{parts[2]} on {parts[0]} (mounted at {mount})"
    return found


def machine_facts(folder: Path) -> dict[str, Any]:
    """CPU model, cores, memory, Python, OS, the filesystem of ``folder``, the load average (other
    work on the machine skews every figure) and the date (UTC)."""
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count() or 0,
        "memory": memory,
        "python": sys.version.split()[0],
        "os": f"{platform.system()} {platform.release()}",
        "disk": _filesystem(folder),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _status_kb(pid: int, field: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
            if line.startswith(field + ":"):
                return float(line.split()[1])
    except OSError:
        pass
    return 0.0


def peak_rss_mb(pid: int) -> float:
    """The peak resident memory of a running process so far (VmHWM), in MB; 0 if it is gone."""
    return _status_kb(pid, "VmHWM") / 1024


def rss_mb(pid: int) -> float:
    """The resident memory of a running process now (VmRSS), in MB; 0 if it is gone."""
    return _status_kb(pid, "VmRSS") / 1024


def cpu_seconds(pid: int) -> float:
    """CPU time a running process has used so far (user and system), in seconds; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
