"""The parts of the Asterisk configuration that come from the YAML: queues, operators' endpoints,
mailboxes, and the dialplan's number map, colleagues and directory.

Every function is pure text from a validated Config; the names it writes (ids, tags, sound
names, numbers, devices) were checked at load time, and free text (names) is cleaned of the
characters that would end its field.
"""

from __future__ import annotations

import re

from switchboard.asterisk.agi.answers import UNPACKERS, unpacker
from switchboard.asterisk.ami.translate import NEEDED_EVENTS, USER_EVENTS
from switchboard.config.models import Config
from switchboard.core.rules import RoutingTable

DEFAULT_MAILBOX = "0@switchboard"
_FIELD_ENDS = re.compile(r"[,;\r\n\x00]")


def queues(table: RoutingTable) -> str:
    """One memberless waiting queue per tenant service (as the engine names them)."""
    lines = []
    for tid, tenant in table.tenants.items():
        for sid, service in tenant.services.items():
            lines.append(f"[{service.queue}](switchboard-waiting)   ; {tid} {sid}")
    return "\n".join(lines)


def fallback_members(config: Config) -> str:
    """Every operator as a static member of the fallback queue (`member => iface,0,name,iface`)."""
    return "\n".join(
        f"member => {a.device},0,{_text(a.name or aid)},{a.device}"
        for aid, a in sorted(config.agents.items())
    )


def operators(config: Config) -> str:
    """Endpoint, auth and AOR of every operator whose device is `PJSIP/<endpoint>`."""
    blocks = []
    for aid, agent in sorted(config.agents.items()):
        endpoint = pjsip_endpoint(agent.device)
        if endpoint is None:
            blocks.append(f"; {aid}: {agent.device} is not a PJSIP device, configure it yourself")
            continue
        blocks.append(
            f"; {aid}\n"
            f"[{endpoint}](operator)\n"
            f"auth = {endpoint}-auth\n"
            f"aors = {endpoint}\n"
            f"callerid = {agent.name or aid} <{endpoint}>\n"
            f"[{endpoint}-auth](operator-auth)\n"
            f"username = {endpoint}\n"
            f"[{endpoint}](operator-aor)\n"
        )
    return "\n".join(blocks)


def mailboxes(config: Config, pin: str) -> str:
    """The default box and every box a closed handling names, grouped by voicemail context."""
    boxes: dict[str, dict[str, str]] = {"switchboard": {"0": "Switchboard operators"}}
    for tenant in config.tenants.values():
        handlings = [tenant.closed, *(s.closed for s in tenant.services.values())]
        for closed in handlings:
            if closed is not None and closed.voicemail:
                box, _, context = closed.voicemail.partition("@")
                boxes.setdefault(context or "default", {}).setdefault(box, tenant.name)
    return "\n\n".join(
        f"[{context}]\n"
        + "\n".join(f"{box} => {pin},{_text(name)}" for box, name in sorted(entries.items()))
        for context, entries in boxes.items()
    )


def dialplan(config: Config, table: RoutingTable, source: str) -> str:
    """switchboard-generated.conf: the number map, the operators' directory and the unpacking of
    the engine's answers (from the same field lists the engine packs them by); `table` is
    `config` compiled."""
    return "\n".join(
        [
            f"; Written by `switchboard asterisk-config` from {_text(source)}:",
            "; edit the YAML and write the configuration again, not this file.",
            "",
            *_numbers(config, table),
            "",
            *_directory(config),
            "",
            *(
                line
                for context, fields in UNPACKERS.items()
                for line in [*unpacker(context, fields), ""]
            ),
        ]
    )


def event_filters() -> str:
    """manager.conf `eventfilter` lines: only the events the engine uses reach its login (of the
    UserEvents, only the dialplan's own reports) [S: manager.c manager_add_filter]."""
    ours = "eventfilter(action(include),name(UserEvent),header(UserEvent),method(exact)) ="
    return "\n".join(
        [f"eventfilter(action(include),name({e})) =" for e in NEEDED_EVENTS if e != "UserEvent"]
        + [f"{ours} {name}" for name in USER_EVENTS]
    )


def number_forms(e164: str, country_code: str) -> list[str]:
    """How a trunk may deliver `e164`: with +, bare, with 00 and, at home, nationally with 0."""
    digits = e164.removeprefix("+")
    forms = [e164, digits, f"00{digits}"]
    if digits.startswith(country_code):
        forms.append("0" + digits[len(country_code) :])
    return forms


def pjsip_endpoint(device: str) -> str | None:
    """`PJSIP/1001` -> `1001` (the endpoint, AOR and extension); None for other technologies."""
    tech, _, resource = device.partition("/")
    return resource if tech == "PJSIP" and "@" not in resource else None


def _numbers(config: Config, table: RoutingTable) -> list[str]:
    out = [
        "[switchboard-numbers]",
        "; Gosub(switchboard-numbers,${EXTEN},1) at the start of every inbound call: what the",
        "; configuration says about the dialled number. The engine's route answer overrides it;",
        "; with the engine dead it is what the caller hears first and what the static fallback",
        "; shows the operator (tag, X-Switchboard-Tenant).",
    ]
    for number, (tid, sid) in table.numbers.items():
        tenant = table.tenants[tid]
        if sid is None and tenant.menu is None:
            sid = tenant.main_service  # no menu: the main service answers the tenant's numbers
        service = tenant.services[sid] if sid is not None else None
        greeting = (service.greeting if service else None) or tenant.greeting
        forms = number_forms(number, table.country_code)
        out.append(f"exten => {number},1,Set(SB_TENANT={tid})   ; {_text(tenant.name)}")
        out.append(f" same => n,Set(SB_TAG={tenant.tag})")
        out.append(f" same => n,Set(SB_LANG={tenant.language})")
        if greeting:
            out.append(f" same => n,Set(SB_GREETING={greeting})")
        out.append(" same => n,Return()")
        out += [f"exten => {form},1,Goto({number},1)" for form in forms[1:]]
    out.append("; any other number: nothing is known about it")
    out.append("exten => _[+0-9a-z].,1,Return()")
    return out


def _directory(config: Config) -> list[str]:
    out = [
        "[switchboard-directory]",
        "; Included by [switchboard-operators]: colleagues (busy lamps, calls and transfers to",
        "; them) and the named outside numbers of `directory:`, through the trunk.",
    ]
    for aid, agent in sorted(config.agents.items()):
        endpoint = pjsip_endpoint(agent.device)
        if endpoint is None:
            continue
        out.append(f"exten => {endpoint},hint,{agent.device}   ; {aid}")
        out.append(f"exten => {endpoint},1,Set(SB_DIAL={agent.device})")
        out.append(" same => n,Goto(switchboard-call,${EXTEN},1)")
    for did, entry in sorted(config.directory.items()):
        out.append(f"; {_text(entry.name)} ({did})")
        out.append(f"exten => {entry.extension},1,Set(SB_DIAL=PJSIP/{entry.number}@${{SB_TRUNK}})")
        out.append(" same => n,Goto(switchboard-call,${EXTEN},1)")
    return out


def _text(value: str) -> str:
    """Free text inside a field or comment: nothing that ends the field or the line."""
    return _FIELD_ENDS.sub(" ", value).strip()
