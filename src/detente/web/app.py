"""The console's ASGI application: the JSON API under ``/api/v1/``, its OpenAPI document, the live
event stream and the static page.

Thin: every action calls the same functions the CLI calls (compose, acknowledge, the store), and
every login and action is written to the station's journal with the operator's name. The
endpoints are declared in ``api_session``, ``api_messages``, ``api_line`` and ``api_accounts``;
``api`` guards and validates them, ``openapi`` documents them.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from .. import __version__
from ..errors import DetenteError
from . import api_accounts, api_alarms, api_line, api_messages, api_session
from .addresses import allowed_host, host_of
from .api import PUBLIC, Call, Console, Operation, Reply, error, routes
from .models import NoBody, NoQuery
from .openapi import openapi_document

__all__ = ["OPENAPI_PATH", "Console", "api_document", "create_app", "operations"]

OPENAPI_PATH = "/api/v1/openapi.json"
_SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
        b"font-src 'self'; media-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
_DESCRIPTION = (
    "Everything the détente operator console does, as JSON. People log in (`POST /api/v1/login`) and "
    "send the session's CSRF token with every POST; machines send `Authorization: Bearer <token>` from "
    "`detente operator token` and need neither cookie nor CSRF token. Times are RFC 3339 in UTC. "
    'Every refusal is `{"error": …}`, with `problems` by field path when the input has problems.'
)


class _Headers:
    """Security headers on every response (and no caching, unless the response says otherwise)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"cache-control" for name, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers + _SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, with_headers)  # type: ignore[arg-type]


class _HostCheck:
    """Refuse (421) a request whose ``Host`` is not one of the console's names: a page the
    attacker's DNS points at the console (DNS rebinding) never reaches it."""

    def __init__(self, app: ASGIApp, console: Console) -> None:
        self.app = app
        self.console = console

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            header = next((value for name, value in scope["headers"] if name == b"host"), b"")
            host = host_of(header.decode("latin-1"))
            names = self.console.home.config.console_access.names
            if not allowed_host(host, bind=self.console.bind_host, names=names):
                shown = host or "(none)"
                response = error(
                    421,
                    f"this console is not served under the name {shown}; reach it under one of its own names, "
                    "or have the administrator add the name to [console] names in station.toml",
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _document_operation(document: dict[str, Any]) -> Operation[NoBody, NoQuery]:
    async def get_document(call: Call[NoBody, NoQuery]) -> Response:
        return JSONResponse(document)

    return Operation(
        "GET",
        OPENAPI_PATH,
        "getOpenApi",
        "This document (OpenAPI 3.1)",
        "meta",
        PUBLIC,
        NoBody,
        NoQuery,
        {200: Reply("The OpenAPI document.", schema={"type": "object"})},
        get_document,
    )


def _declared() -> list[Operation[Any, Any]]:
    return [
        *api_session.OPERATIONS,
        *api_messages.OPERATIONS,
        *api_line.OPERATIONS,
        *api_alarms.OPERATIONS,
        *api_accounts.OPERATIONS,
    ]


@functools.cache
def api_document() -> dict[str, Any]:
    """The OpenAPI document of the API (the same for every station), as ``OPENAPI_PATH`` serves it."""
    declared = [*_declared(), _document_operation({})]
    return openapi_document(declared, title="détente station API", version=__version__, description=_DESCRIPTION)


def operations() -> list[Operation[Any, Any]]:
    """Every operation of the API, the OpenAPI document's own included."""
    return [*_declared(), _document_operation(api_document())]


def create_app(console: Console) -> Starlette:
    static = resources.files("detente.web") / "static"

    async def unknown(request: Request) -> Response:
        return error(404, f"no endpoint {request.method} {request.url.path}; see {OPENAPI_PATH}")

    app_routes: list[BaseRoute] = [
        *routes(console, operations()),
        Route("/api/{rest:path}", unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        Mount("/", StaticFiles(directory=str(static), html=True), name="static"),
    ]

    async def on_error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, DetenteError):
            return error(500, str(exc))
        raise exc

    return Starlette(
        routes=app_routes,
        middleware=[Middleware(_Headers), Middleware(_HostCheck, console=console)],
        exception_handlers={DetenteError: on_error},
    )
