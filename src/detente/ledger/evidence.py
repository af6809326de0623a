"""Evidence bundles: the format, what a bundle proves, and the offline verifier.

A bundle is one RFC 8785 canonical JSON object (PROTOCOL.md §17 specifies it in full):

    {"bundle":"detente-evidence-bundle/1", "exported_at":<time>,
     "selection":{"messages":[<id>…]} | {"from":<time>,"to":<time>},
     "cards":{"exporter":<card>,"peer":<card>},
     "checkpoints":[{"note":<C2SP signed note>,"consistency":[<base64 hash>…]}…],
     "entries":[{"index":<n>,"kind":<log kind>,"object":<envelope|receipt|record>,"proof":[<base64>…]}…],
     "signature":{"alg":"ed25519","kid":…,"value":…}}

The entries are objects of the exporter's own log of the line, each with its RFC 9162 inclusion
proof against the last checkpoint; earlier checkpoints (the first that included each entry) come
with consistency proofs to the last one, and bound by the peer's cosignature when each entry was
in the record. The exporter signs the whole object (``"detente evidence bundle v1\\n"`` || JCS of
it without ``signature.value``), so that no byte of a bundle goes unverified.

:func:`verify_bundle` needs nothing but the bytes: no station, no database, no network. It
requires the exact canonical form, then checks both cards, every checkpoint's two signatures and
two cosignatures, every entry's signature, leaf hash and inclusion proof, the consistency proofs,
that receipts and acknowledgements belong to the envelopes in the bundle, that the entries are
what the selection says, and the exporter's signature. This module uses no store and no station.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.utils import CryptographyDeprecationWarning

from ..errors import DetenteError, EnvelopeError, PeerError
from ..identity import Card, parse_card
from ..protocol.canonical import canonical_json, parse_json
from ..protocol.envelope import Envelope, Receipt
from ..protocol.frames import LEAF_KINDS
from ..protocol.ids import is_uuid7
from ..protocol.signing import b64decode, b64encode
from ..protocol.timestamps import parse_time
from .absence import LogSelection, check_log
from .checkpoint import Checkpoint, line_origin
from .facts import (
    AcknowledgementFacts,
    BundleReport,
    CheckpointFacts,
    MessageFacts,
    ReceiptFacts,
    RecordFacts,
    StationFacts,
)
from .merkle import leaf_hash, verify_consistency, verify_inclusion
from .note import KeyKind, SignedNote, parse_note
from .records import Record

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
    "acknowledges",
    "verify_bundle",
]

BUNDLE_FORMAT = "detente-evidence-bundle/1"
BUNDLE_DOMAIN = b"detente evidence bundle v1\n"

_MEMBERS = {"bundle", "exported_at", "selection", "cards", "checkpoints", "entries", "signature"}
_OPTIONAL = {"log"}
"""A bundle that proves absence also reveals its whole log up to the head (absence.py)."""
_ENTRY_MEMBERS = {"index", "kind", "object", "proof"}
_NOTE_ORDER = (
    ("exporter", KeyKind.NOTE_ED25519),
    ("exporter", KeyKind.NOTE_MLDSA65),
    ("peer", KeyKind.COSIG_ED25519),
    ("peer", KeyKind.COSIG_MLDSA65),
)
"""The four signature lines of every checkpoint in a bundle, in this order and no others."""


class BundleError(DetenteError):
    """A bundle cannot be made as asked, or does not verify; the message says what and where."""


def acknowledges(body: Mapping[str, Any]) -> str | None:
    """The id of the message an envelope body acknowledges (``"acknowledges"``), if it does."""
    target = body.get("acknowledges")
    return target if isinstance(target, str) else None


# --- verification ---------------------------------------------------------------------------------


def verify_bundle(data: bytes) -> BundleReport:
    """Check a bundle with nothing else; BundleError saying what is wrong and where."""
    try:
        obj = parse_json(data)
    except ValueError as exc:
        raise BundleError(f"the bundle is not valid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise BundleError("the bundle is not a JSON object")
    try:
        again = canonical_json(obj)
    except ValueError as exc:
        raise BundleError(f"the bundle cannot be in canonical form: {exc}") from None
    if again != data:
        at = next((i for i, (a, b) in enumerate(zip(again, data, strict=False)) if a != b), min(len(again), len(data)))
        raise BundleError(
            f"the bundle is not in its canonical RFC 8785 form: it differs from it at byte {at} of {len(data)} "
            "(it was altered or re-formatted)"
        )
    _members(obj, _MEMBERS | (_OPTIONAL & obj.keys()), "the bundle")
    if obj["bundle"] != BUNDLE_FORMAT:
        raise BundleError(f'not an evidence bundle: "bundle" is {str(obj["bundle"])[:60]!r}, not {BUNDLE_FORMAT!r}')
    exported_at = _time(obj["exported_at"], "exported_at")
    exporter, peer = _cards(obj["cards"])
    checkpoints = _checkpoints(data, obj["checkpoints"], exporter, peer)
    head = checkpoints[-1]
    entries = _entries(data, obj["entries"], exporter, peer, head)
    messages, records = _structure(data, entries, checkpoints)
    selected, start, end = _selection(obj["selection"], messages, records)
    if "log" in obj:
        _complete_log(obj["log"], head, entries, messages, selected, start, end)
    _bundle_signature(data, obj, exporter)
    return BundleReport(
        sha256=hashlib.sha256(data).hexdigest(),
        exporter=_station_facts(exporter),
        peer=_station_facts(peer),
        exported_at=exported_at,
        selected_messages=selected,
        selected_from=start,
        selected_to=end,
        checkpoint=head,
        checkpoints=tuple(checkpoints),
        messages=tuple(messages),
        records=tuple(records),
        entries=len(entries),
        complete="log" in obj,
    )


def _complete_log(
    value: object,
    head: CheckpointFacts,
    entries: list[_Entry],
    messages: list[MessageFacts],
    selected: tuple[str, ...],
    start: str | None,
    end: str | None,
) -> None:
    """The revealed log is the whole log up to the head, and leaves out nothing the selection asks for."""
    selection = LogSelection(
        entries={entry.index: leaf_hash(entry.item.canonical) for entry in entries},
        envelopes=frozenset(e.item.id for e in entries if isinstance(e.item, Envelope)),
        messages=frozenset(selected or (m.id for m in messages)),
        by_id=bool(selected),
        start=parse_time(start) if start is not None else 0.0,
        end=parse_time(end) if end is not None else 0.0,
    )
    try:
        check_log(value, head.size, head.root, selection)
    except ValueError as exc:
        raise BundleError(f"log: {exc}") from None


def _members(obj: object, names: set[str], what: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise BundleError(f"{what} must be a JSON object")
    missing, extra = names - obj.keys(), obj.keys() - names
    if missing or extra:
        problems = [f"lacks {', '.join(sorted(missing))}"] if missing else []
        problems += [f"has unknown members {', '.join(sorted(str(e)[:40] for e in extra))}"] if extra else []
        raise BundleError(f"{what} {' and '.join(problems)}")
    return obj


def _time(value: object, what: str) -> str:
    try:
        parse_time(value)  # type: ignore[arg-type]
    except ValueError as exc:
        raise BundleError(f"{what}: {exc}") from None
    return str(value)


def _hashes(value: object, what: str) -> list[bytes]:
    if not isinstance(value, list) or len(value) > 64:
        raise BundleError(f"{what} must be a list of at most 64 base64 SHA-256 hashes")
    hashes = []
    for position, item in enumerate(value):
        try:
            raw = b64decode(item) if isinstance(item, str) else b""
        except ValueError:
            raw = b""
        if len(raw) != 32 or b64encode(raw) != item:
            raise BundleError(f"{what}[{position}] is not a canonical base64 SHA-256 hash")
        hashes.append(raw)
    return hashes


def _located(data: bytes, part: object, error: BundleError) -> BundleError:
    """The error, with where the part it is about lies in the (canonical) bundle."""
    try:
        encoded = canonical_json(part)
    except ValueError:
        return error
    start = data.find(encoded)
    if start < 0:
        return error
    return BundleError(f"{error} [bundle bytes {start}–{start + len(encoded) - 1}]")


def _cards(value: object) -> tuple[Card, Card]:
    cards = _members(value, {"exporter", "peer"}, "cards")
    parsed = []
    for role in ("exporter", "peer"):
        try:
            with warnings.catch_warnings():
                # a certificate cryptography still reads but warns about (a negative serial number) is refused
                warnings.simplefilter("error", CryptographyDeprecationWarning)
                parsed.append(parse_card(cards[role], f"cards.{role}"))
        except PeerError as exc:
            raise BundleError(str(exc)) from None
        except (ValueError, x509.InvalidVersion, CryptographyDeprecationWarning) as exc:  # not caught by parse_card
            raise BundleError(f"cards.{role}: the card is malformed ({type(exc).__name__}: {exc})") from None
    exporter, peer = parsed
    if exporter.station_id == peer.station_id or exporter.party == peer.party:
        raise BundleError("cards.exporter and cards.peer must be two stations of two parties")
    return exporter, peer


def _checkpoints(data: bytes, value: object, exporter: Card, peer: Card) -> list[CheckpointFacts]:
    if not isinstance(value, list) or not value:
        raise BundleError("checkpoints must be a non-empty list")
    parsed: list[tuple[Checkpoint, int, list[bytes]]] = []
    for position, item in enumerate(value):
        try:
            parsed.append(_checkpoint(position, item, exporter, peer, parsed[-1][0].size if parsed else 0))
        except BundleError as exc:
            raise _located(data, item, exc) from None
    head = parsed[-1][0]
    for position, (checkpoint, _, proof) in enumerate(parsed):
        if not verify_consistency(checkpoint.size, head.size, checkpoint.root, head.root, proof):
            error = BundleError(
                f"checkpoints[{position}] (size {checkpoint.size}): its consistency proof to the last checkpoint "
                f"(size {head.size}) does not verify: the two are not views of one append-only log"
            )
            raise _located(data, value[position], error)
    return [CheckpointFacts(c.size, c.root, c.time, c.clock_offset_ms, _whole_seconds(stamp)) for c, stamp, _ in parsed]


def _checkpoint(
    position: int, value: object, exporter: Card, peer: Card, previous: int
) -> tuple[Checkpoint, int, list[bytes]]:
    where = f"checkpoints[{position}]"
    item = _members(value, {"note", "consistency"}, where)
    if not isinstance(item["note"], str):
        raise BundleError(f"{where}: note must be a C2SP signed note")
    try:
        note = parse_note(item["note"])
        checkpoint = Checkpoint.from_text(note.text)
    except ValueError as exc:  # NoteError, or a ValueError of base64 that note.py lets through
        raise BundleError(f"{where}: {exc}") from None
    if str(note) != item["note"]:
        raise BundleError(f"{where}: the signed note is not in its one canonical form (line layout or base64)")
    where = f"checkpoints[{position}] (size {checkpoint.size})"
    expected = line_origin(exporter.station_id, peer.station_id)
    if checkpoint.origin != expected:
        raise BundleError(
            f"{where}: it is a checkpoint of {checkpoint.origin}, not of the exporter's log of this line "
            f"({expected}): it does not belong with these cards"
        )
    stamp = _check_signatures(note, where, {"exporter": exporter, "peer": peer})
    if checkpoint.size <= previous:
        raise BundleError(f"{where}: checkpoints must be of growing sizes, from 1 on")
    return checkpoint, stamp, _hashes(item["consistency"], f"{where}: consistency")


def _check_signatures(note: SignedNote, where: str, cards: Mapping[str, Card]) -> int:
    """Exactly the four signatures, in order, each verified; returns the cosignature time."""
    keys = [cards[role].note_keys[kind] for role, kind in _NOTE_ORDER]
    for position, key in enumerate(keys):
        owner = cards["exporter" if position < 2 else "peer"]
        noun = "cosignature" if key.kind.cosignature else "signature"
        what = f"the {key.kind.label} {noun} of {owner.name} ({owner.party})"
        if position >= len(note.signatures):
            not_cosigned = " (the checkpoint is not co-signed)" if key.kind.cosignature else ""
            raise BundleError(f"{where}: {what} is missing{not_cosigned}")
        line = note.signatures[position]
        if (line.name, line.key_id) != (key.name, key.key_id):
            raise BundleError(
                f"{where}: signature line {position + 1} is by {line.name} (key id {line.key_id.hex()}), where "
                f"{what} (key id {key.key_id.hex()}) must be"
            )
        if not note.verify(key):
            raise BundleError(f"{where}: {what} does not verify")
    if len(note.signatures) != len(keys):
        raise BundleError(f"{where}: it has {len(note.signatures)} signature lines; exactly {len(keys)} are allowed")
    stamps = {note.cosigned_at(cards["peer"].note_keys[k]) for k in (KeyKind.COSIG_ED25519, KeyKind.COSIG_MLDSA65)}
    stamp = stamps.pop()
    if stamps or stamp is None:
        raise BundleError(f"{where}: the two cosignatures carry different times")
    if stamp >= 253402300800:  # the year 10000
        raise BundleError(f"{where}: the cosignature time is out of range")
    return stamp


@dataclass(frozen=True)
class _Entry:
    index: int
    kind: str
    item: Envelope | Receipt | Record
    raw: dict[str, Any]
    where: str


def _entries(data: bytes, value: object, exporter: Card, peer: Card, head: CheckpointFacts) -> list[_Entry]:
    if not isinstance(value, list) or not value:
        raise BundleError("entries must be a non-empty list")
    entries: list[_Entry] = []
    for position, raw in enumerate(value):
        try:
            entries.append(_entry(position, raw, exporter, peer, head, entries[-1].index if entries else -1))
        except BundleError as exc:
            raise _located(data, raw, exc) from None
    return entries


def _entry(position: int, value: object, exporter: Card, peer: Card, head: CheckpointFacts, previous: int) -> _Entry:
    where = f"entries[{position}]"
    raw = _members(value, _ENTRY_MEMBERS, where)
    index, kind = raw["index"], raw["kind"]
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < head.size:
        raise BundleError(f"{where}: index {index!r} is not a position in a log of {head.size} entries")
    if index <= previous:
        raise BundleError(f"{where}: entries must be in the order of the log, each once")
    if kind not in LEAF_KINDS:
        raise BundleError(f"{where}: kind {str(kind)[:40]!r} is not one of {', '.join(LEAF_KINDS)}")
    if not isinstance(raw["object"], dict):
        raise BundleError(f"{where}: object must be a JSON object")
    item = _entry_object(raw["object"], kind, where, exporter, peer)
    ref = item.message_id if isinstance(item, Receipt) else item.id
    where = f"entries[{position}] ({kind} {ref}, log index {index})"
    _check_entry_signature(item, where, {exporter.station_id: exporter, peer.station_id: peer})
    proof = _hashes(raw["proof"], f"{where}: proof")
    if not verify_inclusion(leaf_hash(item.canonical), index, head.size, proof, head.root):
        raise BundleError(
            f"{where}: its inclusion proof does not lead from its leaf hash to the root of the checkpoint of "
            f"size {head.size}: the entry is not at that place in the co-signed log"
        )
    return _Entry(index, kind, item, raw, where)


def _entry_object(
    obj: dict[str, Any], kind: str, where: str, exporter: Card, peer: Card
) -> Envelope | Receipt | Record:
    """Parse an entry's object and check that it is what its kind says, between these two stations."""
    ours, theirs = exporter.station_id, peer.station_id
    try:
        if kind == "record":
            record = Record.from_bytes(canonical_json(obj))
            if (record.station, record.peer) != (ours, theirs):
                raise BundleError(
                    f"{where}: a record in the exporter's log must be by {ours} about the line with {theirs}"
                )
            return record
        item: Envelope | Receipt = Envelope.from_json(obj) if kind.startswith("envelope") else Receipt.from_json(obj)
    except EnvelopeError as exc:
        raise BundleError(f"{where}: {exc.detail}") from None
    except ValueError as exc:
        raise BundleError(f"{where}: {exc}") from None
    outgoing = kind in ("envelope-out", "receipt-out")
    sender, recipient = (ours, theirs) if outgoing else (theirs, ours)
    if (item.sender, item.recipient) != (sender, recipient):
        raise BundleError(
            f"{where}: a {kind} entry goes from {sender} to {recipient}, but this one goes from {item.sender} "
            f"to {item.recipient}"
        )
    return item


