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
from switchboard.asterisk.agi.policy import AgiLimits, AgiStats, PeerAllowlist
from switchboard.asterisk.agi.request import (
    MAX_HEADERS,
    AgiProtocolError,
    AgiRequest,
    build_request,
    parse_header_line,
)
from switchboard.asterisk.agi.session import AgiHangupError, AgiSession
from switchboard.config.settings import AgiSettings

Handler = Callable[[AgiSession], Awaitable[None]]
"""An async callable that answers one session; the server closes the session afterwards."""


class _Conn:
    __slots__ = ("evicted", "writer")

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.evicted = False


class AgiServer:
    """Serves FastAGI on `settings.host:port`; `start()`, then `stop(grace_s)`."""

    def __init__(
        self,
        settings: AgiSettings,
        *,
        limits: AgiLimits | None = None,
        handlers: Mapping[str, Handler] | None = None,
        logger: Any = None,
    ) -> None:
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
        self._waiting: dict[_Conn, None] = {}
        self._closing = False

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
        self._server = await asyncio.start_server(
            self._on_connect,
            self.settings.host,
            self.settings.port,
            limit=self.limits.max_line_bytes,
            backlog=self.limits.backlog,
        )
        self._log.info("agi listening", host=self.settings.host, port=self.port)

    async def stop(self, grace_s: float = 5.0) -> None:
        """Stop accepting, let sessions in progress finish within `grace_s`, cancel the rest."""
        if self._server is None:
            return
        self._closing = True
        self._server.close()
        for conn in list(self._waiting):
            conn.writer.close()
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
        self._log.info("agi stopped", **_counters(self.stats))

    async def __aenter__(self) -> AgiServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.stats.accepted += 1
        conn = _Conn(writer)
        peer = writer.get_extra_info("peername")
        host = str(peer[0]) if peer else "?"
        log = self._log.bind(peer=host)
        slot = False
        try:
            if self._closing:
                return
            if not self._allowed.admits(host):
                self.stats.refused_peer += 1
                log.warning("agi peer not in allowed_peers, closed")
                return
            slot = self._take_slot()
            if not slot:
                self.stats.refused_busy += 1
                log.warning("agi max_sessions reached, closed", max=self.settings.max_sessions)
                return
            await self._serve(conn, reader, log)
        except asyncio.CancelledError:
            # Only stop() cancels these root tasks. Ending normally matters on 3.11, whose
            # StreamReaderProtocol calls task.exception() on a cancelled task and logs an error.
            log.warning("agi session cancelled at stop, closed")
        finally:
            if slot and not conn.evicted:
                self.stats.active -= 1
            self._waiting.pop(conn, None)
            self._tasks.discard(task)
            with contextlib.suppress(asyncio.CancelledError):
                await self._close(writer)

    async def _serve(self, conn: _Conn, reader: asyncio.StreamReader, log: Any) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.session_deadline_s
        self._waiting[conn] = None
        try:
            async with asyncio.timeout_at(
                min(deadline, loop.time() + self.limits.header_timeout_s)
            ):
                request = await self._read_request(reader)
        except TimeoutError:
            self.stats.timeouts += 1
            log.info("agi header timeout, closed")
            return
        except (AgiProtocolError, asyncio.IncompleteReadError) as exc:
            if conn.evicted:
                log.info("agi connection without header evicted for a new one")
                return
            self.stats.errors += 1
            log.warning("agi bad header block, closed", error=_why(exc))
            return
        finally:
            self._waiting.pop(conn, None)
        handler = self._handlers.get(request.script)
        session_log = log.bind(call_id=request.uniqueid, script=request.script, tenant=None)
        if handler is None:
            self.stats.errors += 1
            session_log.warning("agi no handler for script, closed")
            return
        session = AgiSession(
            request,
            reader,
            conn.writer,
            log=session_log,
            command_timeout_s=self.limits.command_timeout_s,
            deadline=deadline,
        )
        await self._run(handler, session, deadline, reader, conn.writer)

    async def _run(
        self,
        handler: Handler,
        session: AgiSession,
        deadline: float,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        self.stats.sessions += 1
        started = asyncio.get_running_loop().time()
        outcome = "answered"
        try:
            async with asyncio.timeout_at(deadline):
                await handler(session)
        except TimeoutError:
            self.stats.timeouts += 1
            outcome = "deadline"
        except (AgiHangupError, ConnectionError):
            outcome = "closed_by_asterisk"
        except (AgiProtocolError, AgiCommandError) as exc:
            self.stats.errors += 1
            outcome = f"protocol_error: {exc}"
        except Exception:
            self.stats.errors += 1
            outcome = "handler_error"
            session.log.exception("agi handler failed")
        else:
            self.stats.answered += 1
        if session.hung_up:
            self.stats.hangups += 1
        elapsed_ms = round((asyncio.get_running_loop().time() - started) * 1000, 3)
        level = session.log.info if outcome == "answered" else session.log.warning
        level(
            "agi session",
            outcome=outcome,
            ms=elapsed_ms,
            commands=session.commands_sent,
            hung_up=session.hung_up,
        )
        if outcome == "answered":
            await self._drain(writer, reader)

    async def _read_request(self, reader: asyncio.StreamReader) -> AgiRequest:
        pairs: list[tuple[str, str]] = []
        while True:
            try:
                raw = await reader.readuntil(b"\n")
            except asyncio.LimitOverrunError as exc:
                raise AgiProtocolError(f"line longer than {self.limits.max_line_bytes}") from exc
            if raw == b"\n":
                return build_request(pairs)
            if len(pairs) >= MAX_HEADERS:
                raise AgiProtocolError("too many header lines")
            pairs.append(parse_header_line(raw[:-1].decode("utf-8", "replace")))

    async def _drain(self, writer: asyncio.StreamWriter, reader: asyncio.StreamReader) -> None:
        # Half-close: Asterisk reads EOF, ends AGI (AGISTATUS=SUCCESS), writes its closing
        # `HANGUP` and closes; reading to EOF avoids a reset on its side (recording 16).
        try:
            writer.write_eof()
            async with asyncio.timeout(self.limits.drain_timeout_s):
                while await reader.read(4096):
                    pass
        except (TimeoutError, ConnectionError, OSError):
            pass

    async def _close(self, writer: asyncio.StreamWriter) -> None:
        writer.close()
        try:
            async with asyncio.timeout(self.limits.drain_timeout_s):
                await writer.wait_closed()
        except (TimeoutError, ConnectionError, OSError):
            writer.transport.abort()

    def _take_slot(self) -> bool:
        if self.stats.active < self.settings.max_sessions:
            self.stats.active += 1
            return True
        if not self._waiting:
            return False
        # Full: drop the oldest connection still silent about its header, never a session in
        # progress. Asterisk sends the header block at once, so silence means a stray peer.
        victim = next(iter(self._waiting))
        del self._waiting[victim]
        victim.evicted = True
        victim.writer.close()
        self.stats.evicted += 1
        return True


def _why(exc: BaseException) -> str:
    if isinstance(exc, asyncio.IncompleteReadError):
        return "peer closed before the end of the header block"
    return str(exc)


def _counters(stats: AgiStats) -> dict[str, int]:
    return dataclasses.asdict(stats)
