"""Frames: the units the link exchanges inside its TLS stream.

A frame is a 4-byte big-endian length followed by that many bytes of JSON, an object whose
member ``t`` names the frame type; senders write RFC 8785 canonical JSON. A length of zero, a
length above the receiver's limit, bytes that are not strict JSON (UTF-8, no duplicate names,
nesting at most 128 deep) of a known frame type with exactly its members: each is a protocol
error of the peer's, reported with its :class:`RejectCode` before the connection closes. The
frame itself need not be canonical, but the envelopes and receipts it carries must be in their
one canonical form, since that is what is signed and hashed.
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass
from typing import Any

from ..errors import RemoteProtocolError
from .canonical import MAX_SAFE_INTEGER, canonical_json, parse_json
from .codes import RejectCode
from .envelope import Envelope, Receipt

__all__ = [
    "DEFAULT_MAX_FRAME",
    "PROTOCOL_NAME",
    "LEAF_KINDS",
    "MAX_LEAVES",
    "Bye",
    "CheckpointFrame",
    "CosignatureFrame",
    "CosignatureRefusedFrame",
    "EnvelopeFrame",
    "ErrorFrame",
    "Frame",
    "FrameDecoder",
    "Hello",
    "LedgerFrame",
    "Ping",
    "Pong",
    "ReceiptFrame",
    "encode_frame",
    "envelope_frame_size",
    "parse_frame",
]

DEFAULT_MAX_FRAME = 1 << 20
PROTOCOL_NAME = "detente"
_HEADER = struct.Struct(">I")


@dataclass(frozen=True)
class Hello:
    """First frame on every connection, sent by both sides at once."""

    versions: tuple[int, ...]
    station: str
    next_seq: int
    """The next sequence number this side expects from the other (everything below is stored)."""
    time_us: int


@dataclass(frozen=True)
class EnvelopeFrame:
    envelope: Envelope


@dataclass(frozen=True)
class ReceiptFrame:
    ack: int
    """Cumulative acknowledgement: every envelope up to this sequence number is stored."""
    receipt: Receipt


@dataclass(frozen=True)
class Ping:
    n: int
    time_us: int
    ack: int


@dataclass(frozen=True)
class Pong:
    n: int
    echo_us: int
    time_us: int


@dataclass(frozen=True)
class ErrorFrame:
    """Sent just before closing because of the peer's fault or a local failure."""

    code: str
    detail: str


LEAF_KINDS = ("envelope-out", "envelope-in", "receipt-in", "receipt-out", "record")
MAX_LEAVES = 4096
"""Most log leaves one checkpoint frame reveals (a longer backlog takes several checkpoints)."""


@dataclass(frozen=True)
class CheckpointFrame:
    """A signed checkpoint of the sender's log of this line, the leaves added since ``start``
    (the size the receiver last co-signed) and a consistency proof from ``start``."""

    note: str
    total: int
    """The sender's whole log size when it sent this (the checkpoint may cover less of a backlog)."""
    start: int
    leaves: tuple[tuple[str, str, bytes], ...]
    """(kind, ref, leaf hash), kinds as the sender sees them (envelope-out = sent by the sender)."""
    consistency: tuple[bytes, ...]


@dataclass(frozen=True)
class CosignatureFrame:
    """The receiver's cosignature lines for the sender's checkpoint of ``size`` and ``root``."""

    size: int
    root: bytes
    signatures: tuple[str, ...]


@dataclass(frozen=True)
class CosignatureRefusedFrame:
    """The receiver will not co-sign the checkpoint of ``size``, and says why."""

    size: int
    reason: str


@dataclass(frozen=True)
class Bye:
    """Sent before an orderly close (shutdown), so that the peer does not suspect a crash."""

    reason: str


Frame = (
    Hello
    | EnvelopeFrame
    | ReceiptFrame
    | Ping
    | Pong
    | ErrorFrame
    | Bye
    | CheckpointFrame
    | CosignatureFrame
    | CosignatureRefusedFrame
)
LedgerFrame = CheckpointFrame | CosignatureFrame | CosignatureRefusedFrame


def encode_frame(frame: Frame) -> bytes:
    match frame:
        # The two frames of every message carry an object already in canonical form: placed
        # between the frame's other members (whose names sort around it), it is not written again.
        case EnvelopeFrame():
            payload = b'{"env":' + frame.envelope.canonical + b',"t":"env"}'
        case ReceiptFrame():
            payload = b'{"ack":%d,"rcpt":%s,"t":"rcpt"}' % (frame.ack, frame.receipt.canonical)
        case _:
            payload = canonical_json(_frame_json(frame))
    return _HEADER.pack(len(payload)) + payload


