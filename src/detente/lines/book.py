"""A station's book of lines: charters proposed, signed and in force, messages sent on a line to
several members, and the check of every line message that arrives. The CLI, the console and the
station come through here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import StationError
from ..home import Home
from ..invisible import shown
from ..outbox import envelope_builder, poke_serve
from ..protocol.canonical import parse_json
from ..protocol.envelope import Envelope, Precedence
from ..protocol.ids import uuid7
from ..protocol.timestamps import format_time
from ..store import CharterRecord, MessageRecord, Store
from .charter import Charter, LineRefused, check_incoming, line_recipients

__all__ = [
    "LINE_ACCEPT",
    "after_received",
    "LINE_CHARTER",
    "LineError",
    "Recipient",
    "accept",
    "charter_of",
    "in_force",
    "incoming_state",
    "line_addressing",
    "lines_in_force",
    "propose",
    "recipients_of",
    "send_on_line",
    "store_received",
    "take_in",
]

LINE_CHARTER = "line-charter"
LINE_ACCEPT = "line-accept"


class LineError(StationError):
    """What cannot be done on a line, and why."""


def charter_of(record: CharterRecord) -> Charter:
    return Charter.from_json(parse_json(record.charter))


def in_force(store: Store, line: str) -> Charter | None:
    held = [r for r in store.charters(line) if r.state == "in-force"]
    return charter_of(held[-1]) if held else None


def _pending(store: Store, line: str) -> CharterRecord | None:
    held = store.charters(line)
    return held[-1] if held and held[-1].state == "proposed" else None


def _required(store: Store, charter: Charter) -> set[str]:
    if charter.version == 1:
        return charter.first_signers()
    current = in_force(store, charter.line)
    if current is None or current.version != charter.version - 1:
        return {m.station_id for m in charter.members}  # cannot say who: wait for everyone
    return current.signers_of(charter)


def _settle(store: Store, charter: Charter, at: str) -> bool:
    """Put the charter in force if everyone it needs has signed it; True if it is now in force."""
    held = [r for r in store.charters(charter.line) if r.version == charter.version and r.hash == charter.hash]
    if not held or held[0].state != "proposed":
        return bool(held) and held[0].state == "in-force"
    signed = {
        station
        for station, digest, _, _ in store.charter_signatures(charter.line, charter.version)
        if digest == charter.hash
    }
    if not _required(store, charter) <= signed:
        return False
    store.put_charter_in_force(charter.line, charter.version, at)
    store.journal("line.in_force", f"{charter.line} version {charter.version} ({charter.hash[:16]}…)", at)
    return True


def _check_chain(store: Store, charter: Charter) -> None:
    held = store.charters(charter.line)
    current = in_force(store, charter.line)
    if charter.version == 1:
        if held and charter_of(held[0]).hash != charter.hash:
            raise LineRefused(f"a line named {charter.line} already exists here")
        return
    if current is None:
        raise LineRefused(f"line {charter.line} has no version in force here to change")
    if charter.version != current.version + 1 or charter.prev != current.hash:
        raise LineRefused(
            f"line {charter.line} version {charter.version} does not follow version {current.version} in force here"
        )
    if current.member(charter.proposed_by) is None:
        raise LineRefused(f"{charter.proposed_by} is not a member of line {charter.line} and cannot change it")


def _queue_group(
    home: Home,
    store: Store,
    *,
    line: str,
    version: int,
    recipients: Sequence[str],
    ack_needed: Mapping[str, bool],
    kind: str,
    precedence: Precedence,
    body: Mapping[str, Any],
    now: float,
) -> list[Envelope]:
    created = format_time(now)
    group = uuid7(int(now * 1000), os.urandom(10))
    meta = {"name": line, "version": version, "to": list(recipients), "group": group}
    pinned = {p.station_id for p in store.peers()}
    missing = [r for r in recipients if r not in pinned]
    if missing:
        raise LineError(f"stations {', '.join(missing)} are members but not pinned here; `detente peer add` them first")

    def builder(peer: str) -> Any:
        return envelope_builder(home, peer=peer, kind=kind, precedence=precedence, body=body, now=now, line=meta)

    envelopes = store.append_outgoing_group([(r, builder(r), ack_needed.get(r, True)) for r in recipients], created)
    poke_serve(home)
    return envelopes


def _told(store: Store, charter: Charter, local: str) -> list[str]:
    """Who hears of a charter version and its signatures: its members, and those it removes."""
    told = [m.station_id for m in charter.members if m.station_id != local]
    current = in_force(store, charter.line)
    if current is not None and current.version < charter.version:
        told += [m.station_id for m in current.members if m.station_id != local and m.station_id not in told]
    return told


def propose(home: Home, store: Store, charter: Charter, now: float) -> list[Envelope]:
    """Store ``charter`` (a new line, or the next version of one) as proposed and send it to every
    member, and to every member it removes; this station signs it by proposing it."""
    local = home.config.station_id
    if charter.proposed_by != local:
        raise LineError("a station proposes charters in its own name")
    try:
        _check_chain(store, charter)
    except LineRefused as exc:
        raise LineError(str(exc)) from None
    if _pending(store, charter.line) is not None:
        raise LineError(f"line {charter.line} already has a change waiting for signatures; see `detente line show`")
    recipients = _told(store, charter, local)
    signers = _required(store, charter)
    at = format_time(now)
    record = CharterRecord(charter.line, charter.version, charter.hash, charter.canonical, "proposed", at)
    if not store.save_charter(record):
        raise LineError(f"line {charter.line} version {charter.version} is already held here")
    envelopes = _queue_group(
        home,
        store,
        line=charter.line,
        version=charter.version,
        recipients=recipients,
        ack_needed={r: r in signers for r in recipients},
        kind=LINE_CHARTER,
        precedence=Precedence.IMMEDIATE,
        body={"charter": charter.to_json()},
        now=now,
    )
    store.add_charter_signature(charter.line, charter.version, charter.hash, local, envelopes[0].line["group"], at)  # type: ignore[index]
    store.journal("line.proposed", f"{charter.line} version {charter.version} ({charter.hash[:16]}…)", at)
    _settle(store, charter, at)
    return envelopes


def accept(home: Home, store: Store, line: str, now: float) -> tuple[Charter, list[Envelope], bool]:
    """Sign the charter version of ``line`` that waits for signatures: a ``line-accept`` goes to
    every member. Returns the charter, the envelopes and whether it is now in force here."""
    local = home.config.station_id
    pending = _pending(store, line)
    if pending is None:
        raise LineError(f"line {line} has no change waiting for signatures here")
    charter = charter_of(pending)
    if local not in _required(store, charter) and charter.member(local) is None:
        raise LineError(f"this station is not asked to sign line {line} version {charter.version}")
    at = format_time(now)
    recipients = _told(store, charter, local)
    envelopes = _queue_group(
        home,
        store,
        line=line,
        version=charter.version,
        recipients=recipients,
        ack_needed={r: False for r in recipients},
        kind=LINE_ACCEPT,
        precedence=Precedence.IMMEDIATE,
        body={"line": line, "version": charter.version, "charter": charter.hash},
        now=now,
    )
    group = (
        str(envelopes[0].line["group"]) if envelopes and envelopes[0].line else uuid7(int(now * 1000), os.urandom(10))
    )
    store.add_charter_signature(line, charter.version, charter.hash, local, group, at)
    store.journal("line.accepted", f"{line} version {charter.version} signed by this station", at)
    return charter, envelopes, _settle(store, charter, at)


def take_in(store: Store, local: str, envelope: Envelope, at: str) -> str | None:
    """Act on a stored ``line-charter`` or ``line-accept`` from a peer; returns what the journal
    should say, or None for other kinds. A charter that does not follow the chain is kept as a
    message but not taken (the reason is returned and journalled)."""
    if envelope.kind == LINE_CHARTER:
        try:
            charter = Charter.from_json(envelope.body.get("charter"))
            if charter.proposed_by != envelope.sender:
                raise LineRefused(
                    f"the charter says it is proposed by {charter.proposed_by}, but came from {envelope.sender}"
                )
            current = in_force(store, charter.line)
            if charter.member(local) is None and (current is None or current.member(local) is None):
                raise LineRefused(f"this station is not a member of line {charter.line}")
            _check_chain(store, charter)
        except LineRefused as exc:
            store.journal("line.refused", f"charter from {envelope.sender}: {exc}", at, envelope.sender)
            return f"refused: {exc}"
        saved = store.save_charter(
            CharterRecord(charter.line, charter.version, charter.hash, charter.canonical, "proposed", at)
        )
        held = [r for r in store.charters(charter.line) if r.version == charter.version]
        if not saved and held and held[0].hash != charter.hash:
            detail = f"{charter.line} version {charter.version} from {envelope.sender} conflicts with another held here"
            store.journal("line.refused", detail, at, envelope.sender)
            return f"refused: {detail}; propose the change again once one version is in force"
        store.add_charter_signature(charter.line, charter.version, charter.hash, envelope.sender, envelope.id, at)
        store.journal(
            "line.proposed", f"{charter.line} version {charter.version} by {envelope.sender}", at, envelope.sender
        )
        _settle(store, charter, at)
        return None
    if envelope.kind == LINE_ACCEPT:
        line, version, digest = envelope.body.get("line"), envelope.body.get("version"), envelope.body.get("charter")
        if not isinstance(line, str) or type(version) is not int or not isinstance(digest, str) or len(digest) != 64:
            store.journal("line.refused", f"malformed acceptance from {envelope.sender}", at, envelope.sender)
            return "refused: a line-accept names a line, a version and a charter hash"
        # Kept even before the charter itself arrives (it comes from another station, on another
        # link, and may come later): the signature counts for the charter with that hash only.
        store.add_charter_signature(line, version, digest, envelope.sender, envelope.id, at)
        held = [r for r in store.charters(line) if r.version == version and r.hash == digest]
        if held and held[0].state == "proposed":
            _settle(store, charter_of(held[0]), at)
        return None
    return None


def incoming_state(store: Store, local: str, envelope: Envelope) -> tuple[bool, str | None]:
    """(whether a person here must acknowledge it, why it is refused) for a received envelope."""
    if envelope.line is None:
        return True, None
    if envelope.kind == LINE_ACCEPT:
        return False, None
    if envelope.kind == LINE_CHARTER:  # a person decides whether to sign it, where one must
        try:
            return local in _required(store, Charter.from_json(envelope.body.get("charter"))), None
        except LineRefused:
            return True, None
    charter = in_force(store, str(envelope.line["name"]))
    if charter is None:
        return False, f"line {envelope.line['name']} is not in force at this station"
    try:
        check_incoming(charter, envelope.sender, local, [str(s) for s in envelope.line["to"]])
    except LineRefused as exc:
        return False, str(exc)
    me = charter.member(local)
    return (me is not None and me.role == "party"), None


def send_on_line(
    home: Home,
    store: Store,
    *,
    line: str,
    to_parties: Sequence[str] | None,
    kind: str,
    body: Mapping[str, Any],
    precedence: Precedence,
    now: float,
) -> list[Envelope]:
    """Queue one message to the whole line (``to_parties`` None) or to the members named, one
    envelope per recipient, all in one transaction."""
    charter = in_force(store, line)
    if charter is None:
        raise LineError(f"line {line} is not in force here (see `detente line list`)")
    local = home.config.station_id
    to = None
    if to_parties is not None:
        to = []
        for party in to_parties:
            member = charter.by_party(party)
            if member is None:
                raise LineError(f"{party.upper()} is not a member of line {line}")
            to.append(member.station_id)
    try:
        recipients = line_recipients(charter, local, to)
    except LineRefused as exc:
        raise LineError(f"not sent: {exc}") from None
    roles = {m.station_id: m.role for m in charter.members}
    return _queue_group(
        home,
        store,
        line=line,
        version=charter.version,
        recipients=recipients,
        ack_needed={r: roles[r] == "party" for r in recipients},
        kind=kind,
        precedence=precedence,
        body=body,
        now=now,
    )


@dataclass(frozen=True)
class Recipient:
    """Where one recipient of a line message stands, from this (the sending) station."""

    party: str
    role: str
    state: str
    received_at: str | None
    acknowledged_at: str | None
    acknowledged_by: str | None

    def describe(self) -> str:
        role = "" if self.role == "party" else f" {self.role}"
        if self.acknowledged_at:
            return f"{self.party}{role} acknowledged {self.acknowledged_at} ({self.acknowledged_by})"
        if self.received_at:
            return f"{self.party}{role} received {self.received_at}"
        return f"{self.party}{role} {self.state}"


def recipients_of(store: Store, group: str) -> list[Recipient]:
    records: list[MessageRecord] = store.group_messages(group)
    roles: dict[str, str] = {}
    if records and records[0].line_name:
        charter = in_force(store, records[0].line_name)
        roles = {m.station_id: m.role for m in charter.members} if charter else {}
    return [
        Recipient(
            party=r.peer_party,
            role=roles.get(r.peer, "member"),
            state=r.state,
            received_at=r.receipted_at,
            acknowledged_at=r.acked_at,
            acknowledged_by=shown(r.acked_by, multiline=False).text if r.acked_by is not None else None,
        )  # (a name the peer sent: its invisible characters as ⟨U+202E⟩)
        for r in records
        if r.direction == "out"
    ]


def store_received(
    store: Store, local: str, items: Sequence[tuple[Envelope, Any]], at: str
) -> list[tuple[Envelope, str]]:
    """Store received envelopes with their receipts (one transaction), each line message marked
    with whether a person must acknowledge it and why its line's charter refuses it. Returns
    (envelope, reason) of each refused one; then call :func:`after_received`."""
    states = {e.id: incoming_state(store, local, e) for e, _ in items if e.line is not None}
    store.store_incoming(list(items), at, states)
    return [(e, reason) for e, _ in items if (reason := states.get(e.id, (True, None))[1]) is not None]


def after_received(
    store: Store, local: str, envelopes: Sequence[Envelope], refused: Sequence[tuple[Envelope, str]], at: str
) -> list[tuple[Envelope, str]]:
    """Journal the refusals and take in the charters and acceptances among stored envelopes;
    returns (envelope, reason) of each charter or acceptance not taken."""
    for envelope, reason in refused:
        store.journal("line.refused", f"{envelope.id} from {envelope.sender}: {reason}", at, envelope.sender)
    notes = []
    for envelope in envelopes:
        note = take_in(store, local, envelope, at)
        if note is not None:
            notes.append((envelope, note))
    return notes


def line_addressing(store: Store, to: str, line: str | None) -> tuple[str, list[str] | None] | None:
    """(line, parties or None for the whole line) when ``to`` (a party, parties joined by commas,
    or a line's name) and ``line`` address a line of more than two stations; None for a message
    to one peer outside any such line. LineError when the parties fit no single line."""
    if line is not None:
        return line, [p.strip() for p in to.split(",") if p.strip()]
    if "," not in to and in_force(store, to) is not None:
        return to, None
    if "," not in to:
        return None
    parties = [p.strip().upper() for p in to.split(",") if p.strip()]
    names = sorted({r.line for r in store.charters()})
    fitting = [n for n in names if (c := in_force(store, n)) is not None and all(c.by_party(p) for p in parties)]
    if len(fitting) != 1:
        found = ", ".join(fitting) or "none"
        raise LineError(f"to {', '.join(parties)}: name the line (lines in force with all of them here: {found})")
    return fitting[0], parties


def lines_in_force(store: Store) -> list[Charter]:
    return [c for name in sorted({r.line for r in store.charters()}) if (c := in_force(store, name)) is not None]
