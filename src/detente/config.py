"""station.toml: what a station is and how its link behaves.

The file is written once by ``detente init`` and read by every command. Unknown keys and
wrong types are refused with the key's name, so a typo cannot silently fall back to a default.
"""

from __future__ import annotations

import ipaddress
import math
import re
import tomllib
import zoneinfo
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, TypeVar

from .errors import ConfigError
from .protocol.frames import DEFAULT_MAX_FRAME
from .protocol.link import LinkConfig

__all__ = [
    "LANGUAGES",
    "MACHINE_TRANSLATION",
    "SECTIONS",
    "Bounds",
    "bounded",
    "bounds_of",
    "check_bounds",
    "checked_number",
    "ConsoleSettings",
    "CourierSettings",
    "DeadlineSettings",
    "LedgerSettings",
    "LinkSettings",
    "ListenerLimits",
    "MetricsSettings",
    "NotificationSettings",
    "StationConfig",
    "WatchSettings",
    "format_address",
    "load_config",
    "parse_address",
    "parse_listener_limits",
    "toml_string",
    "render_config",
    "set_station_setting",
    "validate_config",
]

LANGUAGES = ("tr", "ar", "en", "ru")
_PARTY = re.compile(r"^[A-Z]{2,3}$")
_DIAL = ("auto", "always", "never")
MACHINE_TRANSLATION = ("none", "argos")
"""The machine-translation backends a station can choose: none, or Argos Translate."""

_MONTH = 30 * 86400.0
_Number = TypeVar("_Number", int, float)


@dataclass(frozen=True)
class Bounds:
    """The range a numeric setting must lie in, both ends included, and the unit it is counted in."""

    low: float
    high: float
    unit: str

    def __str__(self) -> str:
        return f"from {_figure(self.low)} to {_figure(self.high)} {self.unit}"


def _figure(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def bounded(default: _Number, low: float, high: float, unit: str) -> _Number:
    """A numeric setting's default with its range, declared together: ``window: int = bounded(256, 1, 65536,
    "messages")``. A value outside the range (NaN and the infinities included) is refused by name."""
    if not low <= default <= high:
        raise ValueError(f"default {default} is outside its own range {low}..{high}")
    value: _Number = field(default=default, metadata={"bounds": Bounds(low, high, unit)})
    return value


def bounds_of(settings: type[Any], name: str) -> Bounds | None:
    """The declared range of the setting ``name`` of a settings dataclass (None when it has none)."""
    for item in fields(settings):
        if item.name == name:
            bounds = item.metadata.get("bounds")
            return bounds if isinstance(bounds, Bounds) else None
    return None


def check_bounds(settings: Any, table: str, where: str) -> None:
    """Refuse, with ConfigError, a numeric setting of the dataclass instance ``settings`` (the table
    ``table`` of a file ``where``) that is NaN, infinite, not an integer where it must be, or outside its
    declared range; the error names the setting, the value, the range and what to do."""
    if not is_dataclass(settings):
        raise TypeError(f"{settings!r} is not a settings dataclass")
    for item in fields(settings):
        bounds = item.metadata.get("bounds")
        if isinstance(bounds, Bounds):
            value = getattr(settings, item.name)
            if not _allowed(value, bounds, isinstance(item.default, int)):
                raise _refused(where, f"{table}.{item.name}", value, bounds, item.default)


def checked_number(value: object, bounds: Bounds, default: int | float, *, where: str, name: str) -> float:
    """``value`` of the setting ``name`` (in the file ``where``) if it is a number of the default's
    kind within ``bounds``; ConfigError naming the setting, the value and the range otherwise (for
    tables read outside station.toml, such as relay.toml's quotas)."""
    if not _allowed(value, bounds, isinstance(default, int)) or not isinstance(value, int | float):
        raise _refused(where, name, value, bounds, default)
    return value


def _allowed(value: object, bounds: Bounds, integer: bool) -> bool:
    return (
        not isinstance(value, bool)
        and isinstance(value, int if integer else (int, float))
        and (isinstance(value, int) or math.isfinite(value))
        and bounds.low <= value <= bounds.high
    )


def _refused(where: str, name: str, value: object, bounds: Bounds, default: object) -> ConfigError:
    kind = "an integer" if isinstance(default, int) else "a number"
    return ConfigError(
        f"{where}: {name} = {value!r} is not allowed: it must be {kind} {bounds}; "
        f"set it within that range, or remove the line to use the default ({default!r})"
    )


def parse_address(text: str, what: str = "address") -> tuple[str, int]:
    """``HOST:PORT`` or ``[IPv6]:PORT`` to (host, port); ConfigError naming ``what`` otherwise."""
    match = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\]:(\d{1,5})|([^:\[\]\s]+):(\d{1,5})", text.strip())
    if not match:
        raise ConfigError(f"{what} {text!r} is not HOST:PORT (use [::1]:PORT for IPv6)")
    host = match.group(1) or match.group(3)
    port = int(match.group(2) or match.group(4))
    if not 1 <= port <= 65535:
        raise ConfigError(f"{what} {text!r}: port {port} is not between 1 and 65535")
    return host, port


