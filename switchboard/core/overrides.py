"""Runtime overrides of the calendar: a tenant or one service forced open or closed until a time.

A supervisor's override wins over the configured `force` and the calendar; the service's over
its tenant's. Overrides live in the state (single writer), survive a reload, are persisted by
the shell (`OverridesChanged`) and expire by themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from immutables import Map

from switchboard.core.effects import Effect, OverridesChanged
from switchboard.core.evolve import replace

if TYPE_CHECKING:
    from switchboard.core.state import State

Key = tuple[str, str]  # (tenant, service); service "" is the whole tenant


@dataclass(frozen=True, slots=True)
class Override:
    """`force` (open | closed) for `tenant` (or one `service`) from `at` until `until`."""

    tenant: str
    service: str
    force: str
    until: float
    by: str
    reason: str
    at: float

    @property
    def key(self) -> Key:
        """Where it applies."""
        return (self.tenant, self.service)

    def active(self, now: float) -> bool:
        """True until it expires."""
        return now < self.until


@dataclass(frozen=True, slots=True)
class ForceRouting:
    """Force `tenant` (or its `service`) open or closed until `until`; `force` None clears it."""

    tenant: str
    service: str
    force: str | None
    until: float
    by: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class OverridesRestored:
    """Overrides read back from the store at start-up."""

    overrides: tuple[Override, ...]


def forced(overrides: Mapping[Key, Override], tenant: str, service: str, now: float) -> str | None:
    """The override for a call to `tenant`'s `service` at `now`: the service's, else the tenant's."""
    if not overrides:
        return None
    for key in ((tenant, service), (tenant, "")):
        found = overrides.get(key)
        if found is not None and found.active(now):
            return found.force
    return None


def force_routing(state: State, c: ForceRouting, now: float, effects: list[Effect]) -> State:
    """Set or clear one override (an expiry not after `now` clears it too)."""
    key = (c.tenant, c.service)
    if c.force is None or c.until <= now:
        if key not in state.overrides:
            return state
        return _changed(state, state.overrides.delete(key), now, effects)
    override = Override(c.tenant, c.service, c.force, c.until, c.by, c.reason, now)
    return _changed(state, state.overrides.set(key, override), now, effects)


def restore_overrides(
    state: State, c: OverridesRestored, now: float, effects: list[Effect]
) -> State:
    """Take back the stored overrides that have not expired."""
    live = {o.key: o for o in c.overrides if o.active(now)}
    if not live and not state.overrides:
        return state
    return _changed(state, Map(live), now, effects)


def expire_overrides(state: State, now: float, effects: list[Effect]) -> State:
    """Drop the overrides whose time is up."""
    gone = [k for k, o in state.overrides.items() if not o.active(now)]
    if not gone:
        return state
    kept = state.overrides.mutate()
    for key in gone:
        del kept[key]
    return _changed(state, kept.finish(), now, effects)


def _changed(
    state: State, overrides: Map[Key, Override], now: float, effects: list[Effect]
) -> State:
    effects.append(OverridesChanged(tuple(sorted(overrides.values(), key=_order)), now))
    return replace(state, overrides=overrides)


def _order(o: Override) -> Key:
    return o.key
