"""An intruder for integration tests: a TLS client that talks to a real `detente serve` with the
real protocol core (frames, envelopes, signing), so that what it sends is exactly what a
station would send except for the one thing each test breaks on purpose.

It holds what an attacker who stole a pinned peer's ``keys/`` folder holds: that peer's TLS key
and certificate (so the target's TLS layer lets it in) and its Ed25519 signing key. It always
dials the target's listening port on loopback and checks the target's certificate against the
one pinned from the target's card, as a station would.
"""

from __future__ import annotations

import datetime
import os
import socket
import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from detente.home import Home
from detente.identity import certificate_sha256, generate_tls_identity, load_signer
from detente.protocol.envelope import GENESIS_HASH, PROTOCOL_VERSION, Envelope, Precedence, seal_envelope
from detente.protocol.frames import ErrorFrame, Frame, FrameDecoder, Hello, Ping, Pong, encode_frame, parse_frame
from detente.protocol.ids import uuid7
from detente.protocol.signing import Signer, b64encode
from detente.protocol.timestamps import format_time
from detente.transports.tls import client_context

from .stations import StationProcess

HOST = "127.0.0.1"
TIMEOUT = 10.0

F = TypeVar("F", bound=Frame)
_CHATTER = (Hello, Ping, Pong)
"""What the target sends on every connection anyway: its hello and its heartbeats."""


class TLSRefused(Exception):
    """The target refused the TLS connection (an alert, or the connection closed without a frame)."""


@dataclass(frozen=True)
class Intruder:
    """Someone who dials ``target`` pretending to be its pinned peer ``station_id``."""

    port: int
    target_id: str
    target_cert_pem: str
    target_cert_sha256: str
    station_id: str
    """The impersonated peer."""
    station_name: str
    tls_cert: Path
    tls_key: Path
    signer: Signer
    """The impersonated peer's real signing key, read from its keys/signing.key."""

    @classmethod
    def impersonating(cls, peer: StationProcess, *, target: StationProcess) -> Intruder:
        victim, stolen = Home(target.home), Home(peer.home)
        return cls(
            port=target.port,
            target_id=victim.config.station_id,
            target_cert_pem=victim.tls_certificate,
            target_cert_sha256=certificate_sha256(victim.tls_certificate),
            station_id=stolen.config.station_id,
            station_name=stolen.config.name,
            tls_cert=stolen.tls_cert_path,
            tls_key=stolen.tls_key_path,
            signer=load_signer(stolen.signing_key_path.read_bytes()),
        )

    # --- TLS contexts ----------------------------------------------------------------------------

    def context(self) -> ssl.SSLContext:
        """The impersonated peer's own client context: its certificate, the target's pinned."""
        return client_context(self.tls_cert, self.tls_key, self.target_cert_pem)

    def stranger_context(self, folder: Path) -> ssl.SSLContext:
        """A client with a freshly made self-signed certificate that nobody pinned, although its
        subject is exactly the pinned peer's (same station id and name: only the key differs)."""
        now = datetime.datetime.now(datetime.UTC)
        key_pem, cert_pem = generate_tls_identity(self.station_id, self.station_name, now)
        folder.mkdir(parents=True, exist_ok=True)
        key, cert = folder / "stranger.key", folder / "stranger.crt"
        key.write_bytes(key_pem)
        cert.write_bytes(cert_pem)
        return client_context(cert, key, self.target_cert_pem)

    def anonymous_context(self) -> ssl.SSLContext:
        """A client that checks the target's certificate but presents none of its own."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1_3
        context.check_hostname = False
        context.verify_mode = ssl.CERT_REQUIRED
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
        context.load_verify_locations(cadata=self.target_cert_pem)
        return context

    # --- connections -----------------------------------------------------------------------------

    def connect(self, context: ssl.SSLContext | None = None) -> Wire:
        """Dial the target and complete TLS; the target's certificate must be the pinned one."""
        raw = socket.create_connection((HOST, self.port), timeout=TIMEOUT)
        try:
            tls = (context or self.context()).wrap_socket(raw)
        except BaseException:
            raw.close()
            raise
        der = tls.getpeercert(binary_form=True)
        if der is None or certificate_sha256(ssl.DER_cert_to_PEM_cert(der)) != self.target_cert_sha256:
            tls.close()
            raise AssertionError("the target presented a certificate other than the pinned one")
        return Wire(tls)

    def tls_refusal(self, context: ssl.SSLContext) -> str:
        """Dial with ``context`` and return how the target refused the TLS connection; fail if it
        ever sends a byte of application data (a refused client must never see a hello)."""
        try:
            wire = self.connect(context)
        except (ssl.SSLError, ConnectionError) as exc:
            return f"handshake failed: {exc}"
        with wire:
            try:
                frames = wire.receive_all()
            except TLSRefused as exc:
                return str(exc)
        raise AssertionError(f"the target accepted the connection and sent {frames}")

    def hello(self, *, versions: tuple[int, ...] = (PROTOCOL_VERSION,), station: str | None = None) -> Hello:
        return Hello(versions, station or self.station_id, 1, int(time.time() * 1_000_000))

    def envelope(
        self,
        *,
        seq: int = 1,
        prev: str = GENESIS_HASH,
        text: str = "forged",
        signer: Signer | None = None,
    ) -> Envelope:
        """A well-formed envelope from the impersonated peer to the target, signed by ``signer``
        (by default the peer's real key)."""
        now = time.time()
        return seal_envelope(
            signer or self.signer,
            id=uuid7(int(now * 1000), os.urandom(10)),
            sender=self.station_id,
            recipient=self.target_id,
            seq=seq,
            prev=prev,
            created=format_time(now),
            kind="free-text",
            precedence=Precedence.FLASH,
            body={"text": text, "lang": "en"},
        )


