"""Which views a batch of the core's effects may change (MQTT and the live stream both ask)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from switchboard.core.effects import AgentChanged, CallChanged, Effect, OverridesChanged
from switchboard.views.catalog import Catalog

SubjectKind = Literal["overview", "config", "tenant", "queue", "agent"]
Subject = tuple[SubjectKind, str]  # ("tenant", "vetlanda"); the overview's and config's id is ""


def changed_by(effects: Iterable[Effect], catalog: Catalog) -> set[Subject]:
    """The subjects whose views these effects may change."""
    marks: set[Subject] = set()
    for effect in effects:
        if isinstance(effect, CallChanged):
            call = effect.call
            marks.update({("overview", ""), ("tenant", call.tenant), ("queue", call.queue)})
            marks.update(("agent", a) for a in (call.agent, call.offer, call.answered_by) if a)
        elif isinstance(effect, AgentChanged):
            marks.update({("overview", ""), ("agent", effect.agent.id)})
            entry = catalog.agents.get(effect.agent.id)
            marks.update(("tenant", t) for t in (entry.serves if entry else ()))
        elif isinstance(effect, OverridesChanged):
            marks.update(("tenant", t) for t in catalog.tenants)
    return marks
