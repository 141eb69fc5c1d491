"""Reading AMI fields: a missing or unparsable field rejects the message, never a default."""

from __future__ import annotations

from switchboard.asterisk.ami.message import AmiMessage


class InvalidEvent(ValueError):
    """A needed field is missing or unparsable; the message is rejected, never defaulted."""


def text(msg: AmiMessage, key: str) -> str:
    """The field's value (empty is a value); InvalidEvent when it is missing."""
    value = msg.get(key)
    if value is None:
        raise InvalidEvent(f"{msg.event}: missing {key}")
    return value


def integer(msg: AmiMessage, key: str) -> int:
    """The field as an integer; InvalidEvent when missing or not a number."""
    value = text(msg, key)
    try:
        return int(value)
    except ValueError:
        raise InvalidEvent(f"{msg.event}: {key} is not an integer: {value!r}") from None


def flag(msg: AmiMessage, key: str, true: str, false: str) -> bool:
    """True or False by the field's exact spelling; InvalidEvent for anything else."""
    value = text(msg, key)
    if value not in (true, false):
        raise InvalidEvent(f"{msg.event}: {key} is neither {true} nor {false}: {value!r}")
    return value == true


def duration(msg: AmiMessage, key: str) -> int:
    """`HH:MM:SS` (hours may exceed 24) -> seconds (CoreShowChannel Duration, recording 17)."""
    value = text(msg, key)
    parts = value.split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise InvalidEvent(f"{msg.event}: {key} is not HH:MM:SS: {value!r}")
    hours, minutes, seconds = (int(p) for p in parts)
    return hours * 3600 + minutes * 60 + seconds
