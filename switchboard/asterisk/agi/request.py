"""The FastAGI request: Asterisk's `agi_*: value` header block parsed into a frozen record."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import unquote

MAX_HEADERS = 200
"""More lines than res_agi.c can send (22 fixed + at most MAX_ARGS=128 `agi_arg_N`)."""

_FIXED = (
    "agi_request",
    "agi_channel",
    "agi_language",
    "agi_type",
    "agi_uniqueid",
    "agi_version",
    "agi_callerid",
    "agi_calleridname",
    "agi_callingpres",
    "agi_callingani2",
    "agi_callington",
    "agi_callingtns",
    "agi_dnid",
    "agi_rdnis",
    "agi_context",
    "agi_extension",
    "agi_priority",
    "agi_enhanced",
    "agi_accountcode",
    "agi_threadid",
)
# setup_env() in res_agi.c writes these two first, only for agi:// and hagi:// requests.
_NETWORK = ("agi_network", "agi_network_script")
_REQUIRED = frozenset(_FIXED)
_REQUIRED_NETWORK = frozenset(_FIXED + _NETWORK)
_INT = re.compile(r"-?[0-9]{1,19}")
_ARG_KEYS = tuple(f"agi_arg_{n}" for n in range(1, MAX_HEADERS + 1))


class AgiProtocolError(ValueError):
    """Asterisk (or whatever is on the other end) broke the FastAGI protocol."""


@dataclass(frozen=True, slots=True)
class AgiRequest:
    """One FastAGI request as Asterisk announced it in its header block."""

    script: str
    query: Mapping[str, str]
    args: tuple[str, ...]
    request: str
    channel: str
    language: str
    type: str
    uniqueid: str
    version: str
    callerid: str
    calleridname: str
    callingpres: int
    callingani2: int
    callington: int
    callingtns: int
    dnid: str
    rdnis: str
    context: str
    extension: str
    priority: int
    enhanced: bool
    accountcode: str
    threadid: str
    headers: Mapping[str, str]

    def arg(self, n: int) -> str | None:
        """The dialplan argument `agi_arg_<n>` (1-based), or None when not given."""
        return self.args[n - 1] if 0 < n <= len(self.args) else None


def parse_request(block: bytes | str, *, network: bool = True) -> AgiRequest:
    """Parse a whole header block (lines ending in LF, empty line optional at the end)."""
    text = block.decode("utf-8", "replace") if isinstance(block, bytes) else block
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if lines and lines[-1] == "":
        lines.pop()
    if "" in lines:
        raise AgiProtocolError("empty line inside the header block")
    return build_request((parse_header_line(line) for line in lines), network=network)


def parse_header_line(line: str) -> tuple[str, str]:
    """Split one `agi_key: value` line (without its LF); the value may be empty."""
    key, sep, value = line.partition(": ")
    if not sep and line.endswith(":"):
        key, sep = line[:-1], ":"
    if not sep or not key.startswith("agi_") or not key.isascii() or " " in key:
        raise AgiProtocolError(f"not an agi_* header line: {line[:80]!r}")
    return key, value


def parse_header_lines(lines: list[str]) -> AgiRequest:
    """The FastAGI header lines (without their LF) as a request, in one pass when every line is
    a plain `agi_key: value`; anything else goes line by line for its exact error."""
    headers = dict(line.split(": ", 1) for line in lines if ": " in line)
    keys = "".join(headers)
    if (
        len(headers) != len(lines)
        or len(lines) > MAX_HEADERS
        or not keys.isascii()
        or " " in keys
        or not all(key.startswith("agi_") for key in headers)
    ):
        return build_request([parse_header_line(line) for line in lines])
    return _typed(headers, network=True)


def build_request(pairs: Iterable[tuple[str, str]], *, network: bool = True) -> AgiRequest:
    """Check and type the header pairs; a missing or malformed required header is an error."""
    headers: dict[str, str] = {}
    for key, value in pairs:
        if key in headers:
            raise AgiProtocolError(f"duplicate header {key}")
        if len(headers) >= MAX_HEADERS:
            raise AgiProtocolError("too many header lines")
        headers[key] = value
    return _typed(headers, network=network)


def _typed(headers: dict[str, str], *, network: bool) -> AgiRequest:
    required = _FIXED + _NETWORK if network else _FIXED
    if not headers.keys() >= (_REQUIRED_NETWORK if network else _REQUIRED):
        missing = [key for key in required if key not in headers]
        raise AgiProtocolError(f"missing header(s): {', '.join(missing)}")
    if network and headers["agi_network"] != "yes":
        raise AgiProtocolError("agi_network is not 'yes'")
    # launch_netscript() passes everything after `host[:port]/`, query string included.
    if network:
        script, query = split_script(headers["agi_network_script"])
    else:
        script, query = split_script(headers["agi_request"].rpartition("/")[2])
    if not script:
        raise AgiProtocolError("empty script name")
    return AgiRequest(
        script=script,
        query=query,
        args=_args(headers),
        request=headers["agi_request"],
        channel=headers["agi_channel"],
        language=headers["agi_language"],
        type=headers["agi_type"],
        uniqueid=_nonempty(headers, "agi_uniqueid"),
        version=headers["agi_version"],
        callerid=headers["agi_callerid"],
        calleridname=headers["agi_calleridname"],
        callingpres=_int(headers, "agi_callingpres"),
        callingani2=_int(headers, "agi_callingani2"),
        callington=_int(headers, "agi_callington"),
        callingtns=_int(headers, "agi_callingtns"),
        dnid=headers["agi_dnid"],
        rdnis=headers["agi_rdnis"],
        context=headers["agi_context"],
        extension=headers["agi_extension"],
        priority=_int(headers, "agi_priority"),
        enhanced=_enhanced(headers["agi_enhanced"]),
        accountcode=headers["agi_accountcode"],
        threadid=headers["agi_threadid"],
        headers=MappingProxyType(headers),
    )


def split_script(script: str) -> tuple[str, Mapping[str, str]]:
    """Split `route?did=1&x=y` into the script name and its query (the first value wins)."""
    name, _, raw = script.partition("?")
    query: dict[str, str] = {}
    for part in raw.split("&") if raw else ():
        key, _, value = part.partition("=")
        # The dialplan writes the query unencoded (`did=${EXTEN}`), so `+` stays a plus:
        # unquote, never unquote_plus, or `+4638397000` would lose its plus.
        if "%" in part:
            key, value = unquote(key), unquote(value)
        query.setdefault(key, value)
    return name.strip("/"), MappingProxyType(query)


def _args(headers: Mapping[str, str]) -> tuple[str, ...]:
    args: list[str] = []
    for key in _ARG_KEYS:
        value = headers.get(key)
        if value is None:
            break
        args.append(value)
    return tuple(args)


def _nonempty(headers: Mapping[str, str], key: str) -> str:
    if not headers[key]:
        raise AgiProtocolError(f"{key} is empty")
    return headers[key]


def _int(headers: Mapping[str, str], key: str) -> int:
    value = headers[key]
    if value.isascii() and value.isdigit() and len(value) <= 19:
        return int(value)
    if not _INT.fullmatch(value):
        raise AgiProtocolError(f"{key} is not an integer: {value[:40]!r}")
    return int(value)


def _enhanced(value: str) -> bool:
    if value not in ("0.0", "1.0"):
        raise AgiProtocolError(f"agi_enhanced is neither 0.0 nor 1.0: {value[:40]!r}")
    return value == "1.0"
