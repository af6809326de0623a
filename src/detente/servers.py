"""Two servers, one station: ``detente serve`` on a station whose state is in PostgreSQL.

Every server of the station runs this. It stands by until the lease in the database is free
(:mod:`.store.leadership`), then runs the station, fenced with its epoch, and renews the lease
while it does. If it loses the lease (another server took over after it froze, or it cannot
reach the database for longer than the lease) it stops the station at once and stands by
again. While standing by it does not listen for the peer (the peer's dialler moves on to the
next endpoint of the card) and its console sends operators to the active server's.

A station on SQLite has one server and runs the station directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .config import format_address
from .errors import StoreError
from .home import Home
from .logs import log_event
from .monitoring.sdnotify import feed_watchdog, notify, watchdog_interval
from .station import Station
from .store.leadership import LEASE, Leader, Leadership
from .store.postgres import PostgresStore

__all__ = ["serve"]

log = logging.getLogger("detente.station")

_LOOK = 0.25
"""Seconds between a standby's looks at the lease."""
_RENEW = 0.4
"""Seconds between renewals of the active server's lease."""
_STUCK = 10.0
"""Seconds the active server's loop may be unresponsive before its lease is let go."""


class _Serving:
    """What this process is doing, for ``/readyz`` and systemd: standing by or active."""

    def __init__(self) -> None:
        self.active = False
        self._told = False

    def ready(self, station: Station | None = None) -> None:
        """The station is serving (its store open, its listeners bound), or a standby has begun to stand by."""
        self.active = station is not None
        if not self._told:
            self._told = True
            notify("READY=1")
        notify(f"STATUS={'active: serving the line' if self.active else 'standing by'}")

    def stopped(self) -> None:
        self.active = False


async def serve(home: Home, console: tuple[str, int] | None, stop: asyncio.Event) -> None:
    """Run the station until ``stop``: directly on SQLite, as one of its servers on PostgreSQL.
    Under systemd it says when it is ready and feeds the watchdog; with ``[metrics] listen`` it
    serves its metrics and health there, standing by or active."""
    serving = _Serving()
    metrics = None
    if home.config.metrics.listen:
        from .monitoring.server import MetricsServer  # prometheus_client is loaded only where it is used

        metrics = MetricsServer(home, lambda: serving.active, time.time)
        metrics.start()
    interval = watchdog_interval()
    watchdog = asyncio.create_task(feed_watchdog(interval), name="watchdog") if interval else None
    try:
        if not home.config.store:
            try:
                await Station(home, console=console).run(stop, on_ready=serving.ready)
            finally:
                serving.stopped()
            return
        server = home.config.server or socket.gethostname()
        leadership = Leadership(home.config.store, server)
        try:
            while not stop.is_set():
                epoch = await _stand_by(leadership, console, stop, serving)
                if epoch is None:
                    break
                await _be_active(home, leadership, epoch, console, stop, serving)
        finally:
            leadership.close()
    finally:
        notify("STOPPING=1")
        if watchdog is not None:
            watchdog.cancel()
            await asyncio.gather(watchdog, return_exceptions=True)
        if metrics is not None:
            await asyncio.to_thread(metrics.close)


async def _stand_by(
    leadership: Leadership, console: tuple[str, int] | None, stop: asyncio.Event, serving: _Serving
) -> int | None:
    address = format_address(*console) if console else ""
    page = _StandbyConsole(leadership, console) if console else None
    if page is not None:
        await page.start()
    serving.ready()
    try:
        reported = ""
        while not stop.is_set():
            try:
                epoch = leadership.claim(address)
                if epoch is not None:
                    return epoch
                leader = leadership.current()
                if leader.server != reported:
                    reported = leader.server
                    log_event(
                        log, logging.INFO, "server.standby", server=leadership.server, active=leader.server or "-"
                    )
            except StoreError as exc:
                log_event(log, logging.ERROR, "server.database_unreachable", server=leadership.server, error=str(exc))
            await _wait(stop, _LOOK)
        return None
    finally:
        if page is not None:
            await page.stop()


