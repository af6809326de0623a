"""Plain-data views of stored state, shared by the CLI's ``--json`` output and the HTTP API."""

from __future__ import annotations

import json
import socket
import time
from dataclasses import asdict, dataclass
from typing import Any, cast

from .home import Home, ServeLock
from .invisible import shown, shown_value
from .link_text import say
from .protocol.timestamps import format_time
from .store import AlarmRecord, MessageRecord, PathStatus, Store
from .transports.gate import LISTENER_COUNTS
from .watch.figures import WINDOWS, response_figures
from .watch.state import watch_state

__all__ = ["ShownMessage", "message_view", "servers_view", "shown_message", "status_view"]


@dataclass(frozen=True)
class ShownMessage:
    """What a person may be shown of a message: every string of its body, and the name of whoever
    acknowledged it, with invisible and direction-changing characters made visible (``⟨U+202E⟩``,
    :mod:`.invisible`). The stored record, and the signed bytes, stay as received."""

    body: dict[str, Any]
    acked_by: str | None
    invisible: bool
    """Whether the body or the acknowledger's name held such characters (the views flag it)."""


def shown_message(record: MessageRecord) -> ShownMessage:
    """:class:`ShownMessage` of ``record``."""
    body, in_body = shown_value(record.body)
    by = shown(record.acked_by, multiline=False) if record.acked_by is not None else None
    return ShownMessage(
        cast(dict[str, Any], body), by.text if by else None, in_body or (by is not None and by.invisible)
    )


def message_view(record: MessageRecord, local_party: str) -> dict[str, Any]:
    """A message as plain data: its ``body`` exactly as signed, and ``invisible_characters``, whether
    its body or acknowledger's name holds invisible or direction-changing characters."""
    outgoing = record.direction == "out"
    return {
        "id": record.id,
        "direction": record.direction,
        "from": local_party if outgoing else record.peer_party,
        "to": record.peer_party if outgoing else local_party,
        "from_station": record.sender,
        "to_station": record.recipient,
        "seq": record.seq,
        "kind": record.kind,
        "precedence": record.precedence,
        "body": record.body,
        "created_at": record.created_at,
        "state": record.state,
        "stored_at": record.stored_at,
        "sent_at": record.sent_at,
        "receipt_at": record.receipted_at,
        "delivered_at": record.delivered_at,
        "acknowledged_at": record.acked_at,
        "acknowledged_by": record.acked_by,
        "acknowledgement_id": record.ack_id,
        "envelope_hash": record.envelope_hash,
        "invisible_characters": shown_message(record).invisible,
    }


def status_view(home: Home, store: Store, now: float | None = None) -> dict[str, Any]:
    from .alarms.book import alarm_views  # the texts need the catalogues, which most commands never load

    config = home.config
    now = time.time() if now is None else now
    pid = ServeLock.holder(home)
    servers = servers_view(home, store)
    shared = servers["database"]["engine"] == "postgresql"  # the active server may be on another machine
    serving = bool(servers["active"] and servers["active"]["live"]) if shared else pid is not None
    statuses = {s.peer: s for s in store.link_statuses()}
    alarms = store.alarms()
    peers = []
    for peer in store.peers():
        status = statuses.get(peer.station_id)
        running = serving and status is not None and (shared or status.serve_pid == pid)
        peers.append(
            {
                "party": peer.party,
                "name": peer.name,
                "station_id": peer.station_id,
                "link": (status.state if running and status else "UNKNOWN") if serving else "STOPPED",
                "since": status.since if status else None,
                "detail": status.detail if status else say("link.never"),
                "round_trip_ms": round(status.round_trip * 1000, 3)
                if status and status.round_trip is not None
                else None,
                "last_heartbeat": status.last_heartbeat if status else None,
                "clock_offset_ms": round(status.clock_offset * 1000, 3)
                if status and status.clock_offset is not None
                else None,
                "status_updated_at": status.updated_at if status else None,
                "paths": [_path_view(p, running) for p in status.paths] if status else [],
                "queue_depth": store.queue_depth(peer.station_id),
                "watch": watch_state(store, config, peer.station_id, now),
                "alarms": _alarms([a for a in alarms if a.peer == peer.station_id]),
            }
        )
    return {
        "station": {
            "name": config.name,
            "party": config.party,
            "station_id": config.station_id,
            "listen": list(config.listen),
        },
        "serve": {"running": serving, "pid": pid if not shared and pid and pid > 0 else None},
        "servers": servers,
        "peers": peers,
        "link_listener": _listener_counts(store) if serving else None,
        "figures": [asdict(f) for f in response_figures(store, config, now, WINDOWS[:1])],
        "alarms": alarm_views(store, config.language),
        "ledger_alarms": [{"at": a.at, "kind": a.kind, "detail": a.detail} for a in alarms][-20:],
    }


def _listener_counts(store: Store) -> dict[str, Any] | None:
    """Connections the running `serve` admitted to a handshake on its link listener, those
    pending now, and those refused, by reason (see docs/operations.md, "Connections that have not
    authenticated")."""
    saved = store.get_meta(LISTENER_COUNTS)
    if saved is None:
        return None
    counts: dict[str, Any] = json.loads(saved)
    return counts


def _path_view(path: PathStatus, running: bool) -> dict[str, Any]:
    return {
        "name": path.name,
        "state": path.state if running else "unknown",
        "current": path.state == "current",
        "round_trip_ms": round(path.round_trip * 1000, 3) if path.round_trip is not None else None,
        "last_success": path.last_success,
        "detail": path.detail,
    }


def _alarms(alarms: list[AlarmRecord]) -> dict[str, Any]:
    """How many alarms a line has raised, and the latest."""
    latest = alarms[-1] if alarms else None
    return {
        "count": len(alarms),
        "latest": {"at": latest.at, "kind": latest.kind, "detail": latest.detail} if latest else None,
    }


def servers_view(home: Home, store: Store) -> dict[str, Any]:
    """The station's database and, when several servers share it, which one is active."""
    from .store.postgres import PostgresStore

    if not isinstance(store, PostgresStore):
        path = home.database_path
        size = path.stat().st_size if path.exists() else 0
        return {"active": None, "database": {"engine": "sqlite", "path": str(path), "size_bytes": size}}
    from .store.leadership import read_leader

    leader = read_leader(store)
    active = None
    if leader.server:
        active = {
            "server": leader.server,
            "epoch": leader.epoch,
            "since": format_time(leader.since.timestamp()),
            "renewed_at": format_time(leader.renewed_at.timestamp()),
            "live": leader.live,
            "console": leader.console or None,
        }
    return {
        "this_server": home.config.server or socket.gethostname(),
        "active": active,
        "database": store.database_health(),
    }
