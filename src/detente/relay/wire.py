"""Frames between a station and a relay (over mutually authenticated TLS 1.3).

A frame is a 4-byte big-endian length ``L``, then a 2-byte big-endian header length ``H``, then
``H`` bytes of a JSON object (the header, saying what the frame is), then ``L - 2 - H`` bytes of
body: the relay item, when the frame carries one. Pure: bytes in, frames out.

Station to relay: ``put`` (ref, body: an item for another station), ``took`` (id: an item
delivered to this station is safely handled and may be deleted), ``ping`` (n).
Relay to station: ``welcome`` (relay, station, held), ``stored`` (ref: the item with that ref
is durable at the relay), ``refused`` (ref, code, detail), ``item`` (id, body), ``pong`` (n),
``error`` (code, detail; the relay then closes).
"""

from __future__ import annotations

import json
import struct
from typing import Any

from ..errors import TransportError

__all__ = ["MAX_FRAME", "RelayFrameDecoder", "WireError", "encode"]

MAX_FRAME = 2 * 1024 * 1024
_KINDS = {"put", "took", "ping", "welcome", "stored", "refused", "item", "pong", "error"}


class WireError(TransportError):
    """The other end of a relay connection sent something that is not a relay frame."""


def encode(header: dict[str, Any], body: bytes = b"") -> bytes:
    head = json.dumps(header, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    return struct.pack(">IH", 2 + len(head) + len(body), len(head)) + head + body


class RelayFrameDecoder:
    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self._buffer = bytearray()
        self._max = max_frame

    def feed(self, data: bytes) -> list[tuple[dict[str, Any], bytes]]:
        self._buffer += data
        frames = []
        while len(self._buffer) >= 4:
            (length,) = struct.unpack_from(">I", self._buffer)
            if length < 2 or length > self._max:
                raise WireError(f"relay frame of {length} bytes (at most {self._max})")
            if len(self._buffer) < 4 + length:
                break
            frame = bytes(self._buffer[4 : 4 + length])
            del self._buffer[: 4 + length]
            (head_length,) = struct.unpack_from(">H", frame)
            if 2 + head_length > len(frame):
                raise WireError("relay frame header runs past the frame")
            try:
                header = json.loads(frame[2 : 2 + head_length])
            except (ValueError, RecursionError):
                raise WireError("relay frame header is not JSON (or nests too deep)") from None
            if not isinstance(header, dict) or header.get("t") not in _KINDS:
                raise WireError(f"relay frame header {str(header)[:80]!r} names no known frame")
            frames.append((header, frame[2 + head_length :]))
        return frames
