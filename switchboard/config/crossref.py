"""Checks that span several sections: references between tenants, agents, numbers and skills."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from switchboard.config.errors import Loc
from switchboard.config.models import Agent, OverflowStep, Tenant


def cross_reference(
    tenants: Mapping[str, Tenant], agents: Mapping[str, Agent], known_tenants: set[str]
) -> Iterator[tuple[Loc, str]]:
    """Yield (path, message) for each broken reference between valid sections."""
    yield from _numbers(tenants)
    for tid, tenant in tenants.items():
        yield from _partners(("tenants", tid, "overflow"), tenant.overflow, tid, known_tenants)
        for sid, service in tenant.services.items():
            if service.overflow is not None:
                loc: Loc = ("tenants", tid, "services", sid, "overflow")
                yield from _partners(loc, service.overflow, tid, known_tenants)
        if not tenant.numbers and not any(s.numbers for s in tenant.services.values()):
            yield ("tenants", tid, "numbers"), "the tenant has no number, so no call can reach it"
    yield from _agents(agents, known_tenants)
    yield from _skills(tenants, agents)


def _numbers(tenants: Mapping[str, Tenant]) -> Iterator[tuple[Loc, str]]:
    owner: dict[str, str] = {}
    for tid, tenant in tenants.items():
        places: list[tuple[Loc, str]] = [
            (("tenants", tid, "numbers", i), n) for i, n in enumerate(tenant.numbers)
        ]
        for sid, service in tenant.services.items():
            places += [
                (("tenants", tid, "services", sid, "numbers", i), n)
                for i, n in enumerate(service.numbers)
            ]
        for loc, number in places:
            here = ".".join(str(p) for p in loc)
            if number in owner:
                yield loc, f"number {number} is already used at {owner[number]}"
            else:
                owner[number] = here


def _partners(
    loc: Loc, steps: tuple[OverflowStep, ...], own: str, known: set[str]
) -> Iterator[tuple[Loc, str]]:
    for i, step in enumerate(steps):
        for j, partner in enumerate(step.partners):
            if partner == own:
                yield (*loc, i, "partners", j), "a tenant cannot overflow to itself"
            elif partner not in known:
                yield (*loc, i, "partners", j), f"unknown partner tenant {partner!r}"


def _agents(agents: Mapping[str, Agent], known: set[str]) -> Iterator[tuple[Loc, str]]:
    devices: dict[str, str] = {}
    for aid, agent in agents.items():
        if agent.home not in known:
            yield ("agents", aid, "home"), f"unknown tenant {agent.home!r}"
        for i, tenant in enumerate(agent.tenants):
            if tenant not in known:
                yield ("agents", aid, "tenants", i), f"unknown tenant {tenant!r}"
        if agent.device in devices:
            yield (
                ("agents", aid, "device"),
                f"device {agent.device} is also agent {devices[agent.device]!r}",
            )
        else:
            devices[agent.device] = aid


def _skills(
    tenants: Mapping[str, Tenant], agents: Mapping[str, Agent]
) -> Iterator[tuple[Loc, str]]:
    if not agents:
        return
    for tid, tenant in tenants.items():
        for sid, service in tenant.services.items():
            for i, skill in enumerate(service.skills):
                if not any(skill in a.skills and tid in a.serves for a in agents.values()):
                    yield (
                        ("tenants", tid, "services", sid, "skills", i),
                        f"no agent serving {tid!r} has skill {skill!r}",
                    )
