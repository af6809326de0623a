"""What the bench measures on détente itself: two real stations, the sender's messages queued
by a process of their own (the bench, through ``queue_message``, exactly as ``detente send``
stores them), receipts observed in the sender's database as any other program would see them.

A message is *accepted* when ``queue_message`` returns (it is signed, numbered and stored) and
*delivered* when the peer's signed receipt is stored at the sender, visible to another process."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import StationError
from ..home import Home
from ..outbox import Draft, queue_message, queue_messages
from ..protocol.canonical import parse_json
from ..protocol.envelope import Envelope, Precedence
from ..protocol.frames import envelope_frame_size
from ..protocol.timestamps import parse_time
from ..store import Store
from .machine import cpu_seconds, peak_rss_mb, rss_mb
from .stations import BenchStation
from .stats import summarize

__all__ = ["Sender", "crash_recovery", "link_cut", "one_at_a_time", "throughput", "wait_for"]

_OBSERVE_EVERY = 0.0002
"""How often the bench looks for a stored receipt while it waits for one message (seconds)."""


def wait_for(predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.005) -> float:
    """Poll ``predicate`` until it holds; the monotonic time when it did."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise StationError(f"bench: timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
    return time.monotonic()


@dataclass
class _Sent:
    id: str
    accepted_wall: float
    accepted: float
    accept_seconds: float
    observed_wall: float = 0.0
    observed: float = 0.0


@dataclass
class Sender:
    """The sending side as a user's program sees it: its own connection to the sender's database."""

    station: BenchStation
    payload_bytes: int
    home: Home = field(init=False)
    store: Store = field(init=False)
    counter: int = 0

    def __post_init__(self) -> None:
        self.home = Home(self.station.home)
        self.store = self.home.open_store()

    def close(self) -> None:
        self.store.close()

    def _body(self) -> dict[str, Any]:
        self.counter += 1
        prefix = f"bench message {self.counter} "
        return {"text": prefix + "x" * max(0, self.payload_bytes - len(prefix)), "lang": self.home.config.language}

    def queue(self) -> _Sent:
        """Queue one message of ``payload_bytes`` characters of free text, in a transaction of
        its own (as ``detente send`` does); when it was accepted."""
        start = time.monotonic()
        envelope = queue_message(
            self.home,
            self.store,
            peer=self.station.peer_id,
            kind="free-text",
            precedence=Precedence.ROUTINE,
            body=self._body(),
            now=time.time(),
        )
        accepted = time.monotonic()
        return _Sent(envelope.id, time.time(), accepted, accepted - start)

    def queue_group(self, count: int) -> None:
        """Queue ``count`` such messages in one transaction (``queue_messages``: a program that
        hands over many messages at once waits for the disk once for all of them)."""
        drafts = [Draft(self.station.peer_id, "free-text", Precedence.ROUTINE, self._body()) for _ in range(count)]
        queue_messages(self.home, self.store, drafts, now=time.time())

    def frame_bytes(self) -> int:
        """The size on the wire of one bench message's envelope frame."""
        rows = self.store.messages("out", limit=1)
        if not rows:
            return 0
        record = rows[0][1]
        return envelope_frame_size(Envelope.from_json(parse_json(record.envelope)))

    def delivered(self, message_id: str) -> bool:
        record = self.store.message(message_id)
        return record is not None and record.receipt is not None

    def wait_delivered(self, sent: _Sent, timeout: float = 60.0) -> None:
        """Wait until the message's receipt is stored, looking every 0.2 ms."""
        deadline = time.monotonic() + timeout
        while True:
            if self.store.changed_elsewhere() and self.delivered(sent.id):
                sent.observed, sent.observed_wall = time.monotonic(), time.time()
                return
            if time.monotonic() > deadline:
                raise StationError(f"bench: message {sent.id} was not delivered within {timeout:.0f} s")
            time.sleep(_OBSERVE_EVERY)

    def undelivered(self) -> int:
        return self.store.queue_depth(self.station.peer_id)


def _stages(sender: Sender, receiver: BenchStation, sent: list[_Sent]) -> dict[str, float]:
    """Mean time of each stage of a message's path, in ms, from the timestamps both stations
    store (millisecond resolution, so only the means over many messages are meaningful)."""
    store = receiver.open_store()
    totals = {"wake_up": 0.0, "to_receiver": 0.0, "receipt_back": 0.0, "receipt_stored": 0.0}
    try:
        for item in sent:
            out = sender.store.message(item.id)
            incoming = store.message(item.id)
            if out is None or incoming is None or out.sent_at is None or out.delivered_at is None:
                raise StationError(f"bench: message {item.id} lacks the timestamps of its delivery")
            sent_at, stored_at, delivered_at = (
                parse_time(out.sent_at),
                parse_time(incoming.stored_at),
                parse_time(out.delivered_at),
            )
            totals["wake_up"] += sent_at - item.accepted_wall
            totals["to_receiver"] += stored_at - sent_at
            totals["receipt_back"] += delivered_at - stored_at
            totals["receipt_stored"] += item.observed_wall - delivered_at
    finally:
        store.close()
    return {f"{name}_ms": value / len(sent) * 1000 for name, value in totals.items()}


