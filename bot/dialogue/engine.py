"""The conversation core: one inbound event in, a list of actions out, in one unit of work.

Every channel (Telegram, the console, the test harness) calls `Conversation.handle`. The event's state
change, audit rows and outbox rows commit together; a retried delivery (same `event_key`) is ignored.
A channel that must not lose a reply to a crash (Telegram) calls `handle_recorded`: the reply itself
is written to the outbox in the turn's transaction, for the channel to send at once after the commit.

Only the event's claim (processed_events) says "duplicate", and it says so by claiming nothing, not
by an error. Any IntegrityError is something else: a race with a concurrent turn (two instances
creating the same row) is resolved by running the turn once more on what the other one committed;
when that fails too, or on any other failure, the turn is rolled back and becomes an apology with a
short incident id, while the traceback is logged under that id for the operator. A text longer
than any Telegram message (from the console, say) is read up to `MAX_TEXT_CHARS`, and the reply says
so first.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.config import Settings
from bot.dialogue.router import TurnRouter
from bot.dialogue.turn import Turn
from bot.i18n import Catalog, normalize_language
from bot.messages.actions import Action, Address, SendText
from bot.messages.events import MAX_TEXT_CHARS, InboundEvent
from bot.services.audit import record_access
from bot.services.conversations import begin_turn, claim_delivery, end_turn
from bot.services.outbox import RecordedReply, record_reply
from bot.storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

#: Handles events from the staff chat (the staff desk); returns the replies for that chat.
StaffHandler = Callable[[InboundEvent, UnitOfWork], Awaitable[list[Action]]]
#: Called in the turn's transaction, just before its commit, with the turn's reply.
BeforeCommit = Callable[[UnitOfWork, list[Action]], Awaitable[None]]


@dataclass(frozen=True)
class TurnReply:
    """What `handle_recorded` leaves the channel to send: the turn's reply as outbox rows, or, for a
    turn that failed and was rolled back (so nothing of it, not even its claim, was kept), an apology
    to send as it is."""

    recorded: RecordedReply | None = None
    apology: tuple[Action, ...] = ()


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
        """The turn's reply, for the channel to show (the console, the test harness)."""
        try:
            return await self._once_more_on_conflict(event, lambda: self._handle(event, None))
        except Exception:
            return self._apologise(event)

    async def handle_recorded(self, event: InboundEvent, *, lease: timedelta) -> TurnReply:
        """The turn, its reply written to the outbox in its transaction (see `record_reply`)."""
        recorded: list[RecordedReply] = []
        address = Address(event.channel, event.chat_id, event.thread_id)

        async def record(uow: UnitOfWork, actions: list[Action]) -> None:
            if actions:
                recorded[:] = [await record_reply(uow, self._clock, address, actions, lease=lease)]

        async def turn() -> list[Action]:
            recorded.clear()  # what a failed first run wrote was rolled back with it
            return await self._handle(event, record)

        try:
            await self._once_more_on_conflict(event, turn)
        except Exception:
            return TurnReply(apology=tuple(self._apologise(event)))
        return TurnReply(recorded=recorded[0] if recorded else None)

    async def _once_more_on_conflict(self, event: InboundEvent, turn: Callable[[], Awaitable[list[Action]]]
                                     ) -> list[Action]:
        try:
            return await turn()
        except IntegrityError:
            # Not a duplicate (the claim never raises): most likely a concurrent turn inserted the
            # same row first. Its transaction has committed, so the turn run again reads that row.
            log.warning("turn of %s event from user %s conflicted with a concurrent one; running it again",
                        event.channel, event.user_id, exc_info=True)
            return await turn()

    async def _handle(self, event: InboundEvent, before_commit: BeforeCommit | None) -> list[Action]:
        async with self._uow_factory() as uow:
            if not await claim_delivery(uow, self._clock, event):
                log.info("%s event %s was handled before: not answered again", event.channel, event.event_key)
                return []
            if self._is_staff_chat(event):
                actions = await self._staff_handler(event, uow) if self._staff_handler else []
                if before_commit is not None:
                    await before_commit(uow, actions)
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
            if before_commit is not None:
                await before_commit(uow, turn.actions)
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
