"""A line's charter: its name, its members and their roles, and who must sign a change. Pure.

A line is a named set of stations, each with a role:

* ``party``: sends and receives; a person must acknowledge what it receives;
* ``mediator``: sends and receives, sees everything on the line, may relay between parties;
* ``observer``: receives what is addressed to the whole line (and, if the charter says so,
  everything), sends only to the line's mediator, never acknowledges for a party.

Each version of the charter names the one before it by hash, so the versions form a chain. A
version is in force at a station once every station it must be signed by has signed it: the
station that proposed it signs by proposing (a ``line-charter`` message) and each other by a
``line-accept`` message naming the charter's hash. Both are ordinary signed envelopes, logged in
the ledger, so the membership of a line at any moment can be proved like any message.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..protocol.canonical import canonical_json
from ..protocol.envelope import GENESIS_HASH

__all__ = [
    "CHARTER_FORMAT",
    "ROLES",
    "Charter",
    "LineRefused",
    "Member",
    "check_incoming",
    "line_recipients",
]

CHARTER_FORMAT = "detente-line-charter/1"
ROLES = ("party", "mediator", "observer")
SIGNERS = ("parties", "all")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class LineRefused(ValueError):
    """What a line's charter does not allow: a sender, a recipient or a change."""


@dataclass(frozen=True)
class Member:
    station_id: str
    party: str
    role: str
    fingerprint: str
    """The fingerprint of the member's station card, as its peers pinned it."""

    def to_json(self) -> dict[str, str]:
        return {"station_id": self.station_id, "party": self.party, "role": self.role, "fingerprint": self.fingerprint}


@dataclass(frozen=True)
class Charter:
    line: str
    version: int
    prev: str
    """The hash of the previous version (GENESIS_HASH for version 1)."""
    members: tuple[Member, ...]
    proposed_by: str
    created: str
    signers: str = "parties"
    """Who must sign the next change: ``parties`` (every party) or ``all`` (every member)."""
    observers_see_all: bool = False
    """Whether observers also receive messages addressed only to parties."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "members", tuple(sorted(self.members, key=lambda m: m.station_id)))
        if not _NAME.fullmatch(self.line):
            raise LineRefused(f"line name {self.line!r}: 1-40 lowercase letters, digits and '-', starting with one")
        if self.version < 1:
            raise LineRefused("a charter's version is 1 or more")
        if not _HEX64.fullmatch(self.prev) or (self.version == 1) != (self.prev == GENESIS_HASH):
            raise LineRefused("a charter's prev is the hash of the version before it (zeros for version 1)")
        ids = [m.station_id for m in self.members]
        if len(set(ids)) != len(ids):
            raise LineRefused("a station is a member of a line once")
        if len({m.party for m in self.members}) != len(self.members):
            raise LineRefused("a party has one station on a line")
        for member in self.members:
            if member.role not in ROLES:
                raise LineRefused(f"role {member.role!r} of {member.party}: roles are {', '.join(ROLES)}")
        if sum(1 for m in self.members if m.role == "party") < 2 and self.version == 1:
            raise LineRefused("a line needs at least two parties")
        if self.signers not in SIGNERS:
            raise LineRefused(f"signers {self.signers!r}: one of {', '.join(SIGNERS)}")
        if self.proposed_by not in ids:
            raise LineRefused(f"the charter is proposed by {self.proposed_by}, which is not a member")

    # --- form ------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "charter": CHARTER_FORMAT,
            "line": self.line,
            "version": self.version,
            "prev": self.prev,
            "members": [m.to_json() for m in self.members],
            "signers": self.signers,
            "observers_see_all": self.observers_see_all,
            "proposed_by": self.proposed_by,
            "created": self.created,
        }

    @property
    def canonical(self) -> bytes:
        return canonical_json(self.to_json())

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.canonical).hexdigest()

    @classmethod
    def from_json(cls, data: object) -> Charter:
        if not isinstance(data, Mapping) or data.get("charter") != CHARTER_FORMAT:
            raise LineRefused(f'not a line charter (expected "charter": "{CHARTER_FORMAT}")')
        try:
            members = tuple(
                Member(str(m["station_id"]), str(m["party"]), str(m["role"]), str(m["fingerprint"]))
                for m in data["members"]
            )
            charter = cls(
                line=str(data["line"]),
                version=int(data["version"]),
                prev=str(data["prev"]),
                members=members,
                proposed_by=str(data["proposed_by"]),
                created=str(data["created"]),
                signers=str(data["signers"]),
                observers_see_all=bool(data["observers_see_all"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, LineRefused):
                raise
            raise LineRefused(f"line charter: missing or malformed member ({exc})") from None
        if charter.to_json() != dict(data):
            raise LineRefused("line charter has members this version does not know, or values of the wrong type")
        return charter

    # --- questions -------------------------------------------------------------------------------

    def member(self, station_id: str) -> Member | None:
        return next((m for m in self.members if m.station_id == station_id), None)

    def by_party(self, party: str) -> Member | None:
        return next((m for m in self.members if m.party == party.upper()), None)

    def with_role(self, role: str) -> list[Member]:
        return [m for m in self.members if m.role == role]

    def signers_of(self, following: Charter) -> set[str]:
        """The stations that must sign ``following`` (the next version) for it to be in force:
        under this version's rule, those that stay members (a party cannot veto its own removal)."""
        staying = {m.station_id for m in following.members}
        chosen = self.members if self.signers == "all" else self.with_role("party")
        return {m.station_id for m in chosen if m.station_id in staying}

    def first_signers(self) -> set[str]:
        """The stations that must sign version 1."""
        chosen = self.members if self.signers == "all" else self.with_role("party")
        return {m.station_id for m in chosen}

    def next(self, members: Iterable[Member], *, proposed_by: str, created: str) -> Charter:
        return Charter(
            line=self.line,
            version=self.version + 1,
            prev=self.hash,
            members=tuple(members),
            proposed_by=proposed_by,
            created=created,
            signers=self.signers,
            observers_see_all=self.observers_see_all,
        )


