"""``detente ledger …``: the co-signed record, from the command line. Thin, like cli.py."""

from __future__ import annotations

import argparse
import base64
import dataclasses
import os
import time
from pathlib import Path
from typing import Any

from .cli import add_command, add_home, print_json
from .config import LANGUAGES
from .errors import StationError
from .home import Home
from .ledger.checkpoint import Checkpoint
from .ledger.note import parse_note
from .ledger.verify import LedgerReport, LineReport, damage_reason, verify_ledger
from .peers import peer_by_party
from .store import CheckpointRecord, LogName, Store

__all__ = ["register"]


def _latest(store: Store, log: LogName, peer: str) -> CheckpointRecord | None:
    latest = None
    for checkpoint in store.scan_checkpoints(log, peer):  # one at a time: a line holds many
        latest = checkpoint if checkpoint.cosigned_at else latest
    return latest


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


def cmd_verify(args: argparse.Namespace) -> int:
    home = Home(Path(args.home))
    store = home.open_store()
    try:
        report = verify_ledger(home, store, full=args.full)
    finally:
        store.close()
    if args.json:
        print_json(dataclasses.asdict(report) | {"ok": report.ok})
    else:
        _print_report(report)
    damaged = [line for line in report.lines if not line.ok]
    if not damaged:
        return 0
    raise StationError(damage_reason(damaged[0]))


def _print_report(report: LedgerReport) -> None:
    state = "intact" if report.ok else "DAMAGED"
    how = "every signature verified" if report.full else "signatures verified where the checkpoints do not pin"
    print(f"ledger {state}: {report.entries:,} entries checked in {report.seconds:.2f} s ({how})")
    if not report.lines:
        print("  no peers pinned: the ledger is empty")
    for line in report.lines:
        print(f"  line with {line.party} ({line.peer}): {_summary(line)}")
        if line.ok:
            continue
        accepted = "; accepted before by serve --accept-damaged-ledger" if line.accepted else ""
        print(f"    {line.problem_count} problem(s){accepted}:")
        for problem in line.problems[:10]:
            print(f"    - {problem.where()}: {problem.detail}")
        if line.problem_count > 10:
            print(f"    - … and {line.problem_count - 10} more (--json lists the first {len(line.problems)})")


def _summary(line: LineReport) -> str:
    return (
        f"our log {line.size:,} entries, {line.covered:,} under our signed checkpoint, {line.cosigned:,} co-signed by "
        f"{line.party}; their log {line.peer_size:,} entries, {line.peer_covered:,} co-signed by us"
    )


def cmd_export(args: argparse.Namespace) -> int:
    from .ledger.bundle import export_bundle  # written separately; imported when used

    if args.line is not None:
        from .ledger.line_bundle import export_line_bundle

        if args.prove_absence or args.with_page:
            raise StationError(
                "--prove-absence and --with-page are for a bundle of the line between two stations, not with --line"
            )
        if not args.group:
            raise StationError("--line needs --group GROUP …: the line messages to export (`detente line show`)")
    elif not args.message and args.since is None and args.until is None:
        raise StationError("say which messages to export: --message ID …, or --from TIME --to TIME")
    home = Home(Path(args.home))
    store = home.open_store()
    try:
        if args.line is not None:
            data = export_line_bundle(home, store, line=args.line, groups=args.group, now=time.time())
        else:
            data = export_bundle(
                home,
                store,
                message_ids=args.message or (),
                since=args.since,
                until=args.until,
                prove_absence=args.prove_absence,
                now=time.time(),
            )
    finally:
        store.close()
    out = Path(args.out)
    _write(out, data, "the bundle")
    print(f"wrote {out} ({len(data):,} bytes); anyone can check it with `detente ledger verify-bundle {out}`")
    if args.with_page:
        page = out.with_name(f"{out.stem}-verifier.html")
        _write_page(page)
        print(f"wrote {page}: open it in any web browser and drop the bundle onto it (it works offline)")
    return 0


