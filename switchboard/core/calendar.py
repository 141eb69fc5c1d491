"""Opening hours: weekly schedules, special days and the pure open/closed verdict."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class TimeRange:
    """A half-open interval [start, end) of minutes after local midnight (end may be 1440)."""

    start: int
    end: int

    def contains(self, minute: int) -> bool:
        """True when `minute` (after midnight) lies in the range."""
        return self.start <= minute < self.end

    def __str__(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"


Ranges = tuple[TimeRange, ...]


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """Opening ranges for each weekday, Monday first; an empty tuple is a closed day."""

    days: tuple[Ranges, Ranges, Ranges, Ranges, Ranges, Ranges, Ranges]


@dataclass(frozen=True, slots=True)
class SpecialDays:
    """Days with their own hours (empty = closed), by exact date or by month-day every year."""

    dated: Mapping[date, Ranges]
    yearly: Mapping[tuple[int, int], Ranges]

    def for_day(self, day: date) -> Ranges | None:
        """The special hours for `day`, or None when it is an ordinary day."""
        if day in self.dated:
            return self.dated[day]
        return self.yearly.get((day.month, day.day))


HolidayLookup = Callable[[date], str | None]


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a schedule is open at an instant, and why."""

    open: bool
    reason: str


def opening_verdict(
    local: datetime,
    hours: WeeklyHours,
    special: SpecialDays,
    holiday: HolidayLookup,
    force: str | None,
) -> Verdict:
    """Decide open/closed at `local` (a wall-clock time in the schedule's zone).

    Precedence: forced switch, then special days, then holidays, then the week.
    """
    if force == "closed":
        return Verdict(False, "forced_closed")
    if force == "open":
        return Verdict(True, "forced_open")
    day = local.date()
    minute = local.hour * 60 + local.minute
    special_ranges = special.for_day(day)
    if special_ranges is not None:
        return Verdict(_inside(special_ranges, minute), "special_day")
    name = holiday(day)
    if name is not None:
        return Verdict(False, f"holiday:{name}")
    if _inside(hours.days[local.weekday()], minute):
        return Verdict(True, "open")
    return Verdict(False, "outside_hours")


def _inside(ranges: Ranges, minute: int) -> bool:
    return any(r.contains(minute) for r in ranges)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
