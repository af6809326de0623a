"""Signature algorithms, named so that others can be added and keys rotated.

Every signature on the wire says which algorithm made it (``alg``) and which key (``kid``).
A key id is the first 16 hex digits of SHA-256 over the algorithm name, a NUL byte and the raw
public key, so the same key bytes under another algorithm get another id.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "ED25519",
    "SUPPORTED_ALGORITHMS",
    "Signer",
    "Verifier",
    "b64decode",
    "b64encode",
    "key_id",
]

ED25519 = "ed25519"
SUPPORTED_ALGORITHMS = (ED25519,)


def b64encode(data: bytes) -> str:
    """Standard base64 with padding (RFC 4648 §4)."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str) -> bytes:
    """Strict standard base64: refuses other alphabets, missing padding and stray characters."""
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError(f"not valid base64: {exc}") from None


def key_id(alg: str, public_key: bytes) -> str:
    """The identifier that signatures carry to name their key."""
    return hashlib.sha256(alg.encode("ascii") + b"\x00" + public_key).hexdigest()[:16]


@dataclass(frozen=True)
class Verifier:
    """A public key of one algorithm that checks signatures."""

    alg: str
    public_key: bytes

    def __post_init__(self) -> None:
        if self.alg not in SUPPORTED_ALGORITHMS:
            raise ValueError(f"signature algorithm {self.alg!r} is not supported")
        if self.alg == ED25519 and len(self.public_key) != 32:
            raise ValueError(f"an Ed25519 public key is 32 bytes, not {len(self.public_key)}")

    @property
    def kid(self) -> str:
        return key_id(self.alg, self.public_key)

    @functools.cached_property
    def _key(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.public_key)

    def verify(self, signature: bytes, message: bytes) -> bool:
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def to_json(self) -> dict[str, str]:
        return {"alg": self.alg, "kid": self.kid, "public": b64encode(self.public_key)}

    @classmethod
    def from_json(cls, data: object) -> Verifier:
        if not isinstance(data, dict):
            raise ValueError("a public key is an object with alg, kid and public")
        alg, kid, public = data.get("alg"), data.get("kid"), data.get("public")
        if not isinstance(alg, str) or not isinstance(kid, str) or not isinstance(public, str):
            raise ValueError("a public key needs string members alg, kid and public")
        verifier = cls(alg, b64decode(public))
        if verifier.kid != kid:
            raise ValueError(f"key id {kid} does not match the key (its id is {verifier.kid})")
        return verifier


class Signer:
    """A private key that signs; created from the raw 32-byte Ed25519 seed."""

    def __init__(self, seed: bytes, alg: str = ED25519) -> None:
        if alg != ED25519:
            raise ValueError(f"signature algorithm {alg!r} is not supported")
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.alg = alg
        self.verifier = Verifier(alg, self._key.public_key().public_bytes_raw())

    @classmethod
    def from_private_key(cls, key: Ed25519PrivateKey) -> Signer:
        return cls(key.private_bytes_raw())

    @property
    def kid(self) -> str:
        return self.verifier.kid

    @property
    def seed(self) -> bytes:
        """The 32-byte private seed (to derive the same key for checkpoint notes)."""
        return self._key.private_bytes_raw()

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)
