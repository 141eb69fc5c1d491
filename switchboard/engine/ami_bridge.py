"""AMI events into the single writer, and the state snapshot taken after every (re)connect."""

from __future__ import annotations

import asyncio

import structlog

from switchboard.asterisk.ami.client import AmiClient
from switchboard.asterisk.ami.errors import AmiActionError, AmiError
from switchboard.asterisk.ami.message import AmiMessage
from switchboard.asterisk.ami.translate import Translator
from switchboard.core import events as ev
from switchboard.core.commands import Snapshot
from switchboard.engine.live import Live

log = structlog.get_logger("switchboard.ami")

SNAPSHOT_ACTIONS = ("QueueStatus", "CoreShowChannels", "DeviceStateList", "PJSIPShowContacts")
# With no registered phone Asterisk 22 answers PJSIPShowContacts with `Response: Error`,
# `Message: No Contacts found` instead of an empty list (seen on 22.10.1 by tests/e2e): that
# is an empty part of the snapshot, not a failed snapshot.
EMPTY_LIST_ERRORS = {"PJSIPShowContacts": "No Contacts found"}


class AmiBridge:
    """Translates AMI messages for the writer; `on_connect` rebuilds state from Asterisk."""

    def __init__(self, live: Live, client: AmiClient) -> None:
        self.live = live
        self.client = client
        self.translator = Translator()
        self.snapshots = 0
        self._resnapshot: asyncio.Task[None] | None = None

    def handle(self, msg: AmiMessage) -> None:
        """Event consumer: translate and submit (untranslatable messages are counted, not raised)."""
        event = self.translator.translate(msg)
        if event is None or isinstance(event, ev.ChannelSeen):
            return
        self.live.submit(event)
        if isinstance(event, ev.AsteriskBooted) and event.uptime_s == 0:
            # After a restart the login is accepted before boot ends (recording 14), so the
            # snapshot taken at login may predate the dialplan and queues: take it again.
            self._resnapshot = asyncio.create_task(self._again(), name="ami-resnapshot")

    async def _again(self) -> None:
        try:
            await self.on_connect(self.client)
        except AmiError as exc:
            log.warning("snapshot after boot failed", error=str(exc))

    async def on_connect(self, client: AmiClient) -> None:
        """Ask Asterisk for queues, channels, devices and contacts, and reconcile (FACTS: AMI)."""
        items: list[ev.AmiEvent] = []
        for action in SNAPSHOT_ACTIONS:
            for msg in await _list(client, action):
                event = self.translator.translate(msg)
                if event is not None:
                    items.append(event)
        snapshot = Snapshot(
            entries=tuple(e for e in items if isinstance(e, ev.CallerJoined)),
            channels=tuple(e for e in items if isinstance(e, ev.ChannelSeen)),
            devices=tuple(e for e in items if isinstance(e, ev.DeviceStateChanged)),
            contacts=tuple(e for e in items if isinstance(e, ev.ContactStatusChanged)),
        )
        self.snapshots += 1
        log.info(
            "state rebuilt from asterisk",
            waiting=len(snapshot.entries),
            channels=len(snapshot.channels),
            devices=len(snapshot.devices),
            contacts=len(snapshot.contacts),
        )
        self.live.submit(snapshot)


async def _list(client: AmiClient, action: str) -> list[AmiMessage]:
    """A list action's items; Asterisk's "nothing to list" error reads as no items."""
    try:
        return await client.list_action(action)
    except AmiActionError as exc:
        empty = EMPTY_LIST_ERRORS.get(action)
        if empty is not None and exc.message.strip() == empty:
            return []
        raise
