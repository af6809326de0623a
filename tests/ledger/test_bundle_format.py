"""The evidence-bundle format, checked without a station.

* The worked example of PROTOCOL.md §17.6 is what the code makes (every ``<!-- bundle-example:NAME
  -->`` block is recomputed), its complete bundle in tests/data/bundle verifies, and an auditor's
  independent checks (``rfc8785``, ``cryptography`` and ``hashlib`` only) agree with it.
* Each check of the verifier is reached by a bundle that passes every other check: made by an
  exporter, and where needed a peer, that hold their real keys (tests/ledger/bundle_factory.py).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from detente.ledger.bundle import BundleError, describe, verify_bundle
from detente.ledger.checkpoint import line_origin
from detente.ledger.merkle import inclusion_proof, leaf_hash, root_hash
from detente.ledger.note import SignedNote, parse_note
from detente.ledger.records import seal_record
from detente.protocol.canonical import canonical_json, parse_json
from detente.protocol.envelope import seal_envelope
from detente.protocol.ids import uuid7
from ledger.bundle_factory import (
    EXAMPLE_INPUTS,
    EXAMPLE_STATIONS,
    Line,
    elided,
    envelope,
    example,
    receipt,
    sign_bundle,
    station,
)

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL = ROOT / "PROTOCOL.md"
EXAMPLE_FILE = ROOT / "docs" / "vectors" / "example-bundle.json"
_BLOCK = re.compile(r"^<!-- bundle-example:([a-z0-9-]+) -->\n```([a-z]*)\n(.*?)\n```$", re.MULTILINE | re.DOTALL)
_VECTOR = re.compile(r"^<!-- vector:([a-z0-9-]+) -->\n```([a-z]*)\n(.*?)\n```$", re.MULTILINE | re.DOTALL)


# --- the worked example ---------------------------------------------------------------------------


def _elide_mldsa(note: str) -> str:
    """A signed note with each ML-DSA-65 line cut after the base64 digits that only its key id
    (and, in a cosignature, its time) make: the rest differs on every run."""
    lines = []
    for line in note.rstrip("\n").split("\n"):
        encoded = line.rsplit(" ", 1)[-1]
        size = len(base64.b64decode(encoded)) if line.startswith("\u2014 ") else 0
        if size > 100:
            fixed = 4 + (8 if size == 4 + 8 + 3309 else 0)  # key id, and a cosignature's time
            line = f"{line[: len(line) - len(encoded) + fixed * 4 // 3]}…<{len(encoded)} characters, varies>"
        lines.append(line)
    return "\n".join(lines)


def example_blocks() -> dict[str, tuple[str, str]]:
    """Every ``bundle-example`` block of PROTOCOL.md, computed from the example's inputs."""
    made = example()
    tr, sy = made.line.exporter, made.line.peer
    levels = made.line.levels
    stations = {party: {k: v for k, v in EXAMPLE_STATIONS[party].items() if k != "seed_hex"} for party in ("TR", "SY")}
    keys = []
    for item in (tr, sy):
        keys += [
            f"{item.party}  fingerprint {item.card['fingerprint']}",
            f"    TLS certificate SHA-256 {item.card['tls_certificate_sha256']}",
            f"    signing key id {item.signer.kid}",
        ]
        for kind, key in item.note_signer.keys.items():
            shown = key.vkey if not kind.mldsa else f"{key.vkey[: len(key.name) + 16]}…"
            keys.append(f"    {kind.label:<14} key id {key.key_id.hex()}  {shown}")
    leaves = [
        f"{index}  {kind:<12} {obj['id']}  {leaf_hash(canonical_json(obj)).hex()}"
        for index, (kind, obj) in enumerate(made.line.entries)
    ]
    tree = [f"root of size 2: {root_hash(levels, 2).hex()}", f"root of size 4: {root_hash(levels, 4).hex()}"]
    for index in range(4):
        tree.append(f"inclusion proof of {index} in 4: {' '.join(h.hex() for h in inclusion_proof(levels, index, 4))}")
    signed = parse_json(sign_bundle(made.bundle, tr.signer))
    return {
        "inputs": ("json", json.dumps({"stations": stations, **EXAMPLE_INPUTS}, indent=2, ensure_ascii=False)),
        "keys": ("text", "\n".join(keys)),
        "leaves": ("text", "\n".join(leaves)),
        "tree": ("text", "\n".join(tree)),
        "checkpoint-2": ("text", parse_note(made.line.notes[2]).text.rstrip("\n")),
        "note-4": ("text", _elide_mldsa(made.line.notes[4])),
        "bundle": ("json", elided(signed)),
    }


