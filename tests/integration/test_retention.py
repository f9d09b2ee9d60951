"""Retention of personal data (issue 15, part 10), on SQLite and PostgreSQL: outbox payloads, dialogue
drafts and relayed messages past their days are erased, phone proofs past their age end; what is
recent, pending or open is untouched, and a second run erases nothing more."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.bootstrap import App
from bot.clock import ManualClock
from bot.services.retention import ERASED, run_retention
from bot.storage.models import (
    AuditEntry,
    ChannelAccount,
    Customer,
    DialogueStateRow,
    OutboxMessage,
    OutboxPurpose,
    OutboxStatus,
    Ticket,
    TicketMessage,
)


async def test_personal_data_is_erased_after_its_days(app: App) -> None:
    clock = app.clock
    assert isinstance(clock, ManualClock)
    old = clock.now() - timedelta(days=400)
    async with app.uow_factory() as uow:
        lan = Customer(full_name="Nguyễn Thị Lan", phone="+84912345678")
        uow.customers.add(lan)
        await uow.flush()
        session = uow.session
        session.add_all([
            OutboxMessage(channel="telegram", kind="text", purpose=OutboxPurpose.REPLY, chat_id="1",
                          payload={"kind": "text", "text": "0912 345 678"}, status=OutboxStatus.SENT,
                          created_at=old, next_attempt_at=old),
            OutboxMessage(channel="telegram", kind="text", purpose=OutboxPurpose.REPLY, chat_id="1",
                          payload={"kind": "text", "text": "still due"}, status=OutboxStatus.PENDING,
                          created_at=old, next_attempt_at=old),
            OutboxMessage(channel="telegram", kind="text", purpose=OutboxPurpose.REPLY, chat_id="1",
                          payload={"kind": "text", "text": "yesterday"}, status=OutboxStatus.SENT,
                          created_at=clock.now() - timedelta(days=1), next_attempt_at=old),
            DialogueStateRow(channel="telegram", user_id="1", flow="complaint", step="describe",
                             data={"description": "Chị Lan, 12 Lý Thường Kiệt"}, updated_at=old),
            DialogueStateRow(channel="telegram", user_id="2", flow="complaint", step="describe",
                             data={"description": "now"}, updated_at=clock.now()),
            ChannelAccount(channel="telegram", channel_user_id="1", customer_id=lan.id,
                           verified_phone=lan.phone, phone_verified_at=old),
        ])
        for status, resolved in (("resolved", old), ("open", None)):
            ticket = Ticket(category="product", status=status, channel="telegram", channel_user_id="1",
                            chat_id="1", description="…", created_at=old, resolved_at=resolved)
            uow.session.add(ticket)
            await uow.flush()
            uow.session.add(TicketMessage(ticket_id=ticket.id, author="customer", author_name="Lan",
                                          text="Số tôi 0912 345 678", created_at=old))
        await uow.commit()

    async with app.uow_factory() as uow:
        report = await run_retention(uow, clock, app.settings)
        await uow.commit()
    erased = (report.outbox_payloads, report.drafts, report.ticket_messages, report.phone_proofs)
    assert erased == (1, 1, 1, 1)

    async with app.uow_factory() as uow:
        payloads = [row.payload for row in (await uow.session.scalars(
            select(OutboxMessage).order_by(OutboxMessage.id))).all()]
        assert payloads[0] == ERASED
        assert payloads[1]["text"] == "still due" and payloads[2]["text"] == "yesterday"
        drafts = {row.user_id: row for row in (await uow.session.scalars(select(DialogueStateRow))).all()}
        assert drafts["1"].flow is None and drafts["1"].data == {} and drafts["2"].flow == "complaint"
        texts = [m.text for m in (await uow.session.scalars(
            select(TicketMessage).order_by(TicketMessage.id))).all()]
        assert texts == ["", "Số tôi 0912 345 678"]
        account = await uow.session.scalar(select(ChannelAccount))
        assert account is not None and account.verified_phone is None and account.customer_id is None
        audit = (await uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "retention.erased"))).all()
        assert len(audit) == 1 and audit[0].details["drafts"] == 1

    async with app.uow_factory() as uow:
        again = await run_retention(uow, clock, app.settings)
        await uow.commit()
    assert again.total == 0
