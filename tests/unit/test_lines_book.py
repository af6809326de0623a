"""The book of lines against a real store: charters proposed, signed out of order, in force,
conflicting, and the check of every line message that arrives."""

from __future__ import annotations

from pathlib import Path

import pytest

from detente.home import Home, create_station
from detente.lines.book import (
    LINE_ACCEPT,
    LINE_CHARTER,
    LineError,
    accept,
    in_force,
    incoming_state,
    propose,
    take_in,
)
from detente.lines.charter import Charter, LineRefused, Member, line_recipients
from detente.peers import pin_peer
from detente.protocol.envelope import GENESIS_HASH, Precedence, seal_envelope
from detente.protocol.ids import uuid7
from detente.protocol.timestamps import format_time

T0 = 1_790_000_000.0


def _station(root: Path, party: str) -> Home:
    return create_station(root / party.lower(), name=f"{party} desk", party=party, listen="127.0.0.1:1", language="en")


@pytest.fixture
def homes(tmp_path: Path) -> dict[str, Home]:
    homes = {party: _station(tmp_path, party) for party in ("TR", "SY", "RU", "UN")}
    for home in homes.values():
        store = home.open_store()
        try:
            for other in homes.values():
                if other is not home:
                    pin_peer(home, store, other.card(), source="test", now=T0)
        finally:
            store.close()
    return homes


def member(home: Home, role: str) -> Member:
    return Member(home.config.station_id, home.config.party, role, str(home.card()["fingerprint"]))


def charter(homes: dict[str, Home], proposer: str = "TR", **changes: object) -> Charter:
    members = (
        member(homes["TR"], "party"),
        member(homes["SY"], "party"),
        member(homes["RU"], "mediator"),
        member(homes["UN"], "observer"),
    )
    fields: dict[str, object] = {
        "line": "syria-turkey",
        "version": 1,
        "prev": GENESIS_HASH,
        "members": members,
        "proposed_by": homes[proposer].config.station_id,
        "created": format_time(T0),
    }
    fields.update(changes)
    return Charter(**fields)  # type: ignore[arg-type]


def envelope(home: Home, to: Home, kind: str, body: dict[str, object], line: dict[str, object] | None = None) -> object:
    return seal_envelope(
        home.signer,
        id=uuid7(int(T0 * 1000), b"0123456789"),
        sender=home.config.station_id,
        recipient=to.config.station_id,
        seq=1,
        prev=GENESIS_HASH,
        created=format_time(T0),
        kind=kind,
        precedence=Precedence.IMMEDIATE,
        body=body,
        line=line,
    )


def test_the_charter_round_trips_and_refuses_what_it_must(homes: dict[str, Home]) -> None:
    first = charter(homes)
    assert Charter.from_json(first.to_json()) == first
    assert first.first_signers() == {homes["TR"].config.station_id, homes["SY"].config.station_id}
    with pytest.raises(LineRefused, match="at least two parties"):
        charter(homes, members=(member(homes["TR"], "party"), member(homes["RU"], "mediator")))
    with pytest.raises(LineRefused, match="once"):
        charter(homes, members=(member(homes["TR"], "party"), member(homes["TR"], "party")))
    with pytest.raises(LineRefused, match="prev"):
        charter(homes, version=2)
    tampered = first.to_json() | {"extra": 1}
    with pytest.raises(LineRefused, match="does not know"):
        Charter.from_json(tampered)


def test_recipients_by_role(homes: dict[str, Home]) -> None:
    line = charter(homes)
    tr, sy, ru, un = (homes[p].config.station_id for p in ("TR", "SY", "RU", "UN"))
    assert set(line_recipients(line, tr, None)) == {sy, ru, un}
    assert line_recipients(line, tr, [sy]) == [sy, ru]  # the mediator sees it; the observer does not
    assert set(line_recipients(charter(homes, observers_see_all=True), tr, [sy])) == {sy, ru, un}
    assert line_recipients(line, un, None) == [ru]
    with pytest.raises(LineRefused, match="only to the line's mediator"):
        line_recipients(line, un, [tr])


def test_signatures_out_of_order_and_a_conflicting_proposal(homes: dict[str, Home]) -> None:
    """At the UN, Damascus's acceptance arrives before Ankara's proposal: it is kept, and the line
    is in force as soon as the proposal comes. A second, different version 1 is refused."""
    tr, sy, un = homes["TR"], homes["SY"], homes["UN"]
    first = charter(homes)
    store = un.open_store()
    try:
        at = format_time(T0)
        accepted = envelope(sy, un, LINE_ACCEPT, {"line": first.line, "version": 1, "charter": first.hash})
        assert take_in(store, un.config.station_id, accepted, at) is None  # type: ignore[arg-type]
        assert in_force(store, first.line) is None
        proposal = envelope(tr, un, LINE_CHARTER, {"charter": first.to_json()})
        assert take_in(store, un.config.station_id, proposal, at) is None  # type: ignore[arg-type]
        assert in_force(store, first.line) == first
        other = charter(homes, created=format_time(T0 + 1))
        rival = envelope(tr, un, LINE_CHARTER, {"charter": other.to_json()})
        assert "already exists" in str(take_in(store, un.config.station_id, rival, at))  # type: ignore[arg-type]
        forged = envelope(sy, un, LINE_CHARTER, {"charter": other.to_json()})  # says TR proposed it
        assert "proposed by" in str(take_in(store, un.config.station_id, forged, at))  # type: ignore[arg-type]
        # A line message from the observer to a party is refused here only if UN is its recipient...
        meta = {
            "name": first.line,
            "version": 1,
            "to": [un.config.station_id],
            "group": uuid7(int(T0 * 1000), b"g" * 10),
        }
        from_tr = envelope(tr, un, "free-text", {"text": "x", "lang": "tr"}, meta)
        assert incoming_state(store, un.config.station_id, from_tr) == (False, None)  # delivered; observers do not ack
    finally:
        store.close()


def test_propose_and_accept_at_the_stations_own_store(homes: dict[str, Home]) -> None:
    tr, sy = homes["TR"], homes["SY"]
    first = charter(homes)
    store = tr.open_store()
    try:
        sent = propose(tr, store, first, T0)
        assert {e.recipient for e in sent} == {homes[p].config.station_id for p in ("SY", "RU", "UN")}
        assert all(e.line and e.line["to"] == [x.recipient for x in sent] for e in sent)
        with pytest.raises(LineError, match="already exists here"):
            propose(tr, store, charter(homes, created=format_time(T0 + 5)), T0 + 5)
        assert in_force(store, first.line) is None
    finally:
        store.close()
    store = sy.open_store()
    try:
        with pytest.raises(LineError, match="no change waiting"):
            accept(sy, store, first.line, T0)
    finally:
        store.close()