@cache
def _document_blocks() -> dict[str, tuple[str, str]]:
    text = PROTOCOL.read_text(encoding="utf-8")
    found = {name: (language, content) for name, language, content in _BLOCK.findall(text)}
    assert len(found) == len(_BLOCK.findall(text)), "two bundle-example blocks have the same name"
    return found


def test_the_worked_example_in_protocol_md_is_what_the_code_makes() -> None:
    document, computed = _document_blocks(), example_blocks()
    assert set(document) == set(computed)
    for name, block in computed.items():
        assert document[name] == block, f"PROTOCOL.md bundle-example:{name} differs from the code"


def test_the_example_s_message_and_receipt_are_the_test_vectors_of_protocol_md() -> None:
    vectors = {name: content for name, _, content in _VECTOR.findall(PROTOCOL.read_text(encoding="utf-8"))}
    made = example()
    assert made.message.hash == vectors["envelope-1-hash"]
    assert made.receipt.hash == vectors["receipt-1-hash"]
    assert made.message.canonical.decode() == vectors["envelope-1-canonical"]


def test_the_complete_example_bundle_verifies_and_is_the_example() -> None:
    data = EXAMPLE_FILE.read_bytes()
    report = verify_bundle(data)
    assert elided(parse_json(data)) == _document_blocks()["bundle"][1]
    made = example()
    assert [e["object"] for e in parse_json(data)["entries"]] == [obj for _, obj in made.line.entries]
    (message,) = report.messages
    assert (message.id, message.receipt and message.receipt.received) == (made.message.id, "2026-11-26T09:14:03.731Z")
    assert [a.operator for a in message.acknowledgements] == ["Lt. Haddad"]
    assert [c.size for c in report.checkpoints] == [2, 4] and message.checkpoint.cosigned_at == "2026-11-26T09:14:06Z"
    assert "Lt. Haddad" in describe(report, "en")


def test_an_auditor_checks_the_example_with_independent_code() -> None:
    """What PROTOCOL.md §17.5 asks of a verifier, written with rfc8785, cryptography and hashlib."""
    data = EXAMPLE_FILE.read_bytes()
    bundle = json.loads(data)
    assert rfc8785.dumps(bundle) == data, "the bundle is its own RFC 8785 form"
    exporter = bundle["cards"]["exporter"]
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(exporter["signing_key"]["public"]))
    unsigned = copy.deepcopy(bundle)
    value = unsigned["signature"].pop("value")
    public.verify(base64.b64decode(value), b"detente evidence bundle v1\n" + rfc8785.dumps(unsigned))

    def vkey(card: dict[str, Any], type_byte: bytes) -> tuple[str, bytes, bytes]:
        for text in card["note_keys"]:
            name, key_id, encoded = text.split("+", 2)
            raw = base64.b64decode(encoded)
            if raw[: len(type_byte)] == type_byte and len(raw) == len(type_byte) + 32:
                assert hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex() == key_id
                return name, bytes.fromhex(key_id), raw[len(type_byte) :]
        raise AssertionError("no such key")

    head = bundle["checkpoints"][-1]["note"]
    text, _, signatures = head.partition("\n\n")
    text += "\n"
    lines = signatures.rstrip("\n").split("\n")
    name, key_id, key = vkey(exporter, b"\x01")
    line = base64.b64decode(lines[0].split(" ")[2])
    assert lines[0].split(" ")[1] == name and line[:4] == key_id
    Ed25519PublicKey.from_public_bytes(key).verify(line[4:], text.encode())
    name, key_id, key = vkey(bundle["cards"]["peer"], b"\x04")
    line = base64.b64decode(lines[2].split(" ")[2])
    assert line[:4] == key_id
    stamp = int.from_bytes(line[4:12], "big")
    Ed25519PublicKey.from_public_bytes(key).verify(line[12:], f"cosignature/v1\ntime {stamp}\n{text}".encode())
    root = base64.b64decode(text.split("\n")[2])
    size = int(text.split("\n")[1])

    def node(left: bytes, right: bytes) -> bytes:
        return hashlib.sha256(b"\x01" + left + right).digest()

    for entry in bundle["entries"]:
        leaf = hashlib.sha256(b"\x00" + rfc8785.dumps(entry["object"])).digest()
        proof = [base64.b64decode(p) for p in entry["proof"]]
        # a 4-leaf tree: the sibling, then the other half
        index = entry["index"]
        pair = node(proof[0], leaf) if index % 2 else node(leaf, proof[0])
        assert size == 4 and (node(proof[1], pair) if index >= 2 else node(pair, proof[1])) == root


