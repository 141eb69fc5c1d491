"""What the demo shows on the terminal: a running tally and the last happenings, in words."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from switchboard.core.effects import CallChanged, Effect
from switchboard.core.topology import Topology
from switchboard.views import Board


@dataclass
class Feed:
    """Collects the core's effects (an engine observer) into tallies and one-line happenings."""

    topo: Topology
    names: Mapping[str, str]  # agent id -> name
    tags: Mapping[str, str]  # tenant -> tag
    outcomes: Counter[str] = field(default_factory=Counter)
    answered_by_partner: int = 0
    lines: deque[str] = field(default_factory=lambda: deque(maxlen=10))

    def __call__(self, effects: list[Effect]) -> None:
        """Observe one batch of effects."""
        for effect in effects:
            if isinstance(effect, CallChanged):
                self._call(effect)

    def _call(self, e: CallChanged) -> None:
        call, tag = e.call, self.tags.get(e.call.tenant, e.call.tenant)
        who = self.names.get(call.agent or call.answered_by or "", call.agent or "")
        if e.milestone == "answered" and call.agent is not None:
            home = self.topo.agents[call.agent].home
            partner = home != call.tenant
            self.answered_by_partner += partner
            last = call.attempts[-1] if call.attempts else None
            how = " (recall)" if last is not None and last.recall else ""
            via = f" — partner operator from {self.tags.get(home, home)}" if partner else ""
            self.lines.append(f"{tag}: answered by {who}{how}{via}")
        elif e.milestone == "missed" and call.attempts:
            last = call.attempts[-1]
            name = self.names.get(last.agent, last.agent)
            self.lines.append(f"{tag}: {name} did not answer ({last.result}); offered again")
        elif e.milestone == "overflowed":
            self.lines.append(f"{tag}: waited past overflow step {call.overflow_step}")
        elif e.milestone == "ended":
            self.outcomes[call.outcome or "?"] += 1
            if call.outcome in ("closed", "voicemail", "forward", "reject", "callback"):
                reason = call.timeline[0][1].split(":", 1)[-1] if call.timeline else ""
                self.lines.append(f"{tag}: {call.outcome} ({reason})")
            elif call.outcome == "abandoned":
                self.lines.append(
                    f"{tag}: caller hung up after {call.waited(call.ended_at or 0):.0f} s"
                )

    def board(self, board: Board, clock_text: str) -> list[str]:
        """The lines to show now: totals, one row per tenant (the engine's views), happenings."""
        total = sum(self.outcomes.values())
        parts = ", ".join(f"{n} {k}" for k, n in sorted(self.outcomes.items()))
        rows = [
            f"{clock_text}  ended calls {total} ({parts or 'none yet'}); "
            f"answered by a partner {self.answered_by_partner}",
            f"{'tenant':<10} {'waiting':>7} {'longest':>8} {'answered':>9} {'SL today':>9} "
            f"{'free':>5} {'on call':>8} {'paused':>7}",
        ]
        for tenant in self.tags:
            view = board.tenant(tenant)
            level = view.today.service_level
            agents = view.agents_home
            rows.append(
                f"{view.tag:<10} {view.waiting:>7} {_mmss(view.longest_wait_s):>8} "
                f"{view.today.answered:>9} {'-' if level is None else f'{level:.0%}':>9} "
                f"{agents.available:>5} {agents.on_call:>8} {agents.paused:>7}"
            )
        return [*rows, "", *self.lines]


def _mmss(seconds: float) -> str:
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"
