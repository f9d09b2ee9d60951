"""Migrations build exactly the schema the models describe; an old schema is migrated or refused."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.storage.db import create_engine
from bot.storage.models import Base
from bot.storage.schema import SchemaOutOfDate, current_revision, ensure_schema, head_revision, upgrade


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        before, after = await upgrade(engine)
        assert before is None and after == head_revision()
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
        assert diff == []
        assert await upgrade(engine) == (head_revision(), head_revision())  # idempotent
    finally:
        await engine.dispose()


async def test_out_of_date_schema_is_refused_without_auto_migrate(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with pytest.raises(SchemaOutOfDate, match="rosee-support db upgrade"):
            await ensure_schema(engine, auto_migrate=False)
        await ensure_schema(engine, auto_migrate=True)
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()
