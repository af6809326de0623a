"""The line and the map: status per peer and path, active notices, the catalogue, live events."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from importlib import resources
from typing import Any

from starlette.responses import JSONResponse, Response, StreamingResponse

from ..alarms.book import alarm_views
from ..config import LANGUAGES
from ..lines.book import lines_in_force
from ..link_text import say_in
from ..notices import active_notices
from ..notifications import UsageError, json_schema, kinds, spec
from ..notifications.i18n import translator
from ..operators import ROLES
from ..protocol.timestamps import format_time, parse_time
from ..relays import card_entries, load_relays
from ..store import CheckpointRecord, LogName, Store
from ..views import status_view
from .api import ANYONE, Call, Operation, Reply, error
from .models import (
    ApiError,
    KindsQuery,
    KindsReply,
    LangQuery,
    LineReply,
    MapQuery,
    MapReply,
    NoBody,
    NoQuery,
    StatusReply,
)
from .presenter import geometries, message_line

__all__ = ["OPERATIONS"]

_KEEPALIVE = 15.0
_POLL = 0.1


async def _get_status(call: Call[NoBody, LangQuery]) -> Response:
    view = status_view(call.home, call.store, call.now())
    view["alarms"] = alarm_views(call.store, call.lang())
    return JSONResponse(view)


def _checkpoints(store: Store, log: LogName, peer: str) -> dict[str, Any]:
    held: list[CheckpointRecord] = store.checkpoints(log, peer)
    latest = held[-1] if held else None
    cosigned = next((c for c in reversed(held) if c.cosigned_at), None)
    return {
        "latest_size": latest.size if latest else None,
        "latest_at": latest.created_at if latest else None,
        "cosigned_size": cosigned.size if cosigned else None,
        "cosigned_at": cosigned.cosigned_at if cosigned else None,
    }


_PATH_STATES = {"current": "UP", "standby": "STANDBY", "connecting": "DIALING", "down": "DOWN"}


def _paths(peer: dict[str, Any], card: dict[str, Any], relays: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Each path to the peer (the direct link first, then each relay) as the running station
    last saw it; only the path carrying the link has a since and a clock offset."""
    seen = peer["paths"] or [
        {"name": "direct", "state": "", "round_trip_ms": peer["round_trip_ms"], "last_success": peer["last_heartbeat"]}
        | {"current": True}
        | {"detail": peer["detail"]}
    ]
    out = []
    for path in seen:
        current = path.get("current", False) or not peer["paths"]
        out.append(
            {
                "name": path["name"],
                "endpoints": [str(e) for e in card.get("endpoints", [])]
                if path["name"] == "direct"
                else relays.get(path["name"], []),
                "state": _PATH_STATES.get(path["state"], peer["link"]),
                "current": current,
                "since": peer["since"] if current or len(seen) == 1 else None,
                "detail": path["detail"],
                "round_trip_ms": path["round_trip_ms"],
                "last_heartbeat": path["last_success"],
                "clock_offset_ms": peer["clock_offset_ms"] if current else None,
                "updated_at": peer["status_updated_at"],
            }
        )
    return out


async def _get_line(call: Call[NoBody, LangQuery]) -> Response:
    store, now, lang = call.store, call.now(), call.lang()
    view = status_view(call.home, store, now)
    relays = {
        f"relay:{entry['name']}": list(entry.get("endpoints", [])) or [str(entry.get("nats", ""))]
        for entry in card_entries(load_relays(call.home.path))
    }
    cards = {p.station_id: p.card for p in store.peers()}
    peers = []
    for peer in view["peers"]:
        station_id = peer["station_id"]
        card = cards.get(station_id, {})
        waiting = store.unacknowledged(station_id)
        peers.append(
            {
                "party": peer["party"],
                "name": peer["name"],
                "station_id": station_id,
                "language": str(card.get("language", "")),
                "paths": [path | {"detail": say_in(path["detail"], lang)} for path in _paths(peer, card, relays)],
                "queue_depth": peer["queue_depth"],
                "unacknowledged": {
                    "here": sum(1 for r in waiting if r.direction == "in"),
                    "there": sum(1 for r in waiting if r.direction == "out"),
                },
                "checkpoints": {
                    "own": _checkpoints(store, "own", station_id),
                    "peer": _checkpoints(store, "peer", station_id),
                },
                "alarms": peer["alarms"],
            }
        )
    return JSONResponse({"now": format_time(now), "serve_running": view["serve"]["running"], "peers": peers})


