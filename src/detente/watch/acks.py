"""A person acknowledges a message: a signed envelope of kind ``acknowledgement`` goes back.

Its body names the message (id and envelope hash), the operator, their role and the time,
with an optional short note and, when it comes after the deadline, by how much.
"""

from __future__ import annotations

from ..errors import StationError
from ..home import Home
from ..operators import ACKNOWLEDGING_ROLES
from ..outbox import queue_message
from ..protocol.envelope import Envelope, Precedence
from ..protocol.timestamps import format_time, parse_time
from ..store import Store
from .deadlines import ACKNOWLEDGEMENT, deadline_seconds

__all__ = ["MAX_NOTE", "AcknowledgementRefused", "acknowledge"]

MAX_NOTE = 500


class AcknowledgementRefused(StationError):
    """The acknowledgement cannot be given as asked; the message says why."""


def acknowledge(home: Home, store: Store, *, message_id: str, operator: str, note: str | None, now: float) -> Envelope:
    account = store.operator(operator)
    if account is None:
        raise AcknowledgementRefused(
            f"no operator named {operator!r} at this station; create one with `detente operator add`"
        )
    if account.disabled_at is not None:
        raise AcknowledgementRefused(f"operator {operator!r} was disabled at {account.disabled_at}")
    if account.role not in ACKNOWLEDGING_ROLES:
        raise AcknowledgementRefused(
            f"operator {operator!r} has the role {account.role}; only operators and supervisors acknowledge messages"
        )
    if note is not None and len(note) > MAX_NOTE:
        raise AcknowledgementRefused(f"the note is {len(note)} characters; at most {MAX_NOTE}")
    record = store.message(message_id)
    if record is None:
        raise AcknowledgementRefused(f"no message {message_id} at this station")
    if record.direction != "in":
        raise AcknowledgementRefused(
            f"message {message_id} was sent by this station; only the receiving station acknowledges it"
        )
    due = deadline_seconds(home.config, record.kind, record.precedence, record.peer_party)
    if due is None:
        raise AcknowledgementRefused(f"message {message_id} is itself an acknowledgement; it needs none")
    late_by = now - (parse_time(record.stored_at) + due)
    body: dict[str, object] = {
        "acknowledges": record.id,
        "envelope": record.envelope_hash,
        "operator": account.name,
        "role": account.role,
        "at": format_time(now),
    }
    if note:
        body["note"] = note
    if late_by > 0:
        body["late_by_s"] = round(late_by, 3)

    def still_open() -> None:
        again = store.message(message_id)
        if again is not None and again.acked_at is not None:
            raise AcknowledgementRefused(
                f"message {message_id} was already acknowledged by {again.acked_by} at {again.acked_at}"
            )

    return queue_message(
        home,
        store,
        peer=record.peer,
        kind=ACKNOWLEDGEMENT,
        precedence=Precedence(record.precedence),
        body=body,
        now=now,
        check=still_open,
    )
