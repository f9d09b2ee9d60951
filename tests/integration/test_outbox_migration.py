"""Migration 0002 on SQLite and PostgreSQL: rows written before it get their purpose and ticket from
their dedupe keys, and the columns then hold what the code reads (`OutboxPurpose`, `OutboxStatus`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.db import create_engine
from bot.storage.models import OutboxMessage, OutboxPurpose, OutboxStatus, Ticket
from bot.storage.schema import current_revision, head_revision, upgrade
from bot.storage.uow import UnitOfWorkFactory

WRITTEN = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)

#: (dedupe key, kind, status) of rows as the code before 0002 wrote them, for tickets 1 and 2, and the
#: (purpose, ticket id) the migration must give each.
OLD_ROWS: list[tuple[str | None, str, str, str, int | None]] = [
    ("ticket:1:topic", "open_topic", "sent", "ticket_topic", 1),
    ("ticket:1:card", "text", "sent", "ticket_card", 1),
    ("ticket:1:m1:0", "attachment", "sent", "ticket_relay", 1),
    ("ticket:1:m4:text", "text", "held", "ticket_relay", 1),
    ("ticket:1:email", "email", "sent", "email", 1),
    ("ticket:1:taken", "text", "sent", "ticket_notice", 1),
    ("ticket:1:rated", "text", "pending", "ticket_notice", 1),
    ("ticket:1:comment", "text", "pending", "ticket_notice", 1),
    ("ticket:1:resolved:1763607600", "text", "sent", "ticket_notice", 1),
    ("ticket:1:reopened:1763607601", "text", "sent", "ticket_notice", 1),
    ("ticket:1:topic-state:1:note", "text", "sent", "topic_state", 1),
    ("ticket:1:topic-state:1:close", "close_topic", "sent", "topic_state", 1),
    ("ticket:1:topic-state:2:reopen", "reopen_topic", "dead", "topic_state", 1),
    ("ticket:2:remind", "text", "sent", "reminder", 2),
    ("ticket:2:escalate:first_reply:1763611200", "text", "unreachable", "escalation", 2),
    ("ticket:2:late:first_reply:1763611200", "text", "pending", "ticket_notice", 2),
    ("ticket:2:something-new", "text", "pending", "other", 2),
    ("ticket:99:card", "text", "dead", "ticket_card", None),  # its ticket is gone: no dangling reference
    (None, "text", "pending", "reply", None),  # the rest of a reply the channel could not send at once
    ("welcome:1001", "text", "sent", "other", None),
]


@pytest.fixture
async def old_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A database at revision 0001 holding two tickets and outbox rows written before 0002."""
    engine = create_engine(database_url)
    await upgrade(engine, "0001")
    async with engine.begin() as connection:  # only the columns of 0001, through their column types
        await connection.execute(insert(Ticket.__table__), [
            dict(id=ticket_id, number=f"KN-2026-{ticket_id:06d}", kind="complaint", category="delivery",
                 status="open", channel="telegram", channel_user_id="1001", chat_id="1001",
                 description="Hộp bị móp", language="vi", created_at=WRITTEN)
            for ticket_id in (1, 2)
        ])
        await connection.execute(insert(OutboxMessage.__table__), [
            dict(id=index, channel="telegram", kind=kind, chat_id="-100777", payload={}, dedupe_key=key,
                 status=status, attempts=0, next_attempt_at=WRITTEN, created_at=WRITTEN)
            for index, (key, kind, status, _, _) in enumerate(OLD_ROWS, start=1)
        ])
    yield engine
    await engine.dispose()


async def test_the_migration_fills_purpose_and_ticket_from_the_old_keys(old_engine: AsyncEngine) -> None:
    assert await current_revision(old_engine) == "0001"
    assert await upgrade(old_engine) == ("0001", head_revision())
    async with UnitOfWorkFactory(old_engine)() as uow:
        rows = await uow.outbox.all()
    assert [(row.dedupe_key, row.purpose, row.ticket_id) for row in rows] == [
        (key, purpose, ticket) for key, _, _, purpose, ticket in OLD_ROWS
    ]
    assert all(isinstance(row.purpose, OutboxPurpose) for row in rows)
    assert all(isinstance(row.status, OutboxStatus) for row in rows)
    assert [row.status for row in rows] == [status for _, _, status, _, _ in OLD_ROWS]  # kept as they were
    assert all(row.request_id is None for row in rows)


async def test_after_the_migration_the_code_finds_old_rows_by_their_columns(old_engine: AsyncEngine) -> None:
    await upgrade(old_engine)
    async with UnitOfWorkFactory(old_engine)() as uow:
        topic = await uow.outbox.topic_of(1)
        assert topic is not None and topic.dedupe_key == "ticket:1:topic"
        assert [row.dedupe_key for row in await uow.outbox.held_for(1)] == ["ticket:1:m4:text"]
        assert await uow.outbox.topic_changes(1) == 2  # one close, one reopen (the note is not a change)


async def test_the_migration_goes_down_and_up_again(old_engine: AsyncEngine) -> None:
    await upgrade(old_engine)
    async with old_engine.begin() as connection:
        await connection.run_sync(_downgrade_to_0001)
    assert await current_revision(old_engine) == "0001"
    await upgrade(old_engine)
    async with UnitOfWorkFactory(old_engine)() as uow:
        assert [row.purpose for row in await uow.outbox.all()] == [purpose for *_, purpose, _ in OLD_ROWS]


def _downgrade_to_0001(connection: Connection) -> None:
    from alembic import command

    from bot.storage.schema import alembic_config

    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, "0001")
