"""Durable state of a station: one interface, engines underneath (SQLite by default)."""

from __future__ import annotations

from pathlib import Path

from .base import Direction, JournalEntry, LinkStatus, MessageRecord, PeerRecord, Store
from .sqlite import SQLiteStore

__all__ = [
    "Direction",
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
