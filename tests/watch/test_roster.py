"""Who is on watch: the roster a station reports to its peers, and what the peer makes of it.

At literal times, with real stores: which sessions count (a duty role, live, seen recently, the
account enabled), when a roster is due (a change at once, otherwise every interval), that the
receiver keeps the newest well-formed report and marks it stale, and that the reports stay out
of message lists and ask nobody for an acknowledgement.
"""

from __future__ import annotations

from detente.config import StationConfig
from detente.operators import disable_operator
from detente.protocol.timestamps import format_time
from detente.status_text import roster_line
from detente.store import SessionRecord, Store
from detente.store.sql_base import SERVICE_KINDS
from detente.watch.deadlines import NO_ACKNOWLEDGEMENT, ROSTER, deadline_seconds
from detente.watch.roster import INTERVAL, PRESENCE, STALE, OnWatch, latest_roster, on_watch, roster_body
from detente.watch.state import watch_state
from detente.watch.watchman import Watchman

from .conftest import T0, LineFactory


def _session(store: Store, operator: str, created: float, seen: float, *, token: str | None = None) -> None:
    store.create_session(
        SessionRecord(
            token_hash=token or f"{operator}-{created}",
            operator=operator,
            csrf="csrf",
            created_at=format_time(created),
            last_seen=format_time(seen),
            expires_at=format_time(created + 12 * 3600),
            remote="127.0.0.1",
        )
    )


def test_the_people_on_watch_are_those_with_a_duty_role_and_a_live_session(make_line: LineFactory) -> None:
    line = make_line()
    store = line.store("TR")
    for name, role in [("Yzb. Demir", "operator"), ("Bnb. Kaya", "supervisor"), ("Tercüman Erdem", "translator")]:
        line.operator("TR", name, role)
    line.operator("TR", "Ütğm. Şahin")
    line.operator("TR", "Ütğm. Eski")
    assert on_watch(store, T0) == ()

    _session(store, "Yzb. Demir", T0 - 3600, T0 - 10)  # on watch for an hour
    _session(store, "Yzb. Demir", T0 - 600, T0 - 5)  # a second browser: the watch began with the first
    _session(store, "Bnb. Kaya", T0 - 60, T0 - 1)
    _session(store, "Tercüman Erdem", T0 - 60, T0 - 1)  # not a duty role
    _session(store, "Ütğm. Şahin", T0 - 7200, T0 - PRESENCE - 1)  # the console closed two minutes ago
    _session(store, "Ütğm. Eski", T0 - 13 * 3600, T0 - 1)  # expired (12 h at most)
    assert on_watch(store, T0) == (
        OnWatch("Yzb. Demir", "operator", format_time(T0 - 3600)),
        OnWatch("Bnb. Kaya", "supervisor", format_time(T0 - 60)),
    )
    disable_operator(store, name="Bnb. Kaya", now=T0)
    assert [p.name for p in on_watch(store, T0 + 1)] == ["Yzb. Demir"]


def test_a_roster_is_due_when_it_changes_and_every_interval_otherwise(make_line: LineFactory) -> None:
    line = make_line()
    store = line.store("TR")
    peer = next(p for p in store.peers() if p.party == "SY")
    watchman = Watchman(line.tr, store, started=T0)

    due = watchman.rosters_due(T0, [peer])  # the first one goes out at once, even when nobody is there
    assert due == [(peer, {"on_watch": []})]
    watchman.roster_sent(peer.station_id, due[0][1], T0)
    assert watchman.rosters_due(T0 + 1, [peer]) == []
    assert watchman.rosters_due(T0 + 1, []) == []  # nobody to tell while the link is down

    line.operator("TR", "Yzb. Demir")
    _session(store, "Yzb. Demir", T0 + 2, T0 + 2)
    due = watchman.rosters_due(T0 + 3, [peer])
    assert due == [(peer, {"on_watch": [{"name": "Yzb. Demir", "role": "operator", "since": format_time(T0 + 2)}]})]
    watchman.roster_sent(peer.station_id, due[0][1], T0 + 3)
    store.touch_session(f"Yzb. Demir-{T0 + 2}", format_time(T0 + INTERVAL - 10))  # her console is open
    assert watchman.rosters_due(T0 + 3 + INTERVAL - 1, [peer]) == []
    assert watchman.rosters_due(T0 + 3 + INTERVAL, [peer]) == due  # the same roster, again: still there
    watchman.roster_sent(peer.station_id, due[0][1], T0 + 3 + INTERVAL)
    gone = T0 + INTERVAL - 10 + PRESENCE + 1  # her console closed: nothing refreshed her session since
    assert watchman.rosters_due(gone, [peer]) == [(peer, {"on_watch": []})]


def test_after_a_restart_the_last_roster_sent_is_read_back_from_the_store(make_line: LineFactory) -> None:
    line = make_line()
    store = line.store("TR")
    peer = next(p for p in store.peers() if p.party == "SY")
    body = roster_body(())
    line.send("TR", T0, precedence="routine", kind=ROSTER, body=body)
    again = Watchman(line.tr, store, started=T0 + 5)
    assert again.rosters_due(T0 + 5, [peer]) == []
    assert again.rosters_due(T0 + INTERVAL, [peer]) == [(peer, body)]


def test_the_peer_keeps_the_newest_well_formed_roster_and_says_when_it_is_stale(make_line: LineFactory) -> None:
    line = make_line()
    sy_store = line.store("SY")
    tr = line.station_id("TR")
    config: StationConfig = line.sy.config
    assert latest_roster(sy_store, tr) is None
    assert roster_line(watch_state(sy_store, config, tr, T0)["peer_on_watch"], "TR", "en") == (
        "on watch at TR: not reported yet"
    )

    first = line.send("TR", T0, precedence="routine", kind=ROSTER, body=roster_body(()))
    line.deliver(first, T0 + 0.1)
    view = watch_state(sy_store, config, tr, T0 + 1)["peer_on_watch"]
    assert view["on_watch"] == [] and view["stale"] is False and view["message"] == first.id
    assert roster_line(view, "TR", "en") == f"NOBODY ON WATCH at TR, as reported {format_time(T0)}"

    people = (OnWatch("Yzb. Demir", "operator", format_time(T0 - 3600)),)
    second = line.send("TR", T0 + 10, precedence="routine", kind=ROSTER, body=roster_body(people))
    line.deliver(second, T0 + 10.1)
    bad = line.send("TR", T0 + 20, precedence="routine", kind=ROSTER, body={"on_watch": [{"name": 3}]})
    line.deliver(bad, T0 + 20.1)  # a malformed report is ignored, the previous one stands
    roster = latest_roster(sy_store, tr)
    assert roster is not None and roster.on_watch == people and roster.message_id == second.id
    assert roster_line(roster.view(T0 + 30), "TR", "en") == (
        f"on watch at TR: Yzb. Demir (operator) since {format_time(T0 - 3600)}"
    )
    assert roster.view(T0 + 10.1 + STALE + 1)["stale"] is True

    # Service messages: no acknowledgement asked of anybody, and not in the watch's list.
    assert ROSTER in NO_ACKNOWLEDGEMENT and SERVICE_KINDS == (ROSTER,)
    assert deadline_seconds(config, ROSTER, "routine", "TR") is None
    assert watch_state(sy_store, config, tr, T0 + 3600)["awaiting_here"] == 0
    assert sy_store.find_messages() == []
    assert {m.id for m in sy_store.find_messages(kinds=[ROSTER])} == {first.id, second.id, bad.id}
    assert sy_store.find_messages(kinds=[ROSTER], peer="someone else") == []
