"""One live FastAGI session: the typed request plus the commands a handler may send."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from switchboard.asterisk.agi.commands import (
    AgiCommandError,
    AgiReply,
    ReplyReader,
    format_command,
)
from switchboard.asterisk.agi.link import AgiLink
from switchboard.asterisk.agi.request import AgiProtocolError, AgiRequest


class AgiHangupError(ConnectionError):
    """Asterisk closed the session (EOF) while the engine still expected a reply."""


class AgiSession:
    """Commands run one at a time, each within the command timeout and the session deadline."""

    def __init__(
        self,
        request: AgiRequest,
        link: AgiLink,
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
        self._link = link
        self._replies = ReplyReader()
        self._command_timeout_s = command_timeout_s
        self._deadline = deadline
        self.commands_sent = 0
        self.started = 0.0  # loop time the handler started (set by the server)
        self._broken = False
        self._ended = False  # the last command went out with the half-close

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

    async def command(
        self, verb: str, *args: str, last: bool = False, sent: Callable[[], None] | None = None
    ) -> AgiReply:
        """Send `verb` with quoted `args` and return its reply (HANGUP lines are skipped).

        `last`: the session's final command; the half-close goes out with it, so Asterisk runs
        it, replies, reads EOF and continues the dialplan without waiting for the engine to
        read the reply [S: res_agi.c run_agi: the line is run before EOF is read]. `sent` runs
        as soon as the command is handed to the socket, before its reply: whatever the engine
        must know before Asterisk acts on the command (and sends events about it) goes there.
        """
        line = format_command(verb, *args)
        if self._ended:
            raise AgiProtocolError("the session's last command was already sent")
        if self._broken:
            raise AgiProtocolError("an earlier command failed; replies may be out of step")
        left = self._deadline - asyncio.get_running_loop().time()
        self._broken = True
        self._ended = last
        if left <= self._command_timeout_s:  # the session's own deadline, already armed, binds
            return await self._exchange(line, last, sent)
        async with asyncio.timeout(self._command_timeout_s):
            return await self._exchange(line, last, sent)

    async def _exchange(self, line: bytes, last: bool, sent: Callable[[], None] | None) -> AgiReply:
        self._link.write(line)
        if last:
            self._link.write_eof()
        if sent is not None:
            sent()
        self.commands_sent += 1
        while True:
            reply = self._replies.feed(await self._read_line())
            if reply is not None:
                self._broken = False
                return reply

    async def set_variable(
        self, name: str, value: str, *, last: bool = False, sent: Callable[[], None] | None = None
    ) -> AgiReply:
        """SET VARIABLE; res_agi.c answers 200 even on a hung-up channel (recording 05).
        `last` and `sent` as in `command`."""
        _check_name(name)
        return await self.command("SET VARIABLE", name, value, last=last, sent=sent)

    async def get_variable(self, name: str) -> str | None:
        """GET VARIABLE: the value, or None when unset (`200 result=0`) or not answered."""
        _check_name(name)
        reply = await self.command("GET VARIABLE", name)
        return reply.data if reply.ok and reply.result == "1" else None

    async def verbose(self, message: str, level: int = 1) -> AgiReply:
        """VERBOSE: write `message` to Asterisk's verbose log at `level` (1-4)."""
        return await self.command("VERBOSE", message, str(level))

    async def _read_line(self) -> str:
        raw = await self._link.readline()
        if raw is None:
            raise AgiHangupError("Asterisk closed the session before replying")
        return raw.decode("utf-8", "replace")


def _check_name(name: str) -> None:
    if not name or any(c.isspace() or c in '"\\\x00' for c in name):
        raise AgiCommandError(f"not a channel variable name: {name[:40]!r}")
