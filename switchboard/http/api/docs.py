"""`/api/openapi.json` and the interactive page `/api/docs` (Swagger UI's files from the
`swagger-ui-py` package, served locally: no CDN, works offline)."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>switchboard API</title>
<link rel="stylesheet" href="/api/docs/static/swagger-ui.css">
</head>
<body>
<div id="ui"></div>
<script src="/api/docs/static/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({
  url: "/api/openapi.json", dom_id: "#ui", validatorUrl: null, deepLinking: true,
  persistAuthorization: true, tryItOutEnabled: true
});
</script>
</body>
</html>
"""
FALLBACK = """<!doctype html><html lang="en"><meta charset="utf-8"><title>switchboard API</title>
<p>The interactive page needs the <code>swagger-ui-py</code> package. The OpenAPI document is at
<a href="/api/openapi.json">/api/openapi.json</a>.</p></html>
"""
SERVED = ("swagger-ui.css", "swagger-ui-bundle.js")


def docs_routes(document: Callable[[], dict[str, Any]]) -> list[web.RouteDef]:
    """GET /api/openapi.json, /api/docs and Swagger UI's two files (all public)."""
    static = swagger_ui_files()
    cached: list[bytes] = []

    async def openapi(_: web.Request) -> web.Response:
        if not cached:
            cached.append(json.dumps(document(), ensure_ascii=False).encode())
        return web.Response(body=cached[0], content_type="application/json")

    async def page(_: web.Request) -> web.Response:
        return web.Response(text=PAGE if static else FALLBACK, content_type="text/html")

    async def asset(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if static is None or name not in SERVED:
            raise web.HTTPNotFound()
        return web.FileResponse(static / name, headers={"Cache-Control": "max-age=86400"})

    return [
        web.get("/api/openapi.json", openapi),
        web.get("/api/docs", page),
        web.get("/api/docs/static/{name}", asset),
    ]


def swagger_ui_files() -> Path | None:
    """The folder of Swagger UI's built files, found without importing the package."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "static"
    return folder if all((folder / name).is_file() for name in SERVED) else None
