"""Composing a notification: validate, advise on the border, flag lateness, queue. The CLI and
the console both come through here, so that a notice is checked the same way whoever sends it.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from typing import Any, cast

from .errors import StationError
from .home import Home
from .ledger.records import seal_record
from .notifications import (
    LANGUAGES,
    BorderAdvice,
    Lang,
    Lateness,
    NotificationError,
    Problems,
    Rendering,
    UsageError,
    ValidNotice,
    border_advice,
    lateness,
    render,
    validate,
)
from .notifications.geodata import atlas
from .notifications.geodesy import notice_geometries
from .outbox import queue_message
from .peers import peer_by_party
from .protocol.envelope import Envelope, Precedence
from .protocol.ids import uuid7
from .protocol.timestamps import format_time, parse_time
from .store import MessageRecord, Store

__all__ = [
    "Composed",
    "NoticeRefused",
    "Preview",
    "compose",
    "compose_on_line",
    "message_lateness",
    "peer_languages",
    "preview",
]


class NoticeRefused(StationError):
    """The notice does not validate; ``problems`` lists every problem by field path."""

    def __init__(self, problems: Problems) -> None:
        lines = "\n".join(f"  {p.path or '(notice)'}: {p.message}" for p in problems.items)
        super().__init__(f"{problems.kind} not sent: {len(problems.items)} problem(s); nothing was queued\n{lines}")
        self.problems = problems


@dataclass(frozen=True)
class Composed:
    envelope: Envelope
    advice: tuple[BorderAdvice, ...]
    """Where the notice's areas cross into, or come near, the other party's territory."""
    late: Lateness | None
    """Set when the notice is sent later than its kind's minimum lead time."""


def _utc(seconds: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)


def compose(
    home: Home,
    store: Store,
    *,
    to_party: str,
    kind: str,
    data: Any,
    precedence: Precedence | None,
    now: float,
    lang: str | None = None,
) -> Composed:
    """Validate ``data`` as a ``kind`` notice and queue it for the peer of ``to_party``.

    Raises NoticeRefused (every problem, in the operator's language) and queues nothing when the
    notice is invalid. A late notice is accepted, and its lateness is entered in the line's log.
    """
    operator_lang = cast(Lang, lang or home.config.language)
    peer = peer_by_party(store, to_party)
    checked = validate(kind, data, lang=operator_lang)
    if isinstance(checked, Problems):
        raise NoticeRefused(checked)
    advice, late = _advise(home, peer.party, kind, checked, now, operator_lang)
    envelope = queue_message(
        home,
        store,
        peer=peer.station_id,
        kind=kind,
        precedence=precedence or Precedence(checked.precedence),
        body=checked.body,
        now=now,
    )
    if late is not None and late.late:
        detail = late.describe("en")
        record = seal_record(
            home.signer,
            id=uuid7(int(now * 1000), os.urandom(10)),
            station=home.config.station_id,
            peer=peer.station_id,
            event="notice.late",
            at=format_time(now),
            detail=detail,
            evidence={
                "message": envelope.id,
                "required_s": late.required.total_seconds(),
                "shortfall_s": late.shortfall.total_seconds(),
            },
        )
        store.add_record(peer.station_id, record.id, record.event, record.at, record.canonical)
        store.journal("notice.late", f"{envelope.id}: {detail}", format_time(now), peer.station_id)
    return Composed(envelope, advice, late)


def compose_on_line(
    home: Home,
    store: Store,
    *,
    line: str,
    to_parties: list[str] | None,
    kind: str,
    data: Any,
    precedence: Precedence | None,
    now: float,
    lang: str | None = None,
) -> list[Envelope]:
    """Validate ``data`` as a ``kind`` notice and queue it on ``line`` to the parties named (the
    whole line if None): one envelope per recipient, in one transaction. NoticeRefused as
    :func:`compose`; LineError for what the line's charter does not allow."""
    from .lines.book import send_on_line

    checked = validate(kind, data, lang=cast(Lang, lang or home.config.language))
    if isinstance(checked, Problems):
        raise NoticeRefused(checked)
    return send_on_line(
        home,
        store,
        line=line,
        to_parties=to_parties,
        kind=kind,
        body=checked.body,
        precedence=precedence or Precedence(checked.precedence),
        now=now,
    )