async def _get_map(call: Call[NoBody, MapQuery]) -> Response:
    q, now = call.query, call.now()
    since = parse_time(q.since) if q.since else now
    until = parse_time(q.until) if q.until else since
    if until < since:
        return error(422, f"until ({q.until}) is before since ({q.since or format_time(now)})")
    config, lang = call.home.config, call.lang()
    notices = []
    for active in active_notices(call.store, since=since, until=until, kinds=q.kind):
        shapes = geometries(active.record.body)
        if not shapes:
            continue
        line = message_line(config, active.record, lang)
        notices.append(
            {
                "id": line["id"],
                "kind": line["kind"],
                "title": line["title"],
                "summary": line["summary"],
                "invisible_characters": line["invisible_characters"],
                "direction": line["direction"],
                "peer": line["peer"],
                "precedence": line["precedence"],
                "created_at": line["created_at"],
                "starts_at": format_time(active.starts_at),
                "ends_at": format_time(active.ends_at) if active.ends_at is not None else None,
                "geometries": shapes,
            }
        )
    return JSONResponse({"since": format_time(since), "until": format_time(until), "notices": notices})


async def _get_borders(call: Call[NoBody, NoQuery]) -> Response:
    data = (resources.files("detente.notifications") / "data" / "borders-10m.topo.json").read_bytes()
    return Response(data, media_type="application/json", headers={"cache-control": "private, max-age=86400"})


async def _get_places(call: Call[NoBody, NoQuery]) -> Response:
    data = (resources.files("detente.notifications") / "data" / "places.json").read_bytes()
    return Response(data, media_type="application/json", headers={"cache-control": "private, max-age=86400"})


async def _get_kinds(call: Call[NoBody, KindsQuery]) -> Response:
    t = translator(call.lang())
    return JSONResponse(
        {
            "kinds": [
                {
                    "name": k.name,
                    "title": t.gettext(k.title),
                    "summary": k.summary,
                    "precedence": k.precedence.value,
                    "lead_time_s": k.min_lead.total_seconds() if k.min_lead else None,
                }
                for k in kinds()
            ],
            "peers": [
                {"party": p.party, "name": p.name, "language": str(p.card.get("language", ""))}
                for p in call.store.peers()
            ],
            "roles": list(ROLES),
            "languages": list(LANGUAGES),
            "lines": [
                {
                    "name": c.line,
                    "version": c.version,
                    "members": [{"party": m.party, "role": m.role} for m in c.members],
                }
                for c in lines_in_force(call.store)
            ],
        }
    )


def _titles(value: Any, gettext: Any) -> Any:
    if isinstance(value, dict):
        return {k: gettext(v) if k == "title" and isinstance(v, str) else _titles(v, gettext) for k, v in value.items()}
    if isinstance(value, list):
        return [_titles(item, gettext) for item in value]
    return value


def _enum_labels(schema: dict[str, Any], pgettext: Any) -> dict[str, Any]:
    """Each enumeration in ``$defs`` gains ``x-enum-labels``: its values in the reader's language
    (the catalogues translate them with the enumeration's name as context), for the compose form."""
    for name, definition in schema.get("$defs", {}).items():
        if isinstance(definition, dict) and isinstance(definition.get("enum"), list):
            definition["x-enum-labels"] = {str(v): pgettext(name, str(v)) for v in definition["enum"]}
    return schema


async def _get_kind_schema(call: Call[NoBody, LangQuery]) -> Response:
    name = call.param("kind")
    try:
        spec(name)
    except UsageError as exc:
        return error(404, str(exc))
    t = translator(call.lang())
    return JSONResponse(_enum_labels(_titles(json_schema(name), t.gettext), t.pgettext))


async def _events(call: Call[NoBody, NoQuery]) -> Response:
    hub, request = call.console.hub, call.request

    async def stream() -> AsyncIterator[bytes]:
        with hub.subscription() as queue:
            yield b"retry: 1000\nevent: hello\ndata: {}\n\n"
            last_beat = time.monotonic()
            while not await request.is_disconnected():
                with contextlib.suppress(TimeoutError):  # wakes to notice a closed connection
                    event = await asyncio.wait_for(queue.get(), _POLL)
                    yield f"event: update\ndata: {json.dumps(event)}\n\n".encode()
                if time.monotonic() - last_beat > _KEEPALIVE:
                    last_beat = time.monotonic()
                    yield b": keepalive\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream")


