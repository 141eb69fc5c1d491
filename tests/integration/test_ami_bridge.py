"""The engine's reconnect snapshot against list replies as a real Asterisk 22 gives them."""

from __future__ import annotations

import pytest

from switchboard.asterisk.ami.errors import AmiActionError
from switchboard.asterisk.ami.message import AmiMessage
from switchboard.config.compile import compile_topology
from switchboard.config.loader import load_config
from switchboard.core.commands import Snapshot
from switchboard.engine.ami_bridge import AmiBridge
from switchboard.engine.live import Live
from tests.conftest import EXAMPLE


class ListingClient:
    """Answers list actions from a table; an AmiMessage value is an error response."""

    def __init__(self, replies: dict[str, list[AmiMessage] | AmiMessage]) -> None:
        self.replies = replies

    async def list_action(self, action: str) -> list[AmiMessage]:
        reply = self.replies.get(action, [])
        if isinstance(reply, AmiMessage):
            raise AmiActionError(action, reply)
        return reply


def bridge() -> AmiBridge:
    live = Live(compile_topology(load_config(EXAMPLE, {})), lambda: 0.0, lambda _: None)
    return AmiBridge(live, None)  # type: ignore[arg-type]


def submitted(b: AmiBridge) -> list[object]:
    events = []
    while not b.live._queue.empty():
        events.append(b.live._queue.get_nowait())
    return events


async def test_no_registered_phone_is_an_empty_contact_list() -> None:
    # Asterisk 22.10.1 with nobody registered: `Response: Error`, `Message: No Contacts found`
    none = AmiMessage.of(Response="Error", ActionID="1", Message="No Contacts found")
    device = AmiMessage.of(Event="DeviceStateChange", Device="PJSIP/1001", State="UNAVAILABLE")
    client = ListingClient({"PJSIPShowContacts": none, "DeviceStateList": [device]})
    b = bridge()
    await b.on_connect(client)  # type: ignore[arg-type]
    [snapshot] = submitted(b)
    assert isinstance(snapshot, Snapshot)
    assert snapshot.contacts == ()
    assert [d.device for d in snapshot.devices] == ["PJSIP/1001"]
    assert b.snapshots == 1


async def test_other_list_errors_still_fail_the_snapshot() -> None:
    denied = AmiMessage.of(Response="Error", ActionID="1", Message="Permission denied")
    b = bridge()
    with pytest.raises(AmiActionError):
        await b.on_connect(ListingClient({"QueueStatus": denied}))  # type: ignore[arg-type]
    assert b.snapshots == 0
