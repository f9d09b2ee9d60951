"""Retention: personal data is kept as long as it serves its purpose, then erased (docs/retention.md).

- Outbox payloads (texts, emails, codes): RETENTION_OUTBOX_DAYS (30) after writing, once delivered,
  dead or unreachable; then payload, result and error are emptied (the row, its status and purpose stay).
  A document that was not delivered keeps its payload and bytes, so that it can still be sent.
- Documents' bytes (`outbox_files`: a customer's copy of their data): RETENTION_DOCUMENT_DAYS (7) after
  they were delivered; then the bytes are removed (name, size and SHA-256 stay, the record of what was
  sent). Never before delivery: a document Telegram refused keeps its bytes until it is sent.
- Dialogue drafts (a complaint half told, an email typed at the code step): RETENTION_DRAFT_DAYS (30)
  since the conversation last moved; then its flow, step and data are cleared (the language stays).
- Relayed ticket messages: RETENTION_TICKET_MESSAGE_DAYS (365) after the ticket was resolved; then
  their text, files and author name are emptied (the ticket stays, for statistics).
- A phone proof (the customer's own Telegram contact): PHONE_PROOF_DAYS (180) after it was shared;
  then it ends, and the link with it when no email proof holds: the customer is asked again.

`run_retention` does each in its own statements, in one unit of work, and writes one audit row saying
how many rows each erased; idempotent, safe on several instances (scheduled hourly by
`bot.scheduling`). Pending and held outbox rows, open tickets and live conversations are never touched.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta

from sqlalchemy import and_, select, update

from bot.clock import Clock
from bot.config import Settings
from bot.services.audit import record_access
from bot.storage.models import (
    ChannelAccount,
    DialogueStateRow,
    OutboxFile,
    OutboxMessage,
    OutboxStatus,
    Ticket,
    TicketMessage,
)
from bot.storage.uow import UnitOfWork

FINISHED = (OutboxStatus.SENT, OutboxStatus.DEAD, OutboxStatus.UNREACHABLE)
ERASED: dict[str, object] = {"erased": True}
BATCH = 5000  # outbox rows looked at per run: an hourly run catches up with any backlog


@dataclass(frozen=True)
class RetentionReport:
    outbox_payloads: int = 0
    drafts: int = 0
    ticket_messages: int = 0
    phone_proofs: int = 0
    documents: int = 0

    @property
    def total(self) -> int:
        return self.outbox_payloads + self.drafts + self.ticket_messages + self.phone_proofs + self.documents


async def run_retention(uow: UnitOfWork, clock: Clock, settings: Settings) -> RetentionReport:
    now = clock.now()
    session = uow.session
    candidates = await session.execute(
        select(OutboxMessage.id, OutboxMessage.payload)
        .where(OutboxMessage.status.in_(FINISHED),
               OutboxMessage.created_at < now - timedelta(days=settings.retention_outbox_days),
               (OutboxMessage.kind != "document") | (OutboxMessage.status == OutboxStatus.SENT))
        .order_by(OutboxMessage.id).limit(BATCH))
    erase = [row_id for row_id, payload in candidates.all() if payload != ERASED]
    outbox = await session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(erase))
        .values(payload=ERASED, result=None, last_error=None)
        .execution_options(synchronize_session=False)
    ) if erase else None
    drafts = await session.execute(
        update(DialogueStateRow)
        .where(DialogueStateRow.flow.is_not(None),
               DialogueStateRow.updated_at < now - timedelta(days=settings.retention_draft_days))
        .values(flow=None, step=None, data={}, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    resolved_long_ago = select(Ticket.id).where(
        Ticket.status == "resolved",
        Ticket.resolved_at < now - timedelta(days=settings.retention_ticket_message_days))
    messages = await session.execute(
        update(TicketMessage)
        .where(TicketMessage.ticket_id.in_(resolved_long_ago),
               (TicketMessage.text != "") | (TicketMessage.author_name.is_not(None)))
        .values(text="", attachments=[], author_name=None)
        .execution_options(synchronize_session=False)
    )
    proofs = await _end_old_phone_proofs(uow, clock, settings)
    delivered_long_ago = select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.SENT,
        OutboxMessage.sent_at < now - timedelta(days=settings.retention_document_days))
    documents = await session.execute(
        update(OutboxFile)
        .where(OutboxFile.content.is_not(None), OutboxFile.outbox_id.in_(delivered_long_ago))
        .values(content=None, purged_at=now)
        .execution_options(synchronize_session=False)
    )
    report = RetentionReport(_count(outbox), _count(drafts), _count(messages), proofs, _count(documents))
    if report.total:
        record_access(uow, clock, actor="system:retention", action="retention.erased", customer_id=None,
                      purpose="personal data kept no longer than its purpose needs", **asdict(report))
    return report


async def _end_old_phone_proofs(uow: UnitOfWork, clock: Clock, settings: Settings) -> int:
    """Phone proofs older than PHONE_PROOF_DAYS end; a link that nothing else holds ends with them."""
    cutoff = clock.now() - timedelta(days=settings.phone_proof_days)
    old = and_(ChannelAccount.phone_verified_at.is_not(None), ChannelAccount.phone_verified_at < cutoff)
    await uow.session.execute(
        update(ChannelAccount)
        .where(old, ChannelAccount.email_verified_at.is_(None))
        .values(customer_id=None, order_code_verified_at=None)
        .execution_options(synchronize_session=False)
    )
    ended = await uow.session.execute(
        update(ChannelAccount).where(old).values(verified_phone=None, phone_verified_at=None)
        .execution_options(synchronize_session=False)
    )
    return _count(ended)


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
