"""Signed envelopes and receipts.

An envelope is what one station says to another; a receipt is the receiving station's signed
statement that it stored an envelope. Both are JSON objects whose signature covers the RFC 8785
canonical form of the object with ``sig.value`` left out (so ``sig.alg`` and ``sig.kid`` are
signed too), prefixed by a domain-separation string so that one kind of object can never be
passed off as another. The hash of an envelope or receipt is SHA-256 over the canonical form of
the whole object, signature included.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..errors import EnvelopeError
from .canonical import MAX_DEPTH, canonical_json, nesting_depth
from .codes import RejectCode
from .ids import is_uuid7
from .signing import Signer, Verifier, b64decode, b64encode
from .timestamps import parse_time

__all__ = [
    "ENVELOPE_DOMAIN",
    "GENESIS_HASH",
    "PROTOCOL_VERSION",
    "RECEIPT_DOMAIN",
    "Envelope",
    "Precedence",
    "Receipt",
    "seal_envelope",
    "seal_receipt",
]

PROTOCOL_VERSION = 1
ENVELOPE_DOMAIN = b"detente envelope v1\n"
RECEIPT_DOMAIN = b"detente receipt v1\n"
GENESIS_HASH = "0" * 64
"""The ``prev`` of the first envelope in each direction."""

_KIND = re.compile(r"^[a-z][a-z0-9-]{0,63}$")
_STATION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_HASH = re.compile(r"^[0-9a-f]{64}$")
_KID = re.compile(r"^[0-9a-f]{16}$")


class Precedence(StrEnum):
    """NATO message precedence, most urgent first."""

    FLASH = "flash"
    IMMEDIATE = "immediate"
    PRIORITY = "priority"
    ROUTINE = "routine"


@dataclass(frozen=True, eq=False, kw_only=True)
class _Signed:
    """Common parts of envelopes and receipts: the signature and the canonical bytes."""

    sig_alg: str
    sig_kid: str
    signature: bytes
    canonical: bytes = field(repr=False)

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.canonical).hexdigest()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Signed) and type(other) is type(self) and other.canonical == self.canonical

    def __hash__(self) -> int:
        return hash(self.canonical)


@dataclass(frozen=True, eq=False, kw_only=True)
class Envelope(_Signed):
    id: str
    sender: str
    recipient: str
    seq: int
    prev: str
    created: str
    kind: str
    precedence: Precedence
    body: Mapping[str, Any]
    line: Mapping[str, Any] | None = None
    """On a line of more than two stations: ``{"name", "version", "to", "group"}``, the line and
    the version of its charter, every recipient of the message, and the id that the message's
    envelopes to those recipients share (PROTOCOL.md §21)."""

    def unsigned_json(self) -> dict[str, Any]:
        data = {
            "v": PROTOCOL_VERSION,
            "type": "envelope",
            "id": self.id,
            "from": self.sender,
            "to": self.recipient,
            "seq": self.seq,
            "prev": self.prev,
            "created": self.created,
            "kind": self.kind,
            "precedence": self.precedence.value,
            "body": self.body,
            "sig": {"alg": self.sig_alg, "kid": self.sig_kid},
        }
        if self.line is not None:
            data["line"] = self.line
        return data

    def to_json(self) -> dict[str, Any]:
        data = self.unsigned_json()
        data["sig"]["value"] = b64encode(self.signature)
        return data

    def verify(self, verifiers: Mapping[str, Verifier]) -> None:
        """Check the signature against the sender's keys (by key id); raise EnvelopeError if bad."""
        _check_signature(self, verifiers, ENVELOPE_DOMAIN, self.unsigned_json(), "envelope")

    @classmethod
    def from_json(cls, data: object) -> Envelope:
        """Validate the structure of an envelope received as JSON (not its signature)."""
        code = RejectCode.MALFORMED_ENVELOPE
        obj = _object(data, code, "envelope")
        _exact_members(
            obj,
            {"v", "type", "id", "from", "to", "seq", "prev", "created", "kind", "precedence", "body", "sig"}
            | ({"line"} & obj.keys()),
            code,
            "envelope",
        )
        if obj["v"] != PROTOCOL_VERSION or obj["type"] != "envelope":
            raise EnvelopeError(code, f"envelope version {obj['v']!r} / type {obj['type']!r} unknown")
        if not is_uuid7(obj["id"]):
            raise EnvelopeError(code, f"envelope id {obj['id']!r} is not a UUIDv7")
        sender = _station(obj["from"], code, "from")
        recipient = _station(obj["to"], code, "to")
        seq = _positive_int(obj["seq"], code, "seq")
        prev = _hash(obj["prev"], code, "prev")
        created = _timestamp(obj["created"], code, "created")
        kind = obj["kind"]
        if not isinstance(kind, str) or not _KIND.fullmatch(kind):
            raise EnvelopeError(code, f"kind {kind!r} is not a lowercase name like 'free-text'")
        try:
            precedence = Precedence(obj["precedence"])
        except ValueError:
            raise EnvelopeError(code, f"precedence {obj['precedence']!r} is unknown") from None
        if not isinstance(obj["body"], dict):
            raise EnvelopeError(code, "body must be a JSON object")
        line = _line(obj["line"], recipient, code) if "line" in obj else None
        alg, kid, signature = _signature(obj["sig"], code)
        envelope = cls(
            sig_alg=alg,
            sig_kid=kid,
            signature=signature,
            canonical=_canonical(obj, code),
            id=obj["id"],
            sender=sender,
            recipient=recipient,
            seq=seq,
            prev=prev,
            created=created,
            kind=kind,
            precedence=precedence,
            body=obj["body"],
            line=line,
        )
        _check_one_form(envelope, code, "envelope")
        return envelope


