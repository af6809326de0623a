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
    moment = datetime.fromtimestamp(millis // 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{millis % 1000:03d}Z"


def parse_time(text: str) -> float:
    """The Unix time of a timestamp in exactly the form :func:`format_time` writes."""
    if not isinstance(text, str) or not _PATTERN.fullmatch(text):
        raise ValueError(f"timestamp {text!r} is not of the form YYYY-MM-DDTHH:MM:SS.mmmZ")
    try:
        moment = datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    except ValueError as exc:
        raise ValueError(f"timestamp {text!r} is not a real date and time: {exc}") from None
    return int(moment.timestamp()) + int(text[20:23]) / 1000
