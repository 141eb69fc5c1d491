"""Plain state of the simulated PBX: channels, endpoints, queues, members and bridges."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import Enum

from switchboard.fakepbx.phones import PhoneBehaviour

CHANNEL_STATES = {0: "Down", 4: "Ring", 5: "Ringing", 6: "Up"}

# Device state names and their ExtensionStatus / QueueMember codes (include/asterisk/devicestate.h,
# main/pbx.c ast_extension_state2str; app_queue member Status = AST_DEVICE_* value).
DEVICE_MEMBER_STATUS = {"NOT_INUSE": 1, "INUSE": 2, "UNAVAILABLE": 5, "RINGING": 6}
DEVICE_HINT_STATUS = {
    "NOT_INUSE": (0, "Idle"),
    "INUSE": (1, "InUse"),
    "UNAVAILABLE": (4, "Unavailable"),
    "RINGING": (8, "Ringing"),
}
CAUSE_TEXT = {0: "Unknown", 3: "No route to destination", 16: "Normal Clearing", 17: "User busy"}


class Interrupt(Enum):
    """Why a running dialplan application was interrupted."""

    HANGUP = "hangup"
    REDIRECT = "redirect"


@dataclass
class Channel:
    """One Asterisk channel with its dialplan location, variables and hangup cause."""

    name: str
    uniqueid: str
    linkedid: str
    caller_num: str
    caller_name: str
    context: str
    exten: str
    priority: int = 1
    state: int = 4
    connected_num: str = "<unknown>"
    connected_name: str = "<unknown>"
    variables: dict[str, str] = field(default_factory=dict)
    cause: int = 0
    tech_cause: int | None = None
    created: float = 0.0
    dnid: str = "unknown"
    language: str = "en"  # CHANNEL(language): where sounds are looked up first
    application: str = ""
    app_data: str = ""
    bridge_id: str = ""
    hungup: bool = False
    gone: bool = False
    soft_hangup_sent: bool = False
    redirect_to: tuple[str, str, int] | None = None
    interrupt: asyncio.Future[Interrupt] | None = None

    def signal(self, why: Interrupt) -> None:
        """Wake the application the channel is running (hangup wins over redirect)."""
        if self.interrupt is not None and not self.interrupt.done():
            self.interrupt.set_result(why)

    def fresh_interrupt(self) -> asyncio.Future[Interrupt]:
        """A new interrupt future for the next application (already set if hung up)."""
        self.interrupt = asyncio.get_running_loop().create_future()
        if self.hungup:
            self.interrupt.set_result(Interrupt.HANGUP)
        elif self.redirect_to is not None:
            self.interrupt.set_result(Interrupt.REDIRECT)
        return self.interrupt


@dataclass
class Endpoint:
    """A PJSIP operator endpoint with its contact (None when unregistered) and phone script."""

    name: str
    contact_uri: str | None = None
    contact_hash: str = ""
    expiration: int = 0
    behaviour: PhoneBehaviour = field(default_factory=PhoneBehaviour)
    channels: list[Channel] = field(default_factory=list)

    @property
    def device(self) -> str:
        """The device name, e.g. `PJSIP/1001`."""
        return f"PJSIP/{self.name}"


@dataclass
class Member:
    """A queue member (static from configuration or added with QueueAdd)."""

    interface: str
    name: str
    state_interface: str
    dynamic: bool
    penalty: int = 0
    paused: bool = False
    reason: str = ""
    last_pause: int = 0
    login_time: int = 0


@dataclass
class QueueEntry:
    """A caller waiting in a queue."""

    channel: Channel
    joined: float
    original_position: int


@dataclass
class Queue:
    """An app_queue queue with its members, waiting callers and counters."""

    name: str
    strategy: str = "ringall"
    members: dict[str, Member] = field(default_factory=dict)
    entries: list[QueueEntry] = field(default_factory=list)
    abandoned: int = 0


@dataclass
class Bridge:
    """A basic two-party bridge."""

    uniqueid: str
    channels: list[Channel] = field(default_factory=list)
