"""A sending process of its own, for counting the sender's fsync calls under strace: it queues
messages one at a time exactly as ``detente send`` stores them and waits for each receipt.

Run as ``python -m detente.bench.queuer HOME PEER_STATION_ID COUNT PAYLOAD_BYTES``."""

from __future__ import annotations

import sys
from pathlib import Path

from .line import Sender
from .stations import BenchStation

__all__ = ["queue_and_wait"]


def queue_and_wait(home: Path, peer_id: str, count: int, payload_bytes: int) -> None:
    """Queue ``count`` messages one at a time, each after the previous one's receipt is stored."""
    station = BenchStation(home, party="", port=0, peer_id=peer_id)
    sender = Sender(station, payload_bytes)
    try:
        for _ in range(count):
            sender.wait_delivered(sender.queue())
    finally:
        sender.close()


def main() -> None:
    home, peer_id, count, payload = sys.argv[1:5]
    queue_and_wait(Path(home), peer_id, int(count), int(payload))


if __name__ == "__main__":
    main()
