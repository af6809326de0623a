"""Console logins: passwords (argon2id), optional TOTP, sessions, CSRF tokens, rate limiting.

A session is a random 256-bit token in an HttpOnly, Secure, SameSite=Strict cookie; the
database holds only its SHA-256. Every state-changing request must also carry the session's
CSRF token in the ``X-CSRF-Token`` header. Sessions end after an hour without activity and in
any case twelve hours after login (a watch is eight). Logins are refused for a while after
repeated failures, per account and per address.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import pyotp

from ..errors import StationError
from ..operators import check_password
from ..protocol.timestamps import format_time, parse_time
from ..store import OperatorRecord, SessionRecord, Store

__all__ = [
    "COOKIE",
    "LOCKOUT_WINDOW",
    "MAX_FAILURES_PER_ADDRESS",
    "MAX_FAILURES_PER_NAME",
    "LoginRefused",
    "LoginThrottled",
    "Session",
    "hash_token",
    "login",
    "resolve_session",
]

COOKIE = "detente_session"
IDLE_TIMEOUT = 3600.0
ABSOLUTE_TIMEOUT = 12 * 3600.0
LOCKOUT_WINDOW = 900.0
MAX_FAILURES_PER_NAME = 5
MAX_FAILURES_PER_ADDRESS = 20


class LoginRefused(StationError):
    """Wrong name, password or second factor (deliberately not saying which)."""


class LoginThrottled(StationError):
    """Too many failed logins recently; try again later."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after // 60 + 1} minutes")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Session:
    token_hash: str
    operator: OperatorRecord
    csrf: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def login(store: Store, *, name: str, password: str, code: str | None, remote: str, now: float) -> tuple[str, Session]:
    """Check the credentials and open a session; returns (cookie token, session)."""
    since = format_time(now - LOCKOUT_WINDOW)
    by_name, by_remote = store.login_failures(since, name=name, remote=remote)
    if by_name >= MAX_FAILURES_PER_NAME or by_remote >= MAX_FAILURES_PER_ADDRESS:
        raise LoginThrottled(int(LOCKOUT_WINDOW))
    account = check_password(store, name, password)
    if account is not None and account.totp_secret is not None:
        if not code or not pyotp.TOTP(account.totp_secret).verify(code, for_time=int(now), valid_window=1):
            account = None
    if account is None:
        store.record_login_failure(name, remote, format_time(now))
        raise LoginRefused("the name, password or one-time code is not right")
    token = secrets.token_urlsafe(32)
    session = SessionRecord(
        token_hash=hash_token(token),
        operator=account.name,
        csrf=secrets.token_urlsafe(24),
        created_at=format_time(now),
        last_seen=format_time(now),
        expires_at=format_time(now + ABSOLUTE_TIMEOUT),
        remote=remote,
    )
    store.create_session(session)
    return token, Session(session.token_hash, account, session.csrf)


def resolve_session(store: Store, token: str | None, now: float) -> Session | None:
    """The live session for a cookie token, refreshed; None if absent, expired or disabled."""
    if not token:
        return None
    record = store.session(hash_token(token))
    if record is None:
        return None
    if now > parse_time(record.expires_at) or now - parse_time(record.last_seen) > IDLE_TIMEOUT:
        store.end_sessions(token_hash=record.token_hash)
        return None
    account = store.operator(record.operator)
    if account is None or account.disabled_at is not None:
        store.end_sessions(token_hash=record.token_hash)
        return None
    if now - parse_time(record.last_seen) > 30:
        store.touch_session(record.token_hash, format_time(now))
    return Session(record.token_hash, account, record.csrf)
