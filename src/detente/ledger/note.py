"""C2SP signed notes, checkpoint signatures and witness cosignatures, Ed25519 and ML-DSA-65.

A signed note (c2sp.org/signed-note) is UTF-8 text ending in a newline, a blank line, and
signature lines ``— <key name> base64(key ID || signature)``. The key ID is the first four bytes
of SHA-256(key name || 0x0A || signature type || public key). détente uses four kinds of keys,
all named ``detente.station/<station id>``:

=====================  =========================  ============================================
kind                   signature type             signs
=====================  =========================  ============================================
``note-ed25519``       ``0x01`` (C2SP)            the note text (the log's own checkpoint)
``note-mldsa65``       ``0xff "mldsa65"``         the note text, ML-DSA-65, empty context
``cosig-ed25519``      ``0x04`` (C2SP)            ``cosignature/v1`` message (timestamped)
``cosig-mldsa65``      ``0xff "mldsa65-cosig"``   the ``subtree/v1`` message of
                                                  c2sp.org/tlog-cosignature, with ML-DSA-65
=====================  =========================  ============================================

The Ed25519 lines are exactly what standard verifiers (Go's ``golang.org/x/mod/sumdb/note``,
transparency-dev witnesses) check; they ignore the ML-DSA lines, whose type byte 0xff is the
one C2SP reserves for types it does not assign, followed by a longer identifier. ML-DSA-65
keeps the record unforgeable against quantum computers for the decades a dispute can last.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass
from enum import Enum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA65PrivateKey, MLDSA65PublicKey

__all__ = [
    "KeyKind",
    "NoteError",
    "NoteKey",
    "NoteSigner",
    "Signature",
    "SignedNote",
    "cosignature_message",
    "key_name",
    "parse_note",
    "subtree_message",
]

DASH = "\u2014 "
MAX_SIGNATURES = 16


class NoteError(ValueError):
    """A note, key or signature line that is malformed or does not verify."""


class KeyKind(Enum):
    NOTE_ED25519 = (b"\x01", "note-ed25519", 32, 64)
    NOTE_MLDSA65 = (b"\xffmldsa65", "note-mldsa65", 1952, 3309)
    COSIG_ED25519 = (b"\x04", "cosig-ed25519", 32, 8 + 64)
    COSIG_MLDSA65 = (b"\xffmldsa65-cosig", "cosig-mldsa65", 1952, 8 + 3309)

    def __init__(self, type_id: bytes, label: str, key_size: int, sig_size: int) -> None:
        self.type_id = type_id
        self.label = label
        self.key_size = key_size
        self.sig_size = sig_size

    @property
    def mldsa(self) -> bool:
        return self in (KeyKind.NOTE_MLDSA65, KeyKind.COSIG_MLDSA65)

    @property
    def cosignature(self) -> bool:
        return self in (KeyKind.COSIG_ED25519, KeyKind.COSIG_MLDSA65)


def key_name(station_id: str) -> str:
    return f"detente.station/{station_id}"


@dataclass(frozen=True)
class NoteKey:
    """A verifier key: name, kind and public key; written as a C2SP vkey."""

    name: str
    kind: KeyKind
    public_key: bytes

    def __post_init__(self) -> None:
        if not self.name or any(c.isspace() or c == "+" for c in self.name):
            raise NoteError(f"key name {self.name!r} must be non-empty, without spaces or '+'")
        if len(self.public_key) != self.kind.key_size:
            raise NoteError(f"a {self.kind.label} public key is {self.kind.key_size} bytes, not {len(self.public_key)}")

    @property
    def key_id(self) -> bytes:
        return hashlib.sha256(self.name.encode() + b"\n" + self.kind.type_id + self.public_key).digest()[:4]

    @property
    def vkey(self) -> str:
        encoded = base64.b64encode(self.kind.type_id + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    @classmethod
    def from_vkey(cls, text: str) -> NoteKey:
        parts = text.split("+", 2)
        if len(parts) != 3:
            raise NoteError(f"verifier key {text[:40]!r}… is not name+keyid+key")
        name, key_hex, encoded = parts
        try:
            raw = base64.b64decode(encoded, validate=True)
        except ValueError:  # binascii.Error, or a character outside ASCII
            raise NoteError(f"verifier key {name[:40]!r}: the key is not base64") from None
        for kind in sorted(KeyKind, key=lambda k: -len(k.type_id)):
            if raw.startswith(kind.type_id) and len(raw) == len(kind.type_id) + kind.key_size:
                key = cls(name, kind, raw[len(kind.type_id) :])
                if key.key_id.hex() != key_hex:
                    raise NoteError(f"verifier key {name}: key id {key_hex} does not match the key")
                return key
        raise NoteError(f"verifier key {name}: unknown signature type or wrong key length")

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            if self.kind.mldsa:
                MLDSA65PublicKey.from_public_bytes(self.public_key).verify(signature, message)
            else:
                Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


class NoteSigner:
    """The station's checkpoint and cosignature keys: its Ed25519 key and its ML-DSA-65 key."""

    def __init__(self, name: str, ed25519_seed: bytes, mldsa65_seed: bytes) -> None:
        self.name = name
        self._ed = Ed25519PrivateKey.from_private_bytes(ed25519_seed)
        self._ml = MLDSA65PrivateKey.from_seed_bytes(mldsa65_seed)
        ed_public = self._ed.public_key().public_bytes_raw()
        ml_public = self._ml.public_key().public_bytes_raw()
        self.keys = {
            KeyKind.NOTE_ED25519: NoteKey(name, KeyKind.NOTE_ED25519, ed_public),
            KeyKind.NOTE_MLDSA65: NoteKey(name, KeyKind.NOTE_MLDSA65, ml_public),
            KeyKind.COSIG_ED25519: NoteKey(name, KeyKind.COSIG_ED25519, ed_public),
            KeyKind.COSIG_MLDSA65: NoteKey(name, KeyKind.COSIG_MLDSA65, ml_public),
        }

    def sign_note(self, text: str) -> list[Signature]:
        data = text.encode()
        return [
            Signature(self.name, self.keys[KeyKind.NOTE_ED25519].key_id, self._ed.sign(data)),
            Signature(self.name, self.keys[KeyKind.NOTE_MLDSA65].key_id, self._ml.sign(data)),
        ]

    def cosign(self, text: str, timestamp: int) -> list[Signature]:
        """Witness cosignatures of a checkpoint note text, Ed25519 (cosignature/v1) and ML-DSA-65."""
        origin, size, root = _checkpoint_head(text)
        stamp = struct.pack(">Q", timestamp)
        ed = self._ed.sign(cosignature_message(text, timestamp))
        ml = self._ml.sign(subtree_message(self.name, timestamp, origin, 0, size, root))
        return [
            Signature(self.name, self.keys[KeyKind.COSIG_ED25519].key_id, stamp + ed),
            Signature(self.name, self.keys[KeyKind.COSIG_MLDSA65].key_id, stamp + ml),
        ]


