"""PROTOCOL.md is checked against the code: its test vectors and its state diagram.

The vectors are read out of PROTOCOL.md itself (never from a copy): each is a fenced block right
after a ``<!-- vector:NAME -->`` marker, and ``vector:inputs`` holds the fixed inputs they are made
from. Every vector is recomputed with détente's own code, and then checked a second time without
it: signatures with ``cryptography``'s Ed25519 directly, canonical JSON with the independent
``rfc8785`` package, hashes, key ids, UUIDs, frames and the fingerprint with the standard library.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import struct
import uuid
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA65PrivateKey

from detente.identity import fingerprint
from detente.ledger.note import KeyKind, NoteSigner, key_name
from detente.protocol.canonical import canonical_json, parse_json
from detente.protocol.envelope import (
    ENVELOPE_DOMAIN,
    GENESIS_HASH,
    RECEIPT_DOMAIN,
    Envelope,
    Precedence,
    Receipt,
    seal_envelope,
    seal_receipt,
)
from detente.protocol.frames import (
    EnvelopeFrame,
    Hello,
    Ping,
    Pong,
    ReceiptFrame,
    encode_frame,
    parse_frame,
)
from detente.protocol.ids import uuid7
from detente.protocol.signing import Signer, key_id
from detente.protocol.states import mermaid

PROTOCOL = Path(__file__).resolve().parents[2] / "PROTOCOL.md"

_VECTOR = re.compile(r"^<!-- vector:([a-z0-9-]+) -->\n```([a-z]*)\n(.*?)\n```$", re.MULTILINE | re.DOTALL)
_DIAGRAM = re.compile(
    r"^<!-- state-diagram:begin -->\n```mermaid\n(.*?)^```\n<!-- state-diagram:end -->$", re.MULTILINE | re.DOTALL
)

Value = bytes | str
"""A vector's value: ``bytes`` are written in PROTOCOL.md as hex (wrapped), ``str`` as exact text."""


# --- reading PROTOCOL.md ------------------------------------------------------------------------


@cache
def document() -> str:
    return PROTOCOL.read_text(encoding="utf-8")


@cache
def blocks() -> dict[str, tuple[str, str]]:
    """Every vector block of PROTOCOL.md: name -> (fence language, exact content)."""
    found: dict[str, tuple[str, str]] = {}
    for match in _VECTOR.finditer(document()):
        name, language, content = match.groups()
        assert name not in found, f"PROTOCOL.md has two vectors named {name}"
        found[name] = (language, content)
    assert found, "PROTOCOL.md has no <!-- vector:NAME --> blocks"
    return found


def inputs() -> dict[str, Any]:
    language, content = blocks()["inputs"]
    assert language == "json"
    data: dict[str, Any] = json.loads(content)
    return data


def text(name: str) -> str:
    return blocks()[name][1]


def data(name: str) -> bytes:
    """A vector's bytes: hex blocks decoded, text blocks as their UTF-8."""
    language, content = blocks()[name]
    if language == "hex":
        return bytes.fromhex("".join(content.split()))
    return content.encode("utf-8")


def render(value: Value) -> tuple[str, str]:
    """How a computed value is written in PROTOCOL.md: (fence language, content)."""
    if isinstance(value, bytes):
        digits = value.hex()
        return "hex", "\n".join(digits[i : i + 64] for i in range(0, len(digits), 64))
    return "text", value


# --- the vectors, computed with détente's code ----------------------------------------------------


