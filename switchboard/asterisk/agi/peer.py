"""A typed fake of Asterisk's side of FastAGI (for tests and the benchmark), faithful to res_agi.c."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

Responder = Callable[[list[str]], str]
"""Given a command's words (as res_agi.c splits them), the reply line(s) without final LF."""

# The header block of recording 04 (Asterisk 22.10.1), field for field and in order.
RECORDED_HEADERS: tuple[tuple[str, str], ...] = (
    ("agi_network", "yes"),
    ("agi_network_script", "route?did=4638397000"),
    ("agi_request", "agi://127.0.0.1:24573/route?did=4638397000"),
    ("agi_channel", "PJSIP/inbound-00000000"),
    ("agi_language", "en"),
    ("agi_type", "PJSIP"),
    ("agi_uniqueid", "1795345541.0"),
    ("agi_version", "22.10.1"),
    ("agi_callerid", "070123456"),
    ("agi_calleridname", "Åsa Öberg"),
    ("agi_callingpres", "0"),
    ("agi_callingani2", "0"),
    ("agi_callington", "0"),
    ("agi_callingtns", "0"),
    ("agi_dnid", "4638397000"),
    ("agi_rdnis", "unknown"),
    ("agi_context", "sb-inbound"),
    ("agi_extension", "4638397000"),
    ("agi_priority", "4"),
    ("agi_enhanced", "0.0"),
    ("agi_accountcode", ""),
    ("agi_threadid", "140028636989120"),
    ("agi_arg_1", "070123456"),
)


def header_block(script: str = "route?did=4638397000", **overrides: str) -> bytes:
    """Recording 04's header block for `script`; `overrides` replace fields (`calleridname=`)."""
    fields = dict(RECORDED_HEADERS)
    fields["agi_network_script"] = script
    fields["agi_request"] = f"agi://127.0.0.1:24573/{script}"
    for key, value in overrides.items():
        fields[f"agi_{key}"] = value
    return "".join(f"{k}: {v}\n" for k, v in fields.items()).encode() + b"\n"


def split_args(line: str) -> list[str]:
    """Split a command line exactly as parse_args() in res_agi.c does."""
    words: list[str] = []
    cur: list[str] | None = None
    quoted = escaped = False
    for ch in line:
        if ch == '"' and not escaped:
            quoted = not quoted
            if quoted and cur is None:
                cur = []
            continue
        if ch in " \t" and not quoted and not escaped:
            if cur is not None:
                words.append("".join(cur))
            cur = None
            continue
        if ch == "\\" and not escaped:
            escaped = True
            continue
        cur = [] if cur is None else cur
        cur.append(ch)
        escaped = False
    if cur is not None:
        words.append("".join(cur))
    return words


@dataclass
class FakeChannel:
    """Channel variables and the replies res_agi.c gives for the commands the engine uses."""

    variables: dict[str, str] = field(default_factory=dict)

    def respond(self, words: list[str]) -> str:
        """The reply Asterisk 22 sends to `words` (recordings 04, 05)."""
        verb = [w.upper() for w in words[:2]]
        if verb == ["SET", "VARIABLE"]:
            if len(words) != 4:
                return _USAGE
            self.variables[words[2]] = words[3]
            return "200 result=1"
        if verb == ["GET", "VARIABLE"]:
            if len(words) != 3:
                return _USAGE
            value = self.variables.get(words[2])
            return "200 result=0" if value is None else f"200 result=1 ({value})"
        if verb[:1] == ["VERBOSE"]:
            return "200 result=1"
        return "510 Invalid or unknown command"


@dataclass
class PeerResult:
    """What one fake Asterisk session saw."""

    commands: list[str]
    half_closed: bool


async def run_session(
    host: str,
    port: int,
    header: bytes,
    respond: Responder,
    *,
    timeout_s: float = 5.0,
) -> PeerResult:
    """Connect, send `header`, answer commands until the engine closes, then `HANGUP` + close."""
    reader, writer = await asyncio.open_connection(host, port)
    commands: list[str] = []
    try:
        async with asyncio.timeout(timeout_s):
            writer.write(header)
            while True:
                line = await reader.readline()
                if not line.endswith(b"\n"):
                    break
                text = line[:-1].decode("utf-8", "replace")
                commands.append(text)
                writer.write(respond(split_args(text)).encode() + b"\n")
        # run_agi() answers the engine's close with a last HANGUP (recording 04).
        half_closed = not writer.is_closing()
        if half_closed:
            writer.write(b"HANGUP\n")
        return PeerResult(commands, half_closed=half_closed)
    except (ConnectionError, OSError):
        return PeerResult(commands, half_closed=False)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()


_USAGE = (
    "520-Invalid command syntax.  Proper usage follows:\n"
    "Example return code: 200 result=1 (testvariable)\n"
    "520 End of proper usage."
)
