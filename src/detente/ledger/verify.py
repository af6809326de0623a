"""``ledger verify``: recompute a station's whole ledger and name the first bad entry of each line.

For each line, this station's own log is read in index order (one query for the entries, one
for the messages and one for the records in the order they were stored, merged as they come;
one for the stored tree; one for the checkpoints) and checked: the indexes run from 0 without a
gap (no row removed); the envelope, receipt or record each entry names is held and hashes to the
entry's leaf (RFC 9162: SHA-256(0x00 || bytes)); envelopes continue their direction's chain (seq,
prev) and their rows agree with them (seq, hash; every column where signatures are checked);
the tree is rebuilt level by level in memory with hashlib and compared with the stored one;
every checkpoint's root equals the rebuilt root at its size; every message, receipt and record
held is named by an entry (no row inserted or swapped in); every alarm in the log still has its
row in the alarms table. The peer's log (hashes only) is rebuilt the same way and checked
against the peer's checkpoints. linecheck.py holds the checks; :data:`PROBLEMS` (problems.py) says
what each problem code means.

Which signatures are verified, and why that is enough
------------------------------------------------------
Verifying every signature of a million entries would take minutes (Ed25519 verification costs
about a thousand times more than hashing an entry), so signatures are verified where they
decide something. Consider someone who can edit the SQLite file but does not hold the
station's private keys (a database administrator, a tampered backup, an SQL injection). They
can change, delete, insert and reorder rows and recompute every SHA-256 (hashing needs no key).
They cannot sign: not as this station (envelopes, receipts, records, checkpoints), not as the
peer (its envelopes and receipts, its cosignatures).

* The *anchor* of a log is its largest checkpoint whose signatures verify with the signer's
  pinned keys (this station's for its own log, the peer's for the peer's log). Once the
  entries' bytes hash to their leaves and the rebuilt root equals the anchor's root, every
  byte of the entries it covers is exactly what was signed (SHA-256 is collision resistant):
  checking each envelope's signature there again would prove nothing more. Those signatures
  were verified when the objects arrived, before they were stored.
* Entries after the anchor are not pinned by any signature of the log, so each of their
  envelopes, receipts and records is parsed strictly and its own signature verified with the
  right key: an edit there that recomputes the hashes is still caught, since it cannot be
  re-signed.
* When a checkpoint's root does not match (someone rewrote entries and their hashes), the
  entries between the largest checkpoint that still matches and is validly signed and the one
  that does not are verified signature by signature, so that the rewritten entry is named.
* A checkpoint's other signatures (and its cosignatures, beyond the latest co-signed one) are
  not verified by default: its content is pinned by the anchor, and a damaged signature can
  only make a proof that uses it fail, never make a false one pass. ``full=True`` (``ledger
  verify --full``) verifies every signature of every entry and checkpoint.

What no local check can reveal: removing the newest entries together with their rows and the
checkpoints that cover them, or deleting every checkpoint. The peer holds co-signed copies;
the report says how much of each log a verified checkpoint covers.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass

from ..errors import StationError, StoreError
from ..home import Home
from ..logs import log_event
from ..protocol.ids import uuid7
from ..protocol.timestamps import format_time
from ..store import Store
from .linecheck import LineCheck
from .problems import DAMAGE_ACCEPTED, MAX_PROBLEMS, PROBLEMS, LineReport, Problem
from .records import seal_record

__all__ = [
    "DAMAGE_ACCEPTED",
    "MAX_PROBLEMS",
    "PROBLEMS",
    "LedgerReport",
    "LineReport",
    "Problem",
    "admit_ledger",
    "damage_found",
    "damage_reason",
    "verify_ledger",
]

log = logging.getLogger("detente.ledger")


@dataclass(frozen=True)
class LedgerReport:
    lines: tuple[LineReport, ...]
    entries: int
    """Entries and leaves checked, over every log."""
    seconds: float
    full: bool

    @property
    def ok(self) -> bool:
        return all(line.ok for line in self.lines)


def verify_ledger(home: Home, store: Store, *, full: bool = False) -> LedgerReport:
    """Check every line's two logs, as of one moment (a serve may be running)."""
    started = time.perf_counter()
    with store.snapshot():
        alarm_records = {a.record for a in store.alarms() if a.record}
        lines = []
        for peer in store.peers():
            try:
                lines.append(LineCheck(home, store, peer, full=full, alarm_records=alarm_records).run())
            except (TypeError, ValueError, KeyError, IndexError) as exc:  # a value no station could have written
                raise StoreError(
                    f"the ledger of the line with {peer.party} in {home.database_name} cannot even be read as one "
                    f"({exc!r}): the database was edited by hand or is damaged; restore it from a backup"
                ) from None
    entries = sum(line.size + line.peer_size for line in lines)
    return LedgerReport(tuple(lines), entries, time.perf_counter() - started, full)


