"""The privacy requests' watch: staff reminded before a due date, escalated after it.

The scheduler (`bot.scheduling`) calls `RequestSweep.run` every SLA_SWEEP_INTERVAL_SECONDS. Like the
ticket sweep (`bot.services.sla`) it is idempotent: what it did is recorded on the request
(`reminded_at`, `escalated_at`) in the unit of work that writes the outbox rows, so a second pass
sends nothing twice; several instances may run it at once, the due rows being claimed with row locks
that other sweeps skip (SKIP LOCKED on PostgreSQL, BEGIN IMMEDIATE on SQLite). An extension moves
the due date and re-arms both watches for the new one.

| watch      | fires when                                 | does                                  |
|------------|--------------------------------------------|---------------------------------------|
| reminder   | open, not reminded, now ≥ remind_at        | a reminder in the staff chat          |
| escalation | open, not escalated, now > due_at          | an escalation in the staff chat       |
| unverified | waiting for verification, made more than   | refused, reason "not verified"; the   |
|            | PRIVACY_UNVERIFIED_CLOSE_DAYS days ago     | customer told they may ask again      |

A request closed as unverified is no longer waiting, so the next pass does not find it again.

Each reminder and escalation is a request event, so it is an audit row too (`privacy_requests.reminded`,
`privacy_requests.escalated`, actor `system:privacy_sweep`), in the chain with the rest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.config import Settings
from bot.domain.privacy_request import OPEN_STATUSES, RequestStatus
from bot.messages.actions import SendText
from bot.services.audit import record_access
from bot.services.privacy_requests.notices import RequestNotices
from bot.storage.models import OutboxPurpose
from bot.storage.uow import UnitOfWorkFactory

if TYPE_CHECKING:
    from bot.services.privacy_requests.desk import PrivacyRequests

log = logging.getLogger(__name__)

SWEEP_BATCH = 200
ACTOR = "system:privacy_sweep"
PURPOSE = "watch the legal deadline of the customer's data-rights request"
WATCHED = tuple(s.value for s in OPEN_STATUSES if s != RequestStatus.WAITING_VERIFICATION)


@dataclass
class RequestSweepReport:
    reminded: int = 0
    escalated: int = 0
    closed_unverified: int = 0


class RequestSweep:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, notices: RequestNotices, *,
                 requests: PrivacyRequests | None = None, settings: Settings | None = None) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._notices = notices
        self._requests = requests
        self._settings = settings

    async def run(self) -> RequestSweepReport:
        report = RequestSweepReport()
        now = self._clock.now()
        notices = self._notices
        async with self._uow_factory() as uow:
            for row in await uow.privacy_requests.claim_due(now, statuses=WATCHED, limit=SWEEP_BATCH):
                due = int(row.due_at.timestamp())
                kind = notices.kind_label(row.kind, notices.staff_language)
                assignee = row.assignee_name or notices.desk_text("unassigned")
                keyboard = notices.card_keyboard(row)
                if row.reminded_at is None and row.remind_at is not None and row.remind_at <= now:
                    text = notices.desk_text("reminder", reference=row.reference, kind=kind,
                                              due=notices.moment(row.due_at), assignee=assignee)
                    await notices.to_staff_chat(uow, row, SendText(text, keyboard), OutboxPurpose.REMINDER,
                                                f"remind:{due}")
                    row.reminded_at = now
                    record_access(uow, self._clock, actor=ACTOR, action="privacy_requests.reminded",
                                  customer_id=row.customer_id, purpose=PURPOSE, reference=row.reference,
                                  kind=row.kind, due_at=row.due_at.isoformat())
                    report.reminded += 1
                if row.escalated_at is None and now > row.due_at:
                    text = notices.desk_text("escalation", reference=row.reference, kind=kind,
                                              due=notices.moment(row.due_at), assignee=assignee)
                    await notices.to_staff_chat(uow, row, SendText(text, keyboard), OutboxPurpose.ESCALATION,
                                                f"escalate:{due}")
                    row.escalated_at = now
                    record_access(uow, self._clock, actor=ACTOR, action="privacy_requests.escalated",
                                  customer_id=row.customer_id, purpose=PURPOSE, reference=row.reference,
                                  kind=row.kind, due_at=row.due_at.isoformat())
                    report.escalated += 1
            if self._requests is not None and self._settings is not None:
                days = self._settings.privacy_unverified_close_days
                for row in await uow.privacy_requests.claim_unverified(now - timedelta(days=days),
                                                                      limit=SWEEP_BATCH):
                    if await self._requests.close_unverified(uow, row, actor=ACTOR, days=days):
                        report.closed_unverified += 1
            await uow.commit()
        if report.reminded or report.escalated or report.closed_unverified:
            log.info("privacy request sweep: %s", report)
        return report
