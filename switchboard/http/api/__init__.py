"""The REST API, its live stream and its OpenAPI document, on the engine's HTTP server.

Usage: `api = Api(context)`, `http.add(api.routes())`, `effects.observers.append(api.hub.observe)`,
run `api.hub.run` as a supervised task, `api.close()` at stop.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from aiohttp import web

from switchboard.http.api.acts import act_routes
from switchboard.http.api.auth import READERS, Principal, authenticate
from switchboard.http.api.binding import Call, bind, json_errors
from switchboard.http.api.context import ApiContext
from switchboard.http.api.docs import docs_routes
from switchboard.http.api.reads import read_routes
from switchboard.http.api.reports import report_routes
from switchboard.http.api.spec import Route, openapi
from switchboard.http.api.stream import Hub

__all__ = ["Api", "ApiContext", "json_errors"]


class Api:
    """Every route of the API and the stream hub that feeds `/api/stream`."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx
        self.hub = Hub(ctx, lambda: ctx.config().engine.api)

        async def stream(c: Call) -> web.StreamResponse:
            return await self.hub.serve(c.request, c.principal)

        self.declared: list[Route] = [
            *read_routes(ctx),
            *act_routes(ctx),
            *report_routes(ctx),
            Route("GET", "/api/stream", "Live changes as Server-Sent Events", "live", stream,
                  READERS, media={"text/event-stream": "events: snapshot first (everything the "
                  "token may see), then tenant, queue, agent, overview, call and tick"},
                  description="The same state changes as MQTT (docs/events.md). A client that "
                  "falls behind by engine.api.stream_buffer messages is disconnected; on "
                  "reconnecting it gets a fresh snapshot."),
        ]  # fmt: skip

    def document(self) -> dict[str, Any]:
        """The OpenAPI 3.1 document."""
        try:
            release = version("switchboard")
        except PackageNotFoundError:
            release = "0"
        return openapi(self.declared, "switchboard", release)

    def routes(self) -> list[web.RouteDef]:
        """Every aiohttp route: the declared operations, the document and its page."""
        bound = [bind(route, self.principal) for route in self.declared]
        return [*bound, *docs_routes(self.document)]

    def principal(self, request: web.Request) -> Principal | None:
        """Who sent `request` (its bearer token, or anonymous reading on loopback)."""
        peer = request.remote
        header = request.headers.get("Authorization")
        return authenticate(header, peer, self.ctx.config(), self.ctx.loopback_server)

    def close(self) -> None:
        """End every live stream (the engine stops)."""
        self.hub.close()
