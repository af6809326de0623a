"""Evidence bundles: exporting one from a station, and saying what a verified one proves.

The format and the offline verifier live in :mod:`detente.ledger.evidence` (which needs no
station); this module is the station's side: :func:`export_bundle` selects messages, finds their
entries in the station's own log of the line and proves them against the latest checkpoint both
stations signed. :func:`describe` says what a verified bundle proves, in the reader's language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..home import Home
from ..protocol.canonical import canonical_json, parse_json
from ..protocol.signing import b64encode
from ..protocol.timestamps import format_time, parse_time
from ..store import CheckpointRecord, Direction, LedgerLeaf, MessageRecord, Store
from .evidence import (
    BUNDLE_DOMAIN,
    BUNDLE_FORMAT,
    AcknowledgementFacts,
    BundleError,
    BundleReport,
    CheckpointFacts,
    MessageFacts,
    ReceiptFacts,
    RecordFacts,
    StationFacts,
    acknowledges,
    verify_bundle,
)
from .merkle import consistency_proof, inclusion_proof, leaf_hash, root_hash
from .records import Record
from .scan import HeldRows, held_data
from .statements import LANGUAGES, render_statement

__all__ = [
    "BUNDLE_DOMAIN",
    "BUNDLE_FORMAT",
    "AcknowledgementFacts",
    "BundleError",
    "BundleReport",
    "CheckpointFacts",
    "MessageFacts",
    "ReceiptFacts",
    "RecordFacts",
    "StationFacts",
    "describe",
    "export_bundle",
    "verify_bundle",
]

_RECEIPT_OF = {"envelope-out": "receipt-in", "envelope-in": "receipt-out"}
_WAIT = "wait for the next checkpoint (a few seconds while the link is up) and export again"
_DIRECTIONS: tuple[Direction, ...] = ("out", "in")
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})")


def describe(report: BundleReport, lang: str) -> str:
    """What the bundle proves, in ``lang`` (tr, ar, en or ru)."""
    if lang not in LANGUAGES:
        raise BundleError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
    return render_statement(report, lang)


# --- export ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Wanted:
    kind: str
    ref: str
    selected: bool
    """The envelope of a selected message itself (it must be covered by the checkpoint)."""


def export_bundle(
    home: Home,
    store: Store,
    *,
    message_ids: Sequence[str] = (),
    since: str | None = None,
    until: str | None = None,
    prove_absence: bool = False,
    now: float,
) -> bytes:
    """A self-contained bundle of the selected messages (by id, or all created in [since, until])
    with their receipts and acknowledgements, proven against the latest co-signed checkpoint.

    It is a snapshot of the record as of that checkpoint: a receipt or an acknowledgement logged
    after it is not included; a selected message logged after it is refused. ``prove_absence``
    reveals the whole log up to that checkpoint (``"log"``, PROTOCOL.md §17.7), so that what the
    bundle lacks is proven absent, and adds, for each entry, the last co-signed checkpoint before it."""
    if message_ids and (since is not None or until is not None):
        raise BundleError("select messages either by id or by time (from/to), not both")
    if not message_ids and since is None and until is None:
        raise BundleError("say which messages to export: by id, or by a time range (from/to)")
    selection: dict[str, Any]
    start = end = 0.0
    if message_ids:
        chosen = _by_id(store, message_ids)
        selection = {"messages": [m.id for m in chosen]}
        peers = {m.peer for m in chosen}
    else:
        first = format_time(_rfc3339(since, "from")) if since is not None else format_time(0)
        last = format_time(_rfc3339(until, "to")) if until is not None else format_time(now)
        start, end = parse_time(first), parse_time(last)
        if start > end:
            raise BundleError(f"the time range is empty: from {first} is after to {last}")
        chosen = _by_time(store, start, end)
        selection = {"from": first, "to": last}
        peers = {m.peer for m in chosen} | {
            p.station_id
            for p in store.peers()
            if any(start <= parse_time(r.at) <= end for _, r in _logged_records(store, p.station_id))
        }
        if not peers:
            raise BundleError(f"no messages and no records were created from {first} to {last}")
    if len(peers) != 1:
        raise BundleError(
            f"the selection spans the lines with {', '.join(sorted(peers))}; a bundle covers one line: "
            "select messages by id, one line at a time"
        )
    (peer,) = peers
    pinned = next((p for p in store.peers() if p.station_id == peer), None)
    if pinned is None:
        raise BundleError(f"the peer {peer} of the selected messages is not pinned at this station")
    cosigned = [c for c in store.checkpoints("own", peer) if c.cosigned_at]
    if not cosigned:
        raise BundleError(
            f"no checkpoint of this station's log of the line with {pinned.party} is co-signed yet; {_WAIT}"
        )
    head = cosigned[-1]
    nodes = store.log_nodes("own", peer)
    if root_hash(nodes, head.size) != head.root:
        raise BundleError(
            f"this station's log of the line with {pinned.party} no longer has the root of its co-signed checkpoint "
            f"of size {head.size}: the database was altered; run `detente ledger verify`"
        )
    selected = {m.id for m in chosen}
    records = [
        leaf.ref
        for leaf, record in _logged_records(store, peer, head.size)
        if (start <= parse_time(record.at) <= end if not message_ids else record.evidence.get("message") in selected)
    ]
    leaves = {(leaf.kind, leaf.ref): leaf for leaf in store.ledger_leaves(peer, 0, head.size)}
    entries: dict[int, tuple[LedgerLeaf, bytes]] = {}
    for wanted in _wanted(store, peer, chosen, records):
        leaf = leaves.get((wanted.kind, wanted.ref))
        if leaf is None:
            if wanted.selected:
                raise BundleError(
                    f"message {wanted.ref} is not yet covered by a checkpoint co-signed by {pinned.party} (the latest "
                    f"covers {head.size} log entries); {_WAIT}"
                )
            continue  # logged after the checkpoint (or not at all): not part of this snapshot
        data = store.entry_data(peer, leaf)
        if data is None or leaf_hash(data) != leaf.leaf:
            raise BundleError(
                f"log entry {leaf.idx} ({leaf.kind} {leaf.ref}) no longer matches its hash in the log: the database "
                "was altered; run `detente ledger verify`"
            )
        entries[leaf.idx] = (leaf, data)
    if not entries:
        raise BundleError(f"none of the selected records is covered by a co-signed checkpoint yet; {_WAIT}")
    ordered = [entries[i] for i in sorted(entries)]
    bundle: dict[str, Any] = {
        "bundle": BUNDLE_FORMAT,
        "exported_at": format_time(now),
        "selection": selection,
        "cards": {"exporter": home.card(), "peer": pinned.card},
        "checkpoints": [
            {"note": c.note, "consistency": [b64encode(h) for h in consistency_proof(nodes, c.size, head.size)]}
            for c in _covering(cosigned, sorted(entries), head, before=prove_absence)
        ],
        "entries": [
            {
                "index": leaf.idx,
                "kind": leaf.kind,
                "object": parse_json(data),
                "proof": [b64encode(h) for h in inclusion_proof(nodes, leaf.idx, head.size)],
            }
            for leaf, data in ordered
        ],
    }
    if prove_absence:
        bundle["log"] = _whole_log(store, peer, head.size)
    signer = home.signer
    bundle["signature"] = {"alg": signer.alg, "kid": signer.kid}
    bundle["signature"]["value"] = b64encode(signer.sign(BUNDLE_DOMAIN + canonical_json(bundle)))
    data = canonical_json(bundle)
    try:
        verify_bundle(data)
    except BundleError as exc:
        raise BundleError(
            f"the bundle made from this station's database does not verify ({exc}); run `detente ledger verify`"
        ) from None
    return data


def _rfc3339(text: str, what: str) -> float:
    if not _RFC3339.fullmatch(text):
        raise BundleError(f"{what} time {text!r} is not an RFC 3339 time such as 2026-11-26T09:00:00Z")
    try:
        return datetime.fromisoformat(text.upper().replace(" ", "T")).timestamp()
    except ValueError as exc:
        raise BundleError(f"{what} time {text!r} is not a real time: {exc}") from None


def _by_id(store: Store, message_ids: Sequence[str]) -> list[MessageRecord]:
    chosen = []
    for message_id in dict.fromkeys(message_ids):
        record = store.message(message_id)
        if record is None:
            raise BundleError(f"message {message_id}: no such message at this station (see `detente inbox`/`outbox`)")
        target = acknowledges(record.body)
        if target is not None:
            raise BundleError(
                f"message {message_id} is an acknowledgement of message {target}; export that message, and its "
                "acknowledgements come with it"
            )
        chosen.append(record)
    return chosen


def _by_time(store: Store, start: float, end: float) -> list[MessageRecord]:
    """Messages (not acknowledgements) created in [start, end], by their sender's clock."""
    chosen = [
        record
        for direction in _DIRECTIONS
        for _, record in store.messages(direction)
        if start <= parse_time(record.created_at) <= end and acknowledges(record.body) is None
    ]
    chosen.sort(key=lambda r: (r.created_at, r.id))
    return chosen


