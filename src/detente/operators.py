"""Operator accounts: who may acknowledge, supervise, translate, audit or administer.

Passwords are hashed with argon2id; a new account gets a one-time password that must be
changed at first login. A second factor (TOTP) may be enrolled later from the console.
Whatever changes who may act as an account (its password, second factor or role, or its
disabling) ends the account's console sessions, all but the one that made the change.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import replace

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .errors import StationError
from .protocol.timestamps import format_time
from .store import OperatorRecord, Store

__all__ = [
    "ACKNOWLEDGING_ROLES",
    "MIN_PASSWORD",
    "ROLES",
    "add_operator",
    "check_password",
    "disable_operator",
    "set_password",
    "set_role",
    "set_second_factor",
    "validate_name",
]

MIN_PASSWORD = 12

ROLES = ("operator", "supervisor", "translator", "auditor", "admin")
ACKNOWLEDGING_ROLES = frozenset({"operator", "supervisor"})
"""Roles whose holders may acknowledge a message for their station."""

_HASHER = PasswordHasher()  # argon2id with the library's current parameters


def validate_name(name: str) -> str:
    name = unicodedata.normalize("NFC", name.strip())
    if not 1 <= len(name) <= 64 or any(unicodedata.category(c).startswith("C") for c in name):
        raise StationError(f"operator name {name!r} must be 1 to 64 printable characters")
    return name


def add_operator(store: Store, *, name: str, role: str, now: float) -> tuple[OperatorRecord, str]:
    """Create an account; returns it and its one-time password (shown once, never stored)."""
    if role not in ROLES:
        raise StationError(f"role {role!r} is not one of {', '.join(ROLES)}")
    password = "-".join(secrets.token_hex(3) for _ in range(4))
    record = OperatorRecord(
        name=validate_name(name),
        role=role,
        password_hash=_HASHER.hash(password),
        totp_secret=None,
        must_change=True,
        created_at=format_time(now),
        disabled_at=None,
    )
    if store.operator(record.name) is not None:
        raise StationError(
            f"an operator named {record.name!r} already exists; choose another name (see `detente operator list`)"
        )
    store.add_operator(record)
    return record, password


def disable_operator(store: Store, *, name: str, now: float) -> OperatorRecord:
    """Disable an account (it can no longer log in or acknowledge); its past acknowledgements
    stand; its sessions end."""
    record = store.operator(validate_name(name))
    if record is None:
        raise StationError(f"no operator named {name!r} at this station (see `detente operator list`)")
    if record.disabled_at is not None:
        raise StationError(f"operator {record.name!r} was already disabled at {record.disabled_at}")
    disabled = replace(record, disabled_at=format_time(now))
    store.update_operator(disabled)
    store.end_sessions(operator=disabled.name)
    return disabled


def set_role(store: Store, *, name: str, role: str) -> OperatorRecord:
    """Give an account another role; its sessions end (its holder logs in again to use it)."""
    if role not in ROLES:
        raise StationError(f"role {role!r} is not one of {', '.join(ROLES)}")
    record = store.operator(validate_name(name))
    if record is None:
        raise StationError(f"no operator named {name!r} at this station (see `detente operator list`)")
    if record.disabled_at is not None:
        raise StationError(f"operator {record.name!r} was disabled at {record.disabled_at}; its role stays")
    updated = replace(record, role=role)
    store.update_operator(updated)
    store.end_sessions(operator=updated.name)
    return updated


def set_password(store: Store, operator: OperatorRecord, password: str, *, keep: str | None = None) -> OperatorRecord:
    """Replace an operator's password (the one-time password is then no longer needed); every
    session of the account but ``keep`` (the hash of the one making the change) ends."""
    if len(password) < MIN_PASSWORD:
        raise StationError(f"a password needs at least {MIN_PASSWORD} characters")
    updated = replace(operator, password_hash=_HASHER.hash(password), must_change=False)
    store.update_operator(updated)
    store.end_sessions(operator=updated.name, keep=keep)
    return updated


def set_second_factor(
    store: Store, operator: OperatorRecord, secret: str | None, *, keep: str | None = None
) -> OperatorRecord:
    """Enroll, replace (``secret``) or remove (None) an operator's TOTP secret; every session of
    the account but ``keep`` ends."""
    updated = replace(operator, totp_secret=secret)
    store.update_operator(updated)
    store.end_sessions(operator=updated.name, keep=keep)
    return updated


def check_password(store: Store, name: str, password: str) -> OperatorRecord | None:
    """The account if the password is right and the account enabled, else None."""
    record = store.operator(name)
    if record is None or record.disabled_at is not None:
        _HASHER.hash(password)  # spend the same time whether or not the account exists
        return None
    try:
        _HASHER.verify(record.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _HASHER.check_needs_rehash(record.password_hash):
        store.update_operator(replace(record, password_hash=_HASHER.hash(password)))
    return record
