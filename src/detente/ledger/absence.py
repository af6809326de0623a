"""Proofs of absence: a bundle that reveals the exporter's whole log up to its head.

A bundle made with ``--prove-absence`` carries the member ``"log"``: every object of the
exporter's log of the line from index 0 up to the head's size, in index order, each as
``[kind, object]`` (PROTOCOL.md §17.7). :func:`check_log` hashes every object, rebuilds the tree
and requires the head's root, so that no object can be left out, added, reordered or altered;
it then requires every object that concerns the selection (a receipt for an envelope of the
bundle, an envelope that names a selected message in ``"acknowledges"``, a record about a
selected message, a message of the selection) to be one of the bundle's verified entries. What
the bundle then lacks is proven absent from that log up to the head, and every entry that is
present is proven absent up to the last checkpoint in the bundle that precedes it.

:func:`findings` says, for each selected message, what is present, what is proven absent (and
against which checkpoint) and what is unknown; :func:`findings_json` is the same as JSON.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..protocol.canonical import canonical_json
from ..protocol.frames import LEAF_KINDS
from ..protocol.timestamps import parse_time
from .scan import RebuiltTree

if TYPE_CHECKING:
    from .facts import AcknowledgementFacts, BundleReport, CheckpointFacts, MessageFacts

__all__ = [
    "ABSENT",
    "PRESENT",
    "UNKNOWN",
    "Finding",
    "LogSelection",
    "MessageFindings",
    "check_log",
    "findings",
    "findings_json",
]

PRESENT, ABSENT, UNKNOWN = "present", "absent", "unknown"

_TYPE_OF_KIND = {
    "envelope-out": "envelope",
    "envelope-in": "envelope",
    "receipt-out": "receipt",
    "receipt-in": "receipt",
    "record": "record",
}


@dataclass(frozen=True)
class LogSelection:
    """What the bundle's entries must hold of the log, for :func:`check_log`."""

    entries: Mapping[int, bytes]
    """The leaf hash of each entry of the bundle, by its index."""
    envelopes: frozenset[str]
    """The ids of every envelope in the bundle (messages and the envelopes that acknowledge them)."""
    messages: frozenset[str]
    """The ids of the selected messages in the bundle."""
    by_id: bool
    start: float
    end: float
    """For a selection by time: its range (unix seconds, ends included)."""


def check_log(value: object, size: int, root: bytes, selection: LogSelection) -> None:
    """Check the revealed log against the head (``size``, ``root``) and the bundle's entries;
    ValueError naming the first object that breaks a rule."""
    if not isinstance(value, list) or len(value) != size:
        raise ValueError(f"log must be a list of all {size} objects of the log up to the last checkpoint, in order")
    leaves: list[bytes] = []
    sha256 = hashlib.sha256
    for index, item in enumerate(value):
        if not isinstance(item, list) or len(item) != 2 or item[0] not in LEAF_KINDS or not isinstance(item[1], dict):
            raise ValueError(f"log[{index}] must be [kind, object] with a kind of the log and a JSON object")
        kind, obj = item
        if obj.get("type") != _TYPE_OF_KIND[kind]:
            raise ValueError(f"log[{index}]: a {kind} entry must hold an object of type {_TYPE_OF_KIND[kind]}")
        leaf = sha256(b"\x00" + canonical_json(obj)).digest()
        leaves.append(leaf)
        held = selection.entries.get(index)
        if held is not None:
            if held != leaf:
                raise ValueError(f"log[{index}] is not the object of the bundle's entry at that index")
            continue
        concern = _concern(obj, selection)
        if concern is not None:
            raise ValueError(
                f"log[{index}] is {concern}, which the bundle's entries leave out: the exporter omitted it"
            )
    if size and RebuiltTree(leaves).root(size) != root:
        raise ValueError(
            f"the {size} objects of log do not hash to the root of the last checkpoint: the log revealed is not "
            "the log both stations signed (an object was left out, added, moved or altered)"
        )


def _concern(obj: Mapping[str, Any], selection: LogSelection) -> str | None:
    """What an object of the log is to the selection, if it must be among the entries."""
    kind = obj.get("type")
    if kind == "receipt" and obj.get("id") in selection.envelopes:
        return f"a receipt for message {obj['id']}"
    if kind == "envelope":
        body = obj.get("body")
        target = body.get("acknowledges") if isinstance(body, dict) else None
        if isinstance(target, str):
            if target in selection.messages:
                return f"an envelope ({str(obj.get('kind'))[:40]}) that acknowledges message {target}"
            return None
        if obj.get("id") in selection.messages:
            return f"the envelope of the selected message {obj['id']}"
        if not selection.by_id and _within(obj.get("created"), selection):
            return f"message {str(obj.get('id'))[:40]}, created within the selected range"
        return None
    if kind == "record":
        evidence = obj.get("evidence")
        about = evidence.get("message") if isinstance(evidence, dict) else None
        if selection.by_id and about in selection.messages:
            return f"a record about message {about}"
        if not selection.by_id and _within(obj.get("at"), selection):
            return f"record {str(obj.get('id'))[:40]}, made within the selected range"
    return None


