"""The legal clock of a privacy request: when it must be acknowledged, carried out, reminded of.

| kind                                  | due after (default)              | PRIVACY_DUE_DAYS_…        |
|---------------------------------------|----------------------------------|---------------------------|
| consent withdrawal, marketing opt-out | 15 days (20 with a third party)  | CONSENT_WITHDRAWAL, …     |
| restriction, objection                | 15 days (20 with a third party)  | RESTRICTION, OBJECTION    |
| access, correction, erasure           | 10 days (the decree unconfirmed) | ACCESS, CORRECTION, …     |
| every request: acknowledged           | 2 working days                   | PRIVACY_ACK_WORKING_DAYS  |
| the one extension                     | at most 15 days more             | PRIVACY_EXTENSION_MAX_DAYS|

With a third party: PRIVACY_DUE_DAYS_THIRD_PARTY.

Days are PRIVACY_DAYS_UNIT (working by default), counted from the local day after receipt, ending at
the end of the last day (`bot.domain.working_days`, Civil Code art. 147-148). Sources: the settings'
comments in `bot.config`. Staff are reminded PRIVACY_REMINDER_WORKING_DAYS working days before the
due day (or at receipt if that is sooner); after the due moment the request is escalated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from bot.config import Settings
from bot.domain.privacy_request import RequestKind
from bot.domain.working_days import WorkingDays, end_of_day

_CALENDAR = WorkingDays()
_WITH_THIRD_PARTY = frozenset({RequestKind.CONSENT_WITHDRAWAL, RequestKind.MARKETING_OPT_OUT,
                               RequestKind.RESTRICTION, RequestKind.OBJECTION})
REMINDER_TIME = time(8, 0)


@dataclass(frozen=True)
class RequestDeadlines:
    respond_by: datetime
    due_at: datetime
    remind_at: datetime


def due_days(kind: RequestKind, settings: Settings, *, third_party: bool = False) -> int:
    if third_party and kind in _WITH_THIRD_PARTY:
        return settings.privacy_due_days_third_party
    days: int = getattr(settings, f"privacy_due_days_{kind.value}")
    return days


def local_day(moment: datetime, settings: Settings) -> date:
    return moment.astimezone(settings.zone).date()


def deadlines_for(kind: RequestKind, received_at: datetime, settings: Settings, *,
                  third_party: bool = False) -> RequestDeadlines:
    day = local_day(received_at, settings)
    due_day = _CALENDAR.add_days(day, due_days(kind, settings, third_party=third_party),
                                 settings.privacy_days_unit)
    respond_day = _CALENDAR.add_working_days(day, settings.privacy_ack_working_days)
    due = end_of_day(due_day, settings.zone)
    respond_by = end_of_day(respond_day, settings.zone)
    return RequestDeadlines(respond_by, due, reminder_for(due, received_at, settings))


def reminder_for(due_at: datetime, received_at: datetime, settings: Settings) -> datetime:
    """The morning PRIVACY_REMINDER_WORKING_DAYS working days before the due day (not before receipt)."""
    due_day = local_day(due_at, settings)
    day, counted = due_day, 0
    while counted < settings.privacy_reminder_working_days and day > local_day(received_at, settings):
        day = date.fromordinal(day.toordinal() - 1)
        counted += _CALENDAR.is_working_day(day)
    remind = datetime.combine(day, REMINDER_TIME, tzinfo=settings.zone)
    return max(remind, received_at)


def extended_due(due_at: datetime, days: int, settings: Settings) -> datetime:
    """The new due moment after an extension of `days` (in PRIVACY_DAYS_UNIT) from the current one."""
    if not 1 <= days <= settings.privacy_extension_max_days:
        raise ValueError(f"an extension is 1..{settings.privacy_extension_max_days} days")
    day = _CALENDAR.add_days(local_day(due_at, settings), days, settings.privacy_days_unit)
    return end_of_day(day, settings.zone)
