"""Response-time figures: is the line really manned, on each side?

For each side (``ours``: how fast this station's people acknowledge what the peer sends;
``theirs``: how fast the peer's people acknowledge what this station sends), each window (the
last shift of eight hours, seven days, thirty days) and each precedence: how many messages,
how many acknowledged, the median and 95th-percentile time to acknowledgement, and how many
missed their deadline (acknowledged late, or still unacknowledged past it). Watch checks count
like any message.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from ..config import StationConfig
from ..protocol.timestamps import format_time, parse_time
from ..store import AwaitingRecord, Store
from .deadlines import deadline_seconds

__all__ = ["WINDOWS", "Figure", "figures_csv", "response_figures"]

WINDOWS = (("shift", 8 * 3600.0), ("7d", 7 * 86400.0), ("30d", 30 * 86400.0))
_PRECEDENCES = ("flash", "immediate", "priority", "routine", "all")


@dataclass(frozen=True)
class Figure:
    side: str
    window: str
    precedence: str
    messages: int
    acknowledged: int
    median_s: float | None
    p95_s: float | None
    missed: int


def _percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _response(record: AwaitingRecord) -> tuple[float | None, float | None]:
    """(when the clock started, seconds to the acknowledgement if there is one)."""
    started_text = record.stored_at if record.direction == "in" else record.delivered_at
    if started_text is None:
        return None, None
    started = parse_time(started_text)
    if record.acked_at is None:
        return started, None
    return started, max(0.0, parse_time(record.acked_at) - started)


def response_figures(
    store: Store, config: StationConfig, now: float, windows: Sequence[tuple[str, float]] = WINDOWS
) -> list[Figure]:
    """Figures for each side, window (by default the three of :data:`WINDOWS`) and precedence,
    over the messages whose clock started (received here, delivered there) within the window."""
    longest = max(seconds for _, seconds in windows)
    records = store.acknowledgement_times(format_time(now - longest))
    figures: list[Figure] = []
    for side, direction in (("ours", "in"), ("theirs", "out")):
        for window, seconds in windows:
            since = now - seconds
            for precedence in _PRECEDENCES:
                times: list[float] = []
                count = missed = 0
                for record in records:
                    if record.direction != direction or (precedence != "all" and record.precedence != precedence):
                        continue
                    started, took = _response(record)
                    if started is None or started < since:
                        continue
                    deadline = deadline_seconds(config, record.kind, record.precedence, record.party)
                    if deadline is None:
                        continue
                    count += 1
                    if took is not None:
                        times.append(took)
                        missed += took > deadline
                    elif now > started + deadline:
                        missed += 1
                figures.append(
                    Figure(
                        side,
                        window,
                        precedence,
                        count,
                        len(times),
                        _percentile(times, 0.5),
                        _percentile(times, 0.95),
                        missed,
                    )
                )
    return figures


def figures_csv(figures: list[Figure]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(Figure.__dataclass_fields__), lineterminator="\n")
    writer.writeheader()
    for figure in figures:
        writer.writerow(asdict(figure))
    return out.getvalue()
