"""The ``detente`` command. Thin: it parses arguments, calls the station's modules, prints.

Exit codes: 0 success, 1 failure (one line on stderr saying why), 2 usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

from . import __version__
from .config import LANGUAGES, parse_address
from .errors import DetenteError, StationError
from .home import Home, ServeLock, create_station
from .invisible import escape_json
from .logs import configure_logging
from .peers import pin_peer, update_peer
from .protocol.canonical import parse_json
from .protocol.envelope import Precedence
from .store import Direction
from .views import message_view, status_view
from .watch.deadlines import ACKNOWLEDGEMENT, ROSTER

__all__ = [
    "add_command",
    "add_home",
    "build_parser",
    "main",
    "print_json",
]

Handler = Callable[[argparse.Namespace], int]


def _home(args: argparse.Namespace) -> Home:
    return Home(Path(args.home))


def _print_json(data: Any) -> None:
    # Invisible and direction-changing characters (a peer's body holds what it likes) as \uXXXX:
    # the same JSON, that a terminal cannot reorder and a line reader cannot split.
    print(escape_json(json.dumps(data, ensure_ascii=False, sort_keys=True)))


# --- commands ---------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    parse_address(args.listen, "--listen")
    console = "" if args.console == "off" else args.console
    if console:
        parse_address(console, "--console")
    home = create_station(
        Path(args.home),
        name=args.name,
        party=args.party,
        listen=args.listen,
        language=args.lang,
        console=console,
        store=args.store or "",
    )
    card = home.card()
    print(f"created station {card['station_id']} ({card['name']}, party {card['party']}) in {home.path}")
    print(f"fingerprint: {card['fingerprint']}")
    print(f"give your peer the card: detente card --home {home.path} > {card['party'].lower()}.card.json")
    return 0


def cmd_card(args: argparse.Namespace) -> int:
    print(json.dumps(_home(args).card(), ensure_ascii=False, indent=2))
    return 0


def _read_card(name: str) -> tuple[Path, object]:
    """A card file (or standard input for "-") as JSON."""
    path = Path(name)
    try:
        return path, parse_json(sys.stdin.buffer.read() if name == "-" else path.read_bytes())
    except OSError as exc:
        raise StationError(f"cannot read peer card {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise StationError(f"peer card {path} is not JSON: {exc}") from None


def cmd_peer_add(args: argparse.Namespace) -> int:
    home = _home(args)
    path, data = _read_card(args.card_file)
    store = home.open_store()
    try:
        card = pin_peer(home, store, data, source=str(path), now=time.time(), expected_fingerprint=args.fingerprint)
    finally:
        store.close()
    print(f"pinned {card.name} (party {card.party}, station {card.station_id})")
    print(f"fingerprint: {card.fingerprint}" + ("" if args.fingerprint else "  <- confirm it by voice with the peer"))
    if ServeLock.holder(home):
        print("the running `detente serve` picks the new peer up within a second")
    return 0


def cmd_peer_update(args: argparse.Namespace) -> int:
    home = _home(args)
    path, data = _read_card(args.card_file)
    store = home.open_store()
    try:
        old, new = update_peer(store, data, source=str(path))
    finally:
        store.close()
    print(f"updated the card of {new.name} (party {new.party}, station {new.station_id}); same keys")
    print(f"endpoints: {', '.join(old.endpoints) or '-'} -> {', '.join(new.endpoints) or '-'}")
    return 0


def cmd_peer_list(args: argparse.Namespace) -> int:
    store = _home(args).open_store()
    try:
        peers = store.peers()
    finally:
        store.close()
    if args.json:
        for peer in peers:
            _print_json(
                {
                    "party": peer.party,
                    "name": peer.name,
                    "station_id": peer.station_id,
                    "fingerprint": peer.fingerprint,
                    "endpoints": peer.card.get("endpoints", []),
                    "added_at": peer.added_at,
                }
            )
        return 0
    if not peers:
        print("no peers pinned; add one with `detente peer add --home DIR CARD_FILE`")
    for peer in peers:
        print(f"{peer.party:<4} {peer.name}  station {peer.station_id}")
        print(f"     fingerprint {peer.fingerprint}   endpoints {', '.join(peer.card.get('endpoints', []))}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .servers import serve
    from .transports.gate import raise_open_files_limit

    home = _home(args)
    configure_logging(args.log_level)
    raise_open_files_limit("serve")
    lock = ServeLock(home)
    lock.acquire()
    try:
        _admit_ledger(home, accept_damaged=args.accept_damaged_ledger)
        console = home.config.console if args.console is None else ("" if args.console == "off" else args.console)
        address = parse_address(console, "--console") if console else None

        async def run() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            await serve(home, address, stop)

        asyncio.run(run())
    finally:
        lock.release()
    return 0


def _admit_ledger(home: Home, *, accept_damaged: bool) -> None:
    """Refuse to serve on a ledger that fails verification, unless told to (which is recorded)."""
    from .ledger.verify import admit_ledger

    store = home.open_store()
    try:
        admit_ledger(home, store, accept_damaged=accept_damaged, now=time.time())
    finally:
        store.close()


def cmd_send(args: argparse.Namespace) -> int:
    from .compose import compose  # the notification catalogue is heavy to import; only send needs it
    from .notifications import Lang
    from .watch.acks import acknowledge_by_reply, acknowledging_operator

    home = _home(args)
    if args.file is not None:
        kind = args.kind
        if kind is None:
            raise StationError("--file needs --kind: say which kind of notification the file holds")
        try:
            data = parse_json(sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes())
        except OSError as exc:
            raise StationError(f"cannot read {args.file}: {exc.strerror}") from None
        except ValueError as exc:
            raise StationError(f"{args.file} is not JSON: {exc}") from None
    else:
        kind = args.kind or "free-text"
        if kind != "free-text":
            raise StationError(f"--text sends free text; a {kind} needs --file NOTICE.json")
        if not args.text.strip():
            raise StationError("--text is empty; say something")
        data = {"text": args.text, "lang": home.config.language}
    store = home.open_store()
    try:
        if args.operator is not None:
            acknowledging_operator(store, args.operator)  # refuse before anything is queued
        now = time.time()
        from .lines.book import line_addressing

        on_line = line_addressing(store, args.to, args.line)
        if on_line is not None:
            from .compose import compose_on_line

            sent = compose_on_line(
                home,
                store,
                line=on_line[0],
                to_parties=on_line[1],
                kind=kind,
                data=data,
                precedence=Precedence(args.precedence) if args.precedence else None,
                now=now,
            )
            for envelope in sent:
                print(f"{envelope.id} {envelope.recipient}")
            return 0
        composed = compose(
            home,
            store,
            to_party=args.to,
            kind=kind,
            data=data,
            precedence=Precedence(args.precedence) if args.precedence else None,
            now=now,
        )
        acknowledgements = (
            acknowledge_by_reply(home, store, reply=composed.envelope, operator=args.operator, now=now)
            if args.operator is not None
            else []
        )
    finally:
        store.close()
    print(composed.envelope.id)
    for envelope in acknowledgements:
        print(f"note: this reply also acknowledges {envelope.body['acknowledges']}", file=sys.stderr)
    for advice in composed.advice:
        print(f"note: {advice.message}", file=sys.stderr)
    if composed.late is not None and composed.late.late:
        print(f"note: sent late: {composed.late.describe(cast(Lang, home.config.language))}", file=sys.stderr)
    return 0


def _list_messages(args: argparse.Namespace, direction: Direction) -> int:
    from .listing import empty_text, message_block, summary_line
    from .notifications import Lang
    from .reading import machine_translator, reader_zone_name

    home = _home(args)
    store = home.open_store()
    party = home.config.party
    lang = cast(Lang, args.lang or home.config.language)
    zone = reader_zone_name(home.config)
    machine = None if args.json else machine_translator(home.config)
    if machine is not None and machine.problem is not None:
        print(f"warning: {machine.problem}", file=sys.stderr)
    follow = bool(getattr(args, "follow", False))
    try:
        cursor = 0
        count = 0
        while True:
            rows = store.messages(direction, after_rowid=cursor)
            for rowid, record in rows:
                cursor = rowid
                if args.json:
                    _print_json(message_view(record, party))
                    continue
                if record.kind in (ACKNOWLEDGEMENT, ROSTER):
                    continue  # shown on the message it acknowledges; who is on watch: `detente status`
                certified = any(t.lang == lang for t in store.translations(record.id))
                backend = None if certified or machine is None else machine.backend
                block = message_block(record, lang=lang, tz=zone, translator=backend)
                print(("\n" if count else "") + "\n".join(block))
                count += 1
            if not args.json and not follow:
                print(("\n" + summary_line(count, lang)) if count else empty_text(lang))
            sys.stdout.flush()
            if not follow:
                return 0
            time.sleep(0.2)
    except KeyboardInterrupt:
        return 0
    finally:
        store.close()


def _invisible_notice(lang: str) -> str:
    from .notifications.bidi import invisible_notice  # the catalogues load only when needed

    return invisible_notice(lang)


def cmd_outbox(args: argparse.Namespace) -> int:
    return _list_messages(args, "out")


def cmd_inbox(args: argparse.Namespace) -> int:
    return _list_messages(args, "in")


def cmd_status(args: argparse.Namespace) -> int:
    home = _home(args)
    store = home.open_store()
    try:
        view = status_view(home, store)
    finally:
        store.close()
    if args.json:
        _print_json(view)
        return 0
    from .notifications import Lang
    from .status_text import status_lines

    for line in status_lines(view, cast(Lang, args.lang or home.config.language)):
        print(line)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(check=args.check, folder=Path(args.dir) if args.dir else None, timeout=args.timeout)


# --- the parser ---------------------------------------------------------------------------------


def _add_home(parser: argparse.ArgumentParser) -> None:
    default = os.environ.get("DETENTE_HOME")
    parser.add_argument(
        "--home",
        metavar="DIR",
        default=default,
        required=default is None,
        help="the station folder (default: $DETENTE_HOME)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="detente",
        description="détente: a station for a crisis line between operations centres.",
        epilog="Run `detente COMMAND --help` for each command. Exit codes: 0 success, 1 failure, 2 usage error.",
    )
    parser.add_argument("--version", action="version", version=f"detente {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        name: str, handler: Handler, help_text: str, description: str, parent: Any = sub
    ) -> argparse.ArgumentParser:
        return add_command(parent, name, handler, help_text, description)

    p = command(
        "init",
        cmd_init,
        "create a station (keys, certificate, station.toml, database)",
        "Create a station in DIR: an Ed25519 signing key and a TLS key (both mode 0600), a self-signed "
        "TLS certificate, station.toml and the database. Refuses to overwrite an existing station.",
    )
    p.add_argument("--home", metavar="DIR", required=True, help="folder to create the station in")
    p.add_argument("--name", required=True, help='station name, e.g. "Ankara Operations Centre"')
    p.add_argument("--party", required=True, type=str.upper, help="party code, two or three letters, e.g. TR")
    p.add_argument("--listen", required=True, metavar="HOST:PORT", help="address the link listens on")
    p.add_argument(
        "--store",
        metavar="URL",
        help="keep the station's state in this empty PostgreSQL database (postgresql://…) instead of a SQLite file",
    )
    p.add_argument("--lang", default="en", choices=LANGUAGES, help="the operators' language (default en)")
    p.add_argument(
        "--console",
        default="127.0.0.1:8470",
        metavar="HOST:PORT",
        help='where `serve` serves the operator console (default 127.0.0.1:8470; "off" for none)',
    )

    p = command(
        "card",
        cmd_card,
        "print this station's card (JSON) for peers to pin",
        "Print the station card as JSON: name, party, station id, signing key, TLS certificate and its "
        "SHA-256, endpoints, protocol versions and the fingerprint to read aloud.",
    )
    _add_home(p)

    peer = command("peer", cmd_peer_list, "pin peers and list them", "Manage pinned peers.")
    peer_sub = peer.add_subparsers(dest="peer_command", required=True, metavar="SUBCOMMAND")
    p = command(
        "add",
        cmd_peer_add,
        "pin a peer from its card",
        "Check a peer's card and pin its TLS certificate and signing key. With --fingerprint, refuse a "
        "card whose fingerprint differs from the digits the peer read to you.",
        peer_sub,
    )
    _add_home(p)
    p.add_argument("card_file", metavar="CARD_FILE", help="the peer's card (JSON), or - for standard input")
    p.add_argument("--fingerprint", metavar="DIGITS", help="the fingerprint the peer read aloud (30 digits)")
    p = command(
        "update",
        cmd_peer_update,
        "take a pinned peer's newer card (new endpoints, same keys)",
        "Replace a pinned peer's card with a newer one of the same station, e.g. listing a second server: "
        "refused unless the fingerprint (station, party, name and every key) is the pinned one.",
        peer_sub,
    )
    _add_home(p)
    p.add_argument("card_file", metavar="CARD_FILE", help="the peer's new card (JSON), or - for standard input")
    p = command("list", cmd_peer_list, "list pinned peers", "List pinned peers with their fingerprints.", peer_sub)
    _add_home(p)
    p.add_argument("--json", action="store_true", help="one JSON object per line")

    p = command(
        "serve",
        cmd_serve,
        "run the station (link to every peer) until SIGINT/SIGTERM",
        "Run the station in the foreground: listen, connect to peers, deliver queued messages and "
        "receive theirs. SIGINT or SIGTERM shuts down cleanly; undelivered messages stay queued.",
    )
    _add_home(p)
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    p.add_argument(
        "--accept-damaged-ledger",
        action="store_true",
        help="serve even if `detente ledger verify` finds the ledger damaged (recorded as an alarm in the ledger)",
    )
    p.add_argument(
        "--console",
        metavar="HOST:PORT",
        help='serve the operator console here (default: station.toml\'s console, 127.0.0.1:8470); "off" for none',
    )

    p = command(
        "send",
        cmd_send,
        "queue a message or a structured notification to a peer",
        "Validate, sign and store a message for a peer and print its id: free text with --text, or a "
        "notification of one of the kinds `detente kinds` lists with --kind KIND --file NOTICE.json. It is "
        "durable when this returns, whether or not serve is running or the peer reachable. An invalid "
        "notification is refused with every problem listed by field path, and nothing is queued. Advice "
        "about the border and a notice sent later than its kind's lead time are reported on stderr.",
    )
    _add_home(p)
    p.add_argument(
        "--to",
        required=True,
        metavar="PARTY",
        help="the peer's party code, e.g. SY; several on a line (SY,RU), or a line's name for the whole line",
    )
    p.add_argument("--line", metavar="NAME", help="send on this line (to the parties in --to)")
    content = p.add_mutually_exclusive_group(required=True)
    content.add_argument("--text", help="free text, in this station's language")
    content.add_argument("--file", metavar="NOTICE.json", help="the notification as JSON (- for standard input)")
    p.add_argument("--kind", help="the notification kind (default free-text)")
    p.add_argument(
        "--operator",
        metavar="NAME",
        help="the operator sending; a reply (e.g. a clarification-response) then also acknowledges, "
        "as this operator, the message it answers",
    )
    p.add_argument(
        "--precedence", choices=[x.value for x in Precedence], help="default: the kind's (routine for free text)"
    )

    for name, handler, what in (("outbox", cmd_outbox, "sent"), ("inbox", cmd_inbox, "received")):
        p = command(
            name,
            handler,
            f"list {what} messages and their state",
            f"List {what} messages, oldest first: precedence, kind, the other party and the state (queued, sent, "
            "delivered = the peer's signed receipt is stored, received, acknowledged by whom and when: as the "
            "console shows it), then the message rendered in the reader's language (free text in the sender's "
            "words, a machine translation beside it marked as such); acknowledgements show on what they "
            "acknowledge. --json prints every stored message, acknowledgements too, with the same members as ever.",
        )
        _add_home(p)
        p.add_argument("--json", action="store_true", help="one JSON object per line (the same members as ever)")
        p.add_argument(
            "--lang", choices=LANGUAGES, help="the reader's language (default: the station's language setting)"
        )
        if name == "inbox":
            p.add_argument("--follow", action="store_true", help="keep printing new messages until Ctrl-C")

    p = command(
        "status",
        cmd_status,
        "show the link to each peer",
        "Per peer: link up or down and since when, round-trip time, last heartbeat, estimated clock "
        "offset, the number of messages awaiting a receipt, and the ledger's alarms (how many, the latest). "
        "Apart from those machine signs of life, the watch: the last watch check sent and whether a person "
        "answered it, how long the peer's watch has not been answering, and the messages this station's people "
        "have not yet acknowledged, and who the peer reports on watch; then response times to a person's "
        "acknowledgement over the last shift, and the station's alarms. In the reader's language.",
    )
    _add_home(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--lang", choices=LANGUAGES, help="the reader's language (default: the station's language setting)")

    p = command(
        "demo",
        cmd_demo,
        "run two stations on this machine and exchange messages",
        "Create Ankara Operations Centre (TR) and Damascus Operations Centre (SY) in a scratch folder, "
        "pin each to the other, start both, exchange sample messages and narrate until Ctrl-C. "
        "With --check, verify delivery and exit.",
    )
    p.add_argument("--check", action="store_true", help="verify exactly-once delivery and receipts, then exit")
    p.add_argument("--dir", metavar="DIR", help="folder for the two stations (default: a new temporary folder)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds --check waits for delivery (default 60)")
    from . import (  # groups in own modules
        cli_alarms,
        cli_bench,
        cli_courier,
        cli_doctor,
        cli_ledger,
        cli_line,
        cli_notices,
        cli_relay,
        cli_store,
        cli_watch,
    )

    cli_alarms.register(sub)
    cli_doctor.register(sub)
    cli_bench.register(sub)
    cli_courier.register(sub)
    cli_ledger.register(sub)
    cli_line.register(sub)
    cli_notices.register(sub)
    cli_relay.register(sub)
    cli_store.register(sub)
    cli_watch.register(sub)
    return parser


def add_command(parent: Any, name: str, handler: Handler, help_text: str, description: str) -> argparse.ArgumentParser:
    """Add a subcommand whose ``handler`` runs with the parsed arguments (for command groups
    that live in their own modules, such as ``detente ledger``)."""
    parser: argparse.ArgumentParser = parent.add_parser(name, help=help_text, description=description)
    parser.set_defaults(handler=handler)
    return parser


def add_home(parser: argparse.ArgumentParser) -> None:
    """The ``--home DIR`` option every station command takes."""
    _add_home(parser)


def print_json(data: Any) -> None:
    """One JSON object on one line of standard output."""
    _print_json(data)


_DAMAGE_SIGNS = (ValueError, UnicodeError, KeyError, TypeError, IndexError, sqlite3.Error)
"""What reading a value no station could have written raises (bytes changed in the database)."""


def _damage(args: argparse.Namespace) -> str | None:
    """The one-line reason ``serve`` gives for the station database of ``args.home`` (the first
    damaged entry), or None when nothing there is damaged."""
    folder = getattr(args, "home", None)
    if not isinstance(folder, str) or not (Path(folder) / "station.toml").exists():
        return None
    from .ledger.verify import damage_found

    try:
        return damage_found(Home(Path(folder)))
    except DetenteError as exc:
        return str(exc)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except DetenteError as exc:
        print(f"detente: {exc}", file=sys.stderr)
        return 1
    except _DAMAGE_SIGNS:
        reason = _damage(args)
        if reason is None:
            raise  # not the database's fault: a bug, shown as one
        print(f"detente: {reason}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
