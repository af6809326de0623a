"""A relay's directory: its settings, its TLS identity, the station cards it serves, its queue.

relay.toml          [relay] name, listen, advertise; [quotas] per station; [listeners] (as in station.toml)
keys/tls.key        the relay's TLS key (0600) and keys/tls.crt its self-signed certificate
stations/ID.card    each station card the relay accepts connections from (pinned certificate)
relay.sqlite3       items waiting for their recipients
"""

from __future__ import annotations

import datetime
import json
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Bounds, ListenerLimits, checked_number, parse_address, parse_listener_limits, toml_string
from ..errors import ConfigError, PeerError
from ..identity import Card, certificate_sha256, generate_tls_identity, parse_card
from .queue import Quotas

__all__ = ["RELAY_CARD_FORMAT", "RelayCard", "RelayHome", "RelaySettings", "create_relay", "parse_relay_card"]

RELAY_CARD_FORMAT = "detente-relay-card/1"


@dataclass(frozen=True)
class RelayCard:
    """What a station needs to use a relay: its name, where to reach it, its certificate."""

    name: str
    endpoints: tuple[str, ...]
    tls_certificate_pem: str
    tls_certificate_sha256: str

    def to_json(self) -> dict[str, Any]:
        return {
            "card": RELAY_CARD_FORMAT,
            "name": self.name,
            "endpoints": list(self.endpoints),
            "tls_certificate": self.tls_certificate_pem,
            "tls_certificate_sha256": self.tls_certificate_sha256,
        }


def parse_relay_card(data: object, source: str = "relay card") -> RelayCard:
    if not isinstance(data, dict) or data.get("card") != RELAY_CARD_FORMAT:
        raise PeerError(f'{source}: not a détente relay card (expected "card": "{RELAY_CARD_FORMAT}")')
    name, endpoints, pem = data.get("name"), data.get("endpoints"), data.get("tls_certificate")
    if not _valid_name(name):
        raise PeerError(f"{source}: name must be 1-40 letters, digits, '-' or '_'")
    if not isinstance(endpoints, list) or not endpoints or not all(isinstance(e, str) for e in endpoints):
        raise PeerError(f'{source}: endpoints must be a non-empty list like ["tls://192.0.2.10:7300"]')
    for endpoint in endpoints:
        if not endpoint.startswith("tls://"):
            raise PeerError(f"{source}: endpoint {endpoint!r} is not a tls:// endpoint")
        parse_address(endpoint[len("tls://") :], "relay endpoint")
    if not isinstance(pem, str):
        raise PeerError(f"{source}: tls_certificate must be a PEM certificate")
    try:
        digest = certificate_sha256(pem)
    except ValueError as exc:
        raise PeerError(f"{source}: tls_certificate is not a PEM certificate ({exc})") from None
    if data.get("tls_certificate_sha256") != digest:
        raise PeerError(f"{source}: tls_certificate_sha256 does not match the certificate in the card")
    return RelayCard(str(name), tuple(endpoints), pem, digest)


QUOTA_BOUNDS: tuple[tuple[str, str, Bounds], ...] = (
    ("max_bytes_per_station", "max_bytes", Bounds(1024, 1 << 40, "bytes")),
    ("max_items_per_station", "max_items", Bounds(1, 100_000_000, "items")),
    ("max_item_bytes", "max_item_bytes", Bounds(1024, 1 << 30, "bytes")),
)
"""relay.toml's ``[quotas]``: (key, field of :class:`Quotas`, allowed range)."""


@dataclass(frozen=True)
class RelaySettings:
    name: str
    listen: tuple[str, ...]
    advertise: tuple[str, ...]
    quotas: Quotas
    listeners: ListenerLimits = ListenerLimits()


