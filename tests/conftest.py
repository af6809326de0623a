"""Shared test setup: make the helper modules next to this file (``pairs``, ``smtp_server``)
importable; ``smtp`` is a real SMTP server for the supervisors' e-mail.

PostgreSQL: ``postgres_server`` (session) is a real, throwaway server from ``postgres_server.py``,
and ``postgres_url`` (each test) the URL of a fresh database on it, dropped afterwards. Without a
server they skip here, and fail in CI (``CI`` set), which installs Debian's postgresql.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from postgres_server import PostgresServer, PostgresUnavailable, database_name, find_or_start  # noqa: E402
from smtp_server import Mailbox  # noqa: E402


@pytest.fixture
def smtp() -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) on a free loopback port, and what it received."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    mailbox = Mailbox(port)
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


# --- PostgreSQL ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for this session: DETENTE_TEST_POSTGRES's, or one started here."""
    try:
        server = find_or_start()
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"no PostgreSQL server (CI installs Debian's postgresql): {exc}", pytrace=False)
        pytest.skip(f"no PostgreSQL server (`apt-get install postgresql`, or set DETENTE_TEST_POSTGRES): {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a fresh database of this test's own, dropped (WITH (FORCE)) after the test."""
    name = database_name(request.node.name)
    url = postgres_server.create_database(name)
    try:
        yield url
    finally:
        postgres_server.drop_database(name)
