"""One aiohttp application served from the engine's own loop; each surface adds its routes."""

from __future__ import annotations

from collections.abc import Iterable

import structlog
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from switchboard.config.settings import HttpSettings

log = structlog.get_logger("switchboard.http")

Routes = Iterable[web.AbstractRouteDef]
SHUTDOWN_S = 2.0  # scrapes and probes are short; a stop never waits long for them


class HttpServer:
    """Serves `settings.host:port` (loopback by default): `add()` routes, `start()`, `stop()`."""

    def __init__(self, settings: HttpSettings) -> None:
        self.settings = settings
        self.app = web.Application()
        self._runner: web.AppRunner | None = None

    def add(self, routes: Routes) -> None:
        """Register one surface's routes (before `start()`)."""
        self.app.add_routes(routes)

    @property
    def port(self) -> int:
        """The bound port (useful when the configured port is 0)."""
        if self._runner is None or not self._runner.addresses:
            raise RuntimeError("http server not started")
        return int(self._runner.addresses[0][1])

    async def start(self) -> None:
        """Bind and serve; signals stay with the engine (aiohttp installs no handlers)."""
        runner = web.AppRunner(
            self.app,
            handle_signals=False,
            access_log_class=AccessLog,
            shutdown_timeout=SHUTDOWN_S,
        )
        await runner.setup()
        site = web.TCPSite(runner, self.settings.host, self.settings.port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        log.info("http listening", host=self.settings.host, port=self.port)

    async def stop(self) -> None:
        """Stop listening and close open connections."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()


class AccessLog(AbstractAccessLogger):
    """Requests as structlog debug lines: path without the query string (it may carry tokens)."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        """Log one request."""
        log.debug(
            "http request",
            method=request.method,
            path=request.path,
            status=response.status,
            ms=round(time * 1000, 3),
        )