# --- each check, reached by a bundle that passes all the others -----------------------------------

T0 = 1795684443250


@cache
def _parties() -> dict[str, Any]:
    return {party: station(party) for party in ("TR", "SY", "IQ")}


def _line() -> tuple[Line, Any, Any]:
    """TR's log: a message to SY and SY's receipt, co-signed at size 2."""
    parties = _parties()
    line = Line(parties["TR"], parties["SY"])
    message = envelope(line.exporter, line.peer, seq=1, created_ms=T0)
    line.log("envelope-out", message)
    line.log("receipt-in", receipt(line.peer, message, "2026-11-26T09:14:03.731Z"))
    return line, message, parties


def _bundle(line: Line, *, indices: list[int], sizes: list[int], selection: dict[str, Any]) -> dict[str, Any]:
    return line.bundle(selection=selection, indices=indices, sizes=sizes, exported_at="2026-11-26T10:00:00.000Z")


def _verify(line: Line, bundle: dict[str, Any]) -> Any:
    return verify_bundle(sign_bundle(bundle, line.exporter.signer))


def _fails(line: Line, bundle: dict[str, Any], reason: str) -> None:
    with pytest.raises(BundleError) as caught:
        _verify(line, bundle)
    assert reason in str(caught.value), f"{reason!r} not in: {caught.value}"


def _cosigned(line: Line, size: int | None = None, **options: Any) -> None:
    line.checkpoint(time="2026-11-26T09:14:05.000Z", cosigned=1795684446, size=size, **options)


def test_the_base_case_verifies() -> None:
    line, message, _ = _line()
    _cosigned(line)
    report = _verify(line, _bundle(line, indices=[0, 1], sizes=[2], selection={"messages": [message.id]}))
    assert report.messages[0].receipt is not None


def test_a_receipt_for_another_envelope_with_the_same_id_fails() -> None:
    """SY signs a receipt for a different envelope hash and TR logs it: both signatures and the
    proof are good, but the receipt is not for the envelope in the bundle."""
    parties = _parties()
    line = Line(parties["TR"], parties["SY"])
    message = envelope(line.exporter, line.peer, seq=1, created_ms=T0)
    other = envelope(line.exporter, line.peer, seq=1, created_ms=T0, body={"text": "another"})
    line.log("envelope-out", message)
    line.log("receipt-in", receipt(line.peer, other, "2026-11-26T09:14:03.731Z"))
    _cosigned(line)
    bundle = _bundle(line, indices=[0, 1], sizes=[2], selection={"messages": [message.id]})
    _fails(line, bundle, "the receipt is for the envelope of hash")


def _acknowledged(body: Callable[[Any], dict[str, Any]], *, include_message: bool = True) -> tuple[Line, Any]:
    line, message, _ = _line()
    ack = envelope(line.peer, line.exporter, seq=1, created_ms=T0 + 5000, kind="acknowledgement", body=body(message))
    line.log("envelope-in", ack)
    _cosigned(line)
    indices = [0, 1, 2] if include_message else [2]
    return line, _bundle(line, indices=indices, sizes=[3], selection={"messages": [message.id]})