def _check_entry_signature(item: Envelope | Receipt | Record, where: str, cards: Mapping[str, Card]) -> None:
    author = cards[item.station if isinstance(item, Record) else item.sender]
    key = author.signing_key
    if isinstance(item, Record):
        if not item.verify(key):
            raise BundleError(f"{where}: the record's signature does not verify with the signing key of {author.name}")
        return
    try:
        item.verify({key.kid: key})
    except EnvelopeError as exc:
        raise BundleError(f"{where}: {exc.detail} (the signing key of {author.name} ({author.party}))") from None


def _structure(
    data: bytes, entries: list[_Entry], checkpoints: list[CheckpointFacts]
) -> tuple[list[MessageFacts], list[RecordFacts]]:
    """Receipts belong to envelopes in the bundle, acknowledgements to messages in it."""
    envelopes: dict[str, tuple[_Entry, Envelope]] = {}
    receipts: dict[str, ReceiptFacts] = {}
    records: list[RecordFacts] = []
    for entry in entries:
        if isinstance(entry.item, Envelope):
            if entry.item.id in envelopes:
                raise _located(data, entry.raw, BundleError(f"{entry.where}: a second envelope with this id"))
            envelopes[entry.item.id] = (entry, entry.item)
    for entry in entries:
        try:
            if isinstance(entry.item, Receipt):
                if entry.item.message_id in receipts:
                    raise BundleError(f"{entry.where}: a second receipt for this message")
                receipts[entry.item.message_id] = _receipt(entry, entry.item, envelopes)
            elif isinstance(entry.item, Record):
                item = entry.item
                about = item.evidence.get("message")
                records.append(
                    RecordFacts(
                        item.id,
                        item.station,
                        item.event,
                        item.at,
                        item.detail,
                        about if isinstance(about, str) else None,
                        entry.index,
                    )
                )
        except BundleError as exc:
            raise _located(data, entry.raw, exc) from None
    acks: dict[str, list[AcknowledgementFacts]] = {}
    for entry, envelope in envelopes.values():
        target = acknowledges(envelope.body)
        if target is None:
            continue
        acked = envelopes.get(target)
        problem = None
        if acked is None or acknowledges(acked[1].body) is not None:
            problem = f"it acknowledges message {target}, which is not a message in the bundle"
        elif envelope.body.get("envelope", acked[1].hash) != acked[1].hash:
            problem = f"it acknowledges an envelope of message {target} other than the one in the bundle"
        if problem is not None:
            raise _located(data, entry.raw, BundleError(f"{entry.where}: {problem}"))
        acks.setdefault(target, []).append(_acknowledgement(envelope, entry.index, receipts.get(envelope.id)))
    messages = [
        MessageFacts(
            id=envelope.id,
            sender=envelope.sender,
            recipient=envelope.recipient,
            seq=envelope.seq,
            kind=envelope.kind,
            precedence=envelope.precedence.value,
            created=envelope.created,
            hash=envelope.hash,
            index=entry.index,
            checkpoint=next(c for c in checkpoints if c.size > entry.index),
            receipt=receipts.get(envelope.id),
            acknowledgements=tuple(acks.get(envelope.id, ())),
        )
        for entry, envelope in envelopes.values()
        if acknowledges(envelope.body) is None
    ]
    messages.sort(key=lambda m: (m.created, m.index))
    return messages, records


