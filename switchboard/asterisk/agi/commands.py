"""AGI commands out and replies in: argument quoting, command lines, typed reply parsing."""

from __future__ import annotations

import re
from dataclasses import dataclass

from switchboard.asterisk.agi.request import AgiProtocolError

MAX_COMMAND_BYTES = 2047
"""run_agi() in res_agi.c reads commands into `char buf[AGI_BUF_LEN]` (2048 bytes, LF
included); a longer line would be cut and its tail run as a second command."""

MAX_USAGE_LINES = 200

_VERB = re.compile(r"[A-Za-z]+(?: [A-Za-z]+)*")
_FORBIDDEN = re.compile(r"[\r\n\x00]")
_NEEDS_QUOTES = re.compile(r'[\s"\\]')
_FINAL = re.compile(r"([1-5][0-9]{2})(?: (.*))?")
_FIRST_OF_MANY = re.compile(r"([1-5][0-9]{2})-(.*)")
_RESULT = re.compile(r"result=(\S*)(?: (.*))?")
_ENDPOS = re.compile(r"(?:^| )endpos=(-?[0-9]{1,19})(?: |$)")

HANGUP_LINE = "HANGUP"


class AgiCommandError(ValueError):
    """A command the engine tried to send cannot be sent safely (CR/LF/NUL, too long)."""


@dataclass(frozen=True, slots=True)
class AgiReply:
    """Asterisk's answer to one command (`200 result=1 (data)`, 510, 511, 520 usage...)."""

    code: int
    result: str | None = None
    data: str | None = None
    endpos: int | None = None
    text: str = ""
    usage: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True for a 200 reply (the command ran; `result` says how it went)."""
        return self.code == 200

    @property
    def result_int(self) -> int | None:
        """`result` as an integer, or None (absent, or e.g. GET DATA digits such as `12#`)."""
        if self.result is None or not re.fullmatch(r"-?[0-9]{1,19}", self.result):
            return None
        return int(self.result)


def quote_arg(value: str) -> str:
    """One command argument as parse_args() in res_agi.c reads it back unchanged."""
    if _FORBIDDEN.search(value):
        raise AgiCommandError("CR, LF or NUL in an AGI argument")
    if value and not _NEEDS_QUOTES.search(value):
        return value
    # Inside quotes parse_args() turns `\x` into `x`, so only `\` and `"` need a backslash.
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_command(verb: str, *args: str) -> bytes:
    """The wire line for `verb` (e.g. `SET VARIABLE`) and its quoted arguments, LF included."""
    if not _VERB.fullmatch(verb):
        raise AgiCommandError(f"not an AGI command verb: {verb[:40]!r}")
    line = " ".join((verb, *(quote_arg(a) for a in args))).encode("utf-8") + b"\n"
    if len(line) > MAX_COMMAND_BYTES + 1:
        raise AgiCommandError(f"AGI command of {len(line)} bytes exceeds {MAX_COMMAND_BYTES}")
    return line


class ReplyReader:
    """Turns Asterisk's lines into replies; out-of-band `HANGUP` lines only set `hangup`."""

    def __init__(self) -> None:
        self.hangup = False
        self._code: int | None = None
        self._first = ""
        self._usage: list[str] = []

    def feed(self, line: str) -> AgiReply | None:
        """Take one line (without LF); return the reply it completes, if any."""
        if self._code is not None:
            return self._continue(line)
        if line == HANGUP_LINE:
            # res_agi.c writes HANGUP when the caller hangs up and again when the session
            # ends; it is never the reply to a command (recordings 05, 04).
            self.hangup = True
            return None
        many = _FIRST_OF_MANY.fullmatch(line)
        if many:
            self._code, self._first = int(many.group(1)), many.group(2)
            return None
        reply = parse_reply(line)
        # handle_exec()/handle_gosub() may send `100 result=0 Trying...` before the answer.
        return None if reply.code == 100 else reply

    def _continue(self, line: str) -> AgiReply | None:
        # Middle lines of a 520 usage block are raw text, never starting with `520 `.
        if line.startswith(f"{self._code} "):
            reply = AgiReply(self._code or 0, text=self._first, usage=tuple(self._usage))
            self._code, self._first, self._usage = None, "", []
            return None if reply.code == 100 else reply  # provisional, as a one-line 100
        if len(self._usage) >= MAX_USAGE_LINES:
            raise AgiProtocolError("multi-line reply without an end")
        self._usage.append(line)
        return None


def parse_reply(line: str) -> AgiReply:
    """Parse a one-line reply such as `200 result=1 (Åsa) endpos=12` or `510 Invalid...`."""
    final = _FINAL.fullmatch(line)
    if not final:
        raise AgiProtocolError(f"not an AGI reply: {line[:80]!r}")
    code, text = int(final.group(1)), final.group(2) or ""
    result = _RESULT.fullmatch(text)
    if not result:
        return AgiReply(code, text=text)
    rest = result.group(2) or ""
    data: str | None = None
    if rest.startswith("("):
        close = rest.rfind(")")
        if close < 0:
            raise AgiProtocolError(f"unterminated reply data: {line[:80]!r}")
        data, rest = rest[1:close], rest[close + 1 :]
    endpos = _ENDPOS.search(rest)
    return AgiReply(
        code,
        result=result.group(1),
        data=data,
        endpos=int(endpos.group(1)) if endpos else None,
        text=text,
    )
