"""The PostgreSQL half of the suite is real: a server that answers, and a new empty database per call."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.storage.db import create_engine
from bot.storage.schema import current_revision, head_revision, upgrade
from tests.support.postgres import fresh_database_url

pytestmark = pytest.mark.postgres


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _public_tables(connection: asyncpg.Connection) -> int:
    query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
    return int(await connection.fetchval(query))


async def test_a_real_postgresql_answers(request: pytest.FixtureRequest) -> None:
    url = fresh_database_url(request)
    assert url.startswith("postgresql+asyncpg://")

    connection = await asyncpg.connect(_dsn(url))
    try:
        version = await connection.fetchval("SELECT current_setting('server_version_num')::int")
        database = await connection.fetchval("SELECT current_database()")
        assert await connection.fetchval("SELECT 6 * 7") == 42
    finally:
        await connection.close()

    assert version >= 130000, f"PostgreSQL 13 or newer expected, got {version}"
    assert database == make_url(url).database


async def test_two_calls_give_two_distinct_empty_databases(request: pytest.FixtureRequest) -> None:
    first, second = fresh_database_url(request), fresh_database_url(request)
    assert make_url(first).database != make_url(second).database

    one = await asyncpg.connect(_dsn(first))
    try:
        assert await _public_tables(one) == 0
        await one.execute("CREATE TABLE only_in_first (id int)")
    finally:
        await one.close()

    two = await asyncpg.connect(_dsn(second))
    try:
        assert await _public_tables(two) == 0
    finally:
        await two.close()


async def test_the_migrations_run_on_a_fresh_database(request: pytest.FixtureRequest) -> None:
    engine = create_engine(fresh_database_url(request))
    try:
        assert await current_revision(engine) is None
        await upgrade(engine)
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()
