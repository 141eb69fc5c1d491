"""Handles on simulated calls: what happened to a caller, awaitable by tests."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from switchboard.fakepbx.model import Channel


@dataclass(frozen=True)
class Outcome:
    """How a call was settled: `answered` (agent, at), or closed/voicemail/forward/reject/hangup
    (an engine answer), fallback (reason), abandoned (caller hung up first), or restart."""

    kind: str
    agent: str | None = None
    at: float = 0.0
    detail: str = ""


@dataclass
class CallHandle:
    """One inbound call placed through the simulator."""

    did: str
    caller_num: str
    channel: Channel
    steps: list[tuple[float, str]] = field(default_factory=list)
    outcome: asyncio.Future[Outcome] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    ended: asyncio.Future[float] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    dial_results: list[tuple[str, str]] = field(default_factory=list)
    dtmf: asyncio.Queue[str] = field(default_factory=asyncio.Queue)  # what the caller presses
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def name(self) -> str:
        """Channel name, e.g. `PJSIP/inbound-00000000`."""
        return self.channel.name

    @property
    def uniqueid(self) -> str:
        """Asterisk uniqueid `<epoch>.<n>`."""
        return self.channel.uniqueid

    def note(self, step: str) -> None:
        """Record a dialplan step (e.g. `queue vetlanda 1`, `dial PJSIP/1001 NOANSWER`)."""
        self.steps.append((asyncio.get_running_loop().time(), step))
        self._changed.set()
        self._changed = asyncio.Event()

    def press(self, digits: str) -> None:
        """The caller presses `digits` (read by the next Read(), one at a time)."""
        for digit in digits:
            self.dtmf.put_nowait(digit)

    def steps_like(self, prefix: str) -> list[str]:
        """The recorded steps starting with `prefix`, in order."""
        return [s for _, s in self.steps if s.startswith(prefix)]

    def settle(self, outcome: Outcome) -> None:
        """Resolve the outcome once (later results only go to the step log)."""
        self.note(f"outcome {outcome.kind} {outcome.agent or outcome.detail}".strip())
        if not self.outcome.done():
            self.outcome.set_result(outcome)

    def finish(self, at: float) -> None:
        """The caller channel is gone."""
        self.note("ended")
        if not self.ended.done():
            self.ended.set_result(at)

    def has_step(self, prefix: str) -> bool:
        """Whether any recorded step starts with `prefix`."""
        return any(s.startswith(prefix) for _, s in self.steps)

    async def wait_step(self, prefix: str, within_s: float = 5.0) -> None:
        """Wait (with a deadline) until a step starting with `prefix` has been recorded."""
        async with asyncio.timeout(within_s):
            while not self.has_step(prefix):
                await self._changed.wait()
