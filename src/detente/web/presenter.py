"""What the console shows of a message: a line in the watch list, and the full detail, in the
reader's language, with times in UTC and in the operations centre's time zone
(``notifications.time_zone``). Plain data (JSON-ready); the browser only lays it out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from ..alarms.texts import notice_text
from ..compose import message_lateness
from ..config import StationConfig
from ..invisible import shown
from ..lines.book import recipients_of
from ..notifications import InvalidBodyError, Lang, NotificationError, TranslationBackend, render, spec
from ..notifications.bidi import isolate_auto
from ..notifications.gazetteer import PlaceBearing
from ..notifications.i18n import N_
from ..notifications.i18n import translator as catalogue
from ..notifications.languages import direction
from ..notifications.whereabouts import bearing_text, whereabouts
from ..protocol.timestamps import format_time, parse_time
from ..reading import reader_zone_name
from ..store import MessageRecord, Store, TranslationRecord
from ..views import ShownMessage, message_view, shown_message
from ..watch.deadlines import deadline_seconds
from ..watch.sentences import say_in

__all__ = [
    "geometries",
    "message_detail",
    "message_line",
    "rendered_message",
    "shorten",
    "translation_requests",
    "uses_machine_translation",
    "where_it_lies",
]

_GEOMETRY_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
_FOREIGN_MEMBERS = ("radius_km", "corridor_km")


_SUMMARY = 160
"""At most this many characters of a summary, cut at a word boundary."""


def _title(record: MessageRecord, seen: ShownMessage, lang: Lang, tz: str | None) -> tuple[str, str, Lang | None]:
    """(title of the kind, a one-line summary, the language of its free text if it has any) in the
    reader's language, from the body as shown (the peer's invisible characters as ``⟨U+…⟩``)."""
    body = seen.body
    try:
        rendering = render(record.kind, body, lang=lang, tz=tz)
        title = rendering.title
    except (InvalidBodyError, NotificationError):
        title = record.kind
        rendering = None
    if isinstance(body.get("text"), str):
        summary = " ".join(str(body["text"]).split())
    elif rendering is not None and rendering.fields:
        summary = "; ".join(f"{f.label}: {f.value}" for f in rendering.fields[:2])
    else:
        summary = ""
    text_lang = rendering.sender_lang if rendering is not None and any(f.original for f in rendering.fields) else None
    return title, shorten(summary, _SUMMARY), text_lang


def shorten(text: str, limit: int) -> str:
    """``text`` cut at the last word boundary within ``limit`` characters, with "…" (never mid-word)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if not text[limit - 1].isspace() and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def _due(config: StationConfig, record: MessageRecord) -> float | None:
    deadline = deadline_seconds(config, record.kind, record.precedence, record.peer_party)
    if deadline is None or record.acked_at is not None or not record.ack_needed:
        return None  # (no acknowledgement expected: to or at a line's mediator or observer, or refused)
    started = record.stored_at if record.direction == "in" else record.delivered_at
    return None if started is None else parse_time(started) + deadline


def message_line(
    config: StationConfig, record: MessageRecord, lang: Lang, *, escalation: Sequence[str] = ()
) -> dict[str, Any]:
    """One line of the watch list. ``escalation``: the steps taken for the message, in order
    (``Store.escalations_of``); from them comes ``alarm``, the console's louder alarm for a message
    this station's people have not acknowledged past half its deadline (the map's lines leave
    them out)."""
    view = message_view(record, config.party)
    seen = shown_message(record)
    title, summary, text_lang = _title(record, seen, lang, reader_zone_name(config))
    due = _due(config, record)
    state = "acknowledged" if record.acked_at else record.state
    late = message_lateness(record)
    return {
        "id": record.id,
        "direction": record.direction,
        "peer": record.peer_party,
        "kind": record.kind,
        "title": title,
        "summary": summary,
        "text_lang": text_lang,
        "precedence": record.precedence,
        "created_at": record.created_at,
        "state": state,
        "receipt_at": view["receipt_at"],
        "acknowledged_at": record.acked_at,
        "acknowledged_by": seen.acked_by,
        "due_at": format_time(due) if due is not None else None,
        "needs_acknowledgement": due is not None and record.direction == "in",
        "late_notice": bool(late and late.late),
        "escalation": list(escalation),
        "alarm": _alarm(record, due, escalation),
        "invisible_characters": seen.invisible,
    }


_ALARM_STEPS = ("overdue", "half-time")
"""The escalation steps at which the console raises its louder alarm, the later first."""


def _alarm(record: MessageRecord, due: float | None, escalation: Sequence[str]) -> str | None:
    """The step whose alarm the console raises for the message now: the latest of ``half-time``
    and ``overdue`` that was taken, while this station's people have still to acknowledge it."""
    if due is None or record.direction != "in":
        return None
    return next((step for step in _ALARM_STEPS if step in escalation), None)


