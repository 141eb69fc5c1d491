"""The FastAGI server: allowlisted peers, bounded sessions, deadlines, handlers by script name."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType
from typing import Any

import structlog

from switchboard.asterisk.agi.commands import AgiCommandError
from switchboard.asterisk.agi.link import AgiLink
from switchboard.asterisk.agi.policy import AgiLimits, AgiStats, PeerAllowlist
from switchboard.asterisk.agi.request import AgiProtocolError, parse_header_lines
from switchboard.asterisk.agi.session import AgiHangupError, AgiSession
from switchboard.config.settings import AgiSettings

Handler = Callable[[AgiSession], Awaitable[None]]
"""An async callable that answers one session; the server closes the session afterwards."""


class AgiServer:
    """Serves FastAGI on `settings.host:port`; `start()`, then `stop(grace_s)`."""

    def __init__(
        self,
        settings: AgiSettings,
        *,
        limits: AgiLimits | None = None,
        handlers: Mapping[str, Handler] | None = None,
        logger: Any = None,
        quiet: frozenset[str] = frozenset(),
    ) -> None:
        """`quiet`: scripts whose answered sessions log at debug (their failures still warn)."""
        self.settings = settings
        self.limits = limits or AgiLimits()
        self.stats = AgiStats()
        self._handlers: dict[str, Handler] = {}
        for script, handler in (handlers or {}).items():
            self.register(script, handler)
        self._allowed = PeerAllowlist(settings.allowed_peers)
        self._log = logger if logger is not None else structlog.get_logger("switchboard.agi")
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._links: set[AgiLink] = set()  # open connections given a slot
        self._waiting: dict[AgiLink, None] = {}  # links still reading their header, oldest first
        self._drained: asyncio.Future[None] | None = None  # set when the last link closes
        self._closing = False
        self._quiet = quiet

    def register(self, script: str, handler: Handler) -> None:
        """Answer requests for `agi://host/<script>?...` with `handler`."""
        if not script or "?" in script or script != script.strip("/ "):
            raise ValueError(f"not a script name: {script!r}")
        self._handlers[script] = handler

    @property
    def handlers(self) -> Mapping[str, Handler]:
        """The registered handlers by script name."""
        return MappingProxyType(self._handlers)

    @property
    def port(self) -> int:
        """The bound port (useful when the configured port is 0)."""
        if self._server is None or not self._server.sockets:
            raise RuntimeError("server not started")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def accepting(self) -> bool:
        """True between `start()` and the beginning of `stop()`."""
        return self._server is not None and not self._closing

    async def start(self) -> None:
        """Bind and start accepting connections."""
        self._closing = False
        loop = asyncio.get_running_loop()
        limit = self.limits.max_header_bytes
        self._server = await loop.create_server(
            lambda: AgiLink(self, limit),
            self.settings.host,
            self.settings.port,
            backlog=self.limits.backlog,
        )
        self._log.info("agi listening", host=self.settings.host, port=self.port)

    async def stop(self, grace_s: float = 5.0) -> None:
        """Stop accepting, let sessions in progress finish within `grace_s`, cancel the rest."""
        if self._server is None:
            return
        self._closing = True
        self._server.close()
        for link in list(self._waiting):
            self._drop_waiting(link)
            self._end(link)
        loop = asyncio.get_running_loop()
        until = loop.time() + grace_s
        while self._tasks:
            pending = set(self._tasks)
            _, late = await asyncio.wait(pending, timeout=max(until - loop.time(), 0.0))
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)
        await self._server.wait_closed()
        self._server = None
        if self._links:  # answered sessions draining to Asterisk's EOF, within the grace
            self._drained = loop.create_future()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._drained, max(until - loop.time(), 0.0))
            self._drained = None
        for link in list(self._links):
            link.abort()
        self._log.info("agi stopped", **_counters(self.stats))

    async def __aenter__(self) -> AgiServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def connected(self, link: AgiLink) -> None:
        """A peer connected: refused (closing, not allowed, no slot) or given the header
        timeout (within the session deadline) to send its header block."""
        self.stats.accepted += 1
        if self._closing:
            link.close()
            return
        if not self._allowed.admits(link.peer):
            self.stats.refused_peer += 1
            self._log.warning("agi peer not in allowed_peers, closed", peer=link.peer)
            link.close()
            return
        if not self._take_slot():
            self.stats.refused_busy += 1
            self._log.warning(
                "agi max_sessions reached, closed", peer=link.peer, max=self.settings.max_sessions
            )
            link.close()
            return
        link.slot = True
        self._links.add(link)
        self._waiting[link] = None
        loop = asyncio.get_running_loop()
        link.deadline = loop.time() + self.settings.session_deadline_s
        at = min(link.deadline, loop.time() + self.limits.header_timeout_s)
        link.timer = loop.call_at(at, self._header_timeout, link)

    def header(self, link: AgiLink, block: bytes | AgiProtocolError) -> None:
        """The header block arrived (or cannot): start the script's session, or close."""
        if link not in self._waiting:
            return  # refused, evicted, timed out or stopped: it is closing already
        self._drop_waiting(link)
        try:
            if isinstance(block, AgiProtocolError):
                raise block
            request = parse_header_lines(block.decode("utf-8", "replace").split("\n")[:-2])
        except AgiProtocolError as exc:
            self.stats.errors += 1
            self._log.warning("agi bad header block, closed", peer=link.peer, error=str(exc))
            self._end(link)
            return
        fields: dict[str, object] = {
            "peer": link.peer,
            "call_id": request.uniqueid,
            "script": request.script,
        }
        handler = self._handlers.get(request.script)
        if handler is None:
            self.stats.errors += 1
            self._log.warning("agi no handler for script, closed", **fields)
            self._end(link)
            return
        session = AgiSession(
            request,
            link,
            log=self._log,
            command_timeout_s=self.limits.command_timeout_s,
            deadline=link.deadline,
            fields=fields,
        )
        task = asyncio.get_running_loop().create_task(self._serve(link, handler, session))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def lost(self, link: AgiLink) -> None:
        """The connection is gone: a link still waiting for its header gives its slot back."""
        self._links.discard(link)
        if not self._links and self._drained is not None and not self._drained.done():
            self._drained.set_result(None)
        if link in self._waiting:
            self._drop_waiting(link)
            self._release(link)

    async def _serve(self, link: AgiLink, handler: Handler, session: AgiSession) -> None:
        """Run the handler within the session deadline; an answered session ends with a
        half-close and a drain, any other with a close."""
        answered = False
        try:
            async with asyncio.timeout_at(link.deadline):
                answered = await self._run(handler, session)
        except TimeoutError:
            self.stats.timeouts += 1
            self._summary(session, "deadline")
        except asyncio.CancelledError:
            # Only stop() cancels these tasks; ending normally keeps the loop from logging them.
            self._log.warning("agi session cancelled at stop, closed", peer=link.peer)
        finally:
            self._release(link)
            if answered:
                link.finish(self.limits.drain_timeout_s)
            else:
                link.close()

    async def _run(self, handler: Handler, session: AgiSession) -> bool:
        self.stats.sessions += 1
        session.started = asyncio.get_running_loop().time()
        outcome = "answered"
        try:
            await handler(session)
        except (AgiHangupError, ConnectionError):
            outcome = "closed_by_asterisk"
        except (AgiProtocolError, AgiCommandError) as exc:
            self.stats.errors += 1
            outcome = f"protocol_error: {exc}"
        except TimeoutError:
            raise  # the session deadline: counted and logged by _serve
        except Exception:
            self.stats.errors += 1
            outcome = "handler_error"
            session.log.exception("agi handler failed")
        else:
            self.stats.answered += 1
        self._summary(session, outcome)
        return outcome == "answered"

    def _summary(self, session: AgiSession, outcome: str) -> None:
        """The session's one log line: what the handler noted, how it ended, how long it took."""
        if session.hung_up:
            self.stats.hangups += 1
        elapsed_ms = round((asyncio.get_running_loop().time() - session.started) * 1000, 3)
        if outcome != "answered":
            level = self._log.warning
        elif session.request.script in self._quiet:
            level = self._log.debug
        else:
            level = self._log.info
        level(
            "agi session",
            **session.fields,
            outcome=outcome,
            ms=elapsed_ms,
            commands=session.commands_sent,
            hung_up=session.hung_up,
        )

    def _header_timeout(self, link: AgiLink) -> None:
        link.timer = None
        if link not in self._waiting:
            return
        self.stats.timeouts += 1
        self._log.info("agi header timeout, closed", peer=link.peer)
        self._drop_waiting(link)
        self._end(link)

    def _end(self, link: AgiLink) -> None:
        """Give the link's slot back and close it."""
        self._release(link)
        link.close()

    def _release(self, link: AgiLink) -> None:
        if link.slot:
            link.slot = False
            self.stats.active -= 1

    def _drop_waiting(self, link: AgiLink) -> None:
        if self._waiting.pop(link, 0) is None and link.timer is not None:
            link.timer.cancel()
            link.timer = None

    def _take_slot(self) -> bool:
        if self.stats.active < self.settings.max_sessions:
            self.stats.active += 1
            return True
        if not self._waiting:
            return False
        # Full: drop the oldest connection still silent about its header, never a session in
        # progress. Asterisk sends the header block at once, so silence means a stray peer.
        victim = next(iter(self._waiting))
        self._drop_waiting(victim)
        victim.slot = False  # its slot goes to the newcomer
        victim.close()
        self.stats.evicted += 1
        self._log.info("agi connection without header evicted for a new one", peer=victim.peer)
        return True


def _counters(stats: AgiStats) -> dict[str, int]:
    return dataclasses.asdict(stats)
