"""The outbox read by its columns, on SQLite and PostgreSQL: the status and purpose enums survive the
round trip, the repositories' ticket queries, and delivery hooks that read purpose and ticket_id
(never the dedupe key)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.exc import StatementError

from bot.bootstrap import App
from bot.clock import ManualClock
from bot.delivery.dispatcher import OutboxDispatcher
from bot.domain.ticket_category import TicketKind
from bot.messages.actions import Action, Address, OpenTopic, SendText
from bot.messages.events import ChatUser
from bot.services.outbox import enqueue
from bot.services.tickets import NewTicket, StaffMember
from bot.storage.models import OutboxMessage, OutboxPurpose, OutboxStatus
from bot.storage.uow import UnitOfWorkFactory

STAFF_CHAT = "-100777"
THREAD = 4242
HA = StaffMember("7", "Hà")


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"staff_chat_id": int(STAFF_CHAT), "staff_chat_is_forum": True}


async def open_for(app: App, user: str) -> int:
    async with app.uow_factory() as uow:
        account = await uow.accounts.get_or_create("telegram", user)
        account.chat_id = user
        ticket = await app.tickets.open_ticket(uow, ChatUser("telegram", user),
                                               NewTicket(TicketKind.COMPLAINT, "delivery", "Hộp bị móp"))
        await uow.commit()
        return ticket.id


async def rows_of(app: App, ticket_id: int) -> list[OutboxMessage]:
    async with app.uow_factory() as uow:
        return [row for row in await uow.outbox.all() if row.ticket_id == ticket_id]


# The enums ---------------------------------------------------------------------------------------------
async def test_status_and_purpose_come_back_as_their_enums(
    uow_factory: UnitOfWorkFactory, clock: ManualClock
) -> None:
    async with uow_factory() as uow:
        held = await enqueue(uow, clock, Address("telegram", "1"), SendText("chờ"), held=True,
                             purpose=OutboxPurpose.TICKET_RELAY)
        plain = await enqueue(uow, clock, Address("telegram", "2"), SendText("ngay"))
        await uow.commit()
    async with uow_factory() as uow:
        await uow.session.execute(update(OutboxMessage).where(OutboxMessage.id == plain.id)
                                  .values(status="dead"))  # a plain string, as older code wrote it
        await uow.commit()
    async with uow_factory() as uow:
        first, second = await uow.outbox.all()
    assert (first.id, second.id) == (held.id, plain.id)
    assert first.status is OutboxStatus.HELD and first.purpose is OutboxPurpose.TICKET_RELAY
    assert second.status is OutboxStatus.DEAD and second.purpose is OutboxPurpose.REPLY  # enqueue's default
    assert second.status == "dead"  # a StrEnum: comparisons with the stored strings still hold


async def test_a_status_that_is_not_one_is_refused_at_the_write(
    uow_factory: UnitOfWorkFactory, clock: ManualClock
) -> None:
    async with uow_factory() as uow:
        row = await enqueue(uow, clock, Address("telegram", "1"), SendText("x"))
        row.status = "pendng"  # type: ignore[assignment]
        with pytest.raises(StatementError, match="pendng"):
            await uow.flush()


# The repositories' ticket queries -----------------------------------------------------------------------
async def test_topic_held_rows_and_their_release(app: App) -> None:
    ticket_id = await open_for(app, "1001")
    other_id = await open_for(app, "1002")
    async with app.uow_factory() as uow:
        topic = await uow.outbox.topic_of(ticket_id)
        assert topic is not None and topic.kind == "open_topic" and topic.status is OutboxStatus.PENDING
        held = await uow.outbox.held_for(ticket_id)
        assert [(row.purpose, row.thread_id) for row in held] == [(OutboxPurpose.TICKET_CARD, None)]
        assert await uow.outbox.release_held(ticket_id, thread_id=THREAD, now=app.clock.now()) == 1
        assert await uow.outbox.held_for(ticket_id) == []
        await uow.commit()
    (card,) = [row for row in await rows_of(app, ticket_id) if row.purpose is OutboxPurpose.TICKET_CARD]
    assert (card.status, card.thread_id) == (OutboxStatus.PENDING, THREAD)
    (others,) = [row for row in await rows_of(app, other_id) if row.purpose is OutboxPurpose.TICKET_CARD]
    assert others.status is OutboxStatus.HELD  # another ticket's rows wait for their own topic


async def test_tickets_held_for_a_dead_topic(app: App) -> None:
    dead, alive, dead_released = [await open_for(app, user) for user in ("1001", "1002", "1003")]
    async with app.uow_factory() as uow:
        for ticket_id in (dead, dead_released):
            topic = await uow.outbox.topic_of(ticket_id)
            assert topic is not None
            topic.status = OutboxStatus.DEAD
        await uow.outbox.release_held(dead_released, thread_id=None, now=app.clock.now())
        assert list(await uow.outbox.tickets_held_for_a_dead_topic()) == [dead]
        await uow.commit()
    assert alive not in await _dead_topic_tickets(app)


async def test_rows_held_for_a_topic_that_ended_unreachable_are_released_too(app: App) -> None:
    """Whatever the topic's final state (an old row the bot marked unreachable, say), nothing stays
    held for it: the SLA sweep's release finds the ticket."""
    ticket_id = await open_for(app, "1001")
    async with app.uow_factory() as uow:
        topic = await uow.outbox.topic_of(ticket_id)
        assert topic is not None
        topic.status = OutboxStatus.UNREACHABLE
        assert list(await uow.outbox.tickets_held_for_a_dead_topic()) == [ticket_id]
        await uow.commit()


