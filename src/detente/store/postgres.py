"""The PostgreSQL engine (psycopg 3): the same queries and guarantees as the SQLite store, on a
server that several processes, on several machines, share.

Every write transaction first takes one transaction-scoped advisory lock, so writers are
serialized exactly as SQLite's ``BEGIN IMMEDIATE`` serializes them: sequence numbers and log
indexes are allocated by one writer at a time. A commit returns only once PostgreSQL has made
it durable (``synchronous_commit`` is lowered only for the bookkeeping that nothing is promised
on: when a message went out, the link's status), so a receipt is sent for nothing that a crash
could lose.

Two servers of one station share the database; one is active (see :mod:`.leadership`). A store
that is given an epoch (:meth:`PostgresStore.fence`) refuses, inside the same locked
transaction, every write once another server has taken over: a server that was paused, or cut
off from the database, cannot write after losing its turn.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import psycopg
import psycopg.errors

from ..errors import StoreError
from .sql_alarms import AlarmQueries
from .sql_base import Connection, Cursor
from .sql_line import LineQueries
from .sql_lines import CharterQueries
from .sql_people import PeopleQueries
from .sqlite import migrations
from .timing import commit_times

__all__ = ["FencedOff", "PostgresStore", "redact"]

_IDLE_IN_TRANSACTION_MS = 2000
"""A write transaction's statements follow each other within milliseconds; one idle this long
belongs to a server that froze or was cut off, and the database ends it."""
WRITE_LOCK = 0x64E7E47E
"""The advisory lock every write transaction holds (any constant; one per database)."""


class FencedOff(StoreError):
    """Another server of this station has taken over; this one must stop writing."""


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


class _Translated:
    """A psycopg connection that takes the queries' ``?`` placeholders."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self._sql: dict[str, str] = {}

    def _convert(self, sql: str) -> str:
        converted = self._sql.get(sql)
        if converted is None:
            converted = self._sql[sql] = sql.replace("%", "%%").replace("?", "%s")
        return converted

    def execute(self, sql: str, parameters: Any = (), /) -> Cursor:
        return self.conn.execute(self._convert(sql), parameters)

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Any:
        with self.conn.cursor() as cursor:
            cursor.executemany(self._convert(sql), parameters)


