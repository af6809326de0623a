"""Telling supervisors: through Apprise (e-mail over SMTP, SMS gateways, chat), blocking I/O
that the station runs in a worker thread."""

from __future__ import annotations

import apprise

__all__ = ["NotificationFailed", "notify"]


class NotificationFailed(Exception):
    """No configured channel accepted the notification."""


def notify(urls: tuple[str, ...], title: str, body: str) -> int:
    """Send to every channel; returns how many URLs were usable. Raises NotificationFailed
    when none accepted the notification."""
    client = apprise.Apprise()
    usable = sum(1 for url in urls if client.add(url))
    if not usable:
        raise NotificationFailed(f"none of the {len(urls)} notification URL(s) could be used")
    if not client.notify(title=title, body=body):
        raise NotificationFailed(f"the notification was not accepted by its {usable} channel(s)")
    return usable
