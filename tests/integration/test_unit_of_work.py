"""The unit of work commits all or nothing, on SQLite and PostgreSQL; on SQLite, writers queue.

The SQLite tests at the end hold the database's write lock from a plain sqlite3 connection (as
another process would) and check that a unit of work waits for it without holding the event loop,
goes on once the lock is free, and gives up with SQLite's own "database is locked" after the busy
timeout (bot.storage.db).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.storage import db
from bot.storage.db import create_engine
from bot.storage.models import Customer
from bot.storage.schema import upgrade
from bot.storage.uow import UnitOfWorkFactory


async def test_rolls_back_unless_committed(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        uow.customers.add(Customer(full_name="Nguyễn Văn A", phone="+84912000001"))
        await uow.flush()
    async with uow_factory() as uow:
        assert await uow.customers.by_phone("+84912000001") is None


async def test_commit_makes_changes_visible(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        uow.customers.add(Customer(full_name="Trần Thị B", phone="+84912000002", email="b@example.com"))
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.customers.by_email("b@example.com")
        assert found is not None and found.full_name == "Trần Thị B"
        assert found.created_at.tzinfo is not None


async def test_an_error_mid_way_loses_the_whole_unit(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        uow.customers.add(Customer(full_name="Lê C", phone="+84912000003"))
        await uow.commit()
    with pytest.raises(IntegrityError):
        async with uow_factory() as uow:
            uow.customers.add(Customer(full_name="Phạm D", phone="+84912000004"))
            uow.customers.add(Customer(full_name="Trùng số", phone="+84912000003"))
            await uow.commit()
    async with uow_factory() as uow:
        assert await uow.customers.by_phone("+84912000004") is None
        assert await uow.customers.count() == 1


# One transaction for Core statements and the ORM -----------------------------------------------------
# A turn claims its event with a Core statement and only then, for some flows, writes ORM entities.
# Whichever came first, all of it commits or none.

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def _claimed(uow_factory: UnitOfWorkFactory, key: str) -> bool:
    async with uow_factory() as uow:
        return not await uow.processed_events.claim("telegram", key, NOW)


async def _customer_exists(uow_factory: UnitOfWorkFactory, phone: str) -> bool:
    async with uow_factory() as uow:
        return await uow.customers.by_phone(phone) is not None


@pytest.mark.parametrize("commit", [True, False], ids=["committed", "not-committed"])
async def test_a_core_statement_then_the_orm_are_all_or_nothing(
    uow_factory: UnitOfWorkFactory, commit: bool
) -> None:
    async with uow_factory() as uow:
        assert await uow.processed_events.claim("telegram", "update:1", NOW)
        uow.customers.add(Customer(full_name="Võ E", phone="+84912000005"))
        await uow.flush()
        if commit:
            await uow.commit()
    assert await _claimed(uow_factory, "update:1") is commit
    assert await _customer_exists(uow_factory, "+84912000005") is commit


async def test_orm_changes_are_flushed_before_a_later_statement(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        uow.customers.add(Customer(full_name="Hồ G", phone="+84912000007"))  # pending, not flushed
        assert await uow.processed_events.claim("telegram", "update:3", NOW)
        assert not uow.session.new, "the pending customer is written before the statement runs"
        await uow.commit()
    assert await _claimed(uow_factory, "update:3")
    assert await _customer_exists(uow_factory, "+84912000007")


async def test_an_explicit_rollback_ends_both_and_the_unit_can_go_on(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.processed_events.claim("telegram", "update:4", NOW)
        uow.customers.add(Customer(full_name="Mai H", phone="+84912000008"))
        await uow.flush()
        await uow.rollback()
        assert await uow.processed_events.claim("telegram", "update:5", NOW)
        await uow.commit()
    assert not await _claimed(uow_factory, "update:4")
    assert await _claimed(uow_factory, "update:5")
    assert not await _customer_exists(uow_factory, "+84912000008")


# SQLite: a writer waits for another writer -------------------------------------------------------------

@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "writers.db"


async def sqlite_factory(database: Path) -> tuple[UnitOfWorkFactory, Callable[[], Awaitable[None]]]:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    await upgrade(engine)
    return UnitOfWorkFactory(engine), engine.dispose


@pytest.fixture
async def factory(database: Path) -> AsyncIterator[UnitOfWorkFactory]:
    made, dispose = await sqlite_factory(database)
    yield made
    await dispose()


@pytest.fixture
def other_writer(database: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    yield connection
    connection.close()


async def add_customer(factory: UnitOfWorkFactory, phone: str) -> None:
    async with factory() as uow:
        uow.customers.add(Customer(full_name="Khách chờ", phone=phone))
        await uow.commit()


async def claim_event(factory: UnitOfWorkFactory, key: str) -> None:
    async with factory() as uow:
        assert await uow.processed_events.claim("telegram", key, datetime.now(UTC))
        await uow.commit()


async def customer_added(factory: UnitOfWorkFactory, phone: str) -> bool:
    return await _customer_exists(factory, phone)


async def event_claimed(factory: UnitOfWorkFactory, key: str) -> bool:
    async with factory() as uow:
        return not await uow.processed_events.claim("telegram", key, datetime.now(UTC))


Write = Callable[[UnitOfWorkFactory, str], Awaitable[None]]
Written = Callable[[UnitOfWorkFactory, str], Awaitable[bool]]


@pytest.fixture(
    params=[(add_customer, customer_added), (claim_event, event_claimed)], ids=["orm-write", "core-statement"]
)
def writer(request: pytest.FixtureRequest) -> tuple[Write, Written]:
    """A unit of work's transaction begins with an ORM flush or with a Core statement."""
    return cast(tuple[Write, Written], request.param)


