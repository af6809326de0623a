"""A relay on a NATS JetStream stream that a mediator runs, instead of ``detente relay serve``.

The items are the same sealed relay items (``detente.relay.tunnel``): the broker sees their
subjects (who to whom) and nothing else. Each station publishes an item for station B from
station A to ``<prefix>.B.A`` and waits for the broker's acknowledgement; it reads its own items
from ``<prefix>.<itself>.*`` through a durable consumer ``<prefix>-<itself>`` with explicit
acknowledgements, acknowledging each item once it is handled, so an item waits in the stream
until its recipient has taken it (a work-queue stream deletes it then). Quotas are the stream's
limits (``max_bytes``, ``max_msgs_per_subject``, discard new), set by whoever creates the stream:
``detente relay nats-stream`` creates it as a mediator would.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigError
from ..logs import log_event
from .relay import RelayPath, RelayStream

__all__ = [
    "DEFAULT_PREFIX",
    "DEFAULT_STREAM",
    "JetStreamRelay",
    "check_url",
    "create_stream",
    "redact",
    "subject_token",
]

log = logging.getLogger("detente.relay.client")

DEFAULT_STREAM = "DETENTE"
DEFAULT_PREFIX = "detente"
_PUBLISH_TIMEOUT = 3.0


def subject_token(station_id: str) -> str:
    """A station id as one NATS subject token (ids outside [A-Za-z0-9_-] are hex-encoded)."""
    if re.fullmatch(r"[A-Za-z0-9_-]{1,200}", station_id):
        return station_id
    return "x" + station_id.encode("utf-8").hex()


def check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("nats", "tls") or not parts.hostname or parts.port is None:
        raise ConfigError(f"NATS server {redact(url)!r}: write it as nats://[user:password@]host:port")


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


async def create_stream(url: str, *, stream: str = DEFAULT_STREAM, prefix: str = DEFAULT_PREFIX, **limits: int) -> None:
    """Create (or update) the work-queue stream a JetStream relay uses, file-backed, with limits."""
    import nats
    from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig

    nc = await nats.connect(url, max_reconnect_attempts=0, connect_timeout=5)
    try:
        config = StreamConfig(
            name=stream,
            subjects=[f"{prefix}.>"],
            retention=RetentionPolicy.WORK_QUEUE,
            storage=StorageType.FILE,
            discard=DiscardPolicy.NEW,
            max_bytes=limits.get("max_bytes", 1024 * 1024 * 1024),
            max_msgs_per_subject=limits.get("max_msgs_per_subject", 100_000),
            max_msg_size=limits.get("max_msg_size", 1024 * 1024),
            max_age=float(limits.get("max_age", 3600)),  # older items open no session (relay.MAX_OPEN_AGE)
        )
        js = nc.jetstream()
        try:
            await js.add_stream(config)
        except Exception:  # exists with another configuration: bring it to this one
            await js.update_stream(config)
    finally:
        await nc.close()


class JetStreamRelay(RelayPath):
    def __init__(self, name: str, *, url: str, stream: str, prefix: str, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        check_url(url)
        self.url = url
        self.stream_name = stream
        self.prefix = prefix
        self._nc: Any = None
        self._js: Any = None
        self._subscribed = False
        self._outgoing: asyncio.Queue[tuple[RelayStream, str, bytes]] = asyncio.Queue()

    @property
    def connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected and self._subscribed

    def send_item(self, stream: RelayStream, item: bytes) -> None:
        if self._outgoing.qsize() >= 8192:
            stream.fail(f"relay {self.name}: the broker has not taken the last 8192 items; this session ends")
            return
        subject = f"{self.prefix}.{subject_token(stream.peer)}.{subject_token(self.local)}"
        self._outgoing.put_nowait((stream, subject, item))
        if self._outgoing.qsize() > 1024:
            self._drained.clear()

    async def run(self) -> None:
        import nats
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

        while True:
            try:
                self._nc = await nats.connect(
                    self.url,
                    connect_timeout=5,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=0.5,
                    ping_interval=1,
                    max_outstanding_pings=3,
                    disconnected_cb=self._disconnected,
                    reconnected_cb=self._reconnected,
                    error_cb=self._error,
                )
                break
            except Exception as exc:  # nats-py raises several kinds; all mean "not reachable yet"
                self._note(f"cannot connect to {redact(self.url)}: {exc or type(exc).__name__}")
                await asyncio.sleep(1.0)
        self._js = self._nc.jetstream()
        me = subject_token(self.local)
        config = ConsumerConfig(
            ack_policy=AckPolicy.EXPLICIT, max_ack_pending=1024, deliver_policy=DeliverPolicy.ALL, ack_wait=30
        )
        while not self._subscribed:
            try:
                await self._js.subscribe(
                    f"{self.prefix}.{me}.*",
                    durable=f"{self.prefix}-{me}",
                    stream=self.stream_name,
                    cb=self._received,
                    manual_ack=True,
                    config=config,
                )
                self._subscribed = True
                self.detail = f"connected to {redact(self.url)}, stream {self.stream_name}"
                log_event(log, logging.INFO, "relay.connected", relay=self.name, held=0)
            except Exception as exc:
                self._note(f"stream {self.stream_name} on {redact(self.url)}: {exc or type(exc).__name__}")
                await asyncio.sleep(1.0)
        try:
            await self._publish_forever()
        finally:
            with contextlib.suppress(Exception):
                await self._nc.close()

    async def _publish_forever(self) -> None:
        while True:
            stream, subject, item = await self._outgoing.get()
            if self._outgoing.qsize() <= 512:
                self._drained.set()
            if stream.closed:
                continue
            try:
                await self._js.publish(subject, item, timeout=_PUBLISH_TIMEOUT, stream=self.stream_name)
            except Exception as exc:  # no ack: over the stream's limits, or the broker is away
                stream.fail(f"relay {self.name}: the broker did not store an item: {exc or type(exc).__name__}")

    async def _received(self, msg: Any) -> None:
        self.deliver(msg.data)
        with contextlib.suppress(Exception):
            await msg.ack()

    async def _disconnected(self) -> None:
        self._note(f"disconnected from {redact(self.url)}")
        self.close_all(f"relay {self.name}: disconnected from the broker")

    async def _reconnected(self) -> None:
        self.detail = f"connected to {redact(self.url)}, stream {self.stream_name}"
        log_event(log, logging.INFO, "relay.connected", relay=self.name, held=0)

    async def _error(self, exc: Exception) -> None:
        self._note(f"{redact(self.url)}: {exc or type(exc).__name__}")

    def _note(self, detail: str) -> None:
        if detail != self.detail:
            log_event(log, logging.INFO, "relay.unreachable", relay=self.name, reason=detail)
        self.detail = detail
