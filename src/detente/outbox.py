"""Queuing outgoing messages: sign, number, chain and store them in one transaction."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import StationError
from .home import Home
from .protocol.envelope import Envelope, Precedence, seal_envelope
from .protocol.frames import envelope_frame_size
from .protocol.ids import uuid7
from .protocol.timestamps import format_time
from .store import Store

__all__ = ["WAKE_SOCKET", "Draft", "envelope_builder", "poke_serve", "queue_message", "queue_messages"]

WAKE_SOCKET = "serve.wake"
"""The unix datagram socket in the station folder on which a running ``serve`` waits for pokes."""


def queue_message(
    home: Home,
    store: Store,
    *,
    peer: str,
    kind: str,
    precedence: Precedence,
    body: Mapping[str, Any],
    now: float,
    check: Callable[[], None] | None = None,
) -> Envelope:
    """Store a new signed envelope for ``peer`` (a station id) as queued; return it.

    When this returns, the message is durable: ``serve`` will deliver it whenever the link is up.
    ``check`` runs inside the storing transaction, before anything is written: it may raise to
    refuse (e.g. a message already acknowledged by someone else a moment ago).
    """
    build = envelope_builder(home, peer=peer, kind=kind, precedence=precedence, body=body, now=now, check=check)
    envelope = store.append_outgoing(peer, build, stored_at=format_time(now))
    poke_serve(home)
    return envelope


@dataclass(frozen=True)
class Draft:
    """One message for :func:`queue_messages`."""

    peer: str
    kind: str
    precedence: Precedence
    body: Mapping[str, Any]


def queue_messages(home: Home, store: Store, drafts: Sequence[Draft], *, now: float) -> list[Envelope]:
    """Store several new signed envelopes in one transaction, so that they cost one wait for the
    disk between them (a program handing over many messages at once); all or none are stored.
    When this returns every one is durable, numbered in the order given."""
    if not drafts:
        return []
    items = [
        (d.peer, envelope_builder(home, peer=d.peer, kind=d.kind, precedence=d.precedence, body=d.body, now=now), True)
        for d in drafts
    ]
    envelopes = store.append_outgoing_group(items, format_time(now))
    poke_serve(home)
    return envelopes


def envelope_builder(
    home: Home,
    *,
    peer: str,
    kind: str,
    precedence: Precedence,
    body: Mapping[str, Any],
    now: float,
    line: Mapping[str, Any] | None = None,
    check: Callable[[], None] | None = None,
) -> Callable[[int, str], Envelope]:
    """What the store calls, inside its transaction, with the next number and the previous hash
    for ``peer``: a new signed envelope, refused (StationError) if larger than a frame may be."""
    config = home.config
    message_id = uuid7(int(now * 1000), os.urandom(10))
    created = format_time(now)
    limit = config.link.max_frame_bytes

    def build(seq: int, prev: str) -> Envelope:
        if check is not None:
            check()
        envelope = seal_envelope(
            home.signer,
            id=message_id,
            sender=config.station_id,
            recipient=peer,
            seq=seq,
            prev=prev,
            created=created,
            kind=kind,
            precedence=precedence,
            body=body,
            line=line,
        )
        size = envelope_frame_size(envelope)
        if size > limit:
            raise StationError(
                f"message of {size} bytes is larger than the link's frame limit of {limit} bytes; shorten it"
            )
        return envelope

    return build


def poke_serve(home: Home) -> None:
    """Tell a running ``serve`` that a message is stored and waiting, so that it sends it now
    instead of at its next poll of the database. Best effort: no serve, no harm."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.setblocking(False)
            sock.sendto(b"!", str(home.path / WAKE_SOCKET))
    except OSError:  # no serve running (no socket, or a stale one), its queue full, a path too long
        pass