def cosignature_message(text: str, timestamp: int) -> bytes:
    """What an Ed25519 ``cosignature/v1`` signs (c2sp.org/tlog-cosignature)."""
    return f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()


def subtree_message(name: str, timestamp: int, origin: str, start: int, end: int, root: bytes) -> bytes:
    """The ``subtree/v1`` ``cosigned_message`` of c2sp.org/tlog-cosignature."""
    name_bytes, origin_bytes = name.encode(), origin.encode()
    if not 0 < len(name_bytes) < 256 or not 0 < len(origin_bytes) < 256 or len(root) != 32:
        raise NoteError("cosigner name and origin must be 1 to 255 bytes, and the root 32 bytes")
    return (
        b"subtree/v1\n\x00"
        + bytes([len(name_bytes)])
        + name_bytes
        + struct.pack(">Q", timestamp)
        + bytes([len(origin_bytes)])
        + origin_bytes
        + struct.pack(">QQ", start, end)
        + root
    )


def _checkpoint_head(text: str) -> tuple[str, int, bytes]:
    lines = text.split("\n")
    if len(lines) < 4 or not lines[1].isdigit():
        raise NoteError("a checkpoint is origin, tree size and root hash, one per line")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except binascii.Error:
        raise NoteError("the checkpoint's root hash is not base64") from None
    if len(root) != 32:
        raise NoteError("the checkpoint's root hash is not 32 bytes")
    return lines[0], int(lines[1]), root


@dataclass(frozen=True)
class Signature:
    """One signature line: key name, key ID and the signature bytes (after the key ID)."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        return f"{DASH}{self.name} {base64.b64encode(self.key_id + self.signature).decode()}\n"


@dataclass(frozen=True)
class SignedNote:
    text: str
    signatures: tuple[Signature, ...]

    def __str__(self) -> str:
        return self.text + "\n" + "".join(s.line() for s in self.signatures)

    def with_signatures(self, extra: list[Signature]) -> SignedNote:
        present = {(s.name, s.key_id) for s in self.signatures}
        return SignedNote(self.text, self.signatures + tuple(s for s in extra if (s.name, s.key_id) not in present))

    def signature_by(self, key: NoteKey) -> Signature | None:
        for signature in self.signatures:
            if signature.name == key.name and signature.key_id == key.key_id:
                return signature
        return None

    def verify(self, key: NoteKey) -> bool:
        """True if ``key`` signed this note (as a note key, or as a cosigner of a checkpoint)."""
        signature = self.signature_by(key)
        if signature is None or len(signature.signature) != key.kind.sig_size:
            return False
        if not key.kind.cosignature:
            return key.verify(self.text.encode(), signature.signature)
        (timestamp,) = struct.unpack(">Q", signature.signature[:8])
        if key.kind is KeyKind.COSIG_ED25519:
            return key.verify(cosignature_message(self.text, timestamp), signature.signature[8:])
        origin, size, root = _checkpoint_head(self.text)
        return key.verify(subtree_message(key.name, timestamp, origin, 0, size, root), signature.signature[8:])

    def cosigned_at(self, key: NoteKey) -> int | None:
        signature = self.signature_by(key)
        if signature is None or not key.kind.cosignature or len(signature.signature) < 8:
            return None
        return int(struct.unpack(">Q", signature.signature[:8])[0])


def parse_note(data: str) -> SignedNote:
    """Split a signed note into its text and signature lines (verification is separate)."""
    if any(ord(c) < 0x20 and c != "\n" for c in data):
        raise NoteError("a signed note must not contain control characters other than newline")
    cut = data.rfind("\n\n")
    if cut < 0 or not data.endswith("\n"):
        raise NoteError("a signed note is text, a blank line, then signature lines, each ending in a newline")
    text, lines = data[: cut + 1], data[cut + 2 :].split("\n")[:-1]
    if not lines:
        raise NoteError("the note has no signature")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"the note has {len(lines)} signatures; at most {MAX_SIGNATURES} are accepted")
    signatures = []
    for line in lines:
        if not line.startswith(DASH):
            raise NoteError(f"signature line {line[:40]!r} does not start with an em dash and a space")
        name, _, encoded = line[len(DASH) :].partition(" ")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise NoteError(f"signature by {name!r} is not base64") from None
        if not name or len(raw) < 5:
            raise NoteError(f"signature line {line[:40]!r} is too short")
        signatures.append(Signature(name, raw[:4], raw[4:]))
    return SignedNote(text, tuple(signatures))
