"""LineLedger, the keeper of one line's ledger, driven directly: two of them (Ankara's and
Damascus's, each over its own database) joined by hand, with literal times (no sleeping). Each
test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from detente.config import LedgerSettings
from detente.home import Home
from detente.identity import parse_card
from detente.ledger.checkpoint import Checkpoint, line_origin
from detente.ledger.keeper import AlarmRaised, LineLedger
from detente.ledger.merkle import Levels, consistency_proof, leaf_hash, root_hash, verify_consistency
from detente.ledger.note import KeyKind, NoteSigner, SignedNote, key_name, parse_note
from detente.ledger.records import Record
from detente.protocol.envelope import Envelope, Precedence, seal_envelope, seal_receipt
from detente.protocol.frames import MAX_LEAVES, CheckpointFrame, CosignatureFrame, CosignatureRefusedFrame
from detente.protocol.ids import uuid7
from detente.protocol.timestamps import format_time
from detente.store import PeerRecord, SQLiteStore, Store
from detente.store.postgres import PostgresStore
from postgres_server import database_name

from .synthetic import T0, fast_envelope, fast_receipt, make_pair

POLICY = LedgerSettings(checkpoint_entries=32, checkpoint_seconds=2.0, cosign_timeout=10.0)


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Home, Home]:
    return make_pair(tmp_path_factory.mktemp("homes"))


class Line:
    """Ankara (TR) and Damascus (SY): a fresh database each, a LineLedger each, joined by hand."""

    def __init__(self, tr: Home, sy: Home, open_store: Callable[[str], Store], policy: LedgerSettings) -> None:
        self.homes = {"TR": tr, "SY": sy}
        self.cards = {"TR": parse_card(tr.card()), "SY": parse_card(sy.card())}
        self.stores: dict[str, Store] = {}
        self.ledgers: dict[str, LineLedger] = {}
        self.alarms: dict[str, list[AlarmRaised]] = {"TR": [], "SY": []}
        for me, other in (("TR", "SY"), ("SY", "TR")):
            store = open_store(me)
            card = self.cards[other]
            store.add_peer(PeerRecord(card.station_id, card.party, card.name, card.raw, card.fingerprint, "-"))
            self.stores[me] = store
            self.ledgers[me] = LineLedger(
                store,
                station=self.cards[me].station_id,
                signer=self.homes[me].signer,
                note_signer=self.homes[me].note_signer,
                peer=card,
                policy=policy,
                on_alarm=self.alarms[me].append,
            )

    @property
    def tr(self) -> LineLedger:
        return self.ledgers["TR"]

    @property
    def sy(self) -> LineLedger:
        return self.ledgers["SY"]

    def id(self, party: str) -> str:
        return self.cards[party].station_id

    def send(self, sender: str, count: int = 1, *, now: float = T0, delivered: bool = True) -> list[Envelope]:
        """``sender`` queues ``count`` messages; the other stores them (and, if ``delivered``,
        its receipts reach the sender)."""
        other = "SY" if sender == "TR" else "TR"
        envelopes = []
        for _ in range(count):

            def build(seq: int, prev: str) -> Envelope:
                return seal_envelope(
                    self.homes[sender].signer,
                    id=uuid7(int(now * 1000), os.urandom(10)),
                    sender=self.id(sender),
                    recipient=self.id(other),
                    seq=seq,
                    prev=prev,
                    created=format_time(now),
                    kind="free-text",
                    precedence=Precedence.FLASH,
                    body={"text": "aircraft near the border", "lang": "en"},
                )

            envelopes.append(self.stores[sender].append_outgoing(self.id(other), build, format_time(now)))
        receipts = [seal_receipt(self.homes[other].signer, e, format_time(now)) for e in envelopes]
        self.stores[other].store_incoming(list(zip(envelopes, receipts, strict=True)), format_time(now))
        if delivered:
            self.stores[sender].store_receipts(receipts, format_time(now))
        return envelopes

    def exchange(self, author: str, now: float) -> CosignatureFrame | CosignatureRefusedFrame:
        """The author's next checkpoint goes to the witness; its answer comes back."""
        frame = due(self.ledgers[author], now)
        assert frame is not None, "a checkpoint is due"
        reply = self.ledgers["SY" if author == "TR" else "TR"].on_checkpoint(frame, now)
        if isinstance(reply, CosignatureFrame):
            self.ledgers[author].on_cosignature(reply, now)
        else:
            self.ledgers[author].on_refusal(reply, now)
        return reply

    def close(self) -> None:
        for store in self.stores.values():
            store.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def line(homes: tuple[Home, Home], tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Line]:
    def open_store(party: str) -> Store:
        if request.param == "sqlite":
            return SQLiteStore(tmp_path / f"{party.lower()}.db", create=True)
        return PostgresStore(request.getfixturevalue("postgres_url") if party == "TR" else second_database())

    def second_database() -> str:
        server = request.getfixturevalue("postgres_server")
        name = database_name(request.node.name + "_sy")
        request.addfinalizer(lambda: server.drop_database(name))
        return str(server.create_database(name))

    made = Line(*homes, open_store, POLICY)
    yield made
    made.close()


