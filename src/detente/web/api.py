"""The API's plumbing: operations declared once, from which both the routes and the OpenAPI
document are made.

An :class:`Operation` names its method and path, who may call it, the models of its query and
body, its replies by status, and a handler. :func:`routes` wraps each handler so that it runs
only for an authenticated caller with the right role (and, for a console session's POST, the
session's CSRF token and a same-origin ``Origin``), with the query and body already validated.
Every refusal is a JSON :class:`~detente.web.models.ApiError`.

Callers authenticate in one of two ways:

* a console session: the HttpOnly cookie from ``POST /api/v1/login``, plus the ``X-CSRF-Token``
  header on every POST;
* a machine token: ``Authorization: Bearer dtk_…`` (``detente operator token``), with neither
  cookie nor CSRF token. A token acts with its account's role; it cannot change the account's
  password, second factor or session (those need a person).
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar, cast

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..alarms.book import AlarmBook
from ..alarms.sources import login_condition
from ..config import LANGUAGES, parse_address
from ..home import Home
from ..notifications import Lang
from ..protocol.timestamps import format_time
from ..store import OperatorRecord, Store, TokenRecord
from .addresses import client_address
from .auth import COOKIE, Session, resolve_session
from .hub import Hub
from .login_alarm import LoginAlarms, LoginsThrottled
from .models import ApiError, NoBody
from .tokens import TokenRefused, resolve_token

__all__ = [
    "ANYONE",
    "PUBLIC",
    "Actor",
    "Call",
    "Console",
    "Operation",
    "Reply",
    "error",
    "problems_of",
    "routes",
    "standard_replies",
]

B = TypeVar("B", bound=BaseModel)
Q = TypeVar("Q", bound=BaseModel)

PUBLIC: frozenset[str] = frozenset()
"""Access for operations anyone may call (login, the OpenAPI document)."""
ANYONE: frozenset[str] = frozenset({"operator", "supervisor", "translator", "auditor", "admin"})
"""Access for operations every logged-in role may call."""


@dataclass
class Console:
    """What the console needs from its station: the folder, a store, the live hub, a clock."""

    home: Home
    store: Store
    hub: Hub
    clock: Callable[[], float] = time.time
    pending_totp: dict[str, str] = field(default_factory=dict)
    """Second factors being enrolled, by session, until the operator confirms a code."""
    bind: str = ""
    """The host the console listens on (default: the station's ``console`` setting)."""
    login_alarms: LoginAlarms = field(default_factory=LoginAlarms)
    """When each throttled (name, address) was last reported, and how the alarm is raised."""

    def __post_init__(self) -> None:
        if self.login_alarms.raise_alarm is None:
            self.login_alarms.raise_alarm = self._raise_login_alarm

    def _raise_login_alarm(self, event: LoginsThrottled) -> None:
        """The station's ``login-throttled`` alarm, on every console (the running station ends it
        once the logins have been quiet for the alarm's interval)."""
        book = AlarmBook(
            self.store, station=self.home.config.station_id, signer=self.home.signer, publish=self.hub.publish
        )
        condition = login_condition(event.name, event.source, event.scope, event.failures, event.retry_after, event.at)
        book.keyed(condition.key, condition, event.at)

    @property
    def bind_host(self) -> str:
        if self.bind:
            return self.bind
        return parse_address(self.home.config.console)[0] if self.home.config.console else "127.0.0.1"

    def remote(self, request: Request) -> str:
        """The client's address: the TCP peer's, or what a trusted proxy forwarded."""
        peer = request.client.host if request.client else ""
        proxies = self.home.config.console_access.trusted_proxies
        return client_address(peer, request.headers.getlist("x-forwarded-for"), proxies)


@dataclass(frozen=True)
class Actor:
    """Who is calling: an operator through a console session or through a machine token."""

    operator: OperatorRecord
    session: Session | None = None
    token: TokenRecord | None = None

    @property
    def name(self) -> str:
        return self.operator.name

    @property
    def label(self) -> str:
        """The name as the journal records it (with the token's id for a machine)."""
        return f"{self.name} [token {self.token.id}]" if self.token else self.name


@dataclass(frozen=True)
class Reply:
    """One documented response of an operation."""

    description: str
    model: type[BaseModel] | None = None
    media_type: str = "application/json"
    schema: Mapping[str, Any] | None = None
    """A literal JSON Schema, for a reply without a model (an event stream, a kind's schema)."""
    headers: Mapping[str, str] = field(default_factory=dict)
    """Response headers worth documenting, with their meaning."""


@dataclass(frozen=True)
class Call(Generic[B, Q]):
    """One request, as a handler sees it: validated, with its caller."""

    console: Console
    request: Request
    actor: Actor | None
    body: B
    query: Q

    @property
    def store(self) -> Store:
        return self.console.store

    @property
    def home(self) -> Home:
        return self.console.home

    @property
    def who(self) -> Actor:
        if self.actor is None:
            raise RuntimeError(f"{self.request.url.path} is public and has no caller")
        return self.actor

    def now(self) -> float:
        return self.console.clock()

    @property
    def remote(self) -> str:
        """The caller's address (see :meth:`Console.remote`)."""
        return self.console.remote(self.request)

    def lang(self) -> Lang:
        """The reader's language: the query's ``lang``, else the station's."""
        wanted = getattr(self.query, "lang", None) or self.console.home.config.language
        return cast(Lang, wanted if wanted in LANGUAGES else "en")

    def param(self, name: str) -> str:
        return str(self.request.path_params[name])

    def journal(self, event: str, detail: str, who: str | None = None) -> None:
        """Record an action in the station's journal with the operator's name."""
        name = who if who is not None else (self.actor.label if self.actor else "")
        self.console.store.journal(event, f"{name}: {detail}" if name else detail, format_time(self.now()))


Handler = Callable[[Call[B, Q]], Awaitable[Response]]


@dataclass(frozen=True)
class Operation(Generic[B, Q]):
    """One endpoint of the API, declared once for the router and the OpenAPI document."""

    method: Literal["GET", "POST"]
    path: str
    name: str
    """The operationId."""
    summary: str
    tag: str
    access: frozenset[str]
    """The roles that may call it; PUBLIC for anyone, without logging in."""
    body: type[B]
    query: type[Q]
    replies: Mapping[int, Reply]
    handler: Handler[B, Q]
    description: str = ""
    session_only: bool = False
    """Needs a person's console session; a machine token is refused (password, second factor…)."""
    allow_must_change: bool = False
    """Allowed before the operator has replaced a one-time password."""

    @property
    def public(self) -> bool:
        return self.access == PUBLIC

    @property
    def writes(self) -> bool:
        return self.method != "GET"


def error(status: int, message: str, headers: Mapping[str, str] | None = None, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status, headers=headers)


def problems_of(exc: ValidationError) -> list[dict[str, str]]:
    """pydantic's errors as the API's problem list (``path``, ``label``, ``code``, ``message``)."""
    found = []
    for item in exc.errors(include_url=False):
        path = ""
        for part in item["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        found.append({"path": path, "label": path, "code": item["type"], "message": item["msg"]})
    return found


def _query(model: type[Q], request: Request) -> Q:
    params = request.query_params
    data: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key not in params:
            continue
        listed = getattr(info.annotation, "__origin__", None) is list
        data[name] = params.getlist(key) if listed else params[key]
    return model.model_validate(data)


async def _body(model: type[B], request: Request) -> B:
    raw = await request.body()
    if model is NoBody and not raw.strip():
        return model()
    return model.model_validate_json(raw if raw.strip() else b"{}")


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    return origin is None or origin.split("://", 1)[-1] == request.headers.get("host")


class _Refused(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def _authenticate(console: Console, op: Operation[Any, Any], request: Request) -> Actor:
    store, now = console.store, console.clock()

    def refuse(status: int, message: str, event: str, who: str = "", **extra: Any) -> _Refused:
        where = console.remote(request)
        store.journal(event, f"{who}{op.method} {op.path} from {where}: {message}", format_time(now))
        headers = {"www-authenticate": 'Bearer realm="detente"'} if status == 401 else None
        return _Refused(error(status, message, headers, **extra))

    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise refuse(401, "send the token as `Authorization: Bearer dtk_…`", "console.token_refused")
        try:
            record, account = resolve_token(store, credentials.strip(), now)
        except TokenRefused as exc:
            raise refuse(401, str(exc), "console.token_refused") from None
        actor = Actor(account, token=record)
        if op.session_only:
            raise refuse(
                403, "a machine token cannot do this; log in to the console", "console.refused", f"{actor.label}: "
            )
    else:
        session = resolve_session(store, request.cookies.get(COOKIE), now)
        if session is None:
            raise _Refused(
                error(401, "log in first (or send a machine token)", {"www-authenticate": 'Bearer realm="detente"'})
            )
        actor = Actor(session.operator, session=session)
        if op.writes:
            if not hmac.compare_digest(request.headers.get("x-csrf-token", "").encode(), session.csrf.encode()):
                raise refuse(
                    403,
                    "this request lacks the session's CSRF token (X-CSRF-Token); reload the console",
                    "console.refused",
                    f"{actor.label}: ",
                )
            if not _same_origin(request):
                raise refuse(
                    403,
                    f"requests from {request.headers.get('origin')} are not accepted",
                    "console.refused",
                    f"{actor.label}: ",
                )
        if session.operator.must_change and not op.allow_must_change:
            raise _Refused(error(403, "choose your own password first", must_change=True))
    if actor.operator.role not in op.access:
        raise refuse(403, f"your role ({actor.operator.role}) may not do this", "console.refused", f"{actor.label}: ")
    return actor


def _endpoint(console: Console, op: Operation[Any, Any]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            actor = None if op.public else _authenticate(console, op, request)
        except _Refused as refused:
            return refused.response
        if op.public and op.writes and not _same_origin(request):
            return error(403, f"requests from {request.headers.get('origin')} are not accepted")
        try:
            query = _query(op.query, request)
        except ValidationError as exc:
            return error(422, "the query has problems", problems=problems_of(exc))
        try:
            body = await _body(op.body, request)
        except ValidationError as exc:
            if any(item["type"] == "json_invalid" for item in exc.errors()):
                return error(400, "the request body is not JSON")
            return error(422, "the request has problems; nothing was done", problems=problems_of(exc))
        return await op.handler(Call(console, request, actor, body, query))

    return endpoint


def routes(console: Console, operations: list[Operation[Any, Any]]) -> list[Route]:
    """The routes of ``operations``, each guarded and validated as declared."""
    seen: set[tuple[str, str]] = set()
    found = []
    for op in operations:
        if (op.method, op.path) in seen:
            raise ValueError(f"{op.method} {op.path} is declared twice")
        seen.add((op.method, op.path))
        if op.body is not NoBody and op.method == "GET":
            raise ValueError(f"GET {op.path} declares a body")
        found.append(Route(op.path, _endpoint(console, op), methods=[op.method], name=op.name))
    return found


def standard_replies(op: Operation[Any, Any]) -> dict[int, Reply]:
    """The refusals the plumbing itself may give for ``op`` (added to its own replies)."""
    replies: dict[int, Reply] = {
        421: Reply("The request's Host is not one of the console's names ([console] names).", ApiError)
    }
    if op.body is not NoBody:
        replies[400] = Reply("The body is not JSON.", ApiError)
        replies[422] = Reply("The request has problems, listed by field path; nothing was done.", ApiError)
    if op.query.model_fields:
        replies[422] = Reply("The query or the request has problems, listed by field path.", ApiError)
    if not op.public:
        replies[401] = Reply(
            "Not logged in, or the token is unknown, revoked or expired.",
            ApiError,
            headers={"WWW-Authenticate": "Bearer"},
        )
        replies[403] = Reply(
            "Refused: the role may not do this, the CSRF token or Origin is wrong, the password must be "
            "changed first, or a token tried what needs a person.",
            ApiError,
        )
    elif op.writes:
        replies[403] = Reply("The request came from another origin.", ApiError)
    return replies
