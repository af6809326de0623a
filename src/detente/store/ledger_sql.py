"""SQL for the two Merkle logs a station keeps per peer: its own log and the peer's.

Both are stored the same way: the leaves in order (``ledger_entries`` / ``peer_log``) and the
hash of every complete subtree above them (``ledger_nodes`` / ``peer_log_nodes``), so that an
append writes O(1) rows on average and a root or a proof reads O(log n) of them. These functions
run inside the caller's transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from ..ledger.merkle import leaf_hash, node_hash

__all__ = [
    "LOGS",
    "LedgerLeaf",
    "LoggedEntry",
    "SQLNodes",
    "append_entries",
    "append_leaves",
    "log_size",
    "read_leaves",
    "scan_log",
    "scan_nodes",
    "unlogged",
]


@dataclass(frozen=True)
class _Tables:
    leaves: str
    nodes: str


LOGS = {"own": _Tables("ledger_entries", "ledger_nodes"), "peer": _Tables("peer_log", "peer_log_nodes")}


@dataclass(frozen=True)
class LedgerLeaf:
    """One leaf of a log: its position, what it is, which message or record, and its hash."""

    idx: int
    kind: str
    ref: str
    leaf: bytes


class LoggedEntry(NamedTuple):
    """One leaf of a log with what it stands for, as ``ledger verify`` reads it. For this
    station's own log: the bytes the entry names and the columns of the message row that
    describe them; for the peer's log (which holds only hashes) those are None."""

    idx: int
    kind: str
    ref: str
    leaf: bytes
    data: bytes | None
    seq: int | None
    message_kind: str | None
    precedence: str | None
    created_at: str | None
    envelope_hash: str | None
    receipted_at: str | None


def log_size(db: sqlite3.Connection, log: str, peer: str) -> int:
    row = db.execute(f"SELECT MAX(idx) FROM {LOGS[log].leaves} WHERE peer = ?", (peer,)).fetchone()
    return 0 if row[0] is None else int(row[0]) + 1


def append_leaves(db: sqlite3.Connection, log: str, peer: str, items: Sequence[tuple[str, str, bytes]]) -> int:
    """Append (kind, ref, leaf hash) items; return the first new index."""
    tables = LOGS[log]
    start = size = log_size(db, log, peer)
    for kind, ref, leaf in items:
        db.execute(
            f"INSERT INTO {tables.leaves} (peer, idx, kind, ref, leaf) VALUES (?, ?, ?, ?, ?)",
            (peer, size, kind, ref, leaf),
        )
        level, index, current = 0, size, leaf
        while index & 1:
            left = _node(db, tables, peer, level, index - 1)
            current = node_hash(left, current)
            level, index = level + 1, index >> 1
            db.execute(
                f"INSERT INTO {tables.nodes} (peer, level, idx, hash) VALUES (?, ?, ?, ?)",
                (peer, level, index, current),
            )
        size += 1
    return start


def append_entries(db: sqlite3.Connection, peer: str, items: Sequence[tuple[str, str, bytes]]) -> int:
    """Append (kind, ref, canonical bytes) entries to this station's own log of ``peer``."""
    return append_leaves(db, "own", peer, [(kind, ref, leaf_hash(data)) for kind, ref, data in items])


def read_leaves(db: sqlite3.Connection, log: str, peer: str, start: int, end: int) -> list[LedgerLeaf]:
    rows = db.execute(
        f"SELECT idx, kind, ref, leaf FROM {LOGS[log].leaves} WHERE peer = ? AND idx >= ? AND idx < ? ORDER BY idx",
        (peer, start, end),
    ).fetchall()
    return [LedgerLeaf(int(r[0]), r[1], r[2], bytes(r[3])) for r in rows]


def _node(db: sqlite3.Connection, tables: _Tables, peer: str, level: int, index: int) -> bytes:
    if level == 0:
        row = db.execute(f"SELECT leaf FROM {tables.leaves} WHERE peer = ? AND idx = ?", (peer, index)).fetchone()
    else:
        row = db.execute(
            f"SELECT hash FROM {tables.nodes} WHERE peer = ? AND level = ? AND idx = ?", (peer, level, index)
        ).fetchone()
    if row is None:
        raise sqlite3.DatabaseError(f"log node ({level}, {index}) of {peer} is missing: the database is malformed")
    return bytes(row[0])


