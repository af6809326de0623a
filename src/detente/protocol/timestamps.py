"""Timestamps on the wire: RFC 3339, UTC, millisecond precision, with a ``Z``.

Times inside the protocol core are floats of seconds since the Unix epoch that the driver
passes in; this module only converts them, it never reads a clock.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

__all__ = ["format_time", "parse_time"]

_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def format_time(seconds: float) -> str:
    """``2026-11-26T09:14:03.250Z`` for the given Unix time, truncated to the millisecond."""
    millis = int(seconds * 1000)
    m = datetime.fromtimestamp(millis // 1000, tz=UTC)
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}.{millis % 1000:03d}Z"


def parse_time(text: str) -> float:
    """The Unix time of a timestamp in exactly the form :func:`format_time` writes."""
    if not isinstance(text, str) or not _PATTERN.fullmatch(text):
        raise ValueError(f"timestamp {text!r} is not of the form YYYY-MM-DDTHH:MM:SS.mmmZ")
    try:
        year, month, day = int(text[0:4]), int(text[5:7]), int(text[8:10])
        moment = datetime(year, month, day, int(text[11:13]), int(text[14:16]), int(text[17:19]), tzinfo=UTC)
    except ValueError as exc:
        raise ValueError(f"timestamp {text!r} is not a real date and time: {exc}") from None
    return int(moment.timestamp()) + int(text[20:23]) / 1000