def test_an_acknowledgement_of_another_envelope_of_the_message_fails() -> None:
    line, bundle = _acknowledged(lambda m: {"acknowledges": m.id, "envelope": "0" * 64, "operator": "x"})
    _fails(line, bundle, "it acknowledges an envelope of message")


def test_an_acknowledgement_of_a_message_not_in_the_bundle_fails() -> None:
    line, bundle = _acknowledged(lambda m: {"acknowledges": m.id, "operator": "x"}, include_message=False)
    _fails(line, bundle, "which is not a message in the bundle")


def test_an_acknowledgement_without_an_envelope_hash_or_time_still_says_who_and_when() -> None:
    line, bundle = _acknowledged(lambda m: {"acknowledges": m.id, "operator": "Lt. Haddad", "at": "yesterday"})
    (ack,) = _verify(line, bundle).messages[0].acknowledgements
    assert (ack.operator, ack.at) == ("Lt. Haddad", "2026-11-26T09:14:08.250Z"), "the envelope's own time"


def _case_record_about_another_line(line: Line, message: Any, parties: dict[str, Any]) -> dict[str, Any]:
    record = seal_record(
        line.exporter.signer,
        id=uuid7(T0, bytes(10)),
        station=line.exporter.station_id,
        peer=parties["IQ"].station_id,
        event="alarm.test",
        at="2026-11-26T09:14:04.000Z",
        detail="about another line",
        evidence={"message": message.id},
    )
    line.log("record", record.canonical)
    _cosigned(line)
    return _bundle(line, indices=[0, 1, 2], sizes=[3], selection={"messages": [message.id]})


def _case_third_signature(line: Line, message: Any, parties: dict[str, Any]) -> dict[str, Any]:
    note = parse_note(line.checkpoint(time="2026-11-26T09:14:05.000Z", cosigned=1795684446))
    line.notes[2] = str(note.with_signatures(parties["IQ"].note_signer.cosign(note.text, 1795684446)))
    return _bundle(line, indices=[0, 1], sizes=[2], selection={"messages": [message.id]})


def _case_cosigned_by_another(line: Line, message: Any, parties: dict[str, Any]) -> dict[str, Any]:
    _cosigned(line, cosigner=parties["IQ"])
    return _bundle(line, indices=[0, 1], sizes=[2], selection={"messages": [message.id]})


def _case_two_cosignature_times(line: Line, message: Any, parties: dict[str, Any]) -> dict[str, Any]:
    note = parse_note(line.checkpoint(time="2026-11-26T09:14:05.000Z", cosigned=None))
    early = line.peer.note_signer.cosign(note.text, 1795684446)
    late = line.peer.note_signer.cosign(note.text, 1795684447)
    line.notes[2] = str(SignedNote(note.text, note.signatures + (early[0], late[1])))
    return _bundle(line, indices=[0, 1], sizes=[2], selection={"messages": [message.id]})


def _case_shrinking_checkpoints(line: Line, message: Any, parties: dict[str, Any]) -> dict[str, Any]:
    _cosigned(line)
    bundle = _bundle(line, indices=[0, 1], sizes=[2], selection={"messages": [message.id]})
    bundle["checkpoints"].append(copy.deepcopy(bundle["checkpoints"][0]))
    return bundle


def _case_bad_consistency(line: Line, message: Any, parties: dict[str, Any]) -> dict[str, Any]:
    _cosigned(line, size=1)
    _cosigned(line)
    bundle = _bundle(line, indices=[0, 1], sizes=[1, 2], selection={"messages": [message.id]})
    bundle["checkpoints"][0]["consistency"] = []
    return bundle


def _case_peer_s_log(line: Line, message: Any, parties: dict[str, Any]) -> dict[str, Any]:
    line.checkpoint(
        time="2026-11-26T09:14:05.000Z",
        cosigned=1795684446,
        origin=line_origin(line.peer.station_id, line.exporter.station_id),
    )
    return _bundle(line, indices=[0, 1], sizes=[2], selection={"messages": [message.id]})


