"""The engine's answers to `route` and `requeue` in one FastAGI round trip.

One `SET VARIABLE SB_ANSWER "v1|<value>|<value>|..."` carries every SB_* variable of the answer,
in the fixed order of the script's field list; the dialplan unpacks it (a Gosub generated from
the same list by `switchboard asterisk-config`) and only a whole answer of the right version and
field count sets SB_ACTION. A cut-off or malformed answer therefore reads as no answer, and the
dialplan takes its static fallback. docs/call-flow.md describes the contract.
"""

from __future__ import annotations

from collections.abc import Mapping

VERSION = "v1"
SEPARATOR = "|"
STAND_IN = "¦"  # a value's own `|` would shift every later field: it is shown as this instead
VARIABLE = "SB_ANSWER"

ROUTE = (
    "SB_ACTION",
    "SB_CALLID",
    "SB_REASON",
    "SB_TENANT",
    "SB_SERVICE",
    "SB_QUEUE",
    "SB_PRIO",
    "SB_TAG",
    "SB_WAIT",
    "SB_ANNOUNCE",
    "SB_TARGET",
    "SB_LANG",
    "SB_GREETING",
    "SB_MENU",
    "SB_MENU_DIGITS",
    "SB_MENU_TIMEOUT",
    "SB_MENU_RETRIES",
)
REQUEUE = ("SB_ACTION", "SB_WAIT", "SB_TARGET", "SB_POSITION", "SB_EWT", "SB_CB_OFFER")
UNPACKERS = {"switchboard-route-answer": ROUTE, "switchboard-requeue-answer": REQUEUE}


def pack(fields: tuple[str, ...], values: Mapping[str, str]) -> str:
    """The packed answer: the version, then each field's value (missing: empty) in order."""
    unknown = set(values) - set(fields)
    if unknown:
        raise ValueError(f"not in this answer: {sorted(unknown)}")
    return SEPARATOR.join(
        [VERSION, *(values.get(name, "").replace(SEPARATOR, STAND_IN) for name in fields)]
    )


def unpack(fields: tuple[str, ...], packed: str) -> dict[str, str] | None:
    """The variables of a whole answer, or None for anything else (as the dialplan reads it)."""
    parts = packed.split(SEPARATOR)
    if len(parts) != len(fields) + 1 or parts[0] != VERSION:
        return None
    return dict(zip(fields, parts[1:], strict=True))


def unpacker(context: str, fields: tuple[str, ...]) -> list[str]:
    """A dialplan context that unpacks SB_ANSWER (Gosub after the AGI), SB_ACTION last."""
    count = len(fields) + 1
    lines = [
        f"[{context}]",
        f"; Gosub after the AGI: SB_ANSWER = {VERSION}{SEPARATOR}"
        + SEPARATOR.join(name.removeprefix("SB_") for name in fields),
        "; Only a whole answer of this version sets SB_ACTION; anything else leaves it empty.",
        "exten => s,1,Set(SB_ACTION=)",
        f" same => n,GotoIf($[${{FIELDQTY(SB_ANSWER,{SEPARATOR})}} != {count}]?done)",
        f' same => n,GotoIf($["${{CUT(SB_ANSWER,{SEPARATOR},1)}}" != "{VERSION}"]?done)',
    ]
    later = [(i, name) for i, name in enumerate(fields, start=2) if name != "SB_ACTION"]
    lines += [f" same => n,Set({name}=${{CUT(SB_ANSWER,{SEPARATOR},{i})}})" for i, name in later]
    action = fields.index("SB_ACTION") + 2
    lines += [
        f" same => n,Set(SB_ACTION=${{CUT(SB_ANSWER,{SEPARATOR},{action})}})",
        " same => n(done),Set(SB_ANSWER=)",
        " same => n,Return()",
    ]
    return lines
