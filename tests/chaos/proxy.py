"""A fault-injecting TCP proxy between two stations, on loopback: what a bad path does to the
line, done for real to the bytes between two real processes.

Each direction is relayed chunk by chunk, in order, each chunk held back by ``delay`` plus a
random ``jitter`` (so latency varies as on a congested or lossy path: a lost segment costs TCP a
retransmission, i.e. a late chunk). Faults on demand or at random: ``reset()`` kills every
connection with a TCP RST; ``cut(seconds)`` resets them and refuses new ones for a while (a
cable cut); ``stall(seconds)`` stops forwarding without closing anything (a path that silently
stops carrying packets); ``corrupt()`` flips one byte of the next chunk (TLS must notice).
"""

from __future__ import annotations

import contextlib
import heapq
import random
import socket
import struct
import threading
import time
from dataclasses import dataclass, field


def reset_socket(sock: socket.socket) -> None:
    """Abort a connection with a TCP RST. ``shutdown(SHUT_RD)`` first wakes a thread blocked in
    ``recv`` on it: closing alone would leave that call holding the socket open, and no RST sent."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RD)
    sock.close()


@dataclass
class Faults:
    delay: float = 0.0
    jitter: float = 0.0
    reset_every: tuple[float, float] | None = None
    """Reset every connection at random intervals between these many seconds."""
    loss: float = 0.0
    """Share of chunks "lost": each is held back as TCP holds a segment it must retransmit (a
    retransmission timeout of 0.2 to 1 s, everything behind it waiting), since a byte stream
    cannot lose bytes without breaking (this kernel has no netem to drop real packets)."""


@dataclass(order=True)
class _Chunk:
    release: float
    n: int
    data: bytes = field(compare=False)


class FaultProxy:
    def __init__(self, target: tuple[str, int], faults: Faults | None = None, seed: int = 0) -> None:
        self.target = target
        self.faults = faults or Faults()
        self.rng = random.Random(seed)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._cut_until = 0.0
        self._stall_until = 0.0
        self._corrupt = False
        self._closed = threading.Event()
        self.connections = 0
        self.resets = 0
        self.losses = 0
        threading.Thread(target=self._accept, daemon=True, name="proxy-accept").start()
        threading.Thread(target=self._random_resets, daemon=True, name="proxy-resets").start()

    # --- faults ---------------------------------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            held, self._sockets = self._sockets, []
            self.resets += 1
        for s in held:
            reset_socket(s)

    def cut(self, seconds: float) -> None:
        self._cut_until = time.monotonic() + seconds
        self.reset()

    def mend(self) -> None:
        """End a cut now."""
        self._cut_until = 0.0

    def stall(self, seconds: float) -> None:
        self._stall_until = time.monotonic() + seconds

    def corrupt(self) -> None:
        self._corrupt = True

    def close(self) -> None:
        self._closed.set()
        self.reset()
        with contextlib.suppress(OSError):
            self.listener.close()

    # --- relaying -------------------------------------------------------------------------------

    def _random_resets(self) -> None:
        while True:
            every = self.faults.reset_every
            if self._closed.wait(0.5 if every is None else self.rng.uniform(*every)):
                return
            if every is not None and self.faults.reset_every is not None:
                self.reset()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if time.monotonic() < self._cut_until:
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
                self.connections += 1
            for source, sink in ((client, upstream), (upstream, client)):
                _Direction(self, source, sink).start()


class _Direction:
    """One direction of one connection: a reader that stamps chunks with their release time and
    a writer that sends them when due, in order."""

    def __init__(self, proxy: FaultProxy, source: socket.socket, sink: socket.socket) -> None:
        self.proxy, self.source, self.sink = proxy, source, sink
        self.queue: list[_Chunk] = []
        self.ready = threading.Condition()
        self.done = False
        self.n = 0
        self.last_release = 0.0

    def start(self) -> None:
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._write, daemon=True).start()

    def _read(self) -> None:
        faults = self.proxy.faults
        try:
            while data := self.source.recv(16384):
                if self.proxy._corrupt:
                    self.proxy._corrupt = False
                    i = self.proxy.rng.randrange(len(data))
                    data = data[:i] + bytes([data[i] ^ 0x5A]) + data[i + 1 :]
                hold = faults.delay + self.proxy.rng.uniform(0, faults.jitter)
                if faults.loss and self.proxy.rng.random() < faults.loss:
                    hold += self.proxy.rng.uniform(0.2, 1.0)
                    self.proxy.losses += 1
                release = max(self.last_release, time.monotonic() + hold)  # order is kept
                self.last_release = release
                with self.ready:
                    self.n += 1
                    heapq.heappush(self.queue, _Chunk(release, self.n, data))
                    self.ready.notify()
        except OSError:
            pass
        finally:
            with self.ready:
                self.done = True
                self.ready.notify()

    def _write(self) -> None:
        try:
            while True:
                with self.ready:
                    while not self.queue and not self.done:
                        self.ready.wait()
                    if not self.queue:
                        break
                    chunk = self.queue[0]
                    wait = max(chunk.release, self.proxy._stall_until) - time.monotonic()
                    if wait > 0:
                        self.ready.wait(wait)
                        continue
                    heapq.heappop(self.queue)
                self.sink.sendall(chunk.data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                self.sink.shutdown(socket.SHUT_RDWR)
            self.source.close()  # the other direction closes the other socket
