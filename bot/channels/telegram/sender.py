"""Performing Bot API calls under Telegram's limits, for direct replies and for the outbox.

Every message goes through the one `RateLimiter`. Failures, by type:

| aiogram error                          | direct reply                   | outbox delivery (`deliver`)      |
|----------------------------------------|--------------------------------|----------------------------------|
| TelegramRetryAfter (429)               | wait retry_after, retry (bound)| RetryLater(after=retry_after)    |
| TelegramNetworkError / ServerError 5xx | retry with backoff (bound)     | a few quick retries, RetryLater  |
| TelegramForbiddenError (403, blocked)  | mark unreachable, stop         | mark unreachable, RecipientUnr.  |
| TelegramBadRequest and other API errors| log, skip that action          | PermanentFailure                 |

A direct reply that still cannot be sent when the bound is reached is not dropped: what is left of
it is written to the outbox, which delivers it once Telegram answers again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import EditMessageReplyMarkup, SendChatAction
from aiogram.types import ForumTopic, Message

from bot.channels.telegram import CHANNEL
from bot.channels.telegram.rate_limit import RateLimiter
from bot.channels.telegram.rendering import NotForTelegram, Step, one_message_each, render_one
from bot.clock import Clock
from bot.delivery.senders import PermanentFailure, RecipientUnreachable, RetryLater
from bot.messages.actions import Action, Address
from bot.services import reachability
from bot.services.outbox import enqueue
from bot.storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

DIRECT_MAX_WAIT = 30.0  # seconds a direct reply may wait out 429s and outages before the outbox
DIRECT_ATTEMPTS = 6
OUTBOX_ATTEMPTS = 2
BACKOFF_FIRST = 0.25


class TelegramSender:
    def __init__(
        self,
        bot: Bot,
        limiter: RateLimiter,
        *,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        on_enqueued: Callable[[], None] | None = None,
        direct_max_wait: float = DIRECT_MAX_WAIT,
    ) -> None:
        self.bot = bot
        self._limiter = limiter
        self._uow_factory = uow_factory
        self._clock = clock
        self._on_enqueued = on_enqueued
        self._direct_max_wait = direct_max_wait
        self._unreachable: set[str] = set()

    # -- direct replies -------------------------------------------------------------------------

    async def reply(self, address: Address, actions: list[Action]) -> None:
        """Send the answer to the message being handled; what cannot be sent now goes to the outbox."""
        actions = [part for action in actions for part in one_message_each(action)]
        for index, action in enumerate(actions):
            try:
                await self._perform(address, action, patient=True)
            except RecipientUnreachable:
                return
            except RetryLater as exc:
                log.warning("reply to chat %s deferred to the outbox: %s", address.chat_id, exc)
                await self._defer(address, actions[index:])
                return
            except (PermanentFailure, NotForTelegram) as exc:
                log.error("reply action %s to chat %s dropped: %s", type(action).__name__,
                          address.chat_id, exc)

    async def chat_action(self, chat_id: str, thread_id: int | None = None) -> None:
        """Best effort "typing…": not a message, not retried, never raises."""
        if chat_id in self._unreachable:
            return
        try:
            await self.bot(SendChatAction(chat_id=int(chat_id), action="typing", message_thread_id=thread_id))
        except (TelegramAPIError, ValueError) as exc:
            log.debug("chat action for %s failed: %r", chat_id, exc)

    async def call_quietly(self, method: Any) -> None:
        """A call whose failure changes nothing for the user (answerCallbackQuery)."""
        try:
            await self.bot(method)
        except TelegramAPIError as exc:
            log.info("%s failed: %r", type(method).__name__, exc)

    def mark_reachable(self, chat_id: str) -> None:
        """The user wrote to us: they have not blocked the bot (any more)."""
        self._unreachable.discard(chat_id)

    # -- outbox ---------------------------------------------------------------------------------

    async def deliver(self, address: Address, action: Action) -> dict[str, Any]:
        """The outbox `Sender`: one action, raising the dispatcher's delivery errors."""
        if address.chat_id in self._unreachable or await self._marked_unreachable(address.chat_id):
            raise RecipientUnreachable(f"chat {address.chat_id} blocked the bot")
        parts = one_message_each(action)
        result: dict[str, Any] = {}
        for index, part in enumerate(parts):
            try:
                sent = await self._perform(address, part, patient=False)
            except NotForTelegram as exc:
                raise PermanentFailure(str(exc)) from None
            except RetryLater as exc:
                if index == 0:
                    raise
                # Earlier parts arrived: this row is done, and what is left becomes rows of its own,
                # so a retry does not send the delivered parts again.
                log.warning("delivery to chat %s interrupted after %s of %s parts: %s", address.chat_id,
                            index, len(parts), exc)
                await self._defer(address, parts[index:])
                break
            if sent.get("message_ids"):
                result.setdefault("message_ids", []).extend(sent["message_ids"])
            if "thread_id" in sent:
                result["thread_id"] = sent["thread_id"]
        return result

    # -- calls ----------------------------------------------------------------------------------

    async def _perform(self, address: Address, action: Action, *, patient: bool) -> dict[str, Any]:
        if address.chat_id in self._unreachable:
            raise RecipientUnreachable(f"chat {address.chat_id} blocked the bot")
        result: dict[str, Any] = {}
        for step in render_one(action, address):
            sent = await self._call(step, address, patient=patient)
            if isinstance(sent, Message):
                result.setdefault("message_ids", []).append(sent.message_id)
                if step.then_keyboard is not None:
                    follow = Step(EditMessageReplyMarkup(chat_id=sent.chat.id, message_id=sent.message_id,
                                                         reply_markup=step.then_keyboard), is_message=False)
                    await self._call(follow, address, patient=patient)
            elif isinstance(sent, ForumTopic):
                result["thread_id"] = sent.message_thread_id
        return result

    async def _call(self, step: Step, address: Address, *, patient: bool) -> Any:
        attempts = DIRECT_ATTEMPTS if patient else OUTBOX_ATTEMPTS
        waited = 0.0
        for attempt in range(1, attempts + 1):
            if step.is_message:
                await self._limiter.acquire(address.chat_id)
            try:
                return await self.bot(step.method)
            except TelegramRetryAfter as exc:
                if not patient or waited + exc.retry_after > self._direct_max_wait:
                    raise RetryLater("flood limit (429)", after=float(exc.retry_after)) from None
                log.info("429 for chat %s: waiting %ss", address.chat_id, exc.retry_after)
                waited += exc.retry_after
                await asyncio.sleep(exc.retry_after)
            except TelegramForbiddenError as exc:
                await self._mark_unreachable(address.chat_id)
                raise RecipientUnreachable(str(exc)) from None
            except (TelegramNetworkError, TelegramServerError) as exc:
                delay = BACKOFF_FIRST * 2 ** (attempt - 1)
                if attempt == attempts or waited + delay > self._direct_max_wait:
                    raise RetryLater(f"Telegram unavailable: {exc!r}") from None
                waited += delay
                await asyncio.sleep(delay)
            except TelegramAPIError as exc:
                raise PermanentFailure(f"{type(step.method).__name__}: {exc}") from None
        raise RetryLater("still flooded after retries")

    async def _mark_unreachable(self, chat_id: str) -> None:
        self._unreachable.add(chat_id)
        log.info("chat %s blocked the bot: marked unreachable", chat_id)
        try:
            async with self._uow_factory() as uow:
                await reachability.mark_unreachable(uow, CHANNEL, chat_id, self._clock.now())
                await uow.commit()
        except Exception:
            log.exception("could not record chat %s as unreachable", chat_id)

    async def _marked_unreachable(self, chat_id: str) -> bool:
        async with self._uow_factory() as uow:
            return await reachability.is_unreachable(uow, CHANNEL, chat_id)

    async def _defer(self, address: Address, actions: list[Action]) -> None:
        async with self._uow_factory() as uow:
            for action in actions:
                await enqueue(uow, self._clock, address, action)
            await uow.commit()
        if self._on_enqueued is not None:
            self._on_enqueued()