async def ticks_while(task: asyncio.Task[None], seconds: float) -> int:
    """How many times a 5 ms timer fires on the loop while `task` runs, for `seconds` at most."""
    ticks = 0
    deadline = time.monotonic() + seconds
    while not task.done() and time.monotonic() < deadline:
        await asyncio.sleep(0.005)
        ticks += 1
    return ticks


async def test_a_busy_database_is_waited_for_without_holding_the_loop(
    factory: UnitOfWorkFactory, other_writer: sqlite3.Connection, writer: tuple[Write, Written]
) -> None:
    write, written = writer
    other_writer.execute("BEGIN IMMEDIATE")
    waiting = asyncio.create_task(write(factory, "+84912000101"))
    ticks = await ticks_while(waiting, 0.3)
    assert not waiting.done(), "the unit of work must wait for the other writer"
    assert ticks >= 20, f"the loop was held: only {ticks} ticks of 5 ms in 0.3 s"
    other_writer.execute("COMMIT")
    await asyncio.wait_for(waiting, 5)
    assert await written(factory, "+84912000101")


async def test_gives_up_with_database_locked_after_the_busy_timeout(
    database: Path, other_writer: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch,
    writer: tuple[Write, Written],
) -> None:
    write, written = writer
    monkeypatch.setattr(db, "BUSY_TIMEOUT_SECONDS", 0.2)
    factory, dispose = await sqlite_factory(database)
    try:
        other_writer.execute("BEGIN IMMEDIATE")
        try:
            started = time.monotonic()
            with pytest.raises(OperationalError, match="locked"):
                await write(factory, "+84912000102")
            assert 0.15 < time.monotonic() - started < 2
        finally:
            other_writer.execute("ROLLBACK")
        assert not await written(factory, "+84912000102")
        await write(factory, "+84912000102")  # and the next unit of work is fine
        assert await written(factory, "+84912000102")
    finally:
        await dispose()


async def test_readers_and_a_writer_do_not_wait_for_each_other(
    factory: UnitOfWorkFactory, other_writer: sqlite3.Connection
) -> None:
    await add_customer(factory, "+84912000103")
    other_writer.execute("BEGIN")
    assert other_writer.execute("SELECT count(*) FROM customers").fetchone() == (1,)  # a read snapshot
    await asyncio.wait_for(add_customer(factory, "+84912000104"), 2)  # WAL: the reader blocks nothing
    other_writer.execute("COMMIT")


async def test_concurrent_units_of_work_all_commit(factory: UnitOfWorkFactory) -> None:
    await asyncio.gather(*(add_customer(factory, f"+849120002{n:02d}") for n in range(30)))
    async with factory() as uow:
        assert await uow.customers.count() == 30