def compute(spec: dict[str, Any]) -> dict[str, Value]:
    """Every vector of PROTOCOL.md (except the inputs), computed from the inputs with détente's code."""
    out: dict[str, Value] = {}
    signers: dict[str, Signer] = {}
    ids: dict[str, str] = {}
    for party, station in spec["stations"].items():
        signer = Signer(bytes.fromhex(station["seed_hex"]))
        signers[party] = signer
        ids[party] = station["station_id"]
        out[f"{party.lower()}-public-key"] = base64.b64encode(signer.verifier.public_key).decode("ascii")
        out[f"{party.lower()}-kid"] = signer.kid

    envelopes: list[Envelope] = []
    for number in (1, 2):
        item = spec[f"envelope_{number}"]
        prev = envelopes[-1].hash if envelopes else GENESIS_HASH
        envelope = seal_envelope(
            signers[item["from"]],
            id=uuid7(item["uuid7_unix_ms"], bytes.fromhex(item["uuid7_random_hex"])),
            sender=ids[item["from"]],
            recipient=ids[item["to"]],
            seq=item["seq"],
            prev=prev,
            created=item["created"],
            kind=item["kind"],
            precedence=Precedence(item["precedence"]),
            body=item["body"],
        )
        envelopes.append(envelope)
        name = f"envelope-{number}"
        out[f"{name}-id"] = envelope.id
        out[f"{name}-signing-input"] = ENVELOPE_DOMAIN + canonical_json(envelope.unsigned_json())
        out[f"{name}-signature"] = base64.b64encode(envelope.signature).decode("ascii")
        out[f"{name}-canonical"] = envelope.canonical.decode("utf-8")
        out[f"{name}-hash"] = envelope.hash
        out[f"{name}-frame"] = encode_frame(EnvelopeFrame(envelope))

    item = spec["receipt_1"]
    receipt = seal_receipt(signers[item["signer"]], envelopes[0], item["received"])
    out["receipt-1-signing-input"] = RECEIPT_DOMAIN + canonical_json(receipt.unsigned_json())
    out["receipt-1-signature"] = base64.b64encode(receipt.signature).decode("ascii")
    out["receipt-1-canonical"] = receipt.canonical.decode("utf-8")
    out["receipt-1-hash"] = receipt.hash
    out["receipt-1-frame"] = encode_frame(ReceiptFrame(item["rcpt_frame_ack"], receipt))

    hello = spec["hello"]
    out["hello-frame"] = encode_frame(
        Hello(tuple(hello["versions"]), ids[hello["station"]], hello["next"], hello["time_us"])
    )
    out["ping-frame"] = encode_frame(Ping(spec["ping"]["n"], spec["ping"]["time_us"], spec["ping"]["ack"]))
    out["pong-frame"] = encode_frame(Pong(spec["pong"]["n"], spec["pong"]["echo_us"], spec["pong"]["time_us"]))

    card = spec["fingerprint"]
    key = signers[card["station"]].verifier
    checkpoint_key = NoteSigner(
        key_name(ids[card["station"]]), signers[card["station"]].seed, bytes.fromhex(card["mldsa65_seed_hex"])
    ).keys[KeyKind.NOTE_MLDSA65]
    out["fingerprint-identity"] = canonical_json(
        {
            "station_id": ids[card["station"]],
            "party": card["party"],
            "name": card["name"],
            "signing_key": {"alg": key.alg, "public": base64.b64encode(key.public_key).decode("ascii")},
            "checkpoint_key": {"alg": "ml-dsa-65", "sha256": hashlib.sha256(checkpoint_key.public_key).hexdigest()},
            "tls_certificate_sha256": card["tls_certificate_sha256"],
        }
    ).decode("utf-8")
    out["fingerprint"] = fingerprint(
        station_id=ids[card["station"]],
        party=card["party"],
        name=card["name"],
        signing_key=key,
        cert_sha256=card["tls_certificate_sha256"],
        checkpoint_key=checkpoint_key.public_key,
    )
    return out


@cache
def computed() -> dict[str, Value]:
    return compute(inputs())


# --- (1) every vector equals what the code computes ------------------------------------------------


def test_the_document_has_exactly_the_computed_vectors() -> None:
    assert set(blocks()) - {"inputs"} == set(computed())


def test_every_vector_matches_the_code() -> None:
    differences = []
    for name, value in sorted(computed().items()):
        if name not in blocks():
            differences.append(f"{name}: missing from PROTOCOL.md")
            continue
        if blocks()[name] != render(value):
            differences.append(f"{name}: PROTOCOL.md has\n{blocks()[name][1]}\nthe code computes\n{render(value)[1]}")
    assert not differences, "\n\n".join(differences)


