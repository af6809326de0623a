"""The same workload on Mosquitto: MQTT QoS 2, a persistent session (clean_session off, so the
subscription is durable), persistence on; publisher and subscriber are paho-mqtt clients in the
bench process, the broker a process of its own."""

from __future__ import annotations

import struct
import threading
import time
from pathlib import Path
from typing import Any

from .brokers import BrokerProcess
from .fsyncs import FsyncCounter
from .sizes import BenchSizes
from .stations import free_port
from .stats import summarize
from .tools import find_program

__all__ = ["run_mosquitto"]

_CONFIG = """\
listener {port} 127.0.0.1
allow_anonymous true
persistence true
persistence_location {folder}/
max_inflight_messages {window}
max_queued_messages 0
log_dest stderr
"""


class _Pair:
    """A subscriber (persistent session, QoS 2) and a publisher, both connected."""

    def __init__(self, port: int, topic: str, window: int) -> None:
        from paho.mqtt.client import Client
        from paho.mqtt.enums import CallbackAPIVersion

        self.topic = topic
        self.received: dict[int, float] = {}
        self.confirmed: dict[int, float] = {}
        self.lock = threading.Condition()
        self.subscribed = threading.Event()
        self.sub = Client(CallbackAPIVersion.VERSION2, client_id=f"bench-sub-{topic}", clean_session=False)
        self.sub.on_message = self._on_message
        self.sub.on_subscribe = lambda *args: self.subscribed.set()
        self.sub.connect("127.0.0.1", port)
        self.sub.loop_start()
        self.sub.subscribe(topic, qos=2)
        if not self.subscribed.wait(10):
            raise RuntimeError("mosquitto did not confirm the subscription")
        self.pub = Client(CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{topic}", clean_session=False)
        self.pub.max_inflight_messages_set(window)
        self.pub.max_queued_messages_set(0)
        self.pub.on_publish = self._on_publish
        self.pub.connect("127.0.0.1", port)
        self.pub.loop_start()
        self.mids: dict[int, int] = {}

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        now = time.perf_counter()
        (number,) = struct.unpack_from(">Q", message.payload)
        with self.lock:
            self.received[number] = now
            self.lock.notify_all()

    def _on_publish(self, client: Any, userdata: Any, mid: int, reason: Any, properties: Any) -> None:
        now = time.perf_counter()
        with self.lock:
            self.confirmed[mid] = now
            self.lock.notify_all()

    def publish(self, number: int, body: bytes) -> int:
        info = self.pub.publish(self.topic, struct.pack(">Q", number) + body, qos=2)
        return int(info.mid)

    def wait(self, received: int, confirmed: int, timeout: float) -> None:
        with self.lock:
            done = self.lock.wait_for(
                lambda: len(self.received) >= received and len(self.confirmed) >= confirmed, timeout
            )
        if not done:
            raise RuntimeError(f"mosquitto: {len(self.received)}/{received} messages received within {timeout} s")

    def close(self) -> None:
        for client in (self.pub, self.sub):
            client.disconnect()
            client.loop_stop()


def _one_at_a_time(pair: _Pair, count: int, body: bytes) -> dict[str, Any]:
    to_receive, to_confirm = [], []
    for number in range(count):
        start = time.perf_counter()
        mid = pair.publish(number, body)
        pair.wait(number + 1, number + 1, 30)
        to_receive.append(pair.received[number] - start)
        to_confirm.append(pair.confirmed[mid] - start)
    return {"latency": summarize(to_receive), "publish_confirmed": summarize(to_confirm)}


def _throughput(pair: _Pair, count: int, body: bytes) -> dict[str, Any]:
    start = time.perf_counter()
    for number in range(count):
        pair.publish(number, body)
    pair.wait(count, count, 300)
    end = max(max(pair.received.values()), max(pair.confirmed.values()))
    return {"messages": count, "msgs_per_s": count / (end - start), "seconds": end - start}


def run_mosquitto(folder: Path, sizes: BenchSizes, count_fsyncs: bool) -> dict[str, Any]:
    """Start Mosquitto in ``folder``, run the workload, count its fsyncs, stop it."""
    program = find_program("mosquitto")
    if program is None:
        raise FileNotFoundError("mosquitto is not installed")
    folder.mkdir()
    port = free_port()
    config = folder / "mosquitto.conf"
    config.write_text(_CONFIG.format(port=port, folder=folder, window=sizes.broker_window), encoding="utf-8")
    broker = BrokerProcess("mosquitto", [program, "-c", str(config)], port, folder / "mosquitto.log")
    broker.start()
    body = b"x" * (sizes.payload_bytes - 8)
    result: dict[str, Any] = {}
    try:
        pair = _Pair(port, "bench/latency", sizes.broker_window)
        try:
            _one_at_a_time(pair, min(20, sizes.one_at_a_time), body)  # warm up
            pair.received.clear()
            pair.confirmed.clear()
            result.update(_one_at_a_time(pair, sizes.one_at_a_time, body))
        finally:
            pair.close()
        pair = _Pair(port, "bench/throughput", sizes.broker_window)
        try:
            result["throughput"] = _throughput(pair, sizes.in_flight, body)
        finally:
            pair.close()
        if count_fsyncs:
            pair = _Pair(port, "bench/fsync", sizes.broker_window)
            try:
                with FsyncCounter({"broker": broker.pid}, folder) as counter:
                    _one_at_a_time(pair, sizes.fsync_messages, body)
            finally:
                pair.close()
            result["fsyncs_per_message"] = counter.counts["broker"] / sizes.fsync_messages
        result["version"] = _version(folder / "mosquitto.log")
    finally:
        broker.stop()
    return result


def _version(log: Path) -> str:
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if "mosquitto version" in line:
            return line.split("mosquitto version", 1)[1].split()[0]
    return ""
