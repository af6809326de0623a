"""The conformance vectors in docs/vectors/ are what PROTOCOL.md says, and they hold: every vector
block of the prose is in the JSON with the same value (the files are made again from the prose
and compared byte for byte), and the JSON is then run as another implementation would run it,
reading nothing but the files: each bundle case gets its verdict (and a refusal is found in the
part of the bundle listed), each altered envelope its reject code."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest

from detente.errors import EnvelopeError
from detente.ledger.absence import findings_json
from detente.ledger.bundle import BundleError, verify_bundle
from detente.protocol.envelope import Envelope
from detente.protocol.signing import Verifier
from unit.vector_files import FOLDER, _refused_at, differences

LINK = json.loads((FOLDER / "link-v1.json").read_text(encoding="utf-8"))
BUNDLES = json.loads((FOLDER / "bundle-v1.json").read_text(encoding="utf-8"))


def case_bytes(case: dict[str, Any]) -> bytes:
    """The bytes of a bundle case, as the JSON describes them."""
    data = bytearray((FOLDER / case["file"]).read_bytes())
    if "flip" in case:
        data[case["flip"]["offset"]] ^= case["flip"]["xor"]
    return bytes(data)


def test_the_vector_files_are_what_protocol_md_and_the_example_bundle_make() -> None:
    assert differences() == [], "run `make vectors` and commit docs/vectors/"


def test_the_json_holds_every_vector_of_the_prose_and_the_files_are_those_hashed() -> None:
    text = (FOLDER.parents[1] / "PROTOCOL.md").read_text(encoding="utf-8")
    assert {f"<!-- vector:{name} -->" for name in LINK["vectors"]} == {
        line for line in text.splitlines() if line.startswith("<!-- vector:") and "NAME" not in line
    }
    assert len(LINK["vectors"]) >= 27 and len(BUNDLES["example"]) >= 7
    for name, digest in BUNDLES["files"].items():
        assert hashlib.sha256((FOLDER / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize("case", BUNDLES["cases"], ids=lambda c: c["name"])
def test_each_bundle_case_is_concluded_as_the_json_says(case: dict[str, Any]) -> None:
    data = case_bytes(case)
    if case["verdict"] == "refused":
        with pytest.raises(BundleError) as refused:
            verify_bundle(data)
        assert _refused_at(str(refused.value)) == case["refused_at"]
        return
    found = findings_json(verify_bundle(data))
    assert [{k: m[k] for k in ("id", "receipt", "acknowledgement", "responses")} for m in found["messages"]] == case[
        "messages"
    ]


def test_the_cases_cover_absence_omission_and_alterations() -> None:
    names = {c["name"]: c for c in BUNDLES["cases"]}
    assert names["example"]["verdict"] == names["absence"]["verdict"] == "verified"
    assert names["absence"]["messages"][0]["responses"]["status"] == "absent"
    assert names["example"]["messages"][0]["responses"]["status"] == "unknown"
    assert names["omission"] == names["omission"] | {"verdict": "refused", "refused_at": "log"}
    flips = [c for c in BUNDLES["cases"] if "flip" in c]
    assert len(flips) >= 40 and all(c["verdict"] == "refused" for c in flips)


@pytest.mark.parametrize("case", LINK["envelope_refusals"], ids=lambda c: c["name"])
def test_each_altered_envelope_gets_its_reject_code(case: dict[str, Any]) -> None:
    inputs = LINK["vectors"]["tr-public-key"]["value"]
    key = Verifier("ed25519", base64.b64decode(inputs))
    try:
        Envelope.from_json(case["envelope"]).verify({key.kid: key})
        code = "accepted"
    except EnvelopeError as exc:
        code = exc.code.value
    assert code == case["expected"]


def test_the_relay_item_of_the_json_opens_with_its_key_and_header() -> None:
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    from detente.protocol.canonical import canonical_json

    vector = LINK["relay_vectors"]["data"]
    item = json.loads(vector["item"])
    header = {k: v for k, v in item.items() if k != "box"}
    plain = ChaCha20Poly1305(bytes.fromhex(vector["key_hex"])).decrypt(
        item["n"].to_bytes(12, "big"), base64.b64decode(item["box"]), canonical_json(header)
    )
    assert plain.hex() == vector["plaintext_hex"] and len(header) == 7
