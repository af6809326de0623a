"""``detente doctor``: checks an installation and its station and says what to fix. Thin."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .cli import add_command, add_home, print_json
from .config import LANGUAGES
from .home import Home

__all__ = ["register"]


def cmd_doctor(args: argparse.Namespace) -> int:
    from .monitoring.doctor import examine
    from .notifications.i18n import translator

    home = Home(Path(args.home))
    problems, facts = examine(home)
    if args.json:
        print_json(
            {
                "healthy": not problems,
                **facts,
                "problems": [{"check": p.check, "message": p.message.format(**p.values)} for p in problems],
            }
        )
    else:
        tr = translator(args.lang or home.config.language)
        for problem in problems:
            print(f"{problem.check}: {tr.format(problem.message, **problem.values)}")
    return 1 if problems else 0


def register(sub: Any) -> None:
    p = add_command(
        sub,
        "doctor",
        cmd_doctor,
        "check the installation and the station, and say what to fix",
        "Checks Python, the permissions of the station's keys and settings (readable by its user alone), the "
        "clock's synchronisation (timedatectl or chronyc; unknown without them), that the listening ports are "
        "free or held by this station's serve, that the database opens with its migrations current, that every "
        "pinned peer's card is valid and that supervisors can be told. Exits 0 when all is well, 1 with one "
        "line per problem and what to do otherwise. With --json, one JSON object.",
    )
    add_home(p)
    p.add_argument("--json", action="store_true", help="one JSON object: healthy, clock_sync, serve, problems")
    p.add_argument("--lang", choices=LANGUAGES, help="the language of the texts (default: the station's)")