async def _dead_topic_tickets(app: App) -> list[int]:
    async with app.uow_factory() as uow:
        return list(await uow.outbox.tickets_held_for_a_dead_topic())


async def test_topic_changes_count_closes_and_reopens_of_that_ticket_only(app: App) -> None:
    ticket_id, other_id = await open_for(app, "1001"), await open_for(app, "1002")
    async with app.uow_factory() as uow:
        assert await uow.outbox.topic_changes(ticket_id) == 0
        await app.tickets.resolve(uow, ticket_id, HA)
        await app.tickets.reopen(uow, ticket_id, HA)
        await app.tickets.resolve(uow, ticket_id, HA)
        assert await uow.outbox.topic_changes(ticket_id) == 3
        assert await uow.outbox.topic_changes(other_id) == 0
        await uow.commit()


async def test_deadlines_due_are_claimed_once_across_sweeps(app: App) -> None:
    clock = app.clock
    assert isinstance(clock, ManualClock)
    ids = [await open_for(app, user) for user in ("1001", "1002")]
    now = clock.now()
    async with app.uow_factory() as uow:
        claimed = await uow.tickets.claim_deadlines_due(now, escalation_lead=now, apologies=True, limit=10)
        assert claimed == []  # just opened: nothing is due
    later = now + timedelta(hours=2)  # past the reminder and the first-reply deadline
    factory = app.uow_factory
    async with factory() as first:
        claimed = await first.tickets.claim_deadlines_due(later, escalation_lead=later, apologies=True,
                                                          limit=10)
        assert [t.id for t in claimed] == ids
        if first.session.bind.dialect.name == "postgresql":  # a concurrent sweep skips the locked rows
            async with factory() as second:
                again = await second.tickets.claim_deadlines_due(later, escalation_lead=later,
                                                                 apologies=True, limit=10)
                assert list(again) == []
        done, apology_due = claimed
        done.reminded_at = done.escalated_at = done.customer_told_late_at = later
        apology_due.reminded_at = apology_due.escalated_at = later
        await first.commit()
    async with factory() as uow:
        claimed = await uow.tickets.claim_deadlines_due(later, escalation_lead=later, apologies=True,
                                                        limit=10)
        assert [t.id for t in claimed] == [apology_due.id]  # the other one's watches are all done
        without_apologies = await uow.tickets.claim_deadlines_due(later, escalation_lead=later,
                                                                  apologies=False, limit=10)
        assert list(without_apologies) == []  # no promise was made: its apology is not a watch


