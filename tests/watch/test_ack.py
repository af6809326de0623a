"""`detente ack`: each refusal with its reason and nothing queued; the acknowledgement travelling
back between two real `detente serve` processes; two operators at once give one acknowledgement."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from detente.cli import main
from detente.protocol.envelope import Envelope
from detente.protocol.timestamps import format_time
from detente.store import SQLiteStore
from detente.watch.acks import AcknowledgementRefused, acknowledge
from integration.stations import StationProcess, free_port, wait_until

from .conftest import T0, Line, LineFactory


def ack(line: Line, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["ack", "--home", str(line.sy.path), *args])
    out, err = capsys.readouterr()
    return code, out, err


def outgoing(line: Line, party: str = "SY") -> list[str]:
    return [r.id for _, r in line.store(party).messages("out")]


@pytest.fixture
def story(make_line: LineFactory) -> tuple[Line, dict[str, str]]:
    """SY holds: a message from TR; its own message to TR; TR's acknowledgement of that one. SY's
    accounts: an operator, a supervisor, a translator, an auditor and a disabled operator."""
    line = make_line()
    from_tr = line.send("TR", T0)
    line.deliver(from_tr, T0)
    own = line.send("SY", T0 + 1)
    line.deliver(own, T0 + 1)
    their_ack = acknowledge(
        line.tr, line.store("TR"), message_id=own.id, operator=line.operator("TR", "Yzb. Demir"), note=None, now=T0 + 2
    )
    line.deliver(their_ack, T0 + 2)
    for name, role in (
        ("Lt. Haddad", "operator"),
        ("Maj. Asad", "supervisor"),
        ("Ms. Nasser", "translator"),
        ("Mr. Khoury", "auditor"),
        ("Capt. Said", "operator"),
    ):
        line.operator("SY", name, role)
    assert main(["operator", "disable", "--home", str(line.sy.path), "--name", "Capt. Said"]) == 0
    return line, {"from_tr": from_tr.id, "own": own.id, "their_ack": their_ack.id}


@pytest.mark.parametrize(
    ("message", "operator", "extra", "reason"),
    [
        ("01a3185c-5000-71df-a658-000000000000", "Lt. Haddad", [], "no message {id} at this station"),
        ("own", "Lt. Haddad", [], "message {id} was sent by this station; only the receiving station acknowledges"),
        ("their_ack", "Lt. Haddad", [], "message {id} is itself an acknowledgement; it needs none"),
        ("from_tr", "Ms. Nasser", [], "'Ms. Nasser' has the role translator; only operators and supervisors"),
        ("from_tr", "Mr. Khoury", [], "'Mr. Khoury' has the role auditor; only operators and supervisors"),
        ("from_tr", "Capt. Said", [], "operator 'Capt. Said' was disabled at 20"),
        ("from_tr", "Nobody", [], "no operator named 'Nobody' at this station; create one with `detente operator add`"),
        ("from_tr", "Lt. Haddad", ["--note", "x" * 501], "the note is 501 characters; at most 500"),
    ],
)
def test_refusals_name_the_reason_and_queue_nothing(
    story: tuple[Line, dict[str, str]],
    capsys: pytest.CaptureFixture[str],
    message: str,
    operator: str,
    extra: list[str],
    reason: str,
) -> None:
    line, ids = story
    message_id = ids.get(message, message)
    before = outgoing(line)
    code, out, err = ack(line, capsys, message_id, "--operator", operator, *extra)
    assert code == 1 and out == ""
    assert reason.format(id=message_id) in err
    assert outgoing(line) == before, "nothing queued"
    held = line.store("SY").message(ids["from_tr"])
    assert held is not None and held.acked_at is None


def test_a_second_acknowledgement_is_refused_naming_who_and_when(
    story: tuple[Line, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    line, ids = story
    code, out, _ = ack(line, capsys, ids["from_tr"], "--operator", "Lt. Haddad")
    assert code == 0
    first = out.strip()
    held = line.store("SY").message(ids["from_tr"])
    assert held is not None and held.ack_id == first and held.acked_by == "Lt. Haddad"
    before = outgoing(line)
    code, out, err = ack(line, capsys, ids["from_tr"], "--operator", "Maj. Asad")
    assert code == 1 and out == ""
    assert f"message {ids['from_tr']} was already acknowledged by Lt. Haddad at {held.acked_at}" in err
    assert outgoing(line) == before


def test_a_late_acknowledgement_says_so(story: tuple[Line, dict[str, str]], capsys: pytest.CaptureFixture[str]) -> None:
    line, _ = story
    an_hour_ago = line.send("TR", time.time() - 3600)  # FLASH: two minutes to acknowledge it
    line.deliver(an_hour_ago, time.time() - 3600)
    code, out, err = ack(line, capsys, an_hour_ago.id, "--operator", "Lt. Haddad")
    assert code == 0 and err == "note: acknowledged 58 min after its deadline; recorded as late\n"
    envelope = line.store("SY").message(out.strip())
    assert envelope is not None and 3480 <= envelope.body["late_by_s"] < 3490


def test_an_acknowledgement_in_time_says_nothing_more(
    story: tuple[Line, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    line, _ = story
    just_now = line.send("TR", time.time())
    line.deliver(just_now, time.time())
    code, out, err = ack(line, capsys, just_now.id, "--operator", "Maj. Asad")
    assert (code, err) == (0, "")
    envelope = line.store("SY").message(out.strip())
    assert envelope is not None and "late_by_s" not in envelope.body and envelope.body["role"] == "supervisor"


class Hesitant(SQLiteStore):
    """The real store, with every writer of an outgoing message waiting at a barrier first: two
    operators have passed every check outside the write transaction before either writes."""

    barrier = threading.Barrier(2, timeout=10)

    def append_outgoing(self, peer: str, build: Callable[[int, str], Envelope], stored_at: str) -> Envelope:
        self.barrier.wait()
        return super().append_outgoing(peer, build, stored_at)


def test_two_operators_acknowledging_at_once_give_exactly_one_acknowledgement(make_line: LineFactory) -> None:
    line = make_line()
    message = line.send("TR", T0)
    line.deliver(message, T0)
    names = [line.operator("SY", "Lt. Haddad"), line.operator("SY", "Maj. Asad", "supervisor")]
    results: dict[str, object] = {}

    def operator_acknowledges(name: str) -> None:
        store = Hesitant(line.sy.database_path)
        try:
            results[name] = acknowledge(line.sy, store, message_id=message.id, operator=name, note=None, now=T0 + 5)
        except AcknowledgementRefused as exc:
            results[name] = exc
        finally:
            store.close()

    threads = [threading.Thread(target=operator_acknowledges, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    given = [r for r in results.values() if isinstance(r, Envelope)]
    refused = [r for r in results.values() if isinstance(r, AcknowledgementRefused)]
    assert len(given) == 1 and len(refused) == 1, results
    winner = given[0].body["operator"]
    assert f"already acknowledged by {winner} at {format_time(T0 + 5)}" in str(refused[0])
    acks = [r for _, r in line.store("SY").messages("out") if r.kind == "acknowledgement"]
    assert [a.id for a in acks] == [given[0].id]
    held = line.store("SY").message(message.id)
    assert held is not None and (held.acked_by, held.ack_id) == (winner, given[0].id)


def _process(line: Line, party: str, port: int) -> StationProcess:
    home = line.home(party)
    return StationProcess(home.path, home.config.name, party, port)


def test_the_acknowledgement_travels_back_through_the_real_cli(make_line: LineFactory) -> None:
    ports = free_port(), free_port()
    line = make_line(listen=(f"127.0.0.1:{ports[0]}", f"127.0.0.1:{ports[1]}"))
    tr, sy = _process(line, "TR", ports[0]), _process(line, "SY", ports[1])
    try:
        tr.start()
        sy.start()
        message_id = line.send("TR", time.time()).id  # queued as `detente send` does; serve delivers it
        wait_until(lambda: line.store("SY").message(message_id), 20, what="the message at SY")
        line.operator("SY", "Lt. Haddad")  # `detente operator add` is tested on its own
        ack_id = sy.cli("ack", message_id, "--operator", "Lt. Haddad", "--note", "Seen; checking").stdout.strip()

        def acknowledged_at_tr() -> bool:
            record = line.store("TR").message(message_id)
            return record is not None and record.acked_at is not None

        wait_until(acknowledged_at_tr, 20, what="the acknowledgement back at TR")
        [sent] = [m for m in tr.messages("outbox") if m["id"] == message_id]
        [received] = [m for m in sy.messages("inbox") if m["id"] == message_id]
        for view in (sent, received):
            assert view["acknowledged_by"] == "Lt. Haddad"
            assert view["acknowledgement_id"] == ack_id
            assert view["acknowledged_at"] is not None
        assert sent["acknowledged_at"] == received["acknowledged_at"], "the operator's time, signed, on both sides"
        ack_at_tr = line.store("TR").message(ack_id)  # the signed acknowledgement itself, as TR holds it
        assert ack_at_tr is not None and ack_at_tr.kind == "acknowledgement" and ack_at_tr.direction == "in"
        assert ack_at_tr.body["acknowledges"] == message_id
        assert ack_at_tr.body["note"] == "Seen; checking"
        assert ack_at_tr.body["envelope"] == received["envelope_hash"]
    finally:
        tr.close()
        sy.close()
    assert Path(tr.log_path).exists()