@dataclass(frozen=True, eq=False, kw_only=True)
class Receipt(_Signed):
    """The receiver's signed statement that it durably stored the envelope with this hash."""

    message_id: str
    envelope_hash: str
    seq: int
    sender: str
    """The station that signs the receipt: the envelope's recipient."""
    recipient: str
    """The station the receipt goes to: the envelope's sender."""
    received: str

    def unsigned_json(self) -> dict[str, Any]:
        return {
            "v": PROTOCOL_VERSION,
            "type": "receipt",
            "id": self.message_id,
            "envelope": self.envelope_hash,
            "seq": self.seq,
            "from": self.sender,
            "to": self.recipient,
            "received": self.received,
            "sig": {"alg": self.sig_alg, "kid": self.sig_kid},
        }

    def to_json(self) -> dict[str, Any]:
        data = self.unsigned_json()
        data["sig"]["value"] = b64encode(self.signature)
        return data

    def verify(self, verifiers: Mapping[str, Verifier]) -> None:
        _check_signature(self, verifiers, RECEIPT_DOMAIN, self.unsigned_json(), "receipt")

    @classmethod
    def from_json(cls, data: object) -> Receipt:
        code = RejectCode.MALFORMED_RECEIPT
        obj = _object(data, code, "receipt")
        _exact_members(obj, {"v", "type", "id", "envelope", "seq", "from", "to", "received", "sig"}, code, "receipt")
        if obj["v"] != PROTOCOL_VERSION or obj["type"] != "receipt":
            raise EnvelopeError(code, f"receipt version {obj['v']!r} / type {obj['type']!r} unknown")
        if not is_uuid7(obj["id"]):
            raise EnvelopeError(code, f"receipt message id {obj['id']!r} is not a UUIDv7")
        alg, kid, signature = _signature(obj["sig"], code)
        receipt = cls(
            sig_alg=alg,
            sig_kid=kid,
            signature=signature,
            canonical=_canonical(obj, code),
            message_id=obj["id"],
            envelope_hash=_hash(obj["envelope"], code, "envelope"),
            seq=_positive_int(obj["seq"], code, "seq"),
            sender=_station(obj["from"], code, "from"),
            recipient=_station(obj["to"], code, "to"),
            received=_timestamp(obj["received"], code, "received"),
        )
        _check_one_form(receipt, code, "receipt")
        return receipt


def seal_envelope(
    signer: Signer,
    *,
    id: str,
    sender: str,
    recipient: str,
    seq: int,
    prev: str,
    created: str,
    kind: str,
    precedence: Precedence,
    body: Mapping[str, Any],
    line: Mapping[str, Any] | None = None,
) -> Envelope:
    """Sign a new envelope. Raises ValueError if a field could never pass the peer's checks."""
    if nesting_depth(body) > MAX_DEPTH - 2:  # the env frame wraps the body in two more objects
        raise ValueError(f"the body nests arrays and objects more than {MAX_DEPTH - 2} deep")
    sig: dict[str, str] = {"alg": signer.alg, "kid": signer.kid}
    draft: dict[str, Any] = {
        "v": PROTOCOL_VERSION,
        "type": "envelope",
        "id": id,
        "from": sender,
        "to": recipient,
        "seq": seq,
        "prev": prev,
        "created": created,
        "kind": kind,
        "precedence": Precedence(precedence).value,
        "body": dict(body),
        "sig": sig,
    }
    if line is not None:
        draft["line"] = dict(line)
    sig["value"] = b64encode(signer.sign(ENVELOPE_DOMAIN + canonical_json(draft)))
    try:
        return Envelope.from_json(draft)
    except EnvelopeError as exc:
        raise ValueError(f"this envelope would be refused by the peer: {exc.detail}") from None


def seal_receipt(signer: Signer, envelope: Envelope, received: str) -> Receipt:
    """Sign the receipt for an envelope this station has durably stored."""
    sig: dict[str, str] = {"alg": signer.alg, "kid": signer.kid}
    draft: dict[str, Any] = {
        "v": PROTOCOL_VERSION,
        "type": "receipt",
        "id": envelope.id,
        "envelope": envelope.hash,
        "seq": envelope.seq,
        "from": envelope.recipient,
        "to": envelope.sender,
        "received": received,
        "sig": sig,
    }
    sig["value"] = b64encode(signer.sign(RECEIPT_DOMAIN + canonical_json(draft)))
    return Receipt.from_json(draft)


