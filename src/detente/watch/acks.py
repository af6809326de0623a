"""A person acknowledges a message: a signed envelope of kind ``acknowledgement`` goes back.

Its body names the message (id and envelope hash), the operator, their role and the time,
with an optional short note and, when it comes after the deadline, by how much.

A reply acknowledges what it answers: when an operator sends a message that refers to a
received one with relation ``reply`` (a clarification-response answering "is this yours?"),
:func:`acknowledge_by_reply` queues, right after the reply, an ordinary acknowledgement of the
received message naming the same operator and the reply. The acknowledgement stays an envelope
of its own, signed and logged like any other, so the record says in so many words who
acknowledged what and when; the peer needs no rule of its own to see it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import StationError
from ..home import Home
from ..operators import ACKNOWLEDGING_ROLES, validate_name
from ..outbox import queue_message
from ..protocol.envelope import Envelope, Precedence
from ..protocol.timestamps import format_time, parse_time
from ..store import MessageRecord, OperatorRecord, Store
from .deadlines import ACKNOWLEDGEMENT, deadline_seconds

__all__ = [
    "MAX_NOTE",
    "AcknowledgementRefused",
    "acknowledge",
    "acknowledge_by_reply",
    "acknowledging_operator",
    "replied_to",
]

MAX_NOTE = 500


class AcknowledgementRefused(StationError):
    """The acknowledgement cannot be given as asked; the message says why."""


def acknowledging_operator(store: Store, name: str) -> OperatorRecord:
    """The enabled account of ``name`` if it may acknowledge messages; AcknowledgementRefused if
    not (a send path that acknowledges by reply checks this before it queues the reply)."""
    try:
        name = validate_name(name)
    except StationError as exc:
        raise AcknowledgementRefused(str(exc)) from None
    account = store.operator(name)
    if account is None:
        raise AcknowledgementRefused(
            f"no operator named {name!r} at this station; create one with `detente operator add`"
        )
    if account.disabled_at is not None:
        raise AcknowledgementRefused(
            f"operator {name!r} was disabled at {account.disabled_at}; ask an administrator, or acknowledge "
            "under your own name"
        )
    if account.role not in ACKNOWLEDGING_ROLES:
        raise AcknowledgementRefused(
            f"operator {name!r} has the role {account.role}; only operators and supervisors acknowledge messages"
        )
    return account


def acknowledge(home: Home, store: Store, *, message_id: str, operator: str, note: str | None, now: float) -> Envelope:
    """Queue ``operator``'s acknowledgement of the received message ``message_id``; refused
    (AcknowledgementRefused, nothing queued) for an unknown, own, already acknowledged or
    acknowledgement message, and for an account that may not acknowledge."""
    account = acknowledging_operator(store, operator)
    if note is not None and len(note) > MAX_NOTE:
        raise AcknowledgementRefused(f"the note is {len(note)} characters; at most {MAX_NOTE}")
    record = store.message(message_id)
    if record is None:
        raise AcknowledgementRefused(f"no message {message_id} at this station; check the id with `detente inbox`")
    if record.direction != "in":
        raise AcknowledgementRefused(
            f"message {message_id} was sent by this station; only the receiving station acknowledges it"
        )
    body = _body(home, record, account, now)
    if body is None:
        raise AcknowledgementRefused(f"message {message_id} is itself an acknowledgement; it needs none")
    if note:
        body["note"] = note
    return _queue(home, store, record, body, now)


def acknowledge_by_reply(home: Home, store: Store, *, reply: Envelope, operator: str, now: float) -> list[Envelope]:
    """Acknowledge, as ``operator``, every received message that the queued ``reply`` answers.

    Call it right after the reply is queued. Each message the reply's body refers to with
    relation ``reply`` that came from the reply's recipient, needs a person's acknowledgement
    and has none gets an ``acknowledgement`` naming the operator and (member ``reply``) the
    reply's id. Messages already acknowledged (by anyone, even a moment ago) are left alone.
    Returns the acknowledgements queued, in the order of the references.
    """
    account = acknowledging_operator(store, operator)
    queued: list[Envelope] = []
    for message_id in replied_to(reply.body):
        record = store.message(message_id)
        if record is None or record.direction != "in" or record.peer != reply.recipient or record.acked_at:
            continue
        body = _body(home, record, account, now)
        if body is None:
            continue
        body["reply"] = reply.id
        try:
            queued.append(_queue(home, store, record, body, now))
        except AcknowledgementRefused:
            continue  # someone acknowledged it in the meantime: that acknowledgement stands
    return queued


def replied_to(body: Mapping[str, Any]) -> list[str]:
    """The ids a message body refers to with relation ``reply``, in order."""
    references = body.get("references")
    if not isinstance(references, list):
        return []
    return [
        ref["id"]
        for ref in references
        if isinstance(ref, dict) and ref.get("relation") == "reply" and isinstance(ref.get("id"), str)
    ]


def _body(home: Home, record: MessageRecord, account: OperatorRecord, now: float) -> dict[str, object] | None:
    due = deadline_seconds(home.config, record.kind, record.precedence, record.peer_party)
    if due is None:
        return None
    body: dict[str, object] = {
        "acknowledges": record.id,
        "envelope": record.envelope_hash,
        "operator": account.name,
        "role": account.role,
        "at": format_time(now),
    }
    late_by = now - (parse_time(record.stored_at) + due)
    if late_by > 0:
        body["late_by_s"] = round(late_by, 3)
    return body


def _queue(home: Home, store: Store, record: MessageRecord, body: Mapping[str, object], now: float) -> Envelope:
    def still_open() -> None:
        """Runs inside the write transaction: of two operators acknowledging at once, the
        second is refused here and queues nothing."""
        again = store.message(record.id)
        if again is not None and again.acked_at is not None:
            raise AcknowledgementRefused(
                f"message {record.id} was already acknowledged by {again.acked_by} at {again.acked_at}"
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
