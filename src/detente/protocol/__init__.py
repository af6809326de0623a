"""The sans-I/O protocol core: frames, envelopes, receipts and the link state machine.

Nothing in this package opens a socket, reads a clock, touches a file or logs; the driver
passes bytes and the current time in, and takes events and bytes out.
"""

from .codes import CloseReason, RejectCode
from .envelope import GENESIS_HASH, PROTOCOL_VERSION, Envelope, Precedence, Receipt, seal_envelope, seal_receipt
from .link import Link, LinkConfig, ReceiveCursor
from .signing import Signer, Verifier

__all__ = [
    "GENESIS_HASH",
    "PROTOCOL_VERSION",
    "CloseReason",
    "Envelope",
    "Link",
    "LinkConfig",
    "Precedence",
    "Receipt",
    "ReceiveCursor",
    "RejectCode",
    "Signer",
    "Verifier",
    "seal_envelope",
    "seal_receipt",
]
