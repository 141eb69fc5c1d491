"""The demo's synthetic people: callers arriving at random and operators who answer, talk, miss a
call now and then and take a pause, all driven through the fake PBX's controls."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass

from switchboard.fakepbx.calls import CallHandle
from switchboard.fakepbx.control import Simulator
from switchboard.fakepbx.phones import PhoneBehaviour, answers, never_answers

PAUSE_REASONS = ("coffee", "meeting", "training")


@dataclass(frozen=True)
class Line:
    """A number callers dial, weighted by how busy it is."""

    number: str
    weight: float


@dataclass
class Traffic:
    """Callers at `per_minute` (demo minutes) and operator whims; times in demo seconds."""

    sim: Simulator
    lines: Sequence[Line]
    operators: Sequence[str]
    per_minute: float
    speed: float
    rng: random.Random

    async def callers(self) -> None:
        """Place calls forever: exponential gaps, a line by weight, some callers impatient."""
        weights = [line.weight for line in self.lines]
        while True:
            await self._sleep(self.rng.expovariate(self.per_minute / 60.0))
            line = self.rng.choices(self.lines, weights)[0]
            patience = self.rng.expovariate(1 / 150.0) if self.rng.random() < 0.3 else None
            self.call(line.number, f"07{self.rng.randrange(10**8):08d}", patience)

    def call(self, number: str, caller: str, patience_s: float | None = None) -> CallHandle:
        """One caller now (`patience_s`: hangs up after that long if still unanswered)."""
        return self.sim.place_call(number, caller, "Demo Caller", hangup_after_s=patience_s)

    async def operators_live(self) -> None:
        """Now and then: a different talk time, a call let ring out, a short pause."""
        while True:
            await self._sleep(self.rng.uniform(20, 40))
            operator = self.rng.choice(list(self.operators))
            roll = self.rng.random()
            if roll < 0.35:
                await self._miss_once(operator)
            elif roll < 0.55:
                await self._pause_a_while(operator)
            else:
                self.sim.set_behaviour(operator, self.talker())

    def talker(self) -> PhoneBehaviour:
        """A phone that answers after 2-6 s and talks 15-75 s."""
        return answers(self.rng.uniform(2, 6), hangup_after_s=self.rng.uniform(15, 75))

    async def _miss_once(self, operator: str) -> None:
        """The operator lets the next offer ring out, then is back (unpausing if paused)."""
        missed = self._misses(operator)
        self.sim.set_behaviour(operator, never_answers())
        for _ in range(60):  # at most 5 demo minutes
            await self._sleep(5)
            if self._misses(operator) > missed:
                break
        self.sim.set_behaviour(operator, self.talker())
        await self.sim.feature_code(operator, "unpause")  # back from a `no-answer` pause

    def _misses(self, operator: str) -> int:
        device = f"PJSIP/{operator}"
        return sum(
            1
            for c in self.sim.calls
            for d, status in c.dial_results
            if d == device and status == "NOANSWER"
        )

    async def _pause_a_while(self, operator: str) -> None:
        await self.sim.feature_code(operator, "pause", self.rng.choice(PAUSE_REASONS))
        await self._sleep(self.rng.uniform(30, 90))
        await self.sim.feature_code(operator, "unpause")

    async def _sleep(self, demo_s: float) -> None:
        await asyncio.sleep(demo_s / self.speed)
