"""The legal clock of a privacy request across Tết 2027, driven by a controllable clock.

Tết 2027 in the `holidays` package (VN): Thursday 4 to Wednesday 10 February 2027 (the 29th of the
last lunar month to the fifth day of the year). Periods the decree states in days are calendar days
(the default), a last day that is a weekend or a holiday moved to the next working day (Civil Code 2015
art. 148(5)); the answer is due in 2 working days; staff are reminded at 08:00 on the working day
before the due day; the one extension adds at most 15 days. The working unit stays available.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import holidays
import pytest

from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.domain.privacy_request import RequestKind
from bot.domain.working_days import WorkingDays
from bot.i18n import Catalog
from bot.services.privacy_requests.deadlines import deadlines_for, extended_due
from bot.services.privacy_requests.notices import RequestNotices
from bot.services.ticket_rendering import plain as plain_text

WEDNESDAY_3_FEB_2027 = datetime(2027, 2, 3, 3, 0, tzinfo=UTC)  # 10:00 in Hanoi, the eve of Tết
FIFTEEN = (RequestKind.CONSENT_WITHDRAWAL, RequestKind.MARKETING_OPT_OUT, RequestKind.RESTRICTION,
           RequestKind.OBJECTION)
TEN = (RequestKind.ACCESS, RequestKind.CORRECTION, RequestKind.ERASURE)


@pytest.fixture
def calendar() -> Settings:
    return load_settings(None)


@pytest.fixture
def working() -> Settings:
    return load_settings(None, privacy_days_unit="working")


def local(moment: datetime, settings: Settings) -> datetime:
    return moment.astimezone(settings.zone).replace(tzinfo=None)


def test_tet_2027_as_the_holidays_package_computes_it() -> None:
    tet = sorted(day for day, name in holidays.country_holidays("VN", years=2027).items()
                 if "Lunar New Year" in name)
    assert tet == [date(2027, 2, 4) + timedelta(days=n) for n in range(7)]  # Thu 4 .. Wed 10 February
    days = WorkingDays()
    assert days.is_working_day(date(2027, 2, 3)) and days.is_working_day(date(2027, 2, 11))


def test_a_request_received_on_wednesday_3_february_2027(calendar: Settings) -> None:
    clock = ManualClock(WEDNESDAY_3_FEB_2027)
    assert calendar.privacy_days_unit == "calendar"  # the default
    for kind in (*FIFTEEN, *TEN):
        deadlines = deadlines_for(kind, clock.now(), calendar)
        # The answer: 2 working days, Tết skipped: Thursday 11 and Friday 12 February.
        assert local(deadlines.respond_by, calendar) == datetime(2027, 2, 12, 23, 59, 59), kind
    def due(kind: RequestKind, *, third_party: bool = False) -> datetime:
        return local(deadlines_for(kind, clock.now(), calendar, third_party=third_party).due_at, calendar)

    for kind in FIFTEEN:
        assert due(kind) == datetime(2027, 2, 18, 23, 59, 59), kind  # 15 days: Thursday 18 February
        # 20 where a processor or third party must act: Tuesday 23 February
        assert due(kind, third_party=True) == datetime(2027, 2, 23, 23, 59, 59), kind
    for kind in TEN:  # 10 days end on Saturday 13 February: moved to Monday 15
        assert due(kind) == datetime(2027, 2, 15, 23, 59, 59), kind
        assert due(kind, third_party=True) == datetime(2027, 2, 15, 23, 59, 59), kind  # not theirs


def test_a_last_day_in_tet_or_on_a_weekend_moves_to_the_next_working_day(calendar: Settings) -> None:
    # Friday 22 January 2027 + 15 days = Saturday 6 February, Tết: Thursday 11 February.
    objection = deadlines_for(RequestKind.OBJECTION, datetime(2027, 1, 22, 3, 0, tzinfo=UTC), calendar)
    assert local(objection.due_at, calendar) == datetime(2027, 2, 11, 23, 59, 59)
    # Monday 25 January 2027 + 10 days = Thursday 4 February, the first day of Tết: Thursday 11 February.
    erasure = deadlines_for(RequestKind.ERASURE, datetime(2027, 1, 25, 3, 0, tzinfo=UTC), calendar)
    assert local(erasure.due_at, calendar) == datetime(2027, 2, 11, 23, 59, 59)
    # Sunday 16 August 2026 + 15 days = Monday 31 August, a day off (then 1-2 September): Thursday 3.
    late_summer = deadlines_for(RequestKind.OBJECTION, datetime(2026, 8, 16, 3, 0, tzinfo=UTC), calendar)
    assert local(late_summer.due_at, calendar) == datetime(2026, 9, 3, 23, 59, 59)


def test_a_make_up_working_saturday_ends_a_period(calendar: Settings) -> None:
    # Wednesday 12 August 2026 + 10 days = Saturday 22 August 2026, worked for Monday 31 August.
    erasure = deadlines_for(RequestKind.ERASURE, datetime(2026, 8, 12, 3, 0, tzinfo=UTC), calendar)
    assert local(erasure.due_at, calendar) == datetime(2026, 8, 22, 23, 59, 59)
    # An ordinary Saturday does not: Wednesday 5 August + 10 days = Saturday 15 August -> Monday 17.
    ordinary = deadlines_for(RequestKind.ERASURE, datetime(2026, 8, 5, 3, 0, tzinfo=UTC), calendar)
    assert local(ordinary.due_at, calendar) == datetime(2026, 8, 17, 23, 59, 59)


def test_reminders_at_08_00_on_the_working_day_before(calendar: Settings) -> None:
    clock = ManualClock(WEDNESDAY_3_FEB_2027)
    objection = deadlines_for(RequestKind.OBJECTION, clock.now(), calendar)
    assert local(objection.remind_at, calendar) == datetime(2027, 2, 17, 8, 0)  # Wednesday 17 February
    assert objection.remind_at == datetime(2027, 2, 17, 1, 0, tzinfo=UTC)
    erasure = deadlines_for(RequestKind.ERASURE, clock.now(), calendar)
    assert local(erasure.remind_at, calendar) == datetime(2027, 2, 12, 8, 0)  # Friday, before Monday 15
    # Due Thursday 11 February, after Tết: the working day before is Wednesday 3 February, before Tết.
    after_tet = deadlines_for(RequestKind.ERASURE, datetime(2027, 1, 25, 3, 0, tzinfo=UTC), calendar)
    assert local(after_tet.remind_at, calendar) == datetime(2027, 2, 3, 8, 0)
    # Received after that morning: reminded at once, never before it was received.
    clock.set(datetime(2027, 2, 3, 2, 0, tzinfo=UTC))  # 09:00 on Wednesday 3 February
    late = deadlines_for(RequestKind.ERASURE, datetime(2027, 1, 25, 3, 0, tzinfo=UTC), calendar)
    assert late.remind_at <= clock.now()
    on_the_day = load_settings(None, privacy_reminder_working_days=0)
    same_day = deadlines_for(RequestKind.OBJECTION, WEDNESDAY_3_FEB_2027, on_the_day)
    assert local(same_day.remind_at, on_the_day) == datetime(2027, 2, 18, 8, 0)


def test_one_extension_of_fifteen_days(calendar: Settings) -> None:
    objection = deadlines_for(RequestKind.OBJECTION, WEDNESDAY_3_FEB_2027, calendar)
    extended = extended_due(objection.due_at, 15, calendar)
    assert local(extended, calendar) == datetime(2027, 3, 5, 23, 59, 59)  # 15 days after Thursday 18 Feb
    erasure = deadlines_for(RequestKind.ERASURE, WEDNESDAY_3_FEB_2027, calendar)
    assert local(extended_due(erasure.due_at, 15, calendar), calendar) == datetime(2027, 3, 2, 23, 59, 59)
    for days in (0, 16):
        with pytest.raises(ValueError):
            extended_due(objection.due_at, days, calendar)


def test_the_working_unit_still_works(working: Settings) -> None:
    objection = deadlines_for(RequestKind.OBJECTION, WEDNESDAY_3_FEB_2027, working)
    assert local(objection.respond_by, working) == datetime(2027, 2, 12, 23, 59, 59)
    assert local(objection.due_at, working) == datetime(2027, 3, 3, 23, 59, 59)  # 15 working days
    assert local(objection.remind_at, working) == datetime(2027, 3, 2, 8, 0)
    erasure = deadlines_for(RequestKind.ERASURE, WEDNESDAY_3_FEB_2027, working)
    assert local(erasure.due_at, working) == datetime(2027, 2, 24, 23, 59, 59)  # 10 working days
    third = deadlines_for(RequestKind.OBJECTION, WEDNESDAY_3_FEB_2027, working, third_party=True)
    assert local(third.due_at, working) == datetime(2027, 3, 10, 23, 59, 59)
    assert local(extended_due(objection.due_at, 15, working), working) == datetime(2027, 3, 24, 23, 59, 59)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_due_date_text_claims_working_days_only_when_they_are(language: str) -> None:
    texts = Catalog.load()
    calendar, working = load_settings(None), load_settings(None, privacy_days_unit="working")
    clock = ManualClock(WEDNESDAY_3_FEB_2027)
    decree = "Nghị định 356/2025/NĐ-CP" if language == "vi" else "Decree 356/2025/ND-CP"
    said_working = "ngày làm việc" if language == "vi" else "working days"
    for settings, claims in ((calendar, False), (working, True)):
        notices = RequestNotices(texts, settings, clock)
        basis = notices.due_basis(language)
        for key in ("privacy.received", "privacy.notice.in_progress", "privacy.notice.extended"):
            text = plain_text(texts.text(language, key, reference="YC-2027-000001", kind="x",
                                         due="18/02/2027", reason="r", basis=basis))
            assert "18/02/2027" in text and decree in text, text
            assert (said_working in text) is claims, text
    if language == "vi":
        assert f"({plain_text(RequestNotices(texts, calendar, clock).due_basis('vi'))})" == \
            "(theo Nghị định 356/2025/NĐ-CP)"
