"""What the link tells its driver. Each event is a fact that has already happened."""

from __future__ import annotations

from dataclasses import dataclass

from .envelope import Envelope, Receipt
from .frames import LedgerFrame

__all__ = [
    "ConnectionClosed",
    "ConnectionEstablished",
    "CurrentPathChanged",
    "DialRequested",
    "DuplicateEnvelopeReceived",
    "EnvelopeReceived",
    "EnvelopesRetransmitted",
    "Event",
    "FrameRefused",
    "HeartbeatAnswered",
    "LinkEstablished",
    "LedgerFrameReceived",
    "LinkLost",
    "PeerErrorReported",
    "PeerLostMessages",
    "ReceiptReceived",
]


@dataclass(frozen=True)
class DialRequested:
    """``path`` has no connection and it is this side's turn to connect on it; call
    ``connection_made`` or ``dial_failed`` with that path when the attempt ends."""

    path: str = "direct"


@dataclass(frozen=True)
class LinkEstablished:
    """A connection finished its handshake and now carries the link, which was down."""

    connection: int
    version: int
    dialed: bool
    peer_next_seq: int
    path: str = "direct"


@dataclass(frozen=True)
class ConnectionEstablished:
    """A connection on ``path`` finished its handshake (whether or not it carries the link):
    the path works from end to end."""

    connection: int
    path: str
    version: int
    dialed: bool


@dataclass(frozen=True)
class CurrentPathChanged:
    """The link moved to the connection on ``path``: the one on ``previous`` closed or went silent
    (failover), or ``path`` is preferred and came back (failback). Unreceipted envelopes have
    been sent again on the new connection."""

    connection: int
    path: str
    previous: str
    reason: str


@dataclass(frozen=True)
class LinkLost:
    """The link has no working connection any more."""

    reason: str
    detail: str


@dataclass(frozen=True)
class ConnectionClosed:
    """The core closed this connection: send what ``data_to_send`` still holds, then close it."""

    connection: int
    reason: str
    detail: str


@dataclass(frozen=True)
class FrameRefused:
    """The peer sent something the protocol forbids; nothing of it was accepted."""

    connection: int
    code: str
    detail: str


@dataclass(frozen=True)
class PeerErrorReported:
    """The peer sent an ``error`` frame saying what it refused from us."""

    connection: int
    code: str
    detail: str


@dataclass(frozen=True)
class EnvelopeReceived:
    """A new envelope passed every check and is next in sequence: store it, then send its
    receipt with ``send_receipt``."""

    envelope: Envelope


@dataclass(frozen=True)
class DuplicateEnvelopeReceived:
    """An envelope at or below the last accepted sequence number came again (normal after a
    reconnect). Its signature is valid; compare it with the stored one and re-send that receipt."""

    envelope: Envelope


@dataclass(frozen=True)
class ReceiptReceived:
    """The peer's signed receipt for one of our envelopes: the envelope is delivered."""

    receipt: Receipt
    envelope: Envelope


@dataclass(frozen=True)
class HeartbeatAnswered:
    """A ping came back: the round-trip time and the peer's clock minus ours, in seconds."""

    connection: int
    round_trip: float
    clock_offset: float


@dataclass(frozen=True)
class EnvelopesRetransmitted:
    """Unreceipted envelopes were sent again (after a reconnect or a retransmission timeout)."""

    connection: int
    first_seq: int
    count: int


@dataclass(frozen=True)
class LedgerFrameReceived:
    """The peer sent a checkpoint of its log, a cosignature of ours, or a refusal to co-sign."""

    connection: int
    frame: LedgerFrame


@dataclass(frozen=True)
class PeerLostMessages:
    """The peer asks to resume from a sequence number below envelopes it has already receipted:
    it has lost stored messages (restored from an old backup?). Nothing is resent automatically."""

    peer_next_seq: int
    receipted_through: int


Event = (
    DialRequested
    | LinkEstablished
    | ConnectionEstablished
    | CurrentPathChanged
    | LinkLost
    | ConnectionClosed
    | FrameRefused
    | PeerErrorReported
    | EnvelopeReceived
    | DuplicateEnvelopeReceived
    | ReceiptReceived
    | HeartbeatAnswered
    | EnvelopesRetransmitted
    | PeerLostMessages
    | LedgerFrameReceived
)
