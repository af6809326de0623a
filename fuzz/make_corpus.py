"""Write the seed corpus of every fuzz target (fuzz/corpus/NAME/*), made with détente's own code and keys:
``PYTHONPATH=src python fuzz/make_corpus.py``. The files are committed; run it again when a format changes."""

from __future__ import annotations

import datetime
import hashlib
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from detente.courier.bundle import build_courier
from detente.identity import build_card, generate_tls_identity
from detente.ledger.note import NoteSigner, key_name
from detente.ledger.records import seal_record
from detente.lines.charter import Charter, Member
from detente.protocol.canonical import canonical_json, parse_json
from detente.protocol.envelope import GENESIS_HASH, Precedence, seal_envelope, seal_receipt
from detente.protocol.frames import (
    Bye,
    CosignatureRefusedFrame,
    EnvelopeFrame,
    ErrorFrame,
    Hello,
    Ping,
    Pong,
    ReceiptFrame,
    encode_frame,
)
from detente.protocol.ids import uuid7
from detente.protocol.timestamps import format_time
from targets import MAX_FRAME, SY, SY_ID, SY_SEALER, TARGETS, TR, TR_ID, _request_models

HERE = Path(__file__).resolve().parent
CAP_EXAMPLES = HERE.parent / "tests" / "notifications" / "data" / "cap"
T0 = 1_790_000_000.0
NOW = datetime.datetime(2026, 11, 26, tzinfo=datetime.UTC)


def _envelopes() -> list:  # type: ignore[type-arg]
    bodies = [
        ("free-text", Precedence.ROUTINE, {"lang": "tr", "text": "Sınır kapısı 12:00Z'de kapanacak"}),
        (
            "incident-report",
            Precedence.FLASH,
            {
                "lang": "en",
                "type": "other",
                "time": "2026-11-26T09:00:00Z",
                "location": {"point": [36.2, 37.1]},
                "description": "shelling reported",
                "request": "none",
            },
        ),
    ]
    envelopes, prev = [], GENESIS_HASH
    for seq, (kind, precedence, body) in enumerate(bodies, start=1):
        envelope = seal_envelope(
            TR,
            id=uuid7(int(T0 * 1000) + seq, seq.to_bytes(10, "big")),
            sender=TR_ID,
            recipient=SY_ID,
            seq=seq,
            prev=prev,
            created=format_time(T0 + seq),
            kind=kind,
            precedence=precedence,
            body=body,
        )
        envelopes.append(envelope)
        prev = envelope.hash
    return envelopes


def _card() -> bytes:
    _, cert = generate_tls_identity(TR_ID, "Ankara Operations Centre", NOW)
    card = build_card(
        signer=TR,
        note_signer=NoteSigner(key_name(TR_ID), bytes(range(32)), bytes(range(32, 64))),
        name="Ankara Operations Centre",
        party="TR",
        station_id=TR_ID,
        language="tr",
        cert_pem=cert.decode(),
        endpoints=("tls://192.0.2.10:7001", "tls://[2001:db8::1]:7001"),
        sealing_key=SY_SEALER.public,
    )
    return canonical_json(card)


def seeds() -> dict[str, list[bytes]]:
    envelopes = _envelopes()
    receipts = [seal_receipt(SY, e, format_time(T0 + 10)) for e in envelopes]
    env_bytes = [canonical_json(e.to_json()) for e in envelopes]
    rcpt_bytes = [canonical_json(r.to_json()) for r in receipts]
    frames = [
        Hello((1,), TR_ID, 1, 1_790_000_000_000_000),
        EnvelopeFrame(envelopes[0]),
        EnvelopeFrame(envelopes[1]),
        ReceiptFrame(1, receipts[0]),
        Ping(1, 1_790_000_000_000_000, 0),
        Pong(1, 1_790_000_000_000_000, 1_790_000_000_000_100),
        ErrorFrame("malformed-frame", "frame is not JSON"),
        CosignatureRefusedFrame(3, "the root does not match"),
        Bye("shutting down"),
    ]
    encoded = [encode_frame(f) for f in frames]
    assert all(len(e) <= MAX_FRAME for e in encoded)
    record = seal_record(
        TR,
        id=str(uuid7(int(T0 * 1000), b"0123456789")),
        station=TR_ID,
        peer=SY_ID,
        event="acknowledged",
        at=format_time(T0 + 20),
        detail="acknowledged by duty officer Demir",
        evidence={"message": envelopes[0].id, "operator": "demir"},
    )
    courier = build_courier(
        TR,
        file_id=str(uuid7(int(T0 * 1000) + 99, b"9876543210")),
        sender=(TR_ID, "TR"),
        recipient=(SY_ID, "SY"),
        recipient_key=SY_SEALER.public,
        created=format_time(T0 + 30),
        envelopes=[(e.seq, e.id, b) for e, b in zip(envelopes, env_bytes, strict=True)],
        receipts=[],
    )
    fingerprint = "41 882 193 004 812 771 093 446 120 585"
    members = (
        Member(TR_ID, "TR", "party", fingerprint),
        Member(SY_ID, "SY", "party", fingerprint),
        Member("RU-0123456789ab", "RU", "mediator", fingerprint),
        Member("UN-0123456789ab", "UN", "observer", fingerprint),
    )
    charter = Charter("syria-turkey", 1, GENESIS_HASH, members, TR_ID, format_time(T0))
    models = [m.__name__ for m in _request_models()]
    api_samples = {
        "AckRequest": {"note": "seen, passing to the general staff"},
        "AddAccountRequest": {"name": "demir", "role": "operator"},
        "LoginRequest": {"name": "demir", "password": "correct horse battery", "code": "123456"},
        "PasswordRequest": {"current": "correct horse battery", "new": "staple battery horse"},
        "SendRequest": {"to": "SY", "kind": "free-text", "body": {"lang": "tr", "text": "Görüşme 12:00Z"}},
        "TotpConfirmRequest": {"code": "123456"},
        "TranslationRequest": {"lang": "ar", "text": "الحدود مغلقة"},
    }
    api = [bytes([models.index(name)]) + json.dumps(body).encode() for name, body in api_samples.items()]
    flash = {"to": "SY", "kind": "incident-report", "body": parse_json(env_bytes[1])["body"], "precedence": "flash"}
    api.append(bytes([models.index("SendRequest")]) + json.dumps(flash).encode())
    return {
        "frames": encoded + [b"".join(encoded)],
        "canonical": [*env_bytes, *rcpt_bytes, record.canonical, b'{"a":[1,2.5,-0.0,"\\u00e9",true,null]}'],
        "envelope": env_bytes + rcpt_bytes,
        "record": [record.canonical],
        "courier": [courier],
        "cap": [p.read_bytes() for p in sorted(CAP_EXAMPLES.glob("*.xml"))],
        "charter": [charter.canonical],
        "card": [_card()],
        "api": api,
    }


def main() -> None:
    made = seeds()
    if set(made) != set(TARGETS):
        raise SystemExit(f"seeds for {sorted(made)}, targets {sorted(TARGETS)}")
    for name, samples in made.items():
        folder = HERE / "corpus" / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for sample in samples:
            (folder / hashlib.sha256(sample).hexdigest()[:16]).write_bytes(sample)
        print(f"{name}: {len(samples)} seeds")


if __name__ == "__main__":
    main()
