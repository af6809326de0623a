"""The PostgreSQL harness (tests/postgres_server.py and conftest's fixtures) gives real databases."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import psycopg

from postgres_server import PostgresServer, database_name


def test_postgres_url_connects_and_answers(postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
        database = conn.execute("SELECT current_database()").fetchone()
    assert database is not None and database[0] == urlsplit(postgres_url).path.lstrip("/")


def test_two_postgres_urls_are_different_databases(postgres_server: PostgresServer, postgres_url: str) -> None:
    other_name = database_name("other")
    other = postgres_server.create_database(other_name)
    try:
        assert other != postgres_url
        with psycopg.connect(postgres_url) as first, psycopg.connect(other) as second:
            first.execute("CREATE TABLE marker (id int)")
            first.commit()
            assert first.execute("SELECT to_regclass('marker')").fetchone() == ("marker",)
            assert second.execute("SELECT to_regclass('marker')").fetchone() == (None,)
            names = {conn.execute("SELECT current_database()").fetchone() for conn in (first, second)}
            assert len(names) == 2
    finally:
        postgres_server.drop_database(other_name)
    with psycopg.connect(postgres_server.url) as conn:
        assert conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (other_name,)).fetchone() is None


def test_started_server_listens_on_loopback_only(postgres_server: PostgresServer, postgres_url: str) -> None:
    host = urlsplit(postgres_url).hostname
    assert host is not None
    with psycopg.connect(postgres_url) as conn:
        row = conn.execute("SELECT inet_server_addr(), current_setting('listen_addresses')").fetchone()
    assert row is not None
    server_address, listen_addresses = row
    if not postgres_server.started:  # DETENTE_TEST_POSTGRES: someone else's server, configured their way
        return
    assert host == "127.0.0.1"
    assert listen_addresses == "127.0.0.1"
    assert ipaddress.ip_address(server_address) == ipaddress.ip_address("127.0.0.1")
