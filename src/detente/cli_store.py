"""``detente store migrate``: move a station from its SQLite file into PostgreSQL. Thin: the
copy and its checks are :func:`detente.store.transfer.transfer`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .cli import add_command, add_home, print_json
from .config import set_station_setting
from .errors import StationError
from .home import Home, ServeLock

__all__ = ["register"]


def cmd_store_migrate(args: argparse.Namespace) -> int:
    from .ledger.verify import verify_ledger
    from .store import SQLiteStore
    from .store.postgres import PostgresStore, redact
    from .store.transfer import transfer

    home = Home(Path(args.home))
    if home.config.store:
        raise StationError(f"{home.path} already keeps its state in {redact(home.config.store)}; nothing to move")
    if not args.to.startswith(("postgresql://", "postgres://")):
        raise StationError(f"--to {args.to!r} is not a PostgreSQL URL (postgresql://user@host:5432/dbname)")
    lock = ServeLock(home)
    lock.acquire()  # no serve may write to the file while it is being moved
    try:
        source = home.open_store()
        assert isinstance(source, SQLiteStore)
        try:
            target = PostgresStore(args.to, application=f"detente {home.config.party} migrate")
            try:
                moved = transfer(source, target)
            finally:
                target.close()
        finally:
            source.close()
        set_station_setting(home.config_path, "store", args.to)
        moved_home = Home(home.path)
        store = moved_home.open_store()
        try:
            report = verify_ledger(moved_home, store, full=True)
        finally:
            store.close()
    finally:
        lock.release()
    summary: dict[str, Any] = {
        "station_id": moved.station_id,
        "to": redact(args.to),
        "rows": moved.rows,
        "logs": {name: {"size": size, "root": root} for name, (size, root) in moved.logs.items()},
        "ledger_ok": report.ok,
        "ledger_entries_checked": report.entries,
    }
    if args.json:
        print_json(summary)
    else:
        total = sum(moved.rows.values())
        print(f"moved station {moved.station_id}: {total} rows from {home.database_path} to {redact(args.to)}")
        for name, (size, root) in moved.logs.items():
            print(f"  log {name}: {size} entries, root {root} (unchanged)")
        verdict = "intact" if report.ok else "DAMAGED"
        print(f"ledger verified in PostgreSQL: {verdict} ({report.entries} entries and leaves checked)")
        print(f"station.toml now says store = {redact(args.to)!r}; {home.database_path} is left as it was")
    if not report.ok:
        print("the moved ledger does not verify: do not serve from it; see `detente ledger verify`", file=sys.stderr)
        return 1
    return 0


def register(sub: Any) -> None:
    store = add_command(
        sub,
        "store",
        cmd_store_migrate,
        "the station's database: move it to PostgreSQL",
        "The station's database engine: SQLite (one file, the default) or PostgreSQL (what two servers of one "
        "station share).",
    )
    group = store.add_subparsers(dest="store_command", required=True, metavar="SUBCOMMAND")
    p = add_command(
        group,
        "migrate",
        cmd_store_migrate,
        "move the station's whole history from SQLite into PostgreSQL",
        "Copy every message, receipt, ledger entry, checkpoint, record, pinned card, operator and token into an "
        "empty PostgreSQL database in one transaction, check the copy byte for byte (every log's root must be "
        "unchanged), point station.toml's store setting at it and verify the ledger there. Stop `detente serve` "
        "first; the SQLite file is left as it was.",
    )
    add_home(p)
    p.add_argument("--from", dest="source", choices=["sqlite"], required=True, help="the engine to move from")
    p.add_argument("--to", required=True, metavar="URL", help="the empty PostgreSQL database (postgresql://…)")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
