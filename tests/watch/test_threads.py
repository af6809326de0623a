"""The answer to a clarification-request acknowledges it: `acknowledge_by_reply`, which the send
path calls right after it queues a reply, queues an ordinary signed acknowledgement naming the
operator who answered and the reply, so that both sides see the request acknowledged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from detente.notifications import ValidNotice, validate
from detente.protocol.envelope import Envelope
from detente.watch.acks import AcknowledgementRefused, acknowledge, acknowledge_by_reply, replied_to
from detente.watch.watchman import Watchman

from .conftest import T0, Line, LineFactory

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def notice(kind: str, **members: Any) -> ValidNotice:
    data = json.loads((EXAMPLES / f"{kind}.json").read_text(encoding="utf-8")) | members
    checked = validate(kind, data, lang="en")
    assert isinstance(checked, ValidNotice), checked
    return checked


def ask(line: Line, at: float) -> Envelope:
    """SY asks TR "is this yours?"; it arrives at once."""
    request = notice("clarification-request")
    envelope = line.send("SY", at, kind="clarification-request", precedence=request.precedence, body=request.body)
    line.deliver(envelope, at)
    return envelope


def answer(line: Line, at: float, *references: dict[str, str]) -> Envelope:
    """TR's answer, queued (as `detente send --kind clarification-response` would)."""
    response = notice("clarification-response", references=list(references))
    return line.send("TR", at, kind="clarification-response", precedence=response.precedence, body=response.body)


def test_the_answer_to_a_clarification_request_acknowledges_it_on_both_sides(make_line: LineFactory) -> None:
    line = make_line()
    request = ask(line, T0)
    reply = answer(line, T0 + 30, {"id": request.id, "relation": "reply"})
    [ack] = acknowledge_by_reply(
        line.tr, line.store("TR"), reply=reply, operator=line.operator("TR", "Yzb. Demir"), now=T0 + 30
    )
    assert ack.kind == "acknowledgement" and ack.seq == reply.seq + 1, "right after the reply, on the same line"
    assert ack.body["acknowledges"] == request.id and ack.body["reply"] == reply.id
    assert ack.body["operator"] == "Yzb. Demir" and ack.body["envelope"] == request.hash
    held = line.store("TR").message(request.id)
    assert held is not None and (held.acked_by, held.ack_id) == ("Yzb. Demir", ack.id)

    for envelope in (reply, ack):
        line.deliver(envelope, T0 + 31)
    seen = line.store("SY").message(request.id)
    assert seen is not None and (seen.acked_by, seen.ack_id) == ("Yzb. Demir", ack.id)
    watch = Watchman(line.sy, line.store("SY"), started=T0)
    steps = [(e.message_id, e.step.value) for e in watch.tick(T0 + 3600, {})]
    assert steps == [(reply.id, "half-time"), (reply.id, "overdue")], (
        "no peer-overdue for the answered request; the reply itself needs a person at SY"
    )


def test_a_reply_acknowledges_only_unacknowledged_messages_it_answers_from_that_peer(make_line: LineFactory) -> None:
    line = make_line()
    operator = line.operator("TR", "Yzb. Demir")
    first, second, already = ask(line, T0), ask(line, T0 + 1), ask(line, T0 + 2)
    acknowledge(line.tr, line.store("TR"), message_id=already.id, operator=operator, note=None, now=T0 + 3)
    own = line.send("TR", T0 + 4)
    reply = answer(
        line,
        T0 + 10,
        {"id": second.id, "relation": "reply"},
        {"id": first.id, "relation": "update"},  # updating is not answering
        {"id": already.id, "relation": "reply"},
        {"id": own.id, "relation": "reply"},  # this station's own message
        {"id": "01a3185c-5000-71df-a658-000000000000", "relation": "reply"},  # unknown here
    )
    acks = acknowledge_by_reply(line.tr, line.store("TR"), reply=reply, operator=operator, now=T0 + 10)
    assert [a.body["acknowledges"] for a in acks] == [second.id]
    assert acknowledge_by_reply(line.tr, line.store("TR"), reply=reply, operator=operator, now=T0 + 11) == []
    first_held = line.store("TR").message(first.id)
    assert first_held is not None and first_held.acked_at is None


@pytest.mark.parametrize(
    ("name", "role", "reason"),
    [
        ("Ms. Yilmaz", "translator", "has the role translator"),
        ("Nobody", None, "no operator named 'Nobody'"),
    ],
)
def test_only_an_acknowledging_account_can_acknowledge_by_reply(
    make_line: LineFactory, name: str, role: str | None, reason: str
) -> None:
    line = make_line()
    if role is not None:
        line.operator("TR", name, role)
    request = ask(line, T0)
    reply = answer(line, T0 + 30, {"id": request.id, "relation": "reply"})
    with pytest.raises(AcknowledgementRefused, match=reason):
        acknowledge_by_reply(line.tr, line.store("TR"), reply=reply, operator=name, now=T0 + 30)
    held = line.store("TR").message(request.id)
    assert held is not None and held.acked_at is None


@pytest.mark.parametrize(
    ("body", "ids"),
    [
        ({"references": [{"id": "a", "relation": "reply"}, {"id": "b", "relation": "cancel"}]}, ["a"]),
        ({"references": "a"}, []),
        ({"references": [{"id": 7, "relation": "reply"}, "x"]}, []),
        ({"text": "no references"}, []),
    ],
)
def test_replied_to(body: dict[str, Any], ids: list[str]) -> None:
    assert replied_to(body) == ids