def _case_stranger_s_envelope(line: Line, message: Any, parties: dict[str, Any]) -> dict[str, Any]:
    stranger = envelope(parties["IQ"], line.exporter, seq=1, created_ms=T0 + 1000)
    line.log("envelope-in", stranger)
    _cosigned(line)
    return _bundle(line, indices=[0, 1, 2], sizes=[3], selection={"messages": [message.id, stranger.id]})


def _case_message_outside_the_range(line: Line, message: Any, parties: dict[str, Any]) -> dict[str, Any]:
    _cosigned(line)
    selection = {"from": "2026-11-26T09:15:00.000Z", "to": "2026-11-26T10:00:00.000Z"}
    return _bundle(line, indices=[0, 1], sizes=[2], selection=selection)


def _case_unselected_message(line: Line, message: Any, parties: dict[str, Any]) -> dict[str, Any]:
    other = envelope(line.exporter, line.peer, seq=2, created_ms=T0 + 1000, prev=message.hash)
    line.log("envelope-out", other)
    _cosigned(line)
    return _bundle(line, indices=[0, 1, 2], sizes=[3], selection={"messages": [message.id]})


def _case_record_of_no_selected_message(line: Line, message: Any, parties: dict[str, Any]) -> dict[str, Any]:
    record = seal_record(
        line.exporter.signer,
        id=uuid7(T0, bytes(10)),
        station=line.exporter.station_id,
        peer=line.peer.station_id,
        event="alarm.test",
        at="2026-11-26T09:14:04.000Z",
        detail="about nothing selected",
    )
    line.log("record", record.canonical)
    _cosigned(line)
    return _bundle(line, indices=[0, 1, 2], sizes=[3], selection={"messages": [message.id]})


def _case_record_outside_the_range(line: Line, message: Any, parties: dict[str, Any]) -> dict[str, Any]:
    record = seal_record(
        line.exporter.signer,
        id=uuid7(T0, bytes(10)),
        station=line.exporter.station_id,
        peer=line.peer.station_id,
        event="alarm.test",
        at="2026-11-27T00:00:00.000Z",
        detail="later",
    )
    line.log("record", record.canonical)
    _cosigned(line)
    selection = {"from": "2026-11-26T00:00:00.000Z", "to": "2026-11-26T23:59:59.999Z"}
    return _bundle(line, indices=[0, 1, 2], sizes=[3], selection=selection)


def _case_wrong_kind(line: Line, message: Any, parties: dict[str, Any]) -> dict[str, Any]:
    _cosigned(line)
    bundle = _bundle(line, indices=[0, 1], sizes=[2], selection={"messages": [message.id]})
    bundle["entries"][0]["kind"] = "envelope-in"
    return bundle


def _case_unknown_kind(line: Line, message: Any, parties: dict[str, Any]) -> dict[str, Any]:
    _cosigned(line)
    bundle = _bundle(line, indices=[0, 1], sizes=[2], selection={"messages": [message.id]})
    bundle["entries"][0]["kind"] = "envelope"
    return bundle


def _case_entries_out_of_order(line: Line, message: Any, parties: dict[str, Any]) -> dict[str, Any]:
    _cosigned(line)
    bundle = _bundle(line, indices=[1, 0], sizes=[2], selection={"messages": [message.id]})
    return bundle


def _case_index_beyond_the_checkpoint(line: Line, message: Any, parties: dict[str, Any]) -> dict[str, Any]:
    _cosigned(line)
    bundle = _bundle(line, indices=[0, 1], sizes=[2], selection={"messages": [message.id]})
    bundle["entries"][1]["index"] = 2
    return bundle


def _case_long_proof(line: Line, message: Any, parties: dict[str, Any]) -> dict[str, Any]:
    _cosigned(line)
    bundle = _bundle(line, indices=[0, 1], sizes=[2], selection={"messages": [message.id]})
    bundle["entries"][0]["proof"] = bundle["entries"][0]["proof"] * 2
    return bundle