def due(ledger: LineLedger, now: float) -> CheckpointFrame | None:
    """The checkpoint due once what is uncovered at ``now`` has waited checkpoint_seconds (the
    keeper starts that clock when it is first asked, as the station asks it all the time)."""
    return ledger.due_checkpoint(now) or ledger.due_checkpoint(now + POLICY.checkpoint_seconds)


def forged_frame(
    line: Line,
    leaves: list[tuple[str, str, bytes]],
    *,
    start: int = 0,
    signer: NoteSigner | None = None,
    origin: str | None = None,
    total: int | None = None,
) -> CheckpointFrame:
    """A checkpoint frame of Ankara's log as Ankara would send it, but of a log made of
    ``leaves`` (from ``start``), signed by Ankara's real checkpoint keys unless ``signer``."""
    tree = Levels([leaf for _, _, leaf in leaves])
    size = tree.size()
    checkpoint = Checkpoint(origin or line_origin(line.id("TR"), line.id("SY")), size, root_hash(tree), format_time(T0))
    note = SignedNote(checkpoint.text(), tuple((signer or line.homes["TR"].note_signer).sign_note(checkpoint.text())))
    proof = tuple(consistency_proof(tree, start, size)) if start else ()
    return CheckpointFrame(str(note), size if total is None else total, start, tuple(leaves[start:]), proof)


def record_leaves(count: int, salt: bytes = b"") -> list[tuple[str, str, bytes]]:
    return [("record", uuid7(int(T0 * 1000) + i, os.urandom(10)), leaf_hash(salt + bytes([i]))) for i in range(count)]


# --- the author's policy -------------------------------------------------------------------------


def test_nothing_to_sign_means_no_checkpoint(line: Line) -> None:
    assert line.tr.due_checkpoint(T0) is None


def test_a_checkpoint_waits_for_enough_entries_or_seconds(line: Line) -> None:
    line.send("TR")  # envelope-out and receipt-in: 2 entries
    assert line.tr.due_checkpoint(T0) is None
    assert line.tr.due_checkpoint(T0 + 1.99) is None
    frame = line.tr.due_checkpoint(T0 + 2.0)
    assert frame is not None and (frame.start, frame.total, len(frame.leaves)) == (0, 2, 2)
    checkpoint = Checkpoint.from_text(parse_note(frame.note).text)
    assert (checkpoint.origin, checkpoint.size) == (line_origin(line.id("TR"), line.id("SY")), 2)
    assert checkpoint.root == root_hash(line.stores["TR"].log_nodes("own", line.id("SY")))


def test_enough_entries_are_signed_at_once(line: Line) -> None:
    line.send("TR", 16)
    assert line.tr.due_checkpoint(T0) is not None


def test_an_unanswered_checkpoint_is_sent_again_after_the_timeout(line: Line) -> None:
    line.send("TR")
    first = due(line.tr, T0)
    assert first is not None
    assert line.tr.due_checkpoint(T0 + 3) is None, "outstanding, nothing new"
    line.send("TR")
    assert line.tr.due_checkpoint(T0 + 3) is None, "outstanding, too little new for another"
    second = line.tr.due_checkpoint(T0 + 5.1)
    assert second is not None and second.note != first.note, "the new entries have waited checkpoint_seconds"
    assert line.tr.due_checkpoint(T0 + 14) is None, "not yet: cosign_timeout has not passed"
    again = due(line.tr, T0 + 15.2)
    assert again is not None and again.note == second.note, "the same checkpoint, asked for again"


