"""Checks that span several sections: references between tenants, agents, numbers and skills.

They read the plain YAML data defensively, so a reference is checked even when its section
has other problems: one run reports every problem in the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from switchboard.config.errors import Loc
from switchboard.config.voice import tenant_sounds

Found = Iterator[tuple[Loc, str]]


def cross_reference(doc: Any) -> Found:
    """Yield (path, message) for each broken reference in the plain config mapping `doc`."""
    tenants = _dict(_dict(doc).get("tenants"))
    agents = _dict(_dict(doc).get("agents"))
    known = {str(t) for t in tenants}
    yield from _numbers(tenants)
    for tid, tenant in tenants.items():
        tenant = _dict(tenant)
        yield from _partners(("tenants", tid, "overflow"), tenant.get("overflow"), tid, known)
        services = _dict(tenant.get("services"))
        for sid, service in services.items():
            loc: Loc = ("tenants", tid, "services", sid, "overflow")
            yield from _partners(loc, _dict(service).get("overflow"), tid, known)
        if not _list(tenant.get("numbers")) and not any(
            _list(_dict(s).get("numbers")) for s in services.values()
        ):
            yield ("tenants", tid, "numbers"), "the tenant has no number, so no call can reach it"
    yield from _agents(agents, known)
    yield from _skills(tenants, agents)
    for partner in _dict(_dict(_dict(doc).get("reports")).get("partner_prices")):
        if partner not in known:
            yield ("reports", "partner_prices", partner), f"unknown tenant {partner!r}"
    yield from _sounds(tenants)
    yield from _directory(_dict(_dict(doc).get("directory")), agents)
    yield from _tokens(_dict(_dict(_dict(_dict(doc).get("engine")).get("api")).get("tokens")),
                       known, {str(a) for a in agents})  # fmt: skip


def _tokens(tokens: dict[str, Any], tenants: set[str], agents: set[str]) -> Found:
    for name, token in tokens.items():
        loc: Loc = ("engine", "api", "tokens", name)
        agent = _dict(token).get("agent")
        if isinstance(agent, str) and agent not in agents:
            yield (*loc, "agent"), f"unknown agent {agent!r}"
        scope = _dict(token).get("tenants")
        named = scope.split(",") if isinstance(scope, str) else _list(scope)
        for i, tenant in enumerate(named):
            if str(tenant).strip() not in tenants:
                yield (*loc, "tenants", i), f"unknown tenant {str(tenant).strip()!r}"


def _numbers(tenants: dict[str, Any]) -> Found:
    owner: dict[str, str] = {}
    for tid, tenant in tenants.items():
        places: list[tuple[Loc, Any]] = [
            (("tenants", tid, "numbers", i), n)
            for i, n in enumerate(_list(_dict(tenant).get("numbers")))
        ]
        for sid, service in _dict(_dict(tenant).get("services")).items():
            places += [
                (("tenants", tid, "services", sid, "numbers", i), n)
                for i, n in enumerate(_list(_dict(service).get("numbers")))
            ]
        for loc, number in places:
            if not isinstance(number, str):
                continue
            if number in owner:
                yield loc, f"number {number} is already used at {owner[number]}"
            else:
                owner[number] = ".".join(str(p) for p in loc)


def _partners(loc: Loc, steps: Any, own: str, known: set[str]) -> Found:
    for i, step in enumerate(_list(steps)):
        for j, partner in enumerate(_list(_dict(step).get("partners"))):
            if partner == own:
                yield (*loc, i, "partners", j), "a tenant cannot overflow to itself"
            elif partner not in known:
                yield (*loc, i, "partners", j), f"unknown partner tenant {partner!r}"


def _agents(agents: dict[str, Any], known: set[str]) -> Found:
    devices: dict[str, str] = {}
    for aid, agent in agents.items():
        agent = _dict(agent)
        home = agent.get("home")
        if isinstance(home, str) and home not in known:
            yield ("agents", aid, "home"), f"unknown tenant {home!r}"
        for i, tenant in enumerate(_list(agent.get("tenants"))):
            if tenant not in known:
                yield ("agents", aid, "tenants", i), f"unknown tenant {tenant!r}"
        device = agent.get("device")
        if isinstance(device, str) and device in devices:
            yield ("agents", aid, "device"), f"device {device} is also agent {devices[device]!r}"
        elif isinstance(device, str):
            devices[device] = aid


def _skills(tenants: dict[str, Any], agents: dict[str, Any]) -> Found:
    if not agents:
        return
    skilled: dict[str, set[str]] = {}
    for agent in map(_dict, agents.values()):
        for tenant in [agent.get("home"), *_list(agent.get("tenants"))]:
            skilled.setdefault(str(tenant), set()).update(map(str, _dict(agent.get("skills"))))
    for tid, tenant in tenants.items():
        reach = set(skilled.get(tid, set()))
        for partner in _partner_ids(_dict(tenant)):
            reach |= skilled.get(partner, set())
        for sid, service in _dict(_dict(tenant).get("services")).items():
            for i, skill in enumerate(_list(_dict(service).get("skills"))):
                if skill not in reach:
                    loc: Loc = ("tenants", tid, "services", sid, "skills", i)
                    yield (
                        loc,
                        f"no agent serving {tid!r} or its overflow partners has skill {skill!r}",
                    )


def _partner_ids(tenant: dict[str, Any]) -> set[str]:
    plans = [tenant.get("overflow")] + [
        _dict(s).get("overflow") for s in _dict(tenant.get("services")).values()
    ]
    return {
        str(p) for plan in plans for step in _list(plan) for p in _list(_dict(step).get("partners"))
    }


def _sounds(tenants: dict[str, Any]) -> Found:
    """A tenant's recordings follow the layout sounds/<lang>/<tenant>-<what>."""
    for tid, tenant in tenants.items():
        for loc, name in tenant_sounds(_dict(tenant)):
            if not name.startswith(f"{tid}-"):
                yield (
                    ("tenants", tid, *loc),
                    f"a tenant's sounds are named {tid}-<what> (sounds/<lang>/{tid}-...), "
                    f"not {name!r}",
                )


def _directory(directory: dict[str, Any], agents: dict[str, Any]) -> Found:
    """Directory extensions are unique and no operator's extension (its PJSIP endpoint)."""
    taken: dict[str, str] = {}
    for aid, agent in agents.items():
        device = _dict(agent).get("device")
        if isinstance(device, str) and device.startswith("PJSIP/"):
            taken[device.removeprefix("PJSIP/")] = f"operator {aid}"
    for name, entry in directory.items():
        extension = _dict(entry).get("extension")
        if not isinstance(extension, str):
            continue
        if extension in taken:
            yield ("directory", name, "extension"), f"{extension} is already {taken[extension]}"
        else:
            taken[extension] = f"directory entry {name}"


def _dict(value: Any) -> dict[str, Any]:
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []
