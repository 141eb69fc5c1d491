"""The simulated PBX: channels, device states, registrations, queues and bridges, with AMI events."""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from switchboard.fakepbx import events as ev
from switchboard.fakepbx.calls import CallHandle
from switchboard.fakepbx.config import SimConfig
from switchboard.fakepbx.model import (
    Bridge,
    Channel,
    Endpoint,
    Interrupt,
    Member,
    Queue,
    QueueEntry,
)
from switchboard.fakepbx.phones import PhoneBehaviour
from switchboard.fakepbx.wire import Message

Listener = Callable[[Message], None]


class Pbx:
    """Single owner of the PBX state; every change is published to the AMI listeners at once."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.listeners: list[Listener] = []
        self.endpoints = {name: Endpoint(name) for name in config.endpoints}
        self.outside: dict[str, PhoneBehaviour] = {}  # numbers reached through the trunk
        self.callouts: list[CallHandle] = []  # callbacks the engine originated (and their legs)
        self.queues: dict[str, Queue] = {}
        self.channels: dict[str, Channel] = {}
        self.bridges: dict[str, Bridge] = {}
        self.devices: dict[str, str] = {}
        self.boot_epoch = int(time.time())
        self.processed_calls = 0
        self._seq = 0
        self._changed = asyncio.Event()
        self.tasks: set[asyncio.Task[None]] = set()
        self.errors: list[BaseException] = []
        self.boot()

    def boot(self) -> None:
        """(Re)load configuration: queues, static members and the device state cache."""
        self.queues = {}
        for qc in self.config.queues:
            q = Queue(qc.name, qc.strategy)
            for iface, mname in qc.static_members:
                q.members[iface] = Member(iface, mname, iface, dynamic=False,
                                          login_time=int(time.time()))  # fmt: skip
            self.queues[qc.name] = q
        self.devices = {}
        for q in self.queues.values():
            self.devices[f"Queue:{q.name}_avail"] = self._avail(q)
            for m in q.members.values():
                self.devices[f"Queue:{q.name}_pause_{m.interface}"] = "NOT_INUSE"
        self.devices[f"PJSIP/{self.config.inbound_endpoint}"] = "UNAVAILABLE"
        for ep in self.endpoints.values():
            self.devices[ep.device] = self._endpoint_state(ep)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run a supervised background task; its failure is kept in `errors`."""
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self._reap)
        return task

    def _reap(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.errors.append(task.exception())  # type: ignore[arg-type]

    # ------------------------------------------------------------------ events and time
    def emit(self, *msgs: Message) -> None:
        """Publish events to every listener, in order, and wake condition waiters."""
        for msg in msgs:
            for listener in list(self.listeners):
                listener(msg)
        self.touch()

    def touch(self) -> None:
        """Wake everything waiting in `wait_changed`."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_changed(self) -> None:
        """Return at the next state change."""
        await self._changed.wait()

    def now(self) -> float:
        """Loop clock in seconds."""
        return asyncio.get_running_loop().time()

    def sim_seconds(self, since: float) -> int:
        """Whole simulated seconds since a loop-clock instant."""
        return int((self.now() - since) / self.config.time_scale)

    async def sleep(self, sim_s: float) -> None:
        """Sleep simulated seconds."""
        await asyncio.sleep(sim_s * self.config.time_scale)

    # ------------------------------------------------------------------ channels
    def next_seq(self) -> int:
        """The next channel sequence number (names and uniqueids stay unique)."""
        seq = self._seq
        self._seq += 1
        return seq

    def new_channel(self, tech: str, caller_num: str, caller_name: str, context: str, exten: str,
                    *, state: int, linkedid: str | None = None) -> Channel:  # fmt: skip
        """Create a channel named like chan_pjsip (`PJSIP/<endpoint>-%08x`); no event is sent."""
        seq = self.next_seq()
        uid = f"{int(time.time())}.{seq}"
        ch = Channel(f"PJSIP/{tech}-{seq:08x}", uid, linkedid or uid, caller_num, caller_name,
                     context, exten, state=state, created=self.now())  # fmt: skip
        self.channels[ch.name] = ch
        ep = self.endpoints.get(tech)
        if ep is not None:
            ep.channels.append(ch)
        return ch

    def set_var(self, ch: Channel, name: str, value: str) -> None:
        """Set a channel variable with its VarSet event."""
        ch.variables[name] = value
        self.emit(ev.var_set(ch, name, value))

    def request_hangup(self, ch: Channel, *, soft: bool = False, cause: int = 16) -> None:
        """Far end BYE (HangupRequest) or AMI Hangup (SoftHangupRequest); the app then unwinds."""
        if ch.hungup or ch.gone:
            return
        ch.hungup = True
        if soft:
            ch.soft_hangup_sent = True
            self.emit(ev.soft_hangup_request(ch, cause))
        else:
            if ch.bridge_id and not ch.cause:
                ch.cause = cause
            self.emit(ev.hangup_request(ch, ch.cause))
        ch.signal(Interrupt.HANGUP)

    def destroy(self, ch: Channel, *, soft_first: bool = True) -> None:
        """End of a channel: SoftHangupRequest (unless sent), Hangup, device state update."""
        if ch.gone:
            return
        if soft_first and not ch.soft_hangup_sent:
            ch.soft_hangup_sent = True
            self.emit(ev.soft_hangup_request(ch))
        ch.gone = ch.hungup = True
        ch.signal(Interrupt.HANGUP)
        self.channels.pop(ch.name, None)
        self.emit(ev.hangup(ch))
        tech = ch.name.removeprefix("PJSIP/").rsplit("-", 1)[0]
        if tech in self.endpoints:
            self.endpoints[tech].channels.remove(ch)
            self.refresh_endpoint(self.endpoints[tech])
        else:
            self.refresh_inbound()

    def refresh_inbound(self) -> None:
        """PJSIP/inbound reads INUSE while any trunk channel is up, else UNAVAILABLE."""
        prefix = f"PJSIP/{self.config.inbound_endpoint}-"
        up = any(c.name.startswith(prefix) and c.state == 6 for c in self.channels.values())
        self.set_device(f"PJSIP/{self.config.inbound_endpoint}", "INUSE" if up else "UNAVAILABLE")

    # ------------------------------------------------------------------ devices
    def set_device(self, device: str, state: str) -> None:
        """DeviceStateChange only on a real change (the devstate cache suppresses repeats)."""
        if self.devices.get(device) == state:
            return
        self.devices[device] = state
        self.emit(ev.device_state(device, state))

    def refresh_endpoint(self, ep: Endpoint, *, before_dsc: Sequence[Message] = ()) -> None:
        """Recompute an endpoint's device state: hint, DeviceStateChange, member status, avail."""
        state = self._endpoint_state(ep)
        if self.devices.get(ep.device) == state:
            self.emit(*before_dsc)
            return
        hint = ev.extension_status(ep.name, self.config.dialplan.agents_context, ep.device, state)
        self.emit(hint, *before_dsc)
        self.set_device(ep.device, state)
        for q in self.queues.values():
            for m in q.members.values():
                if m.state_interface == ep.device:
                    self.emit(ev.member_event("QueueMemberStatus", q.name, m, state))
                    self.set_device(f"Queue:{q.name}_avail", self._avail(q))

    def member_state(self, m: Member) -> str:
        """The device state behind a member's state interface."""
        return self.devices.get(m.state_interface, "UNAVAILABLE")

    def _avail(self, q: Queue) -> str:
        free = any(not m.paused and self.member_state(m) == "NOT_INUSE" for m in q.members.values())
        return "NOT_INUSE" if free else "INUSE"

    def refresh_avail(self, q: Queue) -> None:
        """Update the `Queue:<name>_avail` pseudo-device."""
        self.set_device(f"Queue:{q.name}_avail", self._avail(q))

    def _endpoint_state(self, ep: Endpoint) -> str:
        states = {c.state for c in ep.channels}
        if 6 in states:
            return "INUSE"
        if 5 in states:
            return "RINGING"
        return "NOT_INUSE" if ep.contact_uri or ep.channels else "UNAVAILABLE"

    # ------------------------------------------------------------------ registrations
    def register(self, ep: Endpoint, port: int) -> None:
        """REGISTER accepted: PeerStatus, device/hint/member updates, then ContactStatus."""
        if ep.contact_uri is not None:
            return
        ep.contact_uri = f"sip:{ep.name}@127.0.0.1:{port}"
        ep.contact_hash = hashlib.md5(f"{ep.name}{port}".encode()).hexdigest()
        ep.expiration = int(time.time()) + 3600
        self.emit(ev.peer_status(ep.name, "Reachable"))
        self.refresh_endpoint(ep)
        self.emit(ev.contact_status(ep.name, ep.contact_uri, "NonQualified"))

    def unregister(self, ep: Endpoint) -> None:
        """REGISTER with Expires 0: PeerStatus Unreachable, updates, ContactStatus Removed."""
        if ep.contact_uri is None:
            return
        uri, ep.contact_uri = ep.contact_uri, None
        self.emit(ev.peer_status(ep.name, "Unreachable"))
        self.refresh_endpoint(ep)
        self.emit(ev.contact_status(ep.name, uri, "Removed"))

    # ------------------------------------------------------------------ queues
    def join(self, q: Queue, ch: Channel, position: int | None) -> QueueEntry:
        """Enter a queue; position 1 goes ahead of callers already waiting (finding 9)."""
        idx = len(q.entries) if not position else min(max(position, 1) - 1, len(q.entries))
        entry = QueueEntry(ch, self.now(), idx + 1)
        q.entries.insert(idx, entry)
        if len(q.entries) == 1:
            self.set_device(f"Queue:{q.name}", "RINGING")
        self.emit(ev.queue_caller("QueueCallerJoin", ch, q.name, idx + 1,
                                  ("Count", str(len(q.entries)))))  # fmt: skip
        return entry

    def leave(self, q: Queue, entry: QueueEntry) -> None:
        """Leave without being connected by app_queue: QueueCallerAbandon then Leave (finding 6)."""
        pos = q.entries.index(entry) + 1
        held = self.sim_seconds(entry.joined)
        q.abandoned += 1
        q.entries.remove(entry)
        ch = entry.channel
        self.emit(ev.queue_caller("QueueCallerAbandon", ch, q.name, pos,
                                  ("OriginalPosition", str(entry.original_position)),
                                  ("HoldTime", str(held))))  # fmt: skip
        if not q.entries:
            self.set_device(f"Queue:{q.name}", "NOT_INUSE")
        self.emit(ev.queue_caller("QueueCallerLeave", ch, q.name, pos,
                                  ("Count", str(len(q.entries)))))  # fmt: skip

    # ------------------------------------------------------------------ bridges
    def bridge(
        self, caller: Channel, agent: Channel, ep: Endpoint, before: Sequence[Message]
    ) -> Bridge:
        """Answered Dial: BridgeCreate, agent enters, device INUSE, then the caller enters."""
        b = Bridge(str(uuid.uuid4()))
        self.bridges[b.uniqueid] = b
        msgs = [*before, ev.bridge_event("BridgeCreate", b)]
        b.channels.append(agent)
        agent.bridge_id = b.uniqueid
        msgs.append(ev.bridge_event("BridgeEnter", b, agent))
        self.refresh_endpoint(ep, before_dsc=msgs)
        b.channels.append(caller)
        caller.bridge_id = b.uniqueid
        self.emit(ev.bridge_event("BridgeEnter", b, caller))
        return b

    def unbridge(self, b: Bridge, first: Channel) -> None:
        """Tear a bridge down when `first` hangs up (07): leave, soft hangup, leave, destroy."""
        others = [c for c in b.channels if c is not first]
        b.channels.remove(first)
        self.emit(ev.bridge_event("BridgeLeave", b, first))
        first.soft_hangup_sent = True
        self.emit(ev.soft_hangup_request(first))
        for other in others:
            b.channels.remove(other)
            self.emit(ev.bridge_event("BridgeLeave", b, other))
            other.bridge_id = ""
        first.bridge_id = ""
        self.bridges.pop(b.uniqueid, None)
        self.emit(ev.bridge_event("BridgeDestroy", b))
