"""The staff topic follows the ticket, on SQLite and PostgreSQL: which outbox rows resolve and reopen
write, in which order, and when they write none (card mode, a topic that can never be opened)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.services.tickets import StaffMember
from bot.storage.models import OutboxMessage, OutboxPurpose
from tests.integration.test_tickets_service import STAFF_CHAT, open_for
from tests.support.wording import payload_keys

HA = StaffMember("7", "Hà")
THREAD = 42


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"staff_chat_id": int(STAFF_CHAT), "staff_chat_is_forum": True}


async def staff_rows(app: App, ticket_id: int) -> list[OutboxMessage]:
    """What resolve and reopen added to the ticket's staff topic."""
    async with app.uow_factory() as uow:
        rows = (await uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == STAFF_CHAT).order_by(OutboxMessage.id)
        )).all()
        uow.session.expunge_all()
    return [r for r in rows if r.ticket_id == ticket_id and r.purpose is OutboxPurpose.TOPIC_STATE]


async def with_topic(app: App, ticket_id: int, *, topic_status: str = "sent") -> None:
    """The topic was opened (thread 42), or its row ended as `topic_status` without a thread."""
    async with app.uow_factory() as uow:
        ticket = await uow.tickets.get(ticket_id)
        topic = await uow.outbox.topic_of(ticket_id)
        assert ticket is not None and topic is not None
        topic.status = topic_status
        if topic_status == "sent":
            ticket.staff_chat_id, ticket.staff_thread_id = STAFF_CHAT, THREAD
        await uow.commit()


async def resolve_reopen_resolve(app: App, ticket_id: int) -> None:
    """All within one second of the (manual) clock."""
    async with app.uow_factory() as uow:
        await app.tickets.resolve(uow, ticket_id, HA)
        await app.tickets.reopen(uow, ticket_id, HA)
        await app.tickets.resolve(uow, ticket_id, HA)
        await uow.commit()


async def test_resolve_writes_a_note_then_closes_and_reopen_opens_then_writes_a_note(app: App) -> None:
    ticket_id = await open_for(app, "1001")
    await with_topic(app, ticket_id)
    await resolve_reopen_resolve(app, ticket_id)
    rows = await staff_rows(app, ticket_id)
    assert [r.kind for r in rows] == ["text", "close_topic", "reopen_topic", "text", "text", "close_topic"]
    assert all(r.thread_id == THREAD and r.status == "pending" for r in rows)
    assert payload_keys(rows[0].payload) == ["staff.topic_closed"]
    assert payload_keys(rows[3].payload) == ["staff.topic_reopened"]
    assert len({r.dedupe_key for r in rows}) == 6  # one second, three changes, nothing deduplicated away


async def test_while_the_topic_is_being_opened_the_rows_wait_for_it(app: App) -> None:
    ticket_id = await open_for(app, "1001")  # its OpenTopic row is still pending
    async with app.uow_factory() as uow:
        await app.tickets.resolve(uow, ticket_id, HA)
        await uow.commit()
    rows = await staff_rows(app, ticket_id)
    assert [(r.kind, r.status, r.thread_id) for r in rows] == [
        ("text", "held", None), ("close_topic", "held", None)
    ]
    async with app.uow_factory() as uow:  # the topic is opened: everything held follows, in order
        topic = await uow.outbox.topic_of(ticket_id)
        assert topic is not None
        await app.delivery_hooks(uow, topic, {"thread_id": THREAD})
        await uow.commit()
    rows = await staff_rows(app, ticket_id)
    assert [(r.kind, r.status, r.thread_id) for r in rows] == [
        ("text", "pending", THREAD), ("close_topic", "pending", THREAD)
    ]


async def test_a_topic_that_can_never_be_opened_is_neither_closed_nor_reopened(app: App) -> None:
    ticket_id = await open_for(app, "1001")
    await with_topic(app, ticket_id, topic_status="dead")
    await resolve_reopen_resolve(app, ticket_id)
    assert await staff_rows(app, ticket_id) == []


@pytest.mark.parametrize("settings_overrides", [{"staff_chat_id": int(STAFF_CHAT),
                                                 "staff_chat_is_forum": False}])
async def test_card_mode_has_no_topic_to_close(app: App) -> None:
    ticket_id = await open_for(app, "1001")
    await resolve_reopen_resolve(app, ticket_id)
    assert await staff_rows(app, ticket_id) == []
    async with app.uow_factory() as uow:
        kinds = {r.kind for r in await uow.outbox.all()}
    assert not kinds & {"open_topic", "close_topic", "reopen_topic"}
