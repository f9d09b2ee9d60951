"""The scripted conversations played through the real Telegram channel, as a customer meets the bot.

One bot (the real channel on aiogram or python-telegram-bot, long-polling the fake Bot API over HTTP,
an embedded SQLite database seeded once) serves every conversation of a test module or a benchmark
run; each conversation is a new Telegram user (a fresh user id), so nothing of one reaches the next.
A message is a `message` update, a contact a contact card, a button a `callback_query` on the very
Telegram message that carried it (`FakeUser.press_button` refuses a button that message lacks).

A turn is over once the bot has recorded the update as processed (its reply is committed in the same
unit of work) and every outbox row it wrote to the customer's chat has left the outbox. The reply is
read back from those rows (the catalogue keys they were rendered from, as the harness reads them),
and each must have reached the fake server: what is measured is what the customer got.

    async with TelegramConversations.running(sqlite_url) as telegram:
        result = await run_conversation(telegram.customer(conversation), conversation, telegram.knowledge)
"""

from __future__ import annotations

import asyncio
import functools
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import func, select

from bot.clock import Clock
from bot.messages.actions import action_from_payload
from bot.storage.models import OutboxMessage, OutboxStatus, ProcessedEvent, Ticket
from tests.fakes.bot_api import FakeBotApi, FakeUser
from tests.support.conversations import Conversation, seed_customers
from tests.support.harness import Reply
from tests.support.telegram_bot import TelegramBotUnderTest, understander

__all__ = ["STAFF_CHAT", "TelegramConversations", "TelegramCustomer"]

STAFF_CHAT = -1001  # a forum, as the harness's settings say
TURN_TIMEOUT = 15.0  # seconds; a turn on a loaded 2-core machine takes well under one
_WAITING = (OutboxStatus.PENDING, OutboxStatus.HELD)
_user_ids = itertools.count(700_001)


class TelegramConversations:
    """The bot under test and the fake Bot API it polls, shared by many conversations."""

    def __init__(self, api: FakeBotApi, bot: TelegramBotUnderTest) -> None:
        self.api = api
        self.bot = bot

    @classmethod
    @asynccontextmanager
    async def running(cls, database_url: str, *, library: str = "aiogram",
                      clock: Clock | None = None) -> AsyncIterator[TelegramConversations]:
        async with FakeBotApi() as api:
            api.add_forum_chat(STAFF_CHAT).promote_bot()
            bot = TelegramBotUnderTest(api, database_url, library=library, clock=clock,
                                       staff_chat_id=STAFF_CHAT, staff_chat_is_forum=True)
            await bot.start()
            try:
                assert bot.app is not None
                await seed_customers(bot.app.uow_factory)
                yield cls(api, bot)
            finally:
                await bot.stop()
            api.assert_no_violations()

    @property
    def knowledge(self) -> Any:
        return understander().knowledge  # type: ignore[attr-defined]

    def customer(self, conversation: Conversation, name: str = "Lan") -> TelegramCustomer:
        """A Telegram user the bot has never seen, speaking the conversation's language."""
        return TelegramCustomer(self, self.api.user(next(_user_ids), name, conversation.language))


class TelegramCustomer:
    """One customer's side of a conversation over Telegram (a `ChatCustomer`)."""

    def __init__(self, telegram: TelegramConversations, user: FakeUser) -> None:
        self._telegram = telegram
        self._user = user
        self.problems: list[str] = []

    @property
    def _app(self) -> Any:
        assert self._telegram.bot.app is not None
        return self._telegram.bot.app

    async def says(self, text: str) -> Reply:
        return await self._turn(lambda: self._user.send_text(text)["update_id"])

    async def shares_contact(self, phone: str) -> Reply:
        return await self._turn(lambda: self._user.share_contact(phone)["update_id"])

    async def presses(self, reply: Reply, key: str) -> Reply:
        """Press the button labelled `key` on the Telegram message of the last reply that carries it."""
        data = reply.button(key)
        for message in reversed(self._telegram.api.bot_messages(self._user.id)):
            buttons = [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]
            if any(b.get("callback_data") == data for b in buttons):
                return await self._turn(functools.partial(self._press, message, data))
        raise LookupError(f"no Telegram message in chat {self._user.id} carries the button {data!r}")

    def _press(self, message: dict[str, Any], data: str) -> int:
        self._user.press_button(message, data)
        # Injected just now, with no await in between: the poller cannot have taken it yet.
        return int(self._telegram.api.pending_updates[-1]["update_id"])

    async def tickets(self) -> list[Ticket]:
        """The tickets this customer's Telegram account opened, oldest first."""
        async with self._app.uow_factory() as uow:
            mine = select(Ticket).where(Ticket.channel_user_id == str(self._user.id)).order_by(Ticket.id)
            rows = list((await uow.session.scalars(mine)).all())
            uow.session.expunge_all()
            return rows

    async def _turn(self, send: Any) -> Reply:
        chat = str(self._user.id)
        async with self._app.uow_factory() as uow:
            watermark = await uow.session.scalar(select(func.coalesce(func.max(OutboxMessage.id), 0)))
        update_id = send()
        deadline = asyncio.get_running_loop().time() + TURN_TIMEOUT
        while True:
            async with self._app.uow_factory() as uow:
                done = await uow.session.scalar(select(ProcessedEvent.id).where(
                    ProcessedEvent.channel == "telegram", ProcessedEvent.event_key == str(update_id)))
                rows = list((await uow.session.scalars(select(OutboxMessage).where(
                    OutboxMessage.id > watermark, OutboxMessage.channel == "telegram",
                    OutboxMessage.chat_id == chat).order_by(OutboxMessage.id))).all())
            if done is not None and rows and all(r.status not in _WAITING for r in rows):
                break
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"update {update_id}: no complete reply within {TURN_TIMEOUT} s "
                                     f"(processed: {done is not None}, rows: {[r.status for r in rows]})")
            await asyncio.sleep(0.01)
        for row in rows:
            delivered = (row.result or {}).get("message_ids") or [None]
            if row.status != OutboxStatus.SENT or any(
                    self._telegram.api.store.message(self._user.id, m) is None for m in delivered):
                self.problems.append(f"a reply never reached Telegram ({row.status}): {row.payload!r}")
        return Reply([action_from_payload(row.payload) for row in rows])
