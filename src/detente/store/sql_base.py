"""What the SQL engines share: a connection as the queries see it, the plumbing every engine
provides, and the conversion of rows into records.

The queries (``sql_line``, ``sql_people``) are written once, in the SQL that SQLite and
PostgreSQL both understand, with ``?`` placeholders; an engine (``sqlite``, ``postgres``)
supplies the connection, transactions, migrations and the translation of its errors into
:class:`StoreError` messages that say what happened and what to do.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol

from ..protocol.envelope import Envelope
from .base import AwaitingRecord, MessageRecord, OperatorRecord, Store
from .ledger_sql import SCAN_BATCH, append_entries

__all__ = [
    "ACKNOWLEDGEMENT",
    "ACKNOWLEDGEMENTS_FROM",
    "SERVICE_KINDS",
    "Connection",
    "Cursor",
    "ENTRY_COLUMNS",
    "ENTRY_DATA",
    "MESSAGE_COLUMNS",
    "OPERATOR_COLUMNS",
    "SQLEngine",
    "TOKEN_COLUMNS",
    "awaiting_columns",
    "awaiting_from_row",
    "mark_acknowledged",
    "message_from_row",
    "operator_from_row",
]


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def fetchmany(self, size: int = ..., /) -> list[Any]: ...


class Connection(Protocol):
    """A database connection: ``?`` placeholders, rows as sequences."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Any: ...


