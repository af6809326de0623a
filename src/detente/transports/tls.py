"""TCP with TLS 1.3 only, mutually authenticated against pinned certificates.

Each side trusts exactly the self-signed certificates pinned from its peers' cards: no
certificate authority, no host-name check, no older TLS version, no fallback. After the
handshake the SHA-256 of the certificate actually presented is compared with the pinned one,
which also tells an accepting station which peer is calling.
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl
from dataclasses import dataclass
from pathlib import Path

from ..config import parse_address
from ..errors import TransportError

__all__ = [
    "HandshakeAbandoned",
    "HandshakeTimedOut",
    "TLSStream",
    "TransportError",
    "accept_tls",
    "client_context",
    "dial_tls",
    "endpoint_address",
    "handshake_failure",
    "server_context",
]

HANDSHAKE_TIMEOUT = 10.0
READ_SIZE = 65536


class HandshakeTimedOut(TransportError):
    """The other end did not finish its TLS handshake in time (idle, slow, or holding a place)."""


class HandshakeAbandoned(TransportError):
    """The other end closed or reset the connection during the TLS handshake."""


def handshake_failure(exc: TransportError) -> str:
    """How an accepted connection's handshake failed, for the listener's counts: "timeout",
    "closed" (both what a flood of idle connections causes) or "handshake" (TLS refused)."""
    if isinstance(exc, HandshakeTimedOut):
        return "timeout"
    return "closed" if isinstance(exc, HandshakeAbandoned) else "handshake"


def _base_context(purpose: int, cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(purpose)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.maximum_version = ssl.TLSVersion.TLSv1_3
    context.load_cert_chain(cert, key)
    context.verify_mode = ssl.CERT_REQUIRED
    context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    return context


def server_context(cert: Path, key: Path, peer_certs: list[str]) -> ssl.SSLContext:
    """For accepting: a client must present one of ``peer_certs`` (PEM)."""
    context = _base_context(ssl.PROTOCOL_TLS_SERVER, cert, key)
    for pem in peer_certs:
        context.load_verify_locations(cadata=pem)
    return context


def client_context(cert: Path, key: Path, peer_cert: str) -> ssl.SSLContext:
    """For dialing one peer: the server must present exactly ``peer_cert`` (PEM)."""
    context = _base_context(ssl.PROTOCOL_TLS_CLIENT, cert, key)
    context.check_hostname = False
    context.load_verify_locations(cadata=peer_cert)
    return context


def endpoint_address(endpoint: str) -> tuple[str, int]:
    """``tls://HOST:PORT`` from a card to (host, port)."""
    if not endpoint.startswith("tls://"):
        raise TransportError(f"endpoint {endpoint!r} is not a tls:// endpoint")
    return parse_address(endpoint[len("tls://") :], "endpoint")


@dataclass
class TLSStream:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    remote: str
    certificate_sha256: str

    async def read(self) -> bytes:
        return await self.reader.read(READ_SIZE)

    def write(self, data: bytes) -> None:
        if not self.writer.is_closing():
            self.writer.write(data)

    async def drain(self) -> None:
        await self.writer.drain()

    def close(self) -> None:
        if not self.writer.is_closing():
            self.writer.close()

    async def closed(self) -> None:
        try:
            await self.writer.wait_closed()
        except (OSError, ssl.SSLError):
            pass


def _certificate_hash(writer: asyncio.StreamWriter) -> str:
    ssl_object = writer.get_extra_info("ssl_object")
    der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    if not der:
        raise TransportError("the peer presented no certificate")
    return hashlib.sha256(der).hexdigest()


async def dial_tls(
    host: str, port: int, context: ssl.SSLContext, pinned_sha256: str, timeout: float = HANDSHAKE_TIMEOUT
) -> TLSStream:
    """Connect and complete TLS; TransportError with the reason if anything fails."""
    remote = f"{host}:{port}"
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port, ssl=context, ssl_handshake_timeout=timeout)
    except TimeoutError:
        raise TransportError(f"{remote}: no TLS connection within {timeout:g} s") from None
    except ssl.SSLCertVerificationError as exc:
        raise TransportError(
            f"{remote}: the server's certificate is not the pinned one ({exc.verify_message})"
        ) from None
    except (OSError, ssl.SSLError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise TransportError(f"{remote}: {reason}") from None
    digest = _certificate_hash(writer)
    if digest != pinned_sha256:
        writer.close()
        raise TransportError(f"{remote}: certificate sha256 {digest[:16]}… is not the pinned {pinned_sha256[:16]}…")
    return TLSStream(reader, writer, remote, digest)


async def accept_tls(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    context: ssl.SSLContext,
    timeout: float = HANDSHAKE_TIMEOUT,
) -> TLSStream:
    """Upgrade an accepted TCP connection to TLS; TransportError saying why it was refused."""
    peer = writer.get_extra_info("peername")
    remote = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
    try:
        async with asyncio.timeout(timeout):
            await writer.start_tls(context, ssl_handshake_timeout=timeout)
    except TimeoutError:
        writer.close()
        raise HandshakeTimedOut(f"{remote}: no TLS handshake within {timeout:g} s") from None
    except ssl.SSLError as exc:
        writer.close()
        reason = getattr(exc, "verify_message", None) or exc.reason or str(exc)
        if "certificate" in str(exc).lower():
            reason = f"client certificate refused ({reason}): not a pinned peer"
        raise TransportError(f"{remote}: TLS handshake refused: {reason}") from None
    except (OSError, ConnectionError) as exc:
        writer.close()
        raise HandshakeAbandoned(f"{remote}: connection failed during the TLS handshake ({exc})") from None
    return TLSStream(reader, writer, remote, _certificate_hash(writer))
