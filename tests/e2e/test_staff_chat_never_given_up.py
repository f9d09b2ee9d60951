"""The staff chat is never given up: its failure is retried, reported, and over once it is put right.

One 403 from the staff group used to put it in the sender's "unreachable" set for good: every later
card, relay and reminder was refused until a restart, rows were finalised as `unreachable`, a new
ticket's card stayed held forever, and adding the bot back changed nothing. Now only a private chat
is marked blocked; a staff-chat failure (403, 400 chat not found) is logged as an error and retried
with backoff, `healthcheck` shows it, and adding the bot back retries what waits at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.services.health import delivery_health
from bot.storage.models import OutboxMessage, OutboxStatus
from tests.e2e.test_staff_desk_telegram import STAFF_CHAT, file_complaint, in_thread, ticket_of
from tests.fakes.bot_api import FakeBotApi
from tests.support.telegram_bot import TelegramBotUnderTest

LAN = 1001
HA = 777


@pytest.fixture
async def desk_bot(api: FakeBotApi, sqlite_url: str,
                   telegram_library: str) -> AsyncIterator[TelegramBotUnderTest]:
    under_test = TelegramBotUnderTest(api, sqlite_url, library=telegram_library, staff_chat_id=STAFF_CHAT,
                                      staff_chat_is_forum=True)
    yield under_test
    await under_test.stop()


async def staff_rows(bot: TelegramBotUnderTest) -> list[OutboxMessage]:
    assert bot.app is not None
    async with bot.app.uow_factory() as uow:
        rows = (await uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == str(STAFF_CHAT)).order_by(OutboxMessage.id)
        )).all()
        uow.session.expunge_all()
        return list(rows)


async def wait_for_rows(bot: TelegramBotUnderTest, condition: Any, timeout: float = 10.0  # noqa: ASYNC109
                        ) -> list[OutboxMessage]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        rows = await staff_rows(bot)
        if condition(rows) or asyncio.get_running_loop().time() > deadline:
            return rows
        await asyncio.sleep(0.1)


async def health(bot: TelegramBotUnderTest) -> Any:
    assert bot.app is not None
    async with bot.app.uow_factory() as uow:
        return await delivery_health(uow, str(STAFF_CHAT))


async def test_a_staff_group_that_removed_the_bot_is_retried_and_served_once_it_is_back(
    api: FakeBotApi, desk_bot: TelegramBotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    await desk_bot.start()
    staff = api.add_forum_chat(STAFF_CHAT)
    staff.promote_bot()
    ha, lan = api.user(HA, "Hà"), api.user(LAN, "Lan")
    api.block_chat(STAFF_CHAT)  # the group removed the bot: every call there answers 403

    await file_complaint(api, lan, "Son bị gãy khi mở hộp")
    tried = await wait_for_rows(desk_bot, lambda rows: any(r.attempts >= 1 for r in rows))

    # Retried, not given up: nothing is final, the card waits (held) for its topic.
    assert tried and all(r.status in (OutboxStatus.PENDING, OutboxStatus.HELD) for r in tried)
    assert any(r.attempts >= 1 and "unreachable" in (r.last_error or "") for r in tried)
    assert any(r.status == OutboxStatus.HELD for r in tried)
    assert any(r.levelno == logging.ERROR and str(STAFF_CHAT) in r.getMessage() for r in caplog.records)
    report = await health(desk_bot)
    assert not report.staff_chat_ok and report.staff_failing >= 1
    assert any("FAILING" in line for line in report.report(desk_bot.app.clock.now()))  # type: ignore[union-attr]
    runtime = desk_bot.runtime
    assert runtime is not None
    assert str(STAFF_CHAT) not in runtime.sender._unreachable

    # The bot is added back: what waits is retried at once, not after its backoff.
    await asyncio.sleep(2.5)  # the topic's row now backs off for several seconds
    api.unblock_chat(STAFF_CHAT)
    staff.add_bot(ha)
    topic = await api.wait_for("createForumTopic", lambda c: c.ok, timeout=5)
    thread = topic.result["message_thread_id"]
    await api.wait_for("sendMessage", in_thread(STAFF_CHAT, thread, "Son bị gãy"), timeout=10)
    settled = await wait_for_rows(desk_bot, lambda rows: all(r.status == OutboxStatus.SENT for r in rows))
    assert all(r.status == OutboxStatus.SENT for r in settled)
    assert (await ticket_of(desk_bot)).staff_thread_id == thread
    assert (await health(desk_bot)).staff_chat_ok

    # And the group works as before: the customer's next message is relayed into the topic.
    lan.send_text("Em gửi thêm ảnh sau ạ")
    await api.wait_for("sendMessage", in_thread(STAFF_CHAT, thread, "Em gửi thêm ảnh sau"), timeout=10)


async def test_chat_not_found_from_the_staff_group_is_retried_not_dropped(
    api: FakeBotApi, desk_bot: TelegramBotUnderTest
) -> None:
    await desk_bot.start()
    staff = api.add_forum_chat(STAFF_CHAT)
    staff.promote_bot()
    lan = api.user(LAN, "Lan")
    api.fail_next("createForumTopic", 400, "Bad Request: chat not found", times=2)

    await file_complaint(api, lan, "Son bị gãy khi mở hộp")

    topic = await api.wait_for("createForumTopic", lambda c: c.ok, timeout=20)
    thread = topic.result["message_thread_id"]
    await api.wait_for("sendMessage", in_thread(STAFF_CHAT, thread, "Son bị gãy"), timeout=10)
    assert [c.status for c in api.calls_of("createForumTopic")] == [400, 400, 200]
    settled = await wait_for_rows(desk_bot, lambda rows: all(r.status == OutboxStatus.SENT for r in rows))
    assert all(r.status == OutboxStatus.SENT for r in settled)


async def test_a_customer_who_blocks_the_bot_is_still_marked_blocked(
    api: FakeBotApi, desk_bot: TelegramBotUnderTest
) -> None:
    await desk_bot.start()
    lan = api.user(LAN, "Lan")
    api.block_chat(LAN)
    lan.send_text("/help")
    await api.wait_for("sendMessage", lambda c: c.chat_id == LAN and c.status == 403, timeout=10)
    for _ in range(50):
        if await desk_bot.unreachable_since(LAN) is not None:
            break
        await asyncio.sleep(0.05)
    assert await desk_bot.unreachable_since(LAN) is not None
