"""Operator accounts, for the admin role: list, add (with a one-time password), change a role,
disable. A role change or a disabling ends the account's sessions."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from ..errors import StationError
from ..operators import add_operator, disable_operator, set_role, validate_name
from ..store import OperatorRecord
from .api import Call, Operation, Reply, error
from .models import (
    Account,
    AccountsReply,
    AddAccountReply,
    AddAccountRequest,
    ApiError,
    NoBody,
    NoQuery,
    RoleRequest,
)

__all__ = ["OPERATIONS", "account_view"]

_ADMIN = frozenset({"admin"})


def account_view(record: OperatorRecord) -> dict[str, Any]:
    return {
        "name": record.name,
        "role": record.role,
        "created_at": record.created_at,
        "disabled_at": record.disabled_at,
        "second_factor": record.totp_secret is not None,
        "must_change": record.must_change,
    }


async def _list_accounts(call: Call[NoBody, NoQuery]) -> Response:
    return JSONResponse({"operators": [account_view(r) for r in call.store.operators()]})


async def _add_account(call: Call[AddAccountRequest, NoQuery]) -> Response:
    try:
        record, password = add_operator(call.store, name=call.body.name, role=call.body.role, now=call.now())
    except StationError as exc:
        status = 409 if "already exists" in str(exc) else 422
        return error(status, str(exc))
    call.journal("console.operator_added", f"{record.role} {record.name!r}")
    return JSONResponse({"operator": account_view(record), "password": password}, status_code=201)


async def _disable_account(call: Call[NoBody, NoQuery]) -> Response:
    try:
        name = validate_name(call.param("name"))
    except StationError as exc:
        return error(404, str(exc))
    if name == call.who.name:
        return error(409, "you cannot disable your own account; ask another administrator")
    if call.store.operator(name) is None:
        return error(404, f"no operator named {name!r} at this station")
    try:
        record = disable_operator(call.store, name=name, now=call.now())
    except StationError as exc:
        return error(409, str(exc))
    call.journal("console.operator_disabled", f"{record.role} {record.name!r}")
    return JSONResponse(account_view(record))


async def _set_role(call: Call[RoleRequest, NoQuery]) -> Response:
    try:
        name = validate_name(call.param("name"))
    except StationError as exc:
        return error(404, str(exc))
    if name == call.who.name:
        return error(409, "you cannot change your own role; ask another administrator")
    before = call.store.operator(name)
    if before is None:
        return error(404, f"no operator named {name!r} at this station")
    try:
        record = set_role(call.store, name=name, role=call.body.role)
    except StationError as exc:
        return error(409, str(exc))
    call.journal("console.operator_role", f"{record.name!r}: {before.role} → {record.role}; its sessions are ended")
    return JSONResponse(account_view(record))


_V1 = "/api/v1"

OPERATIONS: list[Operation[Any, Any]] = [
    Operation(
        "GET",
        f"{_V1}/operators",
        "listOperators",
        "Every operator account of this station",
        "accounts",
        _ADMIN,
        NoBody,
        NoQuery,
        {200: Reply("The accounts (never their passwords or second factors).", AccountsReply)},
        _list_accounts,
    ),
    Operation(
        "POST",
        f"{_V1}/operators",
        "addOperator",
        "Create an account and get its one-time password",
        "accounts",
        _ADMIN,
        AddAccountRequest,
        NoQuery,
        {
            201: Reply("Created; the one-time password must be changed at first login.", AddAccountReply),
            409: Reply("An account of that name exists.", ApiError),
        },
        _add_account,
    ),
    Operation(
        "POST",
        f"{_V1}/operators/{{name}}/disable",
        "disableOperator",
        "Disable an account: no more logins, tokens or acknowledgements; what it did stands",
        "accounts",
        _ADMIN,
        NoBody,
        NoQuery,
        {
            200: Reply("Disabled; its sessions are ended.", Account),
            404: Reply("No such account.", ApiError),
            409: Reply("Already disabled, or the caller's own account.", ApiError),
        },
        _disable_account,
    ),
    Operation(
        "POST",
        f"{_V1}/operators/{{name}}/role",
        "setOperatorRole",
        "Give an account another role; its sessions end",
        "accounts",
        _ADMIN,
        RoleRequest,
        NoQuery,
        {
            200: Reply("Changed; the account's sessions are ended (its holder logs in again).", Account),
            404: Reply("No such account.", ApiError),
            409: Reply("The account is disabled, or it is the caller's own.", ApiError),
        },
        _set_role,
    ),
]
