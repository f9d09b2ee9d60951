"""Queueing messages that must arrive, in the same transaction as the change that caused them."""

from __future__ import annotations

from bot.clock import Clock
from bot.messages.actions import Action, Address, action_to_payload
from bot.storage.models import OutboxMessage
from bot.storage.uow import UnitOfWork


async def enqueue(
    uow: UnitOfWork, clock: Clock, address: Address, action: Action, *, dedupe_key: str | None = None
) -> OutboxMessage:
    payload = action_to_payload(action)
    return await uow.outbox.add(
        OutboxMessage(
            channel=address.channel,
            kind=payload["kind"],
            chat_id=address.chat_id,
            thread_id=address.thread_id,
            payload=payload,
            dedupe_key=dedupe_key,
            next_attempt_at=clock.now(),
            created_at=clock.now(),
        )
    )