def format_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@dataclass(frozen=True)
class LinkSettings:
    """The ``[link]`` table: timers and limits of the link to every peer."""

    heartbeat_interval: float = bounded(1.0, 0.05, 60.0, "seconds")
    """Seconds between heartbeats on each connection."""
    dead_after: float = bounded(3.0, 0.1, 600.0, "seconds")
    """Seconds of silence after which the link is declared lost."""
    window: int = bounded(256, 1, 65536, "messages")
    """Most messages in flight to a peer without a receipt."""
    max_frame_bytes: int = bounded(DEFAULT_MAX_FRAME, 4096, 64 * 1024 * 1024, "bytes")
    """Largest frame accepted from a peer; also the largest message that can be queued."""
    reconnect_max: float = bounded(5.0, 0.25, 3600.0, "seconds")
    """Longest wait between two connection attempts."""
    dial: str = "auto"
    """Who connects: "auto" (the station with the lower station id), "always" or "never"."""
    failover_after: float = bounded(2.0, 0.1, 600.0, "seconds")
    """Seconds of silence on the path carrying the link after which it moves to another live path."""
    prefer: tuple[str, ...] = ()
    """Paths in order of preference ("direct", "relay:NAME"); those not named follow: the direct
    link, then the relays by name."""

    def link_config(self, local: str, peer: str, paths: tuple[str, ...] = ("direct",)) -> LinkConfig:
        dial = self.dial == "always" or (self.dial == "auto" and local < peer)
        preferred = tuple(p for p in self.prefer if p in paths)
        return LinkConfig(
            heartbeat_interval=self.heartbeat_interval,
            dead_after=self.dead_after,
            window=self.window,
            max_frame=self.max_frame_bytes,
            reconnect_max=self.reconnect_max,
            dial=dial,
            failover_after=self.failover_after,
            paths=preferred + tuple(p for p in paths if p not in preferred),
        )


@dataclass(frozen=True)
class ListenerLimits:
    """The ``[listeners]`` table (in station.toml and relay.toml): limits on connections that
    have not authenticated yet, on every listener (the link, the relay, the console). A
    connection over a limit is closed as soon as it is accepted, before any TLS work."""

    handshake_timeout: float = bounded(5.0, 0.5, 60.0, "seconds")
    """Seconds a connection has to finish its TLS handshake (the console: to send its first
    request) before it is closed."""
    max_pending_handshakes: int = bounded(256, 1, 65536, "connections")
    """Connections at most on one listener that have not finished their handshake; an eighth of
    them is kept for the addresses pinned peers connect from."""
    max_pending_per_source: int = bounded(8, 1, 65536, "connections")
    """Of those, at most this many from one address (a value above ``max_pending_handshakes``
    leaves that total as the only limit)."""
    reserved_descriptors: int = bounded(64, 0, 65536, "open files")
    """Open files kept free for pinned peers, the console and the store: with fewer left, new
    connections from unknown addresses are refused."""


