"""Vietnamese working days, and legal deadlines counted in them or in calendar days.

A working day is a weekday that is not a public holiday (the `holidays` package, country "VN": Tết,
its extra days and the days off substituted for it included), or a make-up working Saturday
(`bot.domain.make_up_working_days`). Whole days only: a legal period is not counted in business
hours (those are `bot.domain.working_time`'s, for the shop's own service levels).

How a period of days is counted follows the Civil Code 2015 (Law 91/2015/QH13), art. 147-148: the
day the period starts from is not counted; the period ends at the end of its last day; when that
last day is a weekly day off or a public holiday, it ends at the end of the next working day.

    days = WorkingDays()
    days.add_working_days(date(2027, 2, 3), 2)     # 2027-02-12: Tết (4-10 Feb) is skipped
    days.add_calendar_days(date(2027, 2, 1), 5)    # 2027-02-11: the 6th falls in Tết, so the next working day

Pure: no clock, no database, no settings object.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

import holidays

from bot.domain.make_up_working_days import MAKE_UP_WORKING_DAYS

MAX_DAYS_SCANNED = 3660  # ten years: a bound so that no calendar can loop forever
DayUnit = Literal["working", "calendar"]
END_OF_DAY = time(23, 59, 59)


@cache
def _public_holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year).keys())


class WorkingDays:
    def __init__(self, *, country: str = "VN", make_up_days: frozenset[date] | None = None,
                 weekend: frozenset[int] = frozenset({5, 6})) -> None:
        self.country = country
        self.weekend = weekend  # date.weekday(): Saturday, Sunday
        self.make_up_days = (frozenset(day.worked for day in MAKE_UP_WORKING_DAYS)
                             if make_up_days is None else make_up_days)

    def is_holiday(self, day: date) -> bool:
        return day in _public_holidays(self.country, day.year)

    def is_working_day(self, day: date) -> bool:
        if day in self.make_up_days:
            return True
        return day.weekday() not in self.weekend and not self.is_holiday(day)

    def next_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the first working day after it."""
        for offset in range(MAX_DAYS_SCANNED):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError("no working day within ten years")

    def add_working_days(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (`start` itself not counted)."""
        if days < 0:
            raise ValueError("days must not be negative")
        cursor, counted = start, 0
        for _ in range(MAX_DAYS_SCANNED):
            if counted == days:
                return cursor
            cursor += timedelta(days=1)
            if self.is_working_day(cursor):
                counted += 1
        raise ValueError("no working day within ten years")

    def add_calendar_days(self, start: date, days: int) -> date:
        """`days` calendar days after `start`, moved to the next working day when it is not one."""
        if days < 0:
            raise ValueError("days must not be negative")
        return self.next_working_day(start + timedelta(days=days))

    def add_days(self, start: date, days: int, unit: DayUnit) -> date:
        if unit == "working":
            return self.add_working_days(start, days)
        return self.add_calendar_days(start, days)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when `end` is not later)."""
        count, cursor = 0, start
        while cursor < end:
            cursor += timedelta(days=1)
            count += self.is_working_day(cursor)
        return count


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The last second of `day` in `zone`: when a period whose last day is `day` ends."""
    return datetime.combine(day, END_OF_DAY, tzinfo=zone)
