"""Reasons for refusing a frame, an envelope or a receipt, and for closing a connection.

The same code is logged by the side that refuses and sent to the peer in an ``error`` frame,
so that both operations centres read the same reason.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["CloseReason", "RejectCode"]


class RejectCode(StrEnum):
    """Why something the peer sent was refused. Every code is the peer's fault."""

    MALFORMED_FRAME = "malformed-frame"
    FRAME_TOO_LARGE = "frame-too-large"
    UNSUPPORTED_VERSION = "unsupported-version"
    UNEXPECTED_FRAME = "unexpected-frame"
    UNEXPECTED_STATION = "unexpected-station"
    MALFORMED_ENVELOPE = "malformed-envelope"
    MISADDRESSED = "misaddressed"
    UNKNOWN_KEY = "unknown-key"
    BAD_SIGNATURE = "bad-signature"
    BROKEN_CHAIN = "broken-chain"
    SEQUENCE_GAP = "sequence-gap"
    CONFLICTING_ENVELOPE = "conflicting-envelope"
    MALFORMED_RECEIPT = "malformed-receipt"
    UNKNOWN_RECEIPT = "unknown-receipt"
    RECEIPT_MISMATCH = "receipt-mismatch"


class CloseReason(StrEnum):
    """Why a connection was closed by this side, when no peer fault is involved."""

    HANDSHAKE_TIMEOUT = "handshake-timeout"
    LINK_TIMEOUT = "link-timeout"
    SUPERSEDED = "superseded"
    SHUTDOWN = "shutdown"
    STORAGE_FAILURE = "storage-failure"
    TRANSPORT_CLOSED = "transport-closed"
    CLOSED_BEFORE_HELLO = "closed-before-hello"
    PEER_CLOSED = "peer-closed"
