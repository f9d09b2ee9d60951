"""The outbox delivers what must arrive: retries, honours retry_after, stops for blocked users."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from bot.clock import ManualClock
from bot.delivery.dispatcher import OutboxDispatcher
from bot.delivery.senders import PermanentFailure, RecipientUnreachable, RetryLater
from bot.messages.actions import Action, Address, SendText
from bot.services.outbox import enqueue
from bot.storage.uow import UnitOfWorkFactory

TO = Address("telegram", "42")


class ScriptedSender:
    """Fails as scripted, then succeeds; records successful deliveries."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.delivered: list[tuple[Address, Action]] = []
        self.calls = 0

    async def deliver(self, address: Address, action: Action) -> dict[str, Any]:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        self.delivered.append((address, action))
        return {"message_id": len(self.delivered)}


async def _queue(
    uow_factory: UnitOfWorkFactory, clock: ManualClock, text: str, key: str | None = None
) -> None:
    async with uow_factory() as uow:
        await enqueue(uow, clock, TO, SendText(text), dedupe_key=key)
        await uow.commit()


async def _statuses(uow_factory: UnitOfWorkFactory) -> list[str]:
    async with uow_factory() as uow:
        return [row.status for row in await uow.outbox.all()]


async def test_delivers_and_marks_sent(uow_factory: UnitOfWorkFactory, clock: ManualClock) -> None:
    sender = ScriptedSender()
    await _queue(uow_factory, clock, "một")
    await _queue(uow_factory, clock, "hai")
    await OutboxDispatcher(uow_factory, {"telegram": sender}, clock).drain()
    assert [action.text for _, action in sender.delivered] == ["một", "hai"]  # type: ignore[union-attr]
    assert await _statuses(uow_factory) == ["sent", "sent"]


async def test_dedupe_key_queues_once(uow_factory: UnitOfWorkFactory, clock: ManualClock) -> None:
    await _queue(uow_factory, clock, "x", key="ticket:1:card")
    await _queue(uow_factory, clock, "x", key="ticket:1:card")
    assert len(await _statuses(uow_factory)) == 1


async def test_retry_after_is_honoured(uow_factory: UnitOfWorkFactory, clock: ManualClock) -> None:
    sender = ScriptedSender(RetryLater("429", after=30))
    dispatcher = OutboxDispatcher(uow_factory, {"telegram": sender}, clock)
    await _queue(uow_factory, clock, "flood")
    await dispatcher.drain()
    assert sender.delivered == []
    clock.advance(timedelta(seconds=29))
    await dispatcher.drain()
    assert sender.delivered == [] and sender.calls == 1
    clock.advance(timedelta(seconds=2))
    await dispatcher.drain()
    assert len(sender.delivered) == 1


async def test_transient_errors_back_off_then_deliver(
    uow_factory: UnitOfWorkFactory, clock: ManualClock
) -> None:
    sender = ScriptedSender(ConnectionError("down"), ConnectionError("down"))
    dispatcher = OutboxDispatcher(uow_factory, {"telegram": sender}, clock)
    await _queue(uow_factory, clock, "kiên nhẫn")
    for _ in range(3):
        await dispatcher.drain()
        clock.advance(timedelta(minutes=5))
    assert len(sender.delivered) == 1
    assert await _statuses(uow_factory) == ["sent"]


async def test_gives_up_after_max_attempts(uow_factory: UnitOfWorkFactory, clock: ManualClock) -> None:
    sender = ScriptedSender(*[ConnectionError("down")] * 5)
    dispatcher = OutboxDispatcher(uow_factory, {"telegram": sender}, clock, max_attempts=3)
    await _queue(uow_factory, clock, "x")
    for _ in range(5):
        await dispatcher.drain()
        clock.advance(timedelta(hours=1))
    assert sender.calls == 3
    assert await _statuses(uow_factory) == ["dead"]


async def test_unreachable_and_rejected_messages_stop(
    uow_factory: UnitOfWorkFactory, clock: ManualClock
) -> None:
    seen: list[int] = []

    async def on_unreachable(uow: Any, row: Any) -> None:
        seen.append(row.id)

    sender = ScriptedSender(RecipientUnreachable("blocked"), PermanentFailure("bad request"))
    dispatcher = OutboxDispatcher(uow_factory, {"telegram": sender}, clock, on_unreachable=on_unreachable)
    await _queue(uow_factory, clock, "a")
    await _queue(uow_factory, clock, "b")
    await dispatcher.drain()
    clock.advance(timedelta(hours=1))
    await dispatcher.drain()
    assert sender.calls == 2
    assert await _statuses(uow_factory) == ["unreachable", "dead"]
    assert len(seen) == 1


async def test_survives_a_restart(uow_factory: UnitOfWorkFactory, clock: ManualClock) -> None:
    await _queue(uow_factory, clock, "còn đó")
    crashed = ScriptedSender(ConnectionError("outage"))
    await OutboxDispatcher(uow_factory, {"telegram": crashed}, clock).drain()
    clock.advance(timedelta(minutes=1))
    fresh = ScriptedSender()  # a new process, same database
    await OutboxDispatcher(uow_factory, {"telegram": fresh}, clock).drain()
    assert len(fresh.delivered) == 1


async def test_concurrent_dispatchers_send_each_message_once(
    uow_factory: UnitOfWorkFactory, clock: ManualClock
) -> None:
    for number in range(30):
        await _queue(uow_factory, clock, f"tin {number}")
    first, second = ScriptedSender(), ScriptedSender()
    await asyncio.gather(
        OutboxDispatcher(uow_factory, {"telegram": first}, clock, batch_size=5).drain(),
        OutboxDispatcher(uow_factory, {"telegram": second}, clock, batch_size=5).drain(),
    )
    texts = [a.text for _, a in first.delivered + second.delivered]  # type: ignore[union-attr]
    assert sorted(texts) == sorted(f"tin {n}" for n in range(30))


async def test_messages_to_one_chat_keep_their_order_through_a_retry(
    uow_factory: UnitOfWorkFactory, clock: ManualClock
) -> None:
    sender = ScriptedSender(RetryLater("502"))
    dispatcher = OutboxDispatcher(uow_factory, {"telegram": sender}, clock)
    await _queue(uow_factory, clock, "phần 1")
    await _queue(uow_factory, clock, "phần 2")
    async with uow_factory() as uow:
        await enqueue(uow, clock, Address("telegram", "43"), SendText("chat khác"))
        await uow.commit()
    await dispatcher.drain()  # "phần 1" fails and backs off: "phần 2" waits for it, chat 43 does not
    assert [action.text for _, action in sender.delivered] == ["chat khác"]  # type: ignore[union-attr]
    clock.advance(timedelta(minutes=5))
    await dispatcher.drain()
    assert [action.text for _, action in sender.delivered] == [  # type: ignore[union-attr]
        "chat khác", "phần 1", "phần 2"
    ]
