"""Latency samples summarised as percentiles, in milliseconds."""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["percentile", "summarize"]


def percentile(sorted_samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of samples already sorted in ascending order."""
    if not sorted_samples:
        raise ValueError("no samples to take a percentile of")
    if not 0 < fraction <= 1:
        raise ValueError(f"percentile fraction {fraction} is not in (0, 1]")
    rank = max(1, math.ceil(fraction * len(sorted_samples)))
    return sorted_samples[rank - 1]


def summarize(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p90, p99, max and mean of samples given in seconds, as milliseconds; and their count."""
    ordered = sorted(seconds)
    return {
        "n": float(len(ordered)),
        "p50_ms": percentile(ordered, 0.50) * 1000,
        "p90_ms": percentile(ordered, 0.90) * 1000,
        "p99_ms": percentile(ordered, 0.99) * 1000,
        "max_ms": ordered[-1] * 1000,
        "mean_ms": sum(ordered) / len(ordered) * 1000,
    }