def test_a_cosignature_completes_the_checkpoint(line: Line) -> None:
    line.send("TR")
    line.send("SY")
    reply = line.exchange("TR", T0 + 2)
    assert isinstance(reply, CosignatureFrame) and reply.size == 4
    assert line.tr.cosigned_size == 4 and line.alarms == {"TR": [], "SY": []}
    (held,) = line.stores["TR"].checkpoints("own", line.id("SY"))
    note = parse_note(held.note)
    assert held.cosigned_at and all(
        note.verify(line.cards["SY"].note_keys[k]) for k in (KeyKind.COSIG_ED25519, KeyKind.COSIG_MLDSA65)
    )
    assert all(note.verify(line.cards["TR"].note_keys[k]) for k in (KeyKind.NOTE_ED25519, KeyKind.NOTE_MLDSA65))
    (theirs,) = line.stores["SY"].checkpoints("peer", line.id("TR"))
    assert theirs.note == held.note and theirs.cosigned_at
    assert line.stores["SY"].log_size("peer", line.id("TR")) == 4
    assert line.tr.due_checkpoint(T0 + 100) is None, "everything is co-signed"
    line.send("TR")
    frame = due(line.tr, T0 + 103)
    assert frame is not None and frame.start == 4 and len(frame.leaves) == 2 and frame.consistency


