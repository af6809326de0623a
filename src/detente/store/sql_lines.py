"""Queries about lines of more than two stations, shared by the SQL engines: charter versions,
their signatures, and the messages of one group (one message's envelopes to several members)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .base import CharterRecord, MessageRecord
from .sql_base import MESSAGE_COLUMNS, SQLEngine, message_from_row

__all__ = ["CharterQueries"]

_CHARTER_COLUMNS = "name, version, hash, charter, state, stored_at, in_force_at"


def _charter(row: Sequence[Any]) -> CharterRecord:
    return CharterRecord(
        line=str(row[0]),
        version=int(str(row[1])),
        hash=str(row[2]),
        charter=bytes(row[3]),
        state=str(row[4]),
        stored_at=str(row[5]),
        in_force_at=None if row[6] is None else str(row[6]),
    )


class CharterQueries(SQLEngine):
    def save_charter(self, record: CharterRecord) -> bool:
        """Store a charter version as proposed; False if that version is already held (the same
        one, or a different one: the caller compares hashes)."""
        with self._write(f"store line {record.line} version {record.version}") as db:
            if db.execute(
                "SELECT 1 FROM lines WHERE name = ? AND version = ?", (record.line, record.version)
            ).fetchone():
                return False
            db.execute(
                "INSERT INTO lines (name, version, hash, charter, state, stored_at, in_force_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    record.line,
                    record.version,
                    record.hash,
                    record.charter,
                    record.state,
                    record.stored_at,
                    record.in_force_at,
                ),
            )
        return True

    def charters(self, line: str | None = None) -> list[CharterRecord]:
        if line is None:
            rows = self._read("read lines", f"SELECT {_CHARTER_COLUMNS} FROM lines ORDER BY name, version")
        else:
            rows = self._read(
                "read a line", f"SELECT {_CHARTER_COLUMNS} FROM lines WHERE name = ? ORDER BY version", (line,)
            )
        return [_charter(row) for row in rows]

    def put_charter_in_force(self, line: str, version: int, at: str) -> None:
        with self._write(f"put line {line} version {version} in force") as db:
            db.execute(
                "UPDATE lines SET state = 'superseded' WHERE name = ? AND version < ? AND state != 'superseded'",
                (line, version),
            )
            db.execute(
                "UPDATE lines SET state = 'in-force', in_force_at = ? WHERE name = ? AND version = ?",
                (at, line, version),
            )

    def add_charter_signature(
        self, line: str, version: int, charter_hash: str, station: str, message_id: str, at: str
    ) -> None:
        """Record that ``station`` signed the charter (idempotent: the first signature stands)."""
        with self._write(f"record a signature of line {line}") as db:
            if db.execute(
                "SELECT 1 FROM line_signatures WHERE name = ? AND version = ? AND station = ?", (line, version, station)
            ).fetchone():
                return
            db.execute(
                "INSERT INTO line_signatures (name, version, hash, station, message_id, signed_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (line, version, charter_hash, station, message_id, at),
            )

    def charter_signatures(self, line: str, version: int) -> list[tuple[str, str, str, str]]:
        """(station, charter hash, message id, signed at) of every signature of that version."""
        rows = self._read(
            "read line signatures",
            "SELECT station, hash, message_id, signed_at FROM line_signatures WHERE name = ? AND version = ?"
            " ORDER BY signed_at, station",
            (line, version),
        )
        return [(str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]

    def group_messages(self, group: str) -> list[MessageRecord]:
        """Every envelope of one line message (one per recipient), in storage order."""
        rows = self._read(
            "read a line message",
            f"SELECT {MESSAGE_COLUMNS} FROM messages m JOIN peers p ON p.station_id = m.peer"
            " WHERE m.line_group = ? ORDER BY m.rowid",
            (group,),
        )
        return [message_from_row(row[1:]) for row in rows]

    def line_groups(self, line: str, limit: int = 50) -> list[str]:
        """The newest message groups of a line, newest first."""
        rows = self._read(
            "read a line's messages",
            "SELECT line_group, MAX(rowid) AS newest FROM messages WHERE line_name = ? AND line_group IS NOT NULL"
            " GROUP BY line_group ORDER BY newest DESC LIMIT ?",
            (line, limit),
        )
        return [str(r[0]) for r in rows]

    def set_message_line_state(self, message_id: str, *, ack_needed: bool, refused: str | None) -> None:
        with self._write("mark a line message") as db:
            db.execute(
                "UPDATE messages SET ack_needed = ?, refused = ? WHERE id = ?",
                (int(ack_needed), refused, message_id),
            )
