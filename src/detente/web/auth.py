"""Console logins: passwords (argon2id), optional TOTP, sessions, CSRF tokens, throttling.

A session is a random 256-bit token in an HttpOnly, Secure, SameSite=Strict cookie; the
database holds only its SHA-256. Every state-changing request must also carry the session's
CSRF token in the ``X-CSRF-Token`` header. Sessions end after an hour without activity and in
any case twelve hours after login (a watch is eight). Failed logins slow down further attempts
of the same name from the same address, and of the same address (see ``throttle``); a name is
never locked for everybody. A one-time code is good once, in its 30-second step or the one
before it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import pyotp

from ..errors import StationError
from ..operators import check_password
from ..protocol.timestamps import format_time, parse_time
from ..store import OperatorRecord, SessionRecord, Store
from .login_alarm import LoginAlarms, LoginsThrottled, report_login_throttled
from .throttle import FREE_PER_PAIR, FREE_PER_SOURCE, MEMORY, wait

__all__ = [
    "COOKIE",
    "LoginRefused",
    "LoginThrottled",
    "Session",
    "check_attempt",
    "check_code",
    "hash_token",
    "login",
    "record_failure",
    "resolve_session",
]

COOKIE = "detente_session"
IDLE_TIMEOUT = 3600.0
ABSOLUTE_TIMEOUT = 12 * 3600.0
TOTP_STEP = 30

Alarms = LoginAlarms
"""When each (name, address) was last reported as throttled (see ``login_alarm``)."""


class LoginRefused(StationError):
    """Wrong name, password or second factor (deliberately not saying which)."""


class LoginThrottled(StationError):
    """Too many failed attempts recently, of this name from this address or from this address."""

    def __init__(self, retry_after: int, scope: str) -> None:
        whom = "for this name from this address" if scope == "name" else "from this address"
        super().__init__(f"too many failed logins {whom}; try again in {retry_after} seconds")
        self.retry_after = retry_after
        self.scope = scope


@dataclass(frozen=True)
class Session:
    token_hash: str
    operator: OperatorRecord
    csrf: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def check_attempt(store: Store, *, name: str, remote: str, now: float, alarms: Alarms) -> None:
    """Raise LoginThrottled if an attempt of ``name`` from ``remote`` must still wait."""
    held = wait(store.login_failures(format_time(now - MEMORY), name=name, remote=remote), now)
    if held is not None:
        report_login_throttled(
            store, LoginsThrottled(name, remote, held.scope, held.failures, held.seconds, now), alarms
        )
        raise LoginThrottled(held.seconds, held.scope)


def record_failure(store: Store, *, name: str, remote: str, now: float, alarms: Alarms) -> None:
    """Count a failed attempt; report it if it makes the next attempts wait."""
    store.record_login_failure(name, remote, format_time(now))
    failures = store.login_failures(format_time(now - MEMORY), name=name, remote=remote)
    if failures.pair > FREE_PER_PAIR or failures.source > FREE_PER_SOURCE:
        held = wait(failures, now)
        if held is not None:
            event = LoginsThrottled(name, remote, held.scope, held.failures, held.seconds, now)
            report_login_throttled(store, event, alarms)


def check_code(store: Store, account: OperatorRecord, code: str | None, now: float) -> bool:
    """Whether ``code`` is the account's one-time code for now or the step before, never used
    before (a code of that step or a later one); the step is then used up."""
    if account.totp_secret is None or not code:
        return False
    totp = pyotp.TOTP(account.totp_secret)
    current = int(now) // TOTP_STEP
    for step in (current, current - 1):
        if hmac.compare_digest(totp.at(step * TOTP_STEP), code.strip()):
            return store.claim_totp_step(account.name, step)
    return False


def login(
    store: Store, *, name: str, password: str, code: str | None, remote: str, now: float, alarms: Alarms
) -> tuple[str, Session]:
    """Check the credentials and open a session; returns (cookie token, session)."""
    check_attempt(store, name=name, remote=remote, now=now, alarms=alarms)
    account = check_password(store, name, password)
    if account is not None and account.totp_secret is not None and not check_code(store, account, code, now):
        account = None
    if account is None:
        record_failure(store, name=name, remote=remote, now=now, alarms=alarms)
        raise LoginRefused("the name, password or one-time code is not right")
    store.clear_login_failures(name=name, remote=remote)
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
