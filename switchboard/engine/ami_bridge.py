"""AMI events into the single writer, and the state snapshot taken after every (re)connect."""

from __future__ import annotations

import asyncio

import structlog

from switchboard.asterisk.ami.client import AmiClient
from switchboard.asterisk.ami.errors import AmiError
from switchboard.asterisk.ami.message import AmiMessage
from switchboard.asterisk.ami.translate import Translator
from switchboard.core import events as ev
from switchboard.core.commands import Snapshot
from switchboard.engine.live import Live

log = structlog.get_logger("switchboard.ami")

# No PJSIPShowContacts: it needs the `system` write class, which also unlocks GetConfig and
# Reload [S: pjsip_options.c, manager.c]. A PJSIP device without a contact already reads
# UNAVAILABLE in DeviceStateList (recording 02), and ContactStatus events keep it live.
SNAPSHOT_ACTIONS = ("QueueStatus", "CoreShowChannels", "DeviceStateList")


class AmiBridge:
    """Translates AMI messages for the writer; `on_connect` rebuilds state from Asterisk."""

    def __init__(self, live: Live, client: AmiClient) -> None:
        self.live = live
        self.client = client
        self.translator = Translator()
        self.snapshots = 0
        self._taking = False
        self._stale = False
        self._again: asyncio.Task[None] | None = None

    def handle(self, msg: AmiMessage) -> None:
        """Event consumer: translate and submit (untranslatable messages are counted, not raised)."""
        event = self.translator.translate(msg)
        if event is None or isinstance(event, ev.ChannelSeen):
            return
        self.live.submit(event)
        if isinstance(event, ev.AsteriskBooted) and event.uptime_s == 0:
            # After a restart the login is accepted before boot ends (recording 14), so a
            # snapshot taken at login may predate the dialplan and queues: take it again.
            self._stale = True
            if not self._taking:
                self._again = asyncio.create_task(self._retake(), name="ami-resnapshot")

    async def on_connect(self, client: AmiClient) -> None:
        """Ask Asterisk for queues, channels and devices, and reconcile (FACTS: AMI)."""
        self._taking = True
        try:
            while True:
                self._stale = False
                self.live.submit(await self._take(client))
                if not self._stale:
                    return
        finally:
            self._taking = False

    async def _retake(self) -> None:
        try:
            await self.on_connect(self.client)
        except AmiError as exc:
            log.warning("snapshot after boot failed", error=str(exc))

    async def _take(self, client: AmiClient) -> Snapshot:
        items: list[ev.AmiEvent] = []
        for action in SNAPSHOT_ACTIONS:
            for msg in await client.list_action(action):
                event = self.translator.translate(msg)
                if event is not None:
                    items.append(event)
        snapshot = Snapshot(
            entries=tuple(e for e in items if isinstance(e, ev.CallerJoined)),
            channels=tuple(e for e in items if isinstance(e, ev.ChannelSeen)),
            devices=tuple(e for e in items if isinstance(e, ev.DeviceStateChanged)),
            contacts=None,
        )
        self.snapshots += 1
        log.info(
            "state rebuilt from asterisk",
            waiting=len(snapshot.entries),
            channels=len(snapshot.channels),
            devices=len(snapshot.devices),
        )
        return snapshot
