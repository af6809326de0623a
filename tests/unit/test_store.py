"""The store, on SQLite and on a real PostgreSQL server: sequence allocation, receipts, cursors
and refusals; then what only the SQLite file can go through."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from detente.errors import StoreError
from detente.ledger.records import seal_record
from detente.protocol.envelope import GENESIS_HASH, Envelope, Precedence, seal_envelope, seal_receipt
from detente.protocol.ids import uuid7
from detente.protocol.link import ReceiveCursor
from detente.protocol.signing import Signer
from detente.protocol.timestamps import format_time
from detente.store import LinkStatus, LoginFailures, OperatorRecord, PeerRecord, SQLiteStore, Store
from detente.store.postgres import FencedOff, PostgresStore
from detente.store.sqlite import migrations

T0 = 1_790_000_000.0
LATEST_SCHEMA = max(number for number, _, _ in migrations("sqlite"))
TR, SY = Signer(b"t" * 32), Signer(b"s" * 32)


def _peer(station_id: str, party: str) -> PeerRecord:
    return PeerRecord(station_id, party, f"{party} centre", {"card": "x"}, "00000 " * 5 + "00000", format_time(T0))


def _open(engine: str, request: pytest.FixtureRequest, tmp_path: Path, *, create: bool = False) -> Store:
    if engine == "sqlite":
        return SQLiteStore(tmp_path / "detente.db", create=create)
    return PostgresStore(request.getfixturevalue("postgres_url"))


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store(engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    s = _open(engine, request, tmp_path, create=True)
    s.add_peer(_peer("SY-1", "SY"))
    yield s
    s.close()


def _builder(signer: Signer, sender: str, recipient: str, n: int):  # type: ignore[no-untyped-def]
    def build(seq: int, prev: str) -> Envelope:
        return seal_envelope(
            signer,
            id=uuid7(int(T0 * 1000) + n, n.to_bytes(10, "big")),
            sender=sender,
            recipient=recipient,
            seq=seq,
            prev=prev,
            created=format_time(T0),
            kind="free-text",
            precedence=Precedence.ROUTINE,
            body={"text": f"m{n}"},
        )

    return build


def _incoming(n: int, prev: str) -> Envelope:
    return _builder(SY, "SY-1", "TR-1", 1000 + n)(n, prev)


def test_outgoing_messages_are_numbered_and_chained(store: Store) -> None:
    first = store.append_outgoing("SY-1", _builder(TR, "TR-1", "SY-1", 1), format_time(T0))
    second = store.append_outgoing("SY-1", _builder(TR, "TR-1", "SY-1", 2), format_time(T0))
    assert (first.seq, first.prev) == (1, GENESIS_HASH)
    assert (second.seq, second.prev) == (2, first.hash)
    assert store.outgoing_after("SY-1", 0, 10) == [first, second]
    assert store.outgoing_after("SY-1", 1, 10) == [second]
    assert store.receipted_through("SY-1") == 0 and store.queue_depth("SY-1") == 2


def test_a_failing_build_stores_nothing(store: Store) -> None:
    def build(seq: int, prev: str) -> Envelope:
        raise ValueError("refused by the caller")

    with pytest.raises(ValueError):
        store.append_outgoing("SY-1", build, format_time(T0))
    assert store.messages("out") == []


def test_receipts_deliver_once_and_only_for_the_right_hash(store: Store) -> None:
    envelopes = [store.append_outgoing("SY-1", _builder(TR, "TR-1", "SY-1", i), format_time(T0)) for i in range(3)]
    receipts = [seal_receipt(SY, e, format_time(T0 + 1)) for e in envelopes]
    store.mark_sent([e.id for e in envelopes], format_time(T0))
    assert store.store_receipts(receipts[:2], format_time(T0 + 2)) == 2
    assert store.store_receipts(receipts[:2], format_time(T0 + 3)) == 0, "a repeated receipt changes nothing"
    assert store.receipted_through("SY-1") == 2
    states = [r.state for _, r in store.messages("out")]
    assert states == ["delivered", "delivered", "sent"]
    record = store.message(envelopes[0].id)
    assert record is not None and record.receipt == receipts[0].canonical
    assert record.delivered_at == format_time(T0 + 2) and record.receipted_at == format_time(T0 + 1)
    store.mark_sent([envelopes[0].id], format_time(T0 + 9))
    assert store.message(envelopes[0].id).sent_at == format_time(T0)  # type: ignore[union-attr]
    assert store.message(envelopes[0].id).state == "delivered"  # type: ignore[union-attr]


def test_incoming_cursor_and_stored_receipts(store: Store) -> None:
    assert store.receive_cursor("SY-1") == ReceiveCursor()
    first = _incoming(1, GENESIS_HASH)
    second = _incoming(2, first.hash)
    items = [(e, seal_receipt(TR, e, format_time(T0))) for e in (first, second)]
    store.store_incoming(items, format_time(T0))
    assert store.receive_cursor("SY-1") == ReceiveCursor(3, second.hash)
    assert store.incoming_receipt("SY-1", 2) == (second.hash, items[1][1].canonical)
    assert store.incoming_receipt("SY-1", 3) is None
    rows = store.messages("in")
    assert [r.id for _, r in rows] == [first.id, second.id]
    assert [r.state for _, r in rows] == ["received", "received"]
    assert rows[0][1].body == {"text": "m1001"} and rows[0][1].peer_party == "SY"
    assert store.messages("in", after_rowid=rows[0][0]) == rows[1:]


def test_a_batch_of_incoming_messages_is_stored_whole_or_not_at_all(store: Store) -> None:
    first = _incoming(1, GENESIS_HASH)
    receipt = seal_receipt(TR, first, format_time(T0))
    with pytest.raises(StoreError):
        store.store_incoming([(first, receipt), (first, receipt)], format_time(T0))
    assert store.messages("in") == []


def test_peers_are_unique_by_party_and_station(store: Store) -> None:
    with pytest.raises(StoreError, match="already pinned"):
        store.add_peer(_peer("SY-2", "SY"))
    store.add_peer(_peer("RU-1", "RU"))
    assert [p.party for p in store.peers()] == ["RU", "SY"]


def test_the_escalation_steps_of_the_messages_asked_about_in_the_order_taken(store: Store) -> None:
    sent = [store.append_outgoing("SY-1", _builder(TR, "TR-1", "SY-1", i), format_time(T0)) for i in range(3)]
    taken = [(sent[2], "link-wait"), (sent[0], "link-wait"), (sent[0], "peer-overdue")]
    for n, (envelope, step) in enumerate(taken):
        at = format_time(T0 + n)
        record = seal_record(
            TR,
            id=uuid7(int(T0 * 1000) + n, bytes(10)),
            station="TR-1",
            peer="SY-1",
            event=f"escalation.{step}",
            at=at,
            detail=step,
        )
        assert store.record_escalation(envelope.id, "SY-1", step, at, step, (record.id, record.canonical))
    many = [sent[0].id, sent[1].id, sent[2].id, sent[0].id] + [f"other-{n}" for n in range(150)]
    assert [(e.message_id, e.step, e.at) for e in store.escalations_of(many)] == [
        (sent[2].id, "link-wait", format_time(T0)),
        (sent[0].id, "link-wait", format_time(T0 + 1)),
        (sent[0].id, "peer-overdue", format_time(T0 + 2)),
    ]
    assert [e.step for e in store.escalations_of([sent[0].id])] == ["link-wait", "peer-overdue"]
    assert store.escalations_of([sent[1].id]) == [] and store.escalations_of([]) == []


def test_changes_by_another_process_are_noticed(
    store: Store, engine: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    store.changed_elsewhere()
    assert not store.changed_elsewhere()
    other = _open(engine, request, tmp_path)
    other.set_meta("touched", "yes")
    other.close()
    assert store.changed_elsewhere()
    store.set_meta("own-write", "1")
    assert not store.changed_elsewhere(), "its own writes are not changes from elsewhere"


def test_link_status_and_journal(store: Store) -> None:
    status = LinkStatus("SY-1", "UP", format_time(T0), "up", 0.002, -0.001, format_time(T0), format_time(T0), 42)
    store.save_link_status(status)
    store.save_link_status(status)
    assert store.link_statuses() == [status]
    store.journal("link.up", "connection 1", format_time(T0), "SY-1")
    (entry,) = store.journal_entries()
    assert (entry.event, entry.peer, entry.detail) == ("link.up", "SY-1", "connection 1")


def test_a_missing_database_is_not_created_by_accident(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        SQLiteStore(tmp_path / "nothing.db")
    assert not (tmp_path / "nothing.db").exists()


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "detente.db"
    SQLiteStore(path, create=True).close()
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO schema_migrations (version, name) VALUES (999, 'future')")
    db.close()
    with pytest.raises(StoreError, match="newer than this program knows"):
        SQLiteStore(path)


def test_a_file_that_is_not_a_database_is_reported_as_damaged(tmp_path: Path) -> None:
    path = tmp_path / "detente.db"
    path.write_bytes(b"\x00garbage" * 1000)
    with pytest.raises(StoreError, match="is damaged .*restore the database from a backup"):
        SQLiteStore(path)


def test_write_ahead_logging_and_schema_version(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "detente.db", create=True)
    with sqlite3.connect(tmp_path / "detente.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()
    assert store.schema_version() == LATEST_SCHEMA
    store.close()


def test_bookkeeping_is_committed_unsynced_and_every_other_write_synced(tmp_path: Path) -> None:
    # Sent times and the link's status are written with synchronous = NORMAL; the next write of
    # anything else sets FULL again before it begins, so no message or receipt waits on luck.
    store = SQLiteStore(tmp_path / "detente.db", create=True)
    store.add_peer(_peer("SY-1", "SY"))

    def synchronous() -> int:  # the setting of the store's own connection (it is per connection)
        return int(store._db.execute("PRAGMA synchronous").fetchone()[0])

    assert synchronous() == 2  # FULL
    store.mark_sent(["no-such-message"], format_time(0))
    assert synchronous() == 1  # NORMAL, for that bookkeeping only
    store.journal("test.event", "a durable write", format_time(0), "SY-1")
    assert synchronous() == 2
    store.save_link_status(LinkStatus("SY-1", "UP", format_time(0), "", None, None, None, format_time(0), None))
    assert synchronous() == 1
    store.store_receipts([], format_time(0))
    assert synchronous() == 2
    store.close()


def test_postgresql_schema_is_migrated_once_and_a_newer_one_refused(postgres_url: str) -> None:
    newest = max(number for number, _, _ in migrations("postgresql"))
    first = PostgresStore(postgres_url)
    assert first.schema_version() == newest
    first.close()
    again = PostgresStore(postgres_url)  # applies nothing twice
    assert again.schema_version() == newest
    again._db.execute("INSERT INTO schema_migrations (version, name) VALUES (999, 'future')")
    again.close()
    with pytest.raises(StoreError, match="schema version 999 is newer than this program knows"):
        PostgresStore(postgres_url)


def test_an_unreachable_postgresql_server_is_named_without_its_password() -> None:
    port = _closed_port()
    url = f"postgresql://detente:s3cret@127.0.0.1:{port}/station"
    with pytest.raises(StoreError) as caught:
        PostgresStore(url, connect_timeout=2)
    assert "cannot reach the station database" in str(caught.value)
    assert f"postgresql://detente:***@127.0.0.1:{port}/station" in str(caught.value)
    assert "s3cret" not in str(caught.value)


def test_a_store_fenced_off_by_a_takeover_writes_nothing(postgres_url: str) -> None:
    store = PostgresStore(postgres_url)
    store.add_peer(_peer("SY-1", "SY"))
    store._db.execute("UPDATE leadership SET epoch = 7, server = 'b' WHERE id = 1")
    store.fence(7)
    store.set_meta("written", "while active")
    store._db.execute("UPDATE leadership SET epoch = 8, server = 'c' WHERE id = 1")  # another server took over
    with pytest.raises(FencedOff, match=r"no longer the station's active server .*server 'c' \(epoch 8\)"):
        store.append_outgoing("SY-1", _builder(TR, "TR-1", "SY-1", 1), format_time(T0))
    assert store.messages("out") == [] and store.log_size("own", "SY-1") == 0
    assert store.get_meta("written") == "while active"
    store.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_station_from_before_the_ledger_gets_its_history_logged(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = SQLiteStore(path, create=True)
    store.add_peer(_peer("SY-1", "SY"))
    out = store.append_outgoing("SY-1", _builder(TR, "TR-1", "SY-1", 1), format_time(T0))
    store.store_receipts([seal_receipt(SY, out, format_time(T0))], format_time(T0))
    first = _incoming(1, GENESIS_HASH)
    store.store_incoming([(first, seal_receipt(TR, first, format_time(T0)))], format_time(T0))
    store.close()
    with sqlite3.connect(path) as db:  # take it back to schema 1, as an older détente left it
        for table in (
            "ledger_entries",
            "ledger_nodes",
            "records",
            "peer_log",
            "peer_log_nodes",
            "checkpoints",
            "alarms",
        ):
            db.execute(f"DROP TABLE {table}")
        db.execute("DELETE FROM schema_migrations WHERE version = 2")
    db.close()
    migrated = SQLiteStore(path)
    try:
        assert migrated.schema_version() == LATEST_SCHEMA
        leaves = migrated.ledger_leaves("SY-1", 0, 10)
        assert [(leaf.kind, leaf.ref) for leaf in leaves] == [
            ("envelope-out", out.id),
            ("envelope-in", first.id),
            ("receipt-in", out.id),
            ("receipt-out", first.id),
        ]
    finally:
        migrated.close()


def test_a_read_only_database_is_named_as_a_replica_and_nothing_is_written(postgres_url: str) -> None:
    store = PostgresStore(postgres_url)
    name = postgres_url.rsplit("/", 1)[1]
    store._db.execute(f"ALTER DATABASE {name} SET default_transaction_read_only = on")  # as a hot standby is
    store.close()
    replica = PostgresStore(postgres_url)
    with pytest.raises(StoreError, match="is a read-only replica .* point station.toml's store at the primary"):
        replica.set_meta("station_id", "TR-1")
    assert replica.get_meta("station_id") is None
    replica.close()


def test_one_time_code_steps_only_move_forward_and_failures_count_by_name_and_address(store: Store) -> None:
    store.add_operator(OperatorRecord("Yzb. Kaya", "operator", "x", "SECRET", False, format_time(T0), None))
    assert store.claim_totp_step("Yzb. Kaya", 100) is True
    assert store.claim_totp_step("Yzb. Kaya", 100) is False, "the same step twice"
    assert store.claim_totp_step("Yzb. Kaya", 99) is False, "an older step"
    assert store.claim_totp_step("Yzb. Kaya", 101) is True
    for name, remote, at in (("Yzb. Kaya", "192.0.2.1", 0), ("Yzb. Kaya", "192.0.2.1", 5), ("other", "192.0.2.1", 7)):
        store.record_login_failure(name, remote, format_time(T0 + at))
    store.record_login_failure("Yzb. Kaya", "198.51.100.7", format_time(T0 + 9))
    counted = store.login_failures(format_time(T0), name="Yzb. Kaya", remote="192.0.2.1")
    assert counted == LoginFailures(2, format_time(T0 + 5), 3, format_time(T0 + 7))
    assert store.login_failures(format_time(T0 + 6), name="Yzb. Kaya", remote="192.0.2.1").pair == 0
    store.clear_login_failures(name="Yzb. Kaya", remote="192.0.2.1")
    assert store.login_failures(format_time(T0), name="Yzb. Kaya", remote="192.0.2.1") == LoginFailures(
        0, None, 1, format_time(T0 + 7)
    )
    assert store.login_failures(format_time(T0), name="Yzb. Kaya", remote="198.51.100.7").pair == 1


def test_alarms_one_active_per_condition_changed_in_place_and_kept_once_ended(store: Store) -> None:
    from detente.store import StationAlarmRecord, SupervisorNotice

    line = StationAlarmRecord(
        "a1", "line-down:SY-1", "line-down", "critical", "SY", "SY-1", None, ("direct",), "",
        {"waiting": 2, "contact": "+963 11 000 0000"}, format_time(T0),
    )  # fmt: skip
    store.save_station_alarm(line)
    with pytest.raises(StoreError):  # a second active alarm of the same condition
        store.save_station_alarm(replace(line, id="a2"))
    silenced = replace(line, silenced_by="Lt. Demir", silenced_at=format_time(T0 + 1), params={"waiting": 3})
    store.save_station_alarm(silenced)
    assert store.station_alarms() == [silenced]
    ended = replace(silenced, ended=format_time(T0 + 134), end_reason="restored")
    store.save_station_alarm(ended)
    assert store.station_alarms() == []
    assert store.station_alarms(include_ended=True) == [ended]
    again = replace(line, id="a3", since=format_time(T0 + 200))
    store.save_station_alarm(again)  # the condition is back: a new alarm
    assert [a.id for a in store.station_alarms(include_ended=True)] == ["a1", "a3"]
    assert store.station_alarm("a1") == ended and store.station_alarm("nope") is None

    notices = [
        SupervisorNotice("m1", "SY-1", "half-time", format_time(T0), "mailto", "duty@tr.invalid", "delivered", ""),
        SupervisorNotice("m1", "SY-1", "deadline", format_time(T0 + 60), "mailto", "duty@tr.invalid", "failed", "no"),
        SupervisorNotice("m2", "SY-1", "overdue", format_time(T0), "", "", "none", "no supervisor contact"),
    ]
    store.add_supervisor_notices(notices)
    assert store.supervisor_notices(["m1"]) == notices[:2]
    assert store.supervisor_notices(["m2", "m3"]) == notices[2:]
