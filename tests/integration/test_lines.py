"""A line of four real stations: Ankara and Damascus (parties), Moscow (mediator) and the UN
(observer). The line is proposed, signed by the parties and in force everywhere; messages go to
one member, several, or the whole line, each recipient receipting (and each party acknowledging)
on its own; the observer cannot write to a party; a member removed stops receiving at once, and
the removal is signed and in every ledger."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from .stations import StationProcess, init_station, run_cli, wait_until

LINE = "syria-turkey"


@pytest.fixture(scope="module")
def four(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, StationProcess]]:
    root = tmp_path_factory.mktemp("line")
    stations = {
        "TR": init_station(root / "tr", "Ankara Operations Centre", "TR", "tr", console=False),
        "SY": init_station(root / "sy", "Damascus Operations Centre", "SY", "ar", console=False),
        "RU": init_station(root / "ru", "Moscow Mediation Desk", "RU", "ru", console=False),
        "UN": init_station(root / "un", "UN Liaison", "UN", "en", console=False),
    }
    for station in stations.values():
        for other in stations.values():
            if other is not station:
                station.pin(other)
    try:
        for station in stations.values():
            station.start()
        yield stations
    finally:
        for station in stations.values():
            station.close()


def lines(station: StationProcess) -> dict[str, dict[str, object]]:
    return {v["line"]: v for v in json.loads(station.cli("line", "list", "--json").stdout)["lines"]}


def in_force(station: StationProcess, version: int) -> bool:
    view = lines(station).get(LINE)
    return bool(view and view["in_force"] and view["in_force"]["version"] == version)  # type: ignore[index]


def inbox_texts(station: StationProcess) -> list[str]:
    return [str(m["body"].get("text")) for m in station.messages("inbox") if m["kind"] == "free-text"]


def show(station: StationProcess) -> dict[str, object]:
    return json.loads(station.cli("line", "show", LINE, "--json").stdout)


def test_a_four_station_line(four: dict[str, StationProcess]) -> None:
    tr, sy, ru, un = four["TR"], four["SY"], four["RU"], four["UN"]
    created = tr.cli("line", "create", "--name", LINE, "--member", "SY:party", "--member", "RU:mediator",
                     "--member", "UN:observer")  # fmt: skip
    assert "version 1 proposed" in created.stdout
    wait_until(lambda: LINE in lines(sy), 30, what="the proposal at Damascus")
    assert not in_force(sy, 1), "one party alone cannot bind the other"
    signed = sy.cli("line", "accept", LINE)
    assert "in force here" in signed.stdout
    for station in four.values():
        wait_until(lambda station=station: in_force(station, 1), 30, what=f"the line in force at {station.party}")

    # To one party: the mediator sees it too, the observer does not.
    tr.cli("send", "--to", "SY", "--line", LINE, "--text", "to Damascus only")
    wait_until(lambda: "to Damascus only" in inbox_texts(sy) and "to Damascus only" in inbox_texts(ru), 30)
    # To the whole line.
    tr.cli("send", "--to", LINE, "--text", "to everyone on the line")
    for station in (sy, ru, un):
        wait_until(lambda station=station: "to everyone on the line" in inbox_texts(station), 30)
    assert "to Damascus only" not in inbox_texts(un)
    # To several: Damascus and Moscow, by party codes.
    sy.cli("send", "--to", "TR,RU", "--text", "from Damascus to two")
    wait_until(lambda: "from Damascus to two" in inbox_texts(tr) and "from Damascus to two" in inbox_texts(ru), 30)

    # Each recipient receipts on its own; each party acknowledges on its own.
    sy.cli("operator", "add", "--name", "Lt. Haddad", "--role", "operator")
    (message,) = [m for m in sy.messages("inbox") if m.get("body", {}).get("text") == "to everyone on the line"]
    sy.cli("ack", message["id"], "--operator", "Lt. Haddad")

    def recipients() -> dict[str, str]:
        (sent,) = [g for g in show(tr)["messages"] if g["kind"] == "free-text" and len(g["recipients"]) == 3]  # type: ignore[index]
        return {r["party"]: r["summary"] for r in sent["recipients"]}

    wait_until(lambda: "acknowledged" in recipients()["SY"], 30, what="Damascus's acknowledgement at Ankara")
    summary = recipients()
    assert "(Lt. Haddad)" in summary["SY"]
    assert summary["RU"].startswith("RU mediator received ") and summary["UN"].startswith("UN observer received ")
    # Neither the mediator nor the observer is asked to acknowledge for a party.
    for station in (ru, un):
        watch = station.status()["peers"]
        assert all(p["watch"]["awaiting_here"] == 0 for p in watch), station.party

    # The observer may write to the mediator, never to a party.
    refused = un.cli("send", "--to", "TR", "--line", LINE, "--text", "observer to Ankara", check=False)
    assert refused.returncode == 1 and "an observer may send only to the line's mediator" in refused.stderr
    un.cli("send", "--to", "RU", "--line", LINE, "--text", "observer to the mediator")
    wait_until(lambda: "observer to the mediator" in inbox_texts(ru), 30)

    # The UN is removed: signed by both parties, in force everywhere, the UN receives nothing more.
    tr.cli("line", "remove-member", LINE, "--party", "UN")
    wait_until(lambda: show(sy)["latest"]["version"] == 2, 30, what="the removal proposed at Damascus")  # type: ignore[index]
    sy.cli("line", "accept", LINE)
    for station in four.values():
        wait_until(lambda station=station: in_force(station, 2), 30, what=f"version 2 at {station.party}")
    tr.cli("send", "--to", LINE, "--text", "after the removal")
    wait_until(lambda: "after the removal" in inbox_texts(sy) and "after the removal" in inbox_texts(ru), 30)
    gone = un.cli("send", "--to", "RU", "--line", LINE, "--text", "still here?", check=False)
    assert gone.returncode == 1 and "not a member of line" in gone.stderr
    assert "after the removal" not in inbox_texts(un)
    members = {m["party"] for m in show(un)["in_force"]["members"]}  # type: ignore[index]
    assert members == {"TR", "SY", "RU"}
    # A station that is no longer a member (its software altered to try) is refused by the
    # receiver: the message arrives and is receipted, but is marked refused and asks nothing.
    forged_envelope_on_the_line(un, tr, "a former member writes anyway")
    tr.wait_log(r"line\.refused .*not a member of line", timeout=30)
    (refused,) = [m for m in tr.messages("inbox") if m["body"].get("text") == "a former member writes anyway"]
    assert refused["state"] == "received"
    assert all(p["watch"]["awaiting_here"] == 0 for p in tr.status()["peers"] if p["party"] == "UN")

    # A line bundle of the message to the whole line: checked offline, it says what each member saw.
    (group,) = [g["group"] for g in show(tr)["messages"] if len(g["recipients"]) == 3 and g["kind"] == "free-text"]  # type: ignore[index]
    bundle = tr.home.parent / "line.bundle"

    def exported() -> bool:
        return (
            tr.cli("ledger", "export", "--line", LINE, "--group", group, "--out", str(bundle), check=False).returncode
            == 0
        )

    wait_until(exported, 30, what="checkpoints co-signed by every member")
    statement = run_cli("ledger", "verify-bundle", str(bundle)).stdout
    assert f"of line {LINE}" in statement and "verified" in statement
    for party in ("SY", "RU", "UN"):
        assert f"  {party} (" in statement, statement
    assert "by Lt. Haddad" in statement
    altered = bundle.read_bytes().replace(b"Lt. Haddad", b"Lt. Haddaf")
    (bundle.parent / "altered.bundle").write_bytes(altered)
    assert run_cli("ledger", "verify-bundle", str(bundle.parent / "altered.bundle"), check=False).returncode == 1

    # Every charter and signature is a logged message: each ledger verifies with them in it.
    for station in four.values():
        station.stop()
    for station in four.values():
        run_cli("ledger", "verify", "--home", str(station.home))
    kinds = [m["kind"] for m in un.messages("inbox")]
    assert kinds.count("line-charter") == 2 and kinds.count("line-accept") >= 2


def test_line_commands_refuse_clearly(tmp_path: Path) -> None:
    tr = init_station(tmp_path / "tr", "Ankara", "TR", "tr", console=False)
    sy = init_station(tmp_path / "sy", "Damascus", "SY", "ar", console=False)
    tr.pin(sy)
    one = tr.cli("line", "create", "--name", "solo", "--member", "SY:observer", check=False)
    assert one.returncode == 1 and "at least two parties" in one.stderr
    bad_role = tr.cli("line", "create", "--name", "x", "--member", "SY:boss", check=False)
    assert bad_role.returncode == 1 and "ROLE one of party, mediator, observer" in bad_role.stderr
    stranger = tr.cli("line", "create", "--name", "x", "--member", "RU:party", check=False)
    assert stranger.returncode == 1 and "no peer for party RU is pinned" in stranger.stderr
    bad_name = tr.cli("line", "create", "--name", "Bad Name", "--member", "SY:party", check=False)
    assert bad_name.returncode == 1 and "line name 'Bad Name'" in bad_name.stderr
    tr.cli("line", "create", "--name", "pair", "--member", "SY:party")
    twice = tr.cli("line", "create", "--name", "pair", "--member", "SY:party", check=False)
    assert twice.returncode == 1
    nothing = tr.cli("line", "accept", "pair", check=False)
    assert nothing.returncode == 0 or "no change waiting" in nothing.stderr
    not_yet = tr.cli("send", "--to", "pair", "--text", "x", check=False)
    assert not_yet.returncode == 1


def test_parties_without_a_direct_path_talk_through_the_mediator(tmp_path: Path) -> None:
    """Ankara and Damascus cannot reach each other; Moscow's station relays their sealed sessions.
    Everything arrives once, in order, and nothing Moscow stores reads as their messages."""
    from chaos.conftest import Line
    from chaos.proxy import FaultProxy, Faults
    from detente.config import set_station_setting

    from .stations import free_port

    tr = init_station(tmp_path / "tr", "Ankara Operations Centre", "TR", "tr", console=False)
    sy = init_station(tmp_path / "sy", "Damascus Operations Centre", "SY", "ar", console=False)
    ru = init_station(tmp_path / "ru", "Moscow Mediation Desk", "RU", "ru", console=False)
    proxies = {s.party: FaultProxy(("127.0.0.1", s.port), Faults()) for s in (tr, sy)}
    try:
        set_station_setting(ru.home / "station.toml", "relay_listen", f"127.0.0.1:{free_port()}")
        # The parties reach Moscow (they dial it); Moscow never dials, since their only endpoints
        # are the proxies that stand for the broken path between them.
        for station, dial in ((ru, "never"), (tr, "always"), (sy, "always")):
            toml = station.home / "station.toml"
            toml.write_text(toml.read_text().replace('dial = "auto"', f'dial = "{dial}"'))
        for station in (tr, sy):
            set_station_setting(
                station.home / "station.toml", "advertise", [f"127.0.0.1:{proxies[station.party].port}"]
            )
        stations = (tr, sy, ru)
        for station in stations:
            for other in stations:
                if other is not station:
                    station.pin(other)
        for station in (tr, sy):
            assert "path relay:ru added" in station.cli("relay", "use-peer", "--party", "RU").stdout
        for station, other in ((tr, sy), (sy, tr)):
            card = tmp_path / f"{other.party}.new.card"
            card.write_text(json.dumps(other.card()))
            station.cli("peer", "update", str(card))
        for proxy in proxies.values():
            proxy.cut(3600.0)  # no direct path between the parties, ever
        for station in stations:
            station.start()
        tr.wait_log(r"link\.up party=SY path=relay:ru", timeout=30)

        tr.cli("line", "create", "--name", LINE, "--member", "SY:party", "--member", "RU:mediator")
        wait_until(lambda: LINE in lines(sy), 30, what="the proposal at Damascus, through the mediator")
        sy.cli("line", "accept", LINE)
        for station in stations:
            wait_until(lambda station=station: in_force(station, 1), 30, what=f"the line at {station.party}")
        line = Line(tr, sy, proxies)
        line.queue("TR", 60)
        line.queue("SY", 60)
        line.check(timeout=90)
        tr.cli("send", "--to", "SY", "--line", LINE, "--text", "on the line, the mediator sees it")
        wait_until(lambda: "on the line, the mediator sees it" in inbox_texts(sy), 30)
        wait_until(lambda: "on the line, the mediator sees it" in inbox_texts(ru), 30)
        for station in stations:
            station.stop()
        held = b"".join(
            p.read_bytes() for p in ru.home.iterdir() if p.is_file() and "sqlite" in p.name or p.suffix == ".db"
        )
        assert b"TR 1" not in held and b"SY 1" not in held, "the mediator holds nothing readable of theirs"
        assert b"on the line, the mediator sees it" in held  # its own copy, as the line's mediator
        assert (ru.home / "relay.sqlite3").exists()
        for station in stations:
            run_cli("ledger", "verify", "--home", str(station.home))
    finally:
        for station in (tr, sy, ru):
            station.close()
        for proxy in proxies.values():
            proxy.close()


def forged_envelope_on_the_line(sender: StationProcess, to: StationProcess, text: str) -> None:
    """Queue, at ``sender``'s own store, a line message its book would refuse to send."""
    import os
    import time

    from detente.home import Home
    from detente.outbox import envelope_builder, poke_serve
    from detente.protocol.envelope import Precedence
    from detente.protocol.ids import uuid7
    from detente.protocol.timestamps import format_time

    home = Home(sender.home)
    store = home.open_store()
    try:
        now = time.time()
        meta = {"name": LINE, "version": 2, "to": [to.station_id], "group": uuid7(int(now * 1000), os.urandom(10))}
        body = {"text": text, "lang": "en"}
        build = envelope_builder(
            home, peer=to.station_id, kind="free-text", precedence=Precedence.ROUTINE, body=body, now=now, line=meta
        )
        store.append_outgoing(to.station_id, build, format_time(now))
        poke_serve(home)
    finally:
        store.close()
