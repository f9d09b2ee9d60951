"""Statements run straight on SQLite read and write exactly what SQLAlchemy would, in the same transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.storage.db import create_engine
from bot.storage.direct_sqlite import DirectStatement, sqlite_connection
from bot.storage.models import ChannelAccount, DialogueStateRow, ProcessedEvent, Ticket
from bot.storage.repositories.dialogue_states import _TURN_ROWS, _TURN_ROWS_ON_SQLITE
from bot.storage.schema import upgrade
from bot.storage.uow import UnitOfWorkFactory

NOW = datetime(2026, 11, 25, 9, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture
async def sqlite_uow_factory(sqlite_url: str) -> AsyncIterator[UnitOfWorkFactory]:
    engine = create_engine(sqlite_url)
    await upgrade(engine)
    yield UnitOfWorkFactory(engine)
    await engine.dispose()


async def test_only_our_sqlite_driver_offers_its_connection(
    uow_factory: UnitOfWorkFactory, database_url: str
) -> None:
    async with uow_factory() as uow:
        connection = await uow.session.connection()
        found = sqlite_connection(connection)
    assert (found is not None) == database_url.startswith("sqlite")


async def test_the_turn_rows_read_directly_equal_those_read_through_sqlalchemy(
    sqlite_uow_factory: UnitOfWorkFactory,
) -> None:
    uow_factory = sqlite_uow_factory
    async with uow_factory() as uow:
        uow.session.add_all([
            DialogueStateRow(channel="telegram", user_id="7", language="en", language_locked=True,
                             flow="verify", step="awaiting_code",
                             data={"tries": 2, "name": "Lan", "then": ["order", None]}),
            ChannelAccount(channel="telegram", channel_user_id="7", chat_id="7", display_name="Lan 🌸",
                           unreachable_since=NOW),
            Ticket(kind="complaint", category="delivery", status="in_progress", channel="telegram",
                   channel_user_id="7", chat_id="7", description="Giao chậm", created_at=NOW),
        ])
        await uow.commit()
    parameters = {"channel": "telegram", "user_id": "7"}
    async with uow_factory() as uow:
        connection = await uow.session.connection()
        through_sqlalchemy = tuple((await connection.execute(_TURN_ROWS, parameters)).one())
        direct = _TURN_ROWS_ON_SQLITE.first(sqlite_connection(connection), connection.dialect, parameters)
    assert direct == through_sqlalchemy
    assert direct is not None
    assert direct[-2] == NOW and direct[-2].tzinfo is UTC  # unreachable_since, aware as the ORM gives it
    assert direct[-1] is True  # an open ticket, as a bool


async def test_a_direct_write_belongs_to_the_unit_of_work(sqlite_uow_factory: UnitOfWorkFactory) -> None:
    uow_factory = sqlite_uow_factory
    async with uow_factory() as uow:
        assert await uow.processed_events.claim("telegram", "update:1", NOW)
        # not committed: rolled back with the unit of work
    async with uow_factory() as uow:
        assert await uow.processed_events.claim("telegram", "update:1", NOW)
        assert not await uow.processed_events.claim("telegram", "update:1", NOW)  # same transaction sees it
        await uow.commit()
    async with uow_factory() as uow:
        assert not await uow.processed_events.claim("telegram", "update:1", NOW)
        stored = (await uow.session.scalars(select(ProcessedEvent))).one()
        assert stored.processed_at == NOW  # written in SQLAlchemy's own format, read back exactly


async def test_a_database_error_is_raised_as_sqlalchemy_would(sqlite_uow_factory: UnitOfWorkFactory) -> None:
    insert = DirectStatement(
        ProcessedEvent.__table__.insert().values(channel="telegram", event_key="x", processed_at=None)
    )
    async with sqlite_uow_factory() as uow:
        connection = await uow.session.connection()
        sqlite = sqlite_connection(connection)
        assert sqlite is not None
        with pytest.raises(IntegrityError, match="NOT NULL"):
            insert.rowcount(sqlite, connection.dialect, {})