# --- validation helpers ---------------------------------------------------------------------


def _check_signature(
    item: _Signed, verifiers: Mapping[str, Verifier], domain: bytes, unsigned: dict[str, Any], what: str
) -> None:
    verifier = verifiers.get(item.sig_kid)
    if verifier is None:
        raise EnvelopeError(
            RejectCode.UNKNOWN_KEY, f"{what} is signed with key {item.sig_kid}, which is not pinned for its sender"
        )
    if verifier.alg != item.sig_alg:
        raise EnvelopeError(
            RejectCode.BAD_SIGNATURE, f"{what} claims {item.sig_alg} for key {item.sig_kid}, which is {verifier.alg}"
        )
    if not verifier.verify(item.signature, domain + canonical_json(unsigned)):
        raise EnvelopeError(RejectCode.BAD_SIGNATURE, f"{what} signature does not verify with key {item.sig_kid}")


def _check_one_form(item: Envelope | Receipt, code: RejectCode, what: str) -> None:
    """The hash covers the received form, the signature the fields: they must be one and the same
    object. (``"v": true`` passes for 1 in Python, and base64 with stray padding bits decodes to the
    same signature: either would give a validly signed object a second hash.)"""
    if canonical_json(item.to_json()) != item.canonical:
        raise EnvelopeError(
            code,
            f"{what} is not in its one canonical form (v must be the integer "
            f"{PROTOCOL_VERSION} and sig.value canonical base64)",
        )


def _object(data: object, code: RejectCode, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise EnvelopeError(code, f"{what} must be a JSON object")
    return data


def _exact_members(obj: dict[str, Any], names: set[str], code: RejectCode, what: str) -> None:
    missing = names - obj.keys()
    extra = obj.keys() - names
    if missing:
        raise EnvelopeError(code, f"{what} lacks {', '.join(sorted(missing))}")
    if extra:
        raise EnvelopeError(code, f"{what} has unknown members {', '.join(sorted(extra))}")


_LINE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def _line(value: object, recipient: str, code: RejectCode) -> dict[str, Any]:
    line = _object(value, code, "line")
    _exact_members(line, {"name", "version", "to", "group"}, code, "line")
    if not isinstance(line["name"], str) or not _LINE_NAME.fullmatch(line["name"]):
        raise EnvelopeError(code, f"line name {line['name']!r} is not a line name")
    _positive_int(line["version"], code, "line version")
    to = line["to"]
    if not isinstance(to, list) or not 1 <= len(to) <= 64 or len(set(map(str, to))) != len(to):
        raise EnvelopeError(code, "line.to must list 1 to 64 distinct recipients")
    for station in to:
        _station(station, code, "line.to")
    if recipient not in to:
        raise EnvelopeError(code, f"line.to does not name the envelope's recipient {recipient}")
    if not is_uuid7(line["group"]):
        raise EnvelopeError(code, f"line group {line['group']!r} is not a UUIDv7")
    return dict(line)


def _station(value: object, code: RejectCode, name: str) -> str:
    if not isinstance(value, str) or not _STATION.fullmatch(value):
        raise EnvelopeError(code, f"{name} {value!r} is not a station id")
    return value


def _positive_int(value: object, code: RejectCode, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1 or value > 2**53 - 1:
        raise EnvelopeError(code, f"{name} {value!r} is not a positive integer")
    return value


def _hash(value: object, code: RejectCode, name: str) -> str:
    if not isinstance(value, str) or not _HASH.fullmatch(value):
        raise EnvelopeError(code, f"{name} {value!r} is not a lowercase hex SHA-256")
    return value


def _timestamp(value: object, code: RejectCode, name: str) -> str:
    try:
        parse_time(value)  # type: ignore[arg-type]
    except ValueError as exc:
        raise EnvelopeError(code, f"{name}: {exc}") from None
    return value  # type: ignore[return-value]


def _signature(value: object, code: RejectCode) -> tuple[str, str, bytes]:
    sig = _object(value, code, "sig")
    _exact_members(sig, {"alg", "kid", "value"}, code, "sig")
    alg, kid, text = sig["alg"], sig["kid"], sig["value"]
    if not isinstance(alg, str) or not isinstance(kid, str) or not _KID.fullmatch(kid):
        raise EnvelopeError(code, f"sig names algorithm {alg!r} and key {kid!r}, which are not valid names")
    if not isinstance(text, str):
        raise EnvelopeError(code, "sig.value must be base64 text")
    try:
        return alg, kid, b64decode(text)
    except ValueError as exc:
        raise EnvelopeError(code, f"sig.value: {exc}") from None


def _canonical(obj: dict[str, Any], code: RejectCode) -> bytes:
    try:
        return canonical_json(obj)
    except ValueError as exc:
        raise EnvelopeError(code, str(exc)) from None
