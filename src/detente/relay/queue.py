"""The relay's durable store: items waiting for their recipient, in one SQLite file.

An item is committed (WAL, synchronous FULL) before the relay tells its sender it is stored, and
deleted only when its recipient says it has taken it. The relay reads nothing of an item but its
header (sender, recipient, session, kind). A new session from one station to another replaces
the older ones: the link sends again everything not yet receipted on each new connection, so
what an abandoned session still held is never needed and would only hold up the new one.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import StoreError

__all__ = ["Held", "Put", "QuotaExceeded", "Quotas", "RelayQueue"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient TEXT NOT NULL,
    sender TEXT NOT NULL,
    session TEXT NOT NULL,
    size INTEGER NOT NULL,
    body BLOB NOT NULL,
    stored_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS items_by_recipient ON items (recipient, id);
CREATE INDEX IF NOT EXISTS items_by_route ON items (sender, recipient, session);
"""


@dataclass(frozen=True)
class Quotas:
    """What the relay holds on behalf of one station (items it sent, not yet taken)."""

    max_bytes: int = 64 * 1024 * 1024
    max_items: int = 100_000
    max_item_bytes: int = 1024 * 1024


class QuotaExceeded(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Held:
    station: str
    items_sent: int
    bytes_sent: int
    items_waiting: int


@dataclass(frozen=True)
class Put:
    sender: str
    recipient: str
    session: str
    opens: bool
    body: bytes


class RelayQueue:
    def __init__(self, path: Path, quotas: Quotas) -> None:
        self.quotas = quotas
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
            self._db.execute("PRAGMA quick_check").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"relay database {path}: {exc}") from None
        self._usage: dict[str, list[int]] = {}
        for sender, count, size in self._db.execute("SELECT sender, COUNT(*), SUM(size) FROM items GROUP BY sender"):
            self._usage[sender] = [count, size]

    def close(self) -> None:
        self._db.close()

    def put_many(self, puts: list[Put]) -> list[int | QuotaExceeded]:
        """Store each item that fits its sender's quota, in one transaction; an id for each stored
        one, QuotaExceeded for each refused one, in order."""
        results: list[int | QuotaExceeded] = []
        now = time.time()
        try:
            self._db.execute("BEGIN IMMEDIATE")
            for put in puts:
                usage = self._usage.setdefault(put.sender, [0, 0])
                if put.opens:
                    self._purge(put, usage)
                refusal = self._over_quota(put, usage)
                if refusal is not None:
                    results.append(refusal)
                    continue
                cursor = self._db.execute(
                    "INSERT INTO items (recipient, sender, session, size, body, stored_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (put.recipient, put.sender, put.session, len(put.body), put.body, now),
                )
                usage[0] += 1
                usage[1] += len(put.body)
                results.append(int(cursor.lastrowid or 0))
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise StoreError(f"relay database: cannot store items: {exc}") from None
        return results

    def _purge(self, put: Put, usage: list[int]) -> None:
        row = self._db.execute(
            "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM items WHERE sender = ? AND recipient = ? AND session != ?",
            (put.sender, put.recipient, put.session),
        ).fetchone()
        if row[0]:
            self._db.execute(
                "DELETE FROM items WHERE sender = ? AND recipient = ? AND session != ?",
                (put.sender, put.recipient, put.session),
            )
            usage[0] -= row[0]
            usage[1] -= row[1]

    def _over_quota(self, put: Put, usage: list[int]) -> QuotaExceeded | None:
        q = self.quotas
        if len(put.body) > q.max_item_bytes:
            return QuotaExceeded(
                "too-large", f"an item of {len(put.body)} bytes is over this relay's {q.max_item_bytes}"
            )
        if usage[0] + 1 > q.max_items or usage[1] + len(put.body) > q.max_bytes:
            return QuotaExceeded(
                "quota",
                f"the relay already holds {usage[0]} items ({usage[1]} bytes) from {put.sender}, "
                f"not yet taken by their recipients; its quota is {q.max_items} items / {q.max_bytes} bytes",
            )
        return None

    def waiting(self, recipient: str, after: int, limit: int) -> list[tuple[int, str, bytes]]:
        """(id, sender, body) of items for ``recipient`` above id ``after``, oldest first."""
        try:
            return [
                (int(i), str(s), bytes(b))
                for i, s, b in self._db.execute(
                    "SELECT id, sender, body FROM items WHERE recipient = ? AND id > ? ORDER BY id LIMIT ?",
                    (recipient, after, limit),
                )
            ]
        except sqlite3.Error as exc:
            raise StoreError(f"relay database: cannot read items: {exc}") from None

    def take(self, recipient: str, ids: list[int]) -> None:
        """Delete items their recipient has taken (ids of other recipients are ignored)."""
        if not ids:
            return
        try:
            self._db.execute("BEGIN IMMEDIATE")
            for ident in ids:
                row = self._db.execute(
                    "DELETE FROM items WHERE id = ? AND recipient = ? RETURNING sender, size", (ident, recipient)
                ).fetchone()
                if row is not None:
                    usage = self._usage.setdefault(row[0], [0, 0])
                    usage[0] -= 1
                    usage[1] -= row[1]
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise StoreError(f"relay database: cannot delete taken items: {exc}") from None

    def held(self, stations: list[str]) -> list[Held]:
        waiting = dict(self._db.execute("SELECT recipient, COUNT(*) FROM items GROUP BY recipient").fetchall())
        return [
            Held(s, self._usage.get(s, [0, 0])[0], self._usage.get(s, [0, 0])[1], int(waiting.get(s, 0)))
            for s in stations
        ]

    def _rollback(self) -> None:
        try:
            self._db.execute("ROLLBACK")
        except sqlite3.Error:
            pass
