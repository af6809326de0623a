"""Pinning peers from their cards, and finding them again."""

from __future__ import annotations

from .errors import PeerError, StoreError
from .home import Home
from .identity import Card, normalise_fingerprint, parse_card
from .protocol.timestamps import format_time
from .store import PeerRecord, Store

__all__ = ["peer_by_party", "peer_card", "pin_peer", "update_peer"]


def pin_peer(
    home: Home, store: Store, card_data: object, *, source: str, now: float, expected_fingerprint: str | None = None
) -> Card:
    """Check a peer's card (and, if given, the fingerprint read aloud) and pin it."""
    card = parse_card(card_data, source)
    config = home.config
    if expected_fingerprint is not None:
        wanted = normalise_fingerprint(expected_fingerprint)
        if wanted != card.fingerprint:
            raise PeerError(
                f"peer card {source}: fingerprint {card.fingerprint} does not match the one you were given "
                f"({wanted}); do not add this peer until you have checked it by voice"
            )
    if card.station_id == config.station_id:
        raise PeerError(f"peer card {source} is this station's own card")
    if card.party == config.party:
        raise PeerError(f"peer card {source} is for party {card.party}, which is this station's own party")
    record = PeerRecord(
        station_id=card.station_id,
        party=card.party,
        name=card.name,
        card=card.raw,
        fingerprint=card.fingerprint,
        added_at=format_time(now),
    )
    try:
        store.add_peer(record)
    except StoreError as exc:
        raise PeerError(f"peer card {source}: {exc}") from None
    return card


def update_peer(store: Store, card_data: object, *, source: str) -> tuple[Card, Card]:
    """Replace a pinned peer's card by a newer one of the same station: the same fingerprint
    (station id, party, name and every key), other endpoints (a second server, a new address).
    Return the old card and the new one."""
    card = parse_card(card_data, source)
    pinned = next((p for p in store.peers() if p.station_id == card.station_id), None)
    if pinned is None:
        raise PeerError(f"peer card {source}: station {card.station_id} is not pinned; pin it with `detente peer add`")
    if card.fingerprint != pinned.fingerprint:
        raise PeerError(
            f"peer card {source} has fingerprint {card.fingerprint}, not the pinned {pinned.fingerprint}: its keys or "
            "name differ, so it is not an update of the pinned station; refused"
        )
    store.replace_peer_card(card.station_id, card.raw)
    return peer_card(pinned), card


def peer_card(record: PeerRecord) -> Card:
    return parse_card(record.card, f"pinned card of {record.party}")


def peer_by_party(store: Store, party: str) -> PeerRecord:
    wanted = party.upper()
    for peer in store.peers():
        if peer.party == wanted:
            return peer
    known = ", ".join(p.party for p in store.peers()) or "none"
    raise PeerError(f"no peer for party {wanted} is pinned (pinned: {known}); add one with `detente peer add`")
