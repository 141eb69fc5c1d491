"""An action awaiting its reply: the response and, for a list action, its items and Complete."""

from __future__ import annotations

import asyncio

import structlog

from switchboard.asterisk.ami.errors import AmiActionError
from switchboard.asterisk.ami.message import AmiMessage

log = structlog.get_logger(__name__)

Reply = tuple[AmiMessage, list[AmiMessage]]


class Pending:
    """One action awaiting its response (and, for a list action, its items and Complete event)."""

    __slots__ = (
        "_loop",
        "_sent_at",
        "action",
        "complete",
        "future",
        "is_list",
        "items",
        "response",
    )

    def __init__(self, action: str, loop: asyncio.AbstractEventLoop, is_list: bool) -> None:
        self.action = action
        self.future: asyncio.Future[Reply] = loop.create_future()
        self._loop = loop
        self._sent_at = loop.time()
        self.is_list = is_list
        self.items: list[AmiMessage] = []
        self.response: AmiMessage | None = None
        self.complete: AmiMessage | None = None

    def elapsed(self) -> float:
        """Seconds since the action was sent."""
        return self._loop.time() - self._sent_at

    def on_response(self, msg: AmiMessage) -> None:
        """Resolve, or for a started list wait for its Complete event."""
        if msg.response == "Error":
            self.future.set_exception(AmiActionError(self.action, msg))
            return
        self.response = msg
        if not self.is_list or msg.get("EventList") != "start" or self.complete is not None:
            self.future.set_result((msg, self.items))

    def on_item(self, msg: AmiMessage) -> None:
        """Collect a list item; resolve on the Complete event once the response is in."""
        if msg.get("EventList") != "Complete":
            self.items.append(msg)
            return
        self.complete = msg
        if msg.get("ListItems", str(len(self.items))) != str(len(self.items)):
            log.warning("ami.list_count_mismatch", action=self.action, items=len(self.items))
        if self.response is not None:
            self.future.set_result((self.response, self.items))
