"""``detente inbox`` and ``outbox`` as a person reads them: per message its precedence, kind, the
other party and where it stands (queued, sent, delivered with the receipt's time, acknowledged by
whom and when: what the console shows), then the message rendered in the reader's language, with
free text in the sender's words and any machine translation marked as such.

Every word comes from the catalogues; names and free text are isolated (FSI … PDI) so that
Arabic and Latin text cannot reorder the line they sit in; lines of a right-to-left language
start with RLM. Times are 24-hour UTC, with the operations centre's zone beside them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from .invisible import shown_value
from .notifications import InvalidBodyError, Lang, NotificationError, TranslationBackend, render
from .notifications.bidi import RLM, invisible_notice
from .notifications.formatting import Formatter, reader_zone
from .notifications.i18n import N_, Nn_
from .protocol.timestamps import parse_time
from .store import MessageRecord

__all__ = ["body_lang", "empty_text", "message_block", "short_time", "state_text", "summary_line"]

_STATES = {
    "queued": N_("queued, not yet sent"),
    "sent": N_("sent, no receipt yet"),
    "received": N_("received {time}"),
}
_DELIVERED = N_("delivered: receipt signed {time}")
_ACKNOWLEDGED = N_("acknowledged by {who}, {time}")
_REFUSED = N_("refused: {reason}")
_TO = N_("to {party}")
_FROM = N_("from {party}")
_ID = N_("id {id}, created {time}")
_UNRENDERABLE = N_("cannot be rendered: {problem}")
_COUNT = Nn_("{count} message", "{count} messages")
_NONE = N_("no messages")


def short_time(fmt: Formatter, stamp: str | None) -> str:
    """``2026-11-26 14:21:05Z (17:21 Europe/Istanbul)``: 24-hour UTC, the centre's zone beside it."""
    if not stamp:
        return "—"
    moment = datetime.fromtimestamp(parse_time(stamp), UTC)
    text = moment.strftime("%Y-%m-%d %H:%M:%SZ")
    if fmt.tz is not None:
        local = moment.astimezone(fmt.tz)
        text += f" ({local.strftime('%H:%M')} {fmt.tz.key})"
    return fmt.ltr(text)


def state_text(fmt: Formatter, record: MessageRecord) -> str:
    """Where a message stands, as the console says it: acknowledged wins over delivered."""
    if record.acked_at is not None:
        return fmt.t.format(_ACKNOWLEDGED, who=fmt.auto(record.acked_by or "?"), time=short_time(fmt, record.acked_at))
    if record.refused:
        return fmt.t.format(_REFUSED, reason=fmt.auto(record.refused))
    if record.state == "delivered":
        return fmt.t.format(_DELIVERED, time=short_time(fmt, record.receipted_at))
    if record.state == "received":
        return fmt.t.format(_STATES["received"], time=short_time(fmt, record.stored_at))
    known = _STATES.get(record.state)
    return fmt.t.gettext(known) if known else fmt.ltr(record.state)


def message_block(
    record: MessageRecord,
    *,
    lang: Lang,
    tz: str | None,
    translator: TranslationBackend | None = None,
) -> list[str]:
    """The lines ``inbox``/``outbox`` print for one message (no truncation: the text in full)."""
    fmt = Formatter(lang, reader_zone(tz))
    body, invisible = shown_value(record.body)  # the peer's invisible characters as ⟨U+202E⟩, flagged below
    original = body_lang(record.body)
    try:
        rendering = render(
            record.kind, cast(dict[str, Any], body), lang=lang, tz=fmt.tz, original_lang=original, translator=translator
        )
        title, fields = rendering.title, rendering.field_lines()
    except (InvalidBodyError, NotificationError) as exc:
        title, fields = record.kind, [fmt.t.format(_UNRENDERABLE, problem=fmt.auto(str(exc)))]
    who = fmt.t.format(_TO if record.direction == "out" else _FROM, party=fmt.ltr(record.peer_party))
    precedence = fmt.ltr(record.precedence.upper())
    head = f"{precedence} · {fmt.auto(title)} ({fmt.ltr(record.kind)}) · {who} · {state_text(fmt, record)}"
    ident = fmt.t.format(_ID, id=fmt.ltr(record.id), time=short_time(fmt, record.created_at))
    lines = [head, f"    {ident}"] + [f"    {line}" for line in fields]
    if invisible:
        lines[0] = f"⚠ {head}"
        lines.append(f"    ⚠ {invisible_notice(lang)}")
    return [RLM + line for line in lines] if fmt.rtl else lines


def summary_line(count: int, lang: Lang) -> str:
    """``3 messages`` in the reader's language, in its plural form (Arabic has six)."""
    fmt = Formatter(lang)
    text = fmt.t.nformat(*_COUNT, count, count=fmt.number(count))
    return RLM + text if fmt.rtl else text


def empty_text(lang: Lang) -> str:
    """What an empty listing says."""
    fmt = Formatter(lang)
    text = fmt.t.gettext(_NONE)
    return RLM + text if fmt.rtl else text


def body_lang(body: dict[str, Any]) -> Lang | None:
    """The sender's language a body names, if it is one of the four."""
    value = body.get("lang")
    return value if value in ("tr", "ar", "en", "ru") else None
