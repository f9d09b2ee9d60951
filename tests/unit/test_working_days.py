"""Vietnamese working days: weekends, public holidays with Tết, make-up Saturdays, and the Civil Code's
way of counting a period of days."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.make_up_working_days import MAKE_UP_WORKING_DAYS
from bot.domain.working_days import WorkingDays

DAYS = WorkingDays()


def test_tet_2027_is_skipped() -> None:
    # Tết Đinh Mùi: the holidays run from Thursday 4 to Wednesday 10 February 2027.
    for day in range(4, 11):
        assert not DAYS.is_working_day(date(2027, 2, day)), day
    assert DAYS.is_working_day(date(2027, 2, 3)) and DAYS.is_working_day(date(2027, 2, 11))
    assert DAYS.add_working_days(date(2027, 2, 3), 1) == date(2027, 2, 11)
    assert DAYS.add_working_days(date(2027, 2, 1), 10) == date(2027, 2, 22)
    assert DAYS.add_working_days(date(2027, 1, 29), 15) == date(2027, 2, 26)


def test_weekends_and_other_holidays() -> None:
    assert not DAYS.is_working_day(date(2026, 11, 28))  # a Saturday
    assert not DAYS.is_working_day(date(2026, 11, 24))  # Vietnam Culture Day, from 2026
    assert not DAYS.is_working_day(date(2027, 1, 1))
    assert DAYS.add_working_days(date(2026, 11, 23), 2) == date(2026, 11, 26)
    assert DAYS.add_working_days(date(2026, 11, 23), 0) == date(2026, 11, 23)


def test_a_make_up_saturday_is_a_working_day_and_its_day_off_is_not() -> None:
    assert DAYS.is_working_day(date(2026, 8, 22))  # worked for Monday 31 August 2026
    assert not DAYS.is_working_day(date(2026, 8, 31))
    assert DAYS.add_working_days(date(2026, 8, 21), 1) == date(2026, 8, 22)
    without = WorkingDays(make_up_days=frozenset())
    assert without.add_working_days(date(2026, 8, 21), 1) == date(2026, 8, 24)


def test_the_make_up_table_holds_saturdays_and_days_the_calendar_has_off() -> None:
    for row in MAKE_UP_WORKING_DAYS:
        assert row.worked.weekday() == 5, row
        assert row.source
        assert not WorkingDays(make_up_days=frozenset()).is_working_day(row.instead_of), row


def test_a_calendar_period_ending_on_a_day_off_ends_on_the_next_working_day() -> None:
    assert DAYS.add_calendar_days(date(2027, 2, 1), 5) == date(2027, 2, 11)  # the 6th is in Tết
    assert DAYS.add_calendar_days(date(2026, 11, 23), 2) == date(2026, 11, 25)
    assert DAYS.add_calendar_days(date(2026, 11, 23), 3) == date(2026, 11, 26)
    assert DAYS.add_days(date(2026, 11, 23), 3, "working") == date(2026, 11, 27)  # 24/11 is off


def test_working_days_between() -> None:
    assert DAYS.working_days_between(date(2027, 2, 1), date(2027, 2, 22)) == 10
    assert DAYS.working_days_between(date(2027, 2, 22), date(2027, 2, 1)) == 0


def test_negative_periods_are_refused() -> None:
    with pytest.raises(ValueError):
        DAYS.add_working_days(date(2026, 1, 5), -1)
    with pytest.raises(ValueError):
        DAYS.add_calendar_days(date(2026, 1, 5), -1)
