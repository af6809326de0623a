"""The OpenAPI document: it describes exactly the app's routes, and a schema-driven run of
schemathesis over every operation (with a valid machine token) finds no server error and no
reply that the document does not describe."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.applications import Starlette
from starlette.routing import Route

from detente.outbox import queue_message
from detente.protocol.envelope import Precedence, seal_receipt
from detente.protocol.timestamps import format_time
from detente.store import OperatorRecord
from detente.web.app import OPENAPI_PATH, Console, api_document, create_app
from detente.web.hub import Hub
from detente.web.tokens import issue_token

from .conftest import T0, Clock, Desk, _pair, example, password_hash, with_console

pytestmark = pytest.mark.anyio


def _routes(desk: Desk) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route in desk.app.routes:
        if isinstance(route, Route) and route.path.startswith("/api/v1/"):
            found.update((method, route.path) for method in route.methods or () if method != "HEAD")
    return found


async def test_the_document_describes_exactly_the_routes(desk: Desk) -> None:
    served = await desk.call("GET", OPENAPI_PATH)
    assert served.status_code == 200
    document = served.json()
    assert document == api_document()
    assert document["openapi"].startswith("3.1")
    described = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert described == _routes(desk)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            assert operation["summary"] and operation["responses"], where
            assert any(status.startswith("2") for status in operation["responses"]), where
            if operation["security"]:
                assert {"401", "403"} <= set(operation["responses"]), f"{where} documents its refusals"
            if "requestBody" in operation:
                assert {"400", "422"} <= set(operation["responses"]), where
            params = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert params == set(path.replace("}", "{").split("{")[1::2]), where
    public = {path for path, item in document["paths"].items() for op in item.values() if not op["security"]}
    assert public == {"/api/v1/login", "/api/v1/station", OPENAPI_PATH}  # the login page says which station


async def test_the_document_names_both_ways_to_authenticate(desk: Desk) -> None:
    schemes = api_document()["components"]["securitySchemes"]
    assert schemes["token"] == {**schemes["token"], "type": "http", "scheme": "bearer"}
    assert schemes["session"]["in"] == "cookie" and schemes["session"]["name"] == "detente_session"


async def test_a_route_missing_from_the_document_would_be_noticed(desk: Desk) -> None:
    document = copy.deepcopy(api_document())
    del document["paths"]["/api/v1/line"]
    described = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert _routes(desk) - described == {("GET", "/api/v1/line")}


# --- schemathesis --------------------------------------------------------------------------------


@dataclass
class _Fuzzed:
    app: Starlette
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Fuzzed]:
    """One station for the whole run (what the operations do to it accumulates, as in real use), with
    a message from the peer, and tokens for an operator and an admin."""
    tr, sy = _pair(tmp_path_factory.mktemp("fuzzed"))
    tr = with_console(tr, names=("testserver",))  # the Host schemathesis sends
    store, peer_store = tr.open_store(), sy.open_store()
    tokens = {}
    for name, role in (("Fuzz operator", "operator"), ("Fuzz admin", "admin")):
        store.add_operator(OperatorRecord(name, role, password_hash(), None, False, format_time(T0), None))
        tokens[role] = issue_token(store, name=name, now=T0).token
    envelope = queue_message(
        sy,
        peer_store,
        peer=tr.config.station_id,
        kind="incident-report",
        precedence=Precedence.FLASH,
        body=example("incident-report"),
        now=T0,
    )
    store.store_incoming([(envelope, seal_receipt(tr.signer, envelope, format_time(T0)))], format_time(T0))
    try:
        yield _Fuzzed(create_app(Console(tr, store, Hub(), Clock(T0))), tokens)
    finally:
        store.close()
        peer_store.close()


schema = schemathesis.openapi.from_dict(api_document())  # the document the app serves (tested above)
schema.config.max_stream_events = 1  # the event stream never ends: read its first event
schema.config.phases.coverage.generation.modes = [schemathesis.GenerationMode.NEGATIVE]


@schema.parametrize()
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_error_anywhere(case: Any, fuzzed: _Fuzzed) -> None:
    role = "admin" if case.path.startswith("/api/v1/operators") else "operator"
    case.call_and_validate(
        app=fuzzed.app,
        headers={"Authorization": f"Bearer {fuzzed.tokens[role]}"},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
