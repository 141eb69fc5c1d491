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
    parse_header_line,
    parse_header_lines,
)
from switchboard.asterisk.agi.session import AgiHangupError, AgiSession
from switchboard.config.settings import AgiSettings

Handler = Callable[[AgiSession], Awaitable[None]]
"""An async callable that answers one session; the server closes the session afterwards."""


class _WholeHeader(asyncio.StreamReaderProtocol):
    """Asterisk writes the header block one line per write() [S: res_agi.c setup_env]: hold it
    until its empty line, so the session wakes once for it and not once a line. Anything that
    cannot be a header (no `agi_` start, past the limit, EOF) is passed on at once."""

    def __init__(
        self, reader: asyncio.StreamReader, connected: Callable[..., Any], limit: int
    ) -> None:
        super().__init__(reader, connected)
        self._held: bytearray | None = bytearray()
        self._limit = limit

    def data_received(self, data: bytes) -> None:
        held = self._held
        if held is None:
            super().data_received(data)
            return
        held += data
        whole = b"\n\n" in held or len(held) > self._limit
        if not whole and b"agi_".startswith(held[:4]):
            return
        self._held = None
        super().data_received(bytes(held))

    def eof_received(self) -> bool | None:
        if self._held:
            super().data_received(bytes(self._held))
        self._held = None
        return super().eof_received()


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
        self._waiting: dict[_Conn, None] = {}
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

        def protocol() -> _WholeHeader:
            return _WholeHeader(asyncio.StreamReader(limit, loop), self._on_connect, limit)

        self._server = await loop.create_server(
            protocol, self.settings.host, self.settings.port, backlog=self.limits.backlog
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
        slot = answered = False
        try:
            if self._closing:
                return
            if not self._allowed.admits(host):
                self.stats.refused_peer += 1
                self._log.warning("agi peer not in allowed_peers, closed", peer=host)
                return
            slot = self._take_slot()
            if not slot:
                self.stats.refused_busy += 1
                self._log.warning(
                    "agi max_sessions reached, closed", peer=host, max=self.settings.max_sessions
                )
                return
            answered = await self._serve(conn, reader, host)
        except asyncio.CancelledError:
            # Only stop() cancels these root tasks. Ending normally matters on 3.11, whose
            # StreamReaderProtocol calls task.exception() on a cancelled task and logs an error.
            self._log.warning("agi session cancelled at stop, closed", peer=host)
        finally:
            if slot and not conn.evicted:
                self.stats.active -= 1
            self._waiting.pop(conn, None)
            self._tasks.discard(task)
            with contextlib.suppress(asyncio.CancelledError):
                await self._close(writer, reader if answered else None)

    async def _serve(self, conn: _Conn, reader: asyncio.StreamReader, host: str) -> bool:
        """Read the header and run the script's handler, all within one deadline; True when
        the handler answered (the session then ends with a half-close)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.session_deadline_s
        self._waiting[conn] = None
        session: AgiSession | None = None  # None while the header is being read
        try:
            async with asyncio.timeout_at(
                min(deadline, loop.time() + self.limits.header_timeout_s)
            ) as timer:
                request = await self._read_request(reader)
                self._waiting.pop(conn, None)
                handler = self._handlers.get(request.script)
                fields: dict[str, object] = {
                    "peer": host,
                    "call_id": request.uniqueid,
                    "script": request.script,
                }
                if handler is None:
                    self.stats.errors += 1
                    self._log.warning("agi no handler for script, closed", **fields)
                    return False
                session = AgiSession(
                    request,
                    reader,
                    conn.writer,
                    log=self._log,
                    command_timeout_s=self.limits.command_timeout_s,
                    deadline=deadline,
                    fields=fields,
                )
                timer.reschedule(deadline)
                return await self._run(handler, session)
        except TimeoutError:
            self.stats.timeouts += 1
            if session is None:
                self._log.info("agi header timeout, closed", peer=host)
                return False
            self._summary(session, "deadline")
            return False
        except (AgiProtocolError, asyncio.IncompleteReadError) as exc:
            # Only the header read: _run answers the handler's own errors.
            if conn.evicted:
                self._log.info("agi connection without header evicted for a new one", peer=host)
                return False
            self.stats.errors += 1
            self._log.warning("agi bad header block, closed", peer=host, error=_why(exc))
            return False

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

    async def _read_request(self, reader: asyncio.StreamReader) -> AgiRequest:
        """The header block: its first lines one by one (garbage such as a TLS hello is refused
        at once), the rest in one read up to the empty line."""
        try:
            lines = [await reader.readuntil(b"\n")]
            if lines[0] != b"\n":
                parse_header_line(lines[0][:-1].decode("utf-8", "replace"))
                lines.append(await reader.readuntil(b"\n"))
                if lines[-1] != b"\n":
                    lines.append(await reader.readuntil(b"\n\n"))
        except asyncio.LimitOverrunError as exc:
            raise AgiProtocolError(f"header longer than {self.limits.max_header_bytes}") from exc
        text = b"".join(lines).decode("utf-8", "replace").split("\n")[:-2]
        if len(text) > MAX_HEADERS:
            raise AgiProtocolError("too many header lines")
        return parse_header_lines(text)

    async def _close(
        self, writer: asyncio.StreamWriter, reader: asyncio.StreamReader | None
    ) -> None:
        """Close; after an answer first half-close (unless the last command carried it) and read
        to EOF: Asterisk reads EOF, ends the AGI (AGISTATUS=SUCCESS), writes its closing `HANGUP`
        and closes, and reading it avoids a reset on its side (recording 16)."""
        if reader is not None:
            try:
                async with asyncio.timeout(self.limits.drain_timeout_s):
                    writer.write_eof()
                    while await reader.read(4096):
                        pass
            except (TimeoutError, ConnectionError, OSError):
                writer.transport.abort()
                return
        writer.close()  # the transport finishes closing on its own: nothing left to wait for

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
