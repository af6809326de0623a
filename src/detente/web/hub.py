"""Live updates for the console: the station publishes, every open console receives at once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

__all__ = ["Hub"]

_BACKLOG = 256


class Hub:
    """Fan-out of small JSON events to subscribers (one queue each, bounded: a console that
    stops reading is told to reload instead of making the station hold its backlog)."""

    def __init__(self) -> None:
        self._subscribers: set[asyncio.Queue[dict[str, Any]]] = set()

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def publish(self, event: dict[str, Any]) -> None:
        for queue in list(self._subscribers):
            if queue.full():
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait({"type": "reload"})
            else:
                queue.put_nowait(event)

    @contextlib.contextmanager
    def subscription(self) -> Iterator[asyncio.Queue[dict[str, Any]]]:
        """A queue that receives every event published while the ``with`` block lasts."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(_BACKLOG)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)
