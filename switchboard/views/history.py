"""Calls waiting per tenant over the last hour, in steps (the wallboard's chart)."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

from switchboard.core.state import UNANSWERED, State

STEP_S = 15.0  # one point per step: the most callers waiting at once in it
SPAN_S = 3600.0


class WaitingHistory:
    """Feed `sample(state, now)` now and then; `points()` gives each tenant's last hour."""

    def __init__(self, step_s: float = STEP_S, span_s: float = SPAN_S) -> None:
        self.step_s = step_s
        self.span_s = span_s
        self._steps: deque[tuple[float, dict[str, int]]] = deque()

    def sample(self, state: State, tenants: Mapping[str, object], now: float) -> None:
        """Count the callers waiting per tenant at `now` into the step it falls in."""
        counts = dict.fromkeys(tenants, 0)
        for call in state.calls.values():
            if call.phase in UNANSWERED and call.tenant in counts:
                counts[call.tenant] += 1
        start = now - now % self.step_s
        if self._steps and self._steps[-1][0] == start:
            last = self._steps[-1][1]
            for tenant, n in counts.items():
                last[tenant] = max(last.get(tenant, 0), n)
        else:
            self._steps.append((start, counts))
        while self._steps and self._steps[0][0] < now - self.span_s:
            self._steps.popleft()

    def points(self, tenant: str) -> list[tuple[float, int]]:
        """(step start, most waiting) of the tenant, oldest first."""
        return [(at, counts.get(tenant, 0)) for at, counts in self._steps]
