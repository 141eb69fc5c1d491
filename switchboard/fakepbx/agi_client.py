"""FastAGI client side of the simulator: what res_agi does for `AGI(agi://host:port/script?q)`."""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import Any

from switchboard.fakepbx.model import Channel, Interrupt
from switchboard.fakepbx.pbx import Pbx

_DEAD_OK = {"GET VARIABLE", "GET FULL VARIABLE", "SET VARIABLE", "VERBOSE", "NOOP"}
_USAGE = (
    "520-Invalid command syntax.  Proper usage follows:\n"
    "Returns <literal>0</literal> if <replaceable>variablename</replaceable> is not set. Returns "
    "<literal>1</literal> if <replaceable>variablename</replaceable> is set and returns the "
    "variable in parentheses.\n"
    "Example return code: 200 result=1 (testvariable)\n"
    "520 End of proper usage.\n"
)


async def run_agi(pbx: Pbx, ch: Channel, script: str, args: list[str]) -> str:
    """Run one FastAGI session for `ch`; returns AGISTATUS (SUCCESS, FAILURE or HANGUP)."""
    dp = pbx.config.dialplan
    try:
        reader, writer = await asyncio.open_connection(dp.agi_host, dp.agi_port)
    except OSError:
        return "FAILURE"  # "Couldn't connect to any host.  FastAGI failed." (06a)
    session = _Session(pbx, ch, reader, writer)
    try:
        writer.write(_headers(pbx, ch, script, args))
        return await session.serve()
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def split_args(line: str) -> list[str]:
    """Split an AGI command line like res_agi parse_args: double quotes group, backslash escapes."""
    out: list[str] = []
    cur: list[str] = []
    quoted = escaped = started = False
    for c in line:
        if escaped:
            cur.append(c)
            escaped = False
        elif c == "\\":
            escaped = started = True
        elif c == '"':
            quoted = not quoted
            started = True
        elif c in " \t" and not quoted:
            if started:
                out.append("".join(cur))
                cur, started = [], False
        else:
            cur.append(c)
            started = True
    if started:
        out.append("".join(cur))
    return out


class _Session:
    def __init__(self, pbx: Pbx, ch: Channel, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter) -> None:  # fmt: skip
        self.pbx, self.ch, self.reader, self.writer = pbx, ch, reader, writer
        self.dead = False

    async def serve(self) -> str:
        interrupt = self.ch.fresh_interrupt()
        while True:
            read = asyncio.ensure_future(self.reader.readline())
            waits: set[asyncio.Future[Any]] = {read}
            if not self.dead:
                waits.add(interrupt)
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            if not self.dead and interrupt.done():
                # The channel hung up (or was redirected): unsolicited HANGUP at once (05).
                self.dead = True
                self._write("HANGUP\n")
            if not read.done():
                try:
                    await read
                except (OSError, asyncio.IncompleteReadError):
                    break
            try:
                raw = read.result()
            except OSError:
                break
            if not raw:
                break
            self._write(self._command(raw.decode("utf-8", errors="replace").rstrip("\r\n")))
        # run_agi sends HANGUP at loop exit when the peer has closed (finding 14).
        self._write("HANGUP\n")
        if self.dead and interrupt.result() is Interrupt.HANGUP:
            return "HANGUP"
        return "SUCCESS"

    def _write(self, text: str) -> None:
        if not self.writer.is_closing():
            with contextlib.suppress(OSError):
                self.writer.write(text.encode("utf-8"))

    def _command(self, line: str) -> str:
        words = split_args(line)
        upper = [w.upper() for w in words]
        name = (
            " ".join(upper[:3]) if upper[:3] == ["GET", "FULL", "VARIABLE"] else " ".join(upper[:2])
        )
        if name not in _DEAD_OK and upper[:1] != ["HANGUP"] and self.dead:
            known = upper[:1] in (["ANSWER"], ["EXEC"]) or name in ("STREAM FILE", "CHANNEL STATUS")
            if known:
                return "511 Command Not Permitted on a dead channel or intercept routine\n"
        if name == "GET VARIABLE":
            if len(words) < 3:
                return _USAGE
            value = self._lookup(words[2])
            return "200 result=0\n" if value is None else f"200 result=1 ({value})\n"
        if name == "GET FULL VARIABLE":
            if len(words) < 4:
                return _USAGE
            expanded = re.sub(r"\$\{([^}]*)\}", lambda m: self._lookup(m[1]) or "", words[3])
            return f"200 result=1 ({expanded})\n"
        if name == "SET VARIABLE":
            if len(words) < 4:
                return _USAGE
            self.pbx.set_var(self.ch, words[2], words[3])
            return "200 result=1\n"
        if upper[:1] == ["VERBOSE"]:
            return "200 result=1\n"
        if upper[:1] in (["NOOP"], ["ANSWER"], ["EXEC"]) or name == "STREAM FILE":
            return "200 result=0\n" if name != "STREAM FILE" else "200 result=0 endpos=0\n"
        if name == "CHANNEL STATUS":
            return f"200 result={self.ch.state}\n"
        if upper[:1] == ["HANGUP"]:
            self.pbx.request_hangup(self.ch, soft=True)
            return "200 result=1\n"
        return "510 Invalid or unknown command\n"

    def _lookup(self, name: str) -> str | None:
        builtin = {
            "CHANNEL": self.ch.name,
            "UNIQUEID": self.ch.uniqueid,
            "CALLERID(num)": self.ch.caller_num,
            "CALLERID(name)": self.ch.caller_name,
            "EXTEN": self.ch.exten,
            "CONTEXT": self.ch.context,
        }
        return self.ch.variables.get(name, builtin.get(name))


def _headers(pbx: Pbx, ch: Channel, script: str, args: list[str]) -> bytes:
    dp = pbx.config.dialplan
    lines = [
        ("agi_network", "yes"),
        ("agi_network_script", script),
        ("agi_request", f"agi://{dp.agi_host}:{dp.agi_port}/{script}"),
        ("agi_channel", ch.name),
        ("agi_language", "en"),
        ("agi_type", "PJSIP"),
        ("agi_uniqueid", ch.uniqueid),
        ("agi_version", "22.10.1"),
        ("agi_callerid", ch.caller_num),
        ("agi_calleridname", ch.caller_name),
        ("agi_callingpres", "0"),
        ("agi_callingani2", "0"),
        ("agi_callington", "0"),
        ("agi_callingtns", "0"),
        ("agi_dnid", ch.dnid),
        ("agi_rdnis", "unknown"),
        ("agi_context", ch.context),
        ("agi_extension", ch.exten),
        ("agi_priority", str(ch.priority)),
        ("agi_enhanced", "0.0"),
        ("agi_accountcode", ""),
        ("agi_threadid", str(140028636989120 + id(ch) % 4096)),
        *((f"agi_arg_{i}", a) for i, a in enumerate(args, 1)),
    ]
    return ("".join(f"{k}: {v}\n" for k, v in lines) + "\n").encode("utf-8")
