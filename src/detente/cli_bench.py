"""``detente bench``: détente measured against this machine's floor and against Mosquitto and
NATS JetStream, in one run. Thin: the work is in ``detente.bench``."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Any

from .cli import add_command

__all__ = ["register"]


def cmd_bench(args: argparse.Namespace) -> int:
    from .bench import BenchSizes, run_bench
    from .bench.report import render_markdown, render_text, write_json

    sizes = BenchSizes.quick_sizes() if args.quick else BenchSizes()
    # SIGTERM (or SIGHUP) unwinds like Ctrl-C, so the bench stops what it started and deletes its folder.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupted)

    def progress(line: str) -> None:
        print(f"bench: {line}", file=sys.stderr, flush=True)

    results = run_bench(sizes, folder=Path(args.dir) if args.dir else None, progress=progress)
    print(render_text(results), end="")
    if args.json:
        write_json(results, Path(args.json))
    if args.markdown:
        Path(args.markdown).write_text(render_markdown(results), encoding="utf-8")
    return 0


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def register(sub: Any) -> None:
    p = add_command(
        sub,
        "bench",
        cmd_bench,
        "measure détente against this machine's floor and against Mosquitto and NATS JetStream",
        "Start two real stations, Mosquitto and NATS JetStream on loopback in a scratch folder, measure "
        "the floor (fsync, TLS round trip, signatures), one-at-a-time latency, throughput with many messages "
        "in flight, memory, recovery after kill -9 and after a cut link, and fsync calls per message (strace); "
        "print the table, stop everything and delete the folder. Needs mosquitto, nats-server and strace "
        "(Debian) and the `bench` extra (paho-mqtt, nats-py); whatever is missing is named in the output.",
    )
    p.add_argument("--quick", action="store_true", help="tiny sizes: checks that every figure is produced")
    p.add_argument("--json", metavar="FILE", help="write every figure to FILE as JSON")
    p.add_argument("--markdown", metavar="FILE", help="write the table to FILE as Markdown")
    p.add_argument(
        "--dir", metavar="DIR", help="make the scratch folder inside DIR (default: the system's temporary folder)"
    )
