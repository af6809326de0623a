"""``detente courier export`` and ``courier import``: the line on removable media. Thin: the
work is :mod:`detente.courier.exchange`."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from .cli import add_command, add_home
from .errors import StationError
from .home import Home, ServeLock

__all__ = ["register"]


def cmd_courier_export(args: argparse.Namespace) -> int:
    from .courier.exchange import export_courier

    home = Home(Path(args.home))
    store = home.open_store()
    try:
        data, envelopes = export_courier(home, store, args.to, time.time())
    finally:
        store.close()
    _write(Path(args.out), data)
    if envelopes:
        span = f"messages {envelopes[0].seq} to {envelopes[-1].seq}"
        print(f"wrote {args.out}: {len(envelopes)} undelivered message(s) to {args.to.upper()} ({span}), sealed")
    else:
        print(f"wrote {args.out}: nothing is waiting for {args.to.upper()}; the file carries no message")
    print("carry it to the other station; `detente courier import` there takes it in and writes the reply")
    return 0


def cmd_courier_import(args: argparse.Namespace) -> int:
    from .courier.bundle import read_courier
    from .courier.exchange import import_courier, reply_courier

    home = Home(Path(args.home))
    path = Path(args.file)
    data = read_courier(path, home.config.courier.max_file_bytes)
    store = home.open_store()
    try:
        now = time.time()
        imported = import_courier(home, store, data, str(path), now)
        reply = reply_courier(home, store, imported, now) if args.reply_out else None
    finally:
        store.close()
    party = imported.peer.party
    print(
        f"{path}: from {party}: {len(imported.received)} new message(s) received"
        + (f" (seq {imported.received[0].seq} to {imported.received[-1].seq})" if imported.received else "")
        + f", {len(imported.already_held)} already held (not taken twice)"
    )
    print(
        f"receipts: {imported.delivered} of this station's message(s) now delivered, "
        f"{imported.receipts_held} already known"
    )
    if reply is not None:
        _write(Path(args.reply_out), reply)
        print(f"wrote the reply {args.reply_out} for {party}: receipts, and this station's undelivered messages")
    if ServeLock.holder(home):
        print("the running `detente serve` takes the change into the link within a second", file=sys.stderr)
    return 0


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise StationError(f"cannot write {path}: {exc.strerror}") from None


def register(sub: Any) -> None:
    courier = add_command(
        sub,
        "courier",
        cmd_courier_export,
        "carry the line on removable media when every network path is down",
        "The offline courier: undelivered messages written to a file, sealed to the other station, carried by "
        "hand or any e-mail, taken in there, and answered with a file of receipts.",
    )
    group = courier.add_subparsers(dest="courier_command", required=True, metavar="SUBCOMMAND")
    p = add_command(
        group,
        "export",
        cmd_courier_export,
        "write every undelivered message to a party into a courier file",
        "Write every message to PARTY that has no receipt yet, each sealed to that station (HPKE, ML-KEM-768 + "
        "X25519) and the file signed by this station. Safe to repeat: the other side never takes a message twice.",
    )
    add_home(p)
    p.add_argument("--to", required=True, metavar="PARTY", help="the party the file is for (e.g. SY)")
    p.add_argument("--out", required=True, metavar="FILE", help="where to write the courier file")
    p = add_command(
        group,
        "import",
        cmd_courier_import,
        "take in a courier file (no running station or network needed)",
        "Check the file (addressed here, signed by the pinned peer), take in its messages in order (never one "
        "twice), store their receipts, mark this station's messages that its receipts cover as delivered, and "
        "with --reply-out write the file back: receipts, and this station's own undelivered messages.",
    )
    add_home(p)
    p.add_argument("file", metavar="FILE", help="the courier file")
    p.add_argument("--reply-out", metavar="FILE2", help="write the reply courier file here")