_V1 = "/api/v1"

OPERATIONS: list[Operation[Any, Any]] = [
    Operation(
        "GET",
        f"{_V1}/status",
        "getStatus",
        "The station and its lines, as `detente status --json` shows them, with the latest alarms",
        "line",
        ANYONE,
        NoBody,
        LangQuery,
        {200: Reply("The status.", StatusReply)},
        _get_status,
    ),
    Operation(
        "GET",
        f"{_V1}/line",
        "getLine",
        "Line status per peer and path",
        "line",
        ANYONE,
        NoBody,
        LangQuery,
        {200: Reply("Per peer: each path's state and signs of life, queue, unacknowledged, checkpoints.", LineReply)},
        _get_line,
        description="Per peer and per path: up or down and since when, round-trip time, last heartbeat, clock "
        "offset, and what the station last saw of the path (`detail`, in the reader's `lang`); per peer: queue "
        "depth, unacknowledged messages on each side, the latest (co-signed) "
        "checkpoint of each log of the line, alarms.",
    ),
    Operation(
        "GET",
        f"{_V1}/map",
        "getMap",
        "Notices in force (areas, routes, time windows), for one map",
        "line",
        ANYONE,
        NoBody,
        MapQuery,
        {200: Reply("The notices in force at some moment of the span, with their geometries.", MapReply)},
        _get_map,
        description="Without `since`/`until`: those in force now. Reports of an event (incidents, "
        "clarification requests) show for 24 hours after it; a notice its sender cancelled or updated "
        "is no longer shown.",
    ),
    Operation(
        "GET",
        f"{_V1}/map/borders",
        "getBorders",
        "The bundled country borders (Natural Earth 1:10m, TopoJSON), the map's base layer",
        "line",
        ANYONE,
        NoBody,
        NoQuery,
        {200: Reply("TopoJSON.", schema={"type": "object"})},
        _get_borders,
    ),
    Operation(
        "GET",
        f"{_V1}/map/places",
        "getPlaces",
        "The bundled place names (GeoNames, towns and villages near the region's borders), the map's labels",
        "line",
        ANYONE,
        NoBody,
        NoQuery,
        {
            200: Reply(
                "`{source, fields, places}`: each place a row of `fields` (`en`, `tr`, `ar`, `ru` names, null "
                "where the English one serves; `lat`, `lon`, `population`, `country`), the largest first.",
                schema={"type": "object"},
            )
        },
        _get_places,
    ),
    Operation(
        "GET",
        f"{_V1}/kinds",
        "listKinds",
        "The notification kinds, the peers, the roles and the languages",
        "line",
        ANYONE,
        NoBody,
        KindsQuery,
        {200: Reply("What a compose form needs to start.", KindsReply)},
        _get_kinds,
    ),
    Operation(
        "GET",
        f"{_V1}/kinds/{{kind}}/schema",
        "getKindSchema",
        "The JSON Schema of one kind's body, titles and enumerated values in the reader's language",
        "line",
        ANYONE,
        NoBody,
        LangQuery,
        {
            200: Reply("JSON Schema, draft 2020-12.", schema={"type": "object"}),
            404: Reply("No such kind.", ApiError),
        },
        _get_kind_schema,
    ),
    Operation(
        "GET",
        f"{_V1}/events",
        "events",
        "Live updates (Server-Sent Events)",
        "line",
        ANYONE,
        NoBody,
        NoQuery,
        {
            200: Reply(
                "An event stream: `hello` first, then `update` events whose data is JSON with a `type` "
                "(message, delivered, acknowledged, link, alarm, refresh, reload).",
                media_type="text/event-stream",
                schema={
                    "description": "One event of the stream.",
                    "type": "object",
                    "properties": {
                        "event": {"enum": ["hello", "update"]},
                        "data": {"type": "string", "description": 'JSON: `{}` for hello, `{"type": …}` for updates.'},
                        "retry": {"type": "integer"},
                    },
                    "required": ["data"],
                },
            )
        },
        _events,
    ),
]