async def _be_active(
    home: Home,
    leadership: Leadership,
    epoch: int,
    console: tuple[str, int] | None,
    stop: asyncio.Event,
    serving: _Serving,
) -> None:
    log_event(log, logging.WARNING, "server.active", server=leadership.server, epoch=epoch)
    store = PostgresStore(home.config.store, application=f"detente {home.config.party} {leadership.server}")
    store.fence(epoch)
    done = asyncio.Event()
    lost: list[str] = []

    def on_lost(reason: str) -> None:
        lost.append(reason)
        done.set()

    keeper = _LeaseKeeper(home.config.store, leadership.server, epoch, asyncio.get_running_loop(), on_lost)

    async def beat() -> None:  # tells the keeper that this loop still runs
        while True:
            keeper.beat = time.monotonic()
            await asyncio.sleep(_RENEW / 2)

    async def follow_stop() -> None:
        await stop.wait()
        done.set()

    tasks = [asyncio.create_task(beat()), asyncio.create_task(follow_stop())]
    keeper.start()
    try:
        await Station(home, store=store, console=console).run(done, on_ready=serving.ready)
    except Exception as exc:  # a station that lost its turn may fail on its next write: that is the loss
        if not lost:
            raise
        log_event(log, logging.INFO, "server.stopped_after_loss", error=str(exc))
    finally:
        serving.stopped()
        keeper.finish()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    if lost:
        log_event(log, logging.ERROR, "server.lost", server=leadership.server, epoch=epoch, reason=lost[0])
    elif stop.is_set():
        with contextlib.suppress(StoreError):
            leadership.resign(epoch)
        log_event(log, logging.INFO, "server.resigned", server=leadership.server, epoch=epoch)


class _LeaseKeeper(threading.Thread):
    """Renews the active server's lease from its own thread and connection, so that a busy moment
    of the station (a backlog to store and sign) does not let the lease lapse; but only while the
    station's loop shows it is alive: a station stuck for ``_STUCK`` seconds lets a standby in."""

    def __init__(
        self, url: str, server: str, epoch: int, loop: asyncio.AbstractEventLoop, on_lost: Callable[[str], None]
    ) -> None:
        super().__init__(name=f"lease {server}", daemon=True)
        self.leadership = Leadership(url, server)
        self.epoch = epoch
        self.loop = loop
        self.on_lost = on_lost
        self.beat = time.monotonic()
        self._finished = threading.Event()

    def run(self) -> None:
        renewed = time.monotonic()
        reason = ""
        try:
            while not self._finished.wait(_RENEW):
                if time.monotonic() - self.beat > _STUCK:
                    reason = f"the station has not run for {_STUCK:.0f} s"
                    break
                try:
                    if not self.leadership.renew(self.epoch):
                        reason = "another server took over"
                        break
                    renewed = time.monotonic()
                except StoreError as exc:
                    if time.monotonic() - renewed >= LEASE * 0.8:  # a standby may take over any moment now
                        reason = f"the database is unreachable ({exc})"
                        break
        finally:
            self.leadership.close()
        if reason and not self._finished.is_set():
            with contextlib.suppress(RuntimeError):  # the loop is gone: the station has stopped anyway
                self.loop.call_soon_threadsafe(self.on_lost, reason)

    def finish(self) -> None:
        self._finished.set()
        self.join(5)


async def _wait(event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()


class _StandbyConsole:
    """A standby's console: every page sends the operator to the active server's console."""

    def __init__(self, leadership: Leadership, address: tuple[str, int]) -> None:
        self.leadership = leadership
        self.address = address
        app = Starlette(routes=[Route("/{path:path}", self._page, methods=["GET", "HEAD", "POST", "PUT", "DELETE"])])
        self._server = _QuietServer(
            uvicorn.Config(app, host=address[0], port=address[1], log_level="warning", access_log=False)
        )
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        for _ in range(10):  # the active station's console, just stopped, may still hold the port a moment
            try:
                sock = socket.create_server(self.address)
                break
            except OSError as exc:
                error = exc
                await asyncio.sleep(0.3)
        else:
            log_event(log, logging.ERROR, "console.unavailable", address=format_address(*self.address), error=error)
            return
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started and not self._task.done():
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(Exception):
            await self._task

    async def _page(self, request: Request) -> Response:
        try:
            leader: Leader | None = self.leadership.current()
        except StoreError:
            leader = None
        active = leader.server if leader is not None and leader.live else ""
        if request.url.path.startswith("/api/"):
            return JSONResponse(
                {
                    "error": "standby",
                    "detail": f"this server ({self.leadership.server}) is standing by",
                    "active": active,
                },
                status_code=503,
                headers={"Retry-After": "1"},
            )
        if leader is not None and leader.live and leader.console:
            target = f"{request.url.scheme}://{leader.console}{request.url.path}"
            return RedirectResponse(target, status_code=307)
        return HTMLResponse(_STANDBY_PAGE.format(server=html.escape(self.leadership.server)), status_code=503)


class _QuietServer(uvicorn.Server):
    """uvicorn inside the server's loop, leaving SIGINT and SIGTERM to ``serve``."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


_STANDBY_PAGE = """<!doctype html><html lang="en"><meta charset="utf-8"><meta http-equiv="refresh" content="2">
<title>détente: standing by</title><body style="font-family: sans-serif; margin: 3em">
<h1>This server ({server}) is standing by</h1>
<p>No server of this station is active at this moment; one will take over within seconds.
This page reloads itself.</p></body></html>
"""