def damage_reason(line: LineReport) -> str:
    """One line naming the first damaged entry of a line's ledger, and what to do."""
    first = line.first
    where = f"{first.where()}: {first.detail}" if first is not None else "damaged"
    return f"the ledger of the line with {line.party} is damaged: {where}" + (
        "" if line.accepted else "; restore the database from a backup (see docs/operations.md)"
    )


def damage_found(home: Home) -> str | None:
    """Why a command that read the station database met a value no station could have written:
    the one-line reason that ``serve`` and ``ledger verify`` give (the database cannot be opened or
    read, or the first damaged ledger entry, or what SQLite's own check finds), or None when
    nothing is found damaged (then the failure was not the database's)."""
    try:
        store = home.open_store()
    except (StoreError, StationError) as exc:
        return str(exc)
    try:
        damaged = [line for line in verify_ledger(home, store).lines if not line.ok]
        if damaged:
            return damage_reason(damaged[0])
        return store.damage()
    except StoreError as exc:
        return str(exc)
    finally:
        store.close()


def admit_ledger(home: Home, store: Store, *, accept_damaged: bool, now: float) -> LedgerReport:
    """What ``serve`` does before it listens: verify the ledger; refuse (StationError) if it is
    damaged in a way not accepted before, unless ``accept_damaged``, in which case the damage
    of each line is recorded there (an alarm, its signed record in the line's log, a journal
    entry) and serving goes on. Damage accepted earlier does not stop a restart."""
    report = verify_ledger(home, store)
    log_event(
        log, logging.INFO, "ledger.verified", entries=report.entries, seconds=round(report.seconds, 3), ok=report.ok
    )
    fresh = [line for line in report.lines if not line.ok and not line.accepted]
    for line in report.lines:
        if not line.ok and line.accepted and line.first is not None:
            _log_damage(line, "before")
    if not fresh:
        return report
    if not accept_damaged:
        line = fresh[0]
        first = line.first
        assert first is not None
        raise StationError(
            f"the ledger of the line with {line.party} failed verification: {first.where()}: {first.detail}"
            f"{f' (and {line.problem_count - 1} more problems)' if line.problem_count > 1 else ''}; "
            f"`detente ledger verify --home {home.path}` lists them. Restore the database from a backup, or "
            "start with --accept-damaged-ledger to serve on the damaged ledger (that is recorded in the ledger)"
        )
    for line in fresh:
        _record_acceptance(home, store, line, now)
        _log_damage(line, "now")
    return report


def _log_damage(line: LineReport, accepted: str) -> None:
    first = line.first
    assert first is not None
    log_event(
        log,
        logging.ERROR,
        "ledger.damaged",
        party=line.party,
        problems=line.problem_count,
        first=f"{first.where()}: {first.detail}",
        accepted=accepted,
    )


def _record_acceptance(home: Home, store: Store, line: LineReport, now: float) -> None:
    first = line.first
    assert first is not None
    at = format_time(now)
    detail = (
        f"served on a damaged ledger (--accept-damaged-ledger): {line.problem_count} problem(s); the first: "
        f"{first.where()}: {first.detail}"
    )
    record = seal_record(
        home.signer,
        id=uuid7(int(now * 1000), os.urandom(10)),
        station=home.config.station_id,
        peer=line.peer,
        event=DAMAGE_ACCEPTED,
        at=at,
        detail=detail,
        evidence={"problems": [list(p.key) for p in line.problems], "count": line.problem_count},
    )
    store.add_alarm(line.peer, DAMAGE_ACCEPTED, detail, at, (record.id, record.canonical))
    store.journal(DAMAGE_ACCEPTED, detail, at, line.peer)
