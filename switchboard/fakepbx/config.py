"""Configuration of the simulated Asterisk: lab layout, dialplan names and timings."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class QueueConfig:
    """A queue from queues.conf with its static members as (interface, member name)."""

    name: str
    strategy: str = "ringall"
    static_members: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Fallback:
    """The dialplan's static fallback when the engine gives no valid answer."""

    agents: tuple[str, ...] = ()  # dialled one after another, e.g. ("PJSIP/1001",)
    queue: str | None = None  # then waited in, when no agent answered


@dataclass(frozen=True)
class DialplanConfig:
    """Context and FastAGI script names (docs/call-flow.md; the recordings use sb-*, queue-exit)."""

    agi_host: str = "127.0.0.1"
    agi_port: int = 4573
    inbound_context: str = "switchboard-inbound"
    deliver_context: str = "switchboard-deliver"
    closed_context: str = "switchboard-closed"  # a Redirect here ends the call (voicemail, ...)
    agents_context: str = "sb-agents"
    route_script: str = "route"
    requeue_script: str = "requeue"
    delivered_script: str | None = "delivered"  # None: the recordings' dialplan (no report)
    answer_report: Literal["userevent", "agi"] = "userevent"  # agi: an older dialplan's report
    agent_script: str = "agent"
    default_wait_s: float = 60.0
    requeue_wait_s: float = 60.0
    fallback: Fallback = field(default_factory=Fallback)


@dataclass(frozen=True)
class SimConfig:
    """Everything the simulator needs; durations are simulated seconds times `time_scale`."""

    dialplan: DialplanConfig = field(default_factory=DialplanConfig)
    ami_host: str = "127.0.0.1"
    ami_port: int = 0
    username: str = "switchboard"
    secret: str = "secret"
    endpoints: tuple[str, ...] = ("1001", "1002", "1003")
    queues: tuple[QueueConfig, ...] = (
        QueueConfig("vetlanda"),
        QueueConfig("support"),
        QueueConfig("classic", "leastrecent", (("PJSIP/1001", "Agent 1001"),)),
    )
    inbound_endpoint: str = "inbound"
    # switchboard-numbers of the written dialplan: dialled number -> the variables it sets
    numbers: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    time_scale: float = 1.0
    dial_timeout_s: float = 15.0
    answer_delay_s: float = 0.0  # Answer() waits up to 500 ms for media without RTP (finding 11)
    sound_s: float = 0.0  # how long one sound file plays (Playback, Read's prompt, SayNumber)
    login_fail_delay_s: float = 1.0
    restart_close_s: float = 0.75
    restart_refuse_s: float = 0.3
    restart_boot_s: float = 0.13
    # manager.conf `eventfilter(action(include),name(...))`: only these events reach a login
    # (None: every event, as the recordings' read=all user got them)
    event_filter: frozenset[str] | None = None
    # Asterisk's wall clock (${EPOCH}): the engine's own clock when that one is scaled
    epoch: Callable[[], float] = time.time
