"""The asyncio side of admission: accept errors counted instead of logged one by one, the soft
open-files limit raised at start, pinned addresses read from cards, a relay's [listeners]."""

from __future__ import annotations

import asyncio
import logging
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from detente.config import ListenerLimits
from detente.errors import ConfigError
from detente.relay.home import RelayHome, create_relay
from detente.transports.gate import endpoint_hosts, quiet_accept_errors, source_key


def test_out_of_files_on_accept_is_one_line_not_one_per_error(caplog: pytest.LogCaptureFixture) -> None:
    others: list[str] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda _loop, context: others.append(context["message"]))
        quiet_accept_errors(loop)
        quiet_accept_errors(loop)  # a station and its relay both install it: once is enough
        for _ in range(500):
            loop.call_exception_handler(
                {"message": "socket.accept() out of system resource", "exception": OSError(24, "Too many open files")}
            )
        loop.call_exception_handler({"message": "something else"})

    with caplog.at_level(logging.INFO, logger="detente"):
        asyncio.run(main())
    lines = [r.getMessage() for r in caplog.records if "listener.out_of_files" in r.getMessage()]
    assert len(lines) == 1 and "errors=1 " in lines[0] and "Too many open files" in lines[0]
    assert others == ["something else"], "anything else still goes to the handler there was"


def test_serve_raises_its_soft_open_files_limit_to_the_hard_one() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard < 2:
        pytest.skip("needs a finite hard limit above 1")
    code = (
        "import resource\n"
        "from detente.logs import configure_logging\n"
        "from detente.transports.gate import raise_open_files_limit\n"
        "configure_logging()\n"
        "print(raise_open_files_limit('serve'), resource.getrlimit(resource.RLIMIT_NOFILE))\n"
    )
    low = min(soft, hard // 2)
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (low, hard)),
    )
    assert result.stdout.split() == [f"({hard},", f"{hard})", f"({hard},", f"{hard})"]
    assert f"limits.open_files process=serve soft={hard} hard={hard} was={low}" in result.stderr


def test_the_addresses_a_card_names_are_the_ip_literals_of_its_endpoints() -> None:
    endpoints = ["tls://192.0.2.7:7001", "tls://[2001:db8::1]:7001", "tls://ankara.example:7001"]
    assert endpoint_hosts(endpoints) == ["192.0.2.7", "2001:db8::/64"]


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::9", "2001:db8:1:2::/64"),
        ("fe80::1%eth0", "fe80::/64"),
        ("not-an-address", "not-an-address"),
    ],
)
def test_sources_are_counted_by_address_and_ipv6_by_its_64_network(host: str, key: str) -> None:
    assert source_key(host) == key


def test_a_relay_reads_its_listener_limits_and_refuses_one_out_of_range(tmp_path: Path) -> None:
    home = create_relay(tmp_path / "relay", name="un", listen="127.0.0.1:7300")
    assert home.settings().listeners == ListenerLimits()
    text = home.config_path.read_text(encoding="utf-8")
    home.config_path.write_text(text.replace("max_pending_per_source = 8", "max_pending_per_source = 3"))
    assert RelayHome(home.path).settings().listeners.max_pending_per_source == 3
    home.config_path.write_text(text.replace("handshake_timeout = 5.0", "handshake_timeout = 600"))
    with pytest.raises(ConfigError, match=r"listeners\.handshake_timeout = 600 is not allowed: it must be a number"):
        home.settings()


_OUT_OF_FILES_SCRIPT = """
import asyncio, resource, socket
from detente.config import ListenerLimits
from detente.logs import configure_logging
from detente.transports.gate import gate_for, quiet_accept_errors
from detente.transports.listener import serve_gated

configure_logging()
resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

async def main():
    loop = asyncio.get_running_loop()
    quiet_accept_errors(loop)
    quiet = loop.get_exception_handler()
    errors = []
    loop.set_exception_handler(lambda loop, context: (errors.append(1), quiet(loop, context)))
    accepted = []
    gate = gate_for("link", ListenerLimits(reserved_descriptors=0))
    server = await serve_gated(gate, "127.0.0.1", 0, lambda reader, writer, ticket: accepted.append(ticket))
    client = socket.socket()
    filler = []
    while True:
        try:
            filler.append(open("/dev/null"))
        except OSError:
            break
    client.connect(server.sockets[0].getsockname())  # completed by the kernel, not yet accepted
    await asyncio.sleep(0.5)
    during = (len(errors), len(accepted))
    for f in filler:
        f.close()
    await asyncio.sleep(0.5)
    print(during[0], during[1], len(accepted))
    server.close()

asyncio.run(main())
"""


def test_out_of_files_the_listener_pauses_and_accepts_again_once_files_are_free() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _OUT_OF_FILES_SCRIPT], capture_output=True, text=True, check=True, timeout=60
    )
    errors, accepted_during, accepted_after = (int(n) for n in result.stdout.split())
    assert accepted_during == 0 and accepted_after == 1, result.stderr
    assert 1 <= errors <= 20, f"{errors} accept errors in half a second: accepting must pause, not spin"
    assert result.stderr.count("listener.out_of_files") == 1, result.stderr


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("max_items_per_station = 0", "quotas.max_items_per_station = 0 is not allowed: it must be an integer from 1"),
        ("max_items_per_station = 1e20", "quotas.max_items_per_station = 1e+20 is not allowed"),
        ("max_items_per_station = nan", "quotas.max_items_per_station = nan is not allowed"),
        ('max_items_per_station = "many"', "quotas.max_items_per_station = 'many' is not allowed"),
        ("max_item_bytes = 2.5", "quotas.max_item_bytes = 2.5 is not allowed: it must be an integer"),
        ("max_bytes_per_station = inf", "quotas.max_bytes_per_station = inf is not allowed"),
        ("max_items = 5", "unknown setting(s) in [quotas]: max_items"),
    ],
)
def test_a_relay_refuses_a_quota_out_of_range_by_name(tmp_path: Path, line: str, message: str) -> None:
    home = create_relay(tmp_path / "relay", name="un", listen="127.0.0.1:7300")
    text = home.config_path.read_text(encoding="utf-8")
    key = line.split(" =")[0]
    text, replaced = re.subn(rf"^{key} = .*$", line, text, count=1, flags=re.M)
    if not replaced:  # not a setting of the template: added to the table
        text = text.replace("[quotas]", f"[quotas]\n{line}", 1)
    home.config_path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        home.settings()
