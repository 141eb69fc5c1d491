"""The engine's live board: today's tally kept current from the effects, views read on demand."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from switchboard.core.effects import Effect
from switchboard.core.records import CallRecord
from switchboard.core.state import State
from switchboard.views import build
from switchboard.views.catalog import Catalog
from switchboard.views.models import AgentView, CallView, Overview, QueueView, TenantView
from switchboard.views.tally import Tally, seed, tally


class Board:
    """Observe the writer's effects with `observe`; read views of the current state at the clock."""

    def __init__(
        self, state: Callable[[], State], catalog: Catalog, clock: Callable[[], float]
    ) -> None:
        self.state = state
        self.catalog = catalog  # replaced as a whole on reload
        self.clock = clock
        self.tally = Tally(started_at=clock())

    def observe(self, effects: Sequence[Effect]) -> None:
        """Fold one batch of effects into the tally (an `Effects.observers` entry)."""
        self.tally = tally(self.tally, effects, self.catalog)

    def seed(self, records: Iterable[CallRecord]) -> None:
        """Count today's figures from the call records (at start, before any effect)."""
        self.tally = seed(self.tally, records, self.catalog, self.clock())

    def tenant(self, tenant: str) -> TenantView:
        """The tenant's panel now."""
        return build.tenant_view(self.state(), self.tally, self.catalog, tenant, self.clock())

    def queue(self, queue: str) -> QueueView:
        """One queue now."""
        return build.queue_view(self.state(), self.catalog, queue, self.clock())

    def agent(self, agent: str) -> AgentView:
        """One operator now."""
        return build.agent_view(self.state(), self.tally, self.catalog, agent, self.clock())

    def overview(self) -> Overview:
        """The whole switchboard now."""
        return build.overview(self.state(), self.tally, self.catalog, self.clock())

    def waiting_calls(self, tenant: str | None = None) -> list[CallView]:
        """Callers not yet talking to an operator, in dispatch order."""
        return build.waiting_calls(self.state(), self.clock(), tenant)

    def connected_calls(self, tenant: str | None = None) -> list[CallView]:
        """Callers talking to an operator."""
        return build.connected_calls(self.state(), self.clock(), tenant)
