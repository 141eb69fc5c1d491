"""Turn a validated Config into the core's RoutingTable (done once per load or reload)."""

from __future__ import annotations

import functools
from datetime import date
from zoneinfo import ZoneInfo

import holidays

from switchboard.config.hours import parse_special_days, parse_week
from switchboard.config.models import ClosedHandling, Config, HolidayCalendar, OverflowStep, Tenant
from switchboard.core.calendar import HolidayLookup
from switchboard.core.rules import (
    CallbackRule,
    CallerRule,
    ClosedRule,
    MenuRule,
    OverflowRule,
    RoutingTable,
    ServiceRule,
    TenantRule,
)
from switchboard.core.topology import AgentInfo, QueueInfo, Topology, borrowers_from


def compile_routing(config: Config) -> RoutingTable:
    """Build the routing table: tenants with parsed hours and an index of every public number."""
    tenants = {tid: _tenant(tid, t) for tid, t in config.tenants.items()}
    numbers: dict[str, tuple[str, str | None]] = {}
    for tid, tenant in config.tenants.items():
        numbers.update(dict.fromkeys(tenant.numbers, (tid, None)))
        for sid, service in tenant.services.items():
            numbers.update(dict.fromkeys(service.numbers, (tid, sid)))
    return RoutingTable(tenants, numbers, config.engine.country_code)


def _tenant(tid: str, t: Tenant) -> TenantRule:
    services = {
        sid: ServiceRule(
            id=sid,
            queue=s.queue or f"{tid}-{sid}",
            skills=s.skills,
            target_answer_s=s.target_answer_s,
            priority=s.priority,
            hours=parse_week(s.hours) if s.hours is not None else None,
            force=s.force.value if s.force else None,
            closed=_closed(s.closed) if s.closed else None,
            overflow=_overflow(s.overflow) if s.overflow is not None else None,
            greeting=s.greeting,
        )
        for sid, s in t.services.items()
    }
    digits = {s.menu_digit: sid for sid, s in t.services.items() if s.menu_digit is not None}
    menu = None
    if digits and t.menu is not None:
        menu = MenuRule(t.menu.prompt, digits, t.menu.timeout_s, t.menu.retries)
    cb = t.callback
    return TenantRule(
        id=tid,
        name=t.name,
        tag=t.tag,
        zone=ZoneInfo(t.timezone),
        language=t.language,
        holiday=_holidays(t.holidays),
        hours=parse_week(t.hours),
        special=parse_special_days(t.special_days),
        force=t.force.value if t.force else None,
        closed=_closed(t.closed),
        services=services,
        main_service=t.main_service,
        menu=menu,
        callers=tuple(
            CallerRule(r.number, r.prefix, r.priority, r.block, r.language) for r in t.callers
        ),
        overflow=_overflow(t.overflow),
        greeting=t.greeting,
        announce_every_s=t.announcements.every_s,
        announce_position=t.announcements.position,
        announce_wait=t.announcements.wait,
        callback=CallbackRule(
            cb.attempts, cb.retry_after_s, cb.ring_s, cb.keep_s, cb.offer, cb.confirm, cb.whisper
        ),
    )


def _holidays(calendar: HolidayCalendar | None) -> HolidayLookup:
    if calendar is None:
        return _no_holiday
    table = holidays.country_holidays(
        calendar.country,
        subdiv=calendar.subdivision,
        categories=calendar.all_categories,
        language=calendar.language or holidays.country_holidays(calendar.country).default_language,
    )

    @functools.lru_cache(maxsize=512)  # every call asks about today: the library is slow at it
    def lookup(day: date) -> str | None:
        name = table.get(day)
        return None if name is None else str(name).split(";")[0]

    return lookup


def _no_holiday(day: date) -> str | None:
    return None


def _closed(c: ClosedHandling) -> ClosedRule:
    return ClosedRule(c.announce, c.then, c.voicemail, c.forward)


def _overflow(steps: tuple[OverflowStep, ...]) -> tuple[OverflowRule, ...]:
    return tuple(OverflowRule(s.after_s, s.partners, s.offer, s.action) for s in steps)


def compile_topology(config: Config, table: RoutingTable | None = None) -> Topology:
    """Build the dispatcher's static view: agents, who serves whom, and the queue map."""
    table = table or compile_routing(config)
    agents = {
        aid: AgentInfo(
            id=aid,
            device=a.device,
            home=a.home,
            serves=a.serves,
            skills=dict(a.skills),
            languages=a.languages,
            order=i,
        )
        for i, (aid, a) in enumerate(sorted(config.agents.items()))
    }
    serving = {
        tid: tuple(
            sorted(
                (aid for aid, a in agents.items() if tid in a.serves),
                key=lambda aid: (agents[aid].home != tid, aid),
            )
        )
        for tid in config.tenants
    }
    homes = {tid: tuple(a for a, i in agents.items() if i.home == tid) for tid in config.tenants}
    queues = {
        service.queue: QueueInfo(
            tenant=tid,
            service=sid,
            tag=tenant.tag,
            priority=service.priority,
            skills=service.skills,
            target_answer_s=service.target_answer_s,
            overflow=service.overflow if service.overflow is not None else tenant.overflow,
            wrapup_s=_wrapup(config, tid, sid),
        )
        for tid, tenant in table.tenants.items()
        for sid, service in tenant.services.items()
    }
    d = config.dispatch
    zone = config.engine.timezone or next((t.timezone for t in config.tenants.values()), "UTC")
    return Topology(
        agents=agents,
        by_device={a.device: aid for aid, a in agents.items()},
        serving=serving,
        home_agents=homes,
        borrowers=borrowers_from(table),
        queues=queues,
        selection=config.selection.value,
        offer_timeout_s=d.offer_timeout_s,
        misses_before_pause=d.misses_before_pause,
        wrapup_s=d.wrapup_s,
        sticky_agent_s=d.sticky_agent_s,
        handle_time_s=d.handle_time_s,
        retry_after_s=d.retry_after_s,
        numbers={number: tid for number, (tid, _) in table.numbers.items()},
        main_queue={
            tid: tenant.services[tenant.main_service].queue for tid, tenant in table.tenants.items()
        },
        country_code=config.engine.country_code,
        zone=ZoneInfo(zone),
    )


def _wrapup(config: Config, tid: str, sid: str) -> int:
    tenant = config.tenants[tid]
    for value in (tenant.services[sid].wrapup_s, tenant.wrapup_s):
        if value is not None:
            return value
    return config.dispatch.wrapup_s
