"""SQL for the two Merkle logs a station keeps per peer: its own log and the peer's.

Both are stored the same way: the leaves in order (``ledger_entries`` / ``peer_log``) and the
hash of every complete subtree above them (``ledger_nodes`` / ``peer_log_nodes``), so that an
append writes O(1) rows on average and a root or a proof reads O(log n) of them. These functions
run inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import StoreError
from ..ledger.merkle import leaf_hash, node_hash

if TYPE_CHECKING:
    from .sql_base import Connection

__all__ = [
    "LOGS",
    "LedgerLeaf",
    "LoggedEntry",
    "SCAN_BATCH",
    "SQLNodes",
    "append_entries",
    "append_leaves",
    "log_size",
    "read_leaves",
    "MessageRow",
    "SCAN_MESSAGES_SQL",
    "SCAN_RECORDS_SQL",
    "scan_log_sql",
    "scan_nodes_sql",
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


LoggedEntry = tuple[int, str, str, bytes]
"""One leaf of a log as ``ledger verify`` reads it (a plain tuple, for speed): index, kind,
ref, leaf hash."""
MessageRow = tuple[str, str, int, str, str, str, bytes, str, "bytes | None", "str | None"]
"""A message as ``ledger verify`` reads it: id, direction, seq, kind, precedence, created_at,
envelope, envelope_hash, receipt, receipted_at."""
SCAN_BATCH = 4096


def log_size(db: Connection, log: str, peer: str) -> int:
    row = db.execute(f"SELECT MAX(idx) FROM {LOGS[log].leaves} WHERE peer = ?", (peer,)).fetchone()
    return 0 if row[0] is None else int(row[0]) + 1


def append_leaves(db: Connection, log: str, peer: str, items: Sequence[tuple[str, str, bytes]]) -> int:
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


def append_entries(db: Connection, peer: str, items: Sequence[tuple[str, str, bytes]]) -> int:
    """Append (kind, ref, canonical bytes) entries to this station's own log of ``peer``."""
    return append_leaves(db, "own", peer, [(kind, ref, leaf_hash(data)) for kind, ref, data in items])


def read_leaves(db: Connection, log: str, peer: str, start: int, end: int) -> list[LedgerLeaf]:
    rows = db.execute(
        f"SELECT idx, kind, ref, leaf FROM {LOGS[log].leaves} WHERE peer = ? AND idx >= ? AND idx < ? ORDER BY idx",
        (peer, start, end),
    ).fetchall()
    return [LedgerLeaf(int(r[0]), r[1], r[2], bytes(r[3])) for r in rows]


def _node(db: Connection, tables: _Tables, peer: str, level: int, index: int) -> bytes:
    if level == 0:
        row = db.execute(f"SELECT leaf FROM {tables.leaves} WHERE peer = ? AND idx = ?", (peer, index)).fetchone()
    else:
        row = db.execute(
            f"SELECT hash FROM {tables.nodes} WHERE peer = ? AND level = ? AND idx = ?", (peer, level, index)
        ).fetchone()
    if row is None:
        raise StoreError(
            f"log node ({level}, {index}) of {peer} is missing: the station database is damaged; "
            "stop the station and restore the database from a backup"
        )
    return bytes(row[0])


class SQLNodes:
    """A merkle.NodeSource over one stored log, as of one moment (its size is read once)."""

    def __init__(self, db: Connection, log: str, peer: str) -> None:
        self._db = db
        self._tables = LOGS[log]
        self._peer = peer
        self._size = log_size(db, log, peer)

    def size(self) -> int:
        return self._size

    def perfect(self, level: int, index: int) -> bytes:
        return _node(self._db, self._tables, self._peer, level, index)


# --- reading a whole log in one pass (ledger verification) ---------------------------------------


def scan_log_sql(log: str) -> str:
    """Every leaf of one log in index order (parameter: the peer)."""
    return f"SELECT idx, kind, ref, leaf FROM {LOGS[log].leaves} WHERE peer = ? ORDER BY idx"


def scan_nodes_sql(log: str) -> str:
    """Every stored node (level, index, hash) of one log, by level then index (parameter: the peer)."""
    return f"SELECT level, idx, hash FROM {LOGS[log].nodes} WHERE peer = ? ORDER BY level, idx"


SCAN_MESSAGES_SQL = (  # "|| ''": a scan in storage order, not the index and a sort
    "SELECT id, direction, seq, kind, precedence, created_at, envelope, envelope_hash, receipt, receipted_at"
    " FROM messages WHERE peer || '' = ? ORDER BY rowid"
)
"""Every message of the line, in the order they were stored (parameter: the peer)."""
SCAN_RECORDS_SQL = "SELECT id, data FROM records WHERE peer = ? ORDER BY rowid"
"""Every record (id, bytes) of the line, in the order they were stored (parameter: the peer)."""
