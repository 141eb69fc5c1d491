"""The live stream's hub without sockets: a client that cannot keep up is dropped, never waited
for, and each client gets only what its token covers."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from aiohttp import web

from switchboard.http.api.auth import Principal
from switchboard.http.api.stream import Client, Hub, Message


class Request:
    """What the hub needs of a request: its transport (gone here)."""

    transport = None


def client(tenants: frozenset[str] | None, size: int) -> Client:
    principal = Principal("t", "wallboard", tenants)
    return Client(principal, cast(web.Request, Request()), asyncio.Queue(size))


def hub() -> Hub:
    return Hub(cast(Any, None), cast(Any, None))


async def test_a_lagging_client_is_dropped_and_the_others_keep_receiving() -> None:
    h = hub()
    slow, fast = client(None, 2), client(None, 100)
    h.clients |= {slow, fast}
    for i in range(5):  # five frames
        h.broadcast([Message(f"event: tick\ndata: {i}\n\n".encode(), None)])
    assert slow.dropped
    assert h.clients == {fast}
    assert h.stats.dropped == 1
    assert fast.queue.qsize() == 5
    assert slow.queue.get_nowait() is None  # its stream ends at once


async def test_clients_get_only_their_tenants_messages() -> None:
    h = hub()
    mine, everyone = client(frozenset({"vetlanda"}), 10), client(None, 10)
    h.clients |= {mine, everyone}
    h.broadcast(
        [
            Message(b"a", frozenset({"savsjo"})),
            Message(b"b", frozenset({"vetlanda", "savsjo"})),
            Message(b"c", None),
        ]
    )
    assert mine.queue.get_nowait() == b"bc"  # one frame: what its tenants may see
    assert everyone.queue.get_nowait() == b"abc"
