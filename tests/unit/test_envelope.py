"""Signed envelopes and receipts: sealing, validation of what peers send, signatures, identity.

Also the small modules they rest on: key ids and base64 (signing), UUIDv7 ids and timestamps.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import math
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from detente.errors import EnvelopeError, RemoteProtocolError
from detente.protocol.canonical import MAX_DEPTH, canonical_json, parse_json
from detente.protocol.codes import RejectCode
from detente.protocol.envelope import (
    ENVELOPE_DOMAIN,
    GENESIS_HASH,
    PROTOCOL_VERSION,
    RECEIPT_DOMAIN,
    Envelope,
    Precedence,
    Receipt,
    seal_envelope,
    seal_receipt,
)
from detente.protocol.ids import is_uuid7, uuid7
from detente.protocol.signing import ED25519, Signer, Verifier, b64decode, b64encode, key_id
from detente.protocol.timestamps import format_time, parse_time
from pairs import T0, signer_for

ALPHA, BRAVO = signer_for("alpha"), signer_for("bravo")
ALPHA_KEYS = {ALPHA.kid: ALPHA.verifier}
BRAVO_KEYS = {BRAVO.kid: BRAVO.verifier}
MALFORMED_ENV, MALFORMED_RCPT = RejectCode.MALFORMED_ENVELOPE, RejectCode.MALFORMED_RECEIPT
ENV_MEMBERS = ["v", "type", "id", "from", "to", "seq", "prev", "created", "kind", "precedence", "body", "sig"]
RCPT_MEMBERS = ["v", "type", "id", "envelope", "seq", "from", "to", "received", "sig"]


def seal(signer: Signer = ALPHA, **overrides: Any) -> Envelope:
    fields: dict[str, Any] = {
        "id": uuid7(int(T0 * 1000), b"\x01" * 10),
        "sender": "alpha",
        "recipient": "bravo",
        "seq": 1,
        "prev": GENESIS_HASH,
        "created": format_time(T0),
        "kind": "free-text",
        "precedence": Precedence.FLASH,
        "body": {"lang": "en", "text": "Two aircraft on patrol north of the line, 11:00–13:00Z.\nAcknowledge."},
    }
    fields.update(overrides)
    return seal_envelope(signer, **fields)


ENVELOPE = seal()
RECEIPT = seal_receipt(BRAVO, ENVELOPE, format_time(T0 + 0.5))


def wire(item: Envelope | Receipt) -> dict[str, Any]:
    """The item as a peer would send it, parsed back from its canonical bytes."""
    data: dict[str, Any] = parse_json(canonical_json(item.to_json()))
    return data


def refused(parse: Callable[[object], object], data: object) -> EnvelopeError:
    with pytest.raises(EnvelopeError) as info:
        parse(data)
    return info.value


# --- sealing and round trips ----------------------------------------------------------------------


def test_seal_parse_verify_round_trip() -> None:
    data = canonical_json(ENVELOPE.to_json())
    parsed = Envelope.from_json(parse_json(data))
    parsed.verify(ALPHA_KEYS)
    assert parsed == ENVELOPE
    assert parsed.canonical == ENVELOPE.canonical == data
    assert parsed.hash == ENVELOPE.hash == hashlib.sha256(data).hexdigest()
    assert (parsed.sender, parsed.recipient, parsed.seq, parsed.prev) == ("alpha", "bravo", 1, GENESIS_HASH)
    assert parsed.precedence is Precedence.FLASH
    assert parsed.body == ENVELOPE.body
    assert (parsed.sig_alg, parsed.sig_kid) == (ED25519, ALPHA.kid)


def test_signature_covers_the_domain_and_the_object_without_sig_value() -> None:
    unsigned = ENVELOPE.to_json()
    del unsigned["sig"]["value"]
    assert unsigned == ENVELOPE.unsigned_json()
    public = Ed25519PublicKey.from_public_bytes(ALPHA.verifier.public_key)
    public.verify(ENVELOPE.signature, ENVELOPE_DOMAIN + canonical_json(unsigned))  # raises if not
    # Domain separation: the same bytes under the receipt domain do not verify.
    assert not ALPHA.verifier.verify(ENVELOPE.signature, RECEIPT_DOMAIN + canonical_json(unsigned))
    assert ENVELOPE.to_json()["v"] == PROTOCOL_VERSION == 1


def test_the_hash_covers_the_signature() -> None:
    other = seal(body=dict(ENVELOPE.body))  # same fields; Ed25519 is deterministic
    assert other == ENVELOPE
    resigned = dataclasses.replace(ENVELOPE, signature=b"\x00" * 64)
    assert resigned.hash == ENVELOPE.hash  # dataclasses.replace keeps the canonical bytes...
    assert Envelope.from_json(resigned.to_json()).hash != ENVELOPE.hash  # ...re-parsing does not


def test_body_numbers_and_text_survive_the_wire() -> None:
    body = {"n": [1, -2.5, 1e21, 1e-7, 2.0**53], "s": 'é\u2028\x00"\\', "nested": {"b": [True, None]}}
    envelope = seal(body=body)
    parsed = Envelope.from_json(parse_json(canonical_json(envelope.to_json())))
    parsed.verify(ALPHA_KEYS)
    assert parsed == envelope and parsed.hash == envelope.hash


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", "not-a-uuid"),
        ("sender", "-alpha"),
        ("recipient", ""),
        ("seq", 0),
        ("prev", "0" * 63),
        ("created", "2026-11-26T09:14:03Z"),
        ("kind", "Free-Text"),
        ("body", {"x": math.nan}),
        ("body", {"x": 2**60}),
        ("body", {"x": "\udc00"}),
    ],
)
def test_seal_refuses_what_the_peer_would_refuse(field: str, value: Any) -> None:
    with pytest.raises(ValueError):
        seal(**{field: value})


def test_seal_refuses_an_unknown_precedence() -> None:
    with pytest.raises(ValueError):
        seal(precedence="urgent")
    assert seal(precedence="routine").precedence is Precedence.ROUTINE


def test_seal_refuses_a_body_nested_deeper_than_a_frame_may_be() -> None:
    def nested(depth: int) -> dict[str, Any]:
        body: Any = 1
        for _ in range(depth - 1):
            body = [body]
        return {"x": body}

    seal(body=nested(MAX_DEPTH - 2))  # the env frame adds two levels: exactly at the limit
    with pytest.raises(ValueError, match="nests"):
        seal(body=nested(MAX_DEPTH - 1))


def test_precedence_values() -> None:
    assert [p.value for p in Precedence] == ["flash", "immediate", "priority", "routine"]


# --- Envelope.from_json: every refusal -----------------------------------------------------------


@pytest.mark.parametrize("data", [None, [], "envelope", 1, True])
def test_envelope_must_be_an_object(data: object) -> None:
    assert refused(Envelope.from_json, data).code == MALFORMED_ENV


@pytest.mark.parametrize("member", ENV_MEMBERS)
def test_envelope_missing_member(member: str) -> None:
    data = wire(ENVELOPE)
    del data[member]
    error = refused(Envelope.from_json, data)
    assert error.code == MALFORMED_ENV and member in error.detail


def test_envelope_extra_member() -> None:
    data = wire(ENVELOPE) | {"priority": 1}
    error = refused(Envelope.from_json, data)
    assert error.code == MALFORMED_ENV and "unknown members priority" in error.detail


ENVELOPE_FAULTS: list[tuple[str, Any]] = [
    ("v", 2),
    ("v", 0),
    ("v", "1"),
    ("v", True),  # true == 1 in Python: it must still be refused
    ("type", "receipt"),
    ("type", None),
    ("id", "0192f7c8-5d2e-4b7e-9f7a-1c2d3e4f5a6b"),  # version 4
    ("id", "0192F7C8-5D2E-7B7E-9F7A-1C2D3E4F5A6B"),  # upper case
    ("id", "0192f7c8-5d2e-7b7e-cf7a-1c2d3e4f5a6b"),  # wrong variant
    ("id", 12),
    ("from", "al pha"),
    ("from", "a" * 65),
    ("from", 7),
    ("to", ".bravo"),
    ("to", None),
    ("seq", 0),
    ("seq", -1),
    ("seq", 1.5),
    ("seq", True),
    ("seq", "1"),
    ("seq", 2**53),
    ("prev", "A" * 64),
    ("prev", "0" * 65),
    ("prev", "g" * 64),
    ("prev", None),
    ("created", "2026-11-26T09:14:03.25Z"),
    ("created", "2026-11-26T09:14:03.250+00:00"),
    ("created", "2026-02-30T09:14:03.250Z"),
    ("created", "2026-11-26 09:14:03.250Z"),
    ("created", 1790000000),
    ("kind", ""),
    ("kind", "1st"),
    ("kind", "free_text"),
    ("kind", "k" * 65),
    ("kind", ["free-text"]),
    ("precedence", "urgent"),
    ("precedence", "FLASH"),
    ("precedence", None),
    ("precedence", ["flash"]),
    ("body", ["text"]),
    ("body", "text"),
    ("body", None),
    ("body", {"x": math.inf}),
    ("body", {"x": 2**53}),
    ("body", {"x": "\ud800"}),
    ("sig", "signature"),
    ("sig", None),
]


@pytest.mark.parametrize(("member", "value"), ENVELOPE_FAULTS)
def test_envelope_bad_member(member: str, value: Any) -> None:
    data = wire(ENVELOPE)
    data[member] = value
    assert refused(Envelope.from_json, data).code == MALFORMED_ENV


SIG_FAULTS: list[Callable[[dict[str, Any]], None]] = [
    lambda sig: sig.pop("value"),
    lambda sig: sig.pop("kid"),
    lambda sig: sig.pop("alg"),
    lambda sig: sig.update(extra=1),
    lambda sig: sig.update(kid=sig["kid"].upper()),
    lambda sig: sig.update(kid=sig["kid"][:15]),
    lambda sig: sig.update(kid=None),
    lambda sig: sig.update(alg=None),
    lambda sig: sig.update(alg=1),
    lambda sig: sig.update(value=None),
    lambda sig: sig.update(value=b"x"),
    lambda sig: sig.update(value="!" * 88),
    lambda sig: sig.update(value=sig["value"].rstrip("=")),  # missing padding
    lambda sig: sig.update(value=sig["value"].replace("+", "-").replace("/", "_") + "-_"),  # urlsafe
    lambda sig: sig.update(value=sig["value"][:40] + "\n" + sig["value"][40:]),
    # Stray bits in the padding decode to the same signature but would give a second hash.
    lambda sig: sig.update(value=sig["value"][:-3] + chr(ord(sig["value"][-3]) + 1) + "=="),
]


@pytest.mark.parametrize("fault", SIG_FAULTS)
def test_envelope_bad_sig(fault: Callable[[dict[str, Any]], None]) -> None:
    assert ENVELOPE.to_json()["sig"]["value"][-3] in "AQgw"  # 64 bytes: 2 bits in the last char
    data = wire(ENVELOPE)
    fault(data["sig"])
    assert refused(Envelope.from_json, data).code == MALFORMED_ENV


def test_refusals_are_remote_protocol_errors_with_a_readable_detail() -> None:
    data = wire(ENVELOPE)
    data["seq"] = 0
    error = refused(Envelope.from_json, data)
    assert isinstance(error, RemoteProtocolError)
    assert str(error) == f"malformed-envelope: {error.detail}"
    assert "seq 0 is not a positive integer" in error.detail


def test_v_must_be_the_integer_one_even_though_true_equals_one() -> None:
    # Before the check, {"v": true} parsed, verified, and hashed differently from the original.
    data = wire(ENVELOPE)
    data["v"] = True
    assert "canonical form" in refused(Envelope.from_json, data).detail
    data["v"] = 1.0  # the same JSON number as 1: the same canonical bytes, the same envelope
    assert Envelope.from_json(data) == ENVELOPE


# --- verify: the signature check ------------------------------------------------------------------


def test_verify_unknown_key() -> None:
    with pytest.raises(EnvelopeError) as info:
        ENVELOPE.verify(BRAVO_KEYS)
    assert info.value.code == RejectCode.UNKNOWN_KEY
    with pytest.raises(EnvelopeError) as info:
        ENVELOPE.verify({})
    assert info.value.code == RejectCode.UNKNOWN_KEY


def test_verify_signed_by_another_key_claiming_the_pinned_kid() -> None:
    forged = seal(signer_for("mallory"))
    data = wire(forged)
    data["sig"]["kid"] = ALPHA.kid
    with pytest.raises(EnvelopeError) as info:
        Envelope.from_json(data).verify(ALPHA_KEYS)
    assert info.value.code == RejectCode.BAD_SIGNATURE


def test_verify_wrong_key_id() -> None:
    forged = seal(signer_for("mallory"))
    with pytest.raises(EnvelopeError) as info:
        forged.verify(ALPHA_KEYS)
    assert info.value.code == RejectCode.UNKNOWN_KEY
    assert forged.sig_kid in info.value.detail


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["body"].update(text="Three aircraft"),
        lambda d: d["body"].update(extra=None),
        lambda d: d.update(seq=2),
        lambda d: d.update(prev="1" * 64),
        lambda d: d.update(to="charlie"),
        lambda d: d.update(precedence="routine"),
        lambda d: d.update(created=format_time(T0 + 1)),
        lambda d: d.update(kind="status"),
        lambda d: d.update(id=uuid7(int(T0 * 1000), b"\x02" * 10)),
        lambda d: d["sig"].update(value=b64encode(bytes(64))),
    ],
)
def test_verify_tampered(tamper: Callable[[dict[str, Any]], None]) -> None:
    data = wire(ENVELOPE)
    tamper(data)
    envelope = Envelope.from_json(data)
    with pytest.raises(EnvelopeError) as info:
        envelope.verify(ALPHA_KEYS)
    assert info.value.code == RejectCode.BAD_SIGNATURE


def test_verify_algorithm_mismatch() -> None:
    data = wire(ENVELOPE)
    data["sig"]["alg"] = "ed448"
    envelope = Envelope.from_json(data)  # structure is fine: the algorithm is a name
    with pytest.raises(EnvelopeError) as info:
        envelope.verify(ALPHA_KEYS)
    assert info.value.code == RejectCode.BAD_SIGNATURE
    assert "claims ed448" in info.value.detail


# --- identity: equality and hashing ---------------------------------------------------------------


def test_equality_is_by_canonical_bytes() -> None:
    again = Envelope.from_json(wire(ENVELOPE))
    assert again == ENVELOPE and again is not ENVELOPE
    assert hash(again) == hash(ENVELOPE)
    assert {ENVELOPE, again} == {ENVELOPE}
    assert {ENVELOPE: 1}[again] == 1
    other = seal(seq=2, prev=ENVELOPE.hash)
    assert other != ENVELOPE and other.hash != ENVELOPE.hash
    assert ENVELOPE != ENVELOPE.to_json()
    assert ENVELOPE != ENVELOPE.canonical


def test_an_envelope_never_equals_a_receipt() -> None:
    assert ENVELOPE != RECEIPT and RECEIPT != ENVELOPE
    assert ENVELOPE.__eq__(RECEIPT) is False


def test_envelopes_are_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        ENVELOPE.seq = 2  # type: ignore[misc]


def test_different_bodies_differ() -> None:
    assert seal(body={"text": "a"}) != seal(body={"text": "b"})
    assert seal(body={"a": 1, "b": 2}) == seal(body={"b": 2, "a": 1})


# --- receipts ----------------------------------------------------------------------------------------


def test_receipt_names_the_envelope_and_reverses_the_direction() -> None:
    assert RECEIPT.message_id == ENVELOPE.id
    assert RECEIPT.envelope_hash == ENVELOPE.hash
    assert RECEIPT.seq == ENVELOPE.seq
    assert (RECEIPT.sender, RECEIPT.recipient) == ("bravo", "alpha")
    assert RECEIPT.received == format_time(T0 + 0.5)
    assert (RECEIPT.sig_alg, RECEIPT.sig_kid) == (ED25519, BRAVO.kid)
    RECEIPT.verify(BRAVO_KEYS)


def test_receipt_round_trip() -> None:
    parsed = Receipt.from_json(parse_json(canonical_json(RECEIPT.to_json())))
    parsed.verify(BRAVO_KEYS)
    assert parsed == RECEIPT and parsed.hash == RECEIPT.hash
    assert parsed.hash == hashlib.sha256(canonical_json(RECEIPT.to_json())).hexdigest()
    unsigned = RECEIPT.to_json()
    del unsigned["sig"]["value"]
    assert BRAVO.verifier.verify(RECEIPT.signature, RECEIPT_DOMAIN + canonical_json(unsigned))
    assert not BRAVO.verifier.verify(RECEIPT.signature, ENVELOPE_DOMAIN + canonical_json(unsigned))


@pytest.mark.parametrize("data", [None, [], "receipt"])
def test_receipt_must_be_an_object(data: object) -> None:
    assert refused(Receipt.from_json, data).code == MALFORMED_RCPT


@pytest.mark.parametrize("member", RCPT_MEMBERS)
def test_receipt_missing_member(member: str) -> None:
    data = wire(RECEIPT)
    del data[member]
    assert refused(Receipt.from_json, data).code == MALFORMED_RCPT


def test_receipt_extra_member() -> None:
    assert refused(Receipt.from_json, wire(RECEIPT) | {"ack": 1}).code == MALFORMED_RCPT


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("v", 2),
        ("v", True),
        ("type", "envelope"),
        ("id", "x"),
        ("envelope", "0" * 63),
        ("envelope", "F" * 64),
        ("seq", 0),
        ("seq", True),
        ("seq", 2**53),
        ("from", "-bravo"),
        ("to", ""),
        ("received", "2026-11-26T09:14:03.250"),
        ("received", None),
        ("sig", []),
    ],
)
def test_receipt_bad_member(member: str, value: Any) -> None:
    data = wire(RECEIPT)
    data[member] = value
    assert refused(Receipt.from_json, data).code == MALFORMED_RCPT


@pytest.mark.parametrize("fault", SIG_FAULTS)
def test_receipt_bad_sig(fault: Callable[[dict[str, Any]], None]) -> None:
    data = wire(RECEIPT)
    fault(data["sig"])
    assert refused(Receipt.from_json, data).code == MALFORMED_RCPT


def test_receipt_verify_unknown_key_and_bad_signature() -> None:
    with pytest.raises(EnvelopeError) as info:
        RECEIPT.verify(ALPHA_KEYS)
    assert info.value.code == RejectCode.UNKNOWN_KEY
    data = wire(RECEIPT)
    data["seq"] = 2
    with pytest.raises(EnvelopeError) as info:
        Receipt.from_json(data).verify(BRAVO_KEYS)
    assert info.value.code == RejectCode.BAD_SIGNATURE
    data = wire(RECEIPT)
    data["sig"]["alg"] = "rsa"
    with pytest.raises(EnvelopeError) as info:
        Receipt.from_json(data).verify(BRAVO_KEYS)
    assert info.value.code == RejectCode.BAD_SIGNATURE


def test_a_receipt_signature_is_not_an_envelope_signature() -> None:
    # Graft the receipt's signature onto an envelope claiming bravo's key: domain separation.
    data = wire(seal(BRAVO, sender="bravo", recipient="alpha"))
    data["sig"] = copy.deepcopy(wire(RECEIPT)["sig"])
    with pytest.raises(EnvelopeError) as info:
        Envelope.from_json(data).verify(BRAVO_KEYS)
    assert info.value.code == RejectCode.BAD_SIGNATURE


# --- signing: key ids, verifiers, base64 ----------------------------------------------------------


def test_key_id_is_sha256_of_alg_nul_key() -> None:
    public = ALPHA.verifier.public_key
    assert ALPHA.kid == key_id(ED25519, public) == hashlib.sha256(b"ed25519\x00" + public).hexdigest()[:16]
    assert key_id("other", public) != ALPHA.kid


def test_verifier_json_round_trip_and_checks() -> None:
    data = ALPHA.verifier.to_json()
    assert data == {"alg": "ed25519", "kid": ALPHA.kid, "public": b64encode(ALPHA.verifier.public_key)}
    assert Verifier.from_json(data) == ALPHA.verifier
    with pytest.raises(ValueError, match="does not match"):
        Verifier.from_json(data | {"kid": BRAVO.kid})
    with pytest.raises(ValueError):
        Verifier.from_json(data | {"alg": "rsa"})
    with pytest.raises(ValueError):
        Verifier.from_json([data])
    with pytest.raises(ValueError):
        Verifier.from_json(data | {"public": None})
    with pytest.raises(ValueError, match="32 bytes"):
        Verifier(ED25519, b"\x00" * 31)
    with pytest.raises(ValueError, match="not supported"):
        Signer(b"\x00" * 32, alg="rsa")


def test_signer_from_private_key() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.from_private_bytes(b"\x07" * 32)
    assert Signer.from_private_key(key).kid == Signer(b"\x07" * 32).kid


@pytest.mark.parametrize("text", ["", "AA==", "AAA=", "AAAA", "+/8="])
def test_b64_round_trip(text: str) -> None:
    assert b64encode(b64decode(text)) == text


@pytest.mark.parametrize("text", ["AA", "A===", "AA==AA==", "-_8=", "AA ==", "é", "AA==\n"])
def test_b64decode_is_strict(text: str) -> None:
    with pytest.raises(ValueError, match="base64"):
        b64decode(text)


# --- ids and timestamps ---------------------------------------------------------------------------


def test_uuid7_layout() -> None:
    ident = uuid7(0x0192F7C85D2E, bytes(range(10)))
    assert ident.startswith("0192f7c8-5d2e-7")
    assert ident[19] in "89ab"
    assert is_uuid7(ident)
    assert uuid7(1, b"\xff" * 10) != uuid7(1, b"\xfe" * 10)
    assert uuid7(1, b"\x00" * 10) < uuid7(2, b"\x00" * 10)  # time-ordered


@pytest.mark.parametrize(("ms", "rand"), [(-1, b"\x00" * 10), (1 << 48, b"\x00" * 10), (0, b"\x00" * 9)])
def test_uuid7_refuses(ms: int, rand: bytes) -> None:
    with pytest.raises(ValueError):
        uuid7(ms, rand)


@pytest.mark.parametrize(
    "text", [None, 7, "", "0192f7c8-5d2e-4b7e-9f7a-1c2d3e4f5a6b", "0192f7c85d2e7b7e9f7a1c2d3e4f5a6b"]
)
def test_is_uuid7_refuses(text: object) -> None:
    assert not is_uuid7(text)


def test_timestamps() -> None:
    assert format_time(T0) == "2026-09-21T14:13:20.000Z"
    assert format_time(T0 + 0.2509) == "2026-09-21T14:13:20.250Z"  # truncated, not rounded
    assert parse_time("2026-09-21T14:13:20.250Z") == T0 + 0.25
    for ms in range(0, 1000, 7):
        text = f"2026-09-21T14:13:20.{ms:03d}Z"
        assert format_time(parse_time(text)) == text
    for bad in ["2026-09-21T14:13:20Z", "2026-09-21T14:13:20.250+00:00", "2026-13-01T00:00:00.000Z", 5]:
        with pytest.raises(ValueError):
            parse_time(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("member", "value"),
    [("kind", "free-text\n"), ("id", None), ("created", None), ("from", "TR-1\n"), ("prev", None)],
)
def test_a_trailing_line_feed_is_not_part_of_any_pattern(member: str, value: str | None) -> None:
    """Patterns match whole strings: ``$`` in Python's re.match would admit a trailing newline."""
    signer = Signer(bytes(32))
    envelope = seal_envelope(
        signer,
        id=uuid7(1_790_000_000_000, bytes(10)),
        sender="TR-1",
        recipient="SY-1",
        seq=1,
        prev="0" * 64,
        created="2026-11-26T00:00:00.000Z",
        kind="free-text",
        precedence=Precedence.FLASH,
        body={"text": "x"},
    )
    data = envelope.to_json()
    data[member] = (value if value is not None else data[member]) + ("" if value else "\n")
    with pytest.raises(EnvelopeError):
        Envelope.from_json(data)
