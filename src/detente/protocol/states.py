"""Every state transition of the link, in one table.

Three machines move together. Each *connection* (one TLS stream, or one session through a
relay) goes from HANDSHAKING to ESTABLISHED to CLOSED. Each *path* to the peer (the direct TLS
link, a relay) is WAITING (no connection on it; this side dials again when its timer fires, if
it dials at all), DIALING (this side is connecting) or OPEN (a connection on it exists). The
*link* to a peer is DOWN or UP (an established connection, on the best live path, carries it).
``Link`` changes state only through :func:`advance`, so the table below is the whole behaviour;
``PROTOCOL.md`` draws its diagram from it (``make protocol-diagram`` prints the Mermaid source).
"""

from __future__ import annotations

from enum import StrEnum

from ..errors import LocalProtocolError

__all__ = ["TRANSITIONS", "ConnState", "Input", "LinkState", "PathState", "advance", "mermaid"]


class ConnState(StrEnum):
    HANDSHAKING = "HANDSHAKING"
    ESTABLISHED = "ESTABLISHED"
    CLOSED = "CLOSED"


class PathState(StrEnum):
    WAITING = "WAITING"
    DIALING = "DIALING"
    OPEN = "OPEN"


class LinkState(StrEnum):
    DOWN = "DOWN"
    UP = "UP"


class Input(StrEnum):
    # connection inputs
    HELLO_ACCEPTED = "hello accepted"
    HELLO_REFUSED = "hello refused"
    FRAME_ACCEPTED = "frame accepted"
    FRAME_REFUSED = "frame refused"
    PEER_CLOSED = "error or bye received"
    HANDSHAKE_TIMEOUT = "handshake timeout"
    SILENCE_TIMEOUT = "no frame for dead_after"
    SUPERSEDED = "superseded by a preferred connection"
    TRANSPORT_LOST = "transport lost"
    CLOSED_LOCALLY = "closed locally"
    # path inputs
    DIAL_DUE = "dial timer fired"
    DIAL_FAILED = "dial failed"
    DIAL_CONNECTED = "dial connected"
    CONNECTION_MADE = "other connection made on the path"
    PATH_CLOSED = "last connection on the path closed"
    # link inputs
    CONNECTION_ESTABLISHED = "connection established"
    FAILED_OVER = "current connection replaced (another path, or a newer connection)"
    CURRENT_CLOSED = "current connection closed, no other established"


_CONN_END = (
    Input.FRAME_REFUSED,
    Input.PEER_CLOSED,
    Input.TRANSPORT_LOST,
    Input.CLOSED_LOCALLY,
)

TRANSITIONS: dict[tuple[StrEnum, Input], StrEnum] = {
    (ConnState.HANDSHAKING, Input.HELLO_ACCEPTED): ConnState.ESTABLISHED,
    (ConnState.HANDSHAKING, Input.HELLO_REFUSED): ConnState.CLOSED,
    (ConnState.HANDSHAKING, Input.HANDSHAKE_TIMEOUT): ConnState.CLOSED,
    **{(ConnState.HANDSHAKING, i): ConnState.CLOSED for i in _CONN_END},
    (ConnState.ESTABLISHED, Input.FRAME_ACCEPTED): ConnState.ESTABLISHED,
    (ConnState.ESTABLISHED, Input.SILENCE_TIMEOUT): ConnState.CLOSED,
    (ConnState.ESTABLISHED, Input.SUPERSEDED): ConnState.CLOSED,
    **{(ConnState.ESTABLISHED, i): ConnState.CLOSED for i in _CONN_END},
    (PathState.WAITING, Input.DIAL_DUE): PathState.DIALING,
    (PathState.WAITING, Input.CONNECTION_MADE): PathState.OPEN,
    (PathState.DIALING, Input.DIAL_FAILED): PathState.WAITING,
    (PathState.DIALING, Input.DIAL_CONNECTED): PathState.OPEN,
    (PathState.DIALING, Input.CONNECTION_MADE): PathState.OPEN,
    (PathState.OPEN, Input.CONNECTION_MADE): PathState.OPEN,
    (PathState.OPEN, Input.PATH_CLOSED): PathState.WAITING,
    (LinkState.DOWN, Input.CONNECTION_ESTABLISHED): LinkState.UP,
    (LinkState.UP, Input.FAILED_OVER): LinkState.UP,
    (LinkState.UP, Input.CURRENT_CLOSED): LinkState.DOWN,
}


def advance(state: StrEnum, event: Input) -> StrEnum:
    """The state after ``event``; raises LocalProtocolError if the table has no such move."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise LocalProtocolError(f"no transition from {state} on {event!r}") from None


def mermaid() -> str:
    """The Mermaid state diagram of the three machines, drawn from :data:`TRANSITIONS`."""
    lines = ["stateDiagram-v2"]
    for machine, states in (("connection", ConnState), ("path", PathState), ("link", LinkState)):
        lines.append(f"    state {machine} {{")
        lines.append(f"        [*] --> {machine}_{next(iter(states)).value}")
        for (source, event), target in TRANSITIONS.items():
            if isinstance(source, states):
                lines.append(f"        {machine}_{source.value} --> {machine}_{target.value}: {event.value}")
        lines.append("    }")
    return "\n".join(lines) + "\n"
