"""Working time: business hours on working days, skipping weekends and Vietnamese public holidays.

Service-level promises ("a first reply within 2 working hours", "resolution within 3 working days",
"handling starts within 7 working days", Law 19/2023 art. 57) are counted in working time. A working
day is one full span of business hours, so `add_working_days(t, n)` equals
`add_working_hours(t, n * hours_per_day)`: Monday 09:00 + 3 working days is Thursday 09:00, and a
ticket that arrives at night starts counting when the next working day opens.

Public holidays come from the `holidays` package (country "VN", Tết and substituted days included);
`extra_holidays` adds company days off. Pure: no clock, no database, no settings object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

MAX_DAYS_SCANNED = 3660  # ten years: a bound so a mis-configured calendar cannot loop forever


@cache
def _public_holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year).keys())


@dataclass(frozen=True)
class WorkingCalendar:
    zone: ZoneInfo
    day_start: time
    day_end: time
    country: str = "VN"
    weekend: frozenset[int] = frozenset({5, 6})  # Saturday, Sunday (date.weekday())
    extra_holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.day_end <= self.day_start:
            raise ValueError("business hours must end after they start")

    @property
    def hours_per_day(self) -> float:
        return self._day_length().total_seconds() / 3600

    def is_holiday(self, day: date) -> bool:
        return day in self.extra_holidays or day in _public_holidays(self.country, day.year)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() not in self.weekend and not self.is_holiday(day)

    def is_working_time(self, moment: datetime) -> bool:
        local = self._local(moment)
        return self.is_working_day(local.date()) and self.day_start <= local.time() < self.day_end

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` of business time after `start` (an aware datetime), in the calendar's zone."""
        if hours < 0:
            raise ValueError("hours must not be negative")
        remaining = timedelta(hours=hours)
        cursor = self._next_working_moment(self._local(start))
        for _ in range(MAX_DAYS_SCANNED):
            day_end = self._at(cursor.date(), self.day_end)
            available = day_end - cursor
            if remaining <= available:
                return cursor + remaining
            remaining -= available
            cursor = self._opening_after(cursor.date())
        raise ValueError("no working time found within ten years")

    def add_working_days(self, start: datetime, days: float) -> datetime:
        """`days` full business days after `start`; fractions are fractions of a business day."""
        if days < 0:
            raise ValueError("days must not be negative")
        return self.add_working_hours(start, days * self.hours_per_day)

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Business hours elapsed from `start` to `end` (0 when `end` is not later)."""
        if end <= start:
            return 0.0
        total = timedelta()
        cursor = self._next_working_moment(self._local(start))
        finish = self._local(end)
        for _ in range(MAX_DAYS_SCANNED):
            if cursor >= finish:
                break
            day_end = self._at(cursor.date(), self.day_end)
            total += min(day_end, finish) - cursor
            cursor = self._opening_after(cursor.date())
        return total.total_seconds() / 3600

    # Internals ----------------------------------------------------------------------------------------
    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError("working time needs an aware datetime")
        return moment.astimezone(self.zone)

    def _at(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, tzinfo=self.zone)

    def _day_length(self) -> timedelta:
        today = date(2000, 1, 3)
        return datetime.combine(today, self.day_end) - datetime.combine(today, self.day_start)

    def _next_working_moment(self, local: datetime) -> datetime:
        """`local` itself if it is within business hours, else when business hours next open."""
        if self.is_working_day(local.date()):
            opening = self._at(local.date(), self.day_start)
            if local < opening:
                return opening
            if local < self._at(local.date(), self.day_end):
                return local
        return self._opening_after(local.date())

    def _opening_after(self, day: date) -> datetime:
        for offset in range(1, MAX_DAYS_SCANNED):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return self._at(candidate, self.day_start)
        raise ValueError("no working day found within ten years")
