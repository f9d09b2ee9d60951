"""The Telegram channel around the conversation core, as `ConsoleChat` is for the terminal; the
same for both libraries (they hand it events and the membership changes their updates carry).

An event goes to `Conversation.handle_recorded`; while the core works longer than `typing_delay`, the
user sees "typing…". The reply was written to the outbox in the turn's transaction and is sent at once
to the chat (thread) the event came from (`OutboxDispatcher.deliver_now`); the channel returns, and
the update counts as done (confirmed to Telegram, answered 200), only after that commit.
Membership changes are the channel's own business: a user who blocks the bot is marked unreachable,
a group that adds the bot gets one polite note (only the staff chat is a place for the bot to work).
The staff chat is never given up (sender.py): the bot removed from it is logged as an error, and the
bot added back retries at once whatever waits for it there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from bot.channels.bot_api import CHANNEL
from bot.channels.bot_api.sender import BotApiSender
from bot.clock import Clock
from bot.config import Settings
from bot.delivery.dispatcher import OutboxDispatcher
from bot.dialogue.engine import Conversation
from bot.i18n import Catalog, normalize_language
from bot.messages.actions import Address, SendText
from bot.messages.events import InboundEvent
from bot.services import reachability
from bot.storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

TYPING_DELAY = 0.3
TYPING_REPEAT = 4.5  # Telegram shows a chat action for about 5 s
TURNS_AT_ONCE = 32  # conversation turns in flight at once (on PostgreSQL; SQLite: one)


class TelegramChannel:
    def __init__(
        self,
        conversation: Conversation,
        sender: BotApiSender,
        deliveries: OutboxDispatcher,
        *,
        texts: Catalog,
        settings: Settings,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        typing_delay: float = TYPING_DELAY,
    ) -> None:
        self._conversation = conversation
        self.sender = sender
        self._deliveries = deliveries
        self._reply_lease = timedelta(seconds=settings.reply_lease_seconds)
        self._texts = texts
        self._settings = settings
        self._uow_factory = uow_factory
        self._clock = clock
        self._typing_delay = typing_delay
        # SQLite takes one writer at a time and makes the others sleep-and-retry; queueing turns here
        # is far faster than letting them collide. PostgreSQL takes many.
        self.turns_at_once = 1 if settings.database_url.startswith("sqlite") else TURNS_AT_ONCE
        self._turns = asyncio.Semaphore(self.turns_at_once)

    async def handle(self, event: InboundEvent) -> None:
        if event.chat_kind == "private":
            self.sender.mark_reachable(event.chat_id)
        async with self._turns:
            # "typing…" is for a turn that is slow itself; a turn waiting its turn under load would
            # otherwise add a Bot API call per message just when the bot is busiest. A timer, not a
            # task: most turns end before it fires, and a timer costs next to nothing to cancel.
            typing: list[asyncio.Task[None]] = []
            timer = asyncio.get_running_loop().call_later(
                self._typing_delay,
                lambda: typing.append(asyncio.create_task(self._typing(event.chat_id, event.thread_id))),
            )
            try:
                reply = await self._conversation.handle_recorded(event, lease=self._reply_lease)
            finally:
                timer.cancel()
                for task in typing:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
        if reply.recorded is not None:
            await self._deliveries.deliver_now(reply.recorded)
        elif reply.apology:  # the failed turn kept nothing, so the apology is not kept either
            await self.sender.reply(Address(CHANNEL, event.chat_id, event.thread_id), list(reply.apology))

    async def private_chat_blocked(self, chat_id: str, blocked: bool) -> None:
        """my_chat_member in a private chat: the user blocked (kicked) or unblocked the bot."""
        async with self._uow_factory() as uow:
            if blocked:
                await reachability.mark_unreachable(uow, CHANNEL, chat_id, self._clock.now())
            else:
                await reachability.mark_reachable(uow, CHANNEL, chat_id)
            await uow.commit()
        if not blocked:
            self.sender.mark_reachable(chat_id)

    async def added_to_group(self, chat_id: str, language: str | None) -> None:
        """Someone added the bot to a group: one polite note, unless it is the staff chat."""
        if self._is_staff_chat(chat_id):
            retried = await self._deliveries.retry_chat_now(CHANNEL, chat_id)
            log.info("the bot was added back to the staff chat %s: %s waiting message(s) retried now",
                     chat_id, retried)
            return
        lang = normalize_language(language) or self._settings.default_language
        note = SendText(self._texts.text(lang, "telegram.group_note"))
        await self.sender.reply(Address(CHANNEL, chat_id), [note])

    async def removed_from_group(self, chat_id: str) -> None:
        """The bot left or was removed from a group: for the staff chat, the operator must act."""
        if self._is_staff_chat(chat_id):
            log.error("the bot was removed from the staff chat %s: tickets, relays and reminders wait "
                      "until it is added back", chat_id)

    def _is_staff_chat(self, chat_id: str) -> bool:
        staff = self._settings.staff_chat_id
        return staff is not None and chat_id == str(staff)

    async def _typing(self, chat_id: str, thread_id: int | None) -> None:
        while True:
            await self.sender.chat_action(chat_id, thread_id)
            await asyncio.sleep(TYPING_REPEAT)
