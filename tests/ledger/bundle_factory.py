"""Evidence bundles made from fixed keys, without a station: for the worked example in
PROTOCOL.md and for tests in which the exporter (or its peer) is dishonest but holds its keys.

``Line`` keeps an exporter's log of a line in memory (a real RFC 9162 tree), signs and co-signs
its checkpoints with the two stations' real note keys, and assembles and signs bundles exactly
as the format says, from whatever entries and checkpoints a test chooses."""

from __future__ import annotations

import copy
import datetime
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

from detente.identity import build_card
from detente.ledger.bundle import BUNDLE_DOMAIN, BUNDLE_FORMAT
from detente.ledger.checkpoint import Checkpoint, line_origin
from detente.ledger.merkle import Levels, consistency_proof, inclusion_proof, leaf_hash, root_hash
from detente.ledger.note import NoteSigner, SignedNote, key_name
from detente.protocol.canonical import canonical_json, parse_json
from detente.protocol.envelope import GENESIS_HASH, Envelope, Precedence, Receipt, seal_envelope, seal_receipt
from detente.protocol.ids import uuid7
from detente.protocol.signing import Signer, b64encode

EXAMPLE_STATIONS = {
    "TR": {
        "station_id": "TR-0123456789ab",
        "name": "Ankara Operations Centre",
        "language": "tr",
        "seed_hex": "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        "mldsa65_seed_hex": "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f",
        "tls_seed_hex": "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
        "endpoint": "tls://192.0.2.10:7001",
    },
    "SY": {
        "station_id": "SY-ba9876543210",
        "name": "Damascus Operations Centre",
        "language": "ar",
        "seed_hex": "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",
        "mldsa65_seed_hex": "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f",
        "tls_seed_hex": "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf",
        "endpoint": "tls://198.51.100.20:7001",
    },
    "IQ": {
        "station_id": "IQ-00aa11bb22cc",
        "name": "Baghdad Operations Centre",
        "language": "ar",
        "seed_hex": "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf",
        "mldsa65_seed_hex": "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
        "tls_seed_hex": "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100",
        "endpoint": "tls://203.0.113.30:7001",
    },
}
"""TR's and SY's signing keys are those of PROTOCOL.md §17; the ML-DSA-65 and TLS keys are fixed too."""


def fixed_certificate(station_id: str, name: str, seed: bytes) -> str:
    """A self-signed TLS certificate that is the same every time (Ed25519 signatures are
    deterministic), so that the example cards are too."""
    key = Ed25519PrivateKey.from_private_bytes(seed)
    subject = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, station_id), x509.NameAttribute(NameOID.ORGANIZATION_NAME, name)]
    )
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(int.from_bytes(hashlib.sha256(seed).digest()[:8], "big"))
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=365 * 20))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, None)
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


@dataclass
class Station:
    party: str
    station_id: str
    name: str
    signer: Signer
    note_signer: NoteSigner
    card: dict[str, Any]


def station(party: str) -> Station:
    spec = EXAMPLE_STATIONS[party]
    signer = Signer(bytes.fromhex(spec["seed_hex"]))
    note_signer = NoteSigner(key_name(spec["station_id"]), signer.seed, bytes.fromhex(spec["mldsa65_seed_hex"]))
    card = build_card(
        signer=signer,
        note_signer=note_signer,
        name=spec["name"],
        party=party,
        station_id=spec["station_id"],
        language=spec["language"],
        cert_pem=fixed_certificate(spec["station_id"], spec["name"], bytes.fromhex(spec["tls_seed_hex"])),
        endpoints=(spec["endpoint"],),
    )
    return Station(party, spec["station_id"], spec["name"], signer, note_signer, card)


