"""A station's keys and its card: what a peer pins, and the fingerprint read aloud to check it.

The card is a JSON object signed by the station's Ed25519 key. It carries the TLS certificate
the link pins (no certificate authority is involved) and the signing key that envelopes and
receipts are checked against. Its fingerprint is 30 digits in six groups of five, derived by
5,200 rounds of SHA-512 over the identity parts of the card (station id, party, name, signing
key, certificate hash), so that two duty officers can compare it by voice over a telephone and
an attacker cannot cheaply craft another card with the same digits.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

from .errors import PeerError
from .ledger.note import KeyKind, NoteError, NoteKey, NoteSigner, key_name
from .protocol.canonical import canonical_json
from .protocol.envelope import PROTOCOL_VERSION
from .protocol.signing import Signer, Verifier, b64decode, b64encode
from .sealing import SealingKey

__all__ = [
    "CARD_FORMAT",
    "Card",
    "build_card",
    "certificate_sha256",
    "fingerprint",
    "generate_signing_key",
    "generate_tls_identity",
    "load_signer",
    "normalise_fingerprint",
    "parse_card",
]

CARD_FORMAT = "detente-station-card/1"
CARD_DOMAIN = b"detente station card v1\n"
_FINGERPRINT_ROUNDS = 5200
_ENDPOINT = re.compile(r"^tls://(\[[0-9A-Fa-f:.]+\]|[^:\[\]/\s]+):\d{1,5}$")


@dataclass(frozen=True)
class Card:
    """A verified station card."""

    name: str
    party: str
    station_id: str
    language: str
    signing_key: Verifier
    tls_certificate_pem: str
    tls_certificate_sha256: str
    endpoints: tuple[str, ...]
    protocol_versions: tuple[int, ...]
    fingerprint: str
    note_keys: dict[KeyKind, NoteKey]
    raw: dict[str, Any]
    sealing_key: SealingKey | None = None
    """The key that courier files and relays seal to (cards made before sealing existed lack it)."""
    relays: tuple[dict[str, Any], ...] = ()
    """The relays the station uses (name, and endpoints or NATS server): where else it can be reached."""


def generate_signing_key() -> bytes:
    """A new Ed25519 private key, PKCS#8 PEM."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def load_signer(pem: bytes) -> Signer:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the signing key is not an Ed25519 key")
    return Signer.from_private_key(key)


def generate_tls_identity(station_id: str, name: str, now: datetime.datetime) -> tuple[bytes, bytes]:
    """A new ECDSA P-256 key and a self-signed certificate for it: (key PEM, certificate PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, station_id), x509.NameAttribute(NameOID.ORGANIZATION_NAME, name)]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365 * 20))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


def certificate_sha256(cert_pem: str | bytes) -> str:
    """The SHA-256 of a PEM certificate's DER bytes; ValueError for anything that is not one (an
    X.509 version the library does not know included: it raises its own ``InvalidVersion``)."""
    data = cert_pem.encode("ascii") if isinstance(cert_pem, str) else cert_pem
    try:
        cert = x509.load_pem_x509_certificate(data)
    except x509.InvalidVersion as exc:
        raise ValueError(f"not an X.509 v1 or v3 certificate: {exc}") from None
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def fingerprint(
    *, station_id: str, party: str, name: str, signing_key: Verifier, cert_sha256: str, checkpoint_key: bytes
) -> str:
    """Thirty digits in six groups of five, e.g. ``41882 10393 …``. ``checkpoint_key`` is the
    station's ML-DSA-65 public key (its checkpoint and cosignature key)."""
    identity = canonical_json(
        {
            "station_id": station_id,
            "party": party,
            "name": name,
            "signing_key": {"alg": signing_key.alg, "public": b64encode(signing_key.public_key)},
            "checkpoint_key": {"alg": "ml-dsa-65", "sha256": hashlib.sha256(checkpoint_key).hexdigest()},
            "tls_certificate_sha256": cert_sha256,
        }
    )
    digest = identity
    for _ in range(_FINGERPRINT_ROUNDS):
        digest = hashlib.sha512(digest + identity).digest()
    groups = [int.from_bytes(digest[i * 5 : i * 5 + 5], "big") % 100000 for i in range(6)]
    return " ".join(f"{g:05d}" for g in groups)


def normalise_fingerprint(text: str) -> str:
    digits = re.sub(r"[\s-]", "", text)
    if not re.fullmatch(r"\d{30}", digits):
        raise PeerError(f"fingerprint {text!r} must be 30 digits (spaces allowed between groups)")
    return " ".join(digits[i : i + 5] for i in range(0, 30, 5))


