"""A chat user's place in the conversation, as each turn opens and closes.

Every inbound message claims its delivery (a retried delivery is answered once), reads its user's
dialogue state and chat account (and whether they have an open ticket) in one statement, and writes
the state back only when the turn changed it. State and account are plain data (`DialogueState`,
`ChatAccount`), defined by the storage that reads them; the dialogue reaches them through this
module, as it reaches everything stored through a service.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.domain.names import clean_name
from bot.i18n import normalize_language
from bot.messages.events import InboundEvent
from bot.storage.repositories.accounts import ChatAccount
from bot.storage.repositories.dialogue_states import DialogueState
from bot.storage.uow import UnitOfWork

__all__ = ["ChatAccount", "DialogueState", "TurnStart", "begin_turn", "claim_delivery", "end_turn"]

DISPLAY_NAME_MAX = 200


@dataclass(frozen=True)
class TurnStart:
    state: DialogueState
    chat: ChatAccount
    #: Whether the user had an open ticket as the turn began (read with the state); None if unknown.
    has_open_ticket: bool | None


async def claim_delivery(uow: UnitOfWork, clock: Clock, event: InboundEvent) -> bool:
    """False when this delivery (its `event_key`) was processed before: it is answered once."""
    if event.event_key is None:
        return True
    return await uow.processed_events.claim(event.channel, event.event_key, clock.now())


async def begin_turn(
    uow: UnitOfWork, clock: Clock, event: InboundEvent, *, default_language: str
) -> TurnStart:
    """The user's state and chat account, created on their first message and kept current after.

    The state row is held until the turn commits, so a concurrent turn of the same user (on another
    instance) waits for this one and then reads what it wrote.
    """
    state, chat, has_open_ticket = await uow.dialogue_states.for_turn(event.channel, event.user_id)
    if state is None:
        language = normalize_language(event.language_hint) or default_language
        state = await uow.dialogue_states.create(event.channel, event.user_id, language=language)
        if state is None:  # a concurrent first turn created it (and its account) and has committed
            state, chat, has_open_ticket = await uow.dialogue_states.for_turn(event.channel, event.user_id)
            if state is None:
                raise RuntimeError("dialogue state vanished between its creation and this turn")
        else:
            chat = await uow.accounts.chat_account(event.channel, event.user_id)
    if state.language is None:
        state.language = normalize_language(event.language_hint) or default_language
    # Whatever channel it came from, a name is stored without control or format characters.
    cleaned = clean_name(event.display_name)
    display_name = cleaned[:DISPLAY_NAME_MAX] if cleaned else None
    if chat is None:
        chat = await uow.accounts.add_chat_account(
            event.channel, event.user_id, chat_id=event.chat_id, display_name=display_name, now=clock.now(),
        )
    else:
        # Where they write from and under what name; that they wrote means they unblocked the bot.
        chat = await uow.accounts.note_chat(chat, chat_id=event.chat_id, display_name=display_name)
    return TurnStart(state, chat, has_open_ticket)


async def end_turn(uow: UnitOfWork, clock: Clock, state: DialogueState) -> None:
    """Write the state back if the turn changed it."""
    await uow.dialogue_states.save(state, clock.now())
