"""AMI wire format without sockets: an incremental byte parser and a strict action encoder."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import structlog

from switchboard.asterisk.ami.message import AmiMessage

log = structlog.get_logger(__name__)

TERMINATOR = b"\r\n\r\n"
BANNER_PREFIX = b"Asterisk Call Manager/"
DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024

Fields = Mapping[str, str] | Iterable[tuple[str, str]]


class AmiEncodeError(ValueError):
    """An action that cannot be written safely (CR/LF or a bad key would inject headers)."""


class AmiParser:
    """Feed raw bytes, get complete messages; never raises, counts and skips bad input."""

    def __init__(self, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> None:
        self.max_message_bytes = max_message_bytes
        self.banner: str | None = None
        self.messages = 0
        self.errors = 0
        self._buf = bytearray()
        self._scan_from = 0
        self._at_start = True
        self._skipping = False

    def feed(self, data: bytes) -> list[AmiMessage]:
        """Append `data`; return every message it completed, in order."""
        buf = self._buf
        buf += data
        if self._at_start and not self._take_banner():
            return []
        out: list[AmiMessage] = []
        start = 0
        find = buf.find
        end = find(TERMINATOR, self._scan_from)
        while end >= 0:
            if self._skipping:
                self._skipping = False  # resynced at the blank line that ends the oversized one
            elif end - start > self.max_message_bytes:
                self._error("oversized message dropped", end - start)
            else:
                msg = self._decode(bytes(buf[start:end]))
                if msg is not None:
                    out.append(msg)
            start = end + 4
            end = find(TERMINATOR, start)
        if start:
            del buf[:start]
        if len(buf) > self.max_message_bytes:
            if not self._skipping:
                self._error("oversized message dropped", len(buf))
            self._skipping = True
            del buf[:-3]  # keep a possible partial terminator
        self._scan_from = max(0, len(buf) - 3)
        self.messages += len(out)
        return out

    def _take_banner(self) -> bool:
        """Consume the banner line, which has no blank line after it (finding 1)."""
        buf = self._buf
        head = bytes(buf[: len(BANNER_PREFIX)])
        if not BANNER_PREFIX.startswith(head):
            self._at_start = False
            return True
        if len(head) < len(BANNER_PREFIX):
            return False
        eol = buf.find(b"\r\n")
        if eol < 0:
            if len(buf) <= self.max_message_bytes:
                return False
            self._at_start = False
            return True
        self.banner = bytes(buf[:eol]).decode("utf-8", "replace")
        del buf[: eol + 2]
        self._at_start = False
        return True

    def _decode(self, block: bytes) -> AmiMessage | None:
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError:
            self._error("message is not UTF-8", len(block))
            return None
        text = text.lstrip("\r\n")
        if not text:
            return None
        parts = [line.partition(": ") for line in text.split("\r\n")]
        fields = [(key, value) for key, sep, value in parts if sep]
        if len(fields) != len(parts):  # rare: `Key:` without the space, or garbage
            fields = []
            for key, sep, value in parts:
                if not sep and not key.endswith(":"):
                    self._error("line without 'Key: '", len(block))
                    return None
                fields.append((key, value) if sep else (key[:-1], ""))
        return AmiMessage(tuple(fields))

    def _error(self, what: str, size: int) -> None:
        self.errors += 1
        log.warning("ami.parse_error", error=what, size=size, errors=self.errors)


def encode_action(action: str, action_id: str, fields: Fields = ()) -> bytes:
    """`Action: X\\r\\nActionID: id\\r\\n...\\r\\n\\r\\n`; raises AmiEncodeError on CR, LF or a bad key."""
    pairs = fields.items() if isinstance(fields, Mapping) else fields
    lines = [_line("Action", action), _line("ActionID", action_id)]
    lines.extend(_line(k, v) for k, v in pairs)
    return ("".join(lines) + "\r\n").encode("utf-8")


def _line(key: str, value: str) -> str:
    # Asterisk delimits actions by CR/LF only: a CR or LF in a value would start a new header
    # or end the action, letting data inject e.g. an Originate (FACTS: AMI, "never contain CR or LF").
    if not key or any(c in key for c in "\r\n:") or key != key.strip():
        raise AmiEncodeError(f"invalid AMI header name {key!r}")
    if "\r" in value or "\n" in value:
        raise AmiEncodeError(f"AMI header {key!r} value contains CR or LF: {value!r}")
    return f"{key}: {value}\r\n"
