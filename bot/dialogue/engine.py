"""The conversation core: one inbound event in, a list of actions out, in one unit of work.

Every channel (Telegram, the console, the test harness) calls `Conversation.handle`. The event's state
change, audit rows and outbox rows commit together; a retried delivery (same `event_key`) is ignored;
an unexpected failure is rolled back and becomes an apology with a short incident id, while the
traceback is logged under that id for the operator. A text longer than any Telegram message (from
the console, say) is read up to `MAX_TEXT_CHARS`, and the reply says so first.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.config import Settings
from bot.dialogue.router import TurnRouter
from bot.dialogue.turn import Turn
from bot.i18n import Catalog, normalize_language
from bot.messages.actions import Action, SendText
from bot.messages.events import MAX_TEXT_CHARS, InboundEvent
from bot.services.audit import record_access
from bot.services.conversations import begin_turn, claim_delivery, end_turn
from bot.storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

#: Handles events from the staff chat (the staff desk); returns the replies for that chat.
StaffHandler = Callable[[InboundEvent, UnitOfWork], Awaitable[list[Action]]]


class Conversation:
    def __init__(
        self,
        *,
        uow_factory: UnitOfWorkFactory,
        texts: Catalog,
        settings: Settings,
        clock: Clock,
        router: TurnRouter,
        staff_handler: StaffHandler | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._texts = texts
        self._settings = settings
        self._clock = clock
        self._router = router
        self._staff_handler = staff_handler

    async def handle(self, event: InboundEvent) -> list[Action]:
        try:
            return await self._handle(event)
        except IntegrityError:
            if event.event_key is not None:
                # Two deliveries of the same update raced; the other one won and answered.
                log.info("duplicate delivery of %s:%s ignored", event.channel, event.event_key)
                return []
            return self._apologise(event)
        except Exception:
            return self._apologise(event)

    async def _handle(self, event: InboundEvent) -> list[Action]:
        async with self._uow_factory() as uow:
            if not await claim_delivery(uow, self._clock, event):
                return []
            if self._is_staff_chat(event):
                actions = await self._staff_handler(event, uow) if self._staff_handler else []
                await uow.commit()
                return actions
            if event.chat_kind != "private":
                if event.button is not None:
                    # The bot posts no buttons in other groups: a press there is a forwarded staff card
                    # or forged data. Nothing is done, but the attempt is written down.
                    record_access(
                        uow,
                        self._clock,
                        actor=f"{event.channel}:{event.user_id}",
                        action="buttons.refused",
                        customer_id=None,
                        purpose="a button pressed in a group that is not the staff chat",
                        button=event.button[:64],
                        chat_id=event.chat_id[:64],
                    )
                await uow.commit()
                return []  # groups other than the staff chat are not a place for personal data
            if event.is_edit:
                await uow.commit()
                return []  # answering an edit would repeat or contradict the earlier answer
            turn = await self._open_turn(event, uow)
            await self._router.route(turn)
            if event.text_was_cut:  # said first: only the beginning was read
                limit = f"{MAX_TEXT_CHARS:,}".replace(",", "." if turn.language == "vi" else ",")
                turn.actions.insert(0, SendText(turn.t("core.text_cut", limit=limit)))
            await end_turn(uow, self._clock, turn.state)
            await uow.commit()
            return turn.actions

    async def _open_turn(self, event: InboundEvent, uow: UnitOfWork) -> Turn:
        start = await begin_turn(uow, self._clock, event, default_language=self._settings.default_language)
        return Turn(
            event=event,
            state=start.state,
            chat=start.chat,
            uow=uow,
            texts=self._texts,
            settings=self._settings,
            clock=self._clock,
            has_open_ticket=start.has_open_ticket,
        )

    def _is_staff_chat(self, event: InboundEvent) -> bool:
        staff_chat = self._settings.staff_chat_id
        return staff_chat is not None and event.chat_id == str(staff_chat)

    def _apologise(self, event: InboundEvent) -> list[Action]:
        incident = secrets.token_hex(4).upper()
        log.exception(
            "incident %s while handling %s event from user %s", incident, event.channel, event.user_id
        )
        language = normalize_language(event.language_hint) or self._settings.default_language
        return [SendText(self._texts.text(language, "core.internal_error", incident=incident))]
