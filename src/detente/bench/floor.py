"""The physical floor of one durable, signed, receipted message on this machine: an fsync of a
small append on the disk the stations use, a loopback round trip of a 500-byte frame between two
processes (TLS 1.3 and plain TCP), and the signatures (Ed25519 for envelopes and receipts,
ML-DSA-65 for checkpoints). Also what détente's own code adds around the primitives: sealing
and checking an envelope (canonical JSON, hashing, signing, verifying)."""

from __future__ import annotations

import datetime
import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA65PrivateKey

from ..identity import generate_tls_identity
from ..protocol.canonical import parse_json
from ..protocol.envelope import Envelope, Precedence, seal_envelope
from ..protocol.signing import Signer
from ..protocol.timestamps import format_time
from ..transports.tls import client_context
from .stats import summarize

__all__ = ["envelope_costs", "fsync_append", "measure_floor", "round_trips", "signature_costs", "timed"]


def timed(action: Callable[[], object], rounds: int) -> list[float]:
    """Run ``action`` ``rounds`` times; the duration of each run in seconds."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return samples


def fsync_append(folder: Path, rounds: int, size: int = 512) -> dict[str, dict[str, float]]:
    """Append ``size`` bytes to a file in ``folder`` and fsync (then fdatasync), ``rounds`` times each."""
    path = folder / "fsync-floor.bin"
    block = os.urandom(size)
    results = {}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for name, sync in (("fsync", os.fsync), ("fdatasync", os.fdatasync)):

            def append(sync: Callable[[int], None] = sync) -> None:
                os.write(fd, block)
                sync(fd)

            results[name] = summarize(timed(append, rounds))
    finally:
        os.close(fd)
        path.unlink(missing_ok=True)
    return results


def round_trips(folder: Path, rounds: int, size: int = 500) -> dict[str, dict[str, float]]:
    """Round trips of a ``size``-byte frame to an echo process over loopback: TLS 1.3 with mutual
    pinned certificates (as between stations) and plain TCP. Connection set-up is not counted."""
    now = datetime.datetime.now(datetime.UTC)
    paths = {}
    for side in ("server", "client"):
        key_pem, cert_pem = generate_tls_identity(f"bench-{side}", "détente bench", now)
        paths[side] = (folder / f"{side}.crt", folder / f"{side}.key")
        paths[side][0].write_bytes(cert_pem)
        paths[side][1].write_bytes(key_pem)
    (server_cert, server_key), (client_cert, client_key) = paths["server"], paths["client"]
    echo = subprocess.Popen(
        [sys.executable, "-m", "detente.bench.echo", str(server_cert), str(server_key), str(client_cert)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert echo.stdout is not None
        tls_port, tcp_port = (int(part) for part in echo.stdout.readline().split())
        context = client_context(client_cert, client_key, server_cert.read_text(encoding="ascii"))
        frame = os.urandom(size)
        results = {}
        for name, port, wrap in (("tls", tls_port, True), ("tcp", tcp_port, False)):
            raw = socket.create_connection(("127.0.0.1", port))
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn: socket.socket = context.wrap_socket(raw) if wrap else raw
            with conn:
                if isinstance(conn, ssl.SSLSocket) and conn.version() != "TLSv1.3":
                    raise RuntimeError(f"the floor's TLS connection negotiated {conn.version()}, not TLS 1.3")

                def round_trip(conn: socket.socket = conn) -> None:
                    conn.sendall(frame)
                    got = 0
                    while got < size:
                        chunk = conn.recv(size - got)
                        if not chunk:
                            raise RuntimeError("the echo process closed the connection")
                        got += len(chunk)

                timed(round_trip, min(rounds, 50))  # warm up
                results[name] = summarize(timed(round_trip, rounds))
        echo.wait(10)
        return results
    finally:
        if echo.poll() is None:
            echo.kill()
            echo.wait()


def signature_costs(rounds: int, size: int = 500) -> dict[str, dict[str, float]]:
    """Sign and verify ``size`` bytes with Ed25519 (envelopes, receipts) and ML-DSA-65 (checkpoints)."""
    message = os.urandom(size)
    ed = Ed25519PrivateKey.generate()
    ed_public = ed.public_key()
    ed_signature = ed.sign(message)
    ml = MLDSA65PrivateKey.generate()
    ml_public = ml.public_key()
    ml_signature = ml.sign(message)
    ml_rounds = max(1, rounds // 4)
    return {
        "ed25519_sign": summarize(timed(lambda: ed.sign(message), rounds)),
        "ed25519_verify": summarize(timed(lambda: ed_public.verify(ed_signature, message), rounds)),
        "mldsa65_sign": summarize(timed(lambda: ml.sign(message), ml_rounds)),
        "mldsa65_verify": summarize(timed(lambda: ml_public.verify(ml_signature, message), ml_rounds)),
    }


def envelope_costs(rounds: int, size: int = 500) -> dict[str, dict[str, float]]:
    """détente's own work around one signature: sealing an envelope of ``size`` characters of free
    text (canonical JSON, hash, Ed25519), and parsing and checking it as the receiver does."""
    signer = Signer(os.urandom(32))
    body = {"text": "x" * size, "lang": "en"}
    now = format_time(time.time())

    def seal() -> Envelope:
        return seal_envelope(
            signer,
            id="01900000-0000-7000-8000-000000000000",
            sender="a" * 26,
            recipient="b" * 26,
            seq=1,
            prev="0" * 64,
            created=now,
            kind="free-text",
            precedence=Precedence.ROUTINE,
            body=body,
        )

    wire = seal().canonical
    keys = {signer.kid: signer.verifier}

    def check() -> None:
        Envelope.from_json(parse_json(wire)).verify(keys)

    return {"seal_envelope": summarize(timed(seal, rounds)), "check_envelope": summarize(timed(check, rounds))}


def measure_floor(folder: Path, rounds: int, payload: int) -> dict[str, Any]:
    """Every floor figure; ``folder`` is on the disk the stations use."""
    floor: dict[str, Any] = {}
    floor.update(fsync_append(folder, rounds))
    floor.update({f"{name}_round_trip": value for name, value in round_trips(folder, rounds, payload).items()})
    floor.update(signature_costs(rounds, payload))
    floor.update(envelope_costs(rounds, payload))
    return floor