def _receipt(entry: _Entry, receipt: Receipt, envelopes: Mapping[str, tuple[_Entry, Envelope]]) -> ReceiptFacts:
    """A receipt must be for the envelope of the bundle: its hash, id, seq and stations."""
    found = envelopes.get(receipt.message_id)
    if found is None:
        raise BundleError(f"{entry.where}: the bundle holds no envelope {receipt.message_id} for this receipt")
    sealed, envelope = found
    if (receipt.envelope_hash, receipt.seq) != (envelope.hash, envelope.seq):
        raise BundleError(
            f"{entry.where}: the receipt is for the envelope of hash {receipt.envelope_hash[:16]}… and seq "
            f"{receipt.seq}, but the envelope in the bundle has hash {envelope.hash[:16]}… and seq {envelope.seq}"
        )
    if (receipt.sender, receipt.recipient) != (envelope.recipient, envelope.sender):
        raise BundleError(f"{entry.where}: the receipt is not signed by the envelope's recipient for its sender")
    return ReceiptFacts(receipt.sender, receipt.received, entry.index)


def _acknowledgement(envelope: Envelope, index: int, receipt: ReceiptFacts | None) -> AcknowledgementFacts:
    body = envelope.body
    at, late = body.get("at"), body.get("late_by_s")
    try:
        parse_time(at if isinstance(at, str) else "")
    except ValueError:
        at = envelope.created  # no time of its own: the envelope's
    return AcknowledgementFacts(
        id=envelope.id,
        kind=envelope.kind,
        station=envelope.sender,
        at=str(at),
        operator=body["operator"] if isinstance(body.get("operator"), str) else None,
        note=body["note"] if isinstance(body.get("note"), str) else None,
        late_by_s=float(late) if isinstance(late, (int, float)) and not isinstance(late, bool) else None,
        index=index,
        receipt=receipt,
    )


