"""Fan-out of stage moves to the browsers that follow the live view (server-sent events).

In-process and lossy on purpose: a browser that falls behind loses the oldest notices, not
the numbers, because every notice only tells it to fetch the live view again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any


class Broadcaster:
    def __init__(self, backlog: int = 100) -> None:
        self._backlog = backlog
        self._queues: set[asyncio.Queue[dict[str, Any]]] = set()

    @property
    def listeners(self) -> int:
        return len(self._queues)

    def publish(self, message: dict[str, Any]) -> None:
        for q in self._queues:
            if q.full():
                q.get_nowait()
            q.put_nowait(message)

    @contextlib.asynccontextmanager
    async def listen(self) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        q: asyncio.Queue[dict[str, Any]] = asyncio.Queue(self._backlog)
        self._queues.add(q)
        try:
            yield q
        finally:
            self._queues.discard(q)
