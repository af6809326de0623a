"""Queuing outgoing messages: sign, number, chain and store them in one transaction."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from .errors import StationError
from .home import Home
from .protocol.envelope import Envelope, Precedence, seal_envelope
from .protocol.frames import envelope_frame_size
from .protocol.ids import uuid7
from .protocol.timestamps import format_time
from .store import Store

__all__ = ["queue_message"]


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
    config = home.config
    signer = home.signer
    message_id = uuid7(int(now * 1000), os.urandom(10))
    created = format_time(now)
    limit = config.link.max_frame_bytes

    def build(seq: int, prev: str) -> Envelope:
        if check is not None:
            check()
        envelope = seal_envelope(
            signer,
            id=message_id,
            sender=config.station_id,
            recipient=peer,
            seq=seq,
            prev=prev,
            created=created,
            kind=kind,
            precedence=precedence,
            body=body,
        )
        size = envelope_frame_size(envelope)
        if size > limit:
            raise StationError(
                f"message of {size} bytes is larger than the link's frame limit of {limit} bytes; shorten it"
            )
        return envelope

    return store.append_outgoing(peer, build, stored_at=created)
