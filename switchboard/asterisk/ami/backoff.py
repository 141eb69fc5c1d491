"""Capped exponential reconnect backoff with jitter, deterministic under an injected RNG."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Delay n (from 0) is min(cap, initial * factor**n), shrunk by up to `jitter` at random."""

    initial: float = 0.1
    factor: float = 2.0
    cap: float = 10.0
    jitter: float = 0.2
    rand: Callable[[], float] = field(default_factory=lambda: random.Random().random)
    attempts: int = 0

    def __post_init__(self) -> None:
        if not (0 < self.initial <= self.cap and self.factor >= 1 and 0 <= self.jitter < 1):
            raise ValueError("backoff needs 0 < initial <= cap, factor >= 1, 0 <= jitter < 1")

    def next_delay(self) -> float:
        """The delay before the next attempt; grows until `cap`."""
        # Cap the exponent too, so a long outage never overflows the float.
        base = min(self.cap, self.initial * self.factor ** min(self.attempts, 64))
        self.attempts += 1
        # Jitter only shrinks the delay, so the cap holds and many engines do not reconnect in step.
        return base * (1.0 - self.jitter * self.rand())

    def reset(self) -> None:
        """Start again from `initial` (after a successful login)."""
        self.attempts = 0
