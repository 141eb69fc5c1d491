"""One live FastAGI session: the typed request plus the commands a handler may send."""

from __future__ import annotations

import asyncio
from typing import Any

from switchboard.asterisk.agi.commands import (
    AgiCommandError,
    AgiReply,
    ReplyReader,
    format_command,
)
from switchboard.asterisk.agi.request import AgiProtocolError, AgiRequest


class AgiHangupError(ConnectionError):
    """Asterisk closed the session (EOF) while the engine still expected a reply."""


class AgiSession:
    """Commands run one at a time, each within the command timeout and the session deadline."""

    def __init__(
        self,
        request: AgiRequest,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        log: Any,
        command_timeout_s: float,
        deadline: float,
        fields: dict[str, object] | None = None,
    ) -> None:
        """`deadline` is in event-loop time (`loop.time()`); `fields` go on every log line."""
        self.request = request
        self.fields: dict[str, object] = dict(fields or {})
        self._log = log
        self._reader = reader
        self._writer = writer
        self._replies = ReplyReader()
        self._command_timeout_s = command_timeout_s
        self._deadline = deadline
        self.commands_sent = 0
        self.started = 0.0  # loop time the handler started (set by the server)
        self._broken = False

    @property
    def hung_up(self) -> bool:
        """True once Asterisk has sent a `HANGUP` line (seen while reading replies)."""
        return self._replies.hangup

    @property
    def log(self) -> Any:
        """A logger carrying the session's fields (made when a handler needs to log apart)."""
        return self._log.bind(**self.fields)

    def bind(self, **fields: object) -> None:
        """Add fields (tenant, what was decided) to the session's one summary line and to
        every later log line of it."""
        self.fields.update(fields)

    async def command(self, verb: str, *args: str) -> AgiReply:
        """Send `verb` with quoted `args` and return its reply (HANGUP lines are skipped)."""
        line = format_command(verb, *args)
        if self._broken:
            raise AgiProtocolError("an earlier command failed; replies may be out of step")
        left = self._deadline - asyncio.get_running_loop().time()
        self._broken = True
        if left <= self._command_timeout_s:  # the session's own deadline, already armed, binds
            return await self._exchange(line)
        async with asyncio.timeout(self._command_timeout_s):
            return await self._exchange(line)

    async def _exchange(self, line: bytes) -> AgiReply:
        self._writer.write(line)
        await self._writer.drain()
        self.commands_sent += 1
        while True:
            reply = self._replies.feed(await self._read_line())
            if reply is not None:
                self._broken = False
                return reply

    async def set_variable(self, name: str, value: str) -> AgiReply:
        """SET VARIABLE; res_agi.c answers 200 even on a hung-up channel (recording 05)."""
        _check_name(name)
        return await self.command("SET VARIABLE", name, value)

    async def get_variable(self, name: str) -> str | None:
        """GET VARIABLE: the value, or None when unset (`200 result=0`) or not answered."""
        _check_name(name)
        reply = await self.command("GET VARIABLE", name)
        return reply.data if reply.ok and reply.result == "1" else None

    async def verbose(self, message: str, level: int = 1) -> AgiReply:
        """VERBOSE: write `message` to Asterisk's verbose log at `level` (1-4)."""
        return await self.command("VERBOSE", message, str(level))

    async def _read_line(self) -> str:
        try:
            raw = await self._reader.readuntil(b"\n")
        except asyncio.IncompleteReadError as exc:
            raise AgiHangupError("Asterisk closed the session before replying") from exc
        except asyncio.LimitOverrunError as exc:
            raise AgiProtocolError("reply line too long") from exc
        return raw[:-1].decode("utf-8", "replace")


def _check_name(name: str) -> None:
    if not name or any(c.isspace() or c in '"\\\x00' for c in name):
        raise AgiCommandError(f"not a channel variable name: {name[:40]!r}")