def _logged_records(store: Store, peer: str, end: int | None = None) -> list[tuple[LedgerLeaf, Record]]:
    """The records (alarms, escalation steps, late notices…) in this station's log of a line."""
    size = store.log_size("own", peer) if end is None else end
    found = []
    for leaf in store.ledger_leaves(peer, 0, size):
        if leaf.kind != "record":
            continue
        data = store.entry_data(peer, leaf)
        try:
            if data is None or leaf_hash(data) != leaf.leaf:
                raise ValueError("its bytes do not match the logged leaf")
            found.append((leaf, Record.from_bytes(data)))
        except ValueError as exc:
            raise BundleError(
                f"log entry {leaf.idx} (record {leaf.ref}) is damaged: {exc}; run `detente ledger verify`"
            ) from None
    return found


def _wanted(store: Store, peer: str, chosen: Sequence[MessageRecord], records: Sequence[str]) -> list[_Wanted]:
    """Every log entry the selection asks for: each message's envelope and receipt, and the
    envelope and receipt of each message that acknowledges it; the records."""
    acks: dict[str, list[MessageRecord]] = {}
    if chosen:
        for direction in _DIRECTIONS:
            for _, record in store.messages(direction):
                target = acknowledges(record.body)
                if target is not None and record.peer == peer:
                    acks.setdefault(target, []).append(record)
    wanted = []
    for message in chosen:
        for item in (message, *acks.get(message.id, ())):
            kind = f"envelope-{item.direction}"
            wanted += [_Wanted(kind, item.id, item is message), _Wanted(_RECEIPT_OF[kind], item.id, False)]
    return wanted + [_Wanted("record", ref, False) for ref in records]


