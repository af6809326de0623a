"""The HTTP API's requests and responses as typed declarations.

The routes validate requests with these models, and the OpenAPI document is generated from
them (``openapi.py``), so the document cannot drift from what the API accepts. The responses
are declared here too; the handlers build them from the presenter's plain data, and the API
tests check every response they receive against the document.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from ..protocol.envelope import Precedence
from ..protocol.timestamps import format_time

__all__ = [
    "Account",
    "AccountsReply",
    "AckReply",
    "AckRequest",
    "Acknowledgement",
    "AddAccountReply",
    "AddAccountRequest",
    "Advice",
    "AlarmKind",
    "BorderDistanceItem",
    "AlarmLine",
    "AlarmSummary",
    "AlarmsQuery",
    "AlarmsReply",
    "ApiError",
    "CheckpointSummary",
    "Checkpoints",
    "Figure",
    "Geometry",
    "HistoryItem",
    "KindSummary",
    "KindsQuery",
    "KindsReply",
    "LangQuery",
    "LineMember",
    "LinePath",
    "LinePeer",
    "LineReply",
    "LineSummary",
    "LoginRequest",
    "MapNotice",
    "MapQuery",
    "MapReply",
    "MessageDetail",
    "MessageLine",
    "MessagesQuery",
    "MessagesReply",
    "NoBody",
    "NoQuery",
    "Ok",
    "OnWatchPerson",
    "PasswordRequest",
    "PeerRoster",
    "PeerSummary",
    "PlaceBearingItem",
    "PreviewReply",
    "ProblemItem",
    "QueryTime",
    "RecipientItem",
    "Reference",
    "Rendered",
    "SendReply",
    "SendRequest",
    "ServeState",
    "RoleRequest",
    "SessionReply",
    "SilencedReply",
    "StationAlarm",
    "StationNameReply",
    "StationInfo",
    "StatusPath",
    "StatusPeer",
    "StatusReply",
    "StatusStation",
    "Timestamp",
    "TotpChangeRequest",
    "TotpConfirmRequest",
    "TotpSetupReply",
    "TranslationItem",
    "TranslationRequestItem",
    "TranslationRequest",
    "Unacknowledged",
    "WatchState",
    "WhereaboutsItem",
]

Lang = Literal["tr", "ar", "en", "ru"]
Role = Literal["operator", "supervisor", "translator", "auditor", "admin"]
PrecedenceName = Literal["flash", "immediate", "priority", "routine"]
EscalationStep = Literal["half-time", "overdue", "link-wait", "peer-overdue", "late"]
"""``watch.escalation.Step``'s values (docs/operations.md §7)."""
Timestamp = Annotated[
    str,
    WithJsonSchema(
        {"type": "string", "format": "date-time", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"}
    ),
]
"""A time as the station writes it: RFC 3339, UTC, milliseconds, ``Z``."""


def _station_time(value: object) -> str:
    """A query's RFC 3339 time (any offset) in the station's form, for comparing with stored times."""
    if not isinstance(value, str):
        raise PydanticCustomError("time_type", "give a time as RFC 3339 text")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("time_format", "not an RFC 3339 time such as 2026-11-26T09:00:00Z") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise PydanticCustomError("time_zone_missing", "the time needs a Z or an offset such as +03:00")
    try:
        moment = moment.astimezone(UTC)
        if not 1970 <= moment.year <= 9999:
            raise ValueError(moment.year)
        return format_time(moment.timestamp())
    except (ValueError, OverflowError):
        raise PydanticCustomError("time_out_of_range", "the time must lie between 1970 and 9999") from None


QueryTime = Annotated[
    str,
    BeforeValidator(_station_time),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-11-26T09:00:00Z"]}),
]
"""A time in a query: RFC 3339 with ``Z`` or an offset (``2026-11-26T09:00:00Z``)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Open(BaseModel):
    """Data whose members belong to other parts of the station: the known ones are declared,
    more may come."""

    model_config = ConfigDict(extra="allow")


# --- plumbing ------------------------------------------------------------------------------------


class NoBody(_Strict):
    """The operation takes no request body."""


class NoQuery(BaseModel):
    """The operation takes no query parameters."""


class ProblemItem(_Strict):
    path: str = Field(description="Where: `window.end`, `aircraft[0].count`; empty for the whole body.")
    label: str = Field(description="The same place in the reader's language.")
    code: str = Field(description="A stable code: `missing`, `window_reversed`, `self_intersection`…")
    message: str = Field(description="The reason, in the reader's language.")


class ApiError(_Strict):
    """Every refusal: what went wrong and what to do."""

    error: str
    problems: list[ProblemItem] | None = Field(default=None, description="Every problem by field path (422).")
    must_change: bool | None = Field(default=None, description="Set when the account must choose a password first.")


class Ok(_Strict):
    ok: Literal[True]


# --- sessions --------------------------------------------------------------------------------------


class LoginRequest(_Strict):
    name: str = Field(max_length=200)
    password: str = Field(max_length=1024)
    code: str | None = Field(default=None, max_length=16, description="The TOTP code, when the account has one.")


class StationInfo(_Strict):
    name: str
    party: str
    language: Lang
    station_id: str
    time_zone: str | None = Field(
        default=None, description="The operations centre's time zone (shown beside UTC), or null for UTC only."
    )


class StationNameReply(_Strict):
    """What the login page shows before anyone has logged in: which station this is, no more."""

    name: str
    party: str


class SessionReply(_Strict):
    operator: str
    role: Role
    auth: Literal["session", "token"] = Field(description="A console session (cookie) or a machine token.")
    csrf: str | None = Field(description="Send it as `X-CSRF-Token` with every POST of a session; null for tokens.")
    must_change: bool
    second_factor: bool
    station: StationInfo


class PasswordRequest(_Strict):
    current: str = Field(max_length=1024)
    new: str = Field(max_length=1024)


class TotpSetupReply(_Strict):
    secret: str = Field(description="Base32 secret for the authenticator app.")
    uri: str = Field(description="otpauth:// URI (for a QR code).")


class TotpConfirmRequest(_Strict):
    code: str = Field(max_length=16)


class TotpChangeRequest(_Strict):
    """Proof that the account's owner is at the keyboard, not only someone holding the session."""

    password: str = Field(max_length=1024, description="The account's password.")
    code: str | None = Field(
        default=None, max_length=16, description="A current code of the second factor enrolled now (if one is)."
    )


# --- messages ------------------------------------------------------------------------------------


class LangQuery(BaseModel):
    lang: Lang | None = Field(default=None, description="The reader's language (default: the station's).")


class MessagesQuery(LangQuery):
    limit: int = Field(default=200, ge=1, le=1000)
    since: QueryTime | None = Field(default=None, description="Created at or after this time.")
    until: QueryTime | None = Field(default=None, description="Created before this time.")
    kind: list[str] = Field(default_factory=list, description="Only these kinds (repeat the parameter).")
    direction: Literal["in", "out"] | None = None
    id_prefix: str | None = Field(
        default=None, min_length=1, max_length=36, pattern=r"^[0-9a-f-]+$", description="Messages whose id starts so."
    )


class MessageLine(_Strict):
    """One line of the watch list."""

    id: str
    direction: Literal["in", "out"]
    peer: str = Field(description="The other party's code.")
    kind: str
    title: str = Field(description="The kind's title in the reader's language.")
    summary: str = Field(
        description="One line in the reader's language, at most 160 characters, cut at a word boundary; the peer's "
        "invisible characters as `⟨U+…⟩`."
    )
    invisible_characters: bool = Field(
        description="The peer's text held invisible or direction-changing characters (bidi overrides, embeddings, "
        "isolates and marks, zero-width and other format characters, line and paragraph separators, controls): "
        "every text member shows each as `⟨U+202E⟩`; the body stays exactly as signed (docs/api.md)."
    )
    text_lang: Lang | None = Field(
        default=None,
        description="The language of the message's free text, when it has any (the console marks free text in a "
        "language other than the reader's and offers to ask for a translation).",
    )
    precedence: PrecedenceName
    created_at: Timestamp = Field(description="The sender's time.")
    state: Literal["queued", "sent", "delivered", "received", "acknowledged"]
    receipt_at: Timestamp | None
    acknowledged_at: Timestamp | None
    acknowledged_by: str | None
    due_at: Timestamp | None = Field(description="When a person's acknowledgement is due, while it is awaited.")
    needs_acknowledgement: bool = Field(description="A received message this station's people must acknowledge.")
    late_notice: bool = Field(description="Sent later than its kind's minimum lead time.")
    escalation: list[EscalationStep] = Field(
        description="The escalation steps the station has taken for the message, in order (docs/operations.md §7)."
    )
    alarm: Literal["half-time", "overdue"] | None = Field(
        description="While this station's people have not acknowledged a received message: `half-time` once half "
        "its deadline has passed, `overdue` once all of it has (the console's louder alarm); otherwise null."
    )


class MessagesReply(_Strict):
    messages: list[MessageLine]
    now: Timestamp = Field(description="The station's time (for countdowns).")


class Rendered(_Strict):
    lang: Lang
    direction: Literal["ltr", "rtl"]
    text: str


class Geometry(_Strict):
    """A GeoJSON geometry of a notice (circles and corridors as GeoJSON foreign members)."""

    type: Literal["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"]
    coordinates: list[Any]
    radius_km: float | None = None
    corridor_km: float | None = None
    path: str = Field(description="The body field it came from (`area`, `track[0]`…).")


class Reference(_Strict):
    id: str | None
    relation: str | None
    known: bool = Field(description="Whether this station holds the message referred to.")


class TranslationItem(_Strict):
    lang: Lang
    text: str
    translator: str
    at: Timestamp


class HistoryItem(_Strict):
    event: str = Field(
        description="created, queued, sent, receipt signed, receipt stored, acknowledged by NAME, "
        "received and receipted, `escalation: STEP`, or `supervisors: delivered|failed|none` (what was "
        "done to tell this station's supervisors, one item per channel; `none`: no channel is configured)."
    )
    at: Timestamp
    clock: Literal["sender", "ours", "peer"] = Field(description="Whose clock the time is from.")
    detail: str | None = Field(
        default=None, description="For `supervisors: …`, what was done, in the reader's language."
    )
    step: str | None = Field(default=None, description="`supervisors: …`: the step (half-time, deadline, overdue).")
    channel: str | None = Field(default=None, description="`supervisors: …`: the channel (mailto, …).")
    recipient: str | None = Field(default=None, description="`supervisors: …`: to whom.")
    reason: str | None = Field(default=None, description="`supervisors: failed|none`: why.")


class Acknowledgement(_Strict):
    id: str | None
    by: str
    at: Timestamp
    note: str | None
    late_by_s: float | None


class RecipientItem(_Strict):
    party: str
    role: str
    state: str
    received_at: Timestamp | None
    acknowledged_at: Timestamp | None
    acknowledged_by: str | None
    summary: str


class PlaceBearingItem(_Strict):
    """A place and where a geometry lies from it."""

    name: str = Field(description="The place's name in the reader's language (where the gazetteer has it).")
    country: str
    km: float
    bearing: Literal["N", "NE", "E", "SE", "S", "SW", "W", "NW"] = Field(
        description="The direction from the place to the geometry."
    )
    text: str = Field(description="`12 km SE of Kilis`, in the reader's language.")


class BorderDistanceItem(_Strict):
    km: float = Field(description="From the ground it covers to the two parties' land border; 0 if it crosses.")
    country: str | None = Field(description="The country its reference point lies in.")
    text: str = Field(description="In the reader's language.")


class WhereaboutsItem(_Strict):
    """Where one geometry of the notice lies, on either side of the line alike."""

    path: str = Field(description="The body field (`area`, `location`, `track`…).")
    point: list[float] = Field(description="Its reference point `[lon, lat]`.")
    town: PlaceBearingItem | None = Field(description="The nearest town (10,000 people or more).")
    place: PlaceBearingItem | None = Field(description="The nearest smaller place, when nearer than the town.")
    border: BorderDistanceItem | None = Field(description="Null when the parties share no land border.")
    text: str = Field(description="All of it in one line, in the reader's language.")


class TranslationRequestItem(_Strict):
    id: str = Field(description="The request's own message id (a `translation-request` to the sender).")
    into: Lang
    at: Timestamp
    state: Literal["queued", "sent", "delivered", "acknowledged"]
    acknowledged_by: str | None
    acknowledged_at: Timestamp | None
    answer: str | None = Field(default=None, description="The reply that brought the translation back, if any.")


class MessageDetail(MessageLine):
    """A message with everything the detail view shows."""

    kind_title: str
    rendered: Rendered = Field(description="As the reader reads it.")
    original: Rendered | None = Field(description="As the sender wrote it.")
    late: str | None = Field(description="Why the notice counts as late, in the reader's language.")
    body: dict[str, Any] = Field(description="The signed body, exactly as sent.")
    geometries: list[Geometry]
    references: list[Reference]
    translations: list[TranslationItem]
    translation_requests: list[TranslationRequestItem] = Field(
        default_factory=list, description="The translation requests this station sent for it, oldest first."
    )
    acknowledgement: Acknowledgement | None
    history: list[HistoryItem]
    line: str | None = Field(default=None, description="The line of more than two stations it was sent on.")
    recipients: list[RecipientItem] = Field(
        default_factory=list, description="On a line, sent from here: where each recipient stands."
    )
    whereabouts: list[WhereaboutsItem] = Field(
        default_factory=list,
        description="Where each geometry lies: the nearest town and place with distance and bearing, and the "
        "distance to the border of this station's party and the peer's.",
    )


class SendRequest(_Strict):
    to: str = Field(
        max_length=200,
        description="The peer's party code, e.g. `SY`; on a line of more than two stations, several "
        "(`SY,RU`) or the line's name (the whole line).",
    )
    line: str | None = Field(default=None, max_length=40, description="The line to send on (with `to` parties).")
    kind: str = Field(default="free-text", max_length=64)
    body: dict[str, Any] = Field(description="The notification's body (its kind's JSON Schema).")
    precedence: Precedence | None = Field(default=None, description="Default: the kind's.")


class Advice(_Strict):
    path: str
    code: Literal["enters", "inside", "near"]
    country: str
    km: float
    message: str = Field(description="In the reader's language.")


class SendReply(_Strict):
    id: str
    ids: list[str] = Field(default_factory=list, description="On a line: one envelope id per recipient.")
    advice: list[Advice]
    late: str | None
    acknowledged: list[str] = Field(description="Acknowledgements queued because this message replies to them.")


class PreviewReply(_Strict):
    valid: bool
    problems: list[ProblemItem] = Field(description="In the reader's language; empty when valid.")
    advice: list[Advice]
    late: str | None
    precedence: PrecedenceName | None
    receiver: Rendered | None = Field(description="As the peer's people will read it, in their language.")
    reader: Rendered | None = Field(description="In the reader's language.")
    border_checked: bool = Field(
        default=False,
        description="Whether anything was checked against the border (false for a notice with no area, route or "
        "position, such as free text, and for a party that is not a country): no advice then means nothing "
        "was checked, not that the notice keeps clear of the border.",
    )
    reads: list[Lang] = Field(
        default_factory=list,
        description="The languages the recipient's people read (its card's `languages`, else its `language`).",
    )
    written_in: Lang | None = Field(
        default=None, description="The language of the notice's free text, when it has free text (else null)."
    )


class AckRequest(_Strict):
    note: str | None = Field(default=None, max_length=500)


class AckReply(_Strict):
    id: str = Field(description="The acknowledgement's own id.")
    late_by_s: float | None


class TranslationRequest(_Strict):
    lang: Lang
    text: str = Field(min_length=1, max_length=20000)


# --- the line ------------------------------------------------------------------------------------


class OnWatchPerson(_Strict):
    name: str
    role: str = Field(description="The person's role at their station (`operator` or `supervisor`).")
    since: Timestamp = Field(description="When their watch began (their console session's start).")


class PeerRoster(_Strict):
    """Who the peer's station last reported on watch there (signed `watch-roster` messages)."""

    reported_at: Timestamp
    received_at: Timestamp
    stale: bool = Field(description="No report arrived for three reporting intervals: the roster may be out of date.")
    message: str = Field(description="The id of the `watch-roster` message.")
    on_watch: list[OnWatchPerson] = Field(description="Empty: the peer reports nobody on watch.")


class WatchState(_Open):
    """Is the watch answering on the line (see `detente status`)."""

    awaiting_here: int
    awaiting_here_overdue: int
    peer_overdue: int
    peer_on_watch: PeerRoster | None = Field(description="Null until the peer has reported who is on watch.")


class Figure(_Open):
    side: str
    window: str
    precedence: str
    messages: int
    acknowledged: int
    median_s: float | None
    p95_s: float | None
    missed: int


class AlarmLine(_Strict):
    at: Timestamp
    kind: str
    detail: str


AlarmKind = Literal[
    "line-down",
    "path-down",
    "not-acknowledged",
    "acknowledgement-due",
    "watch-check-missed",
    "ledger",
    "clock-offset",
    "notify-failed",
    "notify-missing",
    "nobody-on-watch",
    "login-throttled",
]
"""``detente.alarms.model.Kind``'s values."""


class StationAlarm(_Strict):
    """One of the station's alarms (docs/operations.md, Alarms)."""

    id: str
    kind: AlarmKind
    severity: Literal["critical", "warning"]
    party: str | None = Field(description="The peer's party, when it concerns a line.")
    peer: str | None = Field(description="The peer's station id, when it concerns a line.")
    message: str | None = Field(description="The message it concerns, if any.")
    paths: list[str] = Field(description="The paths down (line-down, path-down).")
    stage: Literal["half-time", "deadline"] | None = Field(
        description="For not-acknowledged, acknowledgement-due: the step reached (a later one sounds again)."
    )
    since: Timestamp
    ended: Timestamp | None = Field(description="When its condition ended; null while active.")
    end_reason: str | None = Field(
        description="restored, acknowledged, answered, cleared, within-threshold, delivered, configured, withdrawn."
    )
    duration_s: float | None = Field(description="How long it lasted (ended alarms).")
    silenced_by: str | None = Field(description="Who silenced it (its sound stops; the alarm stays).")
    silenced_at: Timestamp | None
    text: str = Field(description="What is wrong and what to do (or how it ended), in the reader's language.")
    params: dict[str, Any] = Field(
        description="The facts the text is made from: down_since, down_paths, waiting, waiting_flash, "
        "waiting_immediate, contact, courier, precedence, kind, deadline_s, due_at, offset_s, threshold_s, "
        "reason, side, code, detail (those that apply)."
    )


class AlarmsQuery(LangQuery):
    all: bool = Field(default=False, description="Ended alarms too (the latest 500).")


class AlarmsReply(_Strict):
    alarms: list[StationAlarm]


class SilencedReply(_Strict):
    alarm: StationAlarm


class AlarmSummary(_Strict):
    count: int
    latest: AlarmLine | None


class StatusPath(_Open):
    name: str = Field(description="`direct` or `relay:NAME`.")
    state: str = Field(description="current, standby, connecting, down; unknown when `serve` is not running.")
    current: bool = Field(description="This path carried the link when the station last said.")
    round_trip_ms: float | None
    last_success: Timestamp | None = Field(description="When a heartbeat last came back on this path.")
    detail: str


class StatusPeer(_Open):
    party: str
    name: str
    station_id: str
    link: str
    since: Timestamp | None
    detail: str
    round_trip_ms: float | None
    last_heartbeat: Timestamp | None
    clock_offset_ms: float | None
    status_updated_at: Timestamp | None
    paths: list[StatusPath] = Field(description="Each path to the peer, most preferred first.")
    queue_depth: int
    watch: WatchState
    alarms: AlarmSummary


class StatusStation(_Open):
    name: str
    party: str
    station_id: str
    listen: list[str]


class ServeState(_Strict):
    running: bool
    pid: int | None


class StatusReply(_Open):
    """What `detente status --json` prints, with the latest alarms."""

    station: StatusStation
    serve: ServeState
    peers: list[StatusPeer]
    figures: list[Figure]
    alarms: list[StationAlarm] = Field(description="The station's active alarms (as `GET /api/v1/alarms`).")
    ledger_alarms: list[AlarmLine] = Field(description="The latest ledger alarms (PROTOCOL §17.4).")


class LinePath(_Strict):
    name: str = Field(description="The path: `direct` (TLS to the card's endpoints) or `relay:NAME`.")
    endpoints: list[str]
    state: str = Field(
        description="UP (carries the link), STANDBY (established and tested, idle), DIALING, DOWN; "
        "UNKNOWN or STOPPED when `serve` is not running."
    )
    current: bool = Field(description="This path carries the link now.")
    since: Timestamp | None
    detail: str
    round_trip_ms: float | None
    last_heartbeat: Timestamp | None
    clock_offset_ms: float | None
    updated_at: Timestamp | None


class CheckpointSummary(_Strict):
    latest_size: int | None = Field(description="Size of the newest checkpoint held.")
    latest_at: Timestamp | None
    cosigned_size: int | None = Field(description="Size of the newest checkpoint co-signed by both stations.")
    cosigned_at: Timestamp | None


class Checkpoints(_Strict):
    own: CheckpointSummary = Field(description="This station's log of the line.")
    peer: CheckpointSummary = Field(description="The peer's log of the line.")


class Unacknowledged(_Strict):
    here: int = Field(description="Received messages this station's people have not acknowledged.")
    there: int = Field(description="Sent messages the peer's people have not acknowledged.")


class LinePeer(_Strict):
    party: str
    name: str
    station_id: str
    language: str
    paths: list[LinePath]
    queue_depth: int = Field(description="Messages awaiting the peer's receipt.")
    unacknowledged: Unacknowledged
    checkpoints: Checkpoints
    alarms: AlarmSummary


class LineReply(_Strict):
    now: Timestamp
    serve_running: bool
    peers: list[LinePeer]


class MapQuery(LangQuery):
    kind: list[str] = Field(default_factory=list, description="Only these kinds (repeat the parameter).")
    since: QueryTime | None = Field(default=None, description="Active at some time from here (default: now).")
    until: QueryTime | None = Field(default=None, description="…up to here (default: `since`).")


class MapNotice(_Strict):
    id: str
    kind: str
    title: str
    summary: str
    invisible_characters: bool = Field(
        description="The peer's text held invisible or direction-changing characters (bidi overrides, embeddings, "
        "isolates and marks, zero-width and other format characters, line and paragraph separators, controls): "
        "every text member shows each as `⟨U+202E⟩`; the body stays exactly as signed (docs/api.md)."
    )
    direction: Literal["in", "out"]
    peer: str
    precedence: PrecedenceName
    created_at: Timestamp
    starts_at: Timestamp | None
    ends_at: Timestamp | None = Field(description="Null: until further notice.")
    geometries: list[Geometry]


class MapReply(_Strict):
    since: Timestamp
    until: Timestamp
    notices: list[MapNotice]


class KindsQuery(LangQuery):
    pass


class KindSummary(_Strict):
    name: str
    title: str
    summary: str
    precedence: PrecedenceName
    lead_time_s: float | None


class PeerSummary(_Strict):
    party: str
    name: str
    language: str


class LineMember(_Strict):
    party: str
    role: str


class LineSummary(_Strict):
    name: str
    version: int
    members: list[LineMember]


class KindsReply(_Strict):
    kinds: list[KindSummary]
    peers: list[PeerSummary]
    lines: list[LineSummary] = Field(default_factory=list, description="Lines of more than two stations in force.")
    roles: list[Role]
    languages: list[Lang]


# --- accounts ------------------------------------------------------------------------------------


class Account(_Strict):
    name: str
    role: Role
    created_at: Timestamp
    disabled_at: Timestamp | None
    second_factor: bool
    must_change: bool


class AccountsReply(_Strict):
    operators: list[Account]


class AddAccountRequest(_Strict):
    name: str = Field(min_length=1, max_length=64)
    role: Role


class RoleRequest(_Strict):
    role: Role


class AddAccountReply(_Strict):
    operator: Account
    password: str = Field(description="The one-time password: give it in person; it is shown only now.")
