"""Which of a station's servers is active: a lease in PostgreSQL, on the database's clock.

The active server renews its lease several times a second. A standby takes over once the lease
has not been renewed for ``lease`` seconds (the active server died, froze, or lost its network
to the database), and raises the epoch as it does; every write of a store fenced with an older
epoch is then refused (see :class:`~detente.store.postgres.PostgresStore`), so a server that
wakes up after losing its turn cannot change anything. Only the database's clock is read: the
servers' clocks may disagree without harm.
"""

from __future__ import annotations

import contextlib
import datetime
from dataclasses import dataclass

import psycopg
import psycopg.errors

from .postgres import WRITE_LOCK, PostgresStore

__all__ = ["LEASE", "Leader", "Leadership", "read_leader"]

_STUCK_SECONDS = 1.0
"""A write transaction idle this long, once the lease has lapsed, is a former server's, stuck."""
LEASE = 2.5
"""Seconds without a renewal after which a standby takes over: with the standby looking four
times a second, a dead active server is replaced within three seconds."""


@dataclass(frozen=True)
class Leader:
    """The leadership as the database holds it."""

    server: str
    """The active server's name ("" before any server was active)."""
    epoch: int
    console: str
    """The active server's console address (HOST:PORT, "" for none)."""
    since: datetime.datetime
    renewed_at: datetime.datetime
    now: datetime.datetime
    """The database's time when this was read."""
    lease: float

    @property
    def live(self) -> bool:
        """Whether the active server renewed its lease within the last ``lease`` seconds."""
        return bool(self.server) and (self.now - self.renewed_at).total_seconds() < self.lease


class Leadership:
    """One server's side of the lease: claim it, renew it, hand it back."""

    def __init__(self, url: str, server: str, *, lease: float = LEASE) -> None:
        self.server = server
        self.lease = lease
        self._store = PostgresStore(url, application=f"detente leadership {server}")

    def close(self) -> None:
        self._store.close()

    def claim(self, console: str) -> int | None:
        """Take over if no server holds a live lease; return the new epoch, or None."""
        store = self._store
        with store._guard("take over as the station's active server"):
            conn = store._conn
            conn.execute("BEGIN")
            try:
                conn.execute("SET LOCAL lock_timeout = '1s'")
                row = conn.execute(
                    "SELECT renewed_at < clock_timestamp() - make_interval(secs => %s) FROM leadership WHERE id = 1",
                    (self.lease,),
                ).fetchone()
                if row is None or not row[0]:
                    conn.execute("ROLLBACK")
                    return None
                # The lease lapsed. A write transaction of the former active server that stands
                # idle (it froze, or its network was cut half-way through a statement, so the
                # database still waits for the rest) holds the write lock: end its session.
                conn.execute(
                    "SELECT pg_terminate_backend(a.pid) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid"
                    " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = %s"
                    " AND a.state LIKE 'idle in transaction%%' AND a.pid <> pg_backend_pid()"
                    " AND a.state_change < clock_timestamp() - make_interval(secs => %s)",
                    (WRITE_LOCK, _STUCK_SECONDS),
                )
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                row = conn.execute(
                    "UPDATE leadership SET epoch = epoch + 1, server = %s, console = %s, since = clock_timestamp(),"
                    " renewed_at = clock_timestamp()"
                    " WHERE id = 1 AND renewed_at < clock_timestamp() - make_interval(secs => %s) RETURNING epoch",
                    (self.server, console, self.lease),
                ).fetchone()
                conn.execute("UPDATE store_changes SET n = n + 1 WHERE id = 1")
                conn.execute("COMMIT")
            except psycopg.errors.LockNotAvailable:  # still held: look again next time
                conn.execute("ROLLBACK")
                return None
            except BaseException:
                with contextlib.suppress(psycopg.Error):
                    conn.execute("ROLLBACK")
                raise
        return None if row is None else int(row[0])

    def renew(self, epoch: int) -> bool:
        """Renew the lease of ``epoch``; False once another server has taken over."""
        rows = self._store._read(
            "renew the active server's lease",
            "UPDATE leadership SET renewed_at = clock_timestamp() WHERE id = 1 AND epoch = ? RETURNING epoch",
            (epoch,),
        )
        return bool(rows)

    def resign(self, epoch: int) -> None:
        """Hand the lease back at once (an orderly stop): a standby need not wait for it to expire."""
        self._store._read(
            "hand over to a standby server",
            "UPDATE leadership SET renewed_at = 'epoch' WHERE id = 1 AND epoch = ? RETURNING epoch",
            (epoch,),
        )

    def current(self) -> Leader:
        return read_leader(self._store, self.lease)


def read_leader(store: PostgresStore, lease: float = LEASE) -> Leader:
    row = store._read(
        "read which server is active",
        "SELECT server, epoch, console, since, renewed_at, clock_timestamp() FROM leadership WHERE id = 1",
    )[0]
    return Leader(str(row[0]), int(row[1]), str(row[2]), row[3], row[4], row[5], lease)
