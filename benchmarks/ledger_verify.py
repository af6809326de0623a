"""How fast ``detente ledger verify`` is on a big ledger (the issue asks for a million entries
in seconds, not minutes).

    .venv/bin/python benchmarks/ledger_verify.py [--entries 1000000] [--dir DIR] [--full]

Builds (once, in DIR, reused on later runs) a synthetic line whose station holds ``--entries``
entries in its own log and as many in the peer's log as revealed, all really signed, with a
co-signed checkpoint every 1,024 entries (tests/ledger/synthetic.py writes them through the
store API), then times ``verify_ledger`` on it and prints entries per second.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from detente.home import Home
from detente.ledger.verify import verify_ledger
from ledger.synthetic import build_line, make_pair


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/detente-ledger-benchmark"))
    parser.add_argument("--full", action="store_true", help="also time verify --full (every signature)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    folder = args.dir / str(args.entries)
    if not (folder / "tr" / "station.toml").exists():
        folder.mkdir(parents=True, exist_ok=True)
        tr, sy = make_pair(folder)
        store = tr.open_store()
        started = time.perf_counter()

        def progress(size: int) -> None:
            print(f"\rbuilding: {size:,} entries, {time.perf_counter() - started:.0f} s", end="", flush=True)

        try:
            build_line(
                tr, sy, store, entries=args.entries, checkpoint_every=1024, batch=2000, tail=16, progress=progress
            )
        finally:
            store.close()
        print()
    home = Home(folder / "tr")
    store = home.open_store()
    try:
        for full in (False, True) if args.full else (False,):
            for _ in range(args.runs):
                cpu = time.process_time()
                report = verify_ledger(home, store, full=full)
                cpu = time.process_time() - cpu
                line = report.lines[0]
                print(
                    f"verify{' --full' if full else ''}: {'intact' if report.ok else 'DAMAGED'}, "
                    f"{line.size:,} own entries + {line.peer_size:,} peer leaves, {line.checkpoints:,} checkpoints, "
                    f"{line.signatures:,} signatures, in {report.seconds:.2f} s ({cpu:.2f} s of CPU) = "
                    f"{report.entries / report.seconds:,.0f} entries/s, {report.entries / cpu:,.0f} per CPU second"
                )
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