def _advise(
    home: Home, party: str, kind: str, checked: ValidNotice, now: float, lang: Lang
) -> tuple[tuple[BorderAdvice, ...], Lateness | None]:
    try:
        advice = border_advice(
            kind,
            checked.body,
            own=home.config.party,
            other=party,
            within_km=home.config.notifications.border_advice_km,
            lang=lang,
        )
    except UsageError:
        advice = ()  # a party that is not a country (UN, a mediator): no border to advise on
    return advice, lateness(kind, checked.body, _utc(now))


@dataclass(frozen=True)
class Preview:
    """What sending would do, without sending: the problems, or the advice, lateness and renderings."""

    problems: Problems | None
    advice: tuple[BorderAdvice, ...]
    late: Lateness | None
    precedence: Precedence | None
    receiver: Rendering | None
    """The notice as the peer's people will read it, in the language of the peer's card (times in
    UTC: the peer's zone is its own setting)."""
    receiver_lang: Lang
    reader: Rendering | None
    """The notice in the operator's language, times also in the station's ``time_zone``."""
    border_checked: bool = False
    """Whether anything was checked against the border: False for a notice with no area, route or
    position (free text), or to a party that is not a country."""
    reads: tuple[Lang, ...] = ()
    """The languages the recipient's people read: :func:`peer_languages`."""
    written_in: Lang | None = None
    """The language of the notice's free text (its ``lang``), when it has free text."""


def peer_languages(card: dict[str, Any]) -> tuple[Lang, ...]:
    """The languages a peer's people read: its card's ``languages`` when it lists them, else the
    ``language`` setting of its station (every card has it)."""
    listed = card.get("languages")
    found = [x for x in listed if x in LANGUAGES] if isinstance(listed, list) else []
    if not found and card.get("language") in LANGUAGES:
        found = [card["language"]]
    return tuple(cast(list[Lang], found))


def preview(
    home: Home, store: Store, *, to_party: str, kind: str, data: Any, now: float, lang: str | None = None
) -> Preview:
    """Check a notice as :func:`compose` would, and render it for both sides; queue nothing.
    StationError for an unknown peer, as compose."""
    operator_lang = cast(Lang, lang or home.config.language)
    peer = peer_by_party(store, to_party)
    peer_lang = cast(Lang, peer.card.get("language") if peer.card.get("language") in LANGUAGES else "en")
    checked = validate(kind, data, lang=operator_lang)
    if isinstance(checked, Problems):
        return Preview(checked, (), None, None, None, peer_lang, None)
    advice, late = _advise(home, peer.party, kind, checked, now, operator_lang)
    original = cast(Lang | None, checked.body.get("lang") if checked.body.get("lang") in LANGUAGES else None)
    reader = render(
        kind,
        checked.body,
        lang=operator_lang,
        tz=home.config.notifications.time_zone or None,
        original_lang=original,
    )
    free_text = any(field.original for field in reader.fields)
    return Preview(
        problems=None,
        advice=advice,
        late=late,
        precedence=Precedence(checked.precedence),
        receiver=render(kind, checked.body, lang=peer_lang, original_lang=original),
        receiver_lang=peer_lang,
        reader=reader,
        border_checked=bool(list(notice_geometries(checked.notice))) and _is_country(peer.party),
        reads=peer_languages(peer.card),
        written_in=(original or reader.sender_lang) if free_text else None,
    )


def _is_country(party: str) -> bool:
    try:
        atlas().country(party)
    except UsageError:
        return False
    return True


def message_lateness(record: MessageRecord) -> Lateness | None:
    """Whether a stored notice was sent later than its kind's minimum lead time (both sides
    compute it from the signed envelope alone)."""
    try:
        return lateness(record.kind, record.body, _utc(parse_time(record.created_at)))
    except NotificationError:  # a kind outside the catalogue, or a body that does not validate
        return None
