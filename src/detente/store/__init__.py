"""Durable state of a station: one interface, engines underneath (SQLite by default)."""

from __future__ import annotations

from pathlib import Path

from .base import (
    AlarmRecord,
    CheckpointRecord,
    Direction,
    ExchangeCounts,
    JournalEntry,
    LedgerLeaf,
    LinkStatus,
    LogName,
    MessageRecord,
    PeerRecord,
    Store,
)
from .sqlite import SQLiteStore

__all__ = [
    "AlarmRecord",
    "CheckpointRecord",
    "Direction",
    "ExchangeCounts",
    "LedgerLeaf",
    "LogName",
    "JournalEntry",
    "LinkStatus",
    "MessageRecord",
    "PeerRecord",
    "SQLiteStore",
    "Store",
    "open_store",
]


def open_store(path: Path, *, create: bool = False) -> Store:
    """Open the station database at ``path`` (SQLite)."""
    return SQLiteStore(path, create=create)
