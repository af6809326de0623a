"""What a bundle that proves absence costs on a big line (PROTOCOL.md §17.7).

    .venv/bin/python benchmarks/absence_bundle.py [--entries 1000000] [--dir DIR]

Builds (once, in DIR, shared with benchmarks/ledger_verify.py) a synthetic line whose station
holds ``--entries`` entries in its own log, all really signed, co-signed every 1,024 entries
(tests/ledger/synthetic.py), then exports one message with and without ``prove_absence`` and
prints the size of each bundle, the time to export it, and the time ``verify_bundle`` takes.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from detente.home import Home
from detente.ledger.bundle import export_bundle, verify_bundle
from ledger.synthetic import build_line, make_pair


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/detente-ledger-benchmark"))
    args = parser.parse_args()
    folder = args.dir / str(args.entries)
    if not (folder / "tr" / "station.toml").exists():
        folder.mkdir(parents=True, exist_ok=True)
        tr, sy = make_pair(folder)
        store = tr.open_store()
        started = time.perf_counter()
        build_line(tr, sy, store, entries=args.entries)
        store.close()
        print(f"built {args.entries:,} entries in {time.perf_counter() - started:.0f} s", flush=True)
    home = Home(folder / "tr")
    store = home.open_store()
    try:
        (peer,) = store.peers()
        message = next(record for _, record in store.messages("in"))
        for prove in (False, True):
            started = time.perf_counter()
            data = export_bundle(home, store, message_ids=[message.id], prove_absence=prove, now=time.time())
            exported = time.perf_counter() - started
            started = time.perf_counter()
            report = verify_bundle(data)
            verified = time.perf_counter() - started
            what = "with --prove-absence" if prove else "without"
            print(
                f"{what}: {len(data):,} bytes, log of {report.checkpoint.size:,} entries; export (which verifies "
                f"too) {exported:.1f} s, verify {verified:.1f} s",
                flush=True,
            )
            del data, report
    finally:
        store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
