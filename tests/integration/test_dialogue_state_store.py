"""The turn's state and chat account are plain data written back only when changed, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.models import ChannelAccount, DialogueStateRow
from bot.storage.uow import UnitOfWorkFactory

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@contextmanager
def writes_to(engine: AsyncEngine, table: str) -> Iterator[list[str]]:
    """Collects the INSERT and UPDATE statements sent for `table` while the block runs."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        words = statement.split()
        if words and words[0] in ("INSERT", "UPDATE") and table in words[:3]:
            seen.append(words[0])

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_a_new_state_is_read_back_as_it_was_written(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        state = await uow.dialogue_states.create("telegram", "1001", language="vi")
        state.flow, state.step, state.data = "verify", "awaiting_code", {"tries": 1, "then": ["order", 2]}
        await uow.dialogue_states.save(state, NOW)
        await uow.commit()
    async with uow_factory() as uow:
        again = await uow.dialogue_states.get("telegram", "1001")
        row = await uow.session.get(DialogueStateRow, state.id)
        assert row is not None and row.updated_at == NOW
    assert again is not None and not again.changed
    assert (again.language, again.flow, again.step) == ("vi", "verify", "awaiting_code")
    assert again.data == {"tries": 1, "then": ["order", 2]}


async def test_a_turn_that_changes_nothing_writes_nothing(
    uow_factory: UnitOfWorkFactory, engine: AsyncEngine
) -> None:
    async with uow_factory() as uow:
        state = await uow.dialogue_states.create("telegram", "1001", language="vi")
        await uow.accounts.add_chat_account("telegram", "1001", chat_id="1001", display_name="Lan", now=NOW)
        await uow.commit()
    with writes_to(engine, "dialogue_states") as state_writes, writes_to(engine, "channel_accounts") as chats:
        async with uow_factory() as uow:
            found, chat, has_open_ticket = await uow.dialogue_states.for_turn("telegram", "1001")
            assert found is not None and chat is not None and has_open_ticket is False
            found.language = "vi"  # assigned, but the same value
            await uow.accounts.note_chat(chat, chat_id="1001", display_name="Lan")
            await uow.dialogue_states.save(found, NOW)
            await uow.commit()
    assert state_writes == [] and chats == []
    assert found.id == state.id


async def test_a_change_inside_the_data_is_saved(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        state = await uow.dialogue_states.create("telegram", "1001", language="vi")
        state.data = {"reminders": 0}
        await uow.dialogue_states.save(state, NOW)
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.dialogue_states.get("telegram", "1001")
        assert found is not None
        found.data["reminders"] += 1  # changed in place, not reassigned
        assert found.changed
        await uow.dialogue_states.save(found, NOW)
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.dialogue_states.get("telegram", "1001")
    assert found is not None and found.data == {"reminders": 1}


async def test_the_chat_account_follows_the_user(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.dialogue_states.create("telegram", "1001", language="vi")
        chat = await uow.accounts.add_chat_account(
            "telegram", "1001", chat_id="1001", display_name="Lan", now=NOW
        )
        account = await uow.accounts.by_id(chat.id)
        assert account is not None
        account.unreachable_since = NOW  # they had blocked the bot
        await uow.commit()
    async with uow_factory() as uow:
        _, chat, _ = await uow.dialogue_states.for_turn("telegram", "1001")
        assert chat is not None and chat.unreachable_since == NOW
        # They write again, from a new chat and without a name this time: the old name is kept.
        noted = await uow.accounts.note_chat(chat, chat_id="5005", display_name=None)
        await uow.commit()
    assert (noted.chat_id, noted.display_name, noted.unreachable_since) == ("5005", "Lan", None)
    async with uow_factory() as uow:
        stored = await uow.session.get(ChannelAccount, chat.id)
        assert stored is not None
        assert (stored.chat_id, stored.display_name, stored.unreachable_since) == ("5005", "Lan", None)


async def test_a_user_without_a_state_has_no_turn_rows(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        rows = await uow.dialogue_states.for_turn("telegram", "404")
        assert rows == (None, None, None)
        assert await uow.accounts.chat_account("telegram", "404") is None
