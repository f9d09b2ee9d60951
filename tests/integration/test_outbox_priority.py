"""Interactive messages before bulk ones in the outbox, on SQLite and PostgreSQL: the claim order,
the bulk delivery path, and a blocked chat's backlog given up in one go."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.delivery.dispatcher import OutboxDispatcher
from bot.delivery.senders import RecipientUnreachable
from bot.messages.actions import Action, Address, SendText
from bot.services.outbox import enqueue, give_up_on_chat
from bot.storage.models import OutboxPriority, OutboxPurpose, OutboxStatus
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


class GatedSender:
    """Bulk sends that finish only when the test lets them (chat "slow" waits for `release`), so the
    test can look at the outbox while some of a batch are still in flight."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.in_flight = 0
        self.most_in_flight = 0
        self.sent: list[tuple[str, str]] = []  # (way, chat)

    async def deliver(self, address: Address, action: Action) -> dict[str, Any]:
        self.sent.append(("interactive", address.chat_id))
        return {"message_id": len(self.sent)}

    async def deliver_bulk(self, address: Address, action: Action) -> dict[str, Any]:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0)  # every send of the batch starts before any ends
            if address.chat_id == "slow":
                await self.release.wait()
            self.sent.append(("bulk", address.chat_id))
            return {"message_id": len(self.sent)}
        finally:
            self.in_flight -= 1


async def test_bulk_rows_go_out_together_behind_the_replies_and_each_is_recorded_when_sent(
    uow_factory: UnitOfWorkFactory, clock: ManualClock
) -> None:
    """One pass: the interactive row first, then the bulk rows concurrently (the rate limiter, not a
    round trip each, sets their pace); every bulk row is marked sent as soon as its own send returns,
    while another of the batch is still on its way, so a crash then would send none of them again."""
    await queue(uow_factory, clock, "slow", "notice slow", bulk=True)
    for number in range(8):
        await queue(uow_factory, clock, str(6000 + number), f"notice {number}", bulk=True)
    await queue(uow_factory, clock, "42", "the reply", bulk=False)
    sender = GatedSender()
    dispatcher = OutboxDispatcher(uow_factory, {"telegram": sender}, clock, batch_size=20)
    running = asyncio.create_task(dispatcher.run_once())
    for _ in range(200):
        if len(sender.sent) == 9:
            break
        await asyncio.sleep(0.01)
    assert sender.sent[0] == ("interactive", "42")
    assert sorted(chat for _, chat in sender.sent[1:]) == [str(6000 + n) for n in range(8)]
    assert sender.most_in_flight == 9  # the whole bulk batch at once, not one after the other
    for _ in range(200):  # each outcome is committed by its own unit of work, not at the end
        async with uow_factory() as uow:
            rows = {row.chat_id: row.status for row in await uow.outbox.all()}
        if list(rows.values()).count(OutboxStatus.SENT) == 9:
            break
        await asyncio.sleep(0.01)
    assert rows == {"slow": OutboxStatus.PENDING, "42": OutboxStatus.SENT,
                    **{str(6000 + n): OutboxStatus.SENT for n in range(8)}}
    sender.release.set()
    assert await running == 10
    async with uow_factory() as uow:
        assert {row.status for row in await uow.outbox.all()} == {OutboxStatus.SENT}


async def test_a_bulk_batch_that_fails_to_record_one_row_keeps_the_others(
    uow_factory: UnitOfWorkFactory, clock: ManualClock
) -> None:
    """A failure recording one outcome (the database went away for it) does not undo the others':
    the pass reports it, the rows already recorded stay sent, the failed one is tried again later."""
    for number in range(3):
        await queue(uow_factory, clock, str(7000 + number), f"notice {number}", bulk=True)
    sender = TwoWaySender()

    async def broken_hook(uow: Any, row: Any, result: dict[str, Any]) -> None:
        if row.chat_id == "7001":
            raise RuntimeError("the database went away")

    dispatcher = OutboxDispatcher(uow_factory, {"telegram": sender}, clock, on_delivered=broken_hook)
    with pytest.raises(RuntimeError):
        await dispatcher.run_once()
    async with uow_factory() as uow:
        rows = {row.chat_id: (row.status, row.locked_until is not None) for row in await uow.outbox.all()}
    assert rows == {"7000": (OutboxStatus.SENT, False), "7001": (OutboxStatus.PENDING, True),
                    "7002": (OutboxStatus.SENT, False)}
