"""The far end of the floor's round trip: a process that echoes every byte it reads, on one
port with TLS 1.3 (mutual, pinned certificates, as the stations use) and on one without.

Run as ``python -m detente.bench.echo CERT KEY PEER_CERT``; it prints ``TLS_PORT TCP_PORT`` on
one line once it listens, serves one connection on each port, and exits when both close.
"""

from __future__ import annotations

import socket
import ssl
import sys
import threading
from pathlib import Path

from ..transports.tls import server_context

__all__ = ["echo_forever"]


def _echo(conn: socket.socket) -> None:
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    with conn:
        while True:
            data = conn.recv(65536)
            if not data:
                return
            conn.sendall(data)


def _serve_one(listener: socket.socket, context: ssl.SSLContext | None) -> None:
    conn, _ = listener.accept()
    listener.close()
    if context is not None:
        conn = context.wrap_socket(conn, server_side=True)
    _echo(conn)


def echo_forever(cert: Path, key: Path, peer_cert: Path) -> None:
    """Listen on two free loopback ports, print them, echo one connection on each."""
    context = server_context(cert, key, [peer_cert.read_text(encoding="ascii")])
    listeners = []
    for _ in range(2):
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listeners.append(listener)
    print(listeners[0].getsockname()[1], listeners[1].getsockname()[1], flush=True)
    threads = [
        threading.Thread(target=_serve_one, args=(listeners[0], context), daemon=True),
        threading.Thread(target=_serve_one, args=(listeners[1], None), daemon=True),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main() -> None:
    cert, key, peer_cert = (Path(arg) for arg in sys.argv[1:4])
    echo_forever(cert, key, peer_cert)


if __name__ == "__main__":
    main()