def line_recipients(charter: Charter, sender: str, to: Sequence[str] | None) -> list[str]:
    """The stations a message from ``sender`` goes to: ``to`` None means the whole line, else the
    station ids named. The line's mediators see everything, so they are added; observers receive
    what goes to the whole line, and what goes only to parties if the charter says so. Raises
    LineRefused for what the charter does not allow."""
    me = charter.member(sender)
    if me is None:
        raise LineRefused(f"this station is not a member of line {charter.line}")
    others = [m for m in charter.members if m.station_id != sender]
    if to is None:
        chosen = [m.station_id for m in others]
        if me.role == "observer":
            chosen = [m.station_id for m in others if m.role == "mediator"]
            if not chosen:
                raise LineRefused(f"line {charter.line} has no mediator, and an observer may send only to one")
        return chosen
    named = list(dict.fromkeys(to))
    for station in named:
        member = charter.member(station)
        if member is None:
            raise LineRefused(f"{station} is not a member of line {charter.line}")
        if station == sender:
            raise LineRefused("a station does not send to itself")
        if me.role == "observer" and member.role != "mediator":
            raise LineRefused(
                f"an observer may send only to the line's mediator, not to {member.party} ({member.role})"
            )
    chosen = named + [m.station_id for m in charter.with_role("mediator") if m.station_id not in named + [sender]]
    if charter.observers_see_all:
        chosen += [m.station_id for m in charter.with_role("observer") if m.station_id not in chosen + [sender]]
    return chosen


def check_incoming(charter: Charter, sender: str, local: str, to: Sequence[str]) -> None:
    """LineRefused if a message on the line from ``sender`` to ``to`` (which must name this station,
    ``local``) is not one the charter allows."""
    member = charter.member(sender)
    if member is None:
        raise LineRefused(f"{sender} is not a member of line {charter.line} (version {charter.version})")
    me = charter.member(local)
    if me is None:
        raise LineRefused(f"this station is not a member of line {charter.line} (version {charter.version})")
    if local not in to:
        raise LineRefused(f"the message names its recipients on line {charter.line}, and this station is not one")
    if member.role == "observer" and me.role != "mediator":
        raise LineRefused(f"{member.party} is an observer on line {charter.line}: it may send only to the mediator")
