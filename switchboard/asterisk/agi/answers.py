r"""The engine's answers to `route` and `requeue` in one FastAGI round trip.

One `SET VARIABLE SB_ANSWER "v1|<value>|<value>|..."` carries every SB_* variable of the answer,
in the fixed order of the script's field list; the dialplan unpacks it (a Gosub generated from
the same list by `switchboard asterisk-config`) and only a whole answer of the right version and
field count is unpacked, SB_ACTION with it. A cut-off or malformed answer therefore reads as no
answer, and the dialplan takes its static fallback. docs/call-flow.md describes the contract.

The Gosub checks the field count and version, then sets every variable in one priority:
`Set(ARRAY(SB_ANSWER,<fields>)=${STRREPLACE(SB_ANSWER,|,\,)})`. ARRAY() splits its value as an
application's arguments [S: main/app.c __ast_app_separate_args]: at `,` outside `( ) [ ] "`,
with `"` and `\` removed. So a value never carries any of `| , ( ) [ ] " \`: each is sent as
STAND_IN (no configured name, number or Asterisk uniqueid contains one).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

VERSION = "v1"
SEPARATOR = "|"
STAND_IN = "¦"  # a value's own separator or ARRAY() syntax would shift later fields
RESERVED = '|,()[]"\\'
_RESERVED = re.compile("[" + re.escape(RESERVED) + "]")
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
    parts = [values.get(name, "") for name in fields]
    if _RESERVED.search("".join(parts)):  # almost never: only then each value is rewritten
        parts = [_RESERVED.sub(STAND_IN, part) for part in parts]
    return SEPARATOR.join([VERSION, *parts])


def unpack(fields: tuple[str, ...], packed: str) -> dict[str, str] | None:
    """The variables of a whole answer, or None for anything else (as the dialplan reads it)."""
    parts = packed.split(SEPARATOR)
    if len(parts) != len(fields) + 1 or parts[0] != VERSION:
        return None
    return dict(zip(fields, parts[1:], strict=True))


def unpacker(context: str, fields: tuple[str, ...]) -> list[str]:
    """A dialplan context that unpacks SB_ANSWER (Gosub after the AGI): a whole answer of this
    version sets every field in one ARRAY() (SB_ANSWER itself takes the version), else none."""
    count = len(fields) + 1
    names = ",".join([VARIABLE, *fields])
    return [
        f"[{context}]",
        f"; Gosub after the AGI: SB_ANSWER = {VERSION}{SEPARATOR}"
        + SEPARATOR.join(name.removeprefix("SB_") for name in fields),
        "; Only a whole answer of this version sets SB_ACTION; anything else leaves it empty.",
        f"; Values never hold {RESERVED}, so ARRAY() splits the fields exactly as they were sent.",
        "exten => s,1,Set(SB_ACTION=)",
        f" same => n,GotoIf($[${{FIELDQTY(SB_ANSWER,{SEPARATOR})}} != {count}]?done)",
        f' same => n,GotoIf($["${{CUT(SB_ANSWER,{SEPARATOR},1)}}" != "{VERSION}"]?done)',
        f" same => n,Set(ARRAY({names})=${{STRREPLACE(SB_ANSWER,{SEPARATOR},\\,)}})",
        " same => n(done),Set(SB_ANSWER=)",
        " same => n,Return()",
    ]