def geometries(value: Any, path: str = "") -> list[dict[str, Any]]:
    """Every GeoJSON geometry inside a body, for the map, with the field it came from (circles and
    corridors keep their ``radius_km`` and ``corridor_km``)."""
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        if value.get("type") in _GEOMETRY_TYPES and isinstance(value.get("coordinates"), list):
            geometry = {"type": value["type"], "coordinates": value["coordinates"], "path": path}
            for member in _FOREIGN_MEMBERS:
                if isinstance(value.get(member), int | float) and not isinstance(value.get(member), bool):
                    geometry[member] = value[member]
            found.append(geometry)
        else:
            for key, item in value.items():
                found.extend(geometries(item, f"{path}.{key}" if path else str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(geometries(item, f"{path}[{index}]"))
    return found


def _bearing(bearing: PlaceBearing | None, lang: Lang) -> dict[str, Any] | None:
    if bearing is None:
        return None
    return {
        "name": bearing.place.name(lang),
        "country": bearing.place.country,
        "km": round(bearing.km, 2),
        "bearing": bearing.compass,
        "text": bearing_text(bearing, lang),
    }


def where_it_lies(config: StationConfig, record: MessageRecord, lang: Lang) -> list[dict[str, Any]]:
    """Where each geometry of the message lies (nearest town and place, border distance), from this
    station's side of the line: the same words on the sender's console and the receiver's."""
    try:
        found = whereabouts(record.kind, record.body, own=config.party, other=record.peer_party, lang=lang)
    except (InvalidBodyError, NotificationError):
        return []
    return [
        {
            "path": item.path,
            "point": [round(item.point[0], 6), round(item.point[1], 6)],
            "town": _bearing(item.town, lang),
            "place": _bearing(item.place, lang),
            "border": None
            if item.border is None
            else {"km": round(item.border.km, 2), "country": item.border.country, "text": item.border.text},
            "text": item.text,
        }
        for item in found
    ]


def _acknowledgement(store: Store, record: MessageRecord) -> dict[str, Any] | None:
    if record.acked_at is None or record.acked_by is None:
        return None
    ack = store.message(record.ack_id) if record.ack_id else None
    body = ack.body if ack is not None else {}
    note, late_by = body.get("note"), body.get("late_by_s")
    return {
        "id": record.ack_id,
        "by": shown(record.acked_by, multiline=False).text,
        "at": record.acked_at,
        "note": shown(note).text if isinstance(note, str) else None,
        "late_by_s": float(late_by) if isinstance(late_by, int | float) and not isinstance(late_by, bool) else None,
    }


def translation_requests(store: Store, record: MessageRecord) -> list[dict[str, Any]]:
    """The translation requests this station sent for a received message, oldest first, each with
    where it stands (tracked like any request: delivered, acknowledged by whom) and ``answer``, the
    id of the reply that brought the translation back, once one came."""
    if record.direction != "in":
        return []
    found = []
    requests = [r for r in store.find_messages(kinds=["translation-request"], direction="out")]
    asked = {r.id for r in requests if r.body.get("message") == record.id}
    answers: dict[str, str] = {}
    if asked:  # the replies that carry a translation back: received, with a reference "reply" to a request
        for reply in store.find_messages(direction="in", since=min(r.created_at for r in requests if r.id in asked)):
            for ref in reply.body.get("references", []) or []:
                if isinstance(ref, dict) and ref.get("relation") == "reply" and ref.get("id") in asked:
                    answers.setdefault(str(ref["id"]), reply.id)
    for request in requests:
        if request.id in asked:
            found.append(
                {
                    "id": request.id,
                    "into": request.body.get("into"),
                    "at": request.created_at,
                    "state": "acknowledged" if request.acked_at else request.state,
                    "acknowledged_by": request.acked_by,
                    "acknowledged_at": request.acked_at,
                    "answer": answers.get(request.id),
                }
            )
    return sorted(found, key=lambda item: item["at"])


def uses_machine_translation(
    translator: TranslationBackend | None, translations: Sequence[TranslationRecord], lang: Lang
) -> bool:
    """Whether a reader of ``lang`` is shown a machine translation: not when a translator has
    certified one in that language."""
    return translator is not None and not any(t.lang == lang for t in translations)


def rendered_message(
    config: StationConfig, record: MessageRecord, lang: Lang, translator: TranslationBackend | None = None
) -> dict[str, Any]:
    """``rendered`` (as the reader reads it) and ``original`` (as the sender wrote it), times in UTC
    and the station's zone. Free text stays in the original; ``translator`` adds a machine
    translation beside it, marked as one. Touches no store, so it may run in a worker thread (a
    translation model takes a while). Rendered from the body as shown (:func:`shown_message`):
    the peer's invisible and direction-changing characters appear as ``⟨U+202E⟩``."""
    body = shown_message(record).body
    original = cast(Lang | None, body.get("lang") if body.get("lang") in ("tr", "ar", "en", "ru") else None)
    tz = reader_zone_name(config)
    try:
        reader = render(record.kind, body, lang=lang, tz=tz, original_lang=original, translator=translator)
        sender = render(record.kind, body, lang=original, tz=tz, original_lang=original) if original else None
    except (InvalidBodyError, NotificationError) as exc:
        problem = isolate_auto(shown(str(exc)).text, rtl_context=True)
        said = catalogue(lang).format(N_("cannot be rendered: {problem}"), problem=problem)
        return {"rendered": {"lang": lang, "direction": direction(lang), "text": f"({said})"}, "original": None}
    return {
        "rendered": {"lang": lang, "direction": reader.direction, "text": reader.text()},
        "original": {"lang": original, "direction": sender.direction, "text": sender.text()} if sender else None,
    }


def message_detail(
    config: StationConfig,
    store: Store,
    record: MessageRecord,
    lang: Lang,
    *,
    translator: TranslationBackend | None = None,
    shown: dict[str, Any] | None = None,
    where: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Everything the detail view shows. ``shown`` is :func:`rendered_message`'s result when the
    caller rendered it already (in a worker thread); otherwise it is rendered here, with a machine
    translation by ``translator`` unless one is certified in the reader's language. ``where`` is
    :func:`where_it_lies`'s result when the caller found it already (in a worker thread)."""
    body = record.body
    acked_by = shown_message(record).acked_by
    translations = store.translations(record.id)
    escalations = store.escalations_of([record.id])
    detail = message_line(config, record, lang, escalation=[step.step for step in escalations])
    if shown is None:
        backend = translator if uses_machine_translation(translator, translations, lang) else None
        shown = rendered_message(config, record, lang, backend)
    detail["rendered"], detail["original"] = shown["rendered"], shown["original"]
    late = message_lateness(record)
    detail["late"] = late.describe(lang) if late is not None and late.late else None
    detail["body"] = body  # exactly as signed; everything shown of it comes from the shown body
    detail["geometries"] = geometries(body)
    detail["whereabouts"] = where if where is not None else where_it_lies(config, record, lang)
    detail["references"] = [
        {"id": ref.get("id"), "relation": ref.get("relation"), "known": store.message(str(ref.get("id"))) is not None}
        for ref in body.get("references", []) or []
        if isinstance(ref, dict)
    ]
    detail["acknowledgement"] = _acknowledgement(store, record)
    detail["line"] = record.line_name
    detail["recipients"] = (
        [vars(r) | {"summary": r.describe()} for r in recipients_of(store, record.line_group)]
        if record.line_group and record.direction == "out"
        else []
    )
    detail["translation_requests"] = translation_requests(store, record)
    detail["translations"] = [
        {"lang": t.lang, "text": t.text, "translator": t.translator, "at": t.at} for t in translations
    ]
    history: list[dict[str, Any]] = [{"event": "created", "at": record.created_at, "clock": "sender"}]
    if record.direction == "out":
        history.append({"event": "queued", "at": record.stored_at, "clock": "ours"})
        if record.sent_at:
            history.append({"event": "sent", "at": record.sent_at, "clock": "ours"})
        if record.receipted_at:
            history.append({"event": "receipt signed", "at": record.receipted_at, "clock": "peer"})
        if record.delivered_at:
            history.append({"event": "receipt stored", "at": record.delivered_at, "clock": "ours"})
        if record.acked_at:
            history.append({"event": f"acknowledged by {acked_by}", "at": record.acked_at, "clock": "peer"})
    else:
        history.append({"event": "received and receipted", "at": record.stored_at, "clock": "ours"})
        if record.acked_at:
            history.append({"event": f"acknowledged by {acked_by}", "at": record.acked_at, "clock": "ours"})
    for step in escalations:
        history.append(
            {"event": f"escalation: {step.step}", "at": step.at, "clock": "ours", "detail": say_in(step.detail, lang)}
        )
    for notice in store.supervisor_notices([record.id]):
        history.append(
            {
                "event": f"supervisors: {notice.outcome}",
                "at": notice.at,
                "clock": "ours",
                "detail": notice_text(notice, lang),
                "step": notice.step,
                "channel": notice.channel or None,
                "recipient": notice.recipient or None,
                "reason": notice.reason or None,
            }
        )
    history.sort(key=lambda item: item["at"])
    detail["history"] = history
    try:
        detail["kind_title"] = spec(record.kind).title
    except NotificationError:
        detail["kind_title"] = record.kind
    return detail
