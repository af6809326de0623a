"""``detente relay …``: running a relay (a mediator's job) and pointing a station at one.

Run by the relay's operator: ``relay init``, ``relay card``, ``relay allow``, ``relay serve``,
``relay status``, and ``relay nats-stream`` for a NATS JetStream relay. Run by a station's
administrator: ``relay use`` (a relay card), ``relay use-nats``, ``relay list``, ``relay drop``.
Thin: the work is :mod:`detente.relay` and :mod:`detente.relays`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from pathlib import Path
from typing import Any

from .cli import add_command, add_home, print_json
from .errors import ConfigError, PeerError, StationError
from .home import Home, ServeLock
from .identity import parse_card
from .logs import configure_logging
from .relay.home import RelayHome, create_relay, parse_relay_card

__all__ = ["register"]


def _relay_home(args: argparse.Namespace) -> RelayHome:
    return RelayHome(Path(args.home))


def cmd_relay_init(args: argparse.Namespace) -> int:
    home = create_relay(Path(args.home), name=args.name, listen=args.listen, advertise=tuple(args.advertise or ()))
    card = home.card()
    print(f"relay {card.name} created in {args.home}")
    print(f"certificate sha256 {card.tls_certificate_sha256}")
    print("next: `detente relay allow` each station's card, give stations `detente relay card`, then `relay serve`")
    return 0


def cmd_relay_card(args: argparse.Namespace) -> int:
    print(json.dumps(_relay_home(args).card().to_json(), indent=2))
    return 0


def cmd_relay_allow(args: argparse.Namespace) -> int:
    home = _relay_home(args)
    home.settings()
    source = Path(args.card)
    try:
        card = parse_card(json.loads(source.read_text(encoding="utf-8")), str(source))
    except (OSError, ValueError) as exc:
        raise PeerError(f"cannot read station card {source}: {exc}") from None
    if card.sealing_key is None:
        raise PeerError(f"{source}: this card has no sealing key; print a current card with `detente card`")
    target = home.allow(card)
    print(f"relay {home.settings().name} now carries items to and from {card.party} ({card.station_id}): {target}")
    print("restart `detente relay serve` for it to take effect")
    return 0


def cmd_relay_serve(args: argparse.Namespace) -> int:
    from .relay.server import RelayServer
    from .transports.gate import raise_open_files_limit

    configure_logging(args.log_level)
    raise_open_files_limit("relay serve")
    home = _relay_home(args)
    listen = (args.listen,) if args.listen else None

    async def run() -> None:
        server = RelayServer.from_home(home, listen=listen)
        if not server.listen:
            raise ConfigError("the relay listens nowhere: set [relay] listen in relay.toml or pass --listen")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await server.run(stop)

    asyncio.run(run())
    return 0


def cmd_relay_status(args: argparse.Namespace) -> int:
    from .relay.queue import RelayQueue

    home = _relay_home(args)
    settings = home.settings()
    stations = home.stations()
    queue = RelayQueue(home.database_path, settings.quotas)
    try:
        held = queue.held([c.station_id for c in stations])
    finally:
        queue.close()
    rows = [
        {
            "party": card.party,
            "station": card.station_id,
            "waiting_for_it": h.items_waiting,
            "held_from_it": h.items_sent,
            "bytes_held_from_it": h.bytes_sent,
        }
        for card, h in zip(stations, held, strict=True)
    ]
    if args.json:
        print_json({"relay": settings.name, "quotas": vars(settings.quotas), "stations": rows})
        return 0
    quotas = settings.quotas
    print(f"relay {settings.name}: quota per station {quotas.max_items} items / {quotas.max_bytes} bytes")
    for row in rows:
        print(
            f"  {row['party']:<4} {row['station']:<24} waiting for it {row['waiting_for_it']:>6}   "
            f"held from it {row['held_from_it']:>6} ({row['bytes_held_from_it']} bytes)"
        )
    return 0


def cmd_relay_nats_stream(args: argparse.Namespace) -> int:
    from .transports.jetstream import check_url, create_stream

    check_url(args.url)
    try:
        asyncio.run(
            create_stream(
                args.url,
                stream=args.stream,
                prefix=args.prefix,
                max_bytes=args.max_bytes,
                max_msgs_per_subject=args.max_items,
            )
        )
    except Exception as exc:
        raise StationError(f"cannot create stream {args.stream} on the NATS server: {exc}") from None
    print(f"stream {args.stream} ready: subjects {args.prefix}.>, work queue, file storage, discard new when full")
    return 0


def cmd_relay_use(args: argparse.Namespace) -> int:
    from .relays import add_relay

    home = Home(Path(args.home))
    home.config  # noqa: B018  (a station directory, or a clear error)
    source = Path(args.card)
    try:
        card = parse_relay_card(json.loads(source.read_text(encoding="utf-8")), str(source))
    except (OSError, ValueError) as exc:
        raise PeerError(f"cannot read relay card {source}: {exc}") from None
    if args.sha256 and args.sha256.lower().replace(":", "") != card.tls_certificate_sha256:
        raise PeerError(
            f"{source}: the relay's certificate sha256 is {card.tls_certificate_sha256}, not the {args.sha256} "
            "you were given; do not use this relay until you have checked it with its operator"
        )
    target = add_relay(home.path, card)
    _used(home, f"relay:{card.name}", target)
    return 0


def cmd_relay_use_peer(args: argparse.Namespace) -> int:
    """Use the relay a pinned peer runs (a mediator's station), as its pinned card describes it."""
    from .peers import peer_by_party
    from .relay.home import RelayCard
    from .relays import add_relay

    home = Home(Path(args.home))
    store = home.open_store()
    try:
        peer = peer_by_party(store, args.party)
    finally:
        store.close()
    card = peer.card
    own = [r for r in card.get("relays", []) if isinstance(r, dict) and r.get("station") == peer.station_id]
    if not own:
        raise PeerError(
            f"{peer.party}'s pinned card lists no relay of its own; its station must set relay_listen, "
            "print its card again, and you take it with `detente peer update`"
        )
    entry = own[0]
    if entry.get("tls_sha256") != card.get("tls_certificate_sha256"):
        raise PeerError(f"{peer.party}'s card lists a relay with another certificate than the station's own")
    relay = RelayCard(
        str(entry["name"]),
        tuple(str(e) for e in entry.get("endpoints", [])),
        str(card["tls_certificate"]),
        str(card["tls_certificate_sha256"]),
    )
    target = add_relay(home.path, relay)
    _used(home, f"relay:{relay.name}", target)
    return 0


def cmd_relay_use_nats(args: argparse.Namespace) -> int:
    from .relays import NatsRelay, add_relay
    from .transports.jetstream import check_url

    home = Home(Path(args.home))
    home.config  # noqa: B018
    check_url(args.url)
    target = add_relay(home.path, NatsRelay(args.name, args.url, args.stream, args.prefix))
    _used(home, f"relay:{args.name}", target)
    return 0


def _used(home: Home, path: str, target: Path) -> None:
    print(f"path {path} added ({target})")
    print("print the card again (`detente card`) and send it to your peers, who run `detente peer update`;")
    print("restart `detente serve` for the station to use the new path")
    if ServeLock.holder(home):
        print("(a `detente serve` is running now)")


def cmd_relay_list(args: argparse.Namespace) -> int:
    from .relays import card_entries, load_relays

    home = Home(Path(args.home))
    entries = card_entries(load_relays(home.path))
    if args.json:
        print_json({"relays": entries})
        return 0
    if not entries:
        print("no relay: the direct link is this station's only network path")
    for entry in entries:
        where = ", ".join(entry.get("endpoints", [])) or f"{entry.get('nats')} stream {entry.get('stream')}"
        print(f"relay:{entry['name']}  {where}")
    return 0


def cmd_relay_drop(args: argparse.Namespace) -> int:
    from .relays import remove_relay

    home = Home(Path(args.home))
    remove_relay(home.path, args.name)
    print(f"path relay:{args.name} removed; print and send the card again, and restart `detente serve`")
    return 0


def register(sub: Any) -> None:
    relay = add_command(
        sub,
        "relay",
        cmd_relay_list,
        "run a relay, or make a station use one (another path to every peer)",
        "A relay is a store-and-forward service run by a third party (a mediator, the UN) that both stations "
        "reach; it carries sealed link sessions it cannot read, forge or alter. A NATS JetStream stream can "
        "serve as one too.",
    )
    group = relay.add_subparsers(dest="relay_command", required=True, metavar="SUBCOMMAND")
    p = add_command(group, "init", cmd_relay_init, "create a relay directory", "Create a relay: keys and settings.")
    p.add_argument("--home", required=True, metavar="DIR", help="the relay's directory")
    p.add_argument("--name", required=True, help="the relay's name, e.g. un (paths to it are called relay:NAME)")
    p.add_argument("--listen", required=True, metavar="HOST:PORT", help="where stations connect")
    p.add_argument("--advertise", action="append", metavar="tls://HOST:PORT", help="endpoint for the card")
    p = add_command(group, "card", cmd_relay_card, "print the relay card", "Print the card stations use.")
    p.add_argument("--home", required=True, metavar="DIR", help="the relay's directory")
    p = add_command(group, "allow", cmd_relay_allow, "serve a station", "Pin a station's card: the relay serves it.")
    p.add_argument("--home", required=True, metavar="DIR", help="the relay's directory")
    p.add_argument("card", metavar="CARD", help="the station's card file")
    p = add_command(
        group,
        "serve",
        cmd_relay_serve,
        "run the relay",
        "Accept the pinned stations, keep what each sends until its recipient takes it (across restarts), "
        "within each station's quota.",
    )
    p.add_argument("--home", required=True, metavar="DIR", help="the relay's directory")
    p.add_argument("--listen", metavar="HOST:PORT", help="listen here instead of relay.toml's addresses")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    p = add_command(group, "status", cmd_relay_status, "what the relay holds", "Items held per station.")
    p.add_argument("--home", required=True, metavar="DIR", help="the relay's directory")
    p.add_argument("--json", action="store_true", help="one JSON object")
    p = add_command(
        group,
        "nats-stream",
        cmd_relay_nats_stream,
        "create the JetStream stream a NATS relay uses",
        "Create (or update) a file-backed work-queue stream on a NATS server, with per-route limits.",
    )
    p.add_argument("--url", required=True, help="nats://[user:password@]host:port")
    p.add_argument("--stream", default="DETENTE")
    p.add_argument("--prefix", default="detente", help="subject prefix")
    p.add_argument("--max-bytes", type=int, default=1024 * 1024 * 1024, help="the whole stream's limit")
    p.add_argument("--max-items", type=int, default=100_000, help="items held from one station to another")
    p = add_command(group, "use", cmd_relay_use, "use a relay (its card) as a path to every peer", "Add a relay path.")
    add_home(p)
    p.add_argument("card", metavar="RELAY_CARD", help="the relay's card (from `detente relay card`)")
    p.add_argument("--sha256", help="the certificate sha256 the relay's operator gave you, to check")
    p = add_command(
        group,
        "use-peer",
        cmd_relay_use_peer,
        "use the relay a pinned peer runs (a mediator's station)",
        "Add a path through the relay that a pinned peer's station runs for its peers (its relay_listen), "
        "as the peer's pinned card describes it: no other card to exchange.",
    )
    add_home(p)
    p.add_argument("--party", required=True, help="the peer that runs the relay, e.g. RU")
    p = add_command(
        group, "use-nats", cmd_relay_use_nats, "use a NATS JetStream stream as a relay", "Add a NATS relay path."
    )
    add_home(p)
    p.add_argument("--name", required=True, help="the path is called relay:NAME")
    p.add_argument("--url", required=True, help="nats://[user:password@]host:port (kept in a 0600 file)")
    p.add_argument("--stream", default="DETENTE")
    p.add_argument("--prefix", default="detente", help="subject prefix")
    p = add_command(group, "list", cmd_relay_list, "the station's relays", "List the relays this station uses.")
    add_home(p)
    p.add_argument("--json", action="store_true", help="one JSON object")
    p = add_command(group, "drop", cmd_relay_drop, "stop using a relay", "Remove a relay path.")
    add_home(p)
    p.add_argument("name", help="the relay's name")
