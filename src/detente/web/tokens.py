"""Machine tokens for the HTTP API: an operations centre's own system acts with an account's role.

``detente operator token`` issues one and prints it once; the database holds only its SHA-256.
A request carries it as ``Authorization: Bearer dtk_…`` and needs neither a cookie nor a CSRF
token (a browser never sends it on its own, so there is nothing to forge). A token stops working
when it is revoked, when it expires, and while its account is disabled.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from ..errors import StationError
from ..operators import validate_name
from ..protocol.timestamps import format_time, parse_time
from ..store import OperatorRecord, Store, TokenRecord
from .auth import hash_token

__all__ = [
    "PREFIX",
    "IssuedToken",
    "TokenRefused",
    "issue_token",
    "resolve_token",
    "revoke_tokens",
    "token_view",
]

PREFIX = "dtk_"
_TOUCH_EVERY = 60.0
_MAX_DAYS = 3660.0


class TokenRefused(StationError):
    """The bearer token is unknown, revoked or expired, or its account is disabled."""


@dataclass(frozen=True)
class IssuedToken:
    token: str
    """The bearer token: shown once, never stored."""
    record: TokenRecord


def issue_token(store: Store, *, name: str, now: float, expires_days: float | None = None) -> IssuedToken:
    """Create a token for the enabled account ``name``, valid until revoked or for ``expires_days``."""
    account = store.operator(validate_name(name))
    if account is None:
        raise StationError(f"no operator named {name!r} at this station; create one with `detente operator add`")
    if account.disabled_at is not None:
        raise StationError(f"operator {account.name!r} was disabled at {account.disabled_at}; it gets no tokens")
    if expires_days is not None and not 0 < expires_days <= _MAX_DAYS:
        raise StationError(f"--expires {expires_days:g}: give a number of days above 0 and at most {_MAX_DAYS:g}")
    token = PREFIX + secrets.token_urlsafe(32)
    record = TokenRecord(
        id=secrets.token_hex(6),
        token_hash=hash_token(token),
        operator=account.name,
        created_at=format_time(now),
        expires_at=format_time(now + expires_days * 86400) if expires_days is not None else None,
    )
    store.add_token(record)
    return IssuedToken(token, record)


def resolve_token(store: Store, token: str, now: float) -> tuple[TokenRecord, OperatorRecord]:
    """The token's record and its account, or TokenRefused saying why."""
    record = store.token(hash_token(token)) if token.startswith(PREFIX) else None
    if record is None:
        raise TokenRefused("this API token is not known at this station; ask an administrator for one")
    if record.revoked_at is not None:
        raise TokenRefused(
            f"API token {record.id} was revoked at {record.revoked_at}; ask an administrator for a new one"
        )
    if record.expires_at is not None and now >= parse_time(record.expires_at):
        raise TokenRefused(f"API token {record.id} expired at {record.expires_at}; ask an administrator for a new one")
    account = store.operator(record.operator)
    if account is None or account.disabled_at is not None:
        raise TokenRefused(f"the account of API token {record.id} ({record.operator}) is disabled")
    if record.last_used_at is None or now - parse_time(record.last_used_at) > _TOUCH_EVERY:
        store.touch_token(record.id, format_time(now))
    return record, account


def revoke_tokens(store: Store, *, now: float, token_id: str | None = None, name: str | None = None) -> list[str]:
    """Revoke one token (by id) or every token of an account; returns the ids revoked."""
    if token_id is not None and name is None:
        known = {t.id: t for t in store.tokens()}
        if token_id not in known:
            raise StationError(f"no API token {token_id} at this station (see `detente operator tokens`)")
        if known[token_id].revoked_at is not None:
            raise StationError(f"API token {token_id} was already revoked at {known[token_id].revoked_at}")
        return store.revoke_tokens(format_time(now), token_id=token_id)
    if name is None or token_id is not None:
        raise StationError("say which token to revoke: --id ID, or --name NAME for all of an account's tokens")
    account = validate_name(name)
    if store.operator(account) is None:
        raise StationError(f"no operator named {account!r} at this station (see `detente operator list`)")
    return store.revoke_tokens(format_time(now), operator=account)


def token_view(record: TokenRecord, now: float) -> dict[str, Any]:
    """A token as ``detente operator tokens --json`` shows it (never its hash)."""
    if record.revoked_at is not None:
        state = "revoked"
    elif record.expires_at is not None and now >= parse_time(record.expires_at):
        state = "expired"
    else:
        state = "active"
    return {
        "id": record.id,
        "operator": record.operator,
        "created_at": record.created_at,
        "expires_at": record.expires_at,
        "revoked_at": record.revoked_at,
        "last_used_at": record.last_used_at,
        "state": state,
    }
