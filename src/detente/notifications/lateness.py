"""Timing: was a notice sent with its kind's minimum lead time, and when is an answer due?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..protocol.timestamps import parse_time
from .catalogue import spec
from .errors import UsageError
from .formatting import Formatter
from .i18n import N_
from .languages import Lang, check_lang
from .validation import parse_body

__all__ = ["Lateness", "answer_deadline", "lateness"]


@dataclass(frozen=True)
class Lateness:
    """How a notice's sending time compares with its kind's minimum lead time.

    A late notice is still accepted and delivered; it is flagged, and the flag goes in the record.
    """

    kind: str
    sent_at: datetime
    starts_at: datetime
    lead_time: timedelta
    """From sending to the start of the announced activity (negative: sent after it started)."""
    required: timedelta
    """The kind's minimum lead time."""
    late: bool
    shortfall: timedelta
    """How late: ``required - lead_time`` when late, zero otherwise."""

    def describe(self, lang: Lang = "en") -> str:
        """One sentence in ``lang``."""
        fmt = Formatter(check_lang(lang))
        kind = fmt.t.gettext(spec(self.kind).title)
        if not self.late:
            return fmt.t.format(
                N_("sent {lead} before the start (minimum lead time for {kind}: {required})"),
                lead=fmt.duration(self.lead_time),
                kind=kind,
                required=fmt.duration(self.required),
            )
        template = (
            N_("LATE by {shortfall}: sent {lead} before the start (minimum lead time for {kind}: {required})")
            if self.lead_time >= timedelta(0)
            else N_("LATE by {shortfall}: sent {lead} after the start (minimum lead time for {kind}: {required})")
        )
        return fmt.t.format(
            template,
            lead=fmt.duration(self.lead_time),
            kind=kind,
            required=fmt.duration(self.required),
            shortfall=fmt.duration(self.shortfall),
        )


def _moment(value: datetime | str) -> datetime:
    if isinstance(value, str):
        try:
            return datetime.fromtimestamp(parse_time(value), UTC)
        except ValueError as exc:
            raise UsageError(f"sent_at: {exc}") from None
    if value.tzinfo is None:
        raise UsageError("sent_at must be timezone-aware (UTC)")
    return value.astimezone(UTC)


def lateness(kind: str, body: object, sent_at: datetime | str) -> Lateness | None:
    """Compare ``sent_at`` (an aware datetime or an envelope timestamp) with the kind's lead time.

    None when the kind has no minimum lead time. Raises InvalidBodyError for an invalid body.
    """
    notice = parse_body(kind, body)
    required = notice.spec.min_lead
    activity = notice.notice.activity()
    if required is None or activity is None:
        return None
    sent = _moment(sent_at)
    starts = activity[0]
    lead = starts - sent
    late = lead < required
    return Lateness(
        kind=kind,
        sent_at=sent,
        starts_at=starts,
        lead_time=lead,
        required=required,
        late=late,
        shortfall=required - lead if late else timedelta(0),
    )


def answer_deadline(kind: str, body: object, sent_at: datetime | str) -> datetime | None:
    """When the other side is asked to answer: the body's ``answer_by`` or the kind's default."""
    notice = parse_body(kind, body)
    explicit = getattr(notice.notice, "answer_by", None)
    if isinstance(explicit, datetime):
        return explicit
    if notice.spec.answer_within is None:
        return None
    return _moment(sent_at) + notice.spec.answer_within
