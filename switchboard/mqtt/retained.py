"""Coalescing of retained state: which views an effect changes, publish a topic only when its
view changed, at most every `interval_s` per topic, and everything again after a reconnect."""

from __future__ import annotations

from collections.abc import Iterable

from switchboard.views.catalog import Catalog
from switchboard.views.changes import Subject, changed_by

CONFIG: Subject = ("config", "")
__all__ = ["CONFIG", "Retained", "changed_by", "every_subject"]


class Retained:
    """Dirty subjects, what the broker holds for each, and when each may be published again."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self.dirty: set[Subject] = set()
        self.held: dict[Subject, str] = {}  # subject -> stable JSON the broker retains (or will)
        self.sent_at: dict[Subject, float] = {}  # subject -> monotonic time of the last publish

    def mark(self, subjects: Iterable[Subject]) -> None:
        """These subjects may have changed."""
        self.dirty.update(subjects)

    def forget(self) -> None:
        """The broker may hold nothing (a reconnect): everything known is published again."""
        self.dirty.update(self.held)
        self.held.clear()
        self.sent_at.clear()

    def due(self, now: float) -> tuple[list[Subject], float | None]:
        """Dirty subjects publishable at `now`, and the earliest time another one becomes so."""
        ready: list[Subject] = []
        later: float | None = None
        for subject in self.dirty:
            at = self.sent_at.get(subject)
            if at is None or now - at >= self.interval_s:
                ready.append(subject)
            else:
                next_at = at + self.interval_s
                later = next_at if later is None else min(later, next_at)
        ready.sort()
        return ready, later

    def take(self, subject: Subject) -> None:
        """The subject's view is about to be read: a change from now on marks it again."""
        self.dirty.discard(subject)

    def unchanged(self, subject: Subject, stable: str) -> bool:
        """True when the broker already holds this view."""
        return self.held.get(subject) == stable

    def published(self, subject: Subject, stable: str | None, now: float) -> None:
        """The subject's view goes to the broker now (None: its topic is cleared)."""
        self.sent_at[subject] = now
        if stable is None:
            self.held.pop(subject, None)
        else:
            self.held[subject] = stable


def every_subject(catalog: Catalog) -> set[Subject]:
    """Every retained subject the configuration has."""
    subjects: set[Subject] = {("overview", ""), CONFIG}
    subjects.update(("tenant", t) for t in catalog.tenants)
    subjects.update(("queue", q) for q in catalog.queues)
    subjects.update(("agent", a) for a in catalog.agents)
    return subjects