def _selection(
    value: object, messages: list[MessageFacts], records: list[RecordFacts]
) -> tuple[tuple[str, ...], str | None, str | None]:
    """The selection says what the exporter chose; the entries must be exactly that."""
    if isinstance(value, dict) and "messages" in value:
        _members(value, {"messages"}, "selection")
        ids = value["messages"]
        if not isinstance(ids, list) or not ids or not all(is_uuid7(i) for i in ids) or len(set(ids)) != len(ids):
            raise BundleError("selection.messages must be a non-empty list of distinct message ids")
        held = {m.id for m in messages}
        missing, extra = [i for i in ids if i not in held], sorted(held - set(ids))
        if missing:
            raise BundleError(f"selection: message {missing[0]} is selected, but its envelope is not in the bundle")
        strays = [r.id for r in records if r.message not in ids]
        if extra or strays:
            what = f"message {extra[0]}" if extra else f"record {strays[0]}, which concerns no selected message,"
            raise BundleError(f"selection: the bundle holds {what} which the selection does not name")
        return tuple(ids), None, None
    selection = _members(value, {"from", "to"}, "selection (messages, or from and to)")
    start, end = _time(selection["from"], "selection.from"), _time(selection["to"], "selection.to")
    if parse_time(start) > parse_time(end):
        raise BundleError("selection: from is after to")
    for message in messages:
        if not parse_time(start) <= parse_time(message.created) <= parse_time(end):
            raise BundleError(f"selection: message {message.id} was created at {message.created}, outside the range")
    for record in records:
        if not parse_time(start) <= parse_time(record.at) <= parse_time(end):
            raise BundleError(f"selection: record {record.id} was made at {record.at}, outside the range")
    return (), start, end