class RelayHome:
    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def config_path(self) -> Path:
        return self.path / "relay.toml"

    @property
    def tls_key_path(self) -> Path:
        return self.path / "keys" / "tls.key"

    @property
    def tls_cert_path(self) -> Path:
        return self.path / "keys" / "tls.crt"

    @property
    def stations_dir(self) -> Path:
        return self.path / "stations"

    @property
    def database_path(self) -> Path:
        return self.path / "relay.sqlite3"

    def settings(self) -> RelaySettings:
        if not self.config_path.exists():
            raise ConfigError(f"{self.path} is not a relay directory (no relay.toml); run `detente relay init`")
        try:
            raw = tomllib.loads(self.config_path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{self.config_path}: {exc}") from None
        relay, quotas = raw.get("relay", {}), raw.get("quotas", {})
        try:
            name = str(relay["name"])
            listen = tuple(str(a) for a in relay.get("listen", []))
            advertise = tuple(str(a) for a in relay.get("advertise", []))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{self.config_path}: {exc!r}") from None
        if not isinstance(quotas, dict):
            raise ConfigError(f"{self.config_path}: [quotas] must be a table")
        unknown = set(quotas) - {key for key, _, _ in QUOTA_BOUNDS}
        if unknown:
            raise ConfigError(f"{self.config_path}: unknown setting(s) in [quotas]: {', '.join(sorted(unknown))}")
        limits = Quotas(
            **{
                field: int(
                    checked_number(
                        quotas.get(key, getattr(Quotas, field)),
                        bounds,
                        getattr(Quotas, field),
                        where=str(self.config_path),
                        name=f"quotas.{key}",
                    )
                )
                for key, field, bounds in QUOTA_BOUNDS
            }
        )
        for address in listen:
            parse_address(address, f"{self.config_path}: listen address")
        listeners = raw.get("listeners", {})
        if not isinstance(listeners, dict):
            raise ConfigError(f"{self.config_path}: [listeners] must be a table")
        return RelaySettings(
            name,
            listen,
            advertise or tuple(f"tls://{a}" for a in listen),
            limits,
            parse_listener_limits(listeners, str(self.config_path)),
        )

    def card(self) -> RelayCard:
        pem = self.tls_cert_path.read_text(encoding="ascii")
        return RelayCard(self.settings().name, self.settings().advertise, pem, certificate_sha256(pem))

    def stations(self) -> list[Card]:
        cards = []
        for path in sorted(self.stations_dir.glob("*.card")):
            try:
                cards.append(parse_card(json.loads(path.read_text(encoding="utf-8")), str(path)))
            except (OSError, ValueError) as exc:
                raise PeerError(f"{path}: {exc}") from None
        return cards

    def allow(self, card: Card) -> Path:
        """Pin a station: the relay accepts its TLS certificate and carries items to and from it."""
        target = self.stations_dir / f"{card.station_id}.card"
        target.write_text(json.dumps(card.raw, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return target


def create_relay(path: Path, *, name: str, listen: str, advertise: tuple[str, ...] = ()) -> RelayHome:
    home = RelayHome(path)
    if home.config_path.exists():
        raise ConfigError(f"{path} already holds a relay (relay.toml exists); nothing was changed")
    parse_address(listen, "listen address")
    if not _valid_name(name):
        raise ConfigError(f"relay name {name!r}: use 1-40 letters, digits, '-' or '_'")
    for endpoint in advertise:
        if not endpoint.startswith("tls://"):
            raise ConfigError(f"advertised endpoint {endpoint!r} is not a tls:// endpoint")
        parse_address(endpoint[len("tls://") :], "advertised endpoint")
    (path / "keys").mkdir(parents=True, exist_ok=True)
    home.stations_dir.mkdir(exist_ok=True)
    key_pem, cert_pem = generate_tls_identity(f"relay-{name}", name, datetime.datetime.now(datetime.UTC))
    fd = os.open(home.tls_key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key_pem)
    home.tls_cert_path.write_bytes(cert_pem)
    advertised = ", ".join(toml_string(a) for a in advertise)
    home.config_path.write_text(
        "# A détente relay: store-and-forward of sealed link sessions between the stations in stations/.\n"
        "[relay]\n"
        f"name = {toml_string(name)}\n"
        f"listen = [{toml_string(listen)}]\n"
        f"advertise = [{advertised}]      # endpoints put in the relay card; the listen address if empty\n"
        "\n"
        "[quotas]                          # what the relay holds for one station, not yet taken\n"
        f"max_bytes_per_station = {Quotas.max_bytes}\n"
        f"max_items_per_station = {Quotas.max_items}\n"
        f"max_item_bytes = {Quotas.max_item_bytes}\n"
        "\n"
        "[listeners]                       # connections not yet authenticated (docs/operations.md)\n"
        f"handshake_timeout = {ListenerLimits.handshake_timeout}\n"
        f"max_pending_handshakes = {ListenerLimits.max_pending_handshakes}\n"
        f"max_pending_per_source = {ListenerLimits.max_pending_per_source}\n"
        f"reserved_descriptors = {ListenerLimits.reserved_descriptors}\n",
        encoding="utf-8",
    )
    return home


def _valid_name(name: object) -> bool:
    return isinstance(name, str) and re.fullmatch(r"[A-Za-z0-9_-]{1,40}", name) is not None
