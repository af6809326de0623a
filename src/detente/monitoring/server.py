"""The metrics listener: ``/metrics`` for Prometheus, ``/healthz`` and ``/readyz`` for load
balancers and the two-server setup, on an address of its own (``[metrics] listen``).

It runs in a thread of its own so that a scrape never holds up the station's event loop, with
its own connection to the store. Off loopback every request must carry the bearer token of
``[metrics] token_file``.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import CollectorRegistry

from ..config import format_address, parse_address
from ..errors import ConfigError
from ..home import Home
from ..logs import log_event
from .collector import StationCollector

__all__ = ["MetricsServer", "read_token"]

log = logging.getLogger("detente.metrics")


def read_token(home: Home) -> str | None:
    """The bearer token of ``[metrics] token_file`` (None when none is set); ConfigError when unreadable."""
    name = home.config.metrics.token_file
    if not name:
        return None
    path = Path(name) if Path(name).is_absolute() else home.path / name
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"metrics.token_file {path} cannot be read ({exc.strerror or exc}); create it") from None
    if len(token) < 16:
        raise ConfigError(f"metrics.token_file {path} holds fewer than 16 characters; write a long random token")
    return token


class MetricsServer:
    """Serves the station's metrics and health on ``[metrics] listen`` until ``close``."""

    def __init__(self, home: Home, active: Callable[[], bool], clock: Callable[[], float]) -> None:
        self.home = home
        self.address = parse_address(home.config.metrics.listen, "metrics.listen")
        self.token = read_token(home)
        self.collector = StationCollector(home.open_store, active, clock)
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self.collector)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        handler = _handler(self)
        try:
            self._server = _Server(self.address, handler)
        except OSError as exc:
            raise ConfigError(
                f"cannot serve metrics on {format_address(*self.address)}: {exc.strerror or exc}; "
                "free the port or change [metrics] listen"
            ) from None
        self._thread = threading.Thread(target=self._server.serve_forever, name="metrics", daemon=True)
        self._thread.start()
        log_event(log, logging.INFO, "metrics.listening", url=f"http://{format_address(*self.address)}/metrics")

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
        self.collector.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        import socket

        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, handler)


def _handler(metrics: MetricsServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "detente-metrics"

        def do_GET(self) -> None:
            if metrics.token is not None and not _authorised(self.headers.get("Authorization", ""), metrics.token):
                self._reply(401, b"a bearer token is required\n", "text/plain", {"WWW-Authenticate": "Bearer"})
                return
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._reply(200, generate_latest(metrics.registry), CONTENT_TYPE_LATEST)
            elif path == "/healthz":
                self._reply(200, b'{"alive": true}\n', "application/json")
            elif path == "/readyz":
                state = metrics.collector.readiness()
                body = (json.dumps(state, sort_keys=True) + "\n").encode()
                self._reply(200 if state["ready"] else 503, body, "application/json")
            else:
                self._reply(404, b"not found: /metrics, /healthz and /readyz are served here\n", "text/plain")

        def _reply(self, code: int, body: bytes, kind: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            log.debug("metrics request " + format, *args)

    return Handler


def _authorised(header: str, token: str) -> bool:
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