class PostgresStore(LineQueries, PeopleQueries, CharterQueries, AlarmQueries):
    _string_agg = "string_agg"

    def __init__(self, url: str, *, connect_timeout: float = 5.0, application: str = "detente") -> None:
        self.url = url
        self._connect_timeout = connect_timeout
        self._application = application
        self._fence_epoch: int | None = None
        self._changes = -1
        self._cursors = 0
        self._conn = self._connect()
        self._db: Connection = _Translated(self._conn)
        try:
            self._migrate()
        except BaseException:
            self.close()
            raise

    # --- plumbing ---------------------------------------------------------------------------------

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            return psycopg.connect(
                self.url,
                autocommit=True,
                connect_timeout=max(1, round(self._connect_timeout)),
                application_name=self._application,
                # Whatever the server's default: a commit returns once it is durable (and, with
                # synchronous replication, on the replica), because a receipt follows it. And a
                # server cut off in the middle of a write transaction must not keep the write lock
                # (a standby could never take over): the database ends a transaction left idle.
                # The database notices a client gone silent in seconds too (its own keepalives).
                options=(
                    f"-c synchronous_commit=on -c idle_in_transaction_session_timeout={_IDLE_IN_TRANSACTION_MS}"
                    " -c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3"
                ),
                # A cut network is noticed in seconds, not after the kernel's two hours.
                keepalives=1,
                keepalives_idle=5,
                keepalives_interval=2,
                keepalives_count=3,
                tcp_user_timeout=5000,  # ms: data unacknowledged this long (a cut cable) fails the call
            )
        except psycopg.Error as exc:
            raise StoreError(
                f"cannot reach the station database {redact(self.url)}: {_first_line(exc)}; "
                "check that PostgreSQL is running and station.toml's store setting"
            ) from None

    def _error(self, action: str, exc: psycopg.Error) -> StoreError:
        text = _first_line(exc)
        where = f"station database {redact(self.url)}"
        if isinstance(exc, psycopg.errors.UniqueViolation):
            return StoreError(f"{where}: UNIQUE constraint failed ({text}) while trying to {action}")
        if isinstance(exc, psycopg.errors.ReadOnlySqlTransaction):
            return StoreError(
                f"{where} is a read-only replica ({text}) while trying to {action}; point station.toml's store at "
                "the primary, or promote this replica if the primary is lost (docs/operations.md, section 12)"
            )
        if isinstance(exc, psycopg.errors.DiskFull):
            return StoreError(
                f"{where}: the database server's disk is full while trying to {action}; nothing of this "
                "operation was stored; free disk space on the database server and retry"
            )
        if isinstance(exc, psycopg.OperationalError) or self._conn.closed:
            return StoreError(
                f"{where} is unreachable ({text}) while trying to {action}; nothing of this operation was "
                "stored unless it was the commit itself; check the database server and the network to it"
            )
        if isinstance(exc, psycopg.errors.DataCorrupted | psycopg.errors.IndexCorrupted):
            return StoreError(
                f"{where} is damaged ({text}) while trying to {action}; stop the station and restore the "
                "database from a backup or a replica"
            )
        return StoreError(f"{where}: {text} while trying to {action}")

    @contextlib.contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        if self._conn.closed:  # lost earlier: one new attempt per operation
            self._conn = self._connect()
            self._db = _Translated(self._conn)
        try:
            yield
        except psycopg.Error as exc:
            raise self._error(action, exc) from None

    @contextlib.contextmanager
    def _write(self, action: str, *, durable: bool = True) -> Iterator[Connection]:
        with self._guard(action):
            conn = self._conn
            conn.execute("BEGIN")
            try:
                if not durable:  # the server's WAL is in order: the next synchronous commit covers it
                    conn.execute("SET LOCAL synchronous_commit = off")
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                if self._fence_epoch is not None:
                    self._check_fence(conn, action)
                yield self._db
                changes = None
                if self._has_changes_table:
                    changes = conn.execute("UPDATE store_changes SET n = n + 1 WHERE id = 1 RETURNING n").fetchone()
                with commit_times.measure(durable):
                    conn.execute("COMMIT")
                if changes is not None and int(changes[0]) == self._changes + 1:
                    self._changes += 1  # nobody else wrote since the last look: this write is no news
            except BaseException:
                with contextlib.suppress(psycopg.Error):
                    conn.execute("ROLLBACK")
                raise

    def _check_fence(self, conn: psycopg.Connection[Any], action: str) -> None:
        row = conn.execute("SELECT epoch, server FROM leadership WHERE id = 1").fetchone()
        if row is None or int(row[0]) != self._fence_epoch:
            active = f"server {row[1]!r} (epoch {row[0]})" if row else "no server"
            raise FencedOff(
                f"this server is no longer the station's active server (it held epoch {self._fence_epoch}; "
                f"{active} is active now); it did not {action} and stops serving the line"
            )

    def fence(self, epoch: int | None) -> None:
        """From now on, write only while ``epoch`` is the leadership's epoch (None: always)."""
        self._fence_epoch = epoch

    def _batches(self, sql: str, params: Sequence[Any]) -> Iterator[list[Any]]:
        if self._conn.info.transaction_status != psycopg.pq.TransactionStatus.INTRANS:
            yield from super()._batches(sql, params)
            return
        # Inside a snapshot: a server-side cursor, so a whole ledger is never held in memory.
        self._cursors += 1
        with self._conn.cursor(name=f"detente_scan_{self._cursors}") as cursor:
            cursor.execute(sql.replace("%", "%%").replace("?", "%s"), params)
            while rows := cursor.fetchmany(4096):
                yield rows

    _has_changes_table = False

    def _migrate(self) -> None:
        known = migrations("postgresql")
        newest = max((n for n, _, _ in known), default=0)
        if self._applied_migrations(newest) >= {n for n, _, _ in known}:  # up to date: write nothing (a replica)
            self._has_changes_table = True
            return
        with self._write("apply migrations") as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL,"
                " applied_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP)"
            )
            applied = self._applied_migrations(newest)
            for number, name, sql in known:
                if number not in applied:
                    self._conn.execute(sql.encode())  # several statements, no parameters
                    db.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", (number, name))
        self._has_changes_table = True

    def _applied_migrations(self, newest: int) -> set[int]:
        if self._read("read schema version", "SELECT to_regclass('schema_migrations') IS NULL")[0][0]:
            return set()
        applied = {int(row[0]) for row in self._read("read schema version", "SELECT version FROM schema_migrations")}
        if applied and max(applied) > newest:
            raise StoreError(
                f"station database {redact(self.url)}: schema version {max(applied)} is newer than this "
                f"program knows ({newest}); upgrade détente"
            )
        return applied

    def close(self) -> None:
        with contextlib.suppress(psycopg.Error):
            self._conn.close()

    def schema_version(self) -> int:
        return int(self._read("read schema version", "SELECT MAX(version) FROM schema_migrations")[0][0] or 0)

    def changed_elsewhere(self) -> bool:
        changes = int(self._read("check for changes", "SELECT n FROM store_changes WHERE id = 1")[0][0])
        changed = changes != self._changes
        self._changes = changes
        return changed

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        with self._guard("start reading"):
            self._conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            # A long read (verifying a whole ledger) holds no write lock: no idle limit for it.
            self._conn.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
        try:
            yield
        finally:
            with contextlib.suppress(psycopg.Error):
                self._conn.execute("COMMIT")

    def database_health(self) -> dict[str, object]:
        """What ``detente status`` shows of the database: server version, whether it is a
        replica, its size and its round trip from here."""
        started = time.perf_counter()
        row = self._read(
            "check the database's health",
            "SELECT current_setting('server_version'), pg_is_in_recovery(), pg_database_size(current_database()),"
            " current_setting('synchronous_standby_names')",
        )[0]
        return {
            "engine": "postgresql",
            "url": redact(self.url),
            "server_version": row[0],
            "replica": bool(row[1]),
            "size_bytes": int(row[2]),
            "synchronous_replicas": str(row[3]) or None,
            "round_trip_ms": round((time.perf_counter() - started) * 1000, 2),
        }


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
