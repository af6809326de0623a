"""Durable state of a station: one interface, engines underneath (SQLite by default)."""

from __future__ import annotations

from pathlib import Path

from .base import (
    AlarmRecord,
    AwaitingRecord,
    CharterRecord,
    CheckpointRecord,
    Direction,
    EscalationRecord,
    ExchangeCounts,
    JournalEntry,
    LedgerLeaf,
    LinkStatus,
    LoggedEntry,
    LoginFailures,
    LogName,
    MessageRecord,
    MessageRow,
    OperatorRecord,
    PathStatus,
    PeerRecord,
    SessionRecord,
    StationAlarmRecord,
    Store,
    SupervisorNotice,
    TokenRecord,
    TranslationRecord,
)
from .sqlite import SQLiteStore

__all__ = [
    "AlarmRecord",
    "AwaitingRecord",
    "CharterRecord",
    "CheckpointRecord",
    "Direction",
    "EscalationRecord",
    "ExchangeCounts",
    "LedgerLeaf",
    "LogName",
    "LoggedEntry",
    "JournalEntry",
    "LinkStatus",
    "LoginFailures",
    "PathStatus",
    "MessageRecord",
    "MessageRow",
    "OperatorRecord",
    "PeerRecord",
    "SQLiteStore",
    "StationAlarmRecord",
    "SupervisorNotice",
    "SessionRecord",
    "Store",
    "TokenRecord",
    "TranslationRecord",
    "open_store",
]


def open_store(path: Path, *, create: bool = False) -> Store:
    """Open the station database at ``path`` (SQLite)."""
    return SQLiteStore(path, create=create)
