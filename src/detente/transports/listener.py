"""A TCP listener that asks its gate about each connection the moment it is accepted.

``asyncio.start_server`` accepts up to its backlog of connections at a time and hands them to
their protocol only on later turns of the loop, and an aborted transport closes its socket on
a later turn still: under a flood several hundred descriptors are held by connections already
refused, and the process runs out of them. Here each accepted socket is refused and closed on
the spot (before asyncio, let alone TLS, sees it), or admitted and given to asyncio as a stream.
Out of descriptors (EMFILE, ENFILE), accepting pauses briefly and resumes by itself; the errors
are counted and logged by :func:`detente.transports.gate.quiet_accept_errors`.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
from collections.abc import Callable

from .admission import Admitted
from .gate import ACCEPT_ERROR, Gate

__all__ = ["GatedServer", "serve_gated"]

Accepted = Callable[[asyncio.StreamReader, asyncio.StreamWriter, Admitted], None]

_BACKLOG = 1024
"""The kernel's queue of connections not yet accepted (capped by net.core.somaxconn)."""
_ACCEPT_BATCH = 64
"""Connections accepted per turn of the loop, before other work gets its turn."""
_PAUSE = 0.1
"""Seconds accepting pauses when the process is out of descriptors."""
_OUT_OF_FILES = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}


class GatedServer:
    """The listening sockets of one address; :meth:`close` stops accepting."""

    def __init__(self, sockets: list[socket.socket], gate: Gate, accepted: Accepted) -> None:
        self.sockets = sockets
        self._gate = gate
        self._accepted = accepted
        self._loop = asyncio.get_running_loop()
        self._closed = False
        self._tasks: set[asyncio.Task[None]] = set()
        for sock in sockets:
            self._loop.add_reader(sock.fileno(), self._readable, sock)

    def _readable(self, sock: socket.socket) -> None:
        for _ in range(_ACCEPT_BATCH):
            try:
                conn, _address = sock.accept()
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                return
            except OSError as exc:
                if exc.errno not in _OUT_OF_FILES:
                    raise
                self._loop.call_exception_handler({"message": ACCEPT_ERROR, "exception": exc})
                self._loop.remove_reader(sock.fileno())
                self._loop.call_later(_PAUSE, self._resume, sock)
                return
            ticket = self._gate.admit_socket(conn)
            if ticket is None:
                continue  # refused, and closed already
            conn.setblocking(False)
            task = self._loop.create_task(self._stream(conn, ticket))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _resume(self, sock: socket.socket) -> None:
        if not self._closed:
            self._loop.add_reader(sock.fileno(), self._readable, sock)

    async def _stream(self, conn: socket.socket, ticket: Admitted) -> None:
        loop = self._loop

        def protocol() -> asyncio.StreamReaderProtocol:
            reader = asyncio.StreamReader(loop=loop)
            return asyncio.StreamReaderProtocol(
                reader, lambda reader, writer: self._accepted(reader, writer, ticket), loop=loop
            )

        try:
            await loop.connect_accepted_socket(protocol, sock=conn)
        except OSError:
            conn.close()
            self._gate.finished(ticket, authenticated=False)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for sock in self.sockets:
            with contextlib.suppress(ValueError, OSError):
                self._loop.remove_reader(sock.fileno())
            sock.close()

    async def wait_closed(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def serve_gated(gate: Gate, host: str, port: int, accepted: Accepted) -> GatedServer:
    """Listen on every address ``host`` resolves to, as ``asyncio.start_server`` does (SO_REUSEADDR;
    IPv6 sockets IPv6 only); OSError if one cannot be bound."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, _name, address in dict.fromkeys(infos):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
            sock.listen(_BACKLOG)
            sock.setblocking(False)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return GatedServer(sockets, gate, accepted)
