"""The conformance vectors as files (docs/vectors/), made from PROTOCOL.md and the example bundle.

    python tests/unit/vector_files.py [--write]

* ``link-v1.json``: every ``<!-- vector:NAME -->`` block of PROTOCOL.md §18, with its section and
  encoding, the relay item of §20.1, and the envelope refusals of §6.6 with the reject code each
  must get.
* ``bundle-v1.json``: every ``<!-- bundle-example:NAME -->`` block of §17.6, and the evidence
  bundle cases: the example bundle, the same proving absence (§17.7), an omission from it, and
  single-byte alterations, each with its verdict (and for a refusal, the member it is found in).
* ``example-bundle.json`` (committed, one run of §17.6), ``example-bundle-absence.json`` and
  ``example-bundle-omission.json``: the bundles, byte for byte.

Everything here is deterministic: the absence bundles are the example bundle with its log
revealed, signed again by TR's Ed25519 key. ``test_vector_files.py`` checks that the committed
files are what this makes, so that the prose and the JSON cannot drift apart.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from detente.errors import EnvelopeError  # noqa: E402
from detente.ledger.bundle import BundleError, verify_bundle  # noqa: E402
from detente.protocol.canonical import canonical_json, parse_json  # noqa: E402
from detente.protocol.envelope import Envelope  # noqa: E402
from detente.protocol.signing import Verifier  # noqa: E402
from ledger.bundle_factory import sign_bundle, station  # noqa: E402

PROTOCOL = ROOT / "PROTOCOL.md"
FOLDER = ROOT / "docs" / "vectors"
EXAMPLE = FOLDER / "example-bundle.json"
_VECTOR = re.compile(r"^<!-- (vector|bundle-example):([a-z0-9-]+) -->\n```([a-z]*)\n(.*?)\n```$", re.M | re.S)
_SECTION = re.compile(r"^### (\d+\.\d+) ", re.M)
_RELAY = re.compile(r"^<!-- relay-vector:([a-z0-9-]+) -->\n```\n(.*?)\n```$", re.M | re.S)
FLIPS = 48
"""How many single-byte alterations of the example bundle are listed (spread evenly over it)."""


def _blocks(kind: str) -> dict[str, dict[str, Any]]:
    text = PROTOCOL.read_text(encoding="utf-8")
    sections = [(m.start(), m.group(1)) for m in _SECTION.finditer(text)]
    found: dict[str, dict[str, Any]] = {}
    for match in _VECTOR.finditer(text):
        marker, name, fence, content = match.groups()
        if marker != kind:
            continue
        section = [s for at, s in sections if at < match.start()][-1]
        if fence == "hex":
            value: Any = "".join(content.split())
        elif fence == "json":
            value = json.loads(content)
        else:
            value = content
        found[name] = {
            "section": section,
            "encoding": {"hex": "hex", "json": "json"}.get(fence, "text"),
            "value": value,
        }
    return found


def _relay_vectors() -> dict[str, dict[str, str]]:
    """The relay items of §20.1: each line of a block is a label (a word, and ``(hex)`` when the value is
    bytes in hex), spaces, and the value."""
    text = PROTOCOL.read_text(encoding="utf-8")
    found = {}
    for name, content in _RELAY.findall(text):
        fields = dict(re.fullmatch(r"(\w+(?: \(hex\))?) +(.*)", line).groups() for line in content.splitlines())  # type: ignore[union-attr]
        found[name] = {label.replace(" (hex)", "_hex").replace(" ", "_"): value for label, value in fields.items()}
    return found


def _refused_at(error: str) -> str:
    """Which part of a bundle a verifier's first failure is found in (§17.5 steps, §17.7)."""
    for prefix, part in (
        ("cards", "cards"),
        ("checkpoints", "checkpoints"),
        ("entries", "entries"),
        ("selection", "selection"),
        ("log", "log"),
        ("signature", "signature"),
    ):
        if error.startswith(prefix):
            return part
    return "form"


def bundle_case(data: bytes) -> dict[str, Any]:
    """What a verifier must conclude of these bytes."""
    try:
        report = verify_bundle(data)
    except BundleError as exc:
        return {"verdict": "refused", "refused_at": _refused_at(str(exc))}
    from detente.ledger.absence import findings_json

    found = findings_json(report)
    return {
        "verdict": "verified",
        "messages": [{k: m[k] for k in ("id", "receipt", "acknowledgement", "responses")} for m in found["messages"]],
    }


def _absence_bundles(example: bytes) -> tuple[bytes, bytes]:
    bundle = parse_json(example)
    signer = station(bundle["cards"]["exporter"]["party"]).signer
    complete = {k: v for k, v in bundle.items() if k != "signature"}
    complete["log"] = [[e["kind"], e["object"]] for e in bundle["entries"]]
    omitted = copy.deepcopy(complete)
    omitted["entries"] = [e for e in complete["entries"] if e["kind"] not in ("envelope-in", "receipt-out")]
    return sign_bundle(complete, signer), sign_bundle(omitted, signer)