def _write(out: Path, data: bytes, what: str) -> None:
    temporary = out.with_name(f".{out.name}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, out)
    except OSError as exc:
        raise StationError(f"cannot write {what} to {out}: {exc.strerror or exc}") from None


def _write_page(out: Path) -> int:
    from .ledger.verifier_page import verifier_page

    data = verifier_page().encode("utf-8")
    _write(out, data, "the verifier page")
    return len(data)


def cmd_verifier_page(args: argparse.Namespace) -> int:
    out = Path(args.out)
    size = _write_page(out)
    print(
        f"wrote {out} ({size:,} bytes): a verifier of evidence bundles that runs in any web browser, offline; "
        "open it and drop a bundle onto it"
    )
    return 0


def cmd_verify_bundle(args: argparse.Namespace) -> int:
    from .ledger.bundle import describe, verify_bundle  # written separately; imported when used

    path = Path(args.bundle)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StationError(f"cannot read the bundle {path}: {exc.strerror or exc}") from None
    if b'"detente-line-bundle/1"' in data[:200]:
        from .ledger.line_bundle import describe_line, verify_line_bundle

        if args.json:
            raise StationError("--json reports on a bundle of one line between two stations, not on a line bundle")
        print(describe_line(verify_line_bundle(data), args.lang))
        return 0
    if not args.json:
        print(describe(verify_bundle(data), args.lang))
        return 0
    from .ledger.absence import findings_json
    from .ledger.evidence import BundleError

    try:
        report = verify_bundle(data)
    except BundleError as exc:
        print_json({"verified": False, "error": str(exc)})
        raise
    print_json(findings_json(report))
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
    p = add_command(
        group,
        "verify",
        cmd_verify,
        "recompute the whole ledger and name the first bad entry of each line",
        "Recompute every log of every line from the database: every entry against the message, receipt or "
        "record it names, the hash chains, the Merkle tree and every checkpoint; name the first bad entry of "
        "each line and what is wrong with it. Exit 1 if the ledger is damaged.",
    )
    add_home(p)
    p.add_argument("--full", action="store_true", help="verify every signature, not only where checkpoints do not pin")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p = add_command(
        group,
        "export",
        cmd_export,
        "write an evidence bundle of chosen messages, provable offline",
        "Write a self-contained bundle: both station cards, the chosen messages with their receipts and "
        "acknowledgements, and the proofs that tie each to a checkpoint both stations signed.",
    )
    add_home(p)
    p.add_argument("--out", required=True, metavar="BUNDLE", help="the file to write")
    p.add_argument("--message", nargs="+", action="extend", metavar="ID", help="message ids to export")
    p.add_argument("--from", dest="since", metavar="TIME", help="export messages created from TIME (RFC 3339)")
    p.add_argument("--to", dest="until", metavar="TIME", help="…up to TIME (RFC 3339; default now)")
    p.add_argument("--line", metavar="NAME", help="a line bundle: what every member saw of the --group messages")
    p.add_argument("--group", nargs="+", action="extend", metavar="GROUP", help="line message group ids")
    p.add_argument(
        "--prove-absence",
        action="store_true",
        help="reveal the whole log up to the co-signed head, so that a missing receipt, acknowledgement or answer "
        "is proven absent (PROTOCOL.md §17.7; the bundle grows with the log)",
    )
    p.add_argument(
        "--with-page",
        action="store_true",
        help="also write the verifier page beside the bundle (BUNDLE-verifier.html), to check it in a web browser",
    )
    p = add_command(
        group,
        "verify-bundle",
        cmd_verify_bundle,
        "check an evidence bundle offline and say what it proves",
        "Check an evidence bundle with nothing else (no station, no network) and print what it proves, in "
        "the reader's language. Exit 1, with the reason, if any byte of it does not verify.",
    )
    p.add_argument("bundle", metavar="BUNDLE", help="the bundle file")
    p.add_argument("--lang", default="en", choices=LANGUAGES, help="the language to report in (default en)")
    p.add_argument(
        "--json",
        action="store_true",
        help="one JSON object: per selected message, its receipt, acknowledgement and responses, each present, "
        "absent (with the checkpoint it is proven against) or unknown",
    )
    p = add_command(
        group,
        "verifier-page",
        cmd_verifier_page,
        "write the evidence bundle verifier as one HTML file for any web browser",
        "Write one self-contained HTML file (scripts and fonts inlined, no network, no server) that verifies an "
        "evidence bundle dropped onto it, entirely in the browser, and says what it proves in tr, ar, en or ru.",
    )
    p.add_argument("--out", required=True, metavar="FILE.html", help="the file to write")
