"""The line's queries, shared by the SQL engines: peers, messages in both directions with their
receipts, link status, the journal, and the two Merkle logs per peer with their checkpoints."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from ..errors import StoreError
from ..ledger.merkle import NodeSource
from ..protocol.canonical import parse_json
from ..protocol.envelope import GENESIS_HASH, Envelope, Receipt
from ..protocol.link import ReceiveCursor
from .base import (
    AlarmRecord,
    CheckpointRecord,
    Direction,
    ExchangeCounts,
    JournalEntry,
    LinkStatus,
    LogName,
    MessageRecord,
    PathStatus,
    PeerRecord,
)
from .ledger_sql import (
    SCAN_MESSAGES_SQL,
    SCAN_RECORDS_SQL,
    LedgerLeaf,
    LoggedEntry,
    MessageRow,
    SQLNodes,
    append_entries,
    append_leaves,
    log_size,
    read_leaves,
    scan_log_sql,
    scan_nodes_sql,
)
from .sql_base import (
    ENTRY_COLUMNS,
    ENTRY_DATA,
    MESSAGE_COLUMNS,
    Connection,
    SQLEngine,
    mark_acknowledged,
    message_from_row,
)

__all__ = ["LineQueries"]


def _in_chunks(values: Sequence[str], size: int = 500) -> Iterator[tuple[list[str], str]]:
    """``values`` in lists of at most ``size`` (what one statement may name), each with its
    placeholders for ``IN (…)``."""
    for start in range(0, len(values), size):
        part = list(values[start : start + size])
        yield part, ", ".join("?" for _ in part)


class LineQueries(SQLEngine):
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

    def replace_peer_card(self, station_id: str, card: dict[str, Any]) -> None:
        with self._write("update a pinned card") as db:
            cursor = db.execute(
                "UPDATE peers SET card = ? WHERE station_id = ?", (json.dumps(card, ensure_ascii=False), station_id)
            )
            if cursor.rowcount != 1:
                raise StoreError(f"no peer with station id {station_id} is pinned")

    # --- outgoing --------------------------------------------------------------------------------

    def append_outgoing(self, peer: str, build: Callable[[int, str], Envelope], stored_at: str) -> Envelope:
        with self._write("queue an outgoing message") as db:
            return _append(db, peer, build, stored_at, True)

    def append_outgoing_group(
        self, items: Sequence[tuple[str, Callable[[int, str], Envelope], bool]], stored_at: str
    ) -> list[Envelope]:
        with self._write("queue a message to several stations") as db:
            return [_append(db, peer, build, stored_at, ack_needed) for peer, build, ack_needed in items]

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
        with self._write("mark messages sent", durable=False) as db:
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

    def store_incoming(
        self,
        items: Sequence[tuple[Envelope, Receipt]],
        at: str,
        line_states: Mapping[str, tuple[bool, str | None]] | None = None,
    ) -> None:
        if not items:
            return
        states = line_states or {}
        with self._write("store received messages") as db:
            db.executemany(
                "INSERT INTO messages (id, direction, peer, seq, kind, precedence, created_at, envelope,"
                " envelope_hash, state, stored_at, receipt, receipted_at, line_name, line_group, ack_needed, refused)"
                " VALUES (?, 'in', ?, ?, ?, ?, ?, ?, ?, 'received', ?, ?, ?, ?, ?, ?, ?)",
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
                        e.line["name"] if e.line else None,
                        e.line["group"] if e.line else None,
                        int(states.get(e.id, (True, None))[0]),
                        states.get(e.id, (True, None))[1],
                    )
                    for e, r in items
                ],
            )
            for e, r in items:
                append_entries(db, e.sender, [("envelope-in", e.id, e.canonical), ("receipt-out", e.id, r.canonical)])
                mark_acknowledged(db, e, acknowledged_direction="out")

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
            f"SELECT {MESSAGE_COLUMNS} FROM messages m JOIN peers p ON p.station_id = m.peer"
            " WHERE m.direction = ? AND m.rowid > ? ORDER BY m.rowid" + ("" if limit is None else " LIMIT ?"),
            (direction, after_rowid) if limit is None else (direction, after_rowid, limit),
        )
        return [(row[0], message_from_row(row[1:])) for row in rows]

    def message(self, message_id: str) -> MessageRecord | None:
        rows = self._read(
            "read a message",
            f"SELECT {MESSAGE_COLUMNS} FROM messages m JOIN peers p ON p.station_id = m.peer WHERE m.id = ?",
            (message_id,),
        )
        return message_from_row(rows[0][1:]) if rows else None

    def newest_message_row(self) -> int:
        rows = self._read("find the newest message", "SELECT MAX(rowid) FROM messages")
        return int(rows[0][0] or 0)

    def queue_depth(self, peer: str) -> int:
        rows = self._read(
            "count undelivered messages",
            "SELECT COUNT(*) FROM messages WHERE peer = ? AND direction = 'out' AND receipt IS NULL",
            (peer,),
        )
        return int(rows[0][0])

    # --- link status and journal -----------------------------------------------------------------

    def save_link_status(self, status: LinkStatus) -> None:
        with self._write("save link status", durable=False) as db:
            db.execute(
                "INSERT INTO link_status (peer, state, since, detail, round_trip, clock_offset,"
                " last_heartbeat, updated_at, serve_pid, paths) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (peer) DO UPDATE SET state = excluded.state, since = excluded.since,"
                " detail = excluded.detail, round_trip = excluded.round_trip, clock_offset = excluded.clock_offset,"
                " last_heartbeat = excluded.last_heartbeat, updated_at = excluded.updated_at,"
                " serve_pid = excluded.serve_pid, paths = excluded.paths",
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
                    json.dumps([p.to_json() for p in status.paths]),
                ),
            )

    def link_statuses(self) -> list[LinkStatus]:
        rows = self._read(
            "read link status",
            "SELECT peer, state, since, detail, round_trip, clock_offset, last_heartbeat, updated_at, serve_pid,"
            " paths FROM link_status ORDER BY peer",
        )
        return [
            LinkStatus(
                peer=row[0],
                state=row[1],
                since=row[2],
                detail=row[3],
                round_trip=row[4],
                clock_offset=row[5],
                last_heartbeat=row[6],
                updated_at=row[7],
                serve_pid=row[8],
                paths=_paths(row[9]),
            )
            for row in rows
        ]

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
        with self._guard("read the size of a log"):
            return log_size(self._db, log, peer)

    def ledger_leaves(self, peer: str, start: int, end: int, log: LogName = "own") -> list[LedgerLeaf]:
        with self._guard("read log entries"):
            return read_leaves(self._db, log, peer, start, end)

    def log_nodes(self, log: LogName, peer: str) -> NodeSource:
        with self._guard("read a log"):
            return SQLNodes(self._db, log, peer)

    def entry_data(self, peer: str, leaf: LedgerLeaf) -> bytes | None:
        rows = self._read("read a log entry", ENTRY_DATA[leaf.kind], (peer, leaf.ref))
        return bytes(rows[0][0]) if rows and rows[0][0] is not None else None

    def entry_for(self, peer: str, kind: str, ref: str) -> bytes | None:
        return self.entry_data(peer, LedgerLeaf(-1, kind, ref, b""))

    def entries_for(self, peer: str, kind: str, refs: Sequence[str]) -> dict[str, bytes]:
        # By id alone, so that the primary key is the index used whatever the planner thinks of
        # the line's size; the peer and the direction are checked here.
        column, table, direction = ENTRY_COLUMNS[kind]
        found: dict[str, bytes] = {}
        for part, marks in _in_chunks(refs):
            rows = self._read(
                "read log entries",
                f"SELECT id, peer, {'direction' if direction else 'NULL'}, {column} FROM {table} WHERE id IN ({marks})",
                part,
            )
            found.update(
                (str(ref), bytes(data))
                for ref, owner, way, data in rows
                if owner == peer and way == direction and data is not None
            )
        return found

    def peer_log_counts(self, peer: str) -> dict[str, int]:
        rows = self._read(
            "count the peer's log", "SELECT kind, COUNT(*) FROM peer_log WHERE peer = ? GROUP BY kind", (peer,)
        )
        return {str(kind): int(count) for kind, count in rows}

    def exchange_counts(self, peer: str) -> ExchangeCounts:
        # Each count from an index alone (the messages' own rows, envelopes and all, stay unread):
        # (peer, direction, seq) is unique, and the undelivered index holds those without a receipt.
        rows = self._read(
            "count messages",
            "SELECT (SELECT COUNT(*) FROM messages WHERE peer = ? AND direction = 'in'),"
            " (SELECT COUNT(*) FROM messages WHERE peer = ? AND direction = 'out'),"
            " (SELECT COUNT(*) FROM messages WHERE peer = ? AND direction = 'out' AND receipt IS NULL)",
            (peer, peer, peer),
        )
        received, sent, undelivered = (int(value or 0) for value in rows[0])
        return ExchangeCounts(received, sent - undelivered)

    def held_through(self, peer: str, kind: str, extra_refs: Sequence[str] = ()) -> tuple[int, int]:
        """(highest sequence number of this station's messages with ``peer`` that the peer's log
        names under ``kind``, counting ``extra_refs`` too; how many such messages this station
        holds up to that number): for ``envelope-out`` its received messages, for ``receipt-out``
        and ``envelope-in`` its own delivered ones."""
        direction, condition = ("in", "") if kind == "envelope-out" else ("out", " AND receipt IS NOT NULL")
        rows = self._read(
            "find what the peer's log covers",
            "SELECT MAX(m.seq) FROM peer_log l JOIN messages m ON m.id = l.ref"
            " WHERE l.peer = ? AND l.kind = ? AND m.peer = ? AND m.direction = ?",
            (peer, kind, peer, direction),
        )
        highest = int(rows[0][0] or 0)
        for refs, marks in _in_chunks(extra_refs):
            more = self._read(
                "find what the peer's log covers",
                f"SELECT MAX(seq) FROM messages WHERE peer = ? AND direction = ? AND id IN ({marks})",
                (peer, direction, *refs),
            )
            highest = max(highest, int(more[0][0] or 0))
        count = self._read(
            "count messages",
            f"SELECT COUNT(*) FROM messages WHERE peer = ? AND direction = ? AND seq <= ?{condition}",
            (peer, direction, highest),
        )
        return highest, int(count[0][0] or 0)

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

    def add_alarm(self, peer: str | None, kind: str, detail: str, at: str, record: tuple[str, bytes] | None) -> int:
        with self._write("record an alarm") as db:
            if record is not None and peer is not None:
                self._add_record(db, peer, record[0], kind, at, record[1])
            row = db.execute(
                "INSERT INTO alarms (peer, at, kind, detail, record) VALUES (?, ?, ?, ?, ?) RETURNING id",
                (peer, at, kind, detail, record[0] if record else None),
            ).fetchone()
            return int(row[0])

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

    def scan_log(self, log: LogName, peer: str) -> Iterator[list[LoggedEntry]]:
        return self._scan("read a log", lambda: self._batches(scan_log_sql(log), (peer,)))

    def scan_log_nodes(self, log: LogName, peer: str) -> Iterator[list[tuple[int, int, bytes]]]:
        return self._scan("read a log's tree", lambda: self._batches(scan_nodes_sql(log), (peer,)))

    def scan_checkpoints(self, log: LogName, peer: str) -> Iterator[CheckpointRecord]:
        def rows() -> Iterator[CheckpointRecord]:
            sql = (
                "SELECT log, peer, size, root, note, created_at, cosigned_at FROM checkpoints"
                " WHERE log = ? AND peer = ? ORDER BY size"
            )
            for batch in self._batches(sql, (log, peer)):
                for r in batch:
                    yield CheckpointRecord(r[0], r[1], int(r[2]), bytes(r[3]), r[4], r[5], r[6])

        return self._scan("read checkpoints", rows)

    def scan_messages(self, peer: str) -> Iterator[list[MessageRow]]:
        return self._scan("read messages", lambda: self._batches(SCAN_MESSAGES_SQL, (peer,)))

    def scan_records(self, peer: str) -> Iterator[list[tuple[str, bytes]]]:
        return self._scan("read records", lambda: self._batches(SCAN_RECORDS_SQL, (peer,)))


def _paths(text: str) -> tuple[PathStatus, ...]:
    try:
        return tuple(PathStatus(**entry) for entry in json.loads(text))
    except (ValueError, TypeError):
        return ()


def _append(
    db: Connection, peer: str, build: Callable[[int, str], Envelope], stored_at: str, ack_needed: bool
) -> Envelope:
    last = db.execute(
        "SELECT seq, envelope_hash FROM messages WHERE peer = ? AND direction = 'out' ORDER BY seq DESC LIMIT 1",
        (peer,),
    ).fetchone()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    envelope = build(seq, prev)
    db.execute(
        "INSERT INTO messages (id, direction, peer, seq, kind, precedence, created_at, envelope,"
        " envelope_hash, state, stored_at, line_name, line_group, ack_needed)"
        " VALUES (?, 'out', ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)",
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
            envelope.line["name"] if envelope.line else None,
            envelope.line["group"] if envelope.line else None,
            int(ack_needed),
        ),
    )
    append_entries(db, peer, [("envelope-out", envelope.id, envelope.canonical)])
    mark_acknowledged(db, envelope, acknowledged_direction="in")
    return envelope
