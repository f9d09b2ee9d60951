"""Interactive messages before bulk ones in the outbox, on SQLite and PostgreSQL: the claim order,
the bulk delivery path, and a blocked chat's backlog given up in one go."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.clock import ManualClock
from bot.delivery.dispatcher import OutboxDispatcher
from bot.delivery.senders import RecipientUnreachable
from bot.messages.actions import Action, Address, SendText
from bot.services.outbox import enqueue, give_up_on_chat
from bot.storage.models import OutboxPriority, OutboxPurpose
from bot.storage.uow import UnitOfWorkFactory


class TwoWaySender:
    """Records whether each message went the interactive or the bulk way; 'blocked' chats refuse."""

    def __init__(self, blocked: tuple[str, ...] = ()) -> None:
        self.sent: list[tuple[str, str]] = []  # (way, text)
        self.blocked = blocked

    async def deliver(self, address: Address, action: Action) -> dict[str, Any]:
        return self._send("interactive", address, action)

    async def deliver_bulk(self, address: Address, action: Action) -> dict[str, Any]:
        return self._send("bulk", address, action)

    def _send(self, way: str, address: Address, action: Action) -> dict[str, Any]:
        if address.chat_id in self.blocked:
            raise RecipientUnreachable("403")
        assert isinstance(action, SendText)
        self.sent.append((way, action.text))
        return {"message_id": len(self.sent)}


async def queue(uow_factory: UnitOfWorkFactory, clock: ManualClock, chat: str, text: str, *,
                bulk: bool) -> None:
    async with uow_factory() as uow:
        if bulk:
            await enqueue(uow, clock, Address("telegram", chat), SendText(text),
                          purpose=OutboxPurpose.ORDER_UPDATE, priority=OutboxPriority.BULK)
        else:
            await enqueue(uow, clock, Address("telegram", chat), SendText(text))
        await uow.commit()


async def test_an_interactive_message_is_claimed_before_an_older_backlog(
    uow_factory: UnitOfWorkFactory, clock: ManualClock
) -> None:
    for number in range(30):
        await queue(uow_factory, clock, str(5000 + number), f"notice {number}", bulk=True)
    clock.advance(timedelta(seconds=5))
    await queue(uow_factory, clock, "42", "the reply", bulk=False)
    async with uow_factory() as uow:
        [first] = await uow.outbox.claim_due(clock.now(), limit=1, lease=timedelta(seconds=60))
        assert first.payload["text"] == "the reply"
        await uow.rollback()

    sender = TwoWaySender()
    dispatcher = OutboxDispatcher(uow_factory, {"telegram": sender}, clock, batch_size=10)
    await dispatcher.run_once()
    assert sender.sent[0] == ("interactive", "the reply")
    assert {way for way, _ in sender.sent[1:]} == {"bulk"}
    await dispatcher.drain()
    assert [text for _, text in sender.sent[1:]] == [f"notice {n}" for n in range(30)]  # in order


async def test_a_blocked_chat_gives_up_its_whole_backlog_with_the_first_refusal(
    uow_factory: UnitOfWorkFactory, clock: ManualClock
) -> None:
    for number in range(5):
        await queue(uow_factory, clock, "666", f"notice {number}", bulk=True)
    await queue(uow_factory, clock, "777", "for someone else", bulk=True)
    sender = TwoWaySender(blocked=("666",))
    dispatcher = OutboxDispatcher(uow_factory, {"telegram": sender}, clock, on_unreachable=give_up_on_chat)
    await dispatcher.drain()
    async with uow_factory() as uow:
        rows = [(row.chat_id, row.status, row.attempts) for row in await uow.outbox.all()]
    assert rows == [("666", "unreachable", 1), *[("666", "unreachable", 0)] * 4, ("777", "sent", 1)]
    assert sender.sent == [("bulk", "for someone else")]