def test_a_backlog_goes_in_pieces_without_repeating_itself(line: Line) -> None:
    sy = line.homes["SY"]
    items = []
    prev, seq = "0" * 64, 0
    for _ in range(MAX_LEAVES // 2 + 40):
        seq += 1
        envelope = fast_envelope(
            sy.signer, sender=line.id("SY"), recipient=line.id("TR"), seq=seq, prev=prev, at=T0, text="backlog"
        )
        items.append((envelope, fast_receipt(line.homes["TR"].signer, envelope, T0)))
        prev = envelope.hash
    line.stores["TR"].store_incoming(items, format_time(T0))
    size = line.stores["TR"].log_size("own", line.id("SY"))
    first = line.tr.due_checkpoint(T0)
    assert first is not None and (first.start, len(first.leaves), first.total) == (0, MAX_LEAVES, size)
    assert line.tr.due_checkpoint(T0 + 0.1) is None, "the second piece waits for the first's cosignature"
    text = parse_note(first.note).text
    signatures = line.homes["SY"].note_signer.cosign(text, int(T0))
    line.tr.on_cosignature(
        CosignatureFrame(MAX_LEAVES, Checkpoint.from_text(text).root, tuple(s.line().rstrip("\n") for s in signatures)),
        T0 + 0.2,
    )
    assert line.tr.cosigned_size == MAX_LEAVES
    second = line.tr.due_checkpoint(T0 + 0.3)
    assert second is not None and (second.start, len(second.leaves)) == (MAX_LEAVES, size - MAX_LEAVES)
    new_root = Checkpoint.from_text(parse_note(second.note).text).root
    old_root = Checkpoint.from_text(text).root
    assert verify_consistency(MAX_LEAVES, size, old_root, new_root, list(second.consistency))


def test_a_refusal_is_an_alarm_and_is_not_answered_at_once(line: Line) -> None:
    line.send("TR", 16)
    frame = line.tr.due_checkpoint(T0)
    assert frame is not None
    size = Checkpoint.from_text(parse_note(frame.note).text).size
    line.tr.on_refusal(CosignatureRefusedFrame(size, "not today"), T0 + 0.1)
    assert [a.kind for a in line.alarms["TR"]] == ["checkpoint.refused"]
    assert "not today" in line.alarms["TR"][0].detail
    assert line.tr.due_checkpoint(T0 + 0.2) is None, "no checkpoint sent straight back into a refusal"
    assert line.tr.due_checkpoint(T0 + 10.2) is not None, "asked again after cosign_timeout"


# --- cosignatures this station receives ---------------------------------------------------------------


def _cosignature(line: Line, signer: NoteSigner, *, size: int | None = None) -> CosignatureFrame:
    frame = due(line.tr, T0)
    assert frame is not None
    text = parse_note(frame.note).text
    checkpoint = Checkpoint.from_text(text)
    lines = tuple(s.line().rstrip("\n") for s in signer.cosign(text, int(T0)))
    return CosignatureFrame(size if size is not None else checkpoint.size, checkpoint.root, lines)


def test_a_cosignature_by_another_key_is_an_alarm(line: Line) -> None:
    line.send("TR")
    impostor = NoteSigner(key_name(line.id("SY")), os.urandom(32), os.urandom(32))
    line.tr.on_cosignature(_cosignature(line, impostor), T0 + 3)
    assert [a.kind for a in line.alarms["TR"]] == ["cosignature.invalid"] and line.tr.cosigned_size == 0
    assert not line.stores["TR"].checkpoints("own", line.id("SY"))[0].cosigned_at


def test_a_cosignature_of_a_checkpoint_never_made_is_an_alarm(line: Line) -> None:
    line.send("TR")
    line.tr.on_cosignature(_cosignature(line, line.homes["SY"].note_signer, size=7), T0 + 3)
    assert [a.kind for a in line.alarms["TR"]] == ["cosignature.unknown"] and line.tr.cosigned_size == 0


def test_a_malformed_cosignature_is_an_alarm(line: Line) -> None:
    line.send("TR")
    good = _cosignature(line, line.homes["SY"].note_signer)
    line.tr.on_cosignature(CosignatureFrame(good.size, good.root, ("no dash here",)), T0 + 3)
    assert [a.kind for a in line.alarms["TR"]] == ["cosignature.invalid"]


# --- the witness's checks ---------------------------------------------------------------------------


def _refused(line: Line, frame: CheckpointFrame, kind: str | None) -> CosignatureRefusedFrame:
    reply = line.sy.on_checkpoint(frame, T0 + 5)
    assert isinstance(reply, CosignatureRefusedFrame), reply
    assert [a.kind for a in line.alarms["SY"]] == ([kind] if kind else [])
    if kind:
        alarm = line.stores["SY"].alarms()[-1]
        assert (alarm.kind, alarm.detail) == (kind, reply.reason)
        record = Record.from_bytes(line.stores["SY"].entry_for(line.id("TR"), "record", alarm.record or "") or b"")
        assert record.event == kind and record.verify(line.homes["SY"].signer.verifier)
        last = line.stores["SY"].log_size("own", line.id("TR")) - 1
        assert line.stores["SY"].ledger_leaves(line.id("TR"), last, last + 1)[0].ref == record.id
    return reply


def test_an_honest_checkpoint_is_cosigned_with_both_keys(line: Line) -> None:
    reply = line.sy.on_checkpoint(forged_frame(line, record_leaves(3)), T0)
    assert isinstance(reply, CosignatureFrame) and reply.size == 3 and len(reply.signatures) == 2


def test_a_checkpoint_not_signed_by_the_pinned_keys_is_forged(line: Line) -> None:
    impostor = NoteSigner(key_name(line.id("TR")), os.urandom(32), os.urandom(32))
    reply = _refused(line, forged_frame(line, record_leaves(3), signer=impostor), "checkpoint.forged")
    assert "pinned checkpoint keys" in reply.reason


def test_a_checkpoint_of_another_line_is_refused_quietly(line: Line) -> None:
    frame = forged_frame(line, record_leaves(3), origin=line_origin(line.id("TR"), "XX-000000000000"))
    assert "origin" in _refused(line, frame, None).reason


def test_two_checkpoints_of_one_size_are_equivocation(line: Line) -> None:
    assert isinstance(line.sy.on_checkpoint(forged_frame(line, record_leaves(3)), T0), CosignatureFrame)
    reply = _refused(line, forged_frame(line, record_leaves(3, b"other")), "alarm.equivocation")
    assert "two different checkpoints of size 3" in reply.reason
    alarm = line.stores["SY"].alarms()[-1]
    record = Record.from_bytes(line.stores["SY"].entry_for(line.id("TR"), "record", alarm.record or "") or b"")
    assert set(record.evidence) == {"held", "received"}, "both signed checkpoints are kept as evidence"


def test_a_rewritten_leaf_is_history_rewritten(line: Line) -> None:
    leaves = record_leaves(3)
    assert isinstance(line.sy.on_checkpoint(forged_frame(line, leaves), T0), CosignatureFrame)
    rewritten = [leaves[0], record_leaves(1, b"new")[0], leaves[2], *record_leaves(1, b"more")]
    reply = _refused(line, forged_frame(line, rewritten), "alarm.history_rewritten")
    assert "leaf 1" in reply.reason and "rewritten its history" in reply.reason


def test_a_root_that_the_leaves_do_not_give_is_history_rewritten(line: Line) -> None:
    frame = forged_frame(line, record_leaves(3))
    other = forged_frame(line, record_leaves(3, b"x"))
    reply = _refused(line, CheckpointFrame(other.note, 3, 0, frame.leaves, ()), "alarm.history_rewritten")
    assert "does not match the leaves" in reply.reason


def test_a_consistency_proof_that_does_not_verify_is_history_rewritten(line: Line) -> None:
    leaves = record_leaves(5)
    assert isinstance(line.sy.on_checkpoint(forged_frame(line, leaves[:3]), T0), CosignatureFrame)
    honest = forged_frame(line, leaves, start=3)
    assert honest.consistency and isinstance(line.sy.on_checkpoint(honest, T0), CosignatureFrame)
    frame = forged_frame(line, leaves + record_leaves(2, b"later"), start=5)
    bad = CheckpointFrame(frame.note, frame.total, 5, frame.leaves, tuple(bytes(32) for _ in frame.consistency))
    assert "consistency proof" in _refused(line, bad, "alarm.history_rewritten").reason


def test_a_message_this_station_never_sent_is_a_false_entry(line: Line) -> None:
    invented = [("envelope-in", uuid7(int(T0 * 1000), os.urandom(10)), leaf_hash(b"never sent"))]
    reply = _refused(line, forged_frame(line, invented), "alarm.false_entry")
    assert "never sent" in reply.reason


def test_another_version_of_a_message_is_an_altered_entry(line: Line) -> None:
    (envelope,) = line.send("TR")
    leaves = [("envelope-out", envelope.id, leaf_hash(envelope.canonical + b" "))]
    assert (
        "differs from this station's copy" in _refused(line, forged_frame(line, leaves), "alarm.altered_entry").reason
    )


def test_a_log_that_leaves_out_a_message_is_an_omission(line: Line) -> None:
    line.send("TR")  # Damascus received it; Ankara's log below does not have it
    reply = _refused(line, forged_frame(line, record_leaves(2)), "alarm.omission")
    assert "holds 0 messages it sent to this station, but this station holds 1" in reply.reason


def test_part_of_a_backlog_is_not_held_to_everything(line: Line) -> None:
    line.send("TR")
    reply = line.sy.on_checkpoint(forged_frame(line, record_leaves(2), total=50), T0)
    assert isinstance(reply, CosignatureFrame) and line.alarms["SY"] == []


def test_the_same_alarm_is_recorded_once(line: Line) -> None:
    impostor = NoteSigner(key_name(line.id("TR")), os.urandom(32), os.urandom(32))
    frame = forged_frame(line, record_leaves(3), signer=impostor)
    for _ in range(3):
        assert isinstance(line.sy.on_checkpoint(frame, T0), CosignatureRefusedFrame)
    assert len(line.alarms["SY"]) == 1 and len(line.stores["SY"].alarms()) == 1


def test_the_witness_reveals_and_stores_the_authors_log(line: Line) -> None:
    leaves = record_leaves(4)
    reply = line.sy.on_checkpoint(forged_frame(line, leaves), T0)
    assert isinstance(reply, CosignatureFrame)
    held = line.stores["SY"].ledger_leaves(line.id("TR"), 0, 10, log="peer")
    assert [(x.kind, x.ref, x.leaf) for x in held] == leaves
    assert base64.b64encode(reply.root) == base64.b64encode(root_hash(Levels([leaf for _, _, leaf in leaves])))


def _witness(line: Line, *, single_path: bool) -> tuple[LineLedger, list[AlarmRaised]]:
    alarms: list[AlarmRaised] = []
    ledger = LineLedger(
        line.stores["SY"],
        station=line.id("SY"),
        signer=line.homes["SY"].signer,
        note_signer=line.homes["SY"].note_signer,
        peer=line.cards["TR"],
        policy=POLICY,
        on_alarm=alarms.append,
        single_path=single_path,
    )
    return ledger, alarms


def test_with_several_paths_a_checkpoint_may_be_overtaken_but_not_leave_out_an_earlier_message(
    line: Line,
) -> None:
    """Ankara's checkpoint made after its first message reaches Damascus after the second one,
    which came on a faster path: with one path that is an omission; with several it is not. A
    log naming the second message but not the first is an omission either way."""
    line.send("TR", 2)
    own = [(x.kind, x.ref, x.leaf) for x in line.stores["TR"].ledger_leaves(line.id("SY"), 0, 10)]
    first, second = [leaf for leaf in own if leaf[0] == "envelope-out"]
    strict, strict_alarms = _witness(line, single_path=True)
    assert isinstance(strict.on_checkpoint(forged_frame(line, [first], total=1), T0), CosignatureRefusedFrame)
    assert [a.kind for a in strict_alarms] == ["alarm.omission"]
    several, alarms = _witness(line, single_path=False)
    assert isinstance(several.on_checkpoint(forged_frame(line, [first], total=1), T0), CosignatureFrame)
    assert alarms == []


def test_with_several_paths_a_gap_is_still_an_omission(line: Line) -> None:
    line.send("TR", 2)
    own = [(x.kind, x.ref, x.leaf) for x in line.stores["TR"].ledger_leaves(line.id("SY"), 0, 10)]
    second = [leaf for leaf in own if leaf[0] == "envelope-out"][1]
    several, alarms = _witness(line, single_path=False)
    reply = several.on_checkpoint(forged_frame(line, [second], total=1), T0)
    assert isinstance(reply, CosignatureRefusedFrame) and [a.kind for a in alarms] == ["alarm.omission"]
    assert "holds 1 messages it sent to this station, but this station holds 2" in reply.reason