class SQLNodes:
    """A merkle.NodeSource over one stored log, as of one moment (its size is read once)."""

    def __init__(self, db: sqlite3.Connection, log: str, peer: str) -> None:
        self._db = db
        self._tables = LOGS[log]
        self._peer = peer
        self._size = log_size(db, log, peer)

    def size(self) -> int:
        return self._size

    def perfect(self, level: int, index: int) -> bytes:
        return _node(self._db, self._tables, self._peer, level, index)


# --- reading a whole log in one pass (ledger verification) ---------------------------------------

_DIRECTION = "CASE e.kind WHEN 'envelope-out' THEN 'out' WHEN 'receipt-in' THEN 'out' ELSE 'in' END"
_SCAN_OWN = f"""
SELECT e.idx, e.kind, e.ref, e.leaf,
       CASE WHEN e.kind = 'record' THEN r.data WHEN e.kind LIKE 'envelope-%' THEN m.envelope ELSE m.receipt END,
       m.seq, m.kind, m.precedence, m.created_at, m.envelope_hash, m.receipted_at
FROM ledger_entries e
LEFT JOIN messages m ON e.kind != 'record' AND m.id = e.ref AND m.peer = e.peer AND m.direction = {_DIRECTION}
LEFT JOIN records r ON e.kind = 'record' AND r.id = e.ref AND r.peer = e.peer
WHERE e.peer = ? ORDER BY e.idx
"""
_SCAN_PEER = (
    "SELECT idx, kind, ref, leaf, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM peer_log WHERE peer = ? ORDER BY idx"
)
_LOGGED = "SELECT 1 FROM ledger_entries e WHERE e.peer = {table}.peer AND e.kind = {kind} AND e.ref = {table}.id"
_ENVELOPE_KIND = "CASE m.direction WHEN 'out' THEN 'envelope-out' ELSE 'envelope-in' END"
_RECEIPT_KIND = "CASE m.direction WHEN 'out' THEN 'receipt-in' ELSE 'receipt-out' END"
_UNLOGGED = f"""
SELECT kind, ref FROM (
    SELECT m.rowid AS n, 0 AS part, {_ENVELOPE_KIND} AS kind, m.id AS ref FROM messages m
    WHERE m.peer = :peer AND NOT EXISTS ({_LOGGED.format(table="m", kind=_ENVELOPE_KIND)})
    UNION ALL
    SELECT m.rowid, 1, {_RECEIPT_KIND}, m.id FROM messages m
    WHERE m.peer = :peer AND m.receipt IS NOT NULL AND NOT EXISTS ({_LOGGED.format(table="m", kind=_RECEIPT_KIND)})
    UNION ALL
    SELECT r.rowid, 2, 'record', r.id FROM records r
    WHERE r.peer = :peer AND NOT EXISTS ({_LOGGED.format(table="r", kind="'record'")})
) ORDER BY n, part LIMIT :limit
"""


def scan_log(db: sqlite3.Connection, log: str, peer: str) -> Iterator[LoggedEntry]:
    """Every leaf of one log in index order, one query (for the own log, joined with the rows
    the entries name, so that nothing is looked up entry by entry)."""
    cursor = db.execute(_SCAN_OWN if log == "own" else _SCAN_PEER, (peer,))
    cursor.row_factory = lambda _, row: LoggedEntry._make(row)
    return iter(cursor)


def scan_nodes(db: sqlite3.Connection, log: str, peer: str) -> Iterator[tuple[int, int, bytes]]:
    """Every stored node (level, index, hash) of one log, by level then index."""
    return iter(
        db.execute(f"SELECT level, idx, hash FROM {LOGS[log].nodes} WHERE peer = ? ORDER BY level, idx", (peer,))
    )


def unlogged(db: sqlite3.Connection, peer: str, limit: int) -> list[tuple[str, str]]:
    """(kind, ref) of envelopes, receipts and records held for ``peer`` that no entry of this
    station's own log names, oldest first."""
    rows = db.execute(_UNLOGGED, {"peer": peer, "limit": limit}).fetchall()
    return [(str(kind), str(ref)) for kind, ref in rows]