def test_the_vector_frames_parse_and_verify_with_the_code() -> None:
    spec = inputs()
    keys = {}
    for party in spec["stations"]:
        signer = Signer(bytes.fromhex(spec["stations"][party]["seed_hex"]))
        keys[party] = {signer.kid: signer.verifier}
    expected_prev = GENESIS_HASH
    for number in (1, 2):
        frame = parse_frame(data(f"envelope-{number}-frame")[4:])
        assert isinstance(frame, EnvelopeFrame)
        envelope = frame.envelope
        envelope.verify(keys[spec[f"envelope_{number}"]["from"]])
        assert envelope.hash == text(f"envelope-{number}-hash")
        assert envelope.prev == expected_prev
        assert envelope == Envelope.from_json(parse_json(data(f"envelope-{number}-canonical")))
        expected_prev = envelope.hash
    frame = parse_frame(data("receipt-1-frame")[4:])
    assert isinstance(frame, ReceiptFrame)
    frame.receipt.verify(keys[spec["receipt_1"]["signer"]])
    assert frame.receipt == Receipt.from_json(parse_json(data("receipt-1-canonical")))
    assert frame.receipt.envelope_hash == text("envelope-1-hash")
    assert key_id("ed25519", base64.b64decode(text("tr-public-key"))) == text("tr-kid")


# --- (2) the state diagram is the code's -------------------------------------------------------------


def test_the_state_diagram_is_the_one_the_code_draws() -> None:
    found = _DIAGRAM.findall(document())
    assert len(found) == 1, "PROTOCOL.md needs exactly one mermaid block between the state-diagram markers"
    assert found[0] == mermaid()


# --- (3) the same vectors, checked without détente's code ---------------------------------------------


def _independent_jcs(value: Any) -> bytes:
    result = rfc8785.dumps(value)
    assert isinstance(result, bytes)
    return result


def test_keys_and_key_ids_independently() -> None:
    for party, station in inputs()["stations"].items():
        private = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(station["seed_hex"]))
        public = private.public_key().public_bytes_raw()
        assert base64.b64decode(text(f"{party.lower()}-public-key"), validate=True) == public
        assert text(f"{party.lower()}-kid") == hashlib.sha256(b"ed25519\x00" + public).hexdigest()[:16]


def _public_key(party: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text(f"{party.lower()}-public-key"), validate=True))


@pytest.mark.parametrize(
    ("name", "domain", "signer"),
    [
        ("envelope-1", b"detente envelope v1\n", "envelope_1"),
        ("envelope-2", b"detente envelope v1\n", "envelope_2"),
        ("receipt-1", b"detente receipt v1\n", "receipt_1"),
    ],
)
def test_signed_objects_independently(name: str, domain: bytes, signer: str) -> None:
    item = inputs()[signer]
    party = item.get("from") or item["signer"]
    canonical = data(f"{name}-canonical")
    obj = json.loads(canonical)
    # the canonical form is RFC 8785 according to another implementation
    assert _independent_jcs(obj) == canonical
    # the signing input is the domain string, then the JCS of the object without sig.value
    unsigned = copy.deepcopy(obj)
    signature_text = unsigned["sig"].pop("value")
    signing_input = data(f"{name}-signing-input")
    assert signing_input == domain + _independent_jcs(unsigned)
    assert signature_text == text(f"{name}-signature")
    signature = base64.b64decode(signature_text, validate=True)
    _public_key(party).verify(signature, signing_input)  # raises InvalidSignature if wrong
    assert obj["sig"]["kid"] == text(f"{party.lower()}-kid")
    assert obj["sig"]["alg"] == "ed25519"
    # the hash covers the whole object, signature included
    assert text(f"{name}-hash") == hashlib.sha256(canonical).hexdigest()


def test_a_corrupted_signing_input_does_not_verify_independently() -> None:
    signing_input = bytearray(data("envelope-1-signing-input"))
    signing_input[-3] ^= 0x01
    signature = base64.b64decode(text("envelope-1-signature"))
    with pytest.raises(InvalidSignature):
        _public_key("TR").verify(signature, bytes(signing_input))


