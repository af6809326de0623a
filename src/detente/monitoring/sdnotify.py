"""systemd's notification protocol, in pure Python: ``READY=1`` once the station is serving,
``WATCHDOG=1`` from the event loop, ``STOPPING=1`` on the way out.

A datagram to the socket named by ``$NOTIFY_SOCKET`` (a path, or ``@name`` for the abstract
namespace); without that variable (not run by systemd with ``Type=notify``) nothing is sent.
The watchdog is fed from a task of the station's own loop, so a loop that is stuck stops
feeding it and systemd restarts the service (``WatchdogSec=``).
"""

from __future__ import annotations

import asyncio
import os
import socket

__all__ = ["feed_watchdog", "notify", "watchdog_interval"]


def notify(message: str) -> bool:
    """Send ``message`` (e.g. ``READY=1``) to systemd; False when not under systemd or it failed."""
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address or address[0] not in "/@":
        return False
    target = "\0" + address[1:] if address.startswith("@") else address
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto(message.encode("utf-8"), target)
    except OSError:
        return False
    return True


def watchdog_interval() -> float | None:
    """Seconds between two watchdog notifications (half of ``WatchdogSec=``), or None when
    systemd asked for none (or asked another process, per ``$WATCHDOG_PID``)."""
    pid = os.environ.get("WATCHDOG_PID", "")
    if pid and pid != str(os.getpid()):
        return None
    try:
        usec = int(os.environ.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    return usec / 2e6 if usec > 0 else None


async def feed_watchdog(interval: float) -> None:
    """Send ``WATCHDOG=1`` every ``interval`` seconds for as long as this loop runs."""
    while True:
        notify("WATCHDOG=1")
        await asyncio.sleep(interval)
