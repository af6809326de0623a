"""The SQLite engine: one file, WAL journal, full fsync on commit, short named transactions.

Several processes may open the same database (``detente serve`` and the CLI's ``send``);
each write transaction starts with ``BEGIN IMMEDIATE`` so that sequence numbers are allocated
by exactly one writer at a time. Every SQLite failure is turned into a StoreError that says
what happened to which file and what to do.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

from ..errors import StoreError
from .ledger_sql import append_entries
from .sql_alarms import AlarmQueries
from .sql_line import LineQueries
from .sql_lines import CharterQueries
from .sql_people import PeopleQueries
from .timing import commit_times

__all__ = ["SQLiteStore", "migrations"]


def migrations(engine: str) -> list[tuple[int, str, str]]:
    """The numbered migrations of an engine ("sqlite", "postgresql"): (number, file name, SQL)."""
    folder = resources.files("detente.store") / "migrations" / engine
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number = int(entry.name.split("_", 1)[0])
            found.append((number, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


class SQLiteStore(LineQueries, PeopleQueries, CharterQueries, AlarmQueries):
    _db: sqlite3.Connection

    def __init__(self, path: Path, *, create: bool = False, timeout: float = 10.0) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise StoreError(f"station database {self.path} does not exist; is this a station folder?")
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=timeout, check_same_thread=False)
            self._db.execute("PRAGMA foreign_keys = ON")
            mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            self._db.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error as exc:
            raise self._error("open", exc) from None
        if mode != "wal":
            raise StoreError(f"station database {self.path}: cannot use write-ahead logging (mode {mode})")
        self._data_version = -1
        self._synchronous = True
        """Whether commits are synced (``synchronous = FULL``): every write that is not
        bookkeeping sets it back before it begins."""
        self._migrate()

    # --- plumbing ---------------------------------------------------------------------------------

    def _error(self, action: str, exc: sqlite3.Error) -> StoreError:
        text = str(exc)
        if "file is not a database" in text or "malformed" in text:
            return StoreError(
                f"station database {self.path} is damaged ({text}) while trying to {action}; "
                "stop the station and restore the database from a backup"
            )
        if "disk is full" in text or "disk I/O error" in text:
            return StoreError(
                f"station database {self.path}: {text} while trying to {action}; nothing of this operation "
                "was stored; free disk space and retry"
            )
        if "locked" in text or "busy" in text:
            return StoreError(f"station database {self.path} is busy ({text}) while trying to {action}; retry")
        return StoreError(f"station database {self.path}: {text} while trying to {action}")

    @contextlib.contextmanager
    def _write(self, action: str, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        try:
            if durable != self._synchronous:  # WAL: a commit not synced is covered by the next synced one
                self._db.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
                self._synchronous = durable
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self._error(action, exc) from None
        try:
            yield self._db
            with commit_times.measure(durable):
                self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise self._error(action, exc) from None
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise

    @contextlib.contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise self._error(action, exc) from None

    def _migrate(self) -> None:
        with self._write("apply migrations") as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations"
                " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
            )
            applied = {row[0] for row in db.execute("SELECT version FROM schema_migrations")}
            known = migrations("sqlite")
            newest = max((n for n, _, _ in known), default=0)
            if applied and max(applied) > newest:
                raise sqlite3.DatabaseError(
                    f"schema version {max(applied)} is newer than this program knows ({newest}); upgrade détente"
                )
            for number, name, sql in known:
                if number in applied:
                    continue
                for statement in _statements(sql):
                    db.execute(statement)
                if number in _AFTER_SQL:
                    _AFTER_SQL[number](db)
                db.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", (number, name))

    def damage(self) -> str | None:
        try:
            problems = [row[0] for row in self._db.execute("PRAGMA quick_check(3)")]
        except sqlite3.Error as exc:
            return str(self._error("check its integrity", exc))
        if problems == ["ok"]:
            return None
        return (
            f"station database {self.path} is damaged ({'; '.join(problems)}); stop the station and restore the "
            "database from a backup"
        )

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.close()

    def schema_version(self) -> int:
        return int(self._read("read schema version", "SELECT MAX(version) FROM schema_migrations")[0][0] or 0)

    def changed_elsewhere(self) -> bool:
        version = int(self._read("check for changes", "PRAGMA data_version")[0][0])
        changed = version != self._data_version
        self._data_version = version
        return changed

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        try:
            self._db.execute("BEGIN")
        except sqlite3.Error as exc:
            raise self._error("start reading", exc) from None
        try:
            yield
        finally:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("COMMIT")


def _statements(sql: str) -> list[str]:
    """Split a migration into statements, line by line, where SQLite says one is complete."""
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(part.strip().startswith("--") for part in buffer.strip().splitlines()):
        raise sqlite3.DatabaseError(f"migration ends with an incomplete statement: {buffer.strip()[:60]!r}")
    return statements


def _backfill_ledger(db: sqlite3.Connection) -> None:
    """Migration 2 gives stations that already hold messages their log: every stored envelope in
    the order it was stored, then every stored receipt in the same order."""
    rows = db.execute("SELECT peer, direction, id, envelope, receipt FROM messages ORDER BY rowid").fetchall()
    for peer, direction, message_id, envelope, _ in rows:
        append_entries(db, peer, [(f"envelope-{direction}", message_id, bytes(envelope))])
    for peer, direction, message_id, _, receipt in rows:
        if receipt is not None:
            kind = "receipt-in" if direction == "out" else "receipt-out"
            append_entries(db, peer, [(kind, message_id, bytes(receipt))])


def _acknowledgements_from(db: sqlite3.Connection) -> None:
    """Migration 3: the messages already held were exchanged before acknowledgements existed."""
    db.execute(
        "INSERT OR REPLACE INTO meta (key, value)"
        " SELECT 'acknowledgements_from', CAST(COALESCE(MAX(rowid), 0) AS TEXT) FROM messages"
    )


_AFTER_SQL: dict[int, Callable[[sqlite3.Connection], None]] = {2: _backfill_ledger, 3: _acknowledgements_from}
