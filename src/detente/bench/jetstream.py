"""The same workload on NATS JetStream: a file-backed stream, each publish waiting for the
server's ack, a durable push consumer with explicit acks; the clients are nats-py in the bench
process, the server a process of its own."""

from __future__ import annotations

import asyncio
import struct
import time
from pathlib import Path
from typing import Any

from .brokers import BrokerProcess
from .fsyncs import FsyncCounter
from .sizes import BenchSizes
from .stations import free_port
from .stats import summarize
from .tools import find_program

__all__ = ["run_jetstream"]


class _Consumer:
    """A durable consumer with explicit acks, recording when each message arrived."""

    def __init__(self) -> None:
        self.received: dict[int, float] = {}
        self.changed = asyncio.Event()

    async def handle(self, msg: Any) -> None:
        now = time.perf_counter()
        (number,) = struct.unpack_from(">Q", msg.data)
        await msg.ack()
        self.received[number] = now
        self.changed.set()

    async def wait(self, count: int, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while len(self.received) < count:
                self.changed.clear()
                await self.changed.wait()


async def _subscribe(js: Any, subject: str, durable: str, window: int) -> _Consumer:
    from nats.js.api import AckPolicy, ConsumerConfig

    consumer = _Consumer()
    config = ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, max_ack_pending=window)
    await js.subscribe(subject, durable=durable, cb=consumer.handle, manual_ack=True, config=config)
    return consumer


async def _one_at_a_time(js: Any, consumer: _Consumer, subject: str, count: int, body: bytes) -> dict[str, Any]:
    to_receive, to_ack = [], []
    consumer.received.clear()
    for number in range(count):
        start = time.perf_counter()
        await js.publish(subject, struct.pack(">Q", number) + body)
        acked = time.perf_counter()
        await consumer.wait(number + 1, 30)
        to_ack.append(acked - start)
        to_receive.append(consumer.received[number] - start)
    return {"latency": summarize(to_receive), "publish_confirmed": summarize(to_ack)}


async def _throughput(js: Any, consumer: _Consumer, subject: str, count: int, window: int, body: bytes) -> Any:
    slots = asyncio.Semaphore(window)
    acked: list[float] = []

    async def publish(number: int) -> None:
        async with slots:
            await js.publish(subject, struct.pack(">Q", number) + body)
            acked.append(time.perf_counter())

    start = time.perf_counter()
    await asyncio.gather(*(publish(number) for number in range(count)))
    await consumer.wait(count, 300)
    end = max(max(consumer.received.values()), max(acked))
    return {"messages": count, "msgs_per_s": count / (end - start), "seconds": end - start}


async def _workload(port: int, sizes: BenchSizes, broker_pid: int, folder: Path, count_fsyncs: bool) -> Any:
    import nats
    from nats.js.api import StorageType, StreamConfig

    body = b"x" * (sizes.payload_bytes - 8)
    nc = await nats.connect(f"nats://127.0.0.1:{port}", max_reconnect_attempts=0)
    result: dict[str, Any] = {}
    try:
        js = nc.jetstream()
        await js.add_stream(StreamConfig(name="BENCH", subjects=["bench.>"], storage=StorageType.FILE))
        consumer = await _subscribe(js, "bench.latency", "latency", sizes.broker_window)
        await _one_at_a_time(js, consumer, "bench.latency", min(20, sizes.one_at_a_time), body)  # warm up
        result.update(await _one_at_a_time(js, consumer, "bench.latency", sizes.one_at_a_time, body))
        consumer = await _subscribe(js, "bench.throughput", "throughput", sizes.broker_window)
        result["throughput"] = await _throughput(
            js, consumer, "bench.throughput", sizes.in_flight, sizes.broker_window, body
        )
        if count_fsyncs:
            consumer = await _subscribe(js, "bench.fsync", "fsync", sizes.broker_window)
            with FsyncCounter({"broker": broker_pid}, folder) as counter:
                await _one_at_a_time(js, consumer, "bench.fsync", sizes.fsync_messages, body)
            result["fsyncs_per_message"] = counter.counts["broker"] / sizes.fsync_messages
        version = nc.connected_server_version
        result["version"] = f"{version.major}.{version.minor}.{version.patch}"
    finally:
        await nc.close()
    return result


def run_jetstream(folder: Path, sizes: BenchSizes, count_fsyncs: bool) -> dict[str, Any]:
    """Start nats-server with JetStream in ``folder``, run the workload, count its fsyncs, stop it."""
    program = find_program("nats-server")
    if program is None:
        raise FileNotFoundError("nats-server is not installed")
    folder.mkdir()
    port = free_port()
    command = [program, "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(folder / "store")]
    broker = BrokerProcess("nats-server", command, port, folder / "nats-server.log")
    broker.start()
    try:
        result: dict[str, Any] = asyncio.run(_workload(port, sizes, broker.pid, folder, count_fsyncs))
    finally:
        broker.stop()
    return result
