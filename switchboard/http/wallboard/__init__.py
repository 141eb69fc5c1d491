"""The wallboard and the agent view: static HTML, CSS and JavaScript served by the engine itself
(no build step, nothing from a CDN: it works on a wall screen with no internet).

`/` is the wallboard (every tenant's panel, the whole switchboard, a chart of the last hour);
`/agent` is an operator's own state with log-in and pause buttons. Both read `/api/stream` and
act through the REST API with the bearer token given in the address (`#token=...`, kept in the
browser's storage and removed from the address bar) or typed in.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).parent / "static"
PAGES = {"/": "index.html", "/agent": "agent.html"}
ASSETS = frozenset({"wallboard.css", "common.js", "wallboard.js", "agent.js", "i18n.js"})
NO_STORE = {"Cache-Control": "no-cache"}


def routes() -> list[web.RouteDef]:
    """GET / and /agent, and their files under /wallboard/."""

    async def asset(request: web.Request) -> web.FileResponse:
        name = request.match_info["name"]
        if name not in ASSETS:
            raise web.HTTPNotFound()
        return web.FileResponse(STATIC / name, headers=NO_STORE)

    pages = [_page(path, name) for path, name in PAGES.items()]
    return [*pages, web.get("/wallboard/{name}", asset)]


def _page(path: str, name: str) -> web.RouteDef:
    async def handle(_: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / name, headers=NO_STORE)

    return web.get(path, handle)