def build_card(
    *,
    signer: Signer,
    note_signer: NoteSigner,
    name: str,
    party: str,
    station_id: str,
    language: str,
    cert_pem: str,
    endpoints: tuple[str, ...],
    sealing_key: SealingKey | None = None,
    relays: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    cert_hash = certificate_sha256(cert_pem)
    card: dict[str, Any] = {
        "card": CARD_FORMAT,
        "name": name,
        "party": party,
        "station_id": station_id,
        "language": language,
        "signing_key": signer.verifier.to_json(),
        "tls_certificate": cert_pem,
        "tls_certificate_sha256": cert_hash,
        "endpoints": list(endpoints),
        "protocol_versions": [PROTOCOL_VERSION],
        "note_keys": [key.vkey for key in note_signer.keys.values()],
        "fingerprint": fingerprint(
            station_id=station_id,
            party=party,
            name=name,
            signing_key=signer.verifier,
            cert_sha256=cert_hash,
            checkpoint_key=note_signer.keys[KeyKind.NOTE_MLDSA65].public_key,
        ),
    }
    if sealing_key is not None:  # signed with the rest of the card, outside the fingerprint
        card["sealing_key"] = sealing_key.to_json()
    if relays:  # likewise: a station adds or drops a relay without a new fingerprint
        card["relays"] = relays
    signature = signer.sign(CARD_DOMAIN + canonical_json(card))
    card["signature"] = {"alg": signer.alg, "kid": signer.kid, "value": b64encode(signature)}
    return card


def parse_card(data: object, source: str = "card") -> Card:
    """Check everything a card claims; PeerError naming ``source`` and the problem otherwise."""
    if not isinstance(data, dict):
        raise PeerError(f"{source}: a station card is a JSON object")
    if data.get("card") != CARD_FORMAT:
        raise PeerError(f'{source}: not a détente station card (expected "card": "{CARD_FORMAT}")')
    expected = {
        "card",
        "name",
        "party",
        "station_id",
        "language",
        "signing_key",
        "tls_certificate",
        "tls_certificate_sha256",
        "endpoints",
        "protocol_versions",
        "note_keys",
        "fingerprint",
        "signature",
    }
    missing, extra = expected - data.keys(), data.keys() - expected - {"sealing_key", "relays"}
    if missing or extra:
        raise PeerError(f"{source}: card lacks {sorted(missing)} / has unknown {sorted(extra)}")
    for key in ("name", "party", "station_id", "language", "tls_certificate", "tls_certificate_sha256", "fingerprint"):
        if not isinstance(data[key], str):
            raise PeerError(f"{source}: card member {key} must be a string")
    try:
        verifier = Verifier.from_json(data["signing_key"])
    except ValueError as exc:
        raise PeerError(f"{source}: signing_key: {exc}") from None
    try:
        cert_hash = certificate_sha256(data["tls_certificate"])
    except ValueError as exc:
        raise PeerError(f"{source}: tls_certificate is not a PEM certificate ({exc})") from None
    if cert_hash != data["tls_certificate_sha256"]:
        raise PeerError(f"{source}: tls_certificate_sha256 does not match the certificate in the card")
    endpoints = data["endpoints"]
    if not isinstance(endpoints, list) or not all(isinstance(e, str) and _ENDPOINT.fullmatch(e) for e in endpoints):
        raise PeerError(f'{source}: endpoints must be a list like ["tls://192.0.2.10:7001"]')
    versions = data["protocol_versions"]
    if not isinstance(versions, list) or not versions or not all(type(v) is int for v in versions):
        raise PeerError(f"{source}: protocol_versions must be a non-empty list of integers")
    note_keys = _note_keys(data["note_keys"], data["station_id"], verifier, source)
    sealing_key = None
    if "sealing_key" in data:
        try:
            sealing_key = SealingKey.from_json(data["sealing_key"])
        except ValueError as exc:
            raise PeerError(f"{source}: sealing_key: {exc}") from None
    relays = data.get("relays", [])
    if not isinstance(relays, list) or not all(
        isinstance(r, dict) and isinstance(r.get("name"), str) and len(r) <= 8 for r in relays
    ):
        raise PeerError(f"{source}: relays must be a list of objects, each with a name")
    signature = data["signature"]
    unsigned = {k: v for k, v in data.items() if k != "signature"}
    try:
        if (
            not isinstance(signature, dict)
            or signature.get("kid") != verifier.kid
            or signature.get("alg") != verifier.alg
            or not verifier.verify(b64decode(str(signature.get("value"))), CARD_DOMAIN + canonical_json(unsigned))
        ):
            raise ValueError("bad")
    except ValueError:
        raise PeerError(
            f"{source}: the card's signature does not verify with its own signing key; the card was altered"
        ) from None
    computed = fingerprint(
        station_id=data["station_id"],
        party=data["party"],
        name=data["name"],
        signing_key=verifier,
        cert_sha256=cert_hash,
        checkpoint_key=note_keys[KeyKind.NOTE_MLDSA65].public_key,
    )
    if computed != data["fingerprint"]:
        raise PeerError(f"{source}: the fingerprint written in the card is not the card's fingerprint")
    return Card(
        name=data["name"],
        party=data["party"],
        station_id=data["station_id"],
        language=data["language"],
        signing_key=verifier,
        tls_certificate_pem=data["tls_certificate"],
        tls_certificate_sha256=cert_hash,
        endpoints=tuple(endpoints),
        protocol_versions=tuple(versions),
        fingerprint=computed,
        note_keys=note_keys,
        raw=dict(data),
        sealing_key=sealing_key,
        relays=tuple(relays),
    )


def _note_keys(value: object, station_id: object, signing_key: Verifier, source: str) -> dict[KeyKind, NoteKey]:
    """The card's four checkpoint and cosignature keys (C2SP vkeys), one of each kind, named
    after the station; the Ed25519 ones are the station's signing key."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or len(value) != len(KeyKind):
        raise PeerError(f"{source}: note_keys must list the station's {len(KeyKind)} checkpoint verifier keys")
    try:
        keys = {key.kind: key for key in (NoteKey.from_vkey(v) for v in value)}
    except NoteError as exc:
        raise PeerError(f"{source}: note_keys: {exc}") from None
    if set(keys) != set(KeyKind) or any(k.name != key_name(str(station_id)) for k in keys.values()):
        raise PeerError(f"{source}: note_keys must hold one key of each kind, named {key_name(str(station_id))}")
    ed25519 = (keys[KeyKind.NOTE_ED25519].public_key, keys[KeyKind.COSIG_ED25519].public_key)
    if ed25519 != (signing_key.public_key, signing_key.public_key) or (
        keys[KeyKind.NOTE_MLDSA65].public_key != keys[KeyKind.COSIG_MLDSA65].public_key
    ):
        raise PeerError(f"{source}: note_keys do not belong to the station's signing and checkpoint keys")
    return keys