def parse_listener_limits(table: dict[str, Any], where: str) -> ListenerLimits:
    """A ``[listeners]`` table, each value checked against its range; ``where`` names the file."""
    unknown = set(table) - set(ListenerLimits.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) in [listeners]: {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for item in fields(ListenerLimits):
        bounds = item.metadata["bounds"]
        value = table.get(item.name, item.default)
        if not _allowed(value, bounds, isinstance(item.default, int)):
            raise _refused(where, f"listeners.{item.name}", value, bounds, item.default)
        values[item.name] = value
    limits = ListenerLimits(**values)
    return limits


@dataclass(frozen=True)
class LedgerSettings:
    """The ``[ledger]`` table: when the station signs checkpoints of its log of each line."""

    checkpoint_entries: int = bounded(512, 1, 1_000_000, "entries")
    """Sign a checkpoint as soon as this many log entries are not yet co-signed by the peer
    (on a busy line; on a quiet one ``checkpoint_seconds`` decides). Each checkpoint costs two
    signatures of each scheme and a check of every entry it reveals, so a smaller number buys
    nothing ``checkpoint_seconds`` does not already bound, at a cost in throughput."""
    checkpoint_seconds: float = bounded(2.0, 0.05, 3600.0, "seconds")
    """...or as soon as the oldest entry not yet co-signed is this many seconds old."""
    cosign_timeout: float = bounded(10.0, 0.5, 86400.0, "seconds")
    """Send a newer checkpoint if the peer has not co-signed the last one within this many seconds."""


@dataclass(frozen=True)
class DeadlineSettings:
    """The ``[deadlines]`` table (and ``[deadlines.lines.<PARTY>]`` for one line): seconds a
    person has to acknowledge a message, by precedence."""

    flash: float = bounded(120.0, 1.0, _MONTH, "seconds")
    """FLASH: two minutes."""
    immediate: float = bounded(600.0, 1.0, _MONTH, "seconds")
    """IMMEDIATE: ten minutes."""
    priority: float = bounded(3600.0, 1.0, _MONTH, "seconds")
    """PRIORITY: an hour."""
    routine: float = bounded(21600.0, 1.0, _MONTH, "seconds")
    """ROUTINE: six hours."""


@dataclass(frozen=True)
class WatchSettings:
    """The ``[watch]`` table: watch checks and who is told when nobody answers."""

    check_interval: float = bounded(3600.0, 1.0, 7 * 86400.0, "seconds")
    """Seconds between the watch checks this station sends on each line (hourly, like the
    Moscow–Washington line)."""
    check_ack: float = bounded(300.0, 1.0, 86400.0, "seconds")
    """Seconds a person at the other end has to acknowledge a watch check."""
    notify: tuple[str, ...] = ()
    """Apprise URLs of this station's supervisors (mailto://…, SMS gateways, chat), told when a
    message they must answer goes unacknowledged past its deadline."""
    notify_peer_overdue: bool = True
    """Also tell them when the peer has not acknowledged one of this station's messages in time."""
    clock_offset_alarm: float = bounded(2.0, 0.01, 3600.0, "seconds")
    """Raise a ``clock-offset`` alarm while a peer's clock is more than this many seconds from
    this station's (as measured by the link's heartbeats)."""
    report_on_watch: bool = True
    """Tell each peer, as signed ``watch-roster`` messages, who is on watch here (the names and
    roles of the operators logged in to the console, and since when); ``false`` keeps the names
    to this station (the peer's console then says nobody was reported, never "nobody on watch")."""


@dataclass(frozen=True)
class NotificationSettings:
    """The ``[notifications]`` table: how structured notifications are checked and shown here."""

    border_advice_km: float = bounded(10.0, 0.1, 500.0, "km")
    """On compose, report an area that lies within this many kilometres of the other party's
    border (geodesic distance). Advice to the sender, never a refusal."""
    time_zone: str = ""
    """The operations centre's time zone (an IANA name such as ``Europe/Istanbul``): the console
    and ``detente render`` show times in it as well as in UTC. Empty: UTC only."""
    machine_translation: str = "none"
    """Machine translation of free text, always marked as such and shown beside the original:
    "none", or "argos" (Argos Translate with its language packages, installed on the server)."""


@dataclass(frozen=True)
class CourierSettings:
    """The ``[courier]`` table: the files carried by hand when no network path works."""

    max_file_bytes: int = bounded(64 << 20, 1 << 16, 1 << 32, "bytes")
    """Largest courier file ``detente courier import`` reads (64 MiB): a larger one is refused,
    before a byte of it is read, naming its size and this limit. From 65,536 bytes (64 KiB) to
    4,294,967,296 (4 GiB)."""


@dataclass(frozen=True)
class ConsoleSettings:
    """The ``[console]`` table: who the console believes about where a request came from, and
    under which names it may be reached."""

    trusted_proxies: tuple[str, ...] = ()
    """Addresses or networks (``10.0.0.5``, ``10.0.0.0/24``, ``::1``) of the reverse proxies in
    front of the console: only a request from one of them has its ``X-Forwarded-For`` believed,
    as the client's address for login throttling and the journal. Empty: the header is ignored."""
    names: tuple[str, ...] = ()
    """Host names under which people reach the console (``console.ankara.example``), besides its
    bind address (and ``localhost``/``127.0.0.1`` when it listens on loopback). A request naming
    any other ``Host`` is refused (421), which stops DNS-rebinding pages in an operator's browser."""


@dataclass(frozen=True)
class MetricsSettings:
    """The ``[metrics]`` table: the listener for Prometheus and load balancers, apart from the
    console and the link."""

    listen: str = ""
    """Where ``serve`` serves ``/metrics`` (Prometheus text format), ``/healthz`` and ``/readyz``
    (HOST:PORT; empty, the default: nowhere). On a loopback address anyone on the machine may
    read them; on any other address ``token_file`` is required."""
    token_file: str = ""
    """A file (relative to the station folder) holding the bearer token a scraper must send
    (``Authorization: Bearer …``); required when ``listen`` is not a loopback address. Keep it
    readable by the station's user alone."""


@dataclass(frozen=True)
class StationConfig:
    """The ``[station]`` table."""

    name: str
    """Human name of the station, e.g. "Ankara Operations Centre"."""
    party: str
    """Code of the party the station speaks for: two or three capital letters (TR, SY, UN)."""
    station_id: str
    """Identifier generated at init; peers pin it."""
    language: str = "en"
    """Language the station's operators read: tr, ar, en or ru."""
    listen: tuple[str, ...] = ()
    """Addresses (HOST:PORT) the link listens on."""
    advertise: tuple[str, ...] = ()
    """Endpoints written into the station card; defaults to ``listen``."""
    database: str = "detente.db"
    """The SQLite database file, relative to the station folder."""
    store: str = ""
    """A PostgreSQL URL (``postgresql://user@host/db``) to keep the station's state there instead
    of in ``database``: what lets two servers run one station, one active, the other standing by."""
    server: str = ""
    """This server's name among the station's servers (default: the machine's host name)."""
    console: str = "127.0.0.1:8470"
    """Where ``serve`` serves the operator console (HOST:PORT; empty: no console). Loopback by
    default: put a TLS-terminating reverse proxy in front to reach it from other machines."""
    relay_listen: str = ""
    """Where ``serve`` also runs a relay for its pinned peers (HOST:PORT; empty: none): a
    mediator's station relays sealed sessions between parties that have no direct path."""
    relay_advertise: str = ""
    """The relay's endpoint published in the station card (``relay_listen`` if empty)."""
    link: LinkSettings = field(default_factory=LinkSettings)
    """Link timers and limits."""
    ledger: LedgerSettings = field(default_factory=LedgerSettings)
    """Checkpoint policy."""
    deadlines: DeadlineSettings = field(default_factory=DeadlineSettings)
    """Acknowledgement deadlines by precedence."""
    line_deadlines: dict[str, DeadlineSettings] = field(default_factory=dict)
    """Per-line deadlines, by the peer's party code."""
    watch: WatchSettings = field(default_factory=WatchSettings)
    """Watch checks and escalation."""
    notifications: NotificationSettings = field(default_factory=NotificationSettings)
    """Border advice, the local time zone and machine translation of notifications."""
    console_access: ConsoleSettings = field(default_factory=ConsoleSettings)
    """The ``[console]`` table: trusted reverse proxies and the console's host names."""
    contacts: dict[str, str] = field(default_factory=dict)
    """The ``[contacts]`` table: by the peer's party code, how to reach the other side's watch
    when the line is down (a telephone number, a radio channel, a mediator's number), shown in
    the ``line-down`` alarm."""
    courier: CourierSettings = field(default_factory=CourierSettings)
    """The size limit of courier files."""
    listeners: ListenerLimits = field(default_factory=ListenerLimits)
    """Limits on connections not yet authenticated."""
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    """The ``[metrics]`` table: where Prometheus scrapes and load balancers ask for health."""

    def deadlines_for(self, party: str) -> DeadlineSettings:
        return self.line_deadlines.get(party, self.deadlines)

    @property
    def endpoints(self) -> tuple[str, ...]:
        return self.advertise or self.listen


def toml_string(text: str) -> str:
    """A TOML basic string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_config(config: StationConfig) -> str:
    """The station.toml text for ``config``, with comments for the administrator."""

    def strings(items: tuple[str, ...]) -> str:
        return "[" + ", ".join(toml_string(i) for i in items) + "]"

    link = config.link
    contacts = "".join(f"{party} = {toml_string(text)}\n" for party, text in sorted(config.contacts.items()))
    return f"""# détente station. Written by `detente init`; see docs/operations.md for every setting.

[station]
name = {toml_string(config.name)}
party = {toml_string(config.party)}
station_id = {toml_string(config.station_id)}
language = {toml_string(config.language)}          # tr, ar, en or ru
listen = {strings(config.listen)}
advertise = {strings(config.endpoints)}      # endpoints published in the station card
database = {toml_string(config.database)}
store = {toml_string(config.store)}                   # "postgresql://…" to use PostgreSQL instead of database
server = {toml_string(config.server)}                  # this server's name when several serve the station
console = {toml_string(config.console)}          # the operator console (HOST:PORT, "" for none)
relay_listen = {toml_string(config.relay_listen)}            # HOST:PORT to relay for the pinned peers (a mediator)
relay_advertise = {toml_string(config.relay_advertise)}         # the relay address for the card (or relay_listen)

[link]
heartbeat_interval = {link.heartbeat_interval}   # seconds between heartbeats
dead_after = {link.dead_after}           # seconds of silence before the link is declared lost
window = {link.window}                 # messages in flight without a receipt
max_frame_bytes = {link.max_frame_bytes}
reconnect_max = {link.reconnect_max}        # longest wait between connection attempts
dial = {toml_string(link.dial)}                 # auto (lower station id connects), always, never
failover_after = {link.failover_after}       # seconds of silence before the link moves to another live path
prefer = [{", ".join(toml_string(p) for p in link.prefer)}]   # paths by preference: "direct", "relay:NAME"

[ledger]
checkpoint_entries = {config.ledger.checkpoint_entries}      # checkpoint once this many entries await a cosignature
checkpoint_seconds = {config.ledger.checkpoint_seconds}     # ...or once the oldest has waited this long
cosign_timeout = {config.ledger.cosign_timeout}        # send a newer checkpoint if no cosignature came in this time

[deadlines]                   # seconds a person has to acknowledge a message, by precedence
flash = {config.deadlines.flash}
immediate = {config.deadlines.immediate}
priority = {config.deadlines.priority}
routine = {config.deadlines.routine}
# [deadlines.lines.SY]        # optional, for one line: any of the four above
# flash = 90.0

[watch]
check_interval = {config.watch.check_interval}      # seconds between watch checks sent on each line
check_ack = {config.watch.check_ack}            # seconds the other side has to acknowledge one
notify = {strings(config.watch.notify)}        # Apprise URLs of supervisors, e.g. "mailtos://mail.example?to=duty@example"
notify_peer_overdue = {"true" if config.watch.notify_peer_overdue else "false"}  # also when the peer answers late
report_on_watch = {"true" if config.watch.report_on_watch else "false"}   # tell the peer who is on watch here
clock_offset_alarm = {config.watch.clock_offset_alarm}     # alarm while a peer's clock is further off than this (s)

[contacts]                    # how to reach each peer's watch when the line is down, by party
{contacts}# SY = "+963 11 000 0000 (duty officer), or via the mediator +41 22 000 0000"

[notifications]
border_advice_km = {config.notifications.border_advice_km}   # advise on areas this close to the other side's border
time_zone = {toml_string(config.notifications.time_zone)}           # times also in this zone, e.g. "Europe/Istanbul"
machine_translation = {toml_string(config.notifications.machine_translation)}  # of free text: "none" or "argos"

[console]
trusted_proxies = {strings(config.console_access.trusted_proxies)}   # reverse proxies whose X-Forwarded-For counts
names = {strings(config.console_access.names)}             # host names of the console besides its bind address
[courier]
max_file_bytes = {config.courier.max_file_bytes}    # largest courier file imported (64 KiB to 4 GiB)
[listeners]                   # connections not yet authenticated, on the link, relay and console listeners
handshake_timeout = {config.listeners.handshake_timeout}      # seconds to finish the TLS handshake
max_pending_handshakes = {config.listeners.max_pending_handshakes}  # such connections at most, in all
max_pending_per_source = {config.listeners.max_pending_per_source}    # ...and from one address
reserved_descriptors = {config.listeners.reserved_descriptors}     # open files kept for pinned peers and the console
[metrics]                     # /metrics (Prometheus), /healthz and /readyz on a listener of their own
listen = {toml_string(config.metrics.listen)}                   # HOST:PORT, e.g. "127.0.0.1:9470"; empty: none
token_file = {toml_string(config.metrics.token_file)}               # bearer token file, required off loopback
"""


def load_config(path: Path) -> StationConfig:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path} does not exist; create a station with `detente init`") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} cannot be read: {exc}") from None
    unknown = set(raw) - {
        "station",
        "link",
        "ledger",
        "deadlines",
        "watch",
        "notifications",
        "console",
        "contacts",
        "courier",
        "listeners",
        "metrics",
    }
    if unknown:
        raise ConfigError(f"{path}: unknown table(s) {', '.join(sorted(unknown))}")
    station = _table(raw, "station", path)
    link = _table(raw, "link", path, required=False)
    settings = LinkSettings(
        heartbeat_interval=_number(link, "heartbeat_interval", LinkSettings.heartbeat_interval, path),
        dead_after=_number(link, "dead_after", LinkSettings.dead_after, path),
        window=int(_number(link, "window", LinkSettings.window, path, integer=True)),
        max_frame_bytes=int(_number(link, "max_frame_bytes", LinkSettings.max_frame_bytes, path, integer=True)),
        reconnect_max=_number(link, "reconnect_max", LinkSettings.reconnect_max, path),
        dial=_string(link, "dial", path, LinkSettings.dial),
        failover_after=_number(link, "failover_after", LinkSettings.failover_after, path),
        prefer=_strings(link, "prefer", path),
    )
    _no_unknown(link, LinkSettings.__dataclass_fields__, "link", path)
    ledger_table = _table(raw, "ledger", path, required=False)
    ledger = LedgerSettings(
        checkpoint_entries=int(
            _number(
                ledger_table,
                "checkpoint_entries",
                LedgerSettings.checkpoint_entries,
                path,
                integer=True,
                where="ledger",
            )
        ),
        checkpoint_seconds=_number(
            ledger_table, "checkpoint_seconds", LedgerSettings.checkpoint_seconds, path, where="ledger"
        ),
        cosign_timeout=_number(ledger_table, "cosign_timeout", LedgerSettings.cosign_timeout, path, where="ledger"),
    )
    _no_unknown(ledger_table, LedgerSettings.__dataclass_fields__, "ledger", path)
    _no_unknown(
        station,
        {
            "name",
            "party",
            "station_id",
            "language",
            "listen",
            "advertise",
            "database",
            "store",
            "server",
            "console",
            "relay_listen",
            "relay_advertise",
        },
        "station",
        path,
    )
    deadlines_table = _table(raw, "deadlines", path, required=False)
    deadlines = _deadlines(deadlines_table, DeadlineSettings(), path, "deadlines")
    lines = deadlines_table.get("lines", {})
    if not isinstance(lines, dict):
        raise ConfigError(f"{path}: deadlines.lines must be a table of per-line tables, e.g. [deadlines.lines.SY]")
    line_deadlines = {
        str(party).upper(): _deadlines(_table(lines, str(party), path), deadlines, path, f"deadlines.lines.{party}")
        for party in lines
    }
    _no_unknown(deadlines_table, set(DeadlineSettings.__dataclass_fields__) | {"lines"}, "deadlines", path)
    watch_table = _table(raw, "watch", path, required=False)
    notify_peer_overdue = watch_table.get("notify_peer_overdue", True)
    if not isinstance(notify_peer_overdue, bool):
        raise ConfigError(f"{path}: watch.notify_peer_overdue must be true or false")
    report_on_watch = watch_table.get("report_on_watch", True)
    if not isinstance(report_on_watch, bool):
        raise ConfigError(f"{path}: watch.report_on_watch must be true or false")
    watch = WatchSettings(
        check_interval=_number(watch_table, "check_interval", WatchSettings.check_interval, path, where="watch"),
        check_ack=_number(watch_table, "check_ack", WatchSettings.check_ack, path, where="watch"),
        notify=_strings(watch_table, "notify", path),
        notify_peer_overdue=notify_peer_overdue,
        report_on_watch=report_on_watch,
        clock_offset_alarm=_number(
            watch_table, "clock_offset_alarm", WatchSettings.clock_offset_alarm, path, where="watch"
        ),
    )
    _no_unknown(watch_table, WatchSettings.__dataclass_fields__, "watch", path)
    notifications_table = _table(raw, "notifications", path, required=False)
    notifications = NotificationSettings(
        border_advice_km=_number(
            notifications_table,
            "border_advice_km",
            NotificationSettings.border_advice_km,
            path,
            where="notifications",
        ),
        time_zone=_string(notifications_table, "time_zone", path, NotificationSettings.time_zone),
        machine_translation=_string(
            notifications_table, "machine_translation", path, NotificationSettings.machine_translation
        ),
    )
    _no_unknown(notifications_table, NotificationSettings.__dataclass_fields__, "notifications", path)
    console_table = _table(raw, "console", path, required=False)
    console_access = ConsoleSettings(
        trusted_proxies=_strings(console_table, "trusted_proxies", path),
        names=_strings(console_table, "names", path),
    )
    _no_unknown(console_table, ConsoleSettings.__dataclass_fields__, "console", path)
    contacts_table = _table(raw, "contacts", path, required=False)
    contacts = {str(party).upper(): _string(contacts_table, party, path) for party in contacts_table}
    courier_table = _table(raw, "courier", path, required=False)
    courier = CourierSettings(
        max_file_bytes=int(
            _number(
                courier_table, "max_file_bytes", CourierSettings.max_file_bytes, path, integer=True, where="courier"
            )
        )
    )
    _no_unknown(courier_table, CourierSettings.__dataclass_fields__, "courier", path)
    metrics_table = _table(raw, "metrics", path, required=False)
    metrics = MetricsSettings(
        listen=_string(metrics_table, "listen", path, ""), token_file=_string(metrics_table, "token_file", path, "")
    )
    _no_unknown(metrics_table, MetricsSettings.__dataclass_fields__, "metrics", path)
    config = StationConfig(
        name=_string(station, "name", path),
        party=_string(station, "party", path),
        station_id=_string(station, "station_id", path),
        language=_string(station, "language", path, "en"),
        listen=_strings(station, "listen", path),
        advertise=_strings(station, "advertise", path),
        database=_string(station, "database", path, "detente.db"),
        store=_string(station, "store", path, ""),
        server=_string(station, "server", path, ""),
        console=_string(station, "console", path, StationConfig.console),
        relay_listen=_string(station, "relay_listen", path, ""),
        relay_advertise=_string(station, "relay_advertise", path, ""),
        link=settings,
        ledger=ledger,
        deadlines=deadlines,
        line_deadlines=line_deadlines,
        watch=watch,
        notifications=notifications,
        console_access=console_access,
        contacts=contacts,
        courier=courier,
        listeners=parse_listener_limits(_table(raw, "listeners", path, required=False), str(path)),
        metrics=metrics,
    )
    validate_config(config, str(path))
    return config


SECTIONS: dict[str, type[Any]] = {
    "link": LinkSettings,
    "ledger": LedgerSettings,
    "deadlines": DeadlineSettings,
    "watch": WatchSettings,
    "notifications": NotificationSettings,
    "courier": CourierSettings,
    "listeners": ListenerLimits,
    "metrics": MetricsSettings,
}
"""The tables of station.toml read into settings dataclasses, by name (``[deadlines.lines.<PARTY>]`` are
``DeadlineSettings`` too); every numeric field of each is declared with ``bounded``."""


def validate_config(config: StationConfig, where: str) -> None:
    for table in SECTIONS:
        check_bounds(getattr(config, table), table, where)
    for party, deadlines in config.line_deadlines.items():
        check_bounds(deadlines, f"deadlines.lines.{party}", where)
    if not config.name.strip() or len(config.name) > 120:
        raise ConfigError(f"{where}: station name must be 1 to 120 characters")
    if not _PARTY.fullmatch(config.party):
        raise ConfigError(f"{where}: party {config.party!r} must be two or three capital letters, e.g. TR")
    if config.language not in LANGUAGES:
        raise ConfigError(f"{where}: language {config.language!r} must be one of {', '.join(LANGUAGES)}")
    for address in config.listen + config.advertise:
        parse_address(address, f"{where}: address")
    if config.console:
        parse_address(config.console, f"{where}: console")
    for relay in (config.relay_listen, config.relay_advertise):
        if relay:
            parse_address(relay, f"{where}: relay address")
    if config.store and not config.store.startswith(("postgresql://", "postgres://")):
        raise ConfigError(f"{where}: store must be a PostgreSQL URL (postgresql://user@host:5432/dbname) or empty")
    for name in config.link.prefer:
        if name != "direct" and not re.fullmatch(r"relay:[A-Za-z0-9_-]{1,40}", name):
            raise ConfigError(f'{where}: link.prefer names {name!r}; paths are "direct" and "relay:NAME"')
    if config.link.dial not in _DIAL:
        raise ConfigError(f"{where}: link.dial {config.link.dial!r} must be one of {', '.join(_DIAL)}")
    try:
        config.link.link_config("a", "b")
    except ValueError as exc:
        raise ConfigError(f"{where}: [link] {exc}") from None
    _validate_notifications(config.notifications, where)
    _validate_console(config.console_access, where)
    _validate_metrics(config.metrics, where)


def _validate_metrics(settings: MetricsSettings, where: str) -> None:
    if not settings.listen:
        return
    host, _ = parse_address(settings.listen, f"{where}: metrics.listen")
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback and not settings.token_file:
        raise ConfigError(
            f"{where}: metrics.listen {settings.listen!r} is not a loopback address, and no metrics.token_file "
            "is set: set token_file to a file holding the bearer token scrapers must send, or listen on 127.0.0.1"
        )


def _validate_notifications(settings: NotificationSettings, where: str) -> None:
    if settings.time_zone:
        try:
            zoneinfo.ZoneInfo(settings.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            raise ConfigError(
                f"{where}: notifications.time_zone {settings.time_zone!r} is not an IANA time zone such as "
                "Europe/Istanbul or Asia/Damascus"
            ) from None
    if settings.machine_translation not in MACHINE_TRANSLATION:
        raise ConfigError(
            f"{where}: notifications.machine_translation {settings.machine_translation!r} must be one of "
            f"{', '.join(MACHINE_TRANSLATION)}"
        )


_HOST_NAME = re.compile(
    r"(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
)


def _validate_console(settings: ConsoleSettings, where: str) -> None:
    for proxy in settings.trusted_proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ConfigError(
                f"{where}: console.trusted_proxies names {proxy!r}, which is not an IP address or network "
                "(e.g. 10.0.0.5 or 10.0.0.0/24); list only the reverse proxies in front of the console"
            ) from None
    for name in settings.names:
        if not _HOST_NAME.fullmatch(name) and not _is_ip(name.strip("[]")):
            raise ConfigError(
                f"{where}: console.names has {name!r}, which is not a host name or IP address "
                "(give the name alone, e.g. console.ankara.example, without scheme or port)"
            )


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _deadlines(table: dict[str, Any], base: DeadlineSettings, path: Path, where: str) -> DeadlineSettings:
    for key in table:
        if key not in DeadlineSettings.__dataclass_fields__ and not (where == "deadlines" and key == "lines"):
            raise ConfigError(f"{path}: unknown setting {where}.{key} (flash, immediate, priority, routine)")
    return DeadlineSettings(
        **{
            name: _number(table, name, getattr(base, name), path, where=where)
            for name in DeadlineSettings.__dataclass_fields__
        }
    )


def _table(raw: dict[str, Any], name: str, path: Path, required: bool = True) -> dict[str, Any]:
    value = raw.get(name, None if required else {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: the [{name}] table is missing")
    return value


def _no_unknown(table: dict[str, Any], known: Any, name: str, path: Path) -> None:
    unknown = set(table) - set(known)
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) in [{name}]: {', '.join(sorted(unknown))}")


def _string(table: dict[str, Any], key: str, path: Path, default: str | None = None) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"{path}: {key} must be a string" + ("" if default is not None else " and is required"))
    return value


def _strings(table: dict[str, Any], key: str, path: Path) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: {key} must be a list of strings")
    return tuple(value)


def _number(
    table: dict[str, Any], key: str, default: float, path: Path, integer: bool = False, where: str = "link"
) -> float:
    bounds = bounds_of(SECTIONS[where.split(".")[0]], key)
    if bounds is None:
        raise TypeError(f"the setting {where}.{key} is declared without a range: declare it with bounded()")
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not _allowed(value, bounds, integer):
        raise _refused(str(path), f"{where}.{key}", value, bounds, default)
    return value


def set_station_setting(config_path: Path, key: str, value: str | list[str]) -> None:
    """Set one ``[station]`` setting in station.toml, keeping everything else (comments
    included) as it is; the line is added under the table's header if it is not there."""
    text = config_path.read_text(encoding="utf-8")

    rendered = toml_string(value) if isinstance(value, str) else "[" + ", ".join(toml_string(v) for v in value) + "]"
    header = re.search(r"^\[station\][^\n]*\n", text, re.MULTILINE)
    if header is None:
        raise ConfigError(f"{config_path} has no [station] table")
    following = re.search(r"^\[", text[header.end() :], re.MULTILINE)
    end = header.end() + following.start() if following else len(text)
    table = text[header.end() : end]
    line = re.compile(rf"^{re.escape(key)}\s*=.*$", re.MULTILINE)
    if line.search(table):
        table = line.sub(lambda _: f"{key} = {rendered}", table, count=1)
    else:
        table = f"{key} = {rendered}\n" + table
    config_path.write_text(text[: header.end()] + table + text[end:], encoding="utf-8")
