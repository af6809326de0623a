"""Records: what a station states on its own, signed and entered in its log of a line.

Alarms (the peer equivocated, a checkpoint was refused, the database was found damaged and
served anyway) and, later, escalation steps are facts that only one station witnessed. Each is
a JSON object signed by the station with its Ed25519 key, like an envelope:

    {"v":1,"type":"record","id":<UUIDv7>,"station":<author>,"peer":<the line's other station>,
     "event":"alarm.equivocation","at":<time>,"detail":<text>,"evidence":{…},
     "sig":{"alg":"ed25519","kid":…,"value":…}}

signed over ``"detente record v1\\n" || JCS(the object without sig.value)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..protocol.canonical import canonical_json, parse_json
from ..protocol.signing import Signer, Verifier, b64decode, b64encode

__all__ = ["RECORD_DOMAIN", "Record", "seal_record"]

RECORD_DOMAIN = b"detente record v1\n"


@dataclass(frozen=True)
class Record:
    id: str
    station: str
    peer: str
    event: str
    at: str
    detail: str
    evidence: Mapping[str, Any]
    canonical: bytes

    def verify(self, key: Verifier) -> bool:
        data = parse_json(self.canonical)
        signature = data["sig"].pop("value")
        if data["sig"] != {"alg": key.alg, "kid": key.kid}:
            return False
        try:
            return key.verify(b64decode(signature), RECORD_DOMAIN + canonical_json(data))
        except ValueError:
            return False

    @classmethod
    def from_bytes(cls, data: bytes) -> Record:
        obj = parse_json(data)
        if not isinstance(obj, dict) or obj.get("type") != "record" or obj.get("v") != 1:
            raise ValueError("not a détente record")
        fields = ("id", "station", "peer", "event", "at", "detail")
        if not all(isinstance(obj.get(k), str) for k in fields) or not isinstance(obj.get("evidence"), dict):
            raise ValueError(f"a record needs string members {', '.join(fields)} and an evidence object")
        sig = obj.get("sig")
        if (
            not isinstance(sig, dict)
            or set(sig) != {"alg", "kid", "value"}
            or not all(isinstance(v, str) for v in sig.values())
        ):
            raise ValueError("a record needs a signature: a sig object of strings alg, kid and value")
        if canonical_json(obj) != data:
            raise ValueError("a record must be in its canonical form")
        return cls(
            id=obj["id"],
            station=obj["station"],
            peer=obj["peer"],
            event=obj["event"],
            at=obj["at"],
            detail=obj["detail"],
            evidence=obj["evidence"],
            canonical=data,
        )


def seal_record(
    signer: Signer,
    *,
    id: str,
    station: str,
    peer: str,
    event: str,
    at: str,
    detail: str,
    evidence: Mapping[str, Any] | None = None,
) -> Record:
    sig: dict[str, str] = {"alg": signer.alg, "kid": signer.kid}
    draft: dict[str, Any] = {
        "v": 1,
        "type": "record",
        "id": id,
        "station": station,
        "peer": peer,
        "event": event,
        "at": at,
        "detail": detail,
        "evidence": dict(evidence or {}),
        "sig": sig,
    }
    sig["value"] = b64encode(signer.sign(RECORD_DOMAIN + canonical_json(draft)))
    return Record.from_bytes(canonical_json(draft))
