"""Telling supervisors: through Apprise (e-mail over SMTP, SMS gateways, chat), blocking I/O
that the station runs in a worker thread. Each channel is tried on its own, so that the record
says which one delivered and which failed, and why."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import apprise

__all__ = ["ChannelOutcome", "NotificationFailed", "describe_channel", "notify", "notify_each"]


class NotificationFailed(Exception):
    """No configured channel accepted the notification."""


@dataclass(frozen=True)
class ChannelOutcome:
    """What one channel did with a notification."""

    channel: str
    """The channel's kind: the URL's scheme (``mailto``, ``mailtos``, ``tgram``…)."""
    recipient: str
    """To whom, as the URL names it, never with a password."""
    delivered: bool
    reason: str
    """Why it failed ("" when delivered)."""


def describe_channel(url: str) -> tuple[str, str]:
    """(kind, recipient) of an Apprise URL, without its credentials: ``mailto://…?to=duty@x`` →
    ``("mailto", "duty@x")``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "?", "?"
    to = parse_qs(parts.query).get("to")
    if to:
        return parts.scheme, ", ".join(to)
    host = parts.hostname or ""
    user = parts.username
    if parts.scheme.startswith("mailto") and user:
        return parts.scheme, f"{user}@{host}"
    path = parts.path.strip("/")
    return parts.scheme, f"{host}/{path}" if path else host


def notify_each(urls: tuple[str, ...], title: str, body: str) -> list[ChannelOutcome]:
    """Send to every channel, one at a time; what each did."""
    outcomes = []
    for url in urls:
        kind, recipient = describe_channel(url)
        client = apprise.Apprise()
        if not client.add(url):
            outcomes.append(ChannelOutcome(kind, recipient, False, "the notification URL cannot be used"))
            continue
        capture = apprise.LogCapture(level=logging.WARNING, fmt="%(message)s")  # type: ignore[no-untyped-call]
        with capture as captured:
            try:
                delivered = bool(client.notify(title=title, body=body))
            except Exception as exc:  # a channel's bug must not stop the others
                delivered, captured_error = False, f"{type(exc).__name__}: {exc}"
            else:
                captured_error = ""
            log_text = captured.getvalue() if hasattr(captured, "getvalue") else ""
        reason = "" if delivered else (captured_error or _last_line(log_text) or "the channel did not accept it")
        outcomes.append(ChannelOutcome(kind, recipient, delivered, reason))
    return outcomes


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def notify(urls: tuple[str, ...], title: str, body: str) -> int:
    """Send to every channel; returns how many delivered. Raises NotificationFailed when none did."""
    outcomes = notify_each(urls, title, body)
    delivered = sum(1 for o in outcomes if o.delivered)
    if not delivered:
        reasons = "; ".join(f"{o.channel} to {o.recipient}: {o.reason}" for o in outcomes) or "no channel"
        raise NotificationFailed(f"none of the {len(urls)} channel(s) accepted the notification ({reasons})")
    return delivered