def _case_short_hash(line: Line, message: Any, parties: dict[str, Any]) -> dict[str, Any]:
    _cosigned(line)
    bundle = _bundle(line, indices=[0, 1], sizes=[2], selection={"messages": [message.id]})
    bundle["entries"][0]["proof"] = [base64.b64encode(bytes(31)).decode()]
    return bundle


def _case_padding_bits(line: Line, message: Any, parties: dict[str, Any]) -> dict[str, Any]:
    _cosigned(line)
    bundle = _bundle(line, indices=[0, 1], sizes=[2], selection={"messages": [message.id]})
    proof = bundle["entries"][0]["proof"][0]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    bundle["entries"][0]["proof"][0] = proof[:-2] + alphabet[alphabet.index(proof[-2]) ^ 1] + "="
    return bundle


def _case_non_canonical_note(line: Line, message: Any, parties: dict[str, Any]) -> dict[str, Any]:
    _cosigned(line)
    bundle = _bundle(line, indices=[0, 1], sizes=[2], selection={"messages": [message.id]})
    note = bundle["checkpoints"][0]["note"]
    first = note.split("\n\n")[1].split("\n")[0]  # the Ed25519 signature line: 4 + 64 bytes, 2 spare bits
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    twin = first[:-2] + alphabet[alphabet.index(first[-2]) ^ 1] + "="
    bundle["checkpoints"][0]["note"] = note.replace(first, twin)
    return bundle


def _case_unknown_member(line: Line, message: Any, parties: dict[str, Any]) -> dict[str, Any]:
    _cosigned(line)
    bundle = _bundle(line, indices=[0, 1], sizes=[2], selection={"messages": [message.id]})
    bundle["comment"] = "trust me"
    return bundle


def _case_other_format(line: Line, message: Any, parties: dict[str, Any]) -> dict[str, Any]:
    _cosigned(line)
    bundle = _bundle(line, indices=[0, 1], sizes=[2], selection={"messages": [message.id]})
    bundle["bundle"] = "detente-evidence-bundle/2"
    return bundle


def _case_one_party(line: Line, message: Any, parties: dict[str, Any]) -> dict[str, Any]:
    _cosigned(line)
    bundle = _bundle(line, indices=[0, 1], sizes=[2], selection={"messages": [message.id]})
    bundle["cards"]["peer"] = bundle["cards"]["exporter"]
    return bundle


def _case_bad_export_time(line: Line, message: Any, parties: dict[str, Any]) -> dict[str, Any]:
    _cosigned(line)
    bundle = _bundle(line, indices=[0, 1], sizes=[2], selection={"messages": [message.id]})
    bundle["exported_at"] = "2026-11-26T10:00:00Z"
    return bundle


def _case_empty_selection(line: Line, message: Any, parties: dict[str, Any]) -> dict[str, Any]:
    _cosigned(line)
    return _bundle(line, indices=[0, 1], sizes=[2], selection={"messages": []})


def _case_uncosigned_earlier_checkpoint(line: Line, message: Any, parties: dict[str, Any]) -> dict[str, Any]:
    line.checkpoint(time="2026-11-26T09:14:04.000Z", cosigned=None, size=1)
    _cosigned(line)
    return _bundle(line, indices=[0, 1], sizes=[1, 2], selection={"messages": [message.id]})