def _envelope_code(obj: dict[str, Any], key: Verifier) -> str:
    try:
        Envelope.from_json(obj).verify({key.kid: key})
    except EnvelopeError as exc:
        return str(exc.code.value)
    return "accepted"


def _envelope_refusals(vectors: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Envelope 1 of §18 altered, as SY receives it from TR (TR's signing key pinned)."""
    envelope = json.loads(vectors["envelope-1-canonical"]["value"])
    key = Verifier.from_json(station("TR").card["signing_key"])
    signature = base64.b64decode(envelope["sig"]["value"])

    def changed(path: str, value: Any) -> dict[str, Any]:
        obj = copy.deepcopy(envelope)
        *parents, last = path.split(".")
        target = obj
        for part in parents:
            target = target[part]
        if value is None:
            del target[last]
        else:
            target[last] = value
        return obj

    cases = [
        ("unaltered", "envelope 1 as signed", envelope),
        ("extra member", "a member §6.1 does not list", {**envelope, "note": "x"}),
        ("missing member", "no prev", changed("prev", None)),
        ("seq 0", "seq below 1", changed("seq", 0)),
        ("not a real date", "created 2026-02-30", changed("created", "2026-02-30T09:14:03.250Z")),
        ("id not UUIDv7", "version 4 id", changed("id", "01a21722-2472-4a0a-a2a3-a4a5a6a7a8a9")),
        ("base64 unpadded", "sig.value without its padding", changed("sig.value", envelope["sig"]["value"][:-2])),
        ("unknown key", "sig.kid of no pinned key", changed("sig.kid", "0000000000000000")),
        ("unknown algorithm", 'sig.alg "ed448" with the pinned kid', changed("sig.alg", "ed448")),
        ("short signature", "sig.value of 63 bytes", changed("sig.value", base64.b64encode(signature[:63]).decode())),
        ("altered body", "one character added to body.text", changed("body.text", envelope["body"]["text"] + "!")),
    ]
    return [
        {"name": name, "description": what, "envelope": obj, "expected": _envelope_code(obj, key)}
        for name, what, obj in cases
    ]


def build() -> dict[str, bytes]:
    """Every file of docs/vectors/ this makes (name → bytes); example-bundle.json is an input."""
    example = EXAMPLE.read_bytes()
    complete, omitted = _absence_bundles(example)
    link = _blocks("vector")
    cases: list[dict[str, Any]] = [
        {"name": "example", "file": "example-bundle.json", **bundle_case(example)},
        {"name": "absence", "file": "example-bundle-absence.json", **bundle_case(complete)},
        {"name": "omission", "file": "example-bundle-omission.json", **bundle_case(omitted)},
    ]
    for i in range(FLIPS):
        offset = i * len(example) // FLIPS + 7
        data = bytearray(example)
        data[offset] ^= 0x01
        cases.append(
            {"name": f"flip-{offset}", "file": "example-bundle.json", "flip": {"offset": offset, "xor": 1}}
            | bundle_case(bytes(data))
        )
    files = {
        "link-v1.json": {
            "format": "detente-vectors/1",
            "about": "PROTOCOL.md §18: every vector (hex: bytes in lowercase hex; text: exact UTF-8; json: a value), "
            "and §6.6: envelope 1 altered, received by SY with TR's signing key pinned, and the reject code it gets",
            "vectors": link,
            "relay_vectors": _relay_vectors(),
            "envelope_refusals": _envelope_refusals(link),
        },
        "bundle-v1.json": {
            "format": "detente-vectors/1",
            "about": "PROTOCOL.md §17.6 and §17.7: the worked example's blocks, and evidence bundle cases, each a file "
            "of this folder (altered by xor-ing the byte at offset with xor, when flip is given) and what a verifier "
            "concludes: verified, with per message what is present, absent or unknown, or refused, with the part of "
            "the bundle the first failure is in",
            "example": _blocks("bundle-example"),
            "files": {
                name: hashlib.sha256(data).hexdigest()
                for name, data in (
                    ("example-bundle.json", example),
                    ("example-bundle-absence.json", complete),
                    ("example-bundle-omission.json", omitted),
                )
            },
            "cases": cases,
        },
    }
    out = {name: (json.dumps(value, indent=1, ensure_ascii=False) + "\n").encode() for name, value in files.items()}
    out["example-bundle-absence.json"] = complete
    out["example-bundle-omission.json"] = omitted
    return out


def differences() -> list[str]:
    return [
        name for name, data in build().items() if not (FOLDER / name).exists() or (FOLDER / name).read_bytes() != data
    ]


if __name__ == "__main__":
    if "--write" in sys.argv[1:]:
        for name, data in build().items():
            (FOLDER / name).write_bytes(data)
    else:
        print("\n".join(differences()) or "docs/vectors/ is up to date")
    _ = canonical_json  # the bundles above are canonical: sign_bundle writes them so
