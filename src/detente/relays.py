"""The relays a station uses, kept in its directory as ``relays/NAME.json``.

Two kinds: a ``detente relay serve`` (the relay's card: name, endpoints, pinned certificate) and
a NATS JetStream stream (server URL, stream name, subject prefix). Each becomes a path named
``relay:NAME`` to every peer, after the direct link in order of preference.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError, PeerError
from .relay.home import RelayCard, parse_relay_card

__all__ = [
    "NATS_FORMAT",
    "NatsRelay",
    "RelayConfig",
    "add_relay",
    "card_entries",
    "load_relays",
    "relays_dir",
    "remove_relay",
]

NATS_FORMAT = "detente-nats-relay/1"


@dataclass(frozen=True)
class NatsRelay:
    name: str
    url: str
    stream: str
    prefix: str

    def __post_init__(self) -> None:
        for what, value in (("relay name", self.name), ("stream", self.stream), ("subject prefix", self.prefix)):
            if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", value):
                raise ConfigError(f"{what} {value!r}: use 1-40 letters, digits, '-' or '_'")

    def to_json(self) -> dict[str, Any]:
        return {"card": NATS_FORMAT, "name": self.name, "url": self.url, "stream": self.stream, "prefix": self.prefix}


RelayConfig = RelayCard | NatsRelay


def relays_dir(home_path: Path) -> Path:
    return home_path / "relays"


def load_relays(home_path: Path) -> list[RelayConfig]:
    found: list[RelayConfig] = []
    for path in sorted(relays_dir(home_path).glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path}: {exc}") from None
        if isinstance(data, dict) and data.get("card") == NATS_FORMAT:
            found.append(_nats(data, str(path)))
        else:
            try:
                found.append(parse_relay_card(data, str(path)))
            except PeerError as exc:
                raise ConfigError(str(exc)) from None
    return found


def _nats(data: dict[str, Any], source: str) -> NatsRelay:
    from .transports.jetstream import check_url

    try:
        relay = NatsRelay(str(data["name"]), str(data["url"]), str(data["stream"]), str(data["prefix"]))
    except KeyError as exc:
        raise ConfigError(f"{source}: missing {exc}") from None
    check_url(relay.url)
    return relay


def add_relay(home_path: Path, relay: RelayConfig) -> Path:
    """Write the relay's entry (refusing a name already used); mode 0600, since a NATS URL may
    carry a password."""
    folder = relays_dir(home_path)
    folder.mkdir(exist_ok=True)
    target = folder / f"{relay.name}.json"
    if target.exists():
        raise ConfigError(f"this station already has a relay named {relay.name!r} ({target}); remove it first")
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(json.dumps(relay.to_json(), indent=2) + "\n")
    return target


def remove_relay(home_path: Path, name: str) -> None:
    target = relays_dir(home_path) / f"{name}.json"
    if not target.exists():
        raise ConfigError(f"this station has no relay named {name!r}")
    target.unlink()


def card_entries(relays: list[RelayConfig]) -> list[dict[str, Any]]:
    """How the station card lists its relays (never a NATS password)."""
    from urllib.parse import urlsplit

    entries: list[dict[str, Any]] = []
    for relay in relays:
        if isinstance(relay, RelayCard):
            entries.append(
                {"name": relay.name, "endpoints": list(relay.endpoints), "tls_sha256": relay.tls_certificate_sha256}
            )
        else:
            where = urlsplit(relay.url)
            server = f"{where.scheme}://{where.hostname}:{where.port}"  # no user name, no password
            entries.append({"name": relay.name, "nats": server, "stream": relay.stream})
    return entries