def one_at_a_time(sender: Sender, receiver: BenchStation, count: int) -> dict[str, Any]:
    """``count`` messages, each queued after the previous one's receipt is stored."""
    for _ in range(min(5, count)):  # warm up: the link is up and both sides have loaded everything
        sender.wait_delivered(sender.queue())
    sent = []
    for _ in range(count):
        item = sender.queue()
        sender.wait_delivered(item)
        sent.append(item)
    result: dict[str, Any] = {
        "latency": summarize([s.observed - s.accepted for s in sent]),
        "send_accepted": summarize([s.accept_seconds for s in sent]),
    }
    result["stages"] = _stages(sender, receiver, sent)
    result["frame_bytes"] = sender.frame_bytes()
    return result


SUBMIT_GROUP = 100
"""Messages the throughput run hands over per transaction."""


def throughput(sender: Sender, receiver: BenchStation, count: int, timeout: float) -> dict[str, Any]:
    """``count`` messages handed over as fast as one process can, ``SUBMIT_GROUP`` per
    transaction, delivered while they are handed over; messages per second from the first
    accepted to the last receipt stored."""
    pids = {"sender": sender.station.pid, "receiver": receiver.pid}
    cpu = {name: cpu_seconds(pid) for name, pid in pids.items()}
    started = time.monotonic()
    for first in range(0, count, SUBMIT_GROUP):
        sender.queue_group(min(SUBMIT_GROUP, count - first))
    submitted = time.monotonic()
    done = wait_for(lambda: sender.undelivered() == 0, timeout, f"{count} receipts", 0.01)
    return {
        "messages": count,
        "msgs_per_s": count / (done - started),
        "submit_msgs_per_s": count / (submitted - started),
        "seconds": done - started,
        "peak_rss_mb": {"sender": peak_rss_mb(sender.station.pid), "receiver": peak_rss_mb(receiver.pid)},
        "cpu_ms_per_message": {name: (cpu_seconds(pid) - cpu[name]) / count * 1000 for name, pid in pids.items()},
    }


def link_cut(sender: Sender, receiver: BenchStation, hold: float) -> dict[str, float]:
    """Freeze the receiver (SIGSTOP: its port stops answering, nothing is closed), measure how
    long the sender takes to declare the link lost; queue a message; after ``hold`` seconds thaw
    it (SIGCONT) and measure how long until that message's receipt is stored."""
    log_start = len(sender.station.log_text())
    cut = time.monotonic()
    receiver.freeze()
    try:
        lost = wait_for(
            lambda: "link.down" in sender.station.log_text()[log_start:], 60, "the sender to declare the link lost"
        )
        item = sender.queue()
        time.sleep(hold)
    finally:
        restored = time.monotonic()
        receiver.thaw()
    sender.wait_delivered(item, timeout=120)
    return {"detect_loss_s": lost - cut, "first_delivery_after_restore_s": item.observed - restored}


def crash_recovery(sender: Sender, receiver: BenchStation, backlog: int, timeout: float) -> dict[str, float]:
    """``kill -9`` the receiver, queue ``backlog`` messages, restart it; how long until the whole
    backlog is receipted, and the sender's memory while it held the backlog."""
    receiver.kill()
    for start in range(0, backlog, SUBMIT_GROUP):
        sender.queue_group(min(SUBMIT_GROUP, backlog - start))
    time.sleep(1.5)  # let the sender's serve notice the queue and fill its window
    holding = rss_mb(sender.station.pid)
    restarted = time.monotonic()
    listening = receiver.start()
    first = wait_for(lambda: sender.undelivered() < backlog, timeout, "the first message of the backlog")
    done = wait_for(lambda: sender.undelivered() == 0, timeout, f"a backlog of {backlog} receipts", 0.01)
    return {
        "backlog": float(backlog),
        "sender_rss_holding_backlog_mb": holding,
        "restart_to_listening_s": listening,
        "restart_to_first_delivery_s": first - restarted,
        "restart_to_backlog_delivered_s": done - restarted,
        "sender_peak_rss_mb": peak_rss_mb(sender.station.pid),
        "receiver_peak_rss_mb": peak_rss_mb(receiver.pid),
        "backlog_msgs_per_s": backlog / (done - restarted - listening),
    }
