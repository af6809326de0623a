"""A real SMTP server on 127.0.0.1 (aiosmtpd) and what it received, for the supervisors' e-mail."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

__all__ = ["Mailbox", "plain_text"]


@dataclass
class Mailbox:
    port: int
    received: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        return "250 Message accepted for delivery"

    def url(self, to: str) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=station@detente.invalid&to={to}&secure=no"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if m["To"] == address]


def plain_text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())
