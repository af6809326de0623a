"""Errors raised by détente, named after whose fault they are.

    DetenteError
     ├── LocalProtocolError     this program misused the protocol core (a bug on our side)
     ├── RemoteProtocolError    the peer broke the protocol; ``code`` is a RejectCode
     ├── EnvelopeError          an envelope or receipt failed validation (``code``)
     ├── StationError           the operator or administrator asked for something impossible
     │    ├── ConfigError        station.toml or a command-line value is wrong
     │    └── PeerError          a peer card is missing, malformed or does not match
     ├── StoreError             the database cannot do what was asked (corrupt, full, locked)
     └── TransportError         a connection could not be made, or was refused at the TLS layer

Every message names the thing, the problem and, where there is one, what to do next.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DetenteError",
    "EnvelopeError",
    "LocalProtocolError",
    "PeerError",
    "RemoteProtocolError",
    "StationError",
    "StoreError",
    "TransportError",
]


class DetenteError(Exception):
    """Base class of every error détente raises on purpose."""


class LocalProtocolError(DetenteError):
    """The local program used the protocol core in a way it does not allow."""


class RemoteProtocolError(DetenteError):
    """The peer sent something the protocol does not allow.

    ``code`` is one of :class:`detente.protocol.frames.RejectCode`'s values; it travels to the
    peer in an ``error`` frame so that both sides log the same reason.
    """

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class EnvelopeError(RemoteProtocolError):
    """An envelope or receipt is malformed, wrongly signed, or out of sequence."""


class StationError(DetenteError):
    """A request that cannot be carried out as asked; the message says what to do."""


class ConfigError(StationError):
    """A setting in station.toml or on the command line is invalid."""


class PeerError(StationError):
    """A peer card is missing, malformed, or does not match what was expected."""


class StoreError(DetenteError):
    """The station's database refused an operation (corrupt, disk full, locked)."""


class TransportError(DetenteError):
    """A connection could not be made, or was refused at the TLS layer."""
