"""``detente ledger …``: the co-signed record, from the command line. Thin, like cli.py."""

from __future__ import annotations

import argparse
import base64
from pathlib import Path
from typing import Any

from .cli import add_command, add_home, print_json
from .errors import StationError
from .home import Home
from .ledger.checkpoint import Checkpoint
from .ledger.note import parse_note
from .peers import peer_by_party
from .store import CheckpointRecord, LogName, Store

__all__ = ["register"]


def _latest(store: Store, log: LogName, peer: str) -> CheckpointRecord | None:
    cosigned = [c for c in store.checkpoints(log, peer) if c.cosigned_at]
    return cosigned[-1] if cosigned else None


def cmd_show(args: argparse.Namespace) -> int:
    home = Home(Path(args.home))
    store = home.open_store()
    try:
        lines = []
        for peer in store.peers():
            view: dict[str, Any] = {"party": peer.party, "station_id": peer.station_id}
            logs: tuple[LogName, ...] = ("own", "peer")
            for log in logs:
                latest = _latest(store, log, peer.station_id)
                checkpoint = Checkpoint.from_text(parse_note(latest.note).text) if latest else None
                view[f"{log}_log"] = {
                    "size": store.log_size(log, peer.station_id),
                    "cosigned_size": latest.size if latest else 0,
                    "cosigned_root": base64.b64encode(latest.root).decode() if latest else None,
                    "checkpoint_time": checkpoint.time if checkpoint else None,
                    "cosigned_at": latest.cosigned_at if latest else None,
                }
            view["alarms"] = [
                {"at": a.at, "kind": a.kind, "detail": a.detail} for a in store.alarms() if a.peer == peer.station_id
            ]
            lines.append(view)
    finally:
        store.close()
    if args.json:
        for view in lines:
            print_json(view)
        return 0
    if not lines:
        print("no peers pinned: the ledger is empty")
    for view in lines:
        own, theirs = view["own_log"], view["peer_log"]
        print(f"line with {view['party']} ({view['station_id']})")
        print(
            f"  our log:   {own['size']} entries, {own['cosigned_size']} co-signed by {view['party']}"
            f" (checkpoint of {own['checkpoint_time'] or '-'})"
        )
        print(
            f"  their log: {theirs['size']} entries revealed, {theirs['cosigned_size']} co-signed by us"
            f" (checkpoint of {theirs['checkpoint_time'] or '-'})"
        )
        if view["alarms"]:
            print(f"  ALARMS ({len(view['alarms'])}):")
            for alarm in view["alarms"]:
                print(f"    {alarm['at']} {alarm['kind']}: {alarm['detail']}")
        else:
            print("  alarms: none")
    return 0


def cmd_checkpoint(args: argparse.Namespace) -> int:
    home = Home(Path(args.home))
    store = home.open_store()
    try:
        peers = store.peers()
        if args.peer:
            record = peer_by_party(store, args.peer)
            latest = _latest(store, "peer", record.station_id)
            what = f"{record.party}'s log of the line"
        else:
            if len(peers) != 1:
                raise StationError("this station has several lines; say whose with --peer PARTY")
            record = peers[0]
            latest = _latest(store, "own", record.station_id)
            what = "this station's log of the line"
        if latest is None:
            raise StationError(f"no co-signed checkpoint of {what} with {record.party} yet")
    finally:
        store.close()
    print(latest.note, end="")
    return 0


def register(sub: Any) -> None:
    ledger = add_command(
        sub,
        "ledger",
        cmd_show,
        "the co-signed record: checkpoints, proofs, verification",
        "The record both stations co-sign: each station's log of the line, its checkpoints and alarms.",
    )
    group = ledger.add_subparsers(dest="ledger_command", required=True, metavar="SUBCOMMAND")
    p = add_command(
        group,
        "show",
        cmd_show,
        "tree sizes, latest co-signed checkpoints and alarms",
        "Per line: the size of this station's log and of the peer's, the latest checkpoints co-signed, and "
        "every alarm raised.",
    )
    add_home(p)
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p = add_command(
        group,
        "checkpoint",
        cmd_checkpoint,
        "print the latest co-signed checkpoint as a C2SP signed note",
        "Print the latest co-signed checkpoint of this station's own log (or, with --peer, of the peer's "
        "log) exactly as a C2SP signed note, with its signatures and cosignatures.",
    )
    add_home(p)
    p.add_argument("--peer", metavar="PARTY", help="the peer's log instead of this station's own")