def _bundle_signature(data: bytes, obj: dict[str, Any], exporter: Card) -> None:
    signature = _members(obj["signature"], {"alg", "kid", "value"}, "signature")
    key = exporter.signing_key
    if (signature["alg"], signature["kid"]) != (key.alg, key.kid):
        raise BundleError(
            f"signature: the bundle must be signed by the exporter's signing key ({key.alg} {key.kid}), not by "
            f"{str(signature['alg'])[:20]} {str(signature['kid'])[:20]}"
        )
    value = signature["value"]
    try:
        raw = b64decode(value) if isinstance(value, str) else b""
    except ValueError:
        raw = b""
    # "signature" is the last member of the canonical object: what is signed is the same bytes with
    # the signature object's "value" left out (as canonical_json of the bundle without it would be).
    tail = canonical_json(signature) + b"}"
    signed = data[: len(data) - len(tail)] + canonical_json({"alg": signature["alg"], "kid": signature["kid"]}) + b"}"
    if not data.endswith(tail) or b64encode(raw) != value or not key.verify(raw, BUNDLE_DOMAIN + signed):
        raise BundleError(
            f"signature: the exporter's signature over the bundle does not verify with the signing key of "
            f"{exporter.name} ({exporter.party}): the bundle was altered after export"
        )


def _whole_seconds(stamp: int) -> str:
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _station_facts(card: Card) -> StationFacts:
    return StationFacts(card.station_id, card.party, card.name, card.fingerprint)
