"""The topic tree under `engine.mqtt.topic_prefix` (docs/events.md describes every topic)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SubjectKind = Literal["overview", "tenant", "queue", "agent"]
Subject = tuple[SubjectKind, str]  # ("tenant", "vetlanda"); the overview's id is ""

ONLINE = b"online"
OFFLINE = b"offline"


@dataclass(frozen=True, slots=True)
class Topics:
    """Topic names; ids are configuration ids and queue names, which never hold / + or #."""

    prefix: str

    @property
    def status(self) -> str:
        """Retained `online`/`offline`; `offline` is also the broker's last will."""
        return f"{self.prefix}/engine/status"

    def state(self, subject: Subject) -> str:
        """The retained state topic of a tenant, queue, agent or the overview."""
        kind, key = subject
        return (
            f"{self.prefix}/overview/state"
            if kind == "overview"
            else f"{self.prefix}/{kind}/{key}/state"
        )

    def call_event(self, tenant: str, event: str) -> str:
        """Where a call event is published (not retained)."""
        return f"{self.prefix}/events/call/{tenant}/{event}"

    @property
    def all_events(self) -> str:
        """A subscription to every call event."""
        return f"{self.prefix}/events/call/#"
