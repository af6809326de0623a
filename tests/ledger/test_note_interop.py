"""Our checkpoint signatures verify with Go's golang.org/x/mod/sumdb/note, an independent
implementation of signed notes (Debian packages golang-go and golang-golang-x-mod-dev, which
.ci/run installs). The ML-DSA lines, of a type the Go verifier does not know, are ignored by it,
as the C2SP specification requires."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from detente.ledger.note import KeyKind, NoteSigner, key_name, parse_note

SOURCE = Path(__file__).parents[1] / "interop" / "notecheck"
GOPATH = Path("/usr/share/gocode")


@pytest.fixture(scope="module")
def notecheck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("go") is None or not (GOPATH / "src/golang.org/x/mod/sumdb/note").is_dir():
        if os.environ.get("CI"):
            pytest.fail("CI must install golang-go and golang-golang-x-mod-dev (see .ci/run)")
        pytest.skip("Go and golang.org/x/mod are not installed here (.ci/run installs them)")
    out = tmp_path_factory.mktemp("go")
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": str(GOPATH),
        "GOCACHE": str(out / "cache"),
        "GOFLAGS": "",
        "CGO_ENABLED": "0",
    }
    subprocess.run(
        ["go", "build", "-o", str(out / "notecheck"), "."],
        cwd=SOURCE,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out / "notecheck"


def test_go_verifies_the_ed25519_checkpoint_signature(notecheck: Path) -> None:
    signer = NoteSigner(key_name("TR-0123456789ab"), bytes(range(32)), bytes(range(32, 64)))
    witness = NoteSigner(key_name("SY-ba9876543210"), bytes(range(64, 96)), bytes(range(96, 128)))
    text = (
        "detente.line/TR-0123456789ab/SY-ba9876543210\n7\n" + base64.b64encode(bytes(32)).decode() + "\n"
        "time 2026-11-26T09:14:03.250Z\n"
    )
    note = parse_note(text + "\n" + "".join(s.line() for s in signer.sign_note(text)))
    note = note.with_signatures(witness.cosign(note.text, 1_790_000_000))
    vkey = signer.keys[KeyKind.NOTE_ED25519].vkey
    result = subprocess.run([str(notecheck), vkey], input=str(note), capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert f"verified {signer.name} {signer.keys[KeyKind.NOTE_ED25519].key_id.hex()}" in result.stdout
    assert result.stdout.endswith(text)
    tampered = str(note).replace("\n7\n", "\n8\n")
    result = subprocess.run([str(notecheck), vkey], input=tampered, capture_output=True, text=True, timeout=30)
    assert result.returncode == 1 and "does not verify" in result.stderr
