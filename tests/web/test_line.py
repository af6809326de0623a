"""The line and the map through the API: status per peer and path, the notices in force, the
catalogue for the compose form."""

from __future__ import annotations

import copy
import json
from importlib import resources

import pytest

from detente.protocol.timestamps import format_time, parse_time
from detente.store import CheckpointRecord, LinkStatus, PathStatus

from .conftest import Desk, example

pytestmark = pytest.mark.anyio


async def test_line_status_per_peer_and_path(desk: Desk) -> None:
    caller = desk.session("Yzb. Kaya")
    sy = desk.peer.config.station_id
    desk.incoming()  # awaits an acknowledgement here
    for text in ("bir", "iki"):  # queued, no receipt yet
        body = {"to": "SY", "body": {"text": text, "lang": "tr"}}
        assert (await desk.call("POST", "/api/v1/messages", caller, json=body)).status_code == 201
    at = format_time(desk.clock())
    desk.store.save_link_status(LinkStatus(sy, "UP", at, "connected", 0.0123, -0.25, at, at, 4242))
    for size, cosigned in ((3, at), (5, None)):
        desk.store.save_checkpoint(CheckpointRecord("own", sy, size, bytes([size]) * 32, "note", at, cosigned))

    reply = (await desk.call("GET", "/api/v1/line", caller)).json()
    [peer] = reply["peers"]
    assert (peer["party"], peer["language"], peer["station_id"]) == ("SY", "ar", sy)
    [path] = peer["paths"]
    assert path["name"] == "direct" and path["endpoints"] == ["tls://127.0.0.1:2"]
    assert path["state"] == "STOPPED", "no `serve` holds this station: the stored state is stale"
    assert (path["round_trip_ms"], path["clock_offset_ms"], path["last_heartbeat"]) == (12.3, -250.0, at)
    assert peer["queue_depth"] == 2
    assert peer["unacknowledged"] == {"here": 1, "there": 2}
    assert peer["checkpoints"]["own"] == {"latest_size": 5, "latest_at": at, "cosigned_size": 3, "cosigned_at": at}
    assert peer["checkpoints"]["peer"]["cosigned_size"] is None
    assert reply["serve_running"] is False and reply["now"] == at


async def test_line_status_shows_every_path(desk: Desk) -> None:
    caller = desk.session("Yzb. Kaya")
    sy = desk.peer.config.station_id
    at = format_time(desk.clock())
    paths = (
        PathStatus("direct", "down", None, None, "closed: link-timeout: no frame from the peer for 3.0 s"),
        PathStatus("relay:un", "current", 0.0456, at, "established (connection 7, dialed)"),
    )
    status = LinkStatus(sy, "UP", at, "up on relay:un", 0.0456, 0.5, at, at, 4242, paths)
    desk.store.save_link_status(status)
    assert desk.store.link_statuses() == [status]
    [peer] = (await desk.call("GET", "/api/v1/line", caller, params={"lang": "en"})).json()["peers"]
    direct, relay = peer["paths"]
    assert (direct["name"], direct["current"], direct["detail"]) == ("direct", False, paths[0].detail)
    # In the reader's language (the station's, Turkish, by default), the close reason's code too.
    [turkish] = (await desk.call("GET", "/api/v1/line", caller)).json()["peers"]
    assert [p["detail"] for p in turkish["paths"]] == [
        "kapandı: bağlantı zaman aşımı: karşı taraftan 3.0 sn boyunca çerçeve gelmedi",
        "kuruldu (bağlantı 7, biz aradık)",
    ]
    [arabic] = (await desk.call("GET", "/api/v1/line", caller, params={"lang": "ar"})).json()["peers"]
    assert arabic["paths"][1]["detail"] == "قائم (الاتصال \u20667\u2069، بمبادرة منا)"
    assert (relay["name"], relay["current"], relay["round_trip_ms"], relay["last_heartbeat"]) == (
        "relay:un",
        True,
        45.6,
        at,
    )
    assert relay["clock_offset_ms"] == 500.0 and direct["clock_offset_ms"] is None
    assert {direct["state"], relay["state"]} == {"STOPPED"}, "no `serve` holds this station"
    [listed] = (await desk.call("GET", "/api/v1/status", caller)).json()["peers"]
    assert [(p["name"], p["state"], p["current"]) for p in listed["paths"]] == [
        ("direct", "unknown", False),
        ("relay:un", "unknown", True),
    ]


async def test_status_is_what_the_cli_shows(desk: Desk) -> None:
    caller = desk.session("Yzb. Kaya")
    reply = (await desk.call("GET", "/api/v1/status", caller)).json()
    assert reply["station"]["party"] == "TR" and [p["party"] for p in reply["peers"]] == ["SY"]
    assert reply["serve"] == {"running": False, "pid": None} and reply["alarms"] == []


def _flight(start: str, end: str, **changes: object) -> dict[str, object]:
    body = example("flight-notice")
    body["window"] = {"start": start, "end": end}
    body.update(changes)
    return body