# Delivery hooks read columns ----------------------------------------------------------------------------
class TopicSender:
    """Opens topics as thread THREAD; records everything else."""

    def __init__(self) -> None:
        self.delivered: list[tuple[Address, Action]] = []

    async def deliver(self, address: Address, action: Action) -> dict[str, Any]:
        self.delivered.append((address, action))
        if isinstance(action, OpenTopic):
            return {"message_thread_id": THREAD, "message_id": 1}
        return {"message_id": len(self.delivered)}


async def test_a_topic_row_with_an_unusual_key_still_releases_its_tickets_held_rows(app: App) -> None:
    ticket_id = await open_for(app, "1001")
    async with app.uow_factory() as uow:
        topic = await uow.outbox.topic_of(ticket_id)
        assert topic is not None
        topic.dedupe_key = "imported from the old help desk"  # nothing about it says "ticket" or "topic"
        await uow.commit()
    sender = TopicSender()
    await OutboxDispatcher(app.uow_factory, {"telegram": sender}, app.clock,
                           on_delivered=app.delivery_hooks).drain()
    async with app.uow_factory() as uow:
        ticket = await uow.tickets.get(ticket_id)
        assert ticket is not None and (ticket.staff_chat_id, ticket.staff_thread_id) == (STAFF_CHAT, THREAD)
    card = next(row for row in await rows_of(app, ticket_id) if row.purpose is OutboxPurpose.TICKET_CARD)
    assert (card.status, card.thread_id) == (OutboxStatus.SENT, THREAD)
    assert [address.thread_id for address, _ in sender.delivered] == [None, THREAD]  # topic, then its card


async def test_a_key_that_looks_like_a_topic_is_not_taken_for_one(app: App) -> None:
    """The key the old code parsed (`ticket:<id>:topic`) on a row that is not the ticket's topic."""
    ticket_id = await open_for(app, "1001")
    async with app.uow_factory() as uow:
        topic = await uow.outbox.topic_of(ticket_id)
        assert topic is not None
        topic.dedupe_key = "the real topic"
        topic.status = OutboxStatus.HELD  # kept back, so that only the look-alike is delivered
        await uow.flush()
        await enqueue(uow, app.clock, Address("telegram", STAFF_CHAT), OpenTopic("khác", 0),
                      dedupe_key=f"ticket:{ticket_id}:topic")
        await uow.commit()
    await OutboxDispatcher(app.uow_factory, {"telegram": TopicSender()}, app.clock,
                           on_delivered=app.delivery_hooks).drain()
    async with app.uow_factory() as uow:
        ticket = await uow.tickets.get(ticket_id)
        assert ticket is not None and ticket.staff_thread_id is None
        assert [row.purpose for row in await uow.outbox.held_for(ticket_id)] == [
            OutboxPurpose.TICKET_TOPIC, OutboxPurpose.TICKET_CARD
        ]


@pytest.mark.parametrize("settings_overrides", [{"staff_chat_id": int(STAFF_CHAT),
                                                 "staff_chat_is_forum": False}])
async def test_a_card_with_an_unusual_key_is_still_the_one_staff_reply_to(app: App) -> None:
    ticket_id = await open_for(app, "1001")
    async with app.uow_factory() as uow:
        (card,) = [row for row in await uow.outbox.all() if row.purpose is OutboxPurpose.TICKET_CARD]
        card.dedupe_key = None
        await uow.commit()
    sender = TopicSender()
    await OutboxDispatcher(app.uow_factory, {"telegram": sender}, app.clock,
                           on_delivered=app.delivery_hooks).drain()
    async with app.uow_factory() as uow:
        ticket = await uow.tickets.get(ticket_id)
        assert ticket is not None and ticket.staff_card_message_id == 1
