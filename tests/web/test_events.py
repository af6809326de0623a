"""The live stream: what the station publishes reaches an open console at once."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import MutableMapping
from typing import Any

import pytest

from detente.web.auth import COOKIE

from .conftest import Desk

pytestmark = pytest.mark.anyio


class _Stream:
    """A GET of the event stream through the ASGI app, read chunk by chunk (httpx's
    ASGITransport waits for the whole body, which an event stream never ends)."""

    def __init__(self, desk: Desk, cookie: str) -> None:
        self.chunks: asyncio.Queue[bytes] = asyncio.Queue()
        self.status = 0
        self.headers: dict[str, str] = {}
        self._closed = asyncio.Event()
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "https",
            "path": "/api/v1/events",
            "raw_path": b"/api/v1/events",
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"ankara.station.test"), (b"cookie", f"{COOKIE}={cookie}".encode())],
            "client": ("127.0.0.1", 50000),
            "server": ("ankara.station.test", 443),
        }
        self.task = asyncio.create_task(desk.app(scope, self._receive, self._send))

    async def _receive(self) -> dict[str, Any]:
        if not hasattr(self, "_asked"):
            self._asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self._closed.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body" and message.get("body"):
            await self.chunks.put(message["body"])

    async def event(self, timeout: float = 1.0) -> tuple[str, dict[str, Any]]:
        while True:
            chunk = (await asyncio.wait_for(self.chunks.get(), timeout)).decode()
            fields = dict(line.split(": ", 1) for line in chunk.strip().splitlines() if ": " in line)
            if "event" in fields:
                return fields["event"], json.loads(fields["data"])

    async def close(self) -> None:
        self._closed.set()
        await asyncio.wait_for(self.task, 2.0)


async def test_a_published_event_reaches_the_console_at_once(desk: Desk) -> None:
    caller = desk.session("Yzb. Kaya")
    assert caller.cookie is not None
    stream = _Stream(desk, caller.cookie)
    try:
        assert await stream.event() == ("hello", {})
        assert stream.status == 200 and stream.headers["content-type"].startswith("text/event-stream")
        assert desk.hub.subscribers == 1
        started = time.monotonic()
        desk.hub.publish({"type": "message", "id": "01a2153e-305f-772b-bbf0-db5abe7193b0"})
        event = await stream.event()
        elapsed = time.monotonic() - started
        assert event == ("update", {"type": "message", "id": "01a2153e-305f-772b-bbf0-db5abe7193b0"})
        assert elapsed < 0.1, f"the event took {elapsed * 1000:.0f} ms"
        sent = await desk.call(
            "POST", "/api/v1/messages", caller, json={"to": "SY", "body": {"text": "merhaba", "lang": "tr"}}
        )
        assert await stream.event() == ("update", {"type": "message", "id": sent.json()["id"]})
    finally:
        await stream.close()
    assert desk.hub.subscribers == 0, "a closed console unsubscribes"


async def test_the_stream_needs_a_login(desk: Desk) -> None:
    response = await desk.call("GET", "/api/v1/events")
    assert response.status_code == 401
