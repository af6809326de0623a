"""Link connections through a relay: each one a *session* of sealed items (``detente.relay.tunnel``)
that the relay stores and forwards. To the station a session looks like a TLS stream
(``read``/``write``/``drain``/``close``), so the link runs over it unchanged, hellos, heartbeats
and all, and the path is tested end to end.

``RelayPath`` keeps the sessions of one relay; a carrier moves items to and from it:
``TLSRelay`` speaks to a ``detente relay serve`` (``detente.relay.wire``); ``JetStreamRelay``
(``detente.transports.jetstream``) uses a NATS JetStream stream run by a mediator instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import TransportError
from ..logs import log_event
from ..protocol.signing import Signer, Verifier
from ..relay.home import RelayCard
from ..relay.tunnel import Item, Opener, Sender, TunnelError, new_session_id, parse_item
from ..relay.wire import RelayFrameDecoder, WireError, encode
from ..sealing import Sealer, SealingKey
from .tls import TLSStream, client_context, dial_tls, endpoint_address

__all__ = ["PeerKeys", "RelayPath", "RelayStream", "TLSRelay"]

log = logging.getLogger("detente.relay.client")

_PING_EVERY = 1.0
_DEAD_AFTER = 4.0
_HIGH_WATER = 1024
"""Items not yet stored at the relay above which ``drain`` waits (at most a second at a time)."""
_HARD_CAP = 8192
"""Items not yet stored above which a session that adds more is ended instead."""
MAX_OPEN_AGE = 120.0
"""Seconds an open item may be old (or ahead) by this station's clock: a session opened longer
ago has been given up by its dialer, or is replayed; clocks further apart than this cannot use a
relay."""


@dataclass(frozen=True)
class PeerKeys:
    verifier: Verifier
    sealing_key: SealingKey | None


class RelayStream:
    """One session through a relay, seen by the station as a stream."""

    def __init__(self, relay: RelayPath, peer: str, session: str, *, initiator: bool) -> None:
        self.relay = relay
        self.peer = peer
        self.session = session
        self.initiator = initiator
        self.remote = f"relay {relay.name}"
        self.certificate_sha256 = ""
        self.sender = Sender(local=relay.local, peer=peer, session=session, initiator=initiator)
        self.opener: Opener | None = None
        self._inbox: asyncio.Queue[bytes] = asyncio.Queue()
        self._opened = False
        self.closed = False
        self.failure = ""

    # --- the stream interface -------------------------------------------------------------

    async def read(self) -> bytes:
        if self.closed and self._inbox.empty():
            return b""
        return await self._inbox.get()

    def write(self, data: bytes) -> None:
        if self.closed or not data:
            return
        if not self._opened:
            self._opened = True
            keys = self.relay.peer_keys(self.peer)
            if keys is None or keys.sealing_key is None:
                self.fail(f"{self.peer}'s card has no sealing key; ask for its current card (`detente peer update`)")
                return
            self.relay.send_item(self, self.sender.open_item(self.relay.signer, keys.sealing_key, self.relay.now_us()))
        for item in self.sender.data_items(data):
            self.relay.send_item(self, item)

    async def drain(self) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(1.0):
                await self.relay.drained()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.relay.forget(self)
            self._inbox.put_nowait(b"")

    # --- fed by the relay ---------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        if not self.closed:
            self._inbox.put_nowait(data)

    def fail(self, reason: str) -> None:
        if not self.closed:
            self.failure = reason
            log_event(
                log, logging.WARNING, "relay.session_failed", relay=self.relay.name, peer=self.peer, reason=reason
            )
            self.close()


class RelayPath:
    """The sessions of one relay, whatever carries its items."""

    def __init__(
        self,
        name: str,
        *,
        local: str,
        signer: Signer,
        sealer: Sealer,
        peer_keys: Callable[[str], PeerKeys | None],
        on_session: Callable[[RelayStream], None],
        clock: Callable[[], float],
        seen: dict[str, int] | None = None,
        remember: Callable[[dict[str, int]], None] | None = None,
    ) -> None:
        """``seen`` (``peer session`` → open time, in µs) are the sessions already accepted, as
        ``remember`` last kept them: a session opened once is never accepted again."""
        self.name = name
        self.path = f"relay:{name}"
        self.local = local
        self.signer = signer
        self.sealer = sealer
        self.peer_keys = peer_keys
        self.on_session = on_session
        self.clock = clock
        self.detail = "not connected yet"
        self._sessions: dict[tuple[str, str], RelayStream] = {}
        self._seen: dict[str, int] = dict(seen or {})
        self._remember = remember
        self._drained = asyncio.Event()
        self._drained.set()

    @property
    def connected(self) -> bool:
        raise NotImplementedError

    def now_us(self) -> int:
        return int(self.clock() * 1_000_000)

    async def run(self) -> None:
        raise NotImplementedError

    def send_item(self, stream: RelayStream, item: bytes) -> None:
        raise NotImplementedError

    async def drained(self) -> None:
        await self._drained.wait()

    def open_session(self, peer: str) -> RelayStream:
        """A new session to ``peer`` (this side dials); TransportError while the relay is unreachable."""
        if not self.connected:
            raise TransportError(f"relay {self.name}: {self.detail}")
        keys = self.peer_keys(peer)
        if keys is None or keys.sealing_key is None:
            raise TransportError(f"relay {self.name}: {peer}'s card has no sealing key; ask for its current card")
        stream = RelayStream(self, peer, new_session_id(), initiator=True)
        self._sessions[(peer, stream.session)] = stream
        return stream

    def forget(self, stream: RelayStream) -> None:
        self._sessions.pop((stream.peer, stream.session), None)

    def close_all(self, reason: str) -> None:
        for stream in list(self._sessions.values()):
            stream.fail(reason)

    def deliver(self, body: bytes) -> None:
        """An item from the relay for this station."""
        try:
            item = parse_item(body)
        except TunnelError as exc:
            log_event(log, logging.WARNING, "relay.item_refused", relay=self.name, reason=str(exc))
            return
        if item.recipient != self.local:
            log_event(log, logging.WARNING, "relay.item_refused", relay=self.name, reason=f"item for {item.recipient}")
            return
        stream = self._sessions.get((item.sender, item.session))
        try:
            if item.kind == "open":
                self._opened(item, stream)
            elif stream is not None and stream.opener is not None:
                data = stream.opener.open(item)
                if data:
                    stream.feed(data)
            # data of a session this station no longer has (or never had): stale, dropped
        except TunnelError as exc:
            if stream is not None:
                stream.fail(str(exc))
            else:
                log_event(log, logging.WARNING, "relay.item_refused", relay=self.name, reason=str(exc))

    def _opened(self, item: Item, stream: RelayStream | None) -> None:
        if stream is not None and stream.opener is not None:
            return  # delivered again
        if stream is None and not item.initiated_by_sender:
            return  # the answer to a session this station has already closed
        if stream is not None and (item.initiated_by_sender or not stream.initiator):
            raise TunnelError(f"relay session {item.session[:8]}… opened twice in one direction")
        keys = self.peer_keys(item.sender)
        if keys is None:
            raise TunnelError(f"relay item from {item.sender}, which is not a pinned peer")
        opener = Opener(item, local=self.local, sealer=self.sealer, peer_key=keys.verifier)
        if stream is not None:
            stream.opener = opener
            return
        now = self.now_us()
        age = (now - opener.time_us) / 1e6
        key = f"{item.sender} {item.session}"
        if abs(age) > MAX_OPEN_AGE or key in self._seen:
            reason = (
                "opened before, delivered again (a relay replaying it)"
                if key in self._seen
                else f"opened {age:.0f} s ago by this station's clock: given up by its dialer, replayed, or the "
                "two stations' clocks disagree by that much"
            )
            log_event(log, logging.INFO, "relay.session_ignored", relay=self.name, peer=item.sender, reason=reason)
            return
        horizon = now - int(2 * MAX_OPEN_AGE * 1e6)
        self._seen = {k: t for k, t in self._seen.items() if t > horizon}
        self._seen[key] = opener.time_us
        if self._remember is not None:
            self._remember(self._seen)
        stream = RelayStream(self, item.sender, item.session, initiator=False)
        stream.opener = opener
        self._sessions[(item.sender, item.session)] = stream
        self.on_session(stream)


class TLSRelay(RelayPath):
    """A ``detente relay serve``, reached over TLS with this station's own certificate."""

    def __init__(self, card: RelayCard, *, cert: Path, key: Path, **kwargs: object) -> None:
        super().__init__(card.name, **kwargs)  # type: ignore[arg-type]
        self.card = card
        self._context = client_context(cert, key, card.tls_certificate_pem)
        self._stream: TLSStream | None = None
        self._welcomed = False
        self._unconfirmed: deque[tuple[int, RelayStream, bytes]] = deque()
        self._next_ref = 1
        self._rng = random.Random()

    @property
    def connected(self) -> bool:
        return self._stream is not None and self._welcomed

    def send_item(self, stream: RelayStream, item: bytes) -> None:
        if len(self._unconfirmed) >= _HARD_CAP:
            stream.fail(f"relay {self.name} has not stored the last {_HARD_CAP} items; this session ends")
            return
        ref = self._next_ref
        self._next_ref += 1
        self._unconfirmed.append((ref, stream, item))
        if len(self._unconfirmed) > _HIGH_WATER:
            self._drained.clear()
        if self._stream is not None:
            self._stream.write(encode({"t": "put", "ref": ref}, item))

    async def run(self) -> None:
        attempt = 0
        while True:
            try:
                await self._connect_once()
                attempt = 0
            except Exception as exc:  # whatever the relay does, it never stops the station
                reason = str(exc) if isinstance(exc, TransportError) else f"relay connection failed: {exc!r}"
                if self.detail != reason:
                    log_event(log, logging.INFO, "relay.unreachable", relay=self.name, reason=reason)
                self.detail = reason
            finally:
                self._stream, self._welcomed = None, False
                # Sessions end with the connection (the link dials a new one when the relay is
                # back); what they had not got stored is sent again by the link, not from here.
                self._unconfirmed.clear()
                self._drained.set()
                self.close_all(f"relay {self.name} connection lost: {self.detail}")
            attempt = min(attempt + 1, 4)
            await asyncio.sleep(0.25 * 2**attempt * (0.5 + self._rng.random() / 2))

    async def _connect_once(self) -> None:
        errors = []
        stream = None
        for endpoint in self.card.endpoints:
            try:
                host, port = endpoint_address(endpoint)
                stream = await dial_tls(host, port, self._context, self.card.tls_certificate_sha256)
                break
            except TransportError as exc:
                errors.append(str(exc))
        if stream is None:
            raise TransportError("; ".join(errors) or "the relay card lists no endpoint")
        self._stream = stream
        decoder = RelayFrameDecoder()
        pinger = asyncio.create_task(self._ping(stream))
        try:
            while True:
                async with asyncio.timeout(_DEAD_AFTER):
                    data = await stream.read()
                if not data:
                    raise TransportError("the relay closed the connection")
                for header, body in decoder.feed(data):
                    self._frame(stream, header, body)
                async with asyncio.timeout(_DEAD_AFTER):
                    await stream.drain()
        except TimeoutError:
            raise TransportError(f"the relay neither sent nor took anything for {_DEAD_AFTER:g} s") from None
        except WireError as exc:
            raise TransportError(f"the relay sent a malformed frame: {exc}") from None
        except (OSError, ssl.SSLError, ConnectionError) as exc:
            raise TransportError(f"relay connection error: {exc}") from None
        finally:
            pinger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pinger
            stream.close()

    async def _ping(self, stream: TLSStream) -> None:
        n = 0
        while True:
            await asyncio.sleep(_PING_EVERY)
            n += 1
            stream.write(encode({"t": "ping", "n": n}))

    def _frame(self, stream: TLSStream, header: dict[str, object], body: bytes) -> None:
        kind = header["t"]
        if kind == "welcome":
            self._welcomed = True
            self.detail = f"connected ({header.get('held', 0)} items were waiting)"
            log_event(log, logging.INFO, "relay.connected", relay=self.name, held=header.get("held", 0))
        elif kind == "item":
            self.deliver(body)
            stream.write(encode({"t": "took", "id": header.get("id")}))
        elif kind in ("stored", "refused"):
            ref = header.get("ref")
            while self._unconfirmed and self._unconfirmed[0][0] <= (ref if isinstance(ref, int) else 0):
                done, owner, _ = self._unconfirmed.popleft()
                if done == ref and kind == "refused":
                    owner.fail(f"relay {self.name} refused an item: {header.get('code')}: {header.get('detail')}")
            if len(self._unconfirmed) <= _HIGH_WATER // 2:
                self._drained.set()
        elif kind == "error":
            raise TransportError(f"the relay reported {header.get('code')}: {header.get('detail')}")
