"""The legal clock of a privacy request: when it must be acknowledged, carried out, reminded of.

| period (default)                        | unit    | source relied on                       | PRIVACY_…     |
|-----------------------------------------|---------|----------------------------------------|---------------|
| answer, saying what happens next (2)    | working | Decree 356/2025 ("2 ngày làm việc")    | ACK_WORKING_… |
| withdrawal of consent (15)              | days    | Decree 356/2025 ("15 ngày")            | DUE_DAYS_…    |
| marketing opt-out (15)                  | days    | a consent withdrawal (Law 91, art. 28) | DUE_DAYS_…    |
| restriction, objection (15)             | days    | Decree 356/2025 ("15 ngày")            | DUE_DAYS_…    |
| the same, a processor/third party (20)  | days    | Decree 356/2025 ("20 ngày")            | …_THIRD_PARTY |
| access (copy), correction, erasure (10) | days    | unconfirmed (1)                        | DUE_DAYS_…    |
| the one extension (at most 15 more)     | days    | Decree 356/2025 (once, reason told)    | EXTENSION_…   |
| staff reminder (1 before the due day)   | working | the shop's own rule, at 08:00          | REMINDER_…    |

(1) The decree's period for access, correction and deletion is unconfirmed (summaries say 10-20
days): the shortest, so that no reading of it finds the shop late. A marketing opt-out takes effect
at once anyway; its period is the one the law allows.

"Days" are PRIVACY_DAYS_UNIT: `calendar` by default, because the decree says "ngày" where it means
calendar days and "ngày làm việc" where it means working days; `working` (every day counted a
working day) is the lenient reading, kept available. Either way a period is counted as the Civil
Code 2015 (Law 91/2015/QH13) counts one (`bot.domain.working_days`): from the local day after
receipt (art. 147(2)), ending at the end of its last day (art. 148(1), (6)); a last day that is a
weekly day off or a public holiday (Tết included) moves to the end of the next working day
(art. 148(5)), a make-up working Saturday being a working day. The extension is counted the same
way from the current due day, the end of the period it prolongs. Staff are reminded at
REMINDER_TIME, PRIVACY_REMINDER_WORKING_DAYS working days before the due day (or at receipt if that
is later); after the due moment the request is escalated (`sweep.py`).

Example (docs/privacy-requests.md): an objection received on Wednesday 3 February 2027, the eve of
Tết (4-10 February 2027), is acknowledged at once, answerable until Friday 12 February, due on
Thursday 18 February, its staff reminded at 08:00 on Wednesday 17 February.
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
