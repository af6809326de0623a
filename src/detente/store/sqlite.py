"""The SQLite engine: one file, WAL journal, full fsync on commit, short named transactions.

Several processes may open the same database (``detente serve`` and the CLI's ``send``);
each write transaction starts with ``BEGIN IMMEDIATE`` so that sequence numbers are allocated
by exactly one writer at a time. Every SQLite failure is turned into a StoreError that says
what happened to which file and what to do.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import StoreError
from ..ledger.merkle import NodeSource
from ..protocol.canonical import parse_json
from ..protocol.envelope import GENESIS_HASH, Envelope, Receipt
from ..protocol.link import ReceiveCursor
from .base import (
    AlarmRecord,
    AwaitingRecord,
    CheckpointRecord,
    Direction,
    EscalationRecord,
    ExchangeCounts,
    JournalEntry,
    LinkStatus,
    LogName,
    MessageRecord,
    OperatorRecord,
    PeerRecord,
    SessionRecord,
    Store,
    TokenRecord,
    TranslationRecord,
)
from .ledger_sql import (
    LedgerLeaf,
    LoggedEntry,
    MessageRow,
    SQLNodes,
    append_entries,
    append_leaves,
    log_size,
    read_leaves,
    scan_log,
    scan_messages,
    scan_nodes,
    scan_records,
)

__all__ = ["SQLiteStore"]

_MESSAGE_COLUMNS = (
    "m.rowid, m.id, m.direction, m.peer, p.party, m.seq, m.kind, m.precedence, m.created_at, m.envelope,"
    " m.envelope_hash, m.state, m.stored_at, m.sent_at, m.receipt, m.receipted_at, m.delivered_at,"
    " m.ack_id, m.acked_at, m.acked_by"
)


def _migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("detente.store") / "migrations" / "sqlite"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number = int(entry.name.split("_", 1)[0])
            found.append((number, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


class SQLiteStore(Store):
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
    def _write(self, action: str) -> Iterator[sqlite3.Connection]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self._error(action, exc) from None
        try:
            yield self._db
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise self._error(action, exc) from None
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise

    def _read(self, action: str, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise self._error(action, exc) from None

    def _migrate(self) -> None:
        with self._write("apply migrations") as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations"
                " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
            )
            applied = {row[0] for row in db.execute("SELECT version FROM schema_migrations")}
            known = _migrations()
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

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.close()

    def schema_version(self) -> int:
        return int(self._read("read schema version", "SELECT MAX(version) FROM schema_migrations")[0][0] or 0)

    # --- station and peers -----------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        rows = self._read("read station metadata", "SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def set_meta(self, key: str, value: str) -> None:
        with self._write("write station metadata") as db:
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = ?",
                (key, value, value),
            )

    def add_peer(self, peer: PeerRecord) -> None:
        with self._write(f"pin peer {peer.party}") as db:
            clash = db.execute(
                "SELECT station_id, party FROM peers WHERE station_id = ? OR party = ?", (peer.station_id, peer.party)
            ).fetchone()
            if clash:
                raise StoreError(
                    f"a peer for party {clash[1]} (station {clash[0]}) is already pinned; "
                    "a station has one peer per party"
                )
            db.execute(
                "INSERT INTO peers (station_id, party, name, card, fingerprint, added_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    peer.station_id,
                    peer.party,
                    peer.name,
                    json.dumps(peer.card, ensure_ascii=False),
                    peer.fingerprint,
                    peer.added_at,
                ),
            )

    def peers(self) -> list[PeerRecord]:
        rows = self._read(
            "list peers", "SELECT station_id, party, name, card, fingerprint, added_at FROM peers ORDER BY party"
        )
        return [PeerRecord(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5]) for r in rows]

    # --- outgoing --------------------------------------------------------------------------------

    def append_outgoing(self, peer: str, build: Callable[[int, str], Envelope], stored_at: str) -> Envelope:
        with self._write("queue an outgoing message") as db:
            last = db.execute(
                "SELECT seq, envelope_hash FROM messages WHERE peer = ? AND direction = 'out'"
                " ORDER BY seq DESC LIMIT 1",
                (peer,),
            ).fetchone()
            seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
            envelope = build(seq, prev)
            db.execute(
                "INSERT INTO messages (id, direction, peer, seq, kind, precedence, created_at, envelope,"
                " envelope_hash, state, stored_at) VALUES (?, 'out', ?, ?, ?, ?, ?, ?, ?, 'queued', ?)",
                (
                    envelope.id,
                    peer,
                    envelope.seq,
                    envelope.kind,
                    envelope.precedence.value,
                    envelope.created,
                    envelope.canonical,
                    envelope.hash,
                    stored_at,
                ),
            )
            append_entries(db, peer, [("envelope-out", envelope.id, envelope.canonical)])
            _mark_acknowledged(db, envelope, acknowledged_direction="in")
        return envelope

    def outgoing_after(self, peer: str, after_seq: int, limit: int) -> list[Envelope]:
        rows = self._read(
            "load outgoing messages",
            "SELECT envelope FROM messages WHERE peer = ? AND direction = 'out' AND seq > ? ORDER BY seq LIMIT ?",
            (peer, after_seq, limit),
        )
        return [Envelope.from_json(parse_json(bytes(row[0]))) for row in rows]

    def receipted_through(self, peer: str) -> int:
        rows = self._read(
            "find the first undelivered message",
            "SELECT MIN(seq) FROM messages WHERE peer = ? AND direction = 'out' AND receipt IS NULL",
            (peer,),
        )
        if rows[0][0] is not None:
            return int(rows[0][0]) - 1
        rows = self._read(
            "find the last message", "SELECT MAX(seq) FROM messages WHERE peer = ? AND direction = 'out'", (peer,)
        )
        return int(rows[0][0] or 0)

    def mark_sent(self, ids: Sequence[str], at: str) -> None:
        if not ids:
            return
        with self._write("mark messages sent") as db:
            db.executemany(
                "UPDATE messages SET sent_at = ?, state = CASE state WHEN 'queued' THEN 'sent' ELSE state END"
                " WHERE id = ? AND sent_at IS NULL",
                [(at, message_id) for message_id in ids],
            )

    def store_receipts(self, receipts: Sequence[Receipt], at: str) -> int:
        stored = 0
        with self._write("store receipts") as db:
            for receipt in receipts:
                cursor = db.execute(
                    "UPDATE messages SET receipt = ?, receipted_at = ?, delivered_at = ?, state = 'delivered'"
                    " WHERE id = ? AND direction = 'out' AND envelope_hash = ? AND receipt IS NULL",
                    (receipt.canonical, receipt.received, at, receipt.message_id, receipt.envelope_hash),
                )
                if cursor.rowcount:
                    append_entries(db, receipt.sender, [("receipt-in", receipt.message_id, receipt.canonical)])
                stored += cursor.rowcount
        return stored

    # --- incoming --------------------------------------------------------------------------------

    def receive_cursor(self, peer: str) -> ReceiveCursor:
        rows = self._read(
            "read the receiving position",
            "SELECT seq, envelope_hash FROM messages WHERE peer = ? AND direction = 'in' ORDER BY seq DESC LIMIT 1",
            (peer,),
        )
        return ReceiveCursor(rows[0][0] + 1, rows[0][1]) if rows else ReceiveCursor()

    def store_incoming(self, items: Sequence[tuple[Envelope, Receipt]], at: str) -> None:
        if not items:
            return
        with self._write("store received messages") as db:
            db.executemany(
                "INSERT INTO messages (id, direction, peer, seq, kind, precedence, created_at, envelope,"
                " envelope_hash, state, stored_at, receipt, receipted_at)"
                " VALUES (?, 'in', ?, ?, ?, ?, ?, ?, ?, 'received', ?, ?, ?)",
                [
                    (
                        e.id,
                        e.sender,
                        e.seq,
                        e.kind,
                        e.precedence.value,
                        e.created,
                        e.canonical,
                        e.hash,
                        at,
                        r.canonical,
                        r.received,
                    )
                    for e, r in items
                ],
            )
            for e, r in items:
                append_entries(db, e.sender, [("envelope-in", e.id, e.canonical), ("receipt-out", e.id, r.canonical)])
                _mark_acknowledged(db, e, acknowledged_direction="out")

    def incoming_receipt(self, peer: str, seq: int) -> tuple[str, bytes] | None:
        rows = self._read(
            "look up a stored receipt",
            "SELECT envelope_hash, receipt FROM messages WHERE peer = ? AND direction = 'in' AND seq = ?",
            (peer, seq),
        )
        return (rows[0][0], bytes(rows[0][1])) if rows else None

    # --- reading -----------------------------------------------------------------------------------

    def messages(
        self, direction: Direction, *, after_rowid: int = 0, limit: int | None = None
    ) -> list[tuple[int, MessageRecord]]:
        rows = self._read(
            "list messages",
            f"SELECT {_MESSAGE_COLUMNS} FROM messages m JOIN peers p ON p.station_id = m.peer"
            " WHERE m.direction = ? AND m.rowid > ? ORDER BY m.rowid LIMIT ?",
            (direction, after_rowid, -1 if limit is None else limit),
        )
        return [(row[0], _record(row[1:])) for row in rows]

    def message(self, message_id: str) -> MessageRecord | None:
        rows = self._read(
            "read a message",
            f"SELECT {_MESSAGE_COLUMNS} FROM messages m JOIN peers p ON p.station_id = m.peer WHERE m.id = ?",
            (message_id,),
        )
        return _record(rows[0][1:]) if rows else None

    def queue_depth(self, peer: str) -> int:
        rows = self._read(
            "count undelivered messages",
            "SELECT COUNT(*) FROM messages WHERE peer = ? AND direction = 'out' AND receipt IS NULL",
            (peer,),
        )
        return int(rows[0][0])

    def changed_elsewhere(self) -> bool:
        version = int(self._read("check for changes", "PRAGMA data_version")[0][0])
        changed = version != self._data_version
        self._data_version = version
        return changed

    # --- link status and journal -----------------------------------------------------------------

    def save_link_status(self, status: LinkStatus) -> None:
        with self._write("save link status") as db:
            db.execute(
                "INSERT OR REPLACE INTO link_status (peer, state, since, detail, round_trip, clock_offset,"
                " last_heartbeat, updated_at, serve_pid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    status.peer,
                    status.state,
                    status.since,
                    status.detail,
                    status.round_trip,
                    status.clock_offset,
                    status.last_heartbeat,
                    status.updated_at,
                    status.serve_pid,
                ),
            )

    def link_statuses(self) -> list[LinkStatus]:
        rows = self._read(
            "read link status",
            "SELECT peer, state, since, detail, round_trip, clock_offset, last_heartbeat, updated_at, serve_pid"
            " FROM link_status ORDER BY peer",
        )
        return [LinkStatus(*row) for row in rows]

    def journal(self, event: str, detail: str, at: str, peer: str | None = None) -> None:
        with self._write("write the journal") as db:
            db.execute("INSERT INTO journal (at, event, peer, detail) VALUES (?, ?, ?, ?)", (at, event, peer, detail))

    def journal_entries(self, *, after_id: int = 0, limit: int = 1000) -> list[JournalEntry]:
        rows = self._read(
            "read the journal",
            "SELECT id, at, event, peer, detail FROM journal WHERE id > ? ORDER BY id LIMIT ?",
            (after_id, limit),
        )
        return [JournalEntry(*row) for row in rows]

    # --- the ledger ------------------------------------------------------------------------------

    def log_size(self, log: LogName, peer: str) -> int:
        try:
            return log_size(self._db, log, peer)
        except sqlite3.Error as exc:
            raise self._error("read the size of a log", exc) from None

    def ledger_leaves(self, peer: str, start: int, end: int, log: LogName = "own") -> list[LedgerLeaf]:
        try:
            return read_leaves(self._db, log, peer, start, end)
        except sqlite3.Error as exc:
            raise self._error("read log entries", exc) from None

    def log_nodes(self, log: LogName, peer: str) -> NodeSource:
        try:
            return SQLNodes(self._db, log, peer)
        except sqlite3.Error as exc:
            raise self._error("read a log", exc) from None

    def entry_data(self, peer: str, leaf: LedgerLeaf) -> bytes | None:
        rows = self._read("read a log entry", _ENTRY_DATA[leaf.kind], (peer, leaf.ref))
        return bytes(rows[0][0]) if rows and rows[0][0] is not None else None

    def entry_for(self, peer: str, kind: str, ref: str) -> bytes | None:
        return self.entry_data(peer, LedgerLeaf(-1, kind, ref, b""))

    def peer_log_counts(self, peer: str) -> dict[str, int]:
        rows = self._read(
            "count the peer's log", "SELECT kind, COUNT(*) FROM peer_log WHERE peer = ? GROUP BY kind", (peer,)
        )
        return {str(kind): int(count) for kind, count in rows}

    def exchange_counts(self, peer: str) -> ExchangeCounts:
        rows = self._read(
            "count messages",
            "SELECT SUM(direction = 'in'), SUM(direction = 'out' AND receipt IS NOT NULL) FROM messages WHERE peer = ?",
            (peer,),
        )
        return ExchangeCounts(int(rows[0][0] or 0), int(rows[0][1] or 0))

    def append_peer_log(self, peer: str, start: int, leaves: Sequence[tuple[str, str, bytes]]) -> None:
        with self._write("record the peer's log") as db:
            size = log_size(db, "peer", peer)
            if start > size:
                raise StoreError(f"the peer's log is held up to {size} leaves; cannot add leaves from {start}")
            held = read_leaves(db, "peer", peer, start, size)
            for old, (kind, ref, leaf) in zip(held, leaves, strict=False):
                if (old.kind, old.ref, old.leaf) != (kind, ref, leaf):
                    raise StoreError(f"leaf {old.idx} of the peer's log differs from the one already held")
            append_leaves(db, "peer", peer, list(leaves[size - start :]))

    def add_record(self, peer: str, record_id: str, event: str, at: str, data: bytes) -> int:
        with self._write("store a record") as db:
            return self._add_record(db, peer, record_id, event, at, data)

    def _add_record(self, db: sqlite3.Connection, peer: str, record_id: str, event: str, at: str, data: bytes) -> int:
        db.execute(
            "INSERT INTO records (id, peer, event, at, data) VALUES (?, ?, ?, ?, ?)", (record_id, peer, event, at, data)
        )
        return append_entries(db, peer, [("record", record_id, data)])

    def add_alarm(self, peer: str | None, kind: str, detail: str, at: str, record: tuple[str, bytes] | None) -> int:
        with self._write("record an alarm") as db:
            if record is not None and peer is not None:
                self._add_record(db, peer, record[0], kind, at, record[1])
            cursor = db.execute(
                "INSERT INTO alarms (peer, at, kind, detail, record) VALUES (?, ?, ?, ?, ?)",
                (peer, at, kind, detail, record[0] if record else None),
            )
            return int(cursor.lastrowid or 0)

    def alarms(self, *, after_id: int = 0) -> list[AlarmRecord]:
        rows = self._read(
            "read alarms", "SELECT id, peer, at, kind, detail, record FROM alarms WHERE id > ? ORDER BY id", (after_id,)
        )
        return [AlarmRecord(*row) for row in rows]

    def save_checkpoint(self, checkpoint: CheckpointRecord) -> None:
        with self._write("store a checkpoint") as db:
            row = db.execute(
                "SELECT root FROM checkpoints WHERE log = ? AND peer = ? AND size = ?",
                (checkpoint.log, checkpoint.peer, checkpoint.size),
            ).fetchone()
            if row is not None and bytes(row[0]) != checkpoint.root:
                raise StoreError(
                    f"a different {checkpoint.log} checkpoint of size {checkpoint.size} is already held for "
                    f"{checkpoint.peer}"
                )
            db.execute(
                "INSERT INTO checkpoints (log, peer, size, root, note, created_at, cosigned_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (log, peer, size) DO UPDATE SET note = excluded.note,"
                " cosigned_at = COALESCE(checkpoints.cosigned_at, excluded.cosigned_at)",
                (
                    checkpoint.log,
                    checkpoint.peer,
                    checkpoint.size,
                    checkpoint.root,
                    checkpoint.note,
                    checkpoint.created_at,
                    checkpoint.cosigned_at,
                ),
            )

    def checkpoints(self, log: LogName, peer: str) -> list[CheckpointRecord]:
        rows = self._read(
            "read checkpoints",
            "SELECT log, peer, size, root, note, created_at, cosigned_at FROM checkpoints"
            " WHERE log = ? AND peer = ? ORDER BY size",
            (log, peer),
        )
        return [CheckpointRecord(r[0], r[1], int(r[2]), bytes(r[3]), r[4], r[5], r[6]) for r in rows]

    def checkpoint(self, log: LogName, peer: str, size: int) -> CheckpointRecord | None:
        rows = self._read(
            "read a checkpoint",
            "SELECT log, peer, size, root, note, created_at, cosigned_at FROM checkpoints"
            " WHERE log = ? AND peer = ? AND size = ?",
            (log, peer, size),
        )
        if not rows:
            return None
        r = rows[0]
        return CheckpointRecord(r[0], r[1], int(r[2]), bytes(r[3]), r[4], r[5], r[6])

    # --- reading a whole ledger ------------------------------------------------------------------

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

    def _scan(self, action: str, rows: Callable[[], Iterator[Any]]) -> Iterator[Any]:
        try:
            yield from rows()
        except sqlite3.Error as exc:
            raise self._error(action, exc) from None

    def scan_log(self, log: LogName, peer: str) -> Iterator[list[LoggedEntry]]:
        return self._scan("read a log", lambda: scan_log(self._db, log, peer))

    def scan_log_nodes(self, log: LogName, peer: str) -> Iterator[list[tuple[int, int, bytes]]]:
        return self._scan("read a log's tree", lambda: scan_nodes(self._db, log, peer))

    def scan_checkpoints(self, log: LogName, peer: str) -> Iterator[CheckpointRecord]:
        def rows() -> Iterator[CheckpointRecord]:
            for r in self._db.execute(
                "SELECT log, peer, size, root, note, created_at, cosigned_at FROM checkpoints"
                " WHERE log = ? AND peer = ? ORDER BY size",
                (log, peer),
            ):
                yield CheckpointRecord(r[0], r[1], int(r[2]), bytes(r[3]), r[4], r[5], r[6])

        return self._scan("read checkpoints", rows)

    def scan_messages(self, peer: str) -> Iterator[list[MessageRow]]:
        return self._scan("read messages", lambda: scan_messages(self._db, peer))

    def scan_records(self, peer: str) -> Iterator[list[tuple[str, bytes]]]:
        return self._scan("read records", lambda: scan_records(self._db, peer))

    # --- operators, acknowledgements, escalation ------------------------------------------------------

    def add_operator(self, operator: OperatorRecord) -> None:
        with self._write(f"create operator {operator.name}") as db:
            if db.execute("SELECT 1 FROM operators WHERE name = ?", (operator.name,)).fetchone():
                raise StoreError(f"an operator named {operator.name!r} already exists")
            db.execute(
                "INSERT INTO operators (name, role, password_hash, totp_secret, must_change, created_at, disabled_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    operator.name,
                    operator.role,
                    operator.password_hash,
                    operator.totp_secret,
                    int(operator.must_change),
                    operator.created_at,
                    operator.disabled_at,
                ),
            )

    def operator(self, name: str) -> OperatorRecord | None:
        rows = self._read("read an operator", f"SELECT {_OPERATOR_COLUMNS} FROM operators WHERE name = ?", (name,))
        return _operator(rows[0]) if rows else None

    def operators(self) -> list[OperatorRecord]:
        rows = self._read("list operators", f"SELECT {_OPERATOR_COLUMNS} FROM operators ORDER BY name")
        return [_operator(row) for row in rows]

    def update_operator(self, operator: OperatorRecord) -> None:
        with self._write(f"update operator {operator.name}") as db:
            db.execute(
                "UPDATE operators SET role = ?, password_hash = ?, totp_secret = ?, must_change = ?, disabled_at = ?"
                " WHERE name = ?",
                (
                    operator.role,
                    operator.password_hash,
                    operator.totp_secret,
                    int(operator.must_change),
                    operator.disabled_at,
                    operator.name,
                ),
            )

    def awaiting(self, acked_after: int = 0) -> list[AwaitingRecord]:
        rows = self._read(
            "find messages awaiting acknowledgement",
            f"SELECT {_AWAITING_COLUMNS} FROM messages m JOIN peers p ON p.station_id = m.peer"
            f" WHERE m.kind != ? AND m.rowid > {_ACKNOWLEDGEMENTS_FROM}"
            " AND ((m.acked_at IS NULL AND NOT EXISTS (SELECT 1 FROM escalations e"
            "   WHERE e.message_id = m.id AND e.step IN ('overdue', 'peer-overdue')))"
            " OR (m.acked_at IS NOT NULL"
            "   AND NOT EXISTS (SELECT 1 FROM escalations e WHERE e.message_id = m.id AND e.step = 'late')"
            "   AND (EXISTS (SELECT 1 FROM escalations e"
            "     WHERE e.message_id = m.id AND e.step IN ('overdue', 'peer-overdue'))"
            "   OR (SELECT a.rowid FROM messages a WHERE a.id = m.ack_id) > ?)))"
            " ORDER BY m.rowid",
            (ACKNOWLEDGEMENT, acked_after),
        )
        return [_awaiting(row) for row in rows]

    def unacknowledged(self, peer: str) -> list[AwaitingRecord]:
        rows = self._read(
            "find unacknowledged messages",
            f"SELECT {_AWAITING_COLUMNS} FROM messages m JOIN peers p ON p.station_id = m.peer"
            f" WHERE m.peer = ? AND m.kind != ? AND m.acked_at IS NULL AND m.rowid > {_ACKNOWLEDGEMENTS_FROM}"
            " ORDER BY m.rowid",
            (peer, ACKNOWLEDGEMENT),
        )
        return [_awaiting(row) for row in rows]

    def record_escalation(
        self, message_id: str, peer: str, step: str, at: str, detail: str, record: tuple[str, bytes]
    ) -> bool:
        with self._write("record an escalation") as db:
            if db.execute("SELECT 1 FROM escalations WHERE message_id = ? AND step = ?", (message_id, step)).fetchone():
                return False
            self._add_record(db, peer, record[0], f"escalation.{step}", at, record[1])
            db.execute(
                "INSERT INTO escalations (message_id, step, at, detail, record) VALUES (?, ?, ?, ?, ?)",
                (message_id, step, at, detail, record[0]),
            )
            return True

    def escalations(self, *, since: str = "") -> list[EscalationRecord]:
        rows = self._read(
            "read escalations",
            "SELECT message_id, step, at, detail FROM escalations WHERE at >= ? ORDER BY id",
            (since,),
        )
        return [EscalationRecord(*row) for row in rows]

    def acknowledgement_times(self, since: str) -> list[AwaitingRecord]:
        rows = self._read(
            "read acknowledgement times",
            f"SELECT {_AWAITING_COLUMNS} FROM messages m JOIN peers p ON p.station_id = m.peer"
            f" WHERE m.kind != ? AND m.stored_at >= ? AND m.rowid > {_ACKNOWLEDGEMENTS_FROM} ORDER BY m.rowid",
            (ACKNOWLEDGEMENT, since),
        )
        return [_awaiting(row) for row in rows]

    def last_sent(self, peer: str, kind: str) -> str | None:
        rows = self._read(
            "find the last message of a kind",
            "SELECT MAX(created_at) FROM messages WHERE peer = ? AND direction = 'out' AND kind = ?",
            (peer, kind),
        )
        return str(rows[0][0]) if rows and rows[0][0] else None

    # --- the console ------------------------------------------------------------------------------------

    def create_session(self, session: SessionRecord) -> None:
        with self._write("open a console session") as db:
            db.execute(
                "INSERT INTO sessions (token_hash, operator, csrf, created_at, last_seen, expires_at, remote)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    session.token_hash,
                    session.operator,
                    session.csrf,
                    session.created_at,
                    session.last_seen,
                    session.expires_at,
                    session.remote,
                ),
            )

    def session(self, token_hash: str) -> SessionRecord | None:
        rows = self._read(
            "read a console session",
            "SELECT token_hash, operator, csrf, created_at, last_seen, expires_at, remote FROM sessions"
            " WHERE token_hash = ?",
            (token_hash,),
        )
        return SessionRecord(*rows[0]) if rows else None

    def touch_session(self, token_hash: str, last_seen: str) -> None:
        with self._write("refresh a console session") as db:
            db.execute("UPDATE sessions SET last_seen = ? WHERE token_hash = ?", (last_seen, token_hash))

    def end_sessions(self, *, token_hash: str | None = None, operator: str | None = None) -> None:
        with self._write("end console sessions") as db:
            db.execute("DELETE FROM sessions WHERE token_hash = ? OR operator = ?", (token_hash, operator))

    def record_login_failure(self, name: str, remote: str, at: str) -> None:
        with self._write("record a failed login") as db:
            db.execute("INSERT INTO login_failures (at, name, remote) VALUES (?, ?, ?)", (at, name, remote))

    def login_failures(self, since: str, *, name: str, remote: str) -> tuple[int, int]:
        rows = self._read(
            "count failed logins",
            "SELECT COALESCE(SUM(name = ?), 0), COALESCE(SUM(remote = ?), 0) FROM login_failures WHERE at >= ?",
            (name, remote, since),
        )
        return int(rows[0][0]), int(rows[0][1])

    def add_translation(self, translation: TranslationRecord, peer: str, record: tuple[str, bytes]) -> None:
        with self._write("store a certified translation") as db:
            self._add_record(db, peer, record[0], "translation.certified", translation.at, record[1])
            db.execute(
                "INSERT INTO translations (message_id, lang, text, translator, at, record) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    translation.message_id,
                    translation.lang,
                    translation.text,
                    translation.translator,
                    translation.at,
                    record[0],
                ),
            )

    def translations(self, message_id: str) -> list[TranslationRecord]:
        rows = self._read(
            "read translations",
            "SELECT message_id, lang, text, translator, at FROM translations WHERE message_id = ? ORDER BY id",
            (message_id,),
        )
        return [TranslationRecord(*row) for row in rows]

    def find_messages(
        self,
        *,
        since: str | None = None,
        until: str | None = None,
        kinds: Sequence[str] = (),
        direction: Direction | None = None,
        id_prefix: str | None = None,
        limit: int = 200,
    ) -> list[MessageRecord]:
        where: list[str] = ["m.kind != ?"]
        params: list[object] = [ACKNOWLEDGEMENT]
        if since is not None:
            where.append("m.created_at >= ?")
            params.append(since)
        if until is not None:
            where.append("m.created_at < ?")
            params.append(until)
        if kinds:
            where.append(f"m.kind IN ({', '.join('?' for _ in kinds)})")
            params.extend(kinds)
        if direction is not None:
            where.append("m.direction = ?")
            params.append(direction)
        if id_prefix:
            where.append("substr(m.id, 1, ?) = ?")
            params.extend([len(id_prefix), id_prefix])
        rows = self._read(
            "find messages",
            f"SELECT {_MESSAGE_COLUMNS} FROM messages m JOIN peers p ON p.station_id = m.peer"
            f" WHERE {' AND '.join(where)} ORDER BY m.created_at DESC, m.rowid DESC LIMIT ?",
            (*params, limit),
        )
        return [_record(row[1:]) for row in rows]

    def add_token(self, token: TokenRecord) -> None:
        try:
            with self._write("store an API token") as db:
                db.execute(
                    f"INSERT INTO api_tokens ({_TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        token.id,
                        token.token_hash,
                        token.operator,
                        token.created_at,
                        token.expires_at,
                        token.revoked_at,
                        token.last_used_at,
                    ),
                )
        except StoreError as exc:
            if "UNIQUE" in str(exc):
                raise StoreError(f"an API token with id {token.id} already exists; issue another") from None
            raise

    def token(self, token_hash: str) -> TokenRecord | None:
        rows = self._read(
            "read an API token", f"SELECT {_TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = ?", (token_hash,)
        )
        return TokenRecord(*rows[0]) if rows else None

    def tokens(self) -> list[TokenRecord]:
        rows = self._read("list API tokens", f"SELECT {_TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at, id")
        return [TokenRecord(*row) for row in rows]

    def revoke_tokens(self, at: str, *, token_id: str | None = None, operator: str | None = None) -> list[str]:
        with self._write("revoke API tokens") as db:
            rows = db.execute(
                "SELECT id FROM api_tokens WHERE revoked_at IS NULL AND (id = ? OR operator = ?) ORDER BY id",
                (token_id, operator),
            ).fetchall()
            ids = [str(row[0]) for row in rows]
            db.executemany("UPDATE api_tokens SET revoked_at = ? WHERE id = ?", [(at, i) for i in ids])
        return ids

    def touch_token(self, token_id: str, at: str) -> None:
        with self._write("note an API token's use") as db:
            db.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (at, token_id))


ACKNOWLEDGEMENT = "acknowledgement"
_TOKEN_COLUMNS = "id, token_hash, operator, created_at, expires_at, revoked_at, last_used_at"
_OPERATOR_COLUMNS = "name, role, password_hash, totp_secret, must_change, created_at, disabled_at"
_AWAITING_COLUMNS = (
    "m.id, m.direction, m.peer, p.party, m.kind, m.precedence, m.stored_at, m.delivered_at, m.acked_at, m.acked_by,"
    " (SELECT group_concat(step, ' ') FROM escalations e WHERE e.message_id = m.id),"
    " (SELECT a.rowid FROM messages a WHERE a.id = m.ack_id)"
)
_ACKNOWLEDGEMENTS_FROM = "COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'acknowledgements_from'), 0)"
"""Messages up to this row were stored before the station knew acknowledgements (migration 3
records it): they need none, and an upgraded station does not page its supervisors for its
whole history."""


def _operator(row: Sequence[Any]) -> OperatorRecord:
    return OperatorRecord(row[0], row[1], row[2], row[3], bool(row[4]), row[5], row[6])


def _awaiting(row: Sequence[Any]) -> AwaitingRecord:
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
    )


def _mark_acknowledged(db: sqlite3.Connection, envelope: Envelope, acknowledged_direction: str) -> None:
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
        " AND acked_at IS NULL AND kind != ? AND (? IS NULL OR envelope_hash = ?)",
        (envelope.id, at, operator, target, peer, acknowledged_direction, ACKNOWLEDGEMENT, named, named),
    )


_ENTRY_DATA = {
    "envelope-out": "SELECT envelope FROM messages WHERE peer = ? AND id = ? AND direction = 'out'",
    "envelope-in": "SELECT envelope FROM messages WHERE peer = ? AND id = ? AND direction = 'in'",
    "receipt-in": "SELECT receipt FROM messages WHERE peer = ? AND id = ? AND direction = 'out'",
    "receipt-out": "SELECT receipt FROM messages WHERE peer = ? AND id = ? AND direction = 'in'",
    "record": "SELECT data FROM records WHERE peer = ? AND id = ?",
}


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


def _record(row: Sequence[Any]) -> MessageRecord:
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
    )
