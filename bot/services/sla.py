"""Service levels of tickets: the deadlines a new ticket gets, and the sweep that watches them.

Deadlines are counted in working time (`bot.domain.working_time`): first reply within
SLA_FIRST_REPLY_WORKING_HOURS, resolution within SLA_RESOLUTION_WORKING_DAYS, and — the legal floor,
Law 19/2023 art. 57 — handling started within SLA_HANDLING_START_WORKING_DAYS. An unassigned ticket is
raised in the staff group SLA_UNASSIGNED_REMINDER_MINUTES working minutes after it arrived.

The sweep (`DeadlineSweep`, built once in `bot.bootstrap`) is what the scheduler calls. It is a job,
not an answer to an event, so it holds the unit-of-work factory and opens one unit of work per pass.
It is idempotent: each thing it does is recorded on the ticket (`reminded_at`, `escalated_at`,
`customer_told_late_at`) in the same unit of work as the outbox rows it writes, so running it twice
sends nothing twice. Several instances may run it at once: the due tickets are claimed with row
locks that other sweeps skip (`TicketRepository.claim_deadlines_due`: SKIP LOCKED on PostgreSQL; on
SQLite the engine's BEGIN IMMEDIATE serialises the sweeps).

| watch               | fires when                                   | does                          |
|---------------------|----------------------------------------------|-------------------------------|
| unassigned reminder | no assignee and now ≥ remind_at              | reminder in the staff chat    |
| escalation          | now ≥ current deadline − ESCALATION_LEAD     | escalation in the staff chat  |
| customer told late  | now ≥ current deadline                       | an honest apology to them     |

The current deadline is the first-reply deadline until staff first reply, then the resolution
deadline; a first staff reply re-arms the escalation and the apology for the new promise.

With no staff destination configured (`bot.services.staff_reach`) the customer was promised no time,
so there is nothing to apologise for: the "customer told late" watch is off (tickets are not even
claimed for it). Reminders and escalations are still recorded; they go nowhere without a staff chat.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Literal, Protocol

from bot.clock import Clock
from bot.config import Settings
from bot.domain.ticket_category import OPEN_STATUSES
from bot.domain.working_time import WorkingCalendar
from bot.services.staff_reach import staff_reachable
from bot.services.ticket_routing import TicketRouter
from bot.storage.models import Ticket
from bot.storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

ESCALATION_LEAD = timedelta(minutes=30)
SWEEP_BATCH = 200

Promise = Literal["first_reply", "resolution"]


@cache
def _calendar(zone: str, start: object, end: object) -> WorkingCalendar:
    from zoneinfo import ZoneInfo

    return WorkingCalendar(ZoneInfo(zone), start, end)  # type: ignore[arg-type]


def calendar_for(settings: Settings) -> WorkingCalendar:
    return _calendar(settings.timezone, settings.business_hours_start, settings.business_hours_end)


@dataclass(frozen=True)
class TicketDeadlines:
    first_reply_due: datetime
    resolution_due: datetime
    handling_due: datetime
    remind_at: datetime


def ticket_deadlines(created_at: datetime, settings: Settings) -> TicketDeadlines:
    calendar = calendar_for(settings)
    return TicketDeadlines(
        first_reply_due=calendar.add_working_hours(created_at, settings.sla_first_reply_working_hours),
        resolution_due=calendar.add_working_days(created_at, settings.sla_resolution_working_days),
        handling_due=calendar.add_working_days(created_at, settings.sla_handling_start_working_days),
        remind_at=calendar.add_working_hours(created_at, settings.sla_unassigned_reminder_minutes / 60),
    )


class Promised(Protocol):
    """What the deadline rules read of a ticket: its row here, its `TicketView` in the staff desk."""

    @property
    def status(self) -> str: ...
    @property
    def first_staff_reply_at(self) -> datetime | None: ...
    @property
    def first_reply_due_at(self) -> datetime | None: ...
    @property
    def resolution_due_at(self) -> datetime | None: ...


def current_promise(ticket: Promised) -> tuple[Promise, datetime | None]:
    """The promise the customer is waiting on now, and its deadline."""
    if ticket.first_staff_reply_at is None:
        return "first_reply", ticket.first_reply_due_at
    return "resolution", ticket.resolution_due_at


def is_overdue(ticket: Promised, now: datetime) -> bool:
    if ticket.status not in OPEN_STATUSES:
        return False
    _, due = current_promise(ticket)
    return due is not None and now >= due


@dataclass
class SweepReport:
    reminded: int = 0
    escalated: int = 0
    told_late: int = 0
    released: int = 0

    @property
    def total(self) -> int:
        return self.reminded + self.escalated + self.told_late + self.released


class DeadlineSweep:
    """Remind, escalate and apologise for what is due now; safe to run often and concurrently."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, settings: Settings,
                 router: TicketRouter) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._settings = settings
        self._router = router

    async def run(self) -> SweepReport:
        report = SweepReport()
        now = self._clock.now()
        promised = staff_reachable(self._settings)
        async with self._uow_factory() as uow:
            due = await uow.tickets.claim_deadlines_due(now, escalation_lead=now + ESCALATION_LEAD,
                                                        apologies=promised, limit=SWEEP_BATCH)
            for ticket in due:
                await self._watch(uow, ticket, now, report, promised=promised)
            report.released = await self._router.release_orphaned_holds(uow)
            await uow.commit()
        if report.total:
            log.info("ticket sweep: %s", report)
        return report

    async def _watch(
        self, uow: UnitOfWork, ticket: Ticket, now: datetime, report: SweepReport, *, promised: bool
    ) -> None:
        if ticket.assignee_id is None and ticket.reminded_at is None and ticket.remind_at is not None \
                and ticket.remind_at <= now:
            await self._router.remind_unassigned(uow, ticket)
            ticket.reminded_at = now
            report.reminded += 1
        promise, due = current_promise(ticket)
        if due is None:
            return
        if ticket.escalated_at is None and now >= due - ESCALATION_LEAD:
            await self._router.escalate(uow, ticket, promise, due, past=now >= due)
            ticket.escalated_at = now
            report.escalated += 1
        if promised and ticket.customer_told_late_at is None and now >= due:
            await self._router.tell_customer_late(uow, ticket, promise, due)
            ticket.customer_told_late_at = now
            report.told_late += 1
