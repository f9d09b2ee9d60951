"""The tickets service on SQLite and PostgreSQL: numbering, ownership, relays, staff actions, statistics."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.clock import ManualClock
from bot.domain.ticket_category import TicketKind
from bot.messages.events import Attachment, ChatUser
from bot.services.tickets import (
    NewTicket,
    Outcome,
    StaffMember,
    customer_ticket,
    customer_tickets,
    ticket_stats,
)
from bot.storage.models import AuditEntry, Customer, OutboxMessage, TicketMessage
from tests.support.wording import payload_keys

STAFF_CHAT = "-100777"
HA = StaffMember("7", "Hà")
MINH = StaffMember("8", "Minh")


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"staff_chat_id": int(STAFF_CHAT), "complaints_email": "khieunai@roseeorder.com"}


async def open_for(
    app: App, user: str, *, kind: TicketKind = TicketKind.COMPLAINT, customer: bool = False, files: int = 0
) -> int:
    async with app.uow_factory() as uow:
        account = await uow.accounts.get_or_create("telegram", user)
        account.chat_id, account.display_name = user, f"User {user}"
        if customer:  # the chat user proved to be this customer
            owner = Customer(full_name="Nguyễn Thị Lan", phone="+84912345678")
            uow.customers.add(owner)
            await uow.flush()
            account.customer_id, account.verified_phone = owner.id, owner.phone
            account.phone_verified_at = app.clock.now()
        ticket = await app.tickets.open_ticket(
            uow,
            ChatUser("telegram", user),
            NewTicket(
                kind,
                "payment",
                "Bị trừ tiền hai lần",
                attachments=tuple(Attachment("photo", f"p{i}") for i in range(files)),
            ),
        )
        await uow.commit()
        return ticket.id


async def outbox(app: App) -> list[tuple[str, str, str | None, str]]:
    async with app.uow_factory() as uow:
        rows = (await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
        return [(r.channel, r.kind, r.dedupe_key, r.status) for r in rows]


async def test_open_ticket_numbers_stores_and_notifies_together(app: App) -> None:
    first = await open_for(app, "1001", customer=True, files=2)
    second = await open_for(app, "1002", kind=TicketKind.HUMAN)
    async with app.uow_factory() as uow:
        one, two = await uow.tickets.get(first), await uow.tickets.get(second)
        assert one is not None and two is not None
        assert one.number == f"KN-2026-{first:06d}" and two.number == f"HT-2026-{second:06d}"
        assert one.customer_name == "Nguyễn Thị Lan" and two.customer_name == "User 1002"
        messages = (
            await uow.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == first))
        ).all()
        assert [m.text for m in messages] == ["Bị trừ tiền hai lần"] and len(messages[0].attachments) == 2
        audit = (
            await uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "tickets.open"))
        ).all()
        assert len(audit) == 2
    rows = await outbox(app)
    assert [(channel, kind, status) for channel, kind, _, status in rows[:5]] == [
        ("telegram", "open_topic", "pending"),
        ("telegram", "text", "held"),
        ("telegram", "attachment", "held"),
        ("telegram", "attachment", "held"),
        ("email", "email", "pending"),
    ]
    assert [key for _, _, key, _ in rows[:2]] == [f"ticket:{first}:topic", f"ticket:{first}:card"]
    assert all((key or "").startswith(f"ticket:{first}:") for _, _, key, _ in rows[:5])


async def test_a_failed_open_commits_nothing(app: App) -> None:
    with pytest.raises(RuntimeError):
        async with app.uow_factory() as uow:
            account = await uow.accounts.get_or_create("telegram", "1001")
            account.chat_id = "1001"
            await app.tickets.open_ticket(
                uow, ChatUser("telegram", "1001"), NewTicket(TicketKind.COMPLAINT, "other", "Test")
            )
            raise RuntimeError("crash before commit")
    assert await outbox(app) == []
    async with app.uow_factory() as uow:
        assert await uow.tickets.open_for_user("telegram", "1001") is None


async def test_customers_reach_only_their_own_tickets(app: App) -> None:
    mine = await open_for(app, "1001")
    async with app.uow_factory() as uow:
        me, other = ChatUser("telegram", "1001"), ChatUser("telegram", "2002")
        other_channel = ChatUser("console", "1001")
        assert await customer_ticket(uow, me, mine) is not None
        assert await customer_ticket(uow, other, mine) is None
        assert await customer_ticket(uow, other_channel, mine) is None
        assert await customer_ticket(uow, me, 999999) is None
        assert [t.id for t in await customer_tickets(uow, me)] == [mine]
        assert list(await customer_tickets(uow, other)) == []
        assert (await app.tickets.rate(uow, other, mine, 5)).outcome is Outcome.NOT_FOUND


async def test_relays_are_stored_once_per_source_and_notes_stay_internal(app: App) -> None:
    ticket_id = await open_for(app, "1001")
    async with app.uow_factory() as uow:
        desk = app.tickets
        first = await desk.add_customer_message(uow, ticket_id, text="Alo", source="telegram:1001:5")
        again = await desk.add_customer_message(uow, ticket_id, text="Alo", source="telegram:1001:5")
        assert (first.outcome, again.outcome) == (Outcome.DONE, Outcome.DUPLICATE)
        note = await desk.staff_message(uow, ticket_id, HA, text="! gọi lại sau", source="telegram:-1:1")
        assert note.outcome is Outcome.NOTE and note.ticket and note.ticket.first_staff_reply_at is None
        reply = await desk.staff_message(uow, ticket_id, HA, text="Chào chị", source="telegram:-1:2")
        assert reply.outcome is Outcome.DONE and reply.ticket
        assert reply.ticket.first_staff_reply_at == app.clock.now()
        assert reply.ticket.assignee_name == "Hà" and reply.ticket.status == "in_progress"
        await uow.commit()
    to_customer = [
        r for r in await outbox(app) if r[0] == "telegram" and r[2] and ":m" in r[2] and r[3] == "pending"
    ]
    assert (
        len(to_customer) == 1
    )  # the reply; the note is not relayed, the held customer relay waits for the topic
    held = [r for r in await outbox(app) if r[3] == "held"]
    assert [r[1] for r in held] == ["text", "text"]  # the card and "Alo", waiting for the topic


async def test_take_resolve_reopen_and_rate(app: App) -> None:
    clock = app.clock
    assert isinstance(clock, ManualClock)
    ticket_id = await open_for(app, "1001")
    desk = app.tickets
    async with app.uow_factory() as uow:
        assert (await desk.take(uow, ticket_id, HA)).outcome is Outcome.DONE
        assert (await desk.take(uow, ticket_id, HA)).outcome is Outcome.DONE  # again by the same person
        assert (await desk.take(uow, ticket_id, MINH)).outcome is Outcome.ALREADY
        me = ChatUser("telegram", "1001")
        assert (await desk.rate(uow, me, ticket_id, 4)).outcome is Outcome.NOT_ALLOWED
        assert (await desk.resolve(uow, ticket_id, HA)).outcome is Outcome.DONE
        assert (await desk.resolve(uow, ticket_id, HA)).outcome is Outcome.ALREADY
        assert (await desk.take(uow, ticket_id, MINH)).outcome is Outcome.NOT_ALLOWED
        clock.advance(timedelta(days=7))
        reopened = await desk.reopen(uow, ticket_id, MINH)
        assert reopened.outcome is Outcome.DONE and reopened.ticket is not None
        assert reopened.ticket.status == "in_progress" and reopened.ticket.resolved_at is None
        assert (
            reopened.ticket.resolution_due_at is not None and reopened.ticket.resolution_due_at > clock.now()
        )
        assert (await desk.reopen(uow, ticket_id, MINH)).outcome is Outcome.ALREADY
        await desk.resolve(uow, ticket_id, HA)
        assert (await desk.rate(uow, me, ticket_id, 6)).outcome is Outcome.NOT_FOUND
        assert (await desk.rate(uow, me, ticket_id, 4)).outcome is Outcome.DONE
        assert (await desk.rate(uow, me, ticket_id, 5)).outcome is Outcome.ALREADY
        await uow.commit()
    async with app.uow_factory() as uow:
        actions = [
            a.action for a in (await uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
        ]
        assert actions.count("tickets.take") == 2 and actions.count("tickets.resolve") == 2
        assert "tickets.reopen" in actions
        customer_notes = (
            await uow.session.scalars(
                select(OutboxMessage).where(OutboxMessage.chat_id == "1001").order_by(OutboxMessage.id)
            )
        ).all()
        keys = [k for row in customer_notes for k in payload_keys(row.payload)]
        assert keys.count("complaints.taken") == 1  # told once that it was taken
        assert keys.count("complaints.resolved") == 2 and keys.count("complaints.reopened") == 1


async def test_stats(app: App) -> None:
    clock = app.clock
    assert isinstance(clock, ManualClock)
    ids = [await open_for(app, user) for user in ("1", "2", "3")]
    async with app.uow_factory() as uow:
        for minutes, ticket_id in zip((10, 30, 90), ids, strict=True):
            ticket = await uow.tickets.get(ticket_id)
            assert ticket is not None
            ticket.first_staff_reply_at = ticket.created_at + timedelta(minutes=minutes)
        await app.tickets.resolve(uow, ids[0], HA)
        await uow.commit()
    async with app.uow_factory() as uow:
        me = ChatUser("telegram", "1")
        await app.tickets.rate(uow, me, ids[0], 3)
        await uow.commit()
    clock.advance(timedelta(days=30))
    async with app.uow_factory() as uow:
        stats = await ticket_stats(uow, clock)
    assert (stats.open, stats.in_progress, stats.resolved, stats.total) == (2, 0, 1, 3)
    assert stats.overdue == 2 and stats.median_first_reply_minutes == 30 and stats.average_rating == 3


async def test_stats_are_aggregated_by_the_database_without_reading_tickets(app: App) -> None:
    """`/stats` reads no ticket rows (issue 15, part 10): counts and the median come from SQL."""
    clock = app.clock
    assert isinstance(clock, ManualClock)
    ids = [await open_for(app, user) for user in ("1", "2", "3", "4", "5")]
    async with app.uow_factory() as uow:
        for minutes, ticket_id in zip((10, 20, 40, 80), ids, strict=False):
            ticket = await uow.tickets.get(ticket_id)
            assert ticket is not None
            ticket.first_staff_reply_at = ticket.created_at + timedelta(minutes=minutes)
        await app.tickets.take(uow, ids[1], HA)
        await uow.commit()
    async with app.uow_factory() as uow:
        stats = await ticket_stats(uow, clock)
        loaded = [item for item in uow.session.identity_map.values() if type(item).__name__ == "Ticket"]
    assert loaded == []
    assert (stats.open, stats.in_progress, stats.resolved, stats.total, stats.overdue) == (4, 1, 0, 5, 0)
    assert stats.median_first_reply_minutes == 30  # the two middle waits of four, 20 and 40
    assert stats.average_rating is None and stats.ratings == 0