def _frame_json(frame: Frame) -> dict[str, Any]:
    match frame:
        case Hello():
            return {
                "t": "hello",
                "protocol": PROTOCOL_NAME,
                "versions": list(frame.versions),
                "station": frame.station,
                "next": frame.next_seq,
                "time_us": frame.time_us,
            }
        case EnvelopeFrame():
            return {"t": "env", "env": frame.envelope.to_json()}
        case ReceiptFrame():
            return {"t": "rcpt", "ack": frame.ack, "rcpt": frame.receipt.to_json()}
        case Ping():
            return {"t": "ping", "n": frame.n, "time_us": frame.time_us, "ack": frame.ack}
        case Pong():
            return {"t": "pong", "n": frame.n, "echo_us": frame.echo_us, "time_us": frame.time_us}
        case ErrorFrame():
            return {"t": "error", "code": frame.code, "detail": frame.detail}
        case Bye():
            return {"t": "bye", "reason": frame.reason}
        case CheckpointFrame():
            return {
                "t": "ckpt",
                "note": frame.note,
                "total": frame.total,
                "start": frame.start,
                "leaves": [[kind, ref, _b64(leaf)] for kind, ref, leaf in frame.leaves],
                "consistency": [_b64(h) for h in frame.consistency],
            }
        case CosignatureFrame():
            return {"t": "cosig", "size": frame.size, "root": _b64(frame.root), "signatures": list(frame.signatures)}
        case CosignatureRefusedFrame():
            return {"t": "nocosig", "size": frame.size, "reason": frame.reason}
    raise TypeError(f"not a frame: {frame!r}")


_MEMBERS = {
    "hello": {"t", "protocol", "versions", "station", "next", "time_us"},
    "env": {"t", "env"},
    "rcpt": {"t", "ack", "rcpt"},
    "ping": {"t", "n", "time_us", "ack"},
    "pong": {"t", "n", "echo_us", "time_us"},
    "error": {"t", "code", "detail"},
    "bye": {"t", "reason"},
    "ckpt": {"t", "note", "total", "start", "leaves", "consistency"},
    "cosig": {"t", "size", "root", "signatures"},
    "nocosig": {"t", "size", "reason"},
}


