"""Every delivery to a private chat finds its chat account by chat id: the migrated schema has an
index for that lookup, and SQLite's planner uses it."""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine


async def test_chat_accounts_have_an_index_on_channel_and_chat(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        indexes = await connection.run_sync(lambda sync: inspect(sync).get_indexes("channel_accounts"))
        by_chat = [ix["name"] for ix in indexes if ix["column_names"] == ["channel", "chat_id"]]
        assert by_chat == ["ix_channel_accounts_chat"]
        if engine.dialect.name == "sqlite":
            lookup = "SELECT id FROM channel_accounts WHERE channel = 'telegram' AND chat_id = '7'"
            plan = await connection.execute(text(f"EXPLAIN QUERY PLAN {lookup}"))
            assert "ix_channel_accounts_chat" in " ".join(str(row[-1]) for row in plan)