def _covering(
    cosigned: list[CheckpointRecord], indices: list[int], head: CheckpointRecord, *, before: bool
) -> list[CheckpointRecord]:
    """The head and, for each index, the first co-signed checkpoint that includes it (and, when
    ``before``, the last one that does not yet)."""
    chosen = {head.size: head}
    for index in indices:
        first = next(c for c in cosigned if c.size > index)
        chosen[first.size] = first
        last = [c for c in cosigned if c.size <= index] if before else []
        if last:
            chosen[last[-1].size] = last[-1]
    return [chosen[size] for size in sorted(chosen)]


def _whole_log(store: Store, peer: str, size: int) -> list[list[Any]]:
    """Every object of this station's log of the line up to ``size``, as ``[kind, object]``."""
    held = HeldRows(store, peer)
    log: list[list[Any]] = []
    for batch in store.scan_log("own", peer):
        for index, kind, ref, leaf in batch:
            if index >= size:
                return log
            _, data = held_data(held, kind, ref)
            if index != len(log) or data is None or leaf_hash(data) != leaf:
                raise BundleError(
                    f"log entry {index} ({kind} {ref}) is missing or no longer matches its hash in the log: the "
                    "database was altered; run `detente ledger verify`"
                )
            log.append([kind, parse_json(data)])
    return log
