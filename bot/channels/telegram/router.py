"""aiogram wiring: the handlers (translate, then hand over; no business logic), the middleware that
keeps each user's updates in order and skips duplicates, and one error handler per exception type.

Routers and dispatchers are built by functions, never at import, so tests can build as many as they
need. Handlers receive their dependencies by signature (`channel`, `translator`) from the
dispatcher's workflow data.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Dispatcher, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import CallbackQuery, ChatMemberUpdated, ErrorEvent, Message, TelegramObject, Update

from bot.channels.bot_api.channel import TelegramChannel
from bot.channels.bot_api.ordering import RecentUpdates, UserSequencer
from bot.channels.bot_api.updates import UpdateTranslator, sequence_key

log = logging.getLogger(__name__)

_JOINED = {"member", "administrator", "creator", "restricted"}


def create_router() -> Router:
    router = Router(name="telegram-channel")

    @router.message()
    async def on_message(message: Message, event_update: Update, channel: TelegramChannel,
                         translator: UpdateTranslator) -> None:
        event = translator.from_message(message, event_update.update_id)
        if event is not None:
            await channel.handle(event)

    @router.edited_message()
    async def on_edited_message(message: Message, event_update: Update, channel: TelegramChannel,
                                translator: UpdateTranslator) -> None:
        event = translator.from_message(message, event_update.update_id, is_edit=True)
        if event is not None:
            await channel.handle(event)

    @router.callback_query()
    async def on_callback_query(query: CallbackQuery, event_update: Update, channel: TelegramChannel,
                                translator: UpdateTranslator) -> None:
        try:
            event = translator.from_callback(query, event_update.update_id)
            if event is not None:
                await channel.handle(event)
        finally:  # every press is answered, or the client keeps spinning
            await channel.sender.answer_callback(query.id)

    @router.my_chat_member()
    async def on_my_chat_member(update: ChatMemberUpdated, channel: TelegramChannel) -> None:
        old, new = update.old_chat_member.status, update.new_chat_member.status
        chat_id = str(update.chat.id)
        if update.chat.type == "private":
            if new == "kicked" or old == "kicked":
                await channel.private_chat_blocked(chat_id, blocked=new == "kicked")
        elif update.chat.type in ("group", "supergroup") and new in _JOINED and old not in _JOINED:
            await channel.added_to_group(chat_id, update.from_user.language_code)
        elif update.chat.type in ("group", "supergroup") and old in _JOINED and new not in _JOINED:
            await channel.removed_from_group(chat_id)

    @router.channel_post()
    @router.edited_channel_post()
    async def on_channel_post(message: Message) -> None:
        return None  # channels are not a place for customer support

    @router.errors(ExceptionTypeFilter(TelegramAPIError))
    async def on_telegram_error(event: ErrorEvent) -> bool:
        incident = secrets.token_hex(4).upper()
        log.error("incident %s: Bot API error in update %s: %r", incident, event.update.update_id,
                  event.exception)
        return True

    @router.errors(ExceptionTypeFilter(Exception))
    async def on_unexpected_error(event: ErrorEvent) -> bool:
        incident = secrets.token_hex(4).upper()
        log.error("incident %s: unexpected error in update %s", incident, event.update.update_id,
                  exc_info=event.exception)
        return True

    return router


class OrderingMiddleware(BaseMiddleware):
    """Outer update middleware: skip an update id seen moments ago, then wait for this user's turn.

    It runs before anything in aiogram suspends, so the place in line follows the order in which
    updates were started, also when polling handles every update in its own task.
    """

    def __init__(self, sequencer: UserSequencer, recent: RecentUpdates) -> None:
        self._sequencer = sequencer
        self._recent = recent

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        if event.model_fields_set == {"update_id"}:
            return None  # an unreadable update reduced to its id (runner.py): nothing to handle
        if not self._recent.first_time(event.update_id):
            log.info("update %s seen moments ago: skipped", event.update_id)
            return None
        async with self._sequencer.turn(sequence_key(event)):
            return await handler(event, data)


def create_dispatcher(channel: TelegramChannel, translator: UpdateTranslator,
                      sequencer: UserSequencer, recent: RecentUpdates) -> Dispatcher:
    # No aiogram FSM: the conversation state lives in the database (bot/dialogue), and one user's
    # updates are kept in order by our OrderingMiddleware, which also works across restarts. The FSM
    # middleware would add an unused state lookup and a second per-user lock to every update.
    dispatcher = Dispatcher(channel=channel, translator=translator, disable_fsm=True)
    dispatcher.update.outer_middleware(OrderingMiddleware(sequencer, recent))
    dispatcher.include_router(create_router())
    return dispatcher
