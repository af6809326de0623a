"""Logging in and out, the session, the operator's own password and second factor."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pyotp
from starlette.responses import JSONResponse, Response

from ..errors import StationError
from ..operators import check_password, set_password, set_second_factor
from .api import ANYONE, PUBLIC, Actor, Call, Operation, Reply, error
from .auth import COOKIE, LoginRefused, LoginThrottled, check_attempt, check_code, login, record_failure
from .models import (
    ApiError,
    LoginRequest,
    NoBody,
    NoQuery,
    Ok,
    PasswordRequest,
    SessionReply,
    StationNameReply,
    TotpChangeRequest,
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
    remote = call.remote
    try:
        token, session = login(
            call.store,
            name=data.name,
            password=data.password,
            code=data.code,
            remote=remote,
            now=call.now(),
            alarms=call.console.login_alarms,
        )
    except LoginThrottled as exc:
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


def _throttled(exc: LoginThrottled) -> Response:
    return error(429, str(exc), {"retry-after": str(exc.retry_after)})


def _prove_owner(call: Call[Any, NoQuery], password: str, code: str | None, what: str) -> Response | None:
    """Refuse (403, counted like a failed login) unless ``password`` (and a current code, when
    the account has a second factor) are right: a stolen session alone is not enough."""
    actor, remote, now = call.who, call.remote, call.now()
    alarms = call.console.login_alarms
    try:
        check_attempt(call.store, name=actor.name, remote=remote, now=now, alarms=alarms)
    except LoginThrottled as exc:
        return _throttled(exc)
    account = check_password(call.store, actor.name, password)
    if account is not None and account.totp_secret is not None and not check_code(call.store, account, code, now):
        account = None
    if account is None:
        record_failure(call.store, name=actor.name, remote=remote, now=now, alarms=alarms)
        call.journal("console.refused", f"{what}: the password or one-time code is not right")
        refusal = "the current password is not right"
        if actor.operator.totp_secret is not None:
            refusal = "the password or the current one-time code is not right"
        return error(403, refusal)
    return None


async def _change_password(call: Call[PasswordRequest, NoQuery]) -> Response:
    actor = call.who
    try:
        check_attempt(call.store, name=actor.name, remote=call.remote, now=call.now(), alarms=call.console.login_alarms)
    except LoginThrottled as exc:
        return _throttled(exc)
    if check_password(call.store, actor.name, call.body.current) is None:
        record_failure(
            call.store, name=actor.name, remote=call.remote, now=call.now(), alarms=call.console.login_alarms
        )
        call.journal("console.refused", "password change: the current password is not right")
        return error(403, "the current password is not right")
    if call.body.new == call.body.current:
        return error(422, "the new password must differ from the current one")
    keep = actor.session.token_hash if actor.session else None
    try:
        set_password(call.store, actor.operator, call.body.new, keep=keep)
    except StationError as exc:
        return error(422, str(exc))
    call.journal("console.password_changed", "the account's other sessions are ended")
    return JSONResponse({"ok": True})


async def _totp_setup(call: Call[TotpChangeRequest, NoQuery]) -> Response:
    actor = call.who
    if actor.session is None:  # session_only: never reached with a token
        return error(403, "a machine token cannot do this; log in to the console")
    refused = _prove_owner(call, call.body.password, call.body.code, "second factor setup")
    if refused is not None:
        return refused
    secret = pyotp.random_base32()
    call.console.pending_totp[actor.session.token_hash] = secret
    party = call.home.config.party
    uri = pyotp.TOTP(secret).provisioning_uri(name=actor.name, issuer_name=f"détente {party}")
    return JSONResponse({"secret": secret, "uri": uri})


async def _totp_confirm(call: Call[TotpConfirmRequest, NoQuery]) -> Response:
    actor = call.who
    key = actor.session.token_hash if actor.session else ""
    secret = call.console.pending_totp.get(key)
    pending = replace(actor.operator, totp_secret=secret)
    if secret is None or not check_code(call.store, pending, call.body.code, call.now()):
        return error(422, "that code does not match; scan the secret again and retry")
    replaced = actor.operator.totp_secret is not None
    set_second_factor(call.store, actor.operator, secret, keep=key)
    call.console.pending_totp.pop(key, None)
    call.journal("console.second_factor_replaced" if replaced else "console.second_factor_enrolled", "")
    return JSONResponse({"ok": True})


async def _totp_remove(call: Call[TotpChangeRequest, NoQuery]) -> Response:
    actor = call.who
    if actor.operator.totp_secret is None:
        return error(409, "this account has no second factor to remove")
    refused = _prove_owner(call, call.body.password, call.body.code, "second factor removal")
    if refused is not None:
        return refused
    set_second_factor(call.store, actor.operator, None, keep=actor.session.token_hash if actor.session else None)
    call.journal("console.second_factor_removed", "")
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
                "Too many failed logins for this name from this address, or from this address (growing delays).",
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
        {
            200: Reply("Changed; the account's other sessions are ended.", Ok),
            403: Reply("The current password is not right (counted as a failed login).", ApiError),
            429: Reply(
                "Too many failed attempts for this name from this address, or from this address.",
                ApiError,
                headers={"Retry-After": "Seconds to wait."},
            ),
        },
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
        TotpChangeRequest,
        NoQuery,
        {
            200: Reply("The secret to scan; confirm it with a code.", TotpSetupReply),
            403: Reply("The password, or the current code of the enrolled second factor, is not right.", ApiError),
            429: Reply(
                "Too many failed attempts for this name from this address, or from this address.",
                ApiError,
                headers={"Retry-After": "Seconds to wait."},
            ),
        },
        _totp_setup,
        description="Needs the account's password, and a current code when a second factor is enrolled "
        "already (replacing it): a session alone cannot change how the account logs in.",
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
        {200: Reply("Enrolled: later logins need a code; the account's other sessions are ended.", Ok)},
        _totp_confirm,
        session_only=True,
    ),
    Operation(
        "POST",
        f"{_V1}/totp/remove",
        "removeTotp",
        "Remove the caller's second factor",
        "session",
        ANYONE,
        TotpChangeRequest,
        NoQuery,
        {
            200: Reply("Removed: logins need the password alone; the account's other sessions are ended.", Ok),
            403: Reply("The password or the current code is not right.", ApiError),
            409: Reply("The account has no second factor.", ApiError),
            429: Reply(
                "Too many failed attempts for this name from this address, or from this address.",
                ApiError,
                headers={"Retry-After": "Seconds to wait."},
            ),
        },
        _totp_remove,
        description="Needs the account's password and a current code of the second factor.",
        session_only=True,
    ),
]