def _within(value: object, selection: LogSelection) -> bool:
    try:
        return selection.start <= parse_time(value) <= selection.end  # type: ignore[arg-type]
    except ValueError:
        return False


# --- what is present, what is proven absent -------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One thing asked of a message: its receipt, its acknowledgements, or its answers."""

    status: str
    """PRESENT, ABSENT or UNKNOWN."""
    items: tuple[Any, ...] = ()
    """What is present (ReceiptFacts or AcknowledgementFacts)."""
    checkpoint: CheckpointFacts | None = None
    """ABSENT: the checkpoint up to which it is proven absent (the head)."""
    before: tuple[CheckpointFacts | None, ...] = ()
    """PRESENT, in a bundle that proves absence: for each item, the last checkpoint of the bundle
    that does not yet include it (None if there is none), up to which it was absent."""


@dataclass(frozen=True)
class MessageFindings:
    message: MessageFacts
    receipt: Finding
    acknowledgement: Finding
    responses: Finding


def findings(report: BundleReport) -> list[MessageFindings]:
    """Per message of the bundle: receipt, acknowledgements and answers, present, absent or unknown."""
    head = report.checkpoint if report.complete else None
    found = []
    for message in report.messages:
        receipts = (message.receipt,) if message.receipt is not None else ()
        acks = tuple(a for a in message.acknowledgements if a.kind == "acknowledgement")
        answers = tuple(a for a in message.acknowledgements if a.kind != "acknowledgement")
        found.append(
            MessageFindings(
                message,
                _finding(receipts, head, report.checkpoints),
                _finding(acks, head, report.checkpoints),
                _finding(answers, head, report.checkpoints),
            )
        )
    return found


def _finding(items: Sequence[Any], head: CheckpointFacts | None, checkpoints: Sequence[CheckpointFacts]) -> Finding:
    if items:
        before = tuple(_last_before(item.index, checkpoints) for item in items) if head is not None else ()
        return Finding(PRESENT, tuple(items), None, before)
    if head is None:
        return Finding(UNKNOWN)
    return Finding(ABSENT, (), head)


def _last_before(index: int, checkpoints: Iterable[CheckpointFacts]) -> CheckpointFacts | None:
    earlier = [c for c in checkpoints if c.size <= index]
    return earlier[-1] if earlier else None


def _checkpoint_json(checkpoint: CheckpointFacts | None) -> dict[str, Any] | None:
    if checkpoint is None:
        return None
    return {"size": checkpoint.size, "time": checkpoint.time, "cosigned_at": checkpoint.cosigned_at}


def _item_json(item: Any, before: CheckpointFacts | None, complete: bool) -> dict[str, Any]:
    if hasattr(item, "received"):
        view: dict[str, Any] = {"signer": item.signer, "received": item.received, "index": item.index}
    else:
        ack: AcknowledgementFacts = item
        view = {
            "id": ack.id,
            "kind": ack.kind,
            "station": ack.station,
            "at": ack.at,
            "operator": ack.operator,
            "note": ack.note,
            "late_by_s": ack.late_by_s,
            "index": ack.index,
            "receipt": None
            if ack.receipt is None
            else {"signer": ack.receipt.signer, "received": ack.receipt.received},
        }
    if complete:
        view["absent_before"] = _checkpoint_json(before)
    return view


def _finding_json(finding: Finding) -> dict[str, Any]:
    view: dict[str, Any] = {"status": finding.status}
    if finding.status == PRESENT:
        complete = bool(finding.before)
        view["items"] = [
            _item_json(item, finding.before[i] if complete else None, complete) for i, item in enumerate(finding.items)
        ]
    elif finding.status == ABSENT:
        view["checkpoint"] = _checkpoint_json(finding.checkpoint)
    return view


def findings_json(report: BundleReport) -> dict[str, Any]:
    """What ``verify-bundle --json`` prints for a verified bundle."""
    head = report.checkpoint
    return {
        "verified": True,
        "sha256": report.sha256,
        "exporter": {"station_id": report.exporter.station_id, "party": report.exporter.party},
        "peer": {"station_id": report.peer.station_id, "party": report.peer.party},
        "exported_at": report.exported_at,
        "head": _checkpoint_json(head),
        "proves_absence": report.complete,
        "messages": [
            {
                "id": found.message.id,
                "sender": found.message.sender,
                "recipient": found.message.recipient,
                "kind": found.message.kind,
                "precedence": found.message.precedence,
                "created": found.message.created,
                "index": found.message.index,
                "receipt": _finding_json(found.receipt),
                "acknowledgement": _finding_json(found.acknowledgement),
                "responses": _finding_json(found.responses),
            }
            for found in findings(report)
        ],
        "records": [
            {"id": r.id, "event": r.event, "at": r.at, "message": r.message, "index": r.index} for r in report.records
        ],
    }
