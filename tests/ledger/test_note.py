"""Signed notes: the C2SP examples (tests/data/merkle/c2sp-examples.txt), our four key kinds."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from detente.ledger.note import KeyKind, NoteError, NoteKey, NoteSigner, key_name, parse_note

EXAMPLES = (Path(__file__).parents[1] / "data" / "merkle" / "c2sp-examples.txt").read_text(encoding="utf-8")


def example(name: str) -> str:
    match = re.search(rf">>>>> BEGIN {re.escape(name)}\n(.*?)<<<<< END {re.escape(name)}", EXAMPLES, re.S)
    assert match, name
    return match.group(1)


def vkeys(section: str) -> list[str]:
    block = EXAMPLES.split(f"[{section}]", 1)[1].split("-----", 1)[0]
    return re.findall(r"^vkey: (\S+)", block, re.M)


def test_published_notes_verify_with_their_published_keys() -> None:
    for section in (
        "c2sp-signed-note-example",
        "golang-x-mod-note-PeterNeumann-EnochRoot",
        "sum-golang-org-checkpoint-6476701",
    ):
        note = parse_note(example(section))
        keys = [NoteKey.from_vkey(v) for v in vkeys(section)]
        assert keys
        for key in keys:
            assert key.kind is KeyKind.NOTE_ED25519
            assert note.verify(key), (section, key.name)
            assert key.vkey in vkeys(section), "a vkey prints back exactly"


def test_resigning_with_the_published_private_key_reproduces_the_signature() -> None:
    skey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
    seed = base64.b64decode(skey.split("+", 4)[4])[1:]
    signer = NoteSigner("PeterNeumann", seed, bytes(32))
    note = parse_note(example("golang-x-mod-note-PeterNeumann-EnochRoot"))
    (ours, _) = signer.sign_note(note.text)
    published = note.signature_by(signer.keys[KeyKind.NOTE_ED25519])
    assert published is not None and ours == published


def test_a_tampered_note_does_not_verify() -> None:
    text = example("sum-golang-org-checkpoint-6476701")
    key = NoteKey.from_vkey(vkeys("sum-golang-org-checkpoint-6476701")[0])
    assert not parse_note(text.replace("6476701", "6476702")).verify(key)


def test_parse_only_examples_parse() -> None:
    note = parse_note(example("c2sp-signed-note-intro"))
    assert note.text.endswith("ed è subito sera.\n") and note.signatures[0].name == "quasimodo.example/salvatore"
    cosigned = parse_note(example("c2sp-tlog-cosignature-example"))
    assert [s.name for s in cosigned.signatures] == ["example.com/behind-the-sofa", "witness.example.com/w1"]
    assert len(cosigned.signatures[1].signature) == 8 + 64


CHECKPOINT = "detente.line/TR-0123456789ab/SY-ba9876543210\n42\n" + base64.b64encode(bytes(range(32))).decode() + "\n"


@pytest.fixture(scope="module")
def signer() -> NoteSigner:
    return NoteSigner(key_name("TR-0123456789ab"), bytes(range(32)), bytes(range(32, 64)))


@pytest.fixture(scope="module")
def witness() -> NoteSigner:
    return NoteSigner(key_name("SY-ba9876543210"), bytes(range(64, 96)), bytes(range(96, 128)))


def test_checkpoints_carry_both_signatures_and_both_cosignatures(signer: NoteSigner, witness: NoteSigner) -> None:
    note = parse_note(str(parse_note(CHECKPOINT + "\n" + "".join(s.line() for s in signer.sign_note(CHECKPOINT)))))
    note = note.with_signatures(witness.cosign(note.text, 1_790_000_000))
    again = parse_note(str(note))
    assert again == note and len(again.signatures) == 4
    for key in (*signer.keys.values(), *witness.keys.values()):
        assert again.verify(key) is (key.kind.cosignature == (key.name == witness.name)), key.kind
    assert again.cosigned_at(witness.keys[KeyKind.COSIG_ED25519]) == 1_790_000_000
    for kind in KeyKind:
        assert NoteKey.from_vkey(signer.keys[kind].vkey) == signer.keys[kind]


def test_each_signature_fails_alone_when_its_bytes_change(signer: NoteSigner, witness: NoteSigner) -> None:
    note = parse_note(CHECKPOINT + "\n" + "".join(s.line() for s in signer.sign_note(CHECKPOINT)))
    note = note.with_signatures(witness.cosign(note.text, 1_790_000_000))
    for index, signature in enumerate(note.signatures):
        damaged = bytearray(signature.signature)
        damaged[-1] ^= 1
        sigs = list(note.signatures)
        sigs[index] = type(signature)(signature.name, signature.key_id, bytes(damaged))
        broken = type(note)(note.text, tuple(sigs))
        results = [broken.verify(k) for k in (*signer.keys.values(), *witness.keys.values())]
        assert results.count(True) == 3, index


@pytest.mark.parametrize(
    "bad",
    [
        "no blank line\n— a AAAA\n",
        "text\n\nnot a signature\n",
        "text\n\n— name !!!\n",
        "te\x01xt\n\n— a AAAAAAA=\n",
        "text\n\n",
        "text\n\n— a AAAAAAA=",
    ],
)
def test_malformed_notes_are_refused(bad: str) -> None:
    with pytest.raises(NoteError):
        parse_note(bad)


def test_malformed_vkeys_are_refused(signer: NoteSigner) -> None:
    good = signer.keys[KeyKind.NOTE_ED25519].vkey
    name, key_id, key = good.split("+", 2)
    for bad in (f"{name}+{key_id}", f"{name}+00000000+{key}", f"{name}+{key_id}+!!", f"{name}+{key_id}+AAAA"):
        with pytest.raises(NoteError):
            NoteKey.from_vkey(bad)
