"""Message identifiers: UUID version 7 (RFC 9562), built from a time and random bytes given."""

from __future__ import annotations

import re
import uuid

__all__ = ["is_uuid7", "uuid7"]

_UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def uuid7(unix_ms: int, random_bytes: bytes) -> str:
    """A UUIDv7 string: 48 bits of milliseconds, version 7, 74 random bits, RFC 4122 variant."""
    if len(random_bytes) < 10:
        raise ValueError("uuid7 needs at least 10 random bytes")
    if not 0 <= unix_ms < 1 << 48:
        raise ValueError(f"uuid7 time {unix_ms} ms is out of range")
    rand = int.from_bytes(random_bytes[:10], "big")
    rand_a = (rand >> 68) & 0xFFF
    rand_b = rand & ((1 << 62) - 1)
    value = (unix_ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    return str(uuid.UUID(int=value))


def is_uuid7(text: object) -> bool:
    return isinstance(text, str) and _UUID7.fullmatch(text) is not None
