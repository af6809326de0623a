"""Writing and taking in courier files, against a station's store; no network, no running station.

Export: every envelope to the peer that has no stored receipt yet, sealed to the peer.
Import: the file is checked (addressed here, signed by the pinned peer), each envelope opened,
its signature checked, and taken in the only order the line allows, the next sequence number
whose ``prev`` is the hash of the last one held; an envelope already held (by the link or an
earlier file) is recognised and not taken twice; receipts mark this station's messages
delivered. All of it is stored and logged exactly as the link stores it, in one transaction for
the envelopes. A reply file carries back the receipts of every envelope of the imported file
and this station's own undelivered envelopes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..errors import EnvelopeError, PeerError, StationError
from ..home import Home
from ..identity import Card
from ..lines.book import after_received, store_received
from ..peers import peer_by_party, peer_card
from ..protocol.canonical import parse_json
from ..protocol.envelope import Envelope, Receipt, seal_receipt
from ..protocol.ids import uuid7
from ..protocol.link import ReceiveCursor
from ..protocol.timestamps import format_time
from ..store import PeerRecord, Store
from .bundle import CourierFile, build_courier, parse_courier

__all__ = ["Imported", "export_courier", "import_courier", "plan_intake", "reply_courier"]

_ALL = 1_000_000


@dataclass
class Imported:
    """What one courier file brought."""

    file: CourierFile
    peer: PeerRecord
    received: list[Envelope] = field(default_factory=list)
    """Envelopes taken in now, in order."""
    already_held: list[Envelope] = field(default_factory=list)
    """Envelopes this station already held (by the link or an earlier file)."""
    delivered: int = 0
    """This station's messages that the file's receipts marked delivered now."""
    receipts_held: int = 0
    """Receipts this station already held."""


def export_courier(home: Home, store: Store, party: str, now: float) -> tuple[bytes, list[Envelope]]:
    """The courier file of every undelivered envelope to ``party``, and those envelopes."""
    peer = peer_by_party(store, party)
    envelopes = store.outgoing_after(peer.station_id, store.receipted_through(peer.station_id), _ALL)
    data = _build(home, peer, now, envelopes, [])
    if envelopes:
        store.mark_sent([e.id for e in envelopes], format_time(now))
    store.journal(
        "courier.exported", f"{len(envelopes)} envelope(s) to {peer.party}", format_time(now), peer.station_id
    )
    return data, envelopes


def import_courier(home: Home, store: Store, data: bytes, source: str, now: float) -> Imported:
    peers = store.peers()
    cards = {p.station_id: peer_card(p) for p in peers}
    me = home.config
    verifiers = {sid: card.signing_key for sid, card in cards.items()}
    courier = parse_courier(data, source, verifiers, (me.station_id, me.party))
    peer = next(p for p in peers if p.station_id == courier.sender)
    card = cards[peer.station_id]
    result = Imported(courier, peer)
    envelopes = [
        _open_envelope(courier, item_index, home, card, source) for item_index in range(len(courier.envelopes))
    ]
    receipts = [_open_receipt(courier, item_index, home, card, source) for item_index in range(len(courier.receipts))]
    at = format_time(now)

    cursor = store.receive_cursor(peer.station_id)
    fresh, held = plan_intake(envelopes, cursor, source)
    for envelope in held:
        stored = store.incoming_receipt(peer.station_id, envelope.seq)
        if stored is None or stored[0] != envelope.hash:
            raise PeerError(
                f"{source}: envelope seq {envelope.seq} ({envelope.id}) differs from the one this station holds "
                "with that number: the peer signed two different messages with one number; keep the file as "
                "evidence and tell the peer's operators; nothing was imported"
            )
    if fresh:
        local = home.config.station_id
        refused = store_received(store, local, [(e, seal_receipt(home.signer, e, at)) for e in fresh], at)
        after_received(store, local, fresh, refused, at)
    result.received, result.already_held = fresh, held

    if receipts:
        result.delivered = store.store_receipts(receipts, at)
        result.receipts_held = len(receipts) - result.delivered
    store.journal(
        "courier.imported",
        f"file {courier.id}: {len(fresh)} new, {len(held)} already held, {result.delivered} delivered",
        at,
        peer.station_id,
    )
    return result


def reply_courier(home: Home, store: Store, imported: Imported, now: float) -> bytes:
    """The courier file back: receipts of every envelope of the imported file, and this
    station's own undelivered envelopes to the sender."""
    peer = imported.peer
    receipts: list[Receipt] = []
    for envelope in imported.already_held + imported.received:
        stored = store.incoming_receipt(peer.station_id, envelope.seq)
        if stored is not None:
            receipts.append(Receipt.from_json(parse_json(stored[1])))
    envelopes = store.outgoing_after(peer.station_id, store.receipted_through(peer.station_id), _ALL)
    data = _build(home, peer, now, envelopes, sorted(receipts, key=lambda r: r.seq))
    if envelopes:
        store.mark_sent([e.id for e in envelopes], format_time(now))
    return data


