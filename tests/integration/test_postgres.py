"""A station on PostgreSQL, as administrators run it: created there with `init --store`, or moved
there from its SQLite file with `store migrate`, with real `detente serve` processes and a real
PostgreSQL server. The peer must notice nothing but a reconnect."""

from __future__ import annotations

import json
from typing import Any

from .conftest import StationFactory
from .stations import StationProcess, free_port, run_cli, wait_until


def _ledger(station: StationProcess) -> dict[str, Any]:
    (line,) = [json.loads(text) for text in station.cli("ledger", "show", "--json").stdout.splitlines()]
    return dict(line)


def _delivered(sender: StationProcess, count: int) -> bool:
    out = sender.messages("outbox")
    return len(out) == count and all(m["state"] in ("delivered", "acknowledged") for m in out)


def _exchange(tr: StationProcess, sy: StationProcess, label: str, count: int, total: int) -> None:
    for i in range(count):
        tr.send(f"{label} TR→SY {i}", "SY")
        sy.send(f"{label} SY→TR {i}", "TR")
    wait_until(lambda: _delivered(tr, total) and _delivered(sy, total), 60, what=f"{label}: all delivered")


def _exactly_once(receiver: StationProcess, sender: str, texts: list[str]) -> None:
    inbox = receiver.messages("inbox")
    assert [m["body"]["text"] for m in inbox] == texts, f"{receiver.party}'s inbox: exactly once, in order"


def test_a_station_moved_to_postgresql_keeps_its_ledger_and_the_peer_notices_nothing(
    pair: tuple[StationProcess, StationProcess], postgres_url: str
) -> None:
    tr, sy = pair
    tr.start()
    sy.start()
    _exchange(tr, sy, "before", 6, 6)
    wait_until(lambda: _ledger(sy)["peer_log"]["cosigned_size"] > 0, 30, what="a co-signed checkpoint of TR's log")
    tr.stop()
    before = _ledger(tr)
    held = len(tr.messages("outbox")) + len(tr.messages("inbox"))

    moved = json.loads(tr.cli("store", "migrate", "--from", "sqlite", "--to", postgres_url, "--json").stdout)
    assert moved["ledger_ok"] is True
    assert moved["rows"]["messages"] == held >= 12, "every message, both ways"
    assert moved["logs"]["SY/own"]["size"] == before["own_log"]["size"]
    config = (tr.home / "station.toml").read_text(encoding="utf-8")
    assert f'store = "{postgres_url}"' in config
    assert _ledger(tr) == before, "the same ledger, read from PostgreSQL"
    tr.cli("ledger", "verify")

    tr.start()
    _exchange(tr, sy, "after", 6, 12)
    wait_until(
        lambda: _ledger(sy)["peer_log"]["cosigned_size"] > before["own_log"]["size"],
        30,
        what="SY co-signing a checkpoint of TR's log that extends the one before the move",
    )
    texts = [f"{label} {{}} {i}" for label in ("before", "after") for i in range(6)]
    _exactly_once(sy, "TR", [t.format("TR→SY") for t in texts])
    _exactly_once(tr, "SY", [t.format("SY→TR") for t in texts])
    assert _ledger(sy)["alarms"] == [] and _ledger(tr)["alarms"] == [], "nothing for the peer to notice"
    tr.stop()
    sy.stop()
    tr.cli("ledger", "verify")
    sy.cli("ledger", "verify")


def test_a_station_created_on_postgresql_runs_a_line(make_station: StationFactory, postgres_url: str) -> None:
    tr = make_station("Ankara Operations Centre", "TR", "tr")
    sy_home = tr.home.parent / "sy-pg"
    port = free_port()
    run_cli(
        "init",
        "--home",
        str(sy_home),
        "--name",
        "Damascus Operations Centre",
        "--party",
        "SY",
        "--listen",
        f"127.0.0.1:{port}",
        "--console",
        "off",
        "--lang",
        "ar",
        "--store",
        postgres_url,
    )
    assert not (sy_home / "detente.db").exists(), "no SQLite file: the state is in PostgreSQL"
    sy = StationProcess(sy_home, "Damascus Operations Centre", "SY", port)
    try:
        tr.pin(sy)
        sy.pin(tr)
        tr.start()
        sy.start()
        _exchange(tr, sy, "pg", 5, 5)
        again = run_cli(
            "init",
            "--home",
            str(tr.home.parent / "another"),
            "--name",
            "X",
            "--party",
            "RU",
            "--listen",
            "127.0.0.1:1",
            "--store",
            postgres_url,
            check=False,
        )
        assert again.returncode != 0 and "already holds station SY-" in again.stderr
        assert not (tr.home.parent / "another" / "keys").exists(), "refused before any key was made"
    finally:
        sy.close()
