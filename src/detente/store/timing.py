"""How long the store's commits take, kept in the process for the metrics listener to read.

Plain counters behind a lock, no metrics library: the store stays free of it, and
:mod:`detente.monitoring.collector` turns these figures into a Prometheus histogram at scrape time.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["COMMIT_BUCKETS", "CommitFigures", "CommitTimes", "commit_times"]

COMMIT_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
"""Upper bounds, in seconds, of the commit-latency histogram's buckets."""


@dataclass(frozen=True)
class CommitFigures:
    """A snapshot: commits by whether they waited for the disk, cumulative bucket counts, sum."""

    buckets: tuple[int, ...]
    count: int
    total: float


class CommitTimes:
    """Cumulative durations of the commits of every store of this process, durable or not."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = {True: [0] * len(COMMIT_BUCKETS), False: [0] * len(COMMIT_BUCKETS)}
        self._count = {True: 0, False: 0}
        self._sum = {True: 0.0, False: 0.0}

    @contextlib.contextmanager
    def measure(self, durable: bool) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.add(durable, time.perf_counter() - started)

    def add(self, durable: bool, seconds: float) -> None:
        with self._lock:
            for index, bound in enumerate(COMMIT_BUCKETS):
                if seconds <= bound:
                    self._counts[durable][index] += 1
            self._count[durable] += 1
            self._sum[durable] += seconds

    def figures(self, durable: bool) -> CommitFigures:
        with self._lock:
            return CommitFigures(tuple(self._counts[durable]), self._count[durable], self._sum[durable])


commit_times = CommitTimes()
"""This process's commit times (every store it opens adds to them)."""
