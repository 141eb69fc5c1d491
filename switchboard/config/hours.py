"""Parsing of opening-hours notation (`mon-thu: "07:30-16:30"`) into core schedules."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from datetime import date

from switchboard.core.calendar import WEEKDAYS, Ranges, SpecialDays, TimeRange, WeeklyHours

HoursValue = str | list[str]

_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")


class HoursError(ValueError):
    """A malformed or contradictory hours specification."""


def parse_ranges(value: HoursValue) -> Ranges:
    """Parse `"08:00-12:00"`, a list of such, or `"closed"` into sorted, disjoint ranges."""
    items = [value] if isinstance(value, str) else list(value)
    if items == ["closed"]:
        return ()
    ranges = sorted((_parse_range(item) for item in items), key=lambda r: r.start)
    for before, after in itertools.pairwise(ranges):
        if after.start < before.end:
            raise HoursError(f"ranges {before} and {after} overlap")
    return tuple(ranges)


def parse_week(spec: Mapping[str, HoursValue]) -> WeeklyHours:
    """Parse a mapping of day keys (`mon`, `mon-fri`, `sat,sun`) to ranges; unnamed days are closed."""
    days: list[Ranges | None] = [None] * 7
    for key, value in spec.items():
        ranges = parse_ranges(value)
        for index in _day_indexes(key):
            if days[index] is not None:
                raise HoursError(f"{WEEKDAYS[index]} is given twice (in {key!r})")
            days[index] = ranges
    d = [r if r is not None else () for r in days]
    return WeeklyHours((d[0], d[1], d[2], d[3], d[4], d[5], d[6]))


def parse_special_days(spec: Mapping[str, HoursValue]) -> SpecialDays:
    """Parse `{"2026-12-23": "08:00-12:00", "12-24": "closed"}` (month-day keys recur yearly)."""
    dated: dict[date, Ranges] = {}
    yearly: dict[tuple[int, int], Ranges] = {}
    for key, value in spec.items():
        ranges = parse_ranges(value)
        month_day = _MONTH_DAY.match(key)
        if month_day:
            month, day = int(month_day[1]), int(month_day[2])
            try:
                date(2000, month, day)  # 2000 is a leap year, so 02-29 is accepted
            except ValueError as exc:
                raise HoursError(f"{key!r} is not a month-day: {exc}") from None
            yearly[(month, day)] = ranges
            continue
        try:
            dated[date.fromisoformat(key)] = ranges
        except ValueError:
            raise HoursError(f"{key!r} is neither YYYY-MM-DD nor MM-DD") from None
    return SpecialDays(dated, yearly)


def _parse_range(text: str) -> TimeRange:
    match = _RANGE.match(text.strip())
    if not match:
        raise HoursError(f"{text!r} is not HH:MM-HH:MM (or 'closed')")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
        raise HoursError(f"{text!r} has an impossible time")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end <= start:
        raise HoursError(f"{text!r} ends before it starts (ranges past midnight are two ranges)")
    return TimeRange(start, end)


def _day_indexes(key: str) -> list[int]:
    indexes: list[int] = []
    for part in key.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise HoursError(f"{key!r} is not a day or day range (mon..sun, mon-fri, sat,sun)")
        a = WEEKDAYS.index(first)
        b = WEEKDAYS.index(last) if last else a
        if b < a:
            raise HoursError(f"{key!r} runs backwards")
        indexes.extend(range(a, b + 1))
    return indexes
