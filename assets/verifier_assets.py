"""Bundle the verifier page's crypto from assets/node_modules into the package.

The verifier page (``detente ledger verifier-page``) checks evidence bundles in a browser, offline,
so the cryptography it uses is committed, as one script, at
``src/detente/ledger/verifier/vendor/noble.js`` (``pip install .`` then needs no npm), with the
packages' licences beside it. ``make verifier-assets`` runs ``npm ci --prefix assets`` and this
script; ``tests/ledger/test_verifier_page.py`` rebuilds it whenever ``assets/node_modules`` holds
the packages and esbuild, and checks that the committed file is that build, byte for byte.

What is taken (``assets/verifier/crypto.js`` names the exports), all MIT-licensed, audited and
without dependencies of their own beyond each other:

* @noble/curves: Ed25519 (RFC 8032 verification, ZIP-215 off), for cards, envelopes, receipts,
  records, checkpoints and the bundle's signature;
* @noble/hashes: SHA-256 (leaf, node and object hashes, key ids) and SHA-512 (the fingerprint);
* @noble/post-quantum: ML-DSA-65 (FIPS 204), for the checkpoint signatures and cosignatures.

esbuild (a development dependency) joins their ES modules into one script that defines
``DetenteCrypto``, not minified, so that a reader of the page can read the code it runs.

Usage: ``python assets/verifier_assets.py`` (write) or ``python assets/verifier_assets.py --check``
(exit 1 if the committed files differ from a fresh build).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
NODE_MODULES = ASSETS / "node_modules"
VENDOR = ROOT / "src" / "detente" / "ledger" / "verifier" / "vendor"
PACKAGES = ("@noble/curves", "@noble/hashes", "@noble/post-quantum")
ESBUILD_ARGS = (
    "verifier/crypto.js",
    "--bundle",
    "--format=iife",
    "--global-name=DetenteCrypto",
    "--target=es2020",
    "--legal-comments=inline",
    "--charset=utf8",
    "--log-level=warning",
)


def build(folder: Path) -> dict[str, bytes]:
    """The files of vendor/, made afresh (name → bytes)."""
    esbuild = NODE_MODULES / ".bin" / "esbuild"
    out = folder / "noble.js"
    subprocess.run([str(esbuild), *ESBUILD_ARGS, f"--outfile={out}"], cwd=ASSETS, check=True)
    files = {"noble.js": out.read_bytes()}
    for package in PACKAGES:
        files[f"LICENSE-{package.split('/')[1]}"] = (NODE_MODULES / package / "LICENSE").read_bytes()
    return files


def differences() -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        fresh = build(Path(folder))
    problems = []
    for name, data in sorted(fresh.items()):
        path = VENDOR / name
        if not path.exists():
            problems.append(f"{name}: missing")
        elif path.read_bytes() != data:
            problems.append(f"{name}: differs from a fresh build")
    return problems


def main() -> int:
    if "--check" in sys.argv[1:]:
        problems = differences()
        for problem in problems:
            print(problem)
        return 1 if problems else 0
    VENDOR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        for name, data in build(Path(folder)).items():
            (VENDOR / name).write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
