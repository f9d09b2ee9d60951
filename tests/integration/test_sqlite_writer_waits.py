"""On SQLite, a unit of work that meets another writer waits by awaiting, never by holding the loop.

Statements run on the event loop's thread (bot/storage/sqlite_driver.py); these tests hold SQLite's
write lock from a plain sqlite3 connection (as another process would) and check that the loop keeps
serving other work meanwhile, that the unit of work goes on once the lock is free, and that it gives
up with SQLite's own "database is locked" after the configured patience.
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
from sqlalchemy.exc import OperationalError

from bot.storage import sqlite_driver
from bot.storage.db import create_engine
from bot.storage.models import Customer
from bot.storage.schema import upgrade
from bot.storage.uow import UnitOfWorkFactory


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "writers.db"


@pytest.fixture
async def factory(database: Path) -> AsyncIterator[UnitOfWorkFactory]:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    await upgrade(engine)
    yield UnitOfWorkFactory(engine)
    await engine.dispose()


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
    async with factory() as uow:
        return await uow.customers.by_phone(phone) is not None


async def event_claimed(factory: UnitOfWorkFactory, key: str) -> bool:
    async with factory() as uow:
        return not await uow.processed_events.claim("telegram", key, datetime.now(UTC))


Write = Callable[[UnitOfWorkFactory, str], Awaitable[None]]
Written = Callable[[UnitOfWorkFactory, str], Awaitable[bool]]


@pytest.fixture(
    params=[(add_customer, customer_added), (claim_event, event_claimed)],
    ids=["orm-write", "direct-statement"],
)
def writer(request: pytest.FixtureRequest) -> tuple[Write, Written]:
    """A unit of work's transaction begins with SQLAlchemy's BEGIN or with a direct statement's."""
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


async def test_gives_up_with_database_locked_after_the_patience(
    factory: UnitOfWorkFactory, other_writer: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch,
    writer: tuple[Write, Written],
) -> None:
    write, written = writer
    monkeypatch.setattr(sqlite_driver, "BUSY_PATIENCE", 0.2)
    other_writer.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError, match="locked"):
            await write(factory, "+84912000102")
        assert time.monotonic() - started < 2
    finally:
        other_writer.execute("ROLLBACK")
    assert not await written(factory, "+84912000102")
    await write(factory, "+84912000102")  # and the next unit of work is fine
    assert await written(factory, "+84912000102")


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
