"""``detente ack``, ``detente operator …`` and ``detente figures``: people on watch. Thin."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from .cli import add_command, add_home, print_json
from .errors import StationError
from .home import Home
from .operators import ROLES, add_operator, disable_operator, set_role
from .watch.acks import acknowledge
from .watch.figures import figures_csv, response_figures
from .watch.state import format_duration

__all__ = ["register"]


def cmd_ack(args: argparse.Namespace) -> int:
    home = Home(Path(args.home))
    store = home.open_store()
    try:
        envelope = acknowledge(
            home, store, message_id=args.message_id, operator=args.operator, note=args.note, now=time.time()
        )
    finally:
        store.close()
    print(envelope.id)
    late_by = envelope.body.get("late_by_s")
    if isinstance(late_by, int | float):
        print(f"note: acknowledged {format_duration(late_by)} after its deadline; recorded as late", file=sys.stderr)
    return 0


def cmd_operator_add(args: argparse.Namespace) -> int:
    home = Home(Path(args.home))
    store = home.open_store()
    try:
        record, password = add_operator(store, name=args.name, role=args.role, now=time.time())
    finally:
        store.close()
    print(f"created {record.role} {record.name!r}")
    print(f"one-time password: {password}")
    print("give it to them in person; they must choose their own at first login")
    return 0


def cmd_operator_disable(args: argparse.Namespace) -> int:
    home = Home(Path(args.home))
    store = home.open_store()
    try:
        record = disable_operator(store, name=args.name, now=time.time())
    finally:
        store.close()
    print(f"disabled {record.role} {record.name!r} at {record.disabled_at}")
    return 0


def cmd_operator_role(args: argparse.Namespace) -> int:
    home = Home(Path(args.home))
    store = home.open_store()
    try:
        record = set_role(store, name=args.name, role=args.role)
    finally:
        store.close()
    print(f"{record.name!r} is now {record.role}; their console sessions are ended")
    return 0


def cmd_operator_list(args: argparse.Namespace) -> int:
    home = Home(Path(args.home))
    store = home.open_store()
    try:
        operators = store.operators()
    finally:
        store.close()
    for record in operators:
        view = {
            "name": record.name,
            "role": record.role,
            "created_at": record.created_at,
            "disabled_at": record.disabled_at,
            "second_factor": record.totp_secret is not None,
        }
        if args.json:
            print_json(view)
        else:
            state = f"disabled {record.disabled_at}" if record.disabled_at else "active"
            print(f"{record.name:<24} {record.role:<11} {state}")
    if not operators and not args.json:
        print("no operators; create one with `detente operator add`")
    return 0


def cmd_figures(args: argparse.Namespace) -> int:
    home = Home(Path(args.home))
    store = home.open_store()
    try:
        figures = response_figures(store, home.config, time.time())
    finally:
        store.close()
    if args.csv:
        text = figures_csv(figures)
        if args.csv == "-":
            sys.stdout.write(text)
        else:
            try:
                Path(args.csv).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise StationError(f"cannot write {args.csv}: {exc.strerror}") from None
        return 0
    if args.json:
        for figure in figures:
            print_json(figure.__dict__)
        return 0
    print(
        f"{'SIDE':<7} {'WINDOW':<6} {'PRECEDENCE':<10} {'MESSAGES':>8} {'ACKED':>6} {'MEDIAN':>8} "
        f"{'P95':>8} {'MISSED':>6}"
    )
    for f in figures:
        if f.messages == 0 and f.precedence != "all":
            continue
        median = f"{f.median_s:.0f} s" if f.median_s is not None else "-"
        p95 = f"{f.p95_s:.0f} s" if f.p95_s is not None else "-"
        print(
            f"{f.side:<7} {f.window:<6} {f.precedence:<10} {f.messages:>8} {f.acknowledged:>6} {median:>8} "
            f"{p95:>8} {f.missed:>6}"
        )
    return 0


def register(sub: Any) -> None:
    p = add_command(
        sub,
        "ack",
        cmd_ack,
        "acknowledge a received message as a named operator",
        "A person acknowledges a message from the peer: a signed acknowledgement naming the operator and the "
        "time goes back to the sender. Prints the acknowledgement's id. Refused for unknown messages, "
        "messages already acknowledged, and accounts without the operator or supervisor role.",
    )
    add_home(p)
    p.add_argument("message_id", metavar="MESSAGE_ID", help="the received message's id")
    p.add_argument("--operator", required=True, metavar="NAME", help="the operator acknowledging it")
    p.add_argument("--note", metavar="TEXT", help="a short reply (at most 500 characters)")

    operator = add_command(
        sub, "operator", cmd_operator_list, "create and list operator accounts", "Operator accounts of this station."
    )
    group = operator.add_subparsers(dest="operator_command", required=True, metavar="SUBCOMMAND")
    p = add_command(
        group,
        "add",
        cmd_operator_add,
        "create an account and print its one-time password",
        "Create an operator account with a role (operator, supervisor, translator, auditor, admin) and print a "
        "one-time initial password, which must be changed at first login.",
    )
    add_home(p)
    p.add_argument(
        "--name", required=True, help="the person's name as it will appear on acknowledgements, e.g. 'Lt. Haddad'"
    )
    p.add_argument("--role", required=True, choices=ROLES)
    p = add_command(
        group,
        "disable",
        cmd_operator_disable,
        "disable an account",
        "Disable an operator account: it can no longer log in or acknowledge messages. Its past "
        "acknowledgements stand in the record.",
    )
    add_home(p)
    p.add_argument("--name", required=True, help="the account's name")
    p = add_command(
        group,
        "role",
        cmd_operator_role,
        "give an account another role",
        "Give an operator account another role (operator, supervisor, translator, auditor, admin). Its console "
        "sessions end: its holder logs in again to act in the new role.",
    )
    add_home(p)
    p.add_argument("--name", required=True, help="the account's name")
    p.add_argument("--role", required=True, choices=ROLES)
    p = add_command(group, "list", cmd_operator_list, "list accounts", "List operator accounts and their roles.")
    add_home(p)
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    from . import cli_tokens  # machine tokens for the HTTP API: their own module

    cli_tokens.register(group)

    p = add_command(
        sub,
        "figures",
        cmd_figures,
        "response times to a person's acknowledgement, both sides",
        "Median and 95th-percentile time to a person's acknowledgement, by precedence, over the last shift "
        "(8 h), 7 days and 30 days, and missed deadlines, for this station's people (ours) and the peer's "
        "(theirs).",
    )
    add_home(p)
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--csv", metavar="FILE", help="write CSV to FILE (- for standard output)")
