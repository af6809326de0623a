"""A link connection carried through a relay, sealed end to end: what the relay stores and forwards
but can neither read, forge, alter, reorder nor drop without the receiving station noticing.

A *session* is one link connection between two stations through one relay; each of its two
directions has its own 32-byte key. A direction starts with an ``open`` item: the key, sealed
with HPKE (``detente.sealing``: ML-KEM-768 + X25519, HKDF-SHA256, ChaCha20-Poly1305) to the
receiving station's card key, and the item signed by the sending station's signing key, so only
the named sender can have made it and only the named recipient can open it. Then come ``data``
items numbered 1, 2, 3, …, each the bytes the link wrote, encrypted with ChaCha20-Poly1305 under
the direction's key with the item number as nonce and the item's header as associated data.
The receiver takes each number once and in order: a repeated number (the relay delivering
again after a reconnect) is dropped, a skipped one ends the session.

This module is pure: items in and out as bytes, keys and time as arguments.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from ..errors import PeerError, TransportError
from ..protocol.canonical import canonical_json, parse_json
from ..protocol.signing import Signer, Verifier, b64decode, b64encode
from ..sealing import Sealer, SealingKey, seal

__all__ = [
    "ITEM_FORMAT",
    "MAX_CHUNK",
    "Item",
    "Opener",
    "Sender",
    "TunnelError",
    "new_session_id",
    "parse_item",
]

ITEM_FORMAT = "detente-relay-item/1"
MAX_CHUNK = 256 * 1024
"""Most link bytes in one data item; a larger write is split."""
_DOMAIN = b"detente relay open v1\n"
_INITIATOR, _RESPONDER = "i", "r"


class TunnelError(TransportError):
    """A relay item that is not what it claims, or that breaks its session's order: the relay (or
    whoever sits between it and us) altered, dropped, reordered or forged something."""


def new_session_id() -> str:
    return os.urandom(16).hex()


@dataclass(frozen=True)
class Item:
    """A parsed relay item. The header (``sender``, ``recipient``, ``session``, ``direction``,
    ``kind``, ``n``) is what the relay sees and routes by."""

    sender: str
    recipient: str
    session: str
    direction: str
    kind: str
    n: int
    fields: dict[str, Any]

    @property
    def header(self) -> dict[str, Any]:
        return {
            "item": ITEM_FORMAT,
            "from": self.sender,
            "to": self.recipient,
            "session": self.session,
            "dir": self.direction,
            "kind": self.kind,
            "n": self.n,
        }

    @property
    def initiated_by_sender(self) -> bool:
        return self.direction == _INITIATOR


def parse_item(data: bytes) -> Item:
    """The header of a relay item (a relay calls this too); TunnelError if malformed."""
    try:
        value = parse_json(data)
    except ValueError as exc:
        raise TunnelError(f"relay item is not canonical JSON: {exc}") from None
    if not isinstance(value, dict) or value.get("item") != ITEM_FORMAT:
        raise TunnelError(f'relay item is not a JSON object with "item": "{ITEM_FORMAT}"')
    if canonical_json(value) != data:
        raise TunnelError("relay item is not in its RFC 8785 form")
    sender, recipient, session = value.get("from"), value.get("to"), value.get("session")
    direction, kind, n = value.get("dir"), value.get("kind"), value.get("n")
    if not all(isinstance(x, str) and 0 < len(x) <= 200 for x in (sender, recipient)):
        raise TunnelError("relay item: from and to must be station ids")
    if not isinstance(session, str) or len(session) != 32 or any(c not in "0123456789abcdef" for c in session):
        raise TunnelError("relay item: session must be 32 lowercase hex digits")
    if direction not in (_INITIATOR, _RESPONDER) or kind not in ("open", "data"):
        raise TunnelError("relay item: dir must be i or r, kind open or data")
    if type(n) is not int or n < 0 or (kind == "open") != (n == 0):
        raise TunnelError("relay item: n must be 0 for open, 1 or more for data")
    fields = {k: v for k, v in value.items() if k not in ("item", "from", "to", "session", "dir", "kind", "n")}
    return Item(str(sender), str(recipient), session, direction, kind, n, fields)


def _info(item: Item) -> bytes:
    return f"detente relay session v1\n{item.sender}\n{item.recipient}\n{item.session}\n{item.direction}".encode()


class Sender:
    """One direction of a session, on the sending side: makes the open item, then data items."""

    def __init__(self, *, local: str, peer: str, session: str, initiator: bool, key: bytes | None = None) -> None:
        """``key`` is for test vectors only: a session key is otherwise always fresh and random."""
        self.local, self.peer, self.session = local, peer, session
        self.direction = _INITIATOR if initiator else _RESPONDER
        self._key = key if key is not None else ChaCha20Poly1305.generate_key()
        self._aead = ChaCha20Poly1305(self._key)
        self._next = 1

    def open_item(self, signer: Signer, peer_key: SealingKey, time_us: int) -> bytes:
        item = Item(self.local, self.peer, self.session, self.direction, "open", 0, {})
        unsigned = item.header | {"key": b64encode(seal(self._key, peer_key, _info(item))), "time_us": time_us}
        signature = signer.sign(_DOMAIN + canonical_json(unsigned))
        return canonical_json(unsigned | {"sig": {"alg": signer.alg, "kid": signer.kid, "value": b64encode(signature)}})

    def data_items(self, data: bytes) -> list[bytes]:
        out = []
        for start in range(0, len(data), MAX_CHUNK):
            item = Item(self.local, self.peer, self.session, self.direction, "data", self._next, {})
            nonce = self._next.to_bytes(12, "big")
            box = self._aead.encrypt(nonce, data[start : start + MAX_CHUNK], canonical_json(item.header))
            out.append(canonical_json(item.header | {"box": b64encode(box)}))
            self._next += 1
        return out


class Opener:
    """One direction of a session, on the receiving side: checks the open item, then opens data
    items in order."""

    def __init__(self, open_item: Item, *, local: str, sealer: Sealer, peer_key: Verifier) -> None:
        item = open_item
        if item.kind != "open" or item.recipient != local:
            raise TunnelError(f"relay item for {item.recipient} ({item.kind}) is not an open item for {local}")
        signature = item.fields.get("sig")
        unsigned = item.header | {k: v for k, v in item.fields.items() if k != "sig"}
        try:
            if (
                not isinstance(signature, dict)
                or signature.get("kid") != peer_key.kid
                or not peer_key.verify(b64decode(str(signature.get("value"))), _DOMAIN + canonical_json(unsigned))
            ):
                raise ValueError
        except ValueError:
            raise TunnelError(
                f"relay session {item.session[:8]}… claims to come from {item.sender} but is not signed by its key"
            ) from None
        time_us = item.fields.get("time_us")
        if type(time_us) is not int:
            raise TunnelError("relay open item: time_us must be an integer")
        self.time_us = time_us
        try:
            key = sealer.open(b64decode(str(item.fields.get("key"))), _info(item))
        except ValueError:
            raise TunnelError("relay open item: key is not base64") from None
        except PeerError as exc:
            raise TunnelError(f"relay session {item.session[:8]}… from {item.sender}: {exc}") from None
        if len(key) != 32:
            raise TunnelError("relay open item: the sealed session key is not 32 bytes")
        self.item = item
        self._aead = ChaCha20Poly1305(key)
        self._next = 1

    def open(self, item: Item) -> bytes | None:
        """The link bytes of the next data item; None for one already taken (delivered again)."""
        if (item.sender, item.recipient, item.session, item.direction) != (
            self.item.sender,
            self.item.recipient,
            self.item.session,
            self.item.direction,
        ):
            raise TunnelError("relay item belongs to another session")
        if item.kind == "open" or item.n < self._next:
            return None
        if item.n > self._next:
            raise TunnelError(
                f"relay session {item.session[:8]}…: item {item.n} arrived where {self._next} was due "
                "(items were dropped or reordered on the way)"
            )
        try:
            box = b64decode(str(item.fields.get("box")))
            data = self._aead.decrypt(item.n.to_bytes(12, "big"), box, canonical_json(item.header))
        except (ValueError, InvalidTag):
            raise TunnelError(
                f"relay session {item.session[:8]}…: item {item.n} does not decrypt; it was altered on the way"
            ) from None
        self._next += 1
        return data
