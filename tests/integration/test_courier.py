"""The offline courier, as duty officers use it with every network path down: files carried both
ways, imported twice, out of order and at the wrong station, then the link restored: every
message delivered exactly once, partly by courier and partly by the link, and both ledgers
intact."""

from __future__ import annotations

import json
from pathlib import Path

from .stations import StationProcess, wait_until


def _courier(station: StationProcess, *args: str, check: bool = True) -> str:
    result = station.cli("courier", *args, check=check)
    return result.stdout if check else result.stdout + result.stderr


def _texts(station: StationProcess, box: str) -> list[str]:
    return [m["body"]["text"] for m in station.messages(box)]


def _states(station: StationProcess) -> list[str]:
    return [m["state"] for m in station.messages("outbox")]


def test_messages_cross_by_courier_then_by_link_and_none_twice(
    pair: tuple[StationProcess, StationProcess], tmp_path: Path
) -> None:
    tr, sy = pair  # never started: no network path at all
    for i in range(5):
        tr.send(f"Ankara to Damascus {i}", "SY")
    for i in range(3):
        sy.send(f"Damascus to Ankara {i}", "TR")

    first = tmp_path / "tr-to-sy-1.courier"
    out = _courier(tr, "export", "--to", "SY", "--out", str(first))
    assert "5 undelivered message(s) to SY (messages 1 to 5)" in out
    raw = first.read_text()
    assert "Ankara to Damascus" not in raw, "sealed: whoever carries it cannot read it"

    wrong = _courier(tr, "import", str(first), check=False)  # taken back to the sender by mistake
    assert "is for SY" in wrong and "not this station" in wrong and "nothing was imported" in wrong

    reply = tmp_path / "sy-to-tr-1.courier"
    out = _courier(sy, "import", str(first), "--reply-out", str(reply))
    assert "5 new message(s) received (seq 1 to 5), 0 already held" in out
    assert _texts(sy, "inbox") == [f"Ankara to Damascus {i}" for i in range(5)]

    again = _courier(sy, "import", str(first))  # imported twice
    assert "0 new message(s) received, 5 already held (not taken twice)" in again
    assert len(sy.messages("inbox")) == 5

    out = _courier(tr, "import", str(reply))
    assert "3 new message(s) received (seq 1 to 3)" in out
    assert "5 of this station's message(s) now delivered" in out
    assert _states(tr) == ["delivered"] * 5
    assert _texts(tr, "inbox") == [f"Damascus to Ankara {i}" for i in range(3)]

    # Two more from Ankara; an older file and a newer one, taken in newest first.
    tr.send("Ankara to Damascus 5", "SY")
    older = tmp_path / "tr-to-sy-2.courier"
    _courier(tr, "export", "--to", "SY", "--out", str(older))
    tr.send("Ankara to Damascus 6", "SY")
    newer = tmp_path / "tr-to-sy-3.courier"
    assert "(messages 6 to 7)" in _courier(tr, "export", "--to", "SY", "--out", str(newer))
    assert "2 new message(s) received (seq 6 to 7)" in _courier(sy, "import", str(newer))
    assert "0 new message(s) received, 1 already held" in _courier(sy, "import", str(older))

    tampered = tmp_path / "tampered.courier"
    document = json.loads(newer.read_text())
    document["created"] = "2000-01-01T00:00:00.000Z"
    tampered.write_text(json.dumps(document))
    refused = _courier(sy, "import", str(tampered), check=False)
    assert "signature does not verify" in refused and "altered or forged" in refused

    # The link comes back: what the courier did not settle (Damascus's receipts for 6 and 7, and
    # Ankara's receipts for Damascus's three) goes by the link; nothing is delivered twice.
    tr.start()
    sy.start()
    wait_until(lambda: _states(tr) == ["delivered"] * 7, 60, what="Ankara's 7 messages delivered")
    wait_until(lambda: _states(sy) == ["delivered"] * 3, 60, what="Damascus's 3 messages delivered")
    sy.send("Damascus to Ankara 3", "TR")
    wait_until(lambda: len(tr.messages("inbox")) == 4, 60, what="a message by the link")
    assert _texts(sy, "inbox") == [f"Ankara to Damascus {i}" for i in range(7)]
    assert _texts(tr, "inbox") == [f"Damascus to Ankara {i}" for i in range(4)]
    tr.stop()
    sy.stop()
    tr.cli("ledger", "verify")
    sy.cli("ledger", "verify")


def test_a_courier_file_imported_while_the_station_runs_moves_the_link_on(
    pair: tuple[StationProcess, StationProcess], tmp_path: Path
) -> None:
    tr, sy = pair
    for i in range(3):
        tr.send(f"by courier {i}", "SY")
    carried = tmp_path / "carried.courier"
    _courier(tr, "export", "--to", "SY", "--out", str(carried))
    sy.start()  # Damascus is running; Ankara is still cut off
    _courier(sy, "import", str(carried))
    sy.wait_log(r"link\.restarted party=TR reason=\"messages or receipts arrived by another path", timeout=10)
    tr.send("by link 3", "SY")
    tr.start()
    wait_until(lambda: _states(tr) == ["delivered"] * 4, 60, what="every message delivered")
    assert _texts(sy, "inbox") == ["by courier 0", "by courier 1", "by courier 2", "by link 3"]
