"""The engine with its REST API against the fake PBX: tokens of every role and an HTTP client,
in the test's loop (async tests) or served from a thread of its own (browser, schemathesis)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

from switchboard.config.api import ApiSettings
from tests.integration.engine_world import World, world

T = TypeVar("T")
AGENTS = {"1001": "vetlanda", "1002": "vetlanda", "1004": "savsjo"}
TOKENS = {
    "wall": {"role": "wallboard", "token": "wall-token-0000000001"},
    "wallv": {"role": "wallboard", "token": "wall-token-vetlanda-01", "tenants": ["vetlanda"]},
    "op": {"role": "operator", "token": "operator-token-op1001", "agent": "op1001"},
    "supv": {"role": "supervisor", "token": "supervisor-token-vet01", "tenants": ["vetlanda"]},
    "admin": {"role": "admin", "token": "admin-token-0000000001"},
}
API = ApiSettings.model_validate({"tokens": TOKENS})


def bearer(name: str | None) -> dict[str, str]:
    """The Authorization header of a configured token (None: no header)."""
    if name is None:
        return {}
    return {"Authorization": f"Bearer {TOKENS[name]['token']}"}


@dataclass
class ApiWorld:
    """A running world and a client session on its HTTP server."""

    w: World
    http: aiohttp.ClientSession

    @property
    def port(self) -> int:
        """The engine's HTTP port."""
        return self.w.engine.ops.http.port

    async def call(
        self, method: str, path: str, who: str | None = "admin", **kw: Any
    ) -> tuple[int, Any]:
        """(status, JSON body or text) of one request as token `who`."""
        headers = {**bearer(who), **kw.pop("headers", {})}
        async with self.http.request(method, path, headers=headers, **kw) as response:
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, await response.text()


@asynccontextmanager
async def api_world(tmp: Path, api: ApiSettings = API) -> AsyncIterator[ApiWorld]:
    """The world with tokens of every role; phones answer."""
    async with world(tmp, AGENTS, api=api) as w:
        base = f"http://127.0.0.1:{w.engine.ops.http.port}"
        async with aiohttp.ClientSession(base) as http:
            yield ApiWorld(w, http)


@dataclass
class Served:
    """A world running in a thread of its own (for synchronous clients)."""

    world: ApiWorld
    loop: asyncio.AbstractEventLoop

    @property
    def base(self) -> str:
        """The engine's HTTP address."""
        return f"http://127.0.0.1:{self.world.port}"

    def run(self, work: Coroutine[Any, Any, T], within_s: float = 10.0) -> T:
        """Run `work` in the world's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(within_s)


@contextlib.contextmanager
def served(tmp: Path, api: ApiSettings = API) -> Iterator[Served]:
    """`api_world` in a background thread with its own event loop."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="served-world", daemon=True)
    thread.start()
    stack = AsyncExitStack()

    async def start() -> ApiWorld:
        return await stack.enter_async_context(api_world(tmp, api))

    try:
        started = asyncio.run_coroutine_threadsafe(start(), loop).result(30)
        yield Served(started, loop)
    finally:
        asyncio.run_coroutine_threadsafe(stack.aclose(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