CASES: dict[str, tuple[Callable[[Line, Any, dict[str, Any]], dict[str, Any]], str]] = {
    "record-about-another-line": (_case_record_about_another_line, "a record in the exporter's log must be by"),
    "third-signature": (_case_third_signature, "it has 6 signature lines; exactly 4 are allowed"),
    "cosigned-by-another": (_case_cosigned_by_another, "signature line 3 is by detente.station/IQ-00aa11bb22cc"),
    "two-cosignature-times": (_case_two_cosignature_times, "the two cosignatures carry different times"),
    "shrinking-checkpoints": (_case_shrinking_checkpoints, "checkpoints must be of growing sizes"),
    "bad-consistency": (_case_bad_consistency, "checkpoints[0] (size 1): its consistency proof"),
    "peer-s-log": (_case_peer_s_log, "it is a checkpoint of detente.line/SY-ba9876543210/TR-0123456789ab"),
    "stranger-s-envelope": (_case_stranger_s_envelope, "but this one goes from IQ-00aa11bb22cc"),
    "message-outside-the-range": (_case_message_outside_the_range, "outside the range"),
    "unselected-message": (_case_unselected_message, "which the selection does not name"),
    "record-of-no-selected-message": (_case_record_of_no_selected_message, "concerns no selected message"),
    "record-outside-the-range": (_case_record_outside_the_range, "was made at 2026-11-27T00:00:00.000Z, outside"),
    "wrong-kind": (_case_wrong_kind, "a envelope-in entry goes from SY-ba9876543210 to TR-0123456789ab"),
    "unknown-kind": (_case_unknown_kind, "kind 'envelope' is not one of"),
    "entries-out-of-order": (_case_entries_out_of_order, "entries must be in the order of the log"),
    "index-beyond-the-checkpoint": (_case_index_beyond_the_checkpoint, "index 2 is not a position in a log of 2"),
    "long-proof": (_case_long_proof, "inclusion proof does not lead"),
    "short-hash": (_case_short_hash, "proof[0] is not a canonical base64 SHA-256 hash"),
    "padding-bits": (_case_padding_bits, "proof[0] is not a canonical base64 SHA-256 hash"),
    "non-canonical-note": (_case_non_canonical_note, "the signed note is not in its one canonical form"),
    "unknown-member": (_case_unknown_member, "the bundle has unknown members comment"),
    "other-format": (_case_other_format, "not an evidence bundle"),
    "one-party": (_case_one_party, "must be two stations of two parties"),
    "bad-export-time": (_case_bad_export_time, "exported_at: timestamp"),
    "empty-selection": (_case_empty_selection, "selection.messages must be a non-empty list"),
    "uncosigned-earlier-checkpoint": (_case_uncosigned_earlier_checkpoint, "(the checkpoint is not co-signed)"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_check_of_the_verifier_names_what_is_wrong(case: str) -> None:
    make, reason = CASES[case]
    line, message, parties = _line()
    _fails(line, make(line, message, parties), reason)


def test_a_record_about_a_selected_message_belongs_in_its_bundle() -> None:
    line, message, _ = _line()
    record = seal_record(
        line.exporter.signer,
        id=uuid7(T0, bytes(10)),
        station=line.exporter.station_id,
        peer=line.peer.station_id,
        event="notice.late",
        at="2026-11-26T09:14:04.000Z",
        detail="sent late",
        evidence={"message": message.id},
    )
    line.log("record", record.canonical)
    _cosigned(line)
    report = _verify(line, _bundle(line, indices=[0, 1, 2], sizes=[3], selection={"messages": [message.id]}))
    assert [(r.event, r.message) for r in report.records] == [("notice.late", message.id)]
    assert message.id in describe(report, "ru").split("notice.late")[1]


def test_a_message_without_a_receipt_is_proven_sent_and_said_to_have_none() -> None:
    line, message, _ = _line()
    _cosigned(line)
    report = _verify(line, _bundle(line, indices=[0], sizes=[2], selection={"messages": [message.id]}))
    assert report.messages[0].receipt is None
    assert "the bundle holds no receipt for it" in describe(report, "en")
    assert "квитанции о его получении в пакете нет" in describe(report, "ru")


def test_times_the_two_clocks_disagree_on_are_said_to_be_so() -> None:
    parties = _parties()
    line = Line(parties["TR"], parties["SY"])
    message = envelope(line.exporter, line.peer, seq=1, created_ms=T0)
    line.log("envelope-out", message)
    line.log("receipt-in", receipt(line.peer, message, "2026-11-26T09:14:02.000Z"))  # SY's clock is behind
    _cosigned(line, clock_offset_ms=-1500.0)
    report = _verify(line, _bundle(line, indices=[0, 1], sizes=[2], selection={"messages": [message.id]}))
    text = describe(report, "en")
    assert "1.2\u2069 s earlier, by the two clocks" in text
    assert "was \u20661.5\u2069 s behind that of" in text
    assert "saatlerine göre" in describe(report, "tr")


def test_the_exporter_cannot_sign_for_its_peer() -> None:
    """Even holding the exporter's keys, a receipt by the peer cannot be made up."""
    line, message, parties = _line()
    forged = seal_envelope(
        line.exporter.signer,
        id=message.id,
        sender=line.peer.station_id,
        recipient=line.exporter.station_id,
        seq=1,
        prev="0" * 64,
        created="2026-11-26T09:14:03.250Z",
        kind="free-text",
        precedence=message.precedence,
        body={"text": "we never received anything"},
    )
    line.log("envelope-in", forged)
    _cosigned(line)
    bundle = _bundle(line, indices=[0, 1, 2], sizes=[3], selection={"messages": [message.id, forged.id]})
    _fails(line, bundle, "which is not pinned for its sender")


def test_the_report_of_a_bundle_by_time_names_its_range() -> None:
    line, message, _ = _line()
    _cosigned(line)
    selection = {"from": "2026-11-26T09:00:00.000Z", "to": "2026-11-26T09:30:00.000Z"}
    report = _verify(line, _bundle(line, indices=[0, 1], sizes=[2], selection=selection))
    assert (report.selected_from, report.selected_to, report.selected_messages) == (
        "2026-11-26T09:00:00.000Z",
        "2026-11-26T09:30:00.000Z",
        (),
    )
    for lang in ("tr", "ar", "en", "ru"):
        assert "2026-11-26T09:30:00.000Z" in describe(report, lang)


@pytest.mark.parametrize("change", ["version", "serial"])
def test_a_card_whose_certificate_is_malformed_fails_with_a_reason(change: str) -> None:
    """Found by flipping bytes: a certificate of X.509 version 10, or with a negative serial number,
    made card parsing raise (or warn) instead of refusing the card."""
    bundle = parse_json(EXAMPLE_FILE.read_bytes())
    pem = bundle["cards"]["peer"]["tls_certificate"]
    der = bytearray(base64.b64decode("".join(pem.strip().splitlines()[1:-1])))
    at = der.index(bytes.fromhex("a003020102"))  # [0] EXPLICIT version INTEGER 2 (v3), then the serial
    if change == "version":
        der[at + 4] = 10
    else:
        der[at + 7] |= 0x80
    encoded = base64.b64encode(bytes(der)).decode()
    lines = [encoded[i : i + 64] for i in range(0, len(encoded), 64)]
    bundle["cards"]["peer"]["tls_certificate"] = "\n".join(
        ["-----BEGIN CERTIFICATE-----", *lines, "-----END CERTIFICATE-----", ""]
    )
    refused = (
        r"cards\.peer: (the card is malformed \(CryptographyDep"
        r"|tls_certificate is not a PEM certificate \(not an X\.509)"
    )
    with pytest.raises(BundleError, match=refused):
        verify_bundle(canonical_json(bundle))


def test_two_envelopes_with_one_id_fail() -> None:
    """Ids are unique on a line; a log holding two envelopes with one id would make "message X"
    ambiguous, so a bundle may not."""
    line, message, _ = _line()
    twin = envelope(line.peer, line.exporter, seq=1, created_ms=T0)  # same time and random bits: same id
    assert twin.id == message.id
    line.log("envelope-in", twin)
    _cosigned(line)
    bundle = _bundle(line, indices=[0, 1, 2], sizes=[3], selection={"messages": [message.id]})
    _fails(
        line, bundle, "entries[2] (envelope-in 01a21722-2472-7a0a-a2a3-a4a5a6a7a8a9, log index 2): a second envelope"
    )


def test_a_signature_line_run_into_the_next_fails_with_a_reason() -> None:
    """Found by flipping every byte: the backslash of a note's escaped line feed turned into "]"
    joins two signature lines, and the em dash then sits in the base64 of the first."""
    data = EXAMPLE_FILE.read_bytes()
    at = data.index(b"=\\n\xe2\x80\x94 detente.station/") + 1
    tampered = data[:at] + b"]" + data[at + 1 :]
    with pytest.raises(BundleError, match=r"checkpoints\[0\]: .*ASCII"):
        verify_bundle(tampered)