@dataclass
class Line:
    """The exporter's log of its line with ``peer``, in memory."""

    exporter: Station
    peer: Station
    levels: Levels = field(default_factory=Levels)
    entries: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    notes: dict[int, str] = field(default_factory=dict)

    def log(self, kind: str, item: Envelope | Receipt | bytes) -> int:
        """Append an envelope, a receipt or a record's canonical bytes; return its index."""
        data = item if isinstance(item, bytes) else item.canonical
        self.entries.append((kind, parse_json(data)))
        self.levels.append(leaf_hash(data))
        return len(self.entries) - 1

    def checkpoint(
        self,
        *,
        time: str,
        cosigned: int | None,
        clock_offset_ms: float | None = None,
        size: int | None = None,
        origin: str | None = None,
        cosigner: Station | None = None,
    ) -> str:
        """Sign a checkpoint of the log as the exporter and, at unix time ``cosigned``, co-sign it
        as the peer (or as ``cosigner``); None leaves it with the author's signatures only."""
        size = self.levels.size() if size is None else size
        checkpoint = Checkpoint(
            origin=origin or line_origin(self.exporter.station_id, self.peer.station_id),
            size=size,
            root=root_hash(self.levels, size),
            time=time,
            clock_offset_ms=clock_offset_ms,
        )
        text = checkpoint.text()
        note = SignedNote(text, tuple(self.exporter.note_signer.sign_note(text)))
        if cosigned is not None:
            note = note.with_signatures((cosigner or self.peer).note_signer.cosign(text, cosigned))
        self.notes[size] = str(note)
        return str(note)

    def bundle(
        self, *, selection: dict[str, Any], indices: list[int], sizes: list[int], exported_at: str
    ) -> dict[str, Any]:
        """The bundle (unsigned) of the entries at ``indices``, proven against the last of the
        checkpoints of ``sizes`` (each made before with :meth:`checkpoint`)."""
        head = sizes[-1]
        return {
            "bundle": BUNDLE_FORMAT,
            "exported_at": exported_at,
            "selection": selection,
            "cards": {"exporter": copy.deepcopy(self.exporter.card), "peer": copy.deepcopy(self.peer.card)},
            "checkpoints": [
                {
                    "note": self.notes[size],
                    "consistency": [b64encode(h) for h in consistency_proof(self.levels, size, head)],
                }
                for size in sizes
            ],
            "entries": [
                {
                    "index": index,
                    "kind": self.entries[index][0],
                    "object": self.entries[index][1],
                    "proof": [b64encode(h) for h in inclusion_proof(self.levels, index, head)],
                }
                for index in indices
            ],
        }


def sign_bundle(bundle: dict[str, Any], signer: Signer) -> bytes:
    """Sign (or sign again, after a change) a bundle as ``signer``; its canonical bytes."""
    unsigned = {k: v for k, v in bundle.items() if k != "signature"}
    unsigned["signature"] = {"alg": signer.alg, "kid": signer.kid}
    signature = signer.sign(BUNDLE_DOMAIN + canonical_json(unsigned))
    unsigned["signature"] = {**unsigned["signature"], "value": b64encode(signature)}
    return canonical_json(unsigned)


def envelope(
    sender: Station,
    recipient: Station,
    *,
    seq: int,
    created_ms: int,
    kind: str = "free-text",
    precedence: str = "immediate",
    body: dict[str, Any] | None = None,
    prev: str = GENESIS_HASH,
    random_hex: str = "a0a1a2a3a4a5a6a7a8a9",
) -> Envelope:
    created = datetime.datetime.fromtimestamp(created_ms / 1000, datetime.UTC)
    return seal_envelope(
        sender.signer,
        id=uuid7(created_ms, bytes.fromhex(random_hex)),
        sender=sender.station_id,
        recipient=recipient.station_id,
        seq=seq,
        prev=prev,
        created=created.strftime("%Y-%m-%dT%H:%M:%S.") + f"{created_ms % 1000:03d}Z",
        kind=kind,
        precedence=Precedence(precedence),
        body=body if body is not None else {"lang": "en", "text": "test"},
    )


def receipt(signer: Station, sealed: Envelope, received: str) -> Receipt:
    return seal_receipt(signer.signer, sealed, received)


