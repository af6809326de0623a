"""A NATS JetStream stream as the relay: Debian's nats-server, file-backed, started here on loopback;
two real stations that use it as a second path carry the line through it while their direct link
is cut, exactly once, and the broker's files hold nothing readable."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from chaos.conftest import Line
from chaos.proxy import FaultProxy, Faults
from detente.config import set_station_setting

from .stations import free_port, init_station, run_cli, wait_until


@pytest.fixture
def nats_url(tmp_path: Path) -> Iterator[str]:
    program = shutil.which("nats-server") or (
        "/usr/sbin/nats-server" if os.path.exists("/usr/sbin/nats-server") else None
    )
    if program is None:
        if os.environ.get("CI"):
            pytest.fail("no nats-server (CI installs Debian's nats-server)", pytrace=False)
        pytest.skip("nats-server is not installed")
    port = free_port()
    store = tmp_path / "nats-store"
    log = open(tmp_path / "nats.log", "wb")
    process = subprocess.Popen(
        [program, "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)], stdout=log, stderr=log
    )
    log.close()
    try:
        wait_until(lambda: "Server is ready" in (tmp_path / "nats.log").read_text(errors="replace"), 30, what="nats")
        yield f"nats://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


def test_the_line_through_a_jetstream_relay_while_the_direct_link_is_cut(tmp_path: Path, nats_url: str) -> None:
    run_cli("relay", "nats-stream", "--url", nats_url, "--stream", "LINES", "--max-items", "5000")
    tr = init_station(tmp_path / "tr", "Ankara Operations Centre", "TR", "tr", console=False)
    sy = init_station(tmp_path / "sy", "Damascus Operations Centre", "SY", "ar", console=False)
    proxies = {"TR": FaultProxy(("127.0.0.1", tr.port), Faults()), "SY": FaultProxy(("127.0.0.1", sy.port), Faults())}
    try:
        for station in (tr, sy):
            set_station_setting(
                station.home / "station.toml", "advertise", [f"127.0.0.1:{proxies[station.party].port}"]
            )
            station.cli("relay", "use-nats", "--name", "mediator", "--url", nats_url, "--stream", "LINES")
            listed = json.loads(station.cli("relay", "list", "--json").stdout)
            assert listed["relays"] == [{"name": "mediator", "nats": nats_url, "stream": "LINES"}]
        tr.pin(sy)
        sy.pin(tr)
        for proxy in proxies.values():
            proxy.cut(3600.0)  # only the broker connects them
        line = Line(tr, sy, proxies)
        tr.start()
        sy.start()
        tr.wait_log(r"link\.up .*path=relay:mediator", timeout=30)
        for _ in range(5):
            line.queue("TR", 60)
            line.queue("SY", 60)
            time.sleep(0.3)
        sy.kill()  # a crash on the far side of the broker
        sy.start()
        line.check(timeout=120)
        status = json.loads(tr.cli("status", "--json").stdout)
        (peer,) = status["peers"]
        paths = {p["name"]: p for p in peer["paths"]}
        assert paths["relay:mediator"]["state"] == "current"
        assert paths["relay:mediator"]["round_trip_ms"] is not None
        assert paths["direct"]["state"] in ("down", "connecting")
        for proxy in proxies.values():
            proxy.mend()
        tr.wait_log(r"link\.path_changed .*path=direct", timeout=30)
        stored = b"".join(p.read_bytes() for p in (tmp_path / "nats-store").rglob("*") if p.is_file())
        assert b"TR 1" not in stored and b"free-text" not in stored
        line.verify_ledgers()
    finally:
        for station in (tr, sy):
            station.close()
        for proxy in proxies.values():
            proxy.close()
