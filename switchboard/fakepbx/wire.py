"""AMI wire format for the simulator's server side: message framing and request parsing."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

Header = tuple[str, str]
Message = list[Header]

BANNER = b"Asterisk Call Manager/11.0.0\r\n"  # AMI_VERSION, include/asterisk/manager.h

# Privilege classes per broadcast event, as seen on the second line in the recordings.
PRIVILEGE: dict[str, str] = {
    "FullyBooted": "system,all",
    "Shutdown": "system,all",
    "PeerStatus": "system,all",
    "ContactStatus": "system,all",
    "VarSet": "dialplan,all",
    "Newexten": "dialplan,all",
    "QueueCallerJoin": "agent,all",
    "QueueCallerLeave": "agent,all",
    "QueueCallerAbandon": "agent,all",
    "QueueMemberStatus": "agent,all",
    "QueueMemberAdded": "agent,all",
    "QueueMemberRemoved": "agent,all",
    "QueueMemberPause": "agent,all",
    "UserEvent": "user,all",  # EVENT_FLAG_USER [S: main/stasis.c multi_user_event_to_ami]
}
DEFAULT_PRIVILEGE = "call,all"


def event(name: str, headers: Sequence[Header]) -> Message:
    """A broadcast event: `Event`, then `Privilege: <class>,all`, then the given headers."""
    return [("Event", name), ("Privilege", PRIVILEGE.get(name, DEFAULT_PRIVILEGE)), *headers]


def list_item(
    name: str, action_id: str | None, headers: Sequence[Header], *, id_last: bool
) -> Message:
    """A list-action item: no Privilege; ActionID on line 2 or last, as each item type has it."""
    aid: Message = [("ActionID", action_id)] if action_id is not None else []
    if id_last:
        return [("Event", name), *headers, *aid]
    return [("Event", name), *aid, *headers]


def response(
    status: str, action_id: str | None, headers: Sequence[Header] = (), message: str | None = None
) -> Message:
    """A Response block: `Response`, the ActionID when the request had one, then the rest."""
    msg: Message = [("Response", status)]
    if action_id is not None:
        msg.append(("ActionID", action_id))
    msg.extend(headers)
    if message is not None:
        msg.append(("Message", message))
    return msg


def encode(msg: Message) -> bytes:
    """One AMI message as bytes: `Key: Value` CRLF lines and a blank line (empty value keeps the space)."""
    body = "".join(f"{k}: {_escape(v)}\r\n" for k, v in msg)
    return (body + "\r\n").encode("utf-8")


def header(msg: Message, key: str) -> str | None:
    """The first value of `key` (case-insensitive) in a message, or None."""
    low = key.lower()
    for k, v in msg:
        if k.lower() == low:
            return v
    return None


async def read_request(reader: asyncio.StreamReader) -> Message | None:
    """Read one CRLF-framed action (ended by a blank line); None at EOF."""
    msg: Message = []
    while True:
        raw = await reader.readline()
        if not raw:
            return None
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if not line:
            if msg:
                return msg
            continue
        key, sep, value = line.partition(":")
        if sep:
            msg.append((key.strip(), value.lstrip(" ")))


def _escape(value: str) -> str:
    # Values reach AMI C-escaped: a CR/LF inside a value must never end the line (FACTS, AMI).
    return value.replace("\r", "\\r").replace("\n", "\\n")
