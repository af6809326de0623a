"""The storage interface every engine implements, and the records it returns.

A station persists before it sends and persists what arrives before it acknowledges, so each
method that changes state is one transaction that is durable (fsync'd) when it returns.
"""

from __future__ import annotations

import abc
import contextlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..ledger.merkle import NodeSource
from ..protocol.envelope import Envelope, Receipt
from ..protocol.link import ReceiveCursor
from .ledger_sql import LedgerLeaf, LoggedEntry, MessageRow

__all__ = [
    "AlarmRecord",
    "StationAlarmRecord",
    "SupervisorNotice",
    "CheckpointRecord",
    "AwaitingRecord",
    "CharterRecord",
    "Direction",
    "EscalationRecord",
    "ExchangeCounts",
    "JournalEntry",
    "LoginFailures",
    "LedgerLeaf",
    "LinkStatus",
    "LogName",
    "LoggedEntry",
    "MessageRecord",
    "MessageRow",
    "OperatorRecord",
    "PathStatus",
    "PeerRecord",
    "SessionRecord",
    "Store",
    "TokenRecord",
    "TranslationRecord",
]

Direction = Literal["out", "in"]
LogName = Literal["own", "peer"]
"""Which of a line's two logs: this station's own, or the peer's (as the peer revealed it)."""


@dataclass(frozen=True)
class PeerRecord:
    station_id: str
    party: str
    name: str
    card: dict[str, Any]
    fingerprint: str
    added_at: str


@dataclass(frozen=True)
class MessageRecord:
    """One envelope as this station holds it, with where it stands."""

    id: str
    direction: Direction
    peer: str
    peer_party: str
    seq: int
    kind: str
    precedence: str
    created_at: str
    envelope: bytes
    envelope_hash: str
    state: str
    stored_at: str
    sent_at: str | None
    receipt: bytes | None
    receipted_at: str | None
    delivered_at: str | None
    ack_id: str | None = None
    """The id of the acknowledgement envelope, once a person acknowledged this message."""
    acked_at: str | None = None
    acked_by: str | None = None
    line_name: str | None = None
    """On a line of more than two stations: its name, and the group (``line_group``) that this
    message's envelopes to every recipient share."""
    line_group: str | None = None
    ack_needed: bool = True
    """False where no person's acknowledgement is expected (to or at an observer or a mediator)."""
    refused: str | None = None
    """Why this station refused a received line message under the line's charter."""

    @property
    def sender(self) -> str:
        return str(json.loads(self.envelope)["from"])

    @property
    def recipient(self) -> str:
        return str(json.loads(self.envelope)["to"])

    @property
    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(self.envelope)["body"]
        return body


@dataclass(frozen=True)
class PathStatus:
    """One path to a peer, as the running station last saw it."""

    name: str
    """``direct`` or ``relay:NAME``."""
    state: str
    """``current`` (carries the link), ``standby`` (established, tested, idle), ``connecting`` or ``down``."""
    round_trip: float | None
    last_success: str | None
    """When a heartbeat last came back on this path (RFC 3339)."""
    detail: str

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "state": self.state,
            "round_trip": self.round_trip,
            "last_success": self.last_success,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class LinkStatus:
    peer: str
    state: str
    since: str
    detail: str
    round_trip: float | None
    clock_offset: float | None
    last_heartbeat: str | None
    updated_at: str
    serve_pid: int | None
    paths: tuple[PathStatus, ...] = ()


@dataclass(frozen=True)
class CharterRecord:
    """One version of a line's charter as this station holds it."""

    line: str
    version: int
    hash: str
    charter: bytes
    state: str
    """``proposed``, ``in-force`` or ``superseded``."""
    stored_at: str
    in_force_at: str | None = None


@dataclass(frozen=True)
class JournalEntry:
    id: int
    at: str
    event: str
    peer: str | None
    detail: str


@dataclass(frozen=True)
class CheckpointRecord:
    log: LogName
    peer: str
    size: int
    root: bytes
    note: str
    created_at: str
    cosigned_at: str | None


