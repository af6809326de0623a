"""``detente operator token``, ``operator tokens`` and ``operator revoke-token``: machine tokens
for the HTTP API. Thin."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from .cli import add_command, add_home, print_json
from .home import Home
from .web.tokens import issue_token, revoke_tokens, token_view

__all__ = ["register"]


def cmd_operator_token(args: argparse.Namespace) -> int:
    home = Home(Path(args.home))
    store = home.open_store()
    try:
        issued = issue_token(store, name=args.name, now=time.time(), expires_days=args.expires)
    finally:
        store.close()
    record = issued.record
    print(issued.token)
    until = f"until {record.expires_at}" if record.expires_at else "until revoked"
    print(
        f"token {record.id} for {record.operator!r}, valid {until}; it is shown only now. Send it as "
        f"`Authorization: Bearer …`; revoke it with `detente operator revoke-token --id {record.id}`",
        file=sys.stderr,
    )
    return 0


def cmd_operator_tokens(args: argparse.Namespace) -> int:
    home = Home(Path(args.home))
    store = home.open_store()
    try:
        tokens = store.tokens()
    finally:
        store.close()
    now = time.time()
    for record in tokens:
        view = token_view(record, now)
        if args.json:
            print_json(view)
        else:
            until = view["expires_at"] or "-"
            used = view["last_used_at"] or "never"
            print(f"{view['id']}  {view['operator']:<24} {view['state']:<8} expires {until:<24} last used {used}")
    if not tokens and not args.json:
        print("no API tokens; issue one with `detente operator token`")
    return 0


def cmd_operator_revoke_token(args: argparse.Namespace) -> int:
    home = Home(Path(args.home))
    store = home.open_store()
    try:
        revoked = revoke_tokens(store, now=time.time(), token_id=args.id, name=args.name)
    finally:
        store.close()
    for token_id in revoked:
        print(f"revoked {token_id}")
    if not revoked:
        print(f"{args.name!r} has no token left to revoke")
    return 0


def register(group: Any) -> None:
    """Add the token subcommands to the ``detente operator`` group."""
    p = add_command(
        group,
        "token",
        cmd_operator_token,
        "issue an HTTP API token for an account and print it",
        "Issue a machine token for the HTTP API that acts with the account's role, and print it once on "
        "standard output (the station keeps only its hash). Requests send it as `Authorization: Bearer TOKEN` "
        "and need no CSRF token. It works until revoked, or until --expires DAYS have passed.",
    )
    add_home(p)
    p.add_argument("--name", required=True, help="the account the token acts as")
    p.add_argument("--expires", type=float, metavar="DAYS", help="days until the token expires (default: never)")
    p = add_command(
        group,
        "tokens",
        cmd_operator_tokens,
        "list HTTP API tokens",
        "List the HTTP API tokens: id, account, state (active, expired, revoked), expiry, last use.",
    )
    add_home(p)
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p = add_command(
        group,
        "revoke-token",
        cmd_operator_revoke_token,
        "revoke HTTP API tokens",
        "Revoke an HTTP API token at once (--id, as `detente operator tokens` lists it), or every token of an "
        "account (--name).",
    )
    add_home(p)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", metavar="ID", help="the token's id")
    which.add_argument("--name", help="revoke every token of this account")