def with_corrupted_signature(envelope: Envelope) -> Envelope:
    """The same envelope, same key id, with one bit of the signature flipped."""
    data = envelope.to_json()
    signature = bytearray(envelope.signature)
    signature[len(signature) // 2] ^= 0x01
    data["sig"]["value"] = b64encode(bytes(signature))
    return Envelope.from_json(data)


def random_key() -> Signer:
    return Signer(os.urandom(32))


class Wire:
    """One TLS connection to the target, read and written frame by frame (blocking, with timeouts)."""

    def __init__(self, sock: ssl.SSLSocket) -> None:
        self.sock = sock
        self.decoder = FrameDecoder(1 << 24)
        self.pending: list[Frame] = []
        self.eof = False

    def __enter__(self) -> Wire:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.sock.close()

    def send(self, *frames: Frame) -> None:
        self.send_raw(b"".join(encode_frame(frame) for frame in frames))

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def receive(self, timeout: float = TIMEOUT) -> Frame | None:
        """The next frame from the target, or None once it has closed the connection."""
        deadline = time.monotonic() + timeout
        while not self.pending:
            if self.eof:
                return None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no frame from the target within {timeout:g} s")
            self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(65536)
            except ssl.SSLError as exc:
                raise TLSRefused(f"TLS alert: {exc}") from None
            except ConnectionError as exc:
                raise TLSRefused(f"connection reset: {exc}") from None
            if not data:
                self.eof = True
                continue
            self.pending.extend(parse_frame(payload) for payload in self.decoder.feed(data))
        return self.pending.pop(0)

    def receive_all(self, timeout: float = TIMEOUT) -> list[Frame]:
        """Every frame until the target closes the connection; TLSRefused if it closes the
        connection before sending anything at all."""
        frames: list[Frame] = []
        while (frame := self.receive(timeout)) is not None:
            frames.append(frame)
        if not frames and self.decoder.buffered == 0:
            raise TLSRefused("closed without a frame")
        return frames

    def expect(self, kind: type[F], timeout: float = TIMEOUT) -> F:
        """The next frame that is a ``kind``, skipping the target's hello and heartbeats; any other
        frame (or the end of the connection) fails."""
        while True:
            frame = self.receive(timeout)
            if frame is None:
                raise AssertionError(f"the target closed the connection while a {kind.__name__} was expected")
            if isinstance(frame, kind):
                return frame
            if not isinstance(frame, _CHATTER):
                raise AssertionError(f"expected a {kind.__name__}, got {frame}")

    def refusal(self, timeout: float = TIMEOUT) -> ErrorFrame:
        """The error frame the target sends before it closes the connection. Only its hello and
        heartbeats may come before it (a receipt would mean it stored something), and nothing
        after it: the connection must end."""
        error = self.expect(ErrorFrame, timeout)
        rest: list[Frame] = []
        try:
            while (after := self.receive(timeout)) is not None:
                rest.append(after)
        except TLSRefused:
            pass  # reset rather than closed: ended all the same
        assert rest == [], f"frames after the error frame: {rest}"
        return error


def raw_garbage(port: int, data: bytes, timeout: float = TIMEOUT) -> bytes:
    """Send ``data`` on the plain TCP port (no TLS), say we are done, and return whatever the
    target answers before it closes the connection."""
    answer = bytearray()
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            answer += chunk
    return bytes(answer)