@dataclass(frozen=True)
class LoginFailures:
    """Failed logins counted since a time: of one name from one address, and from that address."""

    pair: int
    pair_last: str | None
    """When the last failure of the name from the address was."""
    source: int
    source_last: str | None


@dataclass(frozen=True)
class OperatorRecord:
    name: str
    role: str
    password_hash: str
    totp_secret: str | None
    must_change: bool
    created_at: str
    disabled_at: str | None


@dataclass(frozen=True)
class AwaitingRecord:
    """A message that needs a person's acknowledgement (or got one late), with its escalations."""

    id: str
    direction: Direction
    peer: str
    party: str
    kind: str
    precedence: str
    stored_at: str
    delivered_at: str | None
    acked_at: str | None
    acked_by: str | None
    steps: frozenset[str]
    ack_rowid: int | None = None
    """Where the acknowledgement envelope stands in the store (its row), once there is one."""
    row: int = 0
    """Where the message stands in the store (its row)."""


@dataclass(frozen=True)
class EscalationRecord:
    message_id: str
    step: str
    at: str
    detail: str


@dataclass(frozen=True)
class SessionRecord:
    token_hash: str
    operator: str
    csrf: str
    created_at: str
    last_seen: str
    expires_at: str
    remote: str


@dataclass(frozen=True)
class TokenRecord:
    """A machine token of the HTTP API: it acts with its operator's account and role."""

    id: str
    """A short public id (shown when issued, used to revoke it); not a secret."""
    token_hash: str
    """SHA-256 of the bearer token (the token itself is never stored)."""
    operator: str
    created_at: str
    expires_at: str | None
    revoked_at: str | None = None
    last_used_at: str | None = None


@dataclass(frozen=True)
class TranslationRecord:
    """A translator's certified translation of a message's free text."""

    message_id: str
    lang: str
    text: str
    translator: str
    at: str


@dataclass(frozen=True)
class ExchangeCounts:
    received: int
    """Envelopes stored from the peer."""
    delivered: int
    """Envelopes sent to the peer whose receipt is stored."""


@dataclass(frozen=True)
class StationAlarmRecord:
    """One of the station's alarms as stored (``detente.alarms``); times as text (§6.4)."""

    id: str
    condition: str
    kind: str
    severity: str
    party: str | None
    peer: str | None
    message: str | None
    paths: tuple[str, ...]
    stage: str
    params: dict[str, Any]
    since: str
    ended: str | None = None
    end_reason: str | None = None
    silenced_by: str | None = None
    silenced_at: str | None = None


@dataclass(frozen=True)
class SupervisorNotice:
    """What this station did to tell its supervisors of one escalation step of a message, per channel."""

    message: str
    peer: str | None
    step: str
    at: str
    channel: str
    """The channel's kind (the Apprise URL's scheme: ``mailto``, ``mailtos``, ``tgram``…), "" for none."""
    recipient: str
    """To whom (the address, never a password), "" for nobody."""
    outcome: str
    """``delivered``, ``failed`` or ``none`` (no channel is configured)."""
    reason: str


@dataclass(frozen=True)
class AlarmRecord:
    id: int
    peer: str | None
    at: str
    kind: str
    detail: str
    record: str | None


