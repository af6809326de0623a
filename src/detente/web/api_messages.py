"""Messages: the watch list, one message, composing and sending, acknowledging, translations."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from starlette.responses import JSONResponse, Response

from ..compose import NoticeRefused, compose, compose_on_line, preview
from ..errors import StationError
from ..ledger.records import seal_record
from ..lines.book import in_force, line_addressing
from ..notifications import BorderAdvice, Problems, Rendering
from ..operators import ACKNOWLEDGING_ROLES
from ..protocol.envelope import Precedence
from ..protocol.ids import uuid7
from ..protocol.timestamps import format_time
from ..reading import machine_translator
from ..store import TranslationRecord
from ..watch.acks import AcknowledgementRefused, acknowledge, acknowledge_by_reply
from .api import ANYONE, Call, Operation, Reply, error
from .models import (
    AckReply,
    AckRequest,
    ApiError,
    LangQuery,
    MessageDetail,
    MessagesQuery,
    MessagesReply,
    NoBody,
    NoQuery,
    Ok,
    PreviewReply,
    SendReply,
    SendRequest,
    TranslationRequest,
)
from .presenter import message_detail, message_line, rendered_message, uses_machine_translation, where_it_lies

__all__ = ["OPERATIONS"]

_SENDING_ROLES = frozenset({"operator", "supervisor"})


def _problems(problems: Problems) -> list[dict[str, str]]:
    return [{"path": p.path, "label": p.label, "code": p.code, "message": p.message} for p in problems.items]


def _advice(advice: tuple[BorderAdvice, ...]) -> list[dict[str, Any]]:
    return [{"path": a.path, "code": a.code, "country": a.country, "km": a.km, "message": a.message} for a in advice]


def _rendered(rendering: Rendering | None, lang: str) -> dict[str, Any] | None:
    if rendering is None:
        return None
    return {"lang": lang, "direction": rendering.direction, "text": rendering.text()}


async def _list_messages(call: Call[NoBody, MessagesQuery]) -> Response:
    q = call.query
    records = call.store.find_messages(
        since=q.since, until=q.until, kinds=q.kind, direction=q.direction, id_prefix=q.id_prefix, limit=q.limit
    )
    config, lang = call.home.config, call.lang()
    steps: dict[str, list[str]] = {}
    for step in call.store.escalations_of([r.id for r in records]):
        steps.setdefault(step.message_id, []).append(step.step)
    lines = [message_line(config, r, lang, escalation=steps.get(r.id, ())) for r in records]
    return JSONResponse({"messages": lines, "now": format_time(call.now())})


async def _get_message(call: Call[NoBody, LangQuery]) -> Response:
    record = call.store.message(call.param("message_id"))
    if record is None:
        return error(404, "no such message at this station")
    config, lang = call.home.config, call.lang()
    machine = machine_translator(config)  # looked up once, when the station started the console
    shown = None
    if uses_machine_translation(machine.backend, call.store.translations(record.id), lang):
        # A model takes a second or more: not on the event loop that also runs the line.
        shown = await asyncio.to_thread(rendered_message, config, record, lang, machine.backend)
    # The border data takes seconds to load the first time: not on the event loop either.
    where = await asyncio.to_thread(where_it_lies, config, record, lang)
    return JSONResponse(message_detail(config, call.store, record, lang, shown=shown, where=where))


async def _send_message(call: Call[SendRequest, LangQuery]) -> Response:
    data, lang, now = call.body, call.lang(), call.now()
    try:
        on_line = line_addressing(call.store, data.to, data.line)
        if on_line is not None:
            sent = compose_on_line(
                call.home,
                call.store,
                line=on_line[0],
                to_parties=on_line[1],
                kind=data.kind,
                data=data.body,
                precedence=data.precedence,
                now=now,
                lang=lang,
            )
            call.journal("console.sent", f"{data.kind} {sent[0].id} on line {on_line[0]} to {data.to}")
            for envelope in sent:
                call.console.hub.publish({"type": "message", "id": envelope.id})
            ids = [e.id for e in sent]
            return JSONResponse({"id": ids[0], "ids": ids, "advice": [], "late": None, "acknowledged": []}, 201)
        composed = compose(
            call.home,
            call.store,
            to_party=data.to,
            kind=data.kind,
            data=data.body,
            precedence=data.precedence,
            now=now,
            lang=lang,
        )
    except NoticeRefused as exc:
        return error(422, "the notice has problems; nothing was sent", problems=_problems(exc.problems))
    except StationError as exc:
        return error(422, str(exc))
    envelope = composed.envelope
    call.journal("console.sent", f"{envelope.kind} {envelope.id} to {data.to}")
    acknowledged: list[str] = []
    if call.who.operator.role in ACKNOWLEDGING_ROLES:
        for ack in acknowledge_by_reply(call.home, call.store, reply=envelope, operator=call.who.name, now=now):
            target = str(ack.body.get("acknowledges"))
            acknowledged.append(target)
            call.journal("console.acknowledged", f"{target} (by the reply {envelope.id})")
    call.console.hub.publish({"type": "message", "id": envelope.id})
    for target in acknowledged:
        call.console.hub.publish({"type": "message", "id": target})
    late = composed.late.describe(lang) if composed.late is not None and composed.late.late else None
    body = {"id": envelope.id, "advice": _advice(composed.advice), "late": late, "acknowledged": acknowledged}
    return JSONResponse(body, status_code=201)


async def _preview_message(call: Call[SendRequest, LangQuery]) -> Response:
    data, lang = call.body, call.lang()
    try:
        to_party = data.to
        on_line = line_addressing(call.store, data.to, data.line)
        if on_line is not None:  # rendered for the first recipient: each reads it in its own language
            charter = in_force(call.store, on_line[0])
            me = call.home.config.station_id
            others = [m.party for m in charter.members if m.station_id != me] if charter else []
            to_party = (on_line[1] or others or [data.to])[0]
        checked = preview(
            call.home, call.store, to_party=to_party, kind=data.kind, data=data.body, now=call.now(), lang=lang
        )
    except StationError as exc:
        return error(422, str(exc))
    precedence = data.precedence or checked.precedence
    late = checked.late.describe(lang) if checked.late is not None and checked.late.late else None
    return JSONResponse(
        {
            "valid": checked.problems is None,
            "problems": _problems(checked.problems) if checked.problems else [],
            "advice": _advice(checked.advice),
            "late": late,
            "precedence": Precedence(precedence).value if precedence else None,
            "receiver": _rendered(checked.receiver, checked.receiver_lang),
            "reader": _rendered(checked.reader, lang),
            "border_checked": checked.border_checked,
            "reads": list(checked.reads),
            "written_in": checked.written_in,
        }
    )


async def _acknowledge_message(call: Call[AckRequest, NoQuery]) -> Response:
    message_id = call.param("message_id")
    try:
        envelope = acknowledge(
            call.home, call.store, message_id=message_id, operator=call.who.name, note=call.body.note, now=call.now()
        )
    except AcknowledgementRefused as exc:
        status = 404 if call.store.message(message_id) is None else 409
        call.journal("console.refused", f"acknowledging {message_id}: {exc}")
        return error(status, str(exc))
    call.journal("console.acknowledged", message_id)
    call.console.hub.publish({"type": "message", "id": message_id})
    late_by = envelope.body.get("late_by_s")
    return JSONResponse({"id": envelope.id, "late_by_s": late_by if isinstance(late_by, int | float) else None})


async def _add_translation(call: Call[TranslationRequest, NoQuery]) -> Response:
    record = call.store.message(call.param("message_id"))
    if record is None:
        return error(404, "no such message at this station")
    if record.kind == "acknowledgement":
        return error(409, f"message {record.id} is an acknowledgement; it has nothing to translate")
    data, now, who = call.body, call.now(), call.who.name
    text = data.text.strip()
    if not text:
        return error(422, "the translation is empty")
    config = call.home.config
    sealed = seal_record(
        call.home.signer,
        id=uuid7(int(now * 1000), os.urandom(10)),
        station=config.station_id,
        peer=record.peer,
        event="translation.certified",
        at=format_time(now),
        detail=f"certified {data.lang} translation of {record.id} by {who}",
        evidence={
            "message": record.id,
            "envelope": record.envelope_hash,
            "lang": data.lang,
            "text": text,
            "translator": who,
        },
    )
    call.store.add_translation(
        TranslationRecord(record.id, data.lang, text, who, format_time(now)), record.peer, (sealed.id, sealed.canonical)
    )
    call.journal("console.translation", f"{data.lang} translation of {record.id}")
    call.console.hub.publish({"type": "message", "id": record.id})
    return JSONResponse({"ok": True}, status_code=201)


_V1 = "/api/v1"
_NOT_FOUND = Reply("No such message at this station.", ApiError)

OPERATIONS: list[Operation[Any, Any]] = [
    Operation(
        "GET",
        f"{_V1}/messages",
        "listMessages",
        "Messages in and out, newest first",
        "messages",
        ANYONE,
        NoBody,
        MessagesQuery,
        {
            200: Reply(
                "The watch list (acknowledgements are not listed; they show on what they acknowledge).", MessagesReply
            )
        },
        _list_messages,
        description="Filter by creation time (`since` inclusive, `until` exclusive: the print view of a time "
        "range), by kind, direction, and by the start of the id (`id_prefix`: find a message read out over "
        "the phone).",
    ),
    Operation(
        "POST",
        f"{_V1}/messages",
        "sendMessage",
        "Validate, sign and queue a notification for a peer",
        "messages",
        _SENDING_ROLES,
        SendRequest,
        LangQuery,
        {
            201: Reply("Queued: durable, and on its way whenever the line is up.", SendReply),
            422: Reply(
                "Nothing was sent: every problem of the notice by field path, in the requested language; or an "
                "unknown peer.",
                ApiError,
            ),
        },
        _send_message,
        description="A reply (a body whose `references` answer a received message with relation `reply`) "
        "also acknowledges what it answers, in the caller's name.",
    ),
    Operation(
        "POST",
        f"{_V1}/messages/preview",
        "previewMessage",
        "Check a notification and render it as the peer will read it; nothing is sent",
        "messages",
        ANYONE,
        SendRequest,
        LangQuery,
        {
            200: Reply("The problems by field path, or the border advice, lateness and renderings.", PreviewReply),
            422: Reply("The request itself has problems, or the peer is unknown.", ApiError),
        },
        _preview_message,
    ),
    Operation(
        "GET",
        f"{_V1}/messages/{{message_id}}",
        "getMessage",
        "One message: rendered, its original, references, translations and whole history",
        "messages",
        ANYONE,
        NoBody,
        LangQuery,
        {200: Reply("The message.", MessageDetail), 404: _NOT_FOUND},
        _get_message,
    ),
    Operation(
        "POST",
        f"{_V1}/messages/{{message_id}}/ack",
        "acknowledgeMessage",
        "Acknowledge a received message in the caller's name",
        "messages",
        ACKNOWLEDGING_ROLES,
        AckRequest,
        NoQuery,
        {
            200: Reply("The signed acknowledgement is queued for the sender.", AckReply),
            404: _NOT_FOUND,
            409: Reply(
                "Refused: already acknowledged (by whom, when), sent by this station, or needing none.", ApiError
            ),
        },
        _acknowledge_message,
    ),
    Operation(
        "POST",
        f"{_V1}/messages/{{message_id}}/translation",
        "addTranslation",
        "Attach a translator's certified translation of a message",
        "messages",
        frozenset({"translator"}),
        TranslationRequest,
        NoQuery,
        {
            201: Reply("Stored, with a signed record in the line's log.", Ok),
            404: _NOT_FOUND,
            409: Reply("The message is an acknowledgement: nothing to translate.", ApiError),
        },
        _add_translation,
    ),
]
