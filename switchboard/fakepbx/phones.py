"""Scripted operator phone behaviour: how an endpoint reacts to an INVITE."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class Reaction(Enum):
    """What the phone does with an incoming call."""

    ANSWER = "answer"
    NO_ANSWER = "no_answer"  # rings until the Dial timeout: NOANSWER
    BUSY = "busy"  # 486 at once: BUSY, no device state change (finding 17)
    STALE = "stale"  # registered but dead: no ringing, NOANSWER at the timeout (09b)


@dataclass(frozen=True)
class PhoneBehaviour:
    """A phone script; times are simulated seconds (scaled by the simulator's time_scale)."""

    reaction: Reaction = Reaction.ANSWER
    ring_delay_s: float = 0.002
    answer_after_s: float = 1.0
    hangup_after_s: float | None = None  # the operator hangs up after talking this long
    unregister_after_s: float | None = None  # the phone unregisters this long into the offer
    talk_s: Callable[[], float] | None = None  # each call's talk time (overrides hangup_after_s)


def answers(
    after_s: float = 1.0,
    *,
    hangup_after_s: float | None = None,
    talk_s: Callable[[], float] | None = None,
) -> PhoneBehaviour:
    """A phone that answers after `after_s` and optionally hangs up after talking (a fixed time,
    or a new `talk_s()` for every call)."""
    return PhoneBehaviour(
        Reaction.ANSWER, answer_after_s=after_s, hangup_after_s=hangup_after_s, talk_s=talk_s
    )


def never_answers(*, unregister_after_s: float | None = None) -> PhoneBehaviour:
    """A phone that rings and is never picked up."""
    return PhoneBehaviour(Reaction.NO_ANSWER, unregister_after_s=unregister_after_s)


def busy() -> PhoneBehaviour:
    """A phone that rejects with 486 Busy Here."""
    return PhoneBehaviour(Reaction.BUSY)


def stale() -> PhoneBehaviour:
    """A registered contact whose phone is gone: the INVITE is never answered."""
    return PhoneBehaviour(Reaction.STALE)
