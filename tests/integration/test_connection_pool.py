"""The PostgreSQL pool without a pre-ping on every checkout (bot.storage.db): busy connections are
not pinged, idle ones are and are replaced when dead, and a connection that dies in between fails
one unit of work only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage import db
from bot.storage.uow import UnitOfWorkFactory

pytestmark = pytest.mark.postgres


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> str:
    from tests.support.postgres import fresh_database_url

    return fresh_database_url(request)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = db.create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def pings(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the pings the engine's pool sends (the dialect's own do_ping, still called)."""
    dialect = engine.sync_engine.dialect
    original = dialect.do_ping
    calls: list[int] = []

    def counting(dbapi_connection: Any) -> bool:
        calls.append(1)
        return original(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counting)
    return calls


async def _backend_pid(uow_factory: UnitOfWorkFactory) -> int:
    async with uow_factory() as uow:
        return int(await uow.session.scalar(text("SELECT pg_backend_pid()")) or 0)


async def _kill(database_url: str, pid: int) -> None:
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        assert await connection.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await connection.close()


async def test_no_pre_ping_and_a_busy_connection_is_not_pinged(engine: AsyncEngine, pings: list[int]) -> None:
    assert engine.sync_engine.pool._pre_ping is False
    uow_factory = UnitOfWorkFactory(engine)
    pids = {await _backend_pid(uow_factory) for _ in range(20)}
    assert len(pids) == 1  # the same pooled connection each time
    assert pings == []


async def test_an_idle_connection_is_pinged_and_a_dead_one_replaced(
    engine: AsyncEngine, database_url: str, pings: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    uow_factory = UnitOfWorkFactory(engine)
    first = await _backend_pid(uow_factory)
    await _kill(database_url, first)
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)  # whatever sat in the pool counts as idle
    second = await _backend_pid(uow_factory)  # no error: the ping found it dead, the pool reconnected
    assert second != first
    assert pings  # at least the ping that found the dead connection
    assert await _backend_pid(uow_factory) == second  # alive: pinged and kept


async def test_a_connection_dead_between_two_units_of_work_fails_one_of_them(
    engine: AsyncEngine, database_url: str, pings: list[int]
) -> None:
    uow_factory = UnitOfWorkFactory(engine)
    first = await _backend_pid(uow_factory)
    await _kill(database_url, first)
    with pytest.raises(exc.DBAPIError) as failure:
        await _backend_pid(uow_factory)
    assert failure.value.connection_invalidated
    assert await _backend_pid(uow_factory) not in (0, first)  # the next one reconnects
    assert pings == []