class Store(abc.ABC):
    """A station's durable state. Engines: SQLite (default)."""

    # --- station and peers --------------------------------------------------------------------

    @abc.abstractmethod
    def close(self) -> None: ...

    @abc.abstractmethod
    def get_meta(self, key: str) -> str | None: ...

    @abc.abstractmethod
    def set_meta(self, key: str, value: str) -> None: ...

    @abc.abstractmethod
    def add_peer(self, peer: PeerRecord) -> None:
        """Pin a peer; raises StoreError if its party or station id is already pinned."""

    @abc.abstractmethod
    def peers(self) -> list[PeerRecord]: ...

    @abc.abstractmethod
    def replace_peer_card(self, station_id: str, card: dict[str, Any]) -> None:
        """Replace a pinned peer's card (same identity, new endpoints); StoreError if not pinned."""

    # --- outgoing -------------------------------------------------------------------------------

    @abc.abstractmethod
    def append_outgoing(self, peer: str, build: Callable[[int, str], Envelope], stored_at: str) -> Envelope:
        """In one transaction: find the last outgoing sequence number and hash for ``peer``,
        call ``build(seq, prev_hash)`` for the next envelope, and store it as queued."""

    @abc.abstractmethod
    def append_outgoing_group(
        self, items: Sequence[tuple[str, Callable[[int, str], Envelope], bool]], stored_at: str
    ) -> list[Envelope]:
        """``append_outgoing`` for several envelopes in one transaction (one line message to
        several members, or many messages handed over at once); the boolean of each item says
        whether a person's acknowledgement is expected."""

    @abc.abstractmethod
    def outgoing_after(self, peer: str, after_seq: int, limit: int) -> list[Envelope]:
        """Stored outgoing envelopes above ``after_seq`` in sequence order (receipted or not)."""

    @abc.abstractmethod
    def receipted_through(self, peer: str) -> int:
        """The highest outgoing sequence number below which every envelope has its receipt."""

    @abc.abstractmethod
    def mark_sent(self, ids: Sequence[str], at: str) -> None: ...

    @abc.abstractmethod
    def store_receipts(self, receipts: Sequence[Receipt], at: str) -> int:
        """Store the peer's receipts for our envelopes; returns how many were new."""

    # --- incoming -------------------------------------------------------------------------------

    @abc.abstractmethod
    def receive_cursor(self, peer: str) -> ReceiveCursor: ...

    @abc.abstractmethod
    def store_incoming(
        self,
        items: Sequence[tuple[Envelope, Receipt]],
        at: str,
        line_states: Mapping[str, tuple[bool, str | None]] | None = None,
    ) -> None:
        """Store received envelopes with the receipts this station signed for them, atomically;
        ``line_states`` gives, by message id, whether a person must acknowledge it and why the
        line's charter refuses it (``lines.book.incoming_state``)."""

    @abc.abstractmethod
    def incoming_receipt(self, peer: str, seq: int) -> tuple[str, bytes] | None:
        """The stored (envelope hash, receipt bytes) of an incoming envelope, if there is one."""

    # --- reading ----------------------------------------------------------------------------------

    @abc.abstractmethod
    def messages(
        self, direction: Direction, *, after_rowid: int = 0, limit: int | None = None
    ) -> list[tuple[int, MessageRecord]]:
        """Messages in one direction, oldest first, with a cursor (rowid) for following."""

    @abc.abstractmethod
    def message(self, message_id: str) -> MessageRecord | None: ...

    @abc.abstractmethod
    def newest_message_row(self) -> int:
        """The row of the newest stored message, of any line (0 when there is none)."""

    @abc.abstractmethod
    def queue_depth(self, peer: str) -> int:
        """Outgoing messages to ``peer`` without a stored receipt."""

    @abc.abstractmethod
    def changed_elsewhere(self) -> bool:
        """True if another process committed since the last call (cheap; used to notice sends)."""

    # --- link status and journal ----------------------------------------------------------------

    @abc.abstractmethod
    def save_link_status(self, status: LinkStatus) -> None: ...

    @abc.abstractmethod
    def link_statuses(self) -> list[LinkStatus]: ...

    @abc.abstractmethod
    def journal(self, event: str, detail: str, at: str, peer: str | None = None) -> None: ...

    @abc.abstractmethod
    def journal_entries(self, *, after_id: int = 0, limit: int = 1000) -> list[JournalEntry]: ...

    # --- the ledger ---------------------------------------------------------------------------------
    # Envelopes and receipts enter this station's own log of a peer inside the same transaction
    # that stores them (append_outgoing, store_incoming, store_receipts).

    @abc.abstractmethod
    def log_size(self, log: LogName, peer: str) -> int: ...

    @abc.abstractmethod
    def ledger_leaves(self, peer: str, start: int, end: int, log: LogName = "own") -> list[LedgerLeaf]: ...

    @abc.abstractmethod
    def log_nodes(self, log: LogName, peer: str) -> NodeSource:
        """The log's tree as of now, for roots and proofs (valid until the store changes)."""

    @abc.abstractmethod
    def entry_data(self, peer: str, leaf: LedgerLeaf) -> bytes | None:
        """The canonical bytes an own-log leaf stands for (None if they are missing)."""

    @abc.abstractmethod
    def entry_for(self, peer: str, kind: str, ref: str) -> bytes | None:
        """This station's copy of an object of the line, named as its own log would name it
        (``envelope-out`` = an envelope this station sent…), whether or not it is logged yet."""

    @abc.abstractmethod
    def entries_for(self, peer: str, kind: str, refs: Sequence[str]) -> dict[str, bytes]:
        """:meth:`entry_for` of many objects of one kind at once: ref → bytes, for those held."""

    @abc.abstractmethod
    def peer_log_counts(self, peer: str) -> dict[str, int]:
        """How many leaves of each kind the peer's log holds, as revealed so far."""

    @abc.abstractmethod
    def exchange_counts(self, peer: str) -> ExchangeCounts: ...

    @abc.abstractmethod
    def held_through(self, peer: str, kind: str, extra_refs: Sequence[str] = ()) -> tuple[int, int]:
        """(highest sequence number of this station's messages that the peer's log names under
        ``kind`` (with ``extra_refs``), how many of them this station holds up to it)."""

    @abc.abstractmethod
    def append_peer_log(self, peer: str, start: int, leaves: Sequence[tuple[str, str, bytes]]) -> None:
        """Record leaves of the peer's log from index ``start`` (those already held must match)."""

    @abc.abstractmethod
    def add_record(self, peer: str, record_id: str, event: str, at: str, data: bytes) -> int:
        """Store a signed record of this station's and append it to its log; returns its index."""

    @abc.abstractmethod
    def add_alarm(self, peer: str | None, kind: str, detail: str, at: str, record: tuple[str, bytes] | None) -> int:
        """Record an alarm (with its signed record, when it concerns a line) in one transaction."""

    @abc.abstractmethod
    def alarms(self, *, after_id: int = 0) -> list[AlarmRecord]: ...

    # --- the station's alarms ------------------------------------------------------------------

    @abc.abstractmethod
    def save_station_alarm(self, alarm: StationAlarmRecord) -> None:
        """Store an alarm, new or changed (by id); StoreError if another alarm of the same
        condition is active."""

    @abc.abstractmethod
    def station_alarms(self, *, include_ended: bool = False, limit: int = 500) -> list[StationAlarmRecord]:
        """The active alarms (with ``include_ended``, the latest ``limit`` ended ones too), oldest first."""

    @abc.abstractmethod
    def station_alarm(self, alarm_id: str) -> StationAlarmRecord | None: ...

    @abc.abstractmethod
    def waiting_by_precedence(self, peer: str) -> dict[str, int]:
        """Messages to ``peer`` without its receipt, by precedence."""

    @abc.abstractmethod
    def add_supervisor_notices(self, notices: Sequence[SupervisorNotice]) -> None: ...

    @abc.abstractmethod
    def supervisor_notices(self, message_ids: Sequence[str]) -> list[SupervisorNotice]:
        """What was done to tell supervisors about these messages, in the order it was done."""

    @abc.abstractmethod
    def save_checkpoint(self, checkpoint: CheckpointRecord) -> None:
        """Store a checkpoint; a second one for the same log and size replaces the note only when
        the root is the same (more signatures); StoreError otherwise."""

    @abc.abstractmethod
    def checkpoints(self, log: LogName, peer: str) -> list[CheckpointRecord]:
        """Every checkpoint held for one log, by size."""

    @abc.abstractmethod
    def checkpoint(self, log: LogName, peer: str, size: int) -> CheckpointRecord | None:
        """The checkpoint of one log at one size, if held."""

    # --- reading a whole ledger (``ledger verify``): one query per table, streamed -------------

    def damage(self) -> str | None:
        """What the engine's own consistency check finds wrong with the database, in one line saying
        what to do, or None (also where the engine has no such quick check)."""
        return None

    @abc.abstractmethod
    def snapshot(self) -> contextlib.AbstractContextManager[None]:
        """A read transaction: every read inside sees the database as of one moment."""

    @abc.abstractmethod
    def scan_log(self, log: LogName, peer: str) -> Iterator[list[LoggedEntry]]:
        """Every leaf (index, kind, ref, hash) of one log in index order, in batches."""

    @abc.abstractmethod
    def scan_log_nodes(self, log: LogName, peer: str) -> Iterator[list[tuple[int, int, bytes]]]:
        """Every stored node (level, index, hash) of one log, by level then index, in batches."""

    @abc.abstractmethod
    def scan_checkpoints(self, log: LogName, peer: str) -> Iterator[CheckpointRecord]:
        """Every checkpoint held for one log, by size, one at a time."""

    @abc.abstractmethod
    def scan_messages(self, peer: str) -> Iterator[list[MessageRow]]:
        """Every message of the line with ``peer``, in the order they were stored, in batches."""

    @abc.abstractmethod
    def scan_records(self, peer: str) -> Iterator[list[tuple[str, bytes]]]:
        """Every record (id, bytes) of the line with ``peer``, in the order they were stored."""

    # --- operators, acknowledgements, escalation ---------------------------------------------------

    @abc.abstractmethod
    def add_operator(self, operator: OperatorRecord) -> None:
        """Create an account; StoreError if the name is taken."""

    @abc.abstractmethod
    def operator(self, name: str) -> OperatorRecord | None: ...

    @abc.abstractmethod
    def operators(self) -> list[OperatorRecord]: ...

    @abc.abstractmethod
    def update_operator(self, operator: OperatorRecord) -> None: ...

    @abc.abstractmethod
    def awaiting(
        self,
        acked_after: int = 0,
        quiet_since: str | None = None,
        linked: Sequence[str] = (),
        *,
        after_row: int = 0,
        limit: int | None = None,
    ) -> list[AwaitingRecord]:
        """Messages needing a person's acknowledgement whose escalation is not over; messages
        acknowledged after an overdue step that is not yet recorded as late; and messages whose
        acknowledgement was stored after row ``acked_after`` (it may be late although no overdue
        step was taken: given while ``serve`` was stopped, or just after the deadline) and that
        are not recorded as late. Messages stored before the station knew acknowledgements (an
        upgraded station's history) need none.

        With ``quiet_since`` (a time no step can be due after: now less half the shortest
        deadline), unacknowledged messages received or delivered after it are left out, and so
        are undelivered ones whose wait for the link is already recorded or whose peer is in
        ``linked`` (its link is up: nobody is waiting on it). ``after_row`` and ``limit`` read
        them a page at a time, in the order they were stored."""

    @abc.abstractmethod
    def unacknowledged(self, peer: str) -> list[AwaitingRecord]:
        """Messages of one line, both directions, that need a person's acknowledgement and have
        none yet, oldest first."""

    @abc.abstractmethod
    def record_escalation(
        self, message_id: str, peer: str, step: str, at: str, detail: str, record: tuple[str, bytes]
    ) -> bool:
        """Record an escalation step (once per message and step) with its signed record in the
        line's log; False if the step was already recorded."""

    @abc.abstractmethod
    def escalations(self, *, since: str = "") -> list[EscalationRecord]: ...

    @abc.abstractmethod
    def escalations_of(self, message_ids: Sequence[str]) -> list[EscalationRecord]:
        """The escalation steps taken for these messages, in the order they were taken."""

    @abc.abstractmethod
    def acknowledgement_times(self, since: str) -> list[AwaitingRecord]:
        """Messages stored since ``since`` that need an acknowledgement, acknowledged or not."""

    @abc.abstractmethod
    def last_sent(self, peer: str, kind: str) -> str | None:
        """When this station last created a message of ``kind`` for ``peer``."""

    # --- the console --------------------------------------------------------------------------------

    @abc.abstractmethod
    def create_session(self, session: SessionRecord) -> None: ...

    @abc.abstractmethod
    def session(self, token_hash: str) -> SessionRecord | None: ...

    @abc.abstractmethod
    def touch_session(self, token_hash: str, last_seen: str) -> None: ...

    @abc.abstractmethod
    def live_sessions(self, *, seen_since: str, at: str) -> list[SessionRecord]:
        """Sessions not expired at ``at`` and last seen at or after ``seen_since``, oldest first."""

    @abc.abstractmethod
    def end_sessions(
        self, *, token_hash: str | None = None, operator: str | None = None, keep: str | None = None
    ) -> None:
        """End one session, or every session of an operator but the one whose hash is ``keep``."""

    @abc.abstractmethod
    def record_login_failure(self, name: str, remote: str, at: str) -> None: ...

    @abc.abstractmethod
    def login_failures(self, since: str, *, name: str, remote: str) -> LoginFailures:
        """Failed logins since ``since``, for this name from this address and from this address in all."""

    @abc.abstractmethod
    def clear_login_failures(self, *, name: str, remote: str) -> None:
        """Forget the failures of this name from this address (after it logged in)."""

    @abc.abstractmethod
    def claim_totp_step(self, operator: str, step: int) -> bool:
        """Note that an operator's one-time code of time step ``step`` was used: False (and
        nothing changed) if a code of that step or a later one was used already."""

    @abc.abstractmethod
    def add_translation(self, translation: TranslationRecord, peer: str, record: tuple[str, bytes]) -> None:
        """Store a certified translation with its signed record in the line's log."""

    @abc.abstractmethod
    def translations(self, message_id: str) -> list[TranslationRecord]: ...

    @abc.abstractmethod
    def find_messages(
        self,
        *,
        since: str | None = None,
        until: str | None = None,
        kinds: Sequence[str] = (),
        direction: Direction | None = None,
        id_prefix: str | None = None,
        peer: str | None = None,
        limit: int = 200,
    ) -> list[MessageRecord]:
        """Messages other than acknowledgements, newest first (by their creation time), created
        in ``[since, until)`` when given, of the given kinds, in one direction, whose id starts
        with ``id_prefix``, on the line to ``peer`` (a station id); at most ``limit``. Service
        messages (who is on watch) only when ``kinds`` asks for them."""

    @abc.abstractmethod
    def add_token(self, token: TokenRecord) -> None:
        """Store a new machine token; StoreError if its id or hash is taken."""

    @abc.abstractmethod
    def token(self, token_hash: str) -> TokenRecord | None: ...

    @abc.abstractmethod
    def tokens(self) -> list[TokenRecord]:
        """Every machine token, revoked and expired ones included, oldest first."""

    @abc.abstractmethod
    def revoke_tokens(self, at: str, *, token_id: str | None = None, operator: str | None = None) -> list[str]:
        """Revoke one token, or every token of an operator, that is not revoked yet; returns the
        ids revoked."""

    @abc.abstractmethod
    def touch_token(self, token_id: str, at: str) -> None:
        """Note when a token was last used."""

    # --- lines of more than two stations -----------------------------------------------------------

    @abc.abstractmethod
    def save_charter(self, record: CharterRecord) -> bool:
        """Store a line's charter version; False if that version is already held."""

    @abc.abstractmethod
    def charters(self, line: str | None = None) -> list[CharterRecord]:
        """Every charter version held (of one line), by line and version."""

    @abc.abstractmethod
    def put_charter_in_force(self, line: str, version: int, at: str) -> None:
        """That version is in force from now; the earlier ones are superseded."""

    @abc.abstractmethod
    def add_charter_signature(
        self, line: str, version: int, charter_hash: str, station: str, message_id: str, at: str
    ) -> None:
        """``station`` signed the charter by the envelope ``message_id`` (idempotent)."""

    @abc.abstractmethod
    def charter_signatures(self, line: str, version: int) -> list[tuple[str, str, str, str]]:
        """(station, charter hash, message id, signed at) of each signature of that version."""

    @abc.abstractmethod
    def group_messages(self, group: str) -> list[MessageRecord]:
        """The envelopes of one line message, one per recipient."""

    @abc.abstractmethod
    def line_groups(self, line: str, limit: int = 50) -> list[str]:
        """The newest message groups of a line, newest first."""

    @abc.abstractmethod
    def set_message_line_state(self, message_id: str, *, ack_needed: bool, refused: str | None) -> None:
        """Whether a person's acknowledgement is expected, and why the message was refused."""