class SQLEngine(Store):
    """The plumbing the shared queries stand on."""

    _db: Connection
    """The connection reads go through (writes get theirs from :meth:`_write`)."""
    _string_agg = "group_concat"
    """The aggregate that joins strings with a separator (``string_agg`` in PostgreSQL)."""

    @abc.abstractmethod
    def _guard(self, action: str) -> contextlib.AbstractContextManager[None]:
        """Turn the engine's errors inside the block into StoreErrors about ``action``."""

    @abc.abstractmethod
    def _write(self, action: str, *, durable: bool = True) -> contextlib.AbstractContextManager[Connection]:
        """One write transaction, serialized with every other writer of the database.

        ``durable=False`` is for bookkeeping that nothing is promised on (when a message went out,
        the link's status): the commit returns without waiting for the disk, and the next durable
        commit makes it durable with everything before it (the engines' logs are written in
        order), so a crash loses at most such bookkeeping, never a message or a receipt."""

    def _read(self, action: str, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._guard(action):
            return self._db.execute(sql, params).fetchall()

    def _batches(self, sql: str, params: Sequence[Any]) -> Iterator[list[Any]]:
        """The rows of a query, in batches, without holding them all (a whole ledger can be
        millions of rows)."""
        cursor = self._db.execute(sql, params)
        while rows := cursor.fetchmany(SCAN_BATCH):
            yield rows

    def _scan(self, action: str, rows: Callable[[], Iterator[Any]]) -> Iterator[Any]:
        with self._guard(action):
            yield from rows()

    def _add_record(self, db: Connection, peer: str, record_id: str, event: str, at: str, data: bytes) -> int:
        db.execute(
            "INSERT INTO records (id, peer, event, at, data) VALUES (?, ?, ?, ?, ?)", (record_id, peer, event, at, data)
        )
        return append_entries(db, peer, [("record", record_id, data)])


ACKNOWLEDGEMENT = "acknowledgement"
SERVICE_KINDS = ("watch-roster",)
"""Kinds a station sends on its own to keep its peers informed (who is on watch), left out of
message lists unless asked for by kind."""
MESSAGE_COLUMNS = (
    "m.rowid, m.id, m.direction, m.peer, p.party, m.seq, m.kind, m.precedence, m.created_at, m.envelope,"
    " m.envelope_hash, m.state, m.stored_at, m.sent_at, m.receipt, m.receipted_at, m.delivered_at,"
    " m.ack_id, m.acked_at, m.acked_by, m.line_name, m.line_group, m.ack_needed, m.refused"
)
TOKEN_COLUMNS = "id, token_hash, operator, created_at, expires_at, revoked_at, last_used_at"
OPERATOR_COLUMNS = "name, role, password_hash, totp_secret, must_change, created_at, disabled_at"


def awaiting_columns(string_agg: str) -> str:
    return (
        "m.id, m.direction, m.peer, p.party, m.kind, m.precedence, m.stored_at, m.delivered_at, m.acked_at,"
        f" m.acked_by, (SELECT {string_agg}(step, ' ') FROM escalations e WHERE e.message_id = m.id),"
        " (SELECT a.rowid FROM messages a WHERE a.id = m.ack_id), m.rowid"
    )


ACKNOWLEDGEMENTS_FROM = "COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'acknowledgements_from'), 0)"
"""Messages up to this row were stored before the station knew acknowledgements (migration 3
records it): they need none, and an upgraded station does not page its supervisors for its
whole history."""


def operator_from_row(row: Sequence[Any]) -> OperatorRecord:
    return OperatorRecord(row[0], row[1], row[2], row[3], bool(row[4]), row[5], row[6])


def awaiting_from_row(row: Sequence[Any]) -> AwaitingRecord:
    return AwaitingRecord(
        id=row[0],
        direction=row[1],
        peer=row[2],
        party=row[3],
        kind=row[4],
        precedence=row[5],
        stored_at=row[6],
        delivered_at=row[7],
        acked_at=row[8],
        acked_by=row[9],
        steps=frozenset((row[10] or "").split()),
        ack_rowid=row[11],
        row=row[12],
    )


def mark_acknowledged(db: Connection, envelope: Envelope, acknowledged_direction: str) -> None:
    """An acknowledgement envelope marks the message it acknowledges, on the same line and in the
    other direction, once (the first acknowledgement stands)."""
    if envelope.kind != ACKNOWLEDGEMENT:
        return
    body = envelope.body
    target, operator, at = body.get("acknowledges"), body.get("operator"), body.get("at")
    if not (isinstance(target, str) and isinstance(operator, str) and isinstance(at, str)):
        return
    named = body.get("envelope")  # the hash of the envelope acknowledged: it must be the one held
    if named is not None and not isinstance(named, str):
        return
    peer = envelope.recipient if acknowledged_direction == "in" else envelope.sender
    db.execute(
        "UPDATE messages SET ack_id = ?, acked_at = ?, acked_by = ? WHERE id = ? AND peer = ? AND direction = ?"
        " AND acked_at IS NULL AND kind != ? AND (CAST(? AS TEXT) IS NULL OR envelope_hash = ?)",
        (envelope.id, at, operator, target, peer, acknowledged_direction, ACKNOWLEDGEMENT, named, named),
    )


ENTRY_COLUMNS: dict[str, tuple[str, str, str | None]] = {
    "envelope-out": ("envelope", "messages", "out"),
    "envelope-in": ("envelope", "messages", "in"),
    "receipt-in": ("receipt", "messages", "out"),
    "receipt-out": ("receipt", "messages", "in"),
    "record": ("data", "records", None),
}
"""Where the bytes of each kind of log entry are kept: column, table, direction of the message."""

ENTRY_DATA = {
    kind: f"SELECT {column} FROM {table} WHERE peer = ? AND id = ?"
    + ("" if direction is None else f" AND direction = '{direction}'")
    for kind, (column, table, direction) in ENTRY_COLUMNS.items()
}


def message_from_row(row: Sequence[Any]) -> MessageRecord:
    return MessageRecord(
        id=row[0],
        direction=row[1],
        peer=row[2],
        peer_party=row[3],
        seq=row[4],
        kind=row[5],
        precedence=row[6],
        created_at=row[7],
        envelope=bytes(row[8]),
        envelope_hash=row[9],
        state=row[10],
        stored_at=row[11],
        sent_at=row[12],
        receipt=bytes(row[13]) if row[13] is not None else None,
        receipted_at=row[14],
        delivered_at=row[15],
        ack_id=row[16],
        acked_at=row[17],
        acked_by=row[18],
        line_name=row[19],
        line_group=row[20],
        ack_needed=bool(row[21]),
        refused=row[22],
    )
