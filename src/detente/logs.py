"""Structured logging: one line per event, ``TIME LEVEL event key=value …``, never a secret."""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

from .protocol.timestamps import format_time

__all__ = ["configure_logging", "log_event"]

_SAFE = re.compile(r"[a-zA-Z0-9\-_.:/@+]+")


def _value(value: Any) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    if _SAFE.fullmatch(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def log_event(logger: logging.Logger, level: int, event: str, **fields: Any) -> None:
    """Log ``event`` with its fields as ``key=value`` pairs (values quoted when needed)."""
    if logger.isEnabledFor(level):
        parts = [event] + [f"{key}={_value(value)}" for key, value in fields.items() if value is not None]
        logger.log(level, " ".join(parts))


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"{format_time(record.created)} {record.levelname:<7} {record.getMessage()}"


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    root = logging.getLogger("detente")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
