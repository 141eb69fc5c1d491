"""One FastAGI connection as an asyncio Protocol: the header block held until whole, then reply
lines read one at a time, and after an answer the half-close and the drain to EOF."""

from __future__ import annotations

import asyncio
from typing import Protocol, cast

from switchboard.asterisk.agi.request import AgiProtocolError, parse_header_line

_PREFIX = b"agi_"


class LinkOwner(Protocol):
    """What a link tells its server."""

    def connected(self, link: AgiLink) -> None:
        """A peer connected (admit it, or close it)."""

    def header(self, link: AgiLink, block: bytes | AgiProtocolError) -> None:
        """The header block, whole and within the limit, or why it can never be."""

    def lost(self, link: AgiLink) -> None:
        """The connection is gone."""


class AgiLink(asyncio.Protocol):
    """Asterisk writes the header block one line per write() [S: res_agi.c setup_env]: it is
    held until its empty line and handed over once. Anything that cannot be a header (no
    `agi_` start, a bad first line, past the limit, EOF) is refused at once."""

    def __init__(self, owner: LinkOwner, limit: int) -> None:
        """`limit`: the largest header block, and the longest reply line, in bytes."""
        self.peer = "?"
        self.deadline = 0.0  # loop time the session must end by (set by the server)
        self.timer: asyncio.TimerHandle | None = None  # the header timeout, then the drain's
        self.slot = False  # holds one of the server's session slots
        self._owner = owner
        self._limit = limit
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._header = True  # still reading the header block
        self._first_checked = False
        self._scanned = 0  # header bytes already searched for the empty line
        self._eof = False
        self._eof_sent = False
        self._draining = False
        self._paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports have the Transport methods but are not its subclasses
        self._transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        self.peer = str(peer[0]) if peer else "?"
        self._owner.connected(self)

    def data_received(self, data: bytes) -> None:
        if self._draining:
            return  # what Asterisk says after the answer (its closing HANGUP) is not read
        buffer = self._buffer
        buffer += data
        if self._header:
            self._header_grew()
        elif self._waiter is not None and (b"\n" in data or len(buffer) > self._limit):
            self._wake()
        if len(buffer) > 2 * self._limit and not self._paused and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()

    def eof_received(self) -> bool:
        self._eof = True
        if self._draining:
            self.close()
            return False
        if self._header:
            self._refuse(AgiProtocolError("peer closed before the end of the header block"))
        self._wake()
        return True  # keep the sending side open: the engine may still answer

    def connection_lost(self, exc: Exception | None) -> None:
        self._eof = True
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self._wake()
        self._owner.lost(self)

    async def readline(self) -> bytes | None:
        """The next line without its LF; None once Asterisk has closed before sending one."""
        buffer = self._buffer
        while True:
            end = buffer.find(b"\n")
            if self._too_long(end):
                raise AgiProtocolError("reply line too long")
            if end >= 0:
                line = bytes(buffer[:end])
                del buffer[: end + 1]
                if self._paused and len(buffer) <= self._limit and self._transport is not None:
                    self._paused = False
                    self._transport.resume_reading()
                return line
            if self._eof:
                return None
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    def write(self, data: bytes) -> None:
        """Send `data` (dropped once the connection is closing)."""
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(data)

    def write_eof(self) -> None:
        """Half-close: Asterisk reads EOF after what was sent and ends the AGI."""
        if not self._eof_sent and self._transport is not None and not self._transport.is_closing():
            self._eof_sent = True
            self._transport.write_eof()

    def finish(self, drain_timeout_s: float) -> None:
        """After an answer: half-close (unless the last command carried it) and read to EOF:
        Asterisk reads EOF, ends the AGI (AGISTATUS=SUCCESS), writes its closing `HANGUP` and
        closes, and reading it avoids a reset on its side (recording 16). Aborted when Asterisk
        does not close within `drain_timeout_s`."""
        self._draining = True
        self._buffer.clear()
        if self._paused and self._transport is not None:
            self._paused = False
            self._transport.resume_reading()
        self.write_eof()
        if self._eof:
            self.close()
            return
        self.timer = asyncio.get_running_loop().call_later(drain_timeout_s, self.abort)

    def close(self) -> None:
        """Close (what is still buffered goes out first)."""
        if self._transport is not None:
            self._transport.close()

    def abort(self) -> None:
        """Close at once, unsent data dropped."""
        if self._transport is not None:
            self._transport.abort()

    def _too_long(self, end: int) -> bool:
        """True when what ends at `end` (-1: not ended yet, the whole buffer) is past the limit."""
        return (end if end >= 0 else len(self._buffer)) > self._limit

    def _header_grew(self) -> None:
        buffer = self._buffer
        if buffer[:1] == b"\n":  # an empty block: it fails on its missing headers
            self._hand_over(1)
            return
        if not self._first_checked:
            first = buffer.find(b"\n")
            coming = first < 0 and _PREFIX.startswith(bytes(buffer[:4]))
            if coming and len(buffer) <= self._limit:
                return  # the first line is still on its way
            if self._too_long(first):
                self._refuse(AgiProtocolError(f"header longer than {self._limit}"))
                return
            try:  # garbage such as a TLS hello is refused at once, not at the header timeout
                parse_header_line(
                    bytes(buffer[: first if first >= 0 else 80]).decode("utf-8", "replace")
                )
            except AgiProtocolError as exc:
                self._refuse(exc)
                return
            self._first_checked = True
        end = buffer.find(b"\n\n", max(self._scanned - 1, 0))
        self._scanned = len(buffer)
        if self._too_long(end + 2 if end >= 0 else end):
            self._refuse(AgiProtocolError(f"header longer than {self._limit}"))
        elif end >= 0:
            self._hand_over(end + 2)

    def _hand_over(self, size: int) -> None:
        block = bytes(self._buffer[:size])
        del self._buffer[:size]
        self._header = False
        self._owner.header(self, block)

    def _refuse(self, why: AgiProtocolError) -> None:
        if self._header:
            self._header = False
            self._buffer.clear()
            self._owner.header(self, why)

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
