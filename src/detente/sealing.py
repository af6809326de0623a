"""Sealing: what a courier file (or anyone carrying it) must not read, encrypted to the receiving
station alone with HPKE (RFC 9180), hybrid post-quantum: the ML-KEM-768 + X25519 KEM (X-Wing),
HKDF-SHA256 and ChaCha20-Poly1305.

A station's sealing key is published in its card (signed, with the rest of the card, by its
signing key). The sealed bytes are signed envelopes and receipts: sealing hides them, their own
signatures still prove who wrote them. ``info`` binds each sealed item to its context (format,
sender, recipient, what it is), so a sealed item cannot be replayed into another file or line.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519

from .errors import PeerError

__all__ = ["SEALING_ALG", "Sealer", "SealingKey", "generate_sealing_key", "seal", "unseal"]

SEALING_ALG = "mlkem768-x25519"
_SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)
_MLKEM_PUBLIC = 1184
_SEED = 64


@dataclass(frozen=True)
class SealingKey:
    """A station's public sealing key, as its card carries it."""

    raw: bytes
    """The ML-KEM-768 public key (1,184 bytes) followed by the X25519 public key (32 bytes)."""

    def to_json(self) -> dict[str, str]:
        return {"alg": SEALING_ALG, "public": base64.b64encode(self.raw).decode("ascii")}

    @classmethod
    def from_json(cls, data: object) -> SealingKey:
        if not isinstance(data, dict) or data.get("alg") != SEALING_ALG or not isinstance(data.get("public"), str):
            raise ValueError(f'a sealing key is {{"alg": "{SEALING_ALG}", "public": base64}}')
        raw = base64.b64decode(data["public"], validate=True)
        if len(raw) != _MLKEM_PUBLIC + 32:
            raise ValueError(f"a {SEALING_ALG} public key is {_MLKEM_PUBLIC + 32} bytes, not {len(raw)}")
        cls(raw)._public()  # refuses bytes that are not a key
        return cls(raw)

    def _public(self) -> hpke.MLKEM768X25519PublicKey:
        return hpke.MLKEM768X25519PublicKey(
            mlkem.MLKEM768PublicKey.from_public_bytes(self.raw[:_MLKEM_PUBLIC]),
            x25519.X25519PublicKey.from_public_bytes(self.raw[_MLKEM_PUBLIC:]),
        )


class Sealer:
    """A station's private sealing key (its ML-KEM-768 seed and X25519 key, 96 bytes)."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) != _SEED + 32:
            raise ValueError(f"a sealing key file holds {_SEED + 32} bytes, not {len(secret)}")
        self._mlkem = mlkem.MLKEM768PrivateKey.from_seed_bytes(secret[:_SEED])
        self._x25519 = x25519.X25519PrivateKey.from_private_bytes(secret[_SEED:])
        self._private = hpke.MLKEM768X25519PrivateKey(self._mlkem, self._x25519)

    @property
    def public(self) -> SealingKey:
        return SealingKey(self._mlkem.public_key().public_bytes_raw() + self._x25519.public_key().public_bytes_raw())

    def open(self, sealed: bytes, info: bytes) -> bytes:
        try:
            return _SUITE.decrypt(sealed, self._private, info=info)
        except (InvalidTag, ValueError):
            raise PeerError(
                "a sealed item does not open with this station's sealing key: it was sealed for another station "
                "or another context, or altered on the way"
            ) from None


def generate_sealing_key(path: Path) -> None:
    """Write a new private sealing key to ``path`` (mode 0600; refuses to overwrite)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, os.urandom(_SEED) + x25519.X25519PrivateKey.generate().private_bytes_raw())
        os.fsync(fd)
    finally:
        os.close(fd)


def seal(plaintext: bytes, recipient: SealingKey, info: bytes) -> bytes:
    return _SUITE.encrypt(plaintext, recipient._public(), info=info)


def unseal(sealed: bytes, sealer: Sealer, info: bytes) -> bytes:
    return sealer.open(sealed, info)
