"""Where a console request came from, and whether it named the console.

The client's address is the TCP peer's, unless that peer is one of the reverse proxies listed in
station.toml (``[console] trusted_proxies``): then it is the rightmost address of
``X-Forwarded-For`` that is not itself a trusted proxy. A header from anybody else is ignored,
so that nobody can pick the address their failed logins are counted against.

The ``Host`` a request names must be one of the console's names: its bind address, ``localhost``
and the loopback addresses when it listens on loopback, any of the machine's addresses when it
listens on all of them, and the names in ``[console] names``. A page served under another name
that the attacker's DNS points at the console (DNS rebinding) is refused.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable

__all__ = ["allowed_host", "client_address", "host_of"]

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


@functools.lru_cache(maxsize=32)
def _networks(proxies: tuple[str, ...]) -> tuple[_Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _address(text: str) -> _Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: _Address | None, networks: Iterable[_Network]) -> bool:
    return address is not None and any(address in network for network in networks)


def client_address(peer: str, forwarded_for: list[str], trusted_proxies: tuple[str, ...]) -> str:
    """The client's address: ``peer`` (the TCP peer), or, when it is a trusted proxy, the nearest
    address in the ``X-Forwarded-For`` headers that is not a trusted proxy."""
    networks = _networks(trusted_proxies)
    if not networks or not _trusted(_address(peer), networks):
        return peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return peer  # a hop the proxy did not write: believe no further
        if not _trusted(address, networks):
            return str(address)
    return peer


def host_of(header: str) -> str:
    """The host part of a ``Host`` header, lower-case, without port or IPv6 brackets."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.index("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def allowed_host(host: str, *, bind: str, names: tuple[str, ...]) -> bool:
    """Whether ``host`` (from :func:`host_of`) names a console bound to ``bind`` with ``names``."""
    if not host:
        return False
    bind = bind.strip("[]").lower()
    if host == bind or host in (name.strip("[]").lower() for name in names):
        return True
    bound = _address(bind)
    if bound is not None and bound.is_loopback:
        return host in _LOOPBACK_NAMES or (_address(host) or ipaddress.ip_address("0.0.0.0")).is_loopback
    if bound is not None and bound.is_unspecified:
        return host == "localhost" or _address(host) is not None  # an address literal cannot be rebound
    return False
