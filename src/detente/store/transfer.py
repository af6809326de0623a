"""Moving a station's whole history from its SQLite file into PostgreSQL, byte for byte.

Every table is copied row by row in one PostgreSQL transaction (all or nothing), storage order
included (SQLite's rowid becomes the ``rowid`` column), so that the ledger, whose entries name
messages and records by id and whose leaves are hashes of the stored bytes, is the same ledger
afterwards: same leaves, same roots, same signed checkpoints. The copy is then compared with
the source, table by table and log by log, before anyone is told it worked.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import StoreError
from ..ledger.merkle import root_hash
from .postgres import PostgresStore, redact
from .sql_base import Connection
from .sqlite import SQLiteStore, migrations

__all__ = ["TABLES", "Transferred", "transfer"]

TABLES = (
    "meta",
    "peers",
    "messages",
    "link_status",
    "journal",
    "ledger_entries",
    "ledger_nodes",
    "records",
    "peer_log",
    "peer_log_nodes",
    "checkpoints",
    "alarms",
    "operators",
    "escalations",
    "sessions",
    "login_failures",
    "totp_steps",
    "translations",
    "api_tokens",
    "lines",
    "line_signatures",
    "station_alarms",
    "supervisor_notices",
)
"""Every table of a station, in an order that satisfies their references."""
_ROWID_TABLES = ("messages", "records")
_BATCH = 1000


@dataclass(frozen=True)
class Transferred:
    station_id: str
    rows: dict[str, int]
    """Rows copied, by table."""
    logs: dict[str, tuple[int, str]]
    """Per line (the peer's party) and log ("own"/"peer"): its size and root, the same on both sides."""


def transfer(source: SQLiteStore, target: PostgresStore) -> Transferred:
    """Copy every row of ``source`` into the empty ``target`` and check the copy."""
    station = source.get_meta("station_id")
    if station is None:
        raise StoreError(f"{source.path} holds no station; nothing to move")
    held = target.get_meta("station_id")
    if held is not None or target.peers():
        raise StoreError(
            f"database {redact(target.url)} already holds station {held}; move a station only into an empty "
            "database (create one with `createdb`)"
        )
    if source.schema_version() > _newest_sqlite():
        raise StoreError(f"{source.path} is from a newer détente; upgrade before moving it")
    db = source._db
    rows: dict[str, int] = {}
    with source.snapshot(), target._write("move the station's history") as pg:
        for table in TABLES:
            columns = _columns(db, table)
            if table in _ROWID_TABLES:
                columns = ["rowid", *columns]
            names = ", ".join(columns)
            insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in columns)})"
            cursor = db.execute(f"SELECT {names} FROM {table} ORDER BY rowid")
            count = 0
            while batch := cursor.fetchmany(_BATCH):
                pg.executemany(insert, batch)
                count += len(batch)
            rows[table] = count
        _restart_identities(pg)
    logs = _compare(source, target, rows)
    return Transferred(station, rows, logs)


def _columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [str(row[1]) for row in db.execute(f"PRAGMA table_info({table})")]


def _newest_sqlite() -> int:
    return max(number for number, _, _ in migrations("sqlite"))


def _restart_identities(pg: Connection) -> None:
    """Generated ids continue after the copied ones."""
    identities = pg.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND is_identity = 'YES'"
    ).fetchall()
    for table, column in identities:
        pg.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
            f" COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
        )


def _compare(source: SQLiteStore, target: PostgresStore, rows: dict[str, int]) -> dict[str, tuple[int, str]]:
    """The copy, checked: row counts, every log's size and root, and the bytes of every message,
    receipt, record and checkpoint."""
    for table, count in rows.items():
        held = int(target._read("count a moved table", f"SELECT COUNT(*) FROM {table}")[0][0])
        if held != count:
            raise StoreError(f"moving table {table}: {count} rows read but {held} found afterwards")
    logs: dict[str, tuple[int, str]] = {}
    for peer in source.peers():
        line = peer.station_id
        for log in ("own", "peer"):
            before, after = source.log_nodes(log, line), target.log_nodes(log, line)
            root = root_hash(before)
            if before.size() != after.size() or root != root_hash(after):
                raise StoreError(f"moving the {log} log of the line with {peer.party}: the copy's root differs")
            logs[f"{peer.party}/{log}"] = (before.size(), root.hex())
            if list(source.scan_checkpoints(log, line)) != list(target.scan_checkpoints(log, line)):
                raise StoreError(f"moving the {log} checkpoints of the line with {peer.party}: the copies differ")
        pairs: list[tuple[str, Iterator[list[Any]], Iterator[list[Any]]]] = [
            ("messages", source.scan_messages(line), target.scan_messages(line)),
            ("records", source.scan_records(line), target.scan_records(line)),
        ]
        for what, mine, copied in pairs:
            for a, b in itertools.zip_longest(
                itertools.chain.from_iterable(mine), itertools.chain.from_iterable(copied)
            ):
                if a is None or b is None or tuple(a) != tuple(b):
                    which = (a or b or ("?",))[0]
                    raise StoreError(f"moving the {what} of the line with {peer.party}: {which} differs in the copy")
    return logs
