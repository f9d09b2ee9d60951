"""Working time over business hours, weekends and Vietnamese public holidays (Tết included)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import holidays
import pytest

from bot.domain.working_time import WorkingCalendar

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkingCalendar(HCM, time(8, 0), time(17, 30))  # 9.5 business hours a day


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=HCM)


def test_hours_within_one_day() -> None:
    assert CAL.add_working_hours(at(2026, 11, 23, 9), 2) == at(2026, 11, 23, 11)


def test_ending_exactly_at_closing_time_stays_that_day() -> None:
    assert CAL.add_working_hours(at(2026, 11, 23, 15, 30), 2) == at(2026, 11, 23, 17, 30)


def test_friday_afternoon_rolls_over_to_monday() -> None:
    # Friday 2026-11-27 16:30: one hour left on Friday, one more on Monday morning.
    assert CAL.add_working_hours(at(2026, 11, 27, 16, 30), 2) == at(2026, 11, 30, 9)


def test_ticket_created_at_night_counts_from_next_opening() -> None:
    assert CAL.add_working_hours(at(2026, 11, 25, 22, 15), 2) == at(2026, 11, 26, 10)
    # Before opening on the same day.
    assert CAL.add_working_hours(at(2026, 11, 26, 6, 0), 2) == at(2026, 11, 26, 10)


def test_weekend_start_counts_from_monday() -> None:
    assert CAL.add_working_hours(at(2026, 11, 28, 10), 1) == at(2026, 11, 30, 9)


def test_input_in_utc_output_in_calendar_zone() -> None:
    start = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 09:00 in Hanoi
    result = CAL.add_working_hours(start, 2)
    assert result == at(2026, 11, 23, 11)
    assert result.utcoffset() == HCM.utcoffset(result)


def test_working_days_are_whole_business_days() -> None:
    # Monday 09:00 + 3 working days = Thursday 09:00 (no holidays that week).
    assert CAL.add_working_days(at(2026, 12, 7, 9), 3) == at(2026, 12, 10, 9)
    # Friday 09:00 + 1 working day = Monday 09:00.
    assert CAL.add_working_days(at(2026, 12, 11, 9), 1) == at(2026, 12, 14, 9)


def test_working_days_from_night_end_at_closing_of_last_day() -> None:
    # Created Friday 22:00; counting starts Monday 08:00; three full days end Wednesday 17:30.
    assert CAL.add_working_days(at(2026, 12, 11, 22), 3) == at(2026, 12, 16, 17, 30)


def test_the_package_agrees_on_tet_2027() -> None:
    vn = holidays.country_holidays("VN", years=2027)
    tet = sorted(day for day, name in vn.items() if "Lunar New Year" in name)
    assert tet[0] == date(2027, 2, 4) and tet[-1] == date(2027, 2, 10)
    assert all(not CAL.is_working_day(day) for day in tet)


def test_tet_2027_is_skipped() -> None:
    # Wednesday 2027-02-03 16:30; Tết runs Thu 4 – Wed 10 Feb; Thursday 11 Feb is the next working day.
    assert CAL.add_working_hours(at(2027, 2, 3, 16, 30), 2) == at(2027, 2, 11, 9)
    # Seven working days (law 19/2023, art. 57) from the opening of Wed 3 Feb: 3, 11, 12, 15, 16, 17, 18.
    assert CAL.add_working_days(at(2027, 2, 3, 8), 7) == at(2027, 2, 18, 17, 30)


def test_national_day_and_new_year() -> None:
    assert not CAL.is_working_day(date(2026, 9, 2))
    assert not CAL.is_working_day(date(2027, 1, 1))
    assert CAL.is_working_day(date(2026, 12, 31))
    assert CAL.add_working_hours(at(2026, 12, 31, 17), 1) == at(2027, 1, 4, 8, 30)


def test_extra_company_holidays() -> None:
    cal = WorkingCalendar(HCM, time(8), time(17, 30), extra_holidays=frozenset({date(2026, 12, 24)}))
    assert cal.add_working_hours(at(2026, 12, 23, 17), 1) == at(2026, 12, 25, 8, 30)


def test_working_hours_between() -> None:
    assert CAL.working_hours_between(at(2026, 11, 27, 16, 30), at(2026, 11, 30, 9)) == pytest.approx(2)
    assert CAL.working_hours_between(at(2026, 11, 28, 10), at(2026, 11, 29, 10)) == 0
    assert CAL.working_hours_between(at(2026, 11, 30, 9), at(2026, 11, 30, 8)) == 0


def test_is_working_time() -> None:
    assert CAL.is_working_time(at(2026, 11, 23, 9))
    assert not CAL.is_working_time(at(2026, 11, 23, 17, 30))
    assert not CAL.is_working_time(at(2026, 11, 28, 10))


def test_zero_and_negative() -> None:
    assert CAL.add_working_hours(at(2026, 11, 28, 10), 0) == at(2026, 11, 30, 8)
    with pytest.raises(ValueError):
        CAL.add_working_hours(at(2026, 11, 23, 9), -1)
    with pytest.raises(ValueError):
        CAL.add_working_hours(datetime(2026, 11, 23, 9), 1)  # naive


def test_business_hours_must_make_sense() -> None:
    with pytest.raises(ValueError):
        WorkingCalendar(HCM, time(17), time(8))
