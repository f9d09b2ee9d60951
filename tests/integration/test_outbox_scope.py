"""A dispatcher claims only what it can deliver: its senders' channels, a console sender its own chat.

Runs on SQLite and PostgreSQL. Without this, a console chat would show another console user's staff
reply, and rows nobody in this process can deliver would be leased (hidden from the process that can)
and fill the batch.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.clock import ManualClock
from bot.delivery.dispatcher import OutboxDispatcher
from bot.messages.actions import Action, Address, SendText
from bot.services.outbox import enqueue
from bot.storage.uow import UnitOfWorkFactory


class Recorder:
    def __init__(self) -> None:
        self.delivered: list[tuple[Address, Action]] = []

    async def deliver(self, address: Address, action: Action) -> dict[str, Any]:
        self.delivered.append((address, action))
        return {}

    @property
    def texts(self) -> list[str]:
        return [action.text for _, action in self.delivered if isinstance(action, SendText)]


async def queue(uow_factory: UnitOfWorkFactory, clock: ManualClock, *messages: tuple[str, str, str]) -> None:
    async with uow_factory() as uow:
        for channel, chat, text in messages:
            await enqueue(uow, clock, Address(channel, chat), SendText(text))
        await uow.commit()


async def rows(uow_factory: UnitOfWorkFactory) -> list[tuple[str, str, bool]]:
    """(chat, status, leased) of every row."""
    async with uow_factory() as uow:
        return [(row.chat_id or "", row.status, row.locked_until is not None)
                for row in await uow.outbox.all()]


async def test_a_console_sender_gets_its_own_users_messages_only(
    uow_factory: UnitOfWorkFactory, clock: ManualClock
) -> None:
    # Older messages to users whose chats are gone: more than one batch of them.
    await queue(uow_factory, clock, *[("console", f"console-old-{n}", f"cũ {n}") for n in range(25)])
    await queue(uow_factory, clock, ("console", "console-lan", "cho Lan"), ("telegram", "42", "cho Telegram"))
    lan = Recorder()
    dispatcher = OutboxDispatcher(uow_factory, {}, clock, batch_size=20)
    dispatcher.add_sender("console", lan, chat_id="console-lan")
    await dispatcher.drain()
    assert lan.texts == ["cho Lan"]
    assert {address.chat_id for address, _ in lan.delivered} == {"console-lan"}
    # Nothing else was touched: not sent, not leased away from whoever can deliver it.
    others = [row for row in await rows(uow_factory) if row[0] != "console-lan"]
    assert len(others) == 26 and all(status == "pending" and not leased for _, status, leased in others)


async def test_a_channel_without_a_sender_is_left_to_another_process(
    uow_factory: UnitOfWorkFactory, clock: ManualClock
) -> None:
    await queue(uow_factory, clock, ("console", "console-lan", "cho Lan"), ("telegram", "42", "cho Telegram"))
    telegram = Recorder()
    await OutboxDispatcher(uow_factory, {"telegram": telegram}, clock).drain()  # the Telegram bot's process
    assert telegram.texts == ["cho Telegram"]
    assert ("console-lan", "pending", False) in await rows(uow_factory)
    console = Recorder()  # the chat's process, at once (no lease to wait out)
    chat = OutboxDispatcher(uow_factory, {}, clock)
    chat.add_sender("console", console, chat_id="console-lan")
    await chat.drain()
    assert console.texts == ["cho Lan"]
    idle = OutboxDispatcher(uow_factory, {}, clock)  # no sender at all: claims nothing
    assert await idle.run_once() == 0


async def test_delivering_in_the_background_while_waiting(
    uow_factory: UnitOfWorkFactory, clock: ManualClock
) -> None:
    lan = Recorder()
    dispatcher = OutboxDispatcher(uow_factory, {}, clock)
    dispatcher.add_sender("console", lan, chat_id="console-lan")
    async with dispatcher.delivering(poll_seconds=0.05):
        await queue(uow_factory, clock, ("console", "console-lan", "nhân viên trả lời"))
        for _ in range(200):
            if lan.texts:
                break
            await asyncio.sleep(0.05)
    assert lan.texts == ["nhân viên trả lời"]
    await queue(uow_factory, clock, ("console", "console-lan", "sau khi thoát"))
    await asyncio.sleep(0.2)
    assert lan.texts == ["nhân viên trả lời"]  # the background delivery stopped with the block
