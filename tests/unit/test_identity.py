"""Station cards and the fingerprint read aloud."""

from __future__ import annotations

import copy
import datetime
from typing import Any

import pytest

from detente.errors import PeerError
from detente.identity import build_card, fingerprint, generate_tls_identity, normalise_fingerprint, parse_card
from detente.ledger.note import KeyKind, NoteSigner, key_name
from detente.protocol.signing import Signer

NOW = datetime.datetime(2026, 11, 26, tzinfo=datetime.UTC)
NOTE_SIGNER = NoteSigner(key_name("TR-0123456789ab"), bytes(range(32)), bytes(range(32, 64)))


@pytest.fixture(scope="module")
def card() -> dict[str, Any]:
    _, cert = generate_tls_identity("TR-0123456789ab", "Ankara Operations Centre", NOW)
    return build_card(
        signer=Signer(bytes(range(32))),
        note_signer=NOTE_SIGNER,
        name="Ankara Operations Centre",
        party="TR",
        station_id="TR-0123456789ab",
        language="tr",
        cert_pem=cert.decode(),
        endpoints=("tls://192.0.2.10:7001", "tls://[2001:db8::1]:7001"),
    )


def test_a_card_verifies_and_says_who_it_is(card: dict[str, Any]) -> None:
    parsed = parse_card(card)
    assert (parsed.name, parsed.party, parsed.station_id) == ("Ankara Operations Centre", "TR", "TR-0123456789ab")
    assert parsed.endpoints == ("tls://192.0.2.10:7001", "tls://[2001:db8::1]:7001")
    assert parsed.fingerprint == card["fingerprint"]
    assert len(parsed.fingerprint.replace(" ", "")) == 30


@pytest.mark.parametrize(
    ("member", "value", "message"),
    [
        ("name", "Someone Else", "signature does not verify"),
        ("endpoints", ["tls://203.0.113.1:7001"], "signature does not verify"),
        ("party", "SY", "signature does not verify"),
        ("tls_certificate_sha256", "0" * 64, "does not match the certificate"),
        ("tls_certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "not a PEM"),
        ("endpoints", ["http://x"], "endpoints must be a list"),
        ("card", "something-else/1", "not a détente station card"),
        ("protocol_versions", [], "protocol_versions"),
        ("note_keys", [], "note_keys must list"),
        ("note_keys", ["x+y+z"] * 4, "note_keys:"),
    ],
)
def test_an_altered_card_is_refused(card: dict[str, Any], member: str, value: Any, message: str) -> None:
    altered = copy.deepcopy(card)
    altered[member] = value
    with pytest.raises(PeerError, match=message):
        parse_card(altered, "sy.card.json")


def test_a_card_missing_or_adding_members_is_refused(card: dict[str, Any]) -> None:
    for mutate in (lambda c: c.pop("signature"), lambda c: c.update(extra=1)):
        altered = copy.deepcopy(card)
        mutate(altered)
        with pytest.raises(PeerError, match="card lacks"):
            parse_card(altered)
    with pytest.raises(PeerError, match="JSON object"):
        parse_card([card])


def test_the_fingerprint_depends_on_every_identity_part() -> None:
    signer = Signer(bytes(32))
    base = dict(
        station_id="TR-1",
        party="TR",
        name="A",
        signing_key=signer.verifier,
        cert_sha256="a" * 64,
        checkpoint_key=b"k" * 1952,
    )
    reference = fingerprint(**base)  # type: ignore[arg-type]
    assert reference == fingerprint(**base)  # type: ignore[arg-type]
    for key, value in [
        ("station_id", "TR-2"),
        ("party", "SY"),
        ("name", "B"),
        ("signing_key", Signer(bytes([1]) * 32).verifier),
        ("cert_sha256", "b" * 64),
        ("checkpoint_key", b"K" * 1952),
    ]:
        assert fingerprint(**{**base, key: value}) != reference  # type: ignore[arg-type]


def test_fingerprints_are_read_with_or_without_spaces() -> None:
    digits = "123456789012345678901234567890"
    assert normalise_fingerprint(digits) == "12345 67890 12345 67890 12345 67890"
    assert normalise_fingerprint("12345-67890 12345 67890 12345 67890") == normalise_fingerprint(digits)
    for bad in ("1234", digits + "1", "abcde" * 6):
        with pytest.raises(PeerError, match="30 digits"):
            normalise_fingerprint(bad)


def test_the_card_carries_the_four_checkpoint_keys(card: dict[str, Any]) -> None:
    parsed = parse_card(card)
    assert set(parsed.note_keys) == set(KeyKind)
    assert parsed.note_keys[KeyKind.NOTE_MLDSA65] == NOTE_SIGNER.keys[KeyKind.NOTE_MLDSA65]
    other = NoteSigner(key_name("TR-0123456789ab"), bytes(range(32)), bytes(range(64, 96)))
    swapped = copy.deepcopy(card)
    swapped["note_keys"][1] = other.keys[KeyKind.NOTE_MLDSA65].vkey
    with pytest.raises(PeerError, match="do not belong|signature does not verify"):
        parse_card(swapped)