async def test_the_map_shows_the_notices_in_force_with_their_geometry_and_window(desk: Desk) -> None:
    caller = desk.session("Yzb. Kaya")

    async def send(kind: str, body: dict[str, object]) -> str:
        sent = await desk.call("POST", "/api/v1/messages", caller, json={"to": "SY", "kind": kind, "body": body})
        assert sent.status_code == 201, sent.text
        return str(sent.json()["id"])

    tomorrow = await send("flight-notice", _flight("2026-11-26T09:00:00Z", "2026-11-26T11:30:00Z"))
    later = await send("flight-notice", _flight("2026-11-27T09:00:00Z", "2026-11-27T10:00:00Z"))
    cancelled = await send("flight-notice", _flight("2026-11-26T10:00:00Z", "2026-11-26T12:00:00Z"))
    await send("free-text", {"lang": "tr", "text": "iptal", "references": [{"id": cancelled, "relation": "cancel"}]})
    report = desk.incoming(kind="incident-report", body=example("incident-report"), precedence="immediate")

    async def shown(**params: object) -> list[str]:
        reply = await desk.call("GET", "/api/v1/map", caller, params=params)
        assert reply.status_code == 200, reply.text
        return [n["id"] for n in reply.json()["notices"]]

    assert await shown() == [], "now, the day before, nothing is in force yet"
    window = {"since": "2026-11-26T10:00:00Z", "until": "2026-11-26T10:30:00Z"}
    assert await shown(**window) == [report, tomorrow], "the cancelled notice is gone"
    assert await shown(**window, kind="flight-notice") == [tomorrow]
    assert await shown(since="2026-11-26T00:00:00Z", until="2026-11-28T00:00:00Z", kind="flight-notice") == [
        later,
        tomorrow,
    ]
    assert await shown(since="2026-11-27T04:00:00Z") == [], "the report shows for 24 hours after the event"

    notice = (await desk.call("GET", "/api/v1/map", caller, params={**window, "lang": "en"})).json()["notices"][1]
    assert (notice["kind"], notice["title"], notice["direction"]) == ("flight-notice", "Flight notice", "out")
    assert (notice["starts_at"], notice["ends_at"]) == ("2026-11-26T09:00:00.000Z", "2026-11-26T11:30:00.000Z")
    [route] = notice["geometries"]
    assert route["type"] == "LineString" and route["corridor_km"] == 4 and route["path"] == "area"
    backwards = await desk.call(
        "GET", "/api/v1/map", caller, params={"since": "2026-11-27T00:00:00Z", "until": "2026-11-26T00:00:00Z"}
    )
    assert backwards.status_code == 422


async def test_an_air_defence_deployment_without_end_stays_on_the_map(desk: Desk) -> None:
    caller = desk.session("Yzb. Kaya")
    body = copy.deepcopy(example("air-defence-notice"))
    body["period"] = {"start": format_time(desk.clock() + 7200).replace(".000Z", "Z")}
    sent = await desk.call(
        "POST", "/api/v1/messages", caller, json={"to": "SY", "kind": "air-defence-notice", "body": body}
    )
    assert sent.status_code == 201, sent.text
    years_later = format_time(desk.clock() + 3 * 365 * 86400)
    reply = (await desk.call("GET", "/api/v1/map", caller, params={"since": years_later})).json()
    assert [(n["id"], n["ends_at"]) for n in reply["notices"]] == [(sent.json()["id"], None)]
    assert parse_time(reply["since"]) == parse_time(years_later)


async def test_the_borders_base_layer_and_the_catalogue(desk: Desk) -> None:
    caller = desk.session("Yzb. Kaya")
    borders = await desk.call("GET", "/api/v1/map/borders", caller)
    bundled = (resources.files("detente.notifications") / "data" / "borders-10m.topo.json").read_bytes()
    assert borders.content == bundled and borders.json()["type"] == "Topology"
    places = (await desk.call("GET", "/api/v1/map/places", caller)).json()
    assert places["fields"][:4] == ["en", "tr", "ar", "ru"]
    assert ["Kilis", None, "كلس", "Килис", 36.71611, 37.115, 82301, "TR"] in places["places"]
    kinds = (await desk.call("GET", "/api/v1/kinds", caller, params={"lang": "tr"})).json()
    flight = next(k for k in kinds["kinds"] if k["name"] == "flight-notice")
    assert flight["title"] == "Uçuş bildirimi" and flight["precedence"] == "priority"
    assert kinds["peers"] == [{"party": "SY", "name": "Damascus Operations Centre", "language": "ar"}]
    assert kinds["languages"] == ["tr", "ar", "en", "ru"]
    schema = (await desk.call("GET", "/api/v1/kinds/flight-notice/schema", caller, params={"lang": "tr"})).json()
    assert schema["properties"]["window"]["title"] == "Zaman aralığı", "field titles in the reader's language"
    english = (await desk.call("GET", "/api/v1/kinds/flight-notice/schema", caller)).json()
    assert json.dumps(english).count('"title"') == json.dumps(schema).count('"title"')
    assert (await desk.call("GET", "/api/v1/kinds/no-such-kind/schema", caller)).status_code == 404
