"""How much the bench measures: the full run, or tiny sizes with ``--quick``."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BenchSizes"]


@dataclass(frozen=True)
class BenchSizes:
    """Counts and sizes of one bench run."""

    one_at_a_time: int = 2000
    """Messages sent one at a time, each waiting for the previous one's receipt (latency)."""
    in_flight: int = 20000
    """Messages submitted at once for the throughput figure."""
    broker_window: int = 1000
    """Most messages a broker client keeps in flight (détente's own window is its ``window`` setting)."""
    backlog: int = 100000
    """Messages queued while the receiving station is killed, delivered after its restart."""
    payload_bytes: int = 500
    """Size of each message's payload (détente: the free text; the brokers: the message body)."""
    floor_rounds: int = 2000
    """Repetitions of each floor measurement (fsync, round trip, sign, verify)."""
    fsync_messages: int = 200
    """Messages of the short run under strace that counts fsync calls."""
    cut_hold: float = 5.0
    """Seconds the link stays cut after the loss is detected, before it is restored."""
    quick: bool = False

    @classmethod
    def quick_sizes(cls) -> BenchSizes:
        """Tiny sizes: every figure, in well under a minute."""
        return cls(
            one_at_a_time=20,
            in_flight=200,
            broker_window=100,
            backlog=100,
            floor_rounds=50,
            fsync_messages=10,
            cut_hold=0.5,
            quick=True,
        )