def plan_intake(envelopes: list[Envelope], cursor: ReceiveCursor, source: str) -> tuple[list[Envelope], list[Envelope]]:
    """Split a file's envelopes (any order) into those to take in now, in order, and those
    already held; PeerError if they do not continue the line where it stands."""
    fresh: list[Envelope] = []
    held: list[Envelope] = []
    expected, last_hash = cursor.next_seq, cursor.last_hash
    for envelope in sorted(envelopes, key=lambda e: e.seq):
        if envelope.seq < expected:
            if not fresh:
                held.append(envelope)
                continue
            raise PeerError(f"{source}: envelope seq {envelope.seq} appears twice; nothing was imported")
        if envelope.seq > expected:
            raise PeerError(
                f"{source}: the line stands at message {expected - 1} here and this file starts at "
                f"{envelope.seq}; messages {expected} to {envelope.seq - 1} are missing: import the earlier courier "
                "file (or let the link deliver them) first; nothing was imported"
            )
        if envelope.prev != last_hash:
            raise PeerError(
                f"{source}: envelope seq {envelope.seq} does not follow the last message held here (its prev is "
                f"{envelope.prev[:16]}…, the last held hashes to {last_hash[:16]}…); nothing was imported"
            )
        fresh.append(envelope)
        expected, last_hash = expected + 1, envelope.hash
    return fresh, held


def _build(home: Home, peer: PeerRecord, now: float, envelopes: list[Envelope], receipts: list[Receipt]) -> bytes:
    card = peer_card(peer)
    if card.sealing_key is None:
        raise StationError(
            f"the card pinned for {peer.party} has no sealing key (it predates courier files): ask {peer.party} for "
            "its current card and take it with `detente peer update`"
        )
    config = home.config
    return build_courier(
        home.signer,
        file_id=uuid7(int(now * 1000), os.urandom(10)),
        sender=(config.station_id, config.party),
        recipient=(peer.station_id, peer.party),
        recipient_key=card.sealing_key,
        created=format_time(now),
        envelopes=[(e.seq, e.id, e.canonical) for e in envelopes],
        receipts=[(r.seq, r.message_id, r.canonical) for r in receipts],
    )


def _open_envelope(courier: CourierFile, index: int, home: Home, card: Card, source: str) -> Envelope:
    item = courier.envelopes[index]
    plain = courier.open_envelope(item, home.sealer)
    try:
        envelope = Envelope.from_json(parse_json(plain))
        envelope.verify({card.signing_key.kid: card.signing_key})
    except (EnvelopeError, ValueError) as exc:
        raise PeerError(f"{source}: envelope seq {item.seq} is not a valid signed envelope ({exc})") from None
    if (envelope.sender, envelope.recipient) != (courier.sender, courier.recipient) or (envelope.seq, envelope.id) != (
        item.seq,
        item.message_id,
    ):
        raise PeerError(f"{source}: envelope seq {item.seq} is not what the file says it is; nothing was imported")
    return envelope


def _open_receipt(courier: CourierFile, index: int, home: Home, card: Card, source: str) -> Receipt:
    item = courier.receipts[index]
    plain = courier.open_receipt(item, home.sealer)
    try:
        receipt = Receipt.from_json(parse_json(plain))
        receipt.verify({card.signing_key.kid: card.signing_key})
    except (EnvelopeError, ValueError) as exc:
        raise PeerError(f"{source}: receipt for seq {item.seq} is not a valid signed receipt ({exc})") from None
    if (receipt.sender, receipt.recipient) != (courier.sender, courier.recipient) or receipt.message_id != (
        item.message_id
    ):
        raise PeerError(f"{source}: receipt for seq {item.seq} is not what the file says it is; nothing was imported")
    return receipt