def test_envelope_fields_chain_and_ids_independently() -> None:
    spec = inputs()
    previous = "0" * 64
    for number in (1, 2):
        item = spec[f"envelope_{number}"]
        obj = json.loads(data(f"envelope-{number}-canonical"))
        assert obj["v"] == 1 and obj["type"] == "envelope"
        assert obj["from"] == spec["stations"][item["from"]]["station_id"]
        assert obj["to"] == spec["stations"][item["to"]]["station_id"]
        assert (obj["seq"], obj["prev"]) == (item["seq"], previous)
        assert (obj["created"], obj["kind"], obj["precedence"], obj["body"]) == (
            item["created"],
            item["kind"],
            item["precedence"],
            item["body"],
        )
        assert obj["id"] == text(f"envelope-{number}-id")
        # UUIDv7 (RFC 9562): 48-bit milliseconds, version 7, rand_a, variant 10, rand_b
        ident = uuid.UUID(obj["id"])
        assert ident.version == 7 and ident.variant == uuid.RFC_4122
        random = int.from_bytes(bytes.fromhex(item["uuid7_random_hex"])[:10], "big")
        assert ident.int >> 80 == item["uuid7_unix_ms"]
        assert (ident.int >> 64) & 0xFFF == (random >> 68) & 0xFFF
        assert ident.int & ((1 << 62) - 1) == random & ((1 << 62) - 1)
        previous = hashlib.sha256(data(f"envelope-{number}-canonical")).hexdigest()


def test_receipt_fields_independently() -> None:
    spec = inputs()
    receipt = json.loads(data("receipt-1-canonical"))
    envelope = json.loads(data("envelope-1-canonical"))
    assert receipt == {
        "v": 1,
        "type": "receipt",
        "id": envelope["id"],
        "envelope": hashlib.sha256(data("envelope-1-canonical")).hexdigest(),
        "seq": envelope["seq"],
        "from": envelope["to"],
        "to": envelope["from"],
        "received": spec["receipt_1"]["received"],
        "sig": receipt["sig"],
    }


def _frame(payload: dict[str, Any]) -> bytes:
    body = _independent_jcs(payload)
    return struct.pack(">I", len(body)) + body


def test_frames_independently() -> None:
    spec = inputs()
    for number in (1, 2):
        envelope = json.loads(data(f"envelope-{number}-canonical"))
        assert data(f"envelope-{number}-frame") == _frame({"t": "env", "env": envelope})
    receipt = json.loads(data("receipt-1-canonical"))
    assert data("receipt-1-frame") == _frame({"t": "rcpt", "ack": spec["receipt_1"]["rcpt_frame_ack"], "rcpt": receipt})
    hello = spec["hello"]
    assert data("hello-frame") == _frame(
        {
            "t": "hello",
            "protocol": "detente",
            "versions": hello["versions"],
            "station": spec["stations"][hello["station"]]["station_id"],
            "next": hello["next"],
            "time_us": hello["time_us"],
        }
    )
    assert data("ping-frame") == _frame({"t": "ping", **spec["ping"]})
    assert data("pong-frame") == _frame({"t": "pong", **spec["pong"]})


def test_fingerprint_independently() -> None:
    spec = inputs()["fingerprint"]
    station = inputs()["stations"][spec["station"]]
    identity = _independent_jcs(
        {
            "station_id": station["station_id"],
            "party": spec["party"],
            "name": spec["name"],
            "signing_key": {"alg": "ed25519", "public": text(f"{spec['station'].lower()}-public-key")},
            "checkpoint_key": {
                "alg": "ml-dsa-65",
                "sha256": hashlib.sha256(
                    MLDSA65PrivateKey.from_seed_bytes(bytes.fromhex(spec["mldsa65_seed_hex"]))
                    .public_key()
                    .public_bytes_raw()
                ).hexdigest(),
            },
            "tls_certificate_sha256": spec["tls_certificate_sha256"],
        }
    )
    assert identity == data("fingerprint-identity")
    digest = identity
    for _ in range(5200):
        digest = hashlib.sha512(digest + identity).digest()
    groups = [int.from_bytes(digest[5 * i : 5 * i + 5], "big") % 100_000 for i in range(6)]
    assert text("fingerprint") == " ".join(f"{group:05d}" for group in groups)