def parse_frame(payload: bytes) -> Frame:
    """Decode one frame's payload; raises RemoteProtocolError (or EnvelopeError) saying why not."""
    bad = RejectCode.MALFORMED_FRAME
    try:
        obj = parse_json(payload)
    except ValueError as exc:
        raise RemoteProtocolError(bad, f"frame is {exc}") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("t"), str):
        raise RemoteProtocolError(bad, "frame is not a JSON object with a type member 't'")
    kind = obj["t"]
    members = _MEMBERS.get(kind)
    if members is None:
        raise RemoteProtocolError(RejectCode.UNEXPECTED_FRAME, f"unknown frame type {kind[:40]!r}")
    if set(obj) != members:
        raise RemoteProtocolError(bad, f"{kind} frame must have exactly the members {sorted(members)}")
    match kind:
        case "hello":
            versions = obj["versions"]
            if obj["protocol"] != PROTOCOL_NAME:
                raise RemoteProtocolError(bad, f"hello is for protocol {obj['protocol']!r}, not {PROTOCOL_NAME!r}")
            if not isinstance(versions, list) or not versions or not all(_is_uint(v) for v in versions):
                raise RemoteProtocolError(bad, "hello versions must be a non-empty list of integers")
            if not isinstance(obj["station"], str) or not 0 < len(obj["station"]) <= 64:
                raise RemoteProtocolError(bad, "hello station must be a station id")
            return Hello(tuple(versions), obj["station"], _uint(obj, "next", 1), _uint(obj, "time_us"))
        case "env":
            return EnvelopeFrame(Envelope.from_json(obj["env"]))
        case "rcpt":
            return ReceiptFrame(_uint(obj, "ack"), Receipt.from_json(obj["rcpt"]))
        case "ping":
            return Ping(_uint(obj, "n"), _uint(obj, "time_us"), _uint(obj, "ack"))
        case "pong":
            return Pong(_uint(obj, "n"), _uint(obj, "echo_us"), _uint(obj, "time_us"))
        case "error":
            return ErrorFrame(_text(obj, "code", 64), _text(obj, "detail", 2000))
        case "bye":
            return Bye(_text(obj, "reason", 200))
        case "ckpt":
            leaves = obj["leaves"]
            if not isinstance(leaves, list) or len(leaves) > MAX_LEAVES:
                raise RemoteProtocolError(bad, f"ckpt leaves must be a list of at most {MAX_LEAVES}")
            parsed = []
            for item in leaves:
                if (
                    not isinstance(item, list)
                    or len(item) != 3
                    or item[0] not in LEAF_KINDS
                    or not isinstance(item[1], str)
                    or not 0 < len(item[1]) <= 64
                ):
                    raise RemoteProtocolError(bad, "each ckpt leaf is [kind, ref, base64 hash]")
                parsed.append((str(item[0]), item[1], _hash32(item[2], "ckpt leaf")))
            return CheckpointFrame(
                _text(obj, "note", 65536),
                _uint(obj, "total"),
                _uint(obj, "start"),
                tuple(parsed),
                tuple(_hash32(h, "ckpt consistency") for h in _list(obj, "consistency", 64)),
            )
        case "cosig":
            signatures = _list(obj, "signatures", 16)
            if not all(isinstance(s, str) and len(s) <= 8192 for s in signatures):
                raise RemoteProtocolError(bad, "cosig signatures must be signature lines")
            return CosignatureFrame(_uint(obj, "size"), _hash32(obj["root"], "cosig root"), tuple(signatures))
        case _:
            return CosignatureRefusedFrame(_uint(obj, "size"), _text(obj, "reason", 2000))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _hash32(value: object, what: str) -> bytes:
    try:
        raw = base64.b64decode(str(value), validate=True) if isinstance(value, str) else b""
    except binascii.Error:
        raw = b""
    if len(raw) != 32:
        raise RemoteProtocolError(RejectCode.MALFORMED_FRAME, f"{what} must be a base64 32-byte hash")
    return raw


def _list(obj: dict[str, Any], name: str, limit: int) -> list[Any]:
    value = obj[name]
    if not isinstance(value, list) or len(value) > limit:
        raise RemoteProtocolError(
            RejectCode.MALFORMED_FRAME, f"{obj['t']} member {name} must be a list of at most {limit} items"
        )
    return value


def _is_uint(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_SAFE_INTEGER


def _uint(obj: dict[str, Any], name: str, minimum: int = 0) -> int:
    value = obj[name]
    if not _is_uint(value) or value < minimum:
        raise RemoteProtocolError(
            RejectCode.MALFORMED_FRAME, f"{obj['t']} member {name} must be an integer >= {minimum}"
        )
    return int(value)


def _text(obj: dict[str, Any], name: str, limit: int) -> str:
    value = obj[name]
    if not isinstance(value, str) or len(value) > limit:
        raise RemoteProtocolError(
            RejectCode.MALFORMED_FRAME, f"{obj['t']} member {name} must be text of at most {limit} characters"
        )
    return value


class FrameDecoder:
    """Splits a byte stream into frames. Buffers at most one frame's worth of bytes.

    ``feed`` returns the complete frames' payloads; it raises RemoteProtocolError as soon as a
    header announces a frame that is empty or larger than ``max_frame``, without waiting for it.
    """

    def __init__(self, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        if max_frame < 64:
            raise ValueError("max_frame must be at least 64 bytes")
        self.max_frame = max_frame
        self._buffer = bytearray()

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        payloads: list[bytes] = []
        while len(self._buffer) >= _HEADER.size:
            (length,) = _HEADER.unpack_from(self._buffer)
            if length == 0:
                raise RemoteProtocolError(RejectCode.MALFORMED_FRAME, "frame of length 0")
            if length > self.max_frame:
                raise RemoteProtocolError(
                    RejectCode.FRAME_TOO_LARGE,
                    f"frame of {length} bytes exceeds the limit of {self.max_frame} bytes",
                )
            end = _HEADER.size + length
            if len(self._buffer) < end:
                break
            payloads.append(bytes(self._buffer[_HEADER.size : end]))
            del self._buffer[:end]
        return payloads


def envelope_frame_size(envelope: Envelope) -> int:
    """The bytes this envelope takes on the wire, to refuse oversize messages before queuing."""
    return len(encode_frame(EnvelopeFrame(envelope)))
