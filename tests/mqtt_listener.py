"""A test subscriber: records every message it gets and waits for conditions on them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from types import TracebackType
from typing import Any

import aiomqtt


class Listener:
    """`async with Listener(port, "sb/#") as sub:` then `await sub.until(lambda: ...)`."""

    def __init__(self, port: int, topic: str = "#", auth: tuple[str, str] | None = None) -> None:
        self.port = port
        self.topic = topic
        self.messages: list[tuple[str, bytes, bool]] = []  # (topic, payload, retained)
        self.latest: dict[str, bytes] = {}
        self._changed = asyncio.Event()
        user, password = auth if auth is not None else (None, None)
        self._client = aiomqtt.Client(
            "127.0.0.1", port, username=user, password=password, timeout=5
        )
        self._task: asyncio.Task[None] | None = None

    def json(self, topic: str) -> Any:
        """The last payload on `topic`, parsed."""
        return json.loads(self.latest[topic])

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        """Every call event received, in order (optionally only one kind)."""
        out = [json.loads(p) for t, p, _ in self.messages if "/events/call/" in t]
        return [e for e in out if name is None or e["event"] == name]

    async def until(self, predicate: Callable[[], bool], within_s: float = 10.0) -> None:
        """Wait until `predicate()` holds, re-checked after every message."""
        async with asyncio.timeout(within_s):
            while not predicate():
                self._changed.clear()
                await self._changed.wait()

    async def __aenter__(self) -> Listener:
        await self._client.__aenter__()
        await self._client.subscribe(self.topic, qos=1)
        self._task = asyncio.create_task(self._read(), name="test-listener")
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._client.__aexit__(t, e, tb)

    async def _read(self) -> None:
        async for message in self._client.messages:
            payload = message.payload if isinstance(message.payload, bytes) else b""
            topic = message.topic.value
            self.messages.append((topic, payload, message.retain))
            if payload:
                self.latest[topic] = payload
            else:
                self.latest.pop(topic, None)
            self._changed.set()
