"""AMI events into the single writer, and the state snapshots that keep it true.

A snapshot is taken after every (re)login of either connection, after Asterisk reports a fresh
boot, and periodically as an audit (a missed Hangup can then never leave a ghost caller).
Until one is taken on the current logins the engine cannot deliver (`deliverable` is False)
and the FastAGI answers send callers to the dialplan's static fallback.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable

import structlog

from switchboard.asterisk.ami.client import AmiClient
from switchboard.asterisk.ami.errors import AmiActionError, AmiError
from switchboard.asterisk.ami.message import AmiMessage
from switchboard.asterisk.ami.translate import ANSWERED_AT, Translator, answer_time
from switchboard.core import events as ev
from switchboard.core.commands import LinkChanged, Snapshot
from switchboard.core.topology import Absent, absent_from_asterisk, device_of_channel
from switchboard.engine.live import Live

log = structlog.get_logger("switchboard.ami")

# No PJSIPShowContacts: it needs the `system` write class, which also unlocks GetConfig and
# Reload [S: pjsip_options.c, manager.c]. A PJSIP device without a contact already reads
# UNAVAILABLE in DeviceStateList (recording 02), and ContactStatus events keep it live.
SNAPSHOT_ACTIONS = ("QueueStatus", "CoreShowChannels", "DeviceStateList")
BOOT_WAIT_S = 30.0  # FullyBooted follows the login at once unless Asterisk is still booting
RETRY_S = 0.5


class AmiBridge:
    """Translates AMI messages for the writer; takes the snapshots; knows if delivery is possible."""

    def __init__(
        self,
        live: Live,
        client: AmiClient,
        clock: Callable[[], float],
        *,
        boot_wait_s: float = BOOT_WAIT_S,
        audit_s: float = 60.0,
        on_checked: Callable[[Absent], None] | None = None,
    ) -> None:
        self.live = live
        self.on_checked = on_checked
        self.client = client
        self.clock = clock
        self.boot_wait_s = boot_wait_s
        self.audit_s = audit_s
        self.translator = Translator()
        self.snapshots = 0
        self.booted = asyncio.Event()
        self._epoch: tuple[int, int] | None = None
        self._told: bool | None = None
        self._lock = asyncio.Lock()
        self._again: asyncio.Task[None] | None = None

    @property
    def deliverable(self) -> bool:
        """True when both logins are up and a snapshot was taken on them (offers can be made)."""
        return self.client.connected and self._epoch == self.client.epoch

    def handle(self, msg: AmiMessage) -> None:
        """Event consumer: translate and submit (untranslatable messages are counted, not raised)."""
        event = self.translator.translate(msg)
        if event is None or isinstance(event, ev.ChannelSeen):
            return
        self.live.submit(event)
        if isinstance(event, ev.AsteriskShutdown):
            self._epoch = None  # going down: deliver nothing until it is back and re-read
            self.tell()
        elif isinstance(event, ev.AsteriskBooted):
            self.booted.set()
            if event.uptime_s == 0 and self.client.connected:
                # After a restart the login is accepted before boot ends (recording 14): what
                # was read at login may predate the dialplan and queues, so read it again.
                self._epoch = None
                self.tell()
                self._again = asyncio.create_task(self._quietly(), name="ami-resnapshot")

    def tell(self) -> None:
        """Let the core know when `deliverable` flipped (it offers nothing while False)."""
        now = self.deliverable
        if now != self._told:
            self._told = now
            self.live.submit(LinkChanged(now))
            log.log(20 if now else 30, "delivery possible" if now else "delivery impossible")

    def on_disconnect(self) -> None:
        """The events login is gone: its FullyBooted no longer tells anything."""
        self.booted.clear()
        self.tell()

    def on_actions_disconnect(self) -> None:
        """The actions login is gone: offers cannot be sent until it is back and re-read."""
        self.tell()

    async def on_connect(self, client: AmiClient) -> None:
        """Events login made: wait for FullyBooted, then read the state from Asterisk."""
        try:
            await asyncio.wait_for(self.booted.wait(), self.boot_wait_s)
        except TimeoutError:
            log.warning("no FullyBooted after login (read permission lacks system?)")
        await self.refresh()

    async def on_actions_connect(self, client: AmiClient) -> None:
        """Actions login made again while events stayed up: read the state again."""
        if client.events.connected and self.booted.is_set():
            asyncio.get_running_loop().create_task(self._quietly(), name="ami-resnapshot")

    def resnapshot(self) -> None:
        """Read the state again in the background, if it can be read now."""
        if self.deliverable:
            self._again = asyncio.get_running_loop().create_task(
                self._quietly(), name="ami-resnapshot"
            )

    async def audit(self) -> None:
        """Re-read the state every `audit_s` while connected (supervised background task)."""
        while True:
            await asyncio.sleep(self.audit_s)
            if self.deliverable:
                await self._quietly()

    async def refresh(self) -> None:
        """Take one snapshot and hand it to the writer (one at a time)."""
        async with self._lock:
            epoch = self.client.epoch
            snapshot = await self._take()
            self.live.submit(snapshot)
            if self.client.epoch == epoch and self.client.connected:
                self._epoch = epoch
            self.tell()
            if self.on_checked is not None and snapshot.queues is not None:
                devices = (d.device for d in snapshot.devices)
                self.on_checked(absent_from_asterisk(self.live.topo, snapshot.queues, devices))

    async def _quietly(self) -> None:
        try:
            await self.refresh()
        except AmiError as exc:
            log.warning("snapshot failed", error=str(exc))

    async def _take(self) -> Snapshot:
        started = self.clock()
        deadline = asyncio.get_running_loop().time() + self.boot_wait_s
        items: list[ev.AmiEvent] = []
        for action in SNAPSHOT_ACTIONS:
            while True:
                try:
                    replies = await self.client.list_action(action)
                    break
                except AmiActionError as exc:
                    # Asterisk still booting answers `Invalid/unknown command` (FACTS).
                    if asyncio.get_running_loop().time() > deadline:
                        raise
                    log.info("snapshot action refused, retrying", action=action, error=str(exc))
                    await asyncio.sleep(RETRY_S)
            for msg in replies:
                event = self.translator.translate(msg)
                if event is not None:
                    items.append(event)
        channels = tuple(e for e in items if isinstance(e, ev.ChannelSeen))
        snapshot = Snapshot(
            entries=tuple(e for e in items if isinstance(e, ev.CallerJoined)),
            channels=await self._answer_times(channels),
            devices=tuple(e for e in items if isinstance(e, ev.DeviceStateChanged)),
            contacts=None,
            started_at=started,
            queues=tuple(e.queue for e in items if isinstance(e, ev.QueueListed)),
        )
        self.snapshots += 1
        log.info(
            "state read from asterisk",
            waiting=len(snapshot.entries),
            channels=len(snapshot.channels),
            devices=len(snapshot.devices),
        )
        return snapshot

    async def _answer_times(
        self, channels: tuple[ev.ChannelSeen, ...]
    ) -> tuple[ev.ChannelSeen, ...]:
        """The channels, an operator's bridged leg whose answer the engine has not heard with
        the time [switchboard-answered] left on it (one Getvar each, all at once)."""
        state, topo = self.live.state, self.live.topo

        def heard(leg: str) -> bool:
            known = state.legs.get(leg)
            call = state.calls.get(known[0]) if known is not None else None
            return call is not None and call.answered_at is not None

        asked = [
            c
            for c in channels
            if c.bridge and device_of_channel(c.channel) in topo.by_device and not heard(c.uniqueid)
        ]
        if not asked:
            return channels
        times = await asyncio.gather(*(self._answered_at(c.channel) for c in asked))
        found = {c.uniqueid: at for c, at in zip(asked, times, strict=True) if at is not None}
        return tuple(
            dataclasses.replace(c, answered_at=found[c.uniqueid]) if c.uniqueid in found else c
            for c in channels
        )

    async def _answered_at(self, channel: str) -> float | None:
        """The leg's SB_ANSWERED_AT; None when unset or the channel is gone."""
        try:
            reply = await self.client.send_action(
                "Getvar", (("Channel", channel), ("Variable", ANSWERED_AT))
            )
        except AmiActionError:
            return None
        return answer_time(reply.get("Value"))