EXAMPLE_INPUTS: dict[str, Any] = {
    "message": {
        "uuid7_unix_ms": 1795684443250,
        "uuid7_random_hex": "a0a1a2a3a4a5a6a7a8a9",
        "created": "2026-11-26T09:14:03.250Z",
        "kind": "free-text",
        "precedence": "flash",
        "body": {
            "lang": "tr",
            "text": "Kilis kuzeyinde iki F-16 sınır devriyesi, 11:00–13:00Z; hava sahanıza girmeyecek.\n"
            "İrtibat: Ankara Harekât Merkezi",
        },
    },
    "receipt": {"received": "2026-11-26T09:14:03.731Z"},
    "checkpoint_2": {"time": "2026-11-26T09:14:05.000Z", "clock_offset_ms": 12.5, "cosigned": 1795684446},
    "acknowledgement": {
        "uuid7_unix_ms": 1795684481120,
        "uuid7_random_hex": "c0c1c2c3c4c5c6c7c8c9",
        "created": "2026-11-26T09:14:41.120Z",
        "precedence": "flash",
        "operator": "Lt. Haddad",
        "role": "operator",
        "at": "2026-11-26T09:14:41.118Z",
    },
    "acknowledgement_receipt": {"received": "2026-11-26T09:14:41.201Z"},
    "checkpoint_4": {"time": "2026-11-26T09:14:43.000Z", "clock_offset_ms": 12.25, "cosigned": 1795684484},
    "exported_at": "2026-11-26T10:00:00.000Z",
}
"""The worked example of PROTOCOL.md §17.6: the message and its receipt are envelope 1 and
receipt 1 of §18; SY's operator acknowledges the message; TR's checkpoints of sizes 2 and 4 are
co-signed by SY; TR exports the message with everything about it."""


@dataclass
class Example:
    line: Line
    message: Envelope
    receipt: Receipt
    acknowledgement: Envelope
    acknowledgement_receipt: Receipt
    bundle: dict[str, Any]
    """Unsigned; its ML-DSA-65 signatures are new on every run (they are randomized)."""


def example() -> Example:
    spec = EXAMPLE_INPUTS
    tr, sy = station("TR"), station("SY")
    line = Line(tr, sy)
    item = spec["message"]
    message = seal_envelope(
        tr.signer,
        id=uuid7(item["uuid7_unix_ms"], bytes.fromhex(item["uuid7_random_hex"])),
        sender=tr.station_id,
        recipient=sy.station_id,
        seq=1,
        prev=GENESIS_HASH,
        created=item["created"],
        kind=item["kind"],
        precedence=Precedence(item["precedence"]),
        body=item["body"],
    )
    received = receipt(sy, message, spec["receipt"]["received"])
    line.log("envelope-out", message)
    line.log("receipt-in", received)
    made = spec["checkpoint_2"]
    line.checkpoint(time=made["time"], cosigned=made["cosigned"], clock_offset_ms=made["clock_offset_ms"])
    item = spec["acknowledgement"]
    acknowledgement = seal_envelope(
        sy.signer,
        id=uuid7(item["uuid7_unix_ms"], bytes.fromhex(item["uuid7_random_hex"])),
        sender=sy.station_id,
        recipient=tr.station_id,
        seq=1,
        prev=GENESIS_HASH,
        created=item["created"],
        kind="acknowledgement",
        precedence=Precedence(item["precedence"]),
        body={
            "acknowledges": message.id,
            "envelope": message.hash,
            "operator": item["operator"],
            "role": item["role"],
            "at": item["at"],
        },
    )
    acknowledged = receipt(tr, acknowledgement, spec["acknowledgement_receipt"]["received"])
    line.log("envelope-in", acknowledgement)
    line.log("receipt-out", acknowledged)
    made = spec["checkpoint_4"]
    line.checkpoint(time=made["time"], cosigned=made["cosigned"], clock_offset_ms=made["clock_offset_ms"])
    bundle = line.bundle(
        selection={"messages": [message.id]}, indices=[0, 1, 2, 3], sizes=[2, 4], exported_at=spec["exported_at"]
    )
    return Example(line, message, received, acknowledgement, acknowledged, bundle)


def elided(bundle: dict[str, Any]) -> str:
    """The bundle as PROTOCOL.md shows it: indented, members in canonical order, long strings cut
    short, and the one value that differs on every run (the exporter's signature, which covers
    the randomized ML-DSA-65 signatures) replaced by a placeholder."""

    def cut(value: Any, path: str) -> Any:
        if isinstance(value, dict):
            return {k: cut(value[k], f"{path}.{k}") for k in sorted(value, key=lambda k: k.encode("utf-16-be"))}
        if isinstance(value, list):
            return [cut(item, f"{path}[]") for item in value]
        if path == "$.signature.value":
            return "<varies: base64 Ed25519 signature>"
        if isinstance(value, str) and len(value) > 72:
            return f"{value[:40]}…<{len(value)} characters>"
        return value

    return json.dumps(cut(bundle, "$"), indent=2, ensure_ascii=False)
