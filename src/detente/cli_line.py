"""``detente line …``: lines of more than two stations (parties, mediators, observers). Thin: the
work is :mod:`detente.lines`."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from .cli import add_command, add_home, print_json
from .errors import StationError
from .home import Home
from .identity import parse_card
from .lines.book import LineError, accept, charter_of, in_force, propose, recipients_of
from .lines.charter import ROLES, Charter, LineRefused, Member
from .peers import peer_by_party
from .protocol.envelope import GENESIS_HASH
from .protocol.timestamps import format_time
from .store import Store

__all__ = ["register"]


def _member(store: Store, spec: str) -> Member:
    """``CARD:ROLE`` or ``PARTY:ROLE``: a pinned peer (by its card file or its party) and a role."""
    where, _, role = spec.rpartition(":")
    if not where or role not in ROLES:
        raise StationError(f"--member {spec!r}: write CARD:ROLE or PARTY:ROLE, ROLE one of {', '.join(ROLES)}")
    if Path(where).is_file():
        try:
            card = parse_card(json.loads(Path(where).read_text(encoding="utf-8")), where)
        except (OSError, ValueError) as exc:
            raise StationError(f"--member {spec!r}: cannot read the card: {exc}") from None
        pinned = {p.station_id: p for p in store.peers()}.get(card.station_id)
        if pinned is None or pinned.fingerprint != card.fingerprint:
            raise StationError(
                f"--member {spec!r}: {card.party} ({card.station_id}) is not pinned here with this card; "
                "`detente peer add` it (checking its fingerprint by voice) first"
            )
        peer = pinned
    else:
        peer = peer_by_party(store, where)
    return Member(peer.station_id, peer.party, role, peer.fingerprint)


def _own(home: Home, role: str) -> Member:
    card = home.card()
    return Member(home.config.station_id, home.config.party, role, str(card["fingerprint"]))


def cmd_line_create(args: argparse.Namespace) -> int:
    home = Home(Path(args.home))
    store = home.open_store()
    try:
        members = [_own(home, args.role)] + [_member(store, spec) for spec in args.member]
        now = time.time()
        try:
            charter = Charter(
                line=args.name,
                version=1,
                prev=GENESIS_HASH,
                members=tuple(members),
                proposed_by=home.config.station_id,
                created=format_time(now),
                signers=args.signers,
                observers_see_all=args.observers_see_all,
            )
        except LineRefused as exc:
            raise LineError(str(exc)) from None
        propose(home, store, charter, now)
        _print_state(store, charter.line)
    finally:
        store.close()
    return 0


def _change(args: argparse.Namespace, edit: Any) -> int:
    home = Home(Path(args.home))
    store = home.open_store()
    try:
        current = in_force(store, args.name)
        if current is None:
            raise LineError(f"line {args.name} is not in force here")
        now = time.time()
        try:
            charter = current.next(edit(store, current), proposed_by=home.config.station_id, created=format_time(now))
        except LineRefused as exc:
            raise LineError(str(exc)) from None
        propose(home, store, charter, now)
        _print_state(store, charter.line)
    finally:
        store.close()
    return 0


def cmd_line_add_member(args: argparse.Namespace) -> int:
    def edit(store: Store, current: Charter) -> list[Member]:
        added = [_member(store, spec) for spec in args.member]
        return list(current.members) + added

    return _change(args, edit)


def cmd_line_remove_member(args: argparse.Namespace) -> int:
    def edit(store: Store, current: Charter) -> list[Member]:
        gone = {p.upper() for p in args.party}
        unknown = gone - {m.party for m in current.members}
        if unknown:
            raise LineError(f"{', '.join(sorted(unknown))} is not a member of line {current.line}")
        return [m for m in current.members if m.party not in gone]

    return _change(args, edit)


def cmd_line_accept(args: argparse.Namespace) -> int:
    home = Home(Path(args.home))
    store = home.open_store()
    try:
        charter, _, now_in_force = accept(home, store, args.name, time.time())
        print(f"signed line {charter.line} version {charter.version} ({charter.hash[:16]}…)")
        print("in force here" if now_in_force else "waiting for the other signatures")
    finally:
        store.close()
    return 0


def _line_view(store: Store, name: str, messages: int = 10) -> dict[str, Any]:
    records = store.charters(name)
    if not records:
        raise LineError(f"no line named {name} is held here (`detente line list`)")
    latest = records[-1]
    charter = charter_of(latest)
    current = in_force(store, name)
    signatures = store.charter_signatures(name, latest.version)
    groups = []
    for group in store.line_groups(name, messages):
        sent = store.group_messages(group)
        first = sent[0]
        groups.append(
            {
                "group": group,
                "kind": first.kind,
                "direction": first.direction,
                "from": first.peer_party if first.direction == "in" else None,
                "created": first.created_at,
                "refused": first.refused,
                "recipients": [vars(r) | {"summary": r.describe()} for r in recipients_of(store, group)],
            }
        )
    return {
        "line": name,
        "in_force": None
        if current is None
        else {"version": current.version, "hash": current.hash, "members": [m.to_json() for m in current.members]},
        "latest": {
            "version": charter.version,
            "state": latest.state,
            "hash": charter.hash,
            "proposed_by": charter.proposed_by,
            "members": [m.to_json() for m in charter.members],
            "signed_by": [
                {"station": s, "message": m, "at": at} for s, digest, m, at in signatures if digest == charter.hash
            ],
            "signers": charter.signers,
            "observers_see_all": charter.observers_see_all,
        },
        "messages": groups,
    }


def _print_state(store: Store, name: str) -> None:
    view = _line_view(store, name, messages=0)
    latest = view["latest"]
    members = ", ".join(f"{m['party']} {m['role']}" for m in latest["members"])
    signed = ", ".join(s["station"] for s in latest["signed_by"])
    print(f"line {name} version {latest['version']} {latest['state']}: {members}")
    print(f"signed by {signed}")


def cmd_line_list(args: argparse.Namespace) -> int:
    home = Home(Path(args.home))
    store = home.open_store()
    try:
        names = sorted({r.line for r in store.charters()})
        views = [_line_view(store, n, messages=0) for n in names]
    finally:
        store.close()
    if args.json:
        print_json({"lines": views})
        return 0
    if not views:
        print("no line of more than two stations; two-party lines need none (`detente line create`)")
    for view in views:
        latest = view["latest"]
        force = f"version {view['in_force']['version']} in force" if view["in_force"] else "not in force yet"
        pending = f"; version {latest['version']} {latest['state']}" if latest["state"] == "proposed" else ""
        members = ", ".join(f"{m['party']} {m['role']}" for m in latest["members"])
        print(f"{view['line']}: {force}{pending}; {members}")
    return 0


def cmd_line_show(args: argparse.Namespace) -> int:
    home = Home(Path(args.home))
    store = home.open_store()
    try:
        view = _line_view(store, args.name, messages=args.messages)
    finally:
        store.close()
    if args.json:
        print_json(view)
        return 0
    latest = view["latest"]
    print(f"line {view['line']}")
    if view["in_force"]:
        print(f"  in force: version {view['in_force']['version']} ({view['in_force']['hash'][:16]}…)")
    print(f"  latest:   version {latest['version']} {latest['state']}, proposed by {latest['proposed_by']}")
    for member in latest["members"]:
        print(f"    {member['party']:<4} {member['role']:<9} {member['station_id']}")
    print(f"  signed by: {', '.join(s['station'] for s in latest['signed_by']) or '-'} (needs: {latest['signers']})")
    for message in view["messages"]:
        origin = f"from {message['from']}" if message["from"] else "sent"
        refused = f"  REFUSED: {message['refused']}" if message["refused"] else ""
        print(f"  {message['created']} {message['kind']} {origin}{refused}")
        for recipient in message["recipients"]:
            print(f"      {recipient['summary']}")
    return 0


def register(sub: Any) -> None:
    line = add_command(
        sub,
        "line",
        cmd_line_list,
        "lines of more than two stations: parties, mediators, observers",
        "A line is a named set of stations with roles: party (sends, receives, acknowledges), mediator "
        "(sees everything, may relay), observer (receives what goes to the whole line, sends only to the "
        "mediator). Every change of members is signed by the parties and recorded in the ledger.",
    )
    group = line.add_subparsers(dest="line_command", required=True, metavar="SUBCOMMAND")
    p = add_command(
        group,
        "create",
        cmd_line_create,
        "propose a new line to its members",
        "Propose a line: this station and the pinned peers named, each with a role. It is in force once "
        "every party has signed it (`detente line accept` at each).",
    )
    add_home(p)
    p.add_argument("--name", required=True, help="the line's name, e.g. syria-turkey")
    p.add_argument(
        "--member", action="append", required=True, metavar="CARD:ROLE", help="a pinned peer's card (or party) and role"
    )
    p.add_argument("--role", default="party", choices=ROLES, help="this station's own role (default party)")
    p.add_argument("--signers", default="parties", choices=["parties", "all"], help="who must sign changes")
    p.add_argument("--observers-see-all", action="store_true", help="observers also get party-to-party messages")
    for name, handler, what in (
        ("add-member", cmd_line_add_member, "propose adding members"),
        ("remove-member", cmd_line_remove_member, "propose removing members"),
    ):
        p = add_command(group, name, handler, what, f"{what.capitalize()}: the next version of the charter.")
        add_home(p)
        p.add_argument("name", help="the line")
        if name == "add-member":
            p.add_argument("--member", action="append", required=True, metavar="CARD:ROLE")
        else:
            p.add_argument("--party", action="append", required=True, metavar="PARTY")
    p = add_command(group, "accept", cmd_line_accept, "sign the change waiting", "Sign the proposed charter.")
    add_home(p)
    p.add_argument("name", help="the line")
    p = add_command(group, "list", cmd_line_list, "the lines held here", "Every line, its version and members.")
    add_home(p)
    p.add_argument("--json", action="store_true")
    p = add_command(
        group,
        "show",
        cmd_line_show,
        "one line: charter, signatures, messages and each recipient's state",
        "The charter in force and the latest, who signed, and the newest messages on the line with each "
        "recipient's state (received when, acknowledged when and by whom).",
    )
    add_home(p)
    p.add_argument("name", help="the line")
    p.add_argument("--messages", type=int, default=10, help="how many of the newest messages (default 10)")
    p.add_argument("--json", action="store_true")
