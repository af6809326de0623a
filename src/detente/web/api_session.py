"""Logging in and out, the session, the operator's own password and second factor."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pyotp
from starlette.responses import JSONResponse, Response

from ..errors import StationError
from ..operators import check_password, set_password
from .api import ANYONE, PUBLIC, Actor, Call, Operation, Reply, error
from .auth import COOKIE, LoginRefused, LoginThrottled, login
from .models import (
    ApiError,
    LoginRequest,
    NoBody,
    NoQuery,
    Ok,
    PasswordRequest,
    SessionReply,
    StationNameReply,
    TotpConfirmRequest,
    TotpSetupReply,
)

__all__ = ["OPERATIONS", "session_view"]


def session_view(call: Call[Any, Any], actor: Actor) -> dict[str, Any]:
    config = call.home.config
    return {
        "operator": actor.name,
        "role": actor.operator.role,
        "auth": "token" if actor.token else "session",
        "csrf": actor.session.csrf if actor.session else None,
        "must_change": actor.operator.must_change and actor.token is None,
        "second_factor": actor.operator.totp_secret is not None,
        "station": {
            "name": config.name,
            "party": config.party,
            "language": config.language,
            "station_id": config.station_id,
            "time_zone": config.notifications.time_zone or None,
        },
    }


async def _do_login(call: Call[LoginRequest, NoQuery]) -> Response:
    data = call.body
    remote = call.request.client.host if call.request.client else ""
    try:
        token, session = login(
            call.store, name=data.name, password=data.password, code=data.code, remote=remote, now=call.now()
        )
    except LoginThrottled as exc:
        call.journal("console.login_throttled", f"{data.name!r} from {remote}", who="")
        return error(429, str(exc), {"retry-after": str(exc.retry_after)})
    except LoginRefused as exc:
        call.journal("console.login_failed", f"{data.name!r} from {remote}", who="")
        return error(401, str(exc))
    call.journal("console.login", f"from {remote}", who=session.operator.name)
    response = JSONResponse(session_view(call, Actor(session.operator, session=session)))
    response.set_cookie(COOKIE, token, httponly=True, secure=True, samesite="strict", path="/")
    return response


async def _get_station_name(call: Call[NoBody, NoQuery]) -> Response:
    config = call.home.config
    return JSONResponse({"name": config.name, "party": config.party})


async def _get_session(call: Call[NoBody, NoQuery]) -> Response:
    return JSONResponse(session_view(call, call.who))


async def _do_logout(call: Call[NoBody, NoQuery]) -> Response:
    session = call.who.session
    if session is not None:
        call.store.end_sessions(token_hash=session.token_hash)
        call.console.pending_totp.pop(session.token_hash, None)
    call.journal("console.logout", "")
    response = JSONResponse({"ok": True})
    response.delete_cookie(COOKIE, path="/")
    return response


async def _change_password(call: Call[PasswordRequest, NoQuery]) -> Response:
    actor = call.who
    if check_password(call.store, actor.name, call.body.current) is None:
        call.journal("console.refused", "password change: the current password is not right")
        return error(403, "the current password is not right")
    if call.body.new == call.body.current:
        return error(422, "the new password must differ from the current one")
    try:
        set_password(call.store, actor.operator, call.body.new)
    except StationError as exc:
        return error(422, str(exc))
    call.journal("console.password_changed", "")
    return JSONResponse({"ok": True})


async def _totp_setup(call: Call[NoBody, NoQuery]) -> Response:
    actor = call.who
    if actor.session is None:  # session_only: never reached with a token
        return error(403, "a machine token cannot do this; log in to the console")
    secret = pyotp.random_base32()
    call.console.pending_totp[actor.session.token_hash] = secret
    party = call.home.config.party
    uri = pyotp.TOTP(secret).provisioning_uri(name=actor.name, issuer_name=f"détente {party}")
    return JSONResponse({"secret": secret, "uri": uri})


async def _totp_confirm(call: Call[TotpConfirmRequest, NoQuery]) -> Response:
    actor = call.who
    key = actor.session.token_hash if actor.session else ""
    secret = call.console.pending_totp.get(key)
    if secret is None or not pyotp.TOTP(secret).verify(call.body.code, for_time=int(call.now()), valid_window=1):
        return error(422, "that code does not match; scan the secret again and retry")
    call.store.update_operator(replace(actor.operator, totp_secret=secret))
    call.console.pending_totp.pop(key, None)
    call.journal("console.second_factor_enrolled", "")
    return JSONResponse({"ok": True})


_V1 = "/api/v1"

OPERATIONS: list[Operation[Any, Any]] = [
    Operation(
        "POST",
        f"{_V1}/login",
        "login",
        "Log in to the console",
        "session",
        PUBLIC,
        LoginRequest,
        NoQuery,
        {
            200: Reply("Logged in: the session cookie is set; keep `csrf` for every POST.", SessionReply),
            401: Reply("The name, password or one-time code is not right (deliberately not saying which).", ApiError),
            429: Reply(
                "Too many failed logins for this name or from this address.",
                ApiError,
                headers={"Retry-After": "Seconds to wait."},
            ),
        },
        _do_login,
        description="Opens a console session for a person. Machines use a token instead "
        "(`detente operator token`) and never call this.",
    ),
    Operation(
        "POST",
        f"{_V1}/logout",
        "logout",
        "End the session",
        "session",
        ANYONE,
        NoBody,
        NoQuery,
        {200: Reply("Logged out; the cookie is cleared.", Ok)},
        _do_logout,
        session_only=True,
        allow_must_change=True,
    ),
    Operation(
        "GET",
        f"{_V1}/station",
        "getStationName",
        "Which station this is (for the login page)",
        "session",
        PUBLIC,
        NoBody,
        NoQuery,
        {200: Reply("The station's name and party; nothing else is shown before logging in.", StationNameReply)},
        _get_station_name,
    ),
    Operation(
        "GET",
        f"{_V1}/session",
        "getSession",
        "Who is logged in, with which role, at which station",
        "session",
        ANYONE,
        NoBody,
        NoQuery,
        {200: Reply("The caller.", SessionReply)},
        _get_session,
        allow_must_change=True,
    ),
    Operation(
        "POST",
        f"{_V1}/password",
        "changePassword",
        "Replace the caller's password (the one-time password first of all)",
        "session",
        ANYONE,
        PasswordRequest,
        NoQuery,
        {200: Reply("Changed.", Ok)},
        _change_password,
        session_only=True,
        allow_must_change=True,
    ),
    Operation(
        "POST",
        f"{_V1}/totp/setup",
        "setupTotp",
        "Start enrolling a second factor (TOTP)",
        "session",
        ANYONE,
        NoBody,
        NoQuery,
        {200: Reply("The secret to scan; confirm it with a code.", TotpSetupReply)},
        _totp_setup,
        session_only=True,
    ),
    Operation(
        "POST",
        f"{_V1}/totp/confirm",
        "confirmTotp",
        "Finish enrolling a second factor with a code from it",
        "session",
        ANYONE,
        TotpConfirmRequest,
        NoQuery,
        {200: Reply("Enrolled: later logins need a code.", Ok)},
        _totp_confirm,
        session_only=True,
    ),
]
