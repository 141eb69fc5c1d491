"""The virtual clock: a time-ordered agenda of what happens next (ties keep insertion order)."""

from __future__ import annotations

import heapq
from enum import IntEnum


class Kind(IntEnum):
    """What an agenda entry makes happen."""

    ARRIVE = 0  # a caller dials in
    LOGIN = 1
    LOGOUT = 2
    UNPAUSE = 3  # an operator paused for misses comes back
    RING = 4  # an offered phone is answered or rings out
    TALK_END = 5
    PATIENCE = 6  # a waiting caller gives up
    SLICE = 7  # a Queue() wait slice ends: the dialplan asks `requeue`
    TICK = 8  # a moment the core must see: wrap-up end, overflow step, target, retry


class Agenda:
    """A priority queue of (time, kind, payload)."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Kind, object]] = []
        self._seq = 0

    def push(self, at: float, kind: Kind, payload: object = None) -> None:
        """Schedule `kind` with `payload` at virtual time `at`."""
        self._seq += 1
        heapq.heappush(self._heap, (at, self._seq, kind, payload))

    def pop(self) -> tuple[float, Kind, object]:
        """The earliest entry (raises IndexError when empty)."""
        at, _, kind, payload = heapq.heappop(self._heap)
        return at, kind, payload

    def __len__(self) -> int:
        return len(self._heap)
