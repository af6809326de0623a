"""``detente alarms``: the station's alarms, from the store (the station need not be running). Thin."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .cli import add_command, add_home, print_json
from .config import LANGUAGES
from .home import Home

__all__ = ["register"]


def cmd_alarms(args: argparse.Namespace) -> int:
    from .alarms.book import alarm_views  # the texts need the catalogues: loaded only for this command
    from .alarms.texts import describe_alarms

    home = Home(Path(args.home))
    lang = args.lang or home.config.language
    store = home.open_store()
    try:
        views = alarm_views(store, lang, include_ended=args.all)
    finally:
        store.close()
    if args.json:
        for view in views:
            print_json(view)
        return 0
    for line in describe_alarms(views, lang, include_ended=args.all):
        print(line)
    return 0


def register(sub: Any) -> None:
    p = add_command(
        sub,
        "alarms",
        cmd_alarms,
        "list the station's alarms (line down, not acknowledged, …)",
        "The station's active alarms, oldest first, each with its severity, since when and what to do, in the "
        "operators' language: a line or path down, a message of ours the peer has not acknowledged or one we "
        "must acknowledge (half-time, deadline), a watch check missed, a ledger alarm, a clock offset, a "
        "supervisors' channel that failed or is missing. With --all, ended alarms too, with how they ended. "
        "With --json, one JSON object per line. Reads the database: works whether or not `serve` runs.",
    )
    add_home(p)
    p.add_argument("--json", action="store_true", help="one JSON object per alarm, one per line")
    p.add_argument("--all", action="store_true", help="ended alarms too (the latest 500)")
    p.add_argument("--lang", choices=LANGUAGES, help="the language of the texts (default: the station's)")
