"""The outbox dispatcher: claims due messages, delivers them, retries with backoff, survives restarts.

Each message is leased before delivery so that several dispatchers (several instances) never send the
same row at once; a crash mid-delivery releases the lease when it expires. A `RetryLater` with an
`after` (Telegram's retry_after) is honoured exactly; other transient failures back off exponentially.
After `max_attempts` a message is marked dead and logged for the operator, unless the failure is the
chat's (`RetryLater.never_give_up`, the staff group): that one is retried, backing off to
`BACKOFF_MAX_SECONDS`, until the chat is put right (`retry_chat_now` when the bot is added back).

A dispatcher claims only messages it has a sender for: a channel it has no sender for (a console
chat's messages in the Telegram bot's process, say) is left to the process that has one. A sender
added for one chat (`add_sender(..., chat_id=...)`, a console chat and its own user) gets only that
chat's messages, so another console user's reply is never shown in this terminal.

A document's bytes are stored beside its row (`bot.services.outbox`, `outbox_files`) and read with the
claim; bytes that are gone or no longer match their SHA-256 make the row dead, never a wrong file sent.

Replies before broadcasts. Interactive messages are claimed before bulk ones (`OutboxPriority`, in
the claim's order) and delivered first, one after the other as before. The bulk rows of the pass
follow as a batch sent concurrently, each through the sender's `deliver_bulk` when it has one
(`BulkSender`: the Telegram sender, whose rate limiter makes them wait while a reply waits and
leaves part of the per-second budget to replies): a backlog drains at Telegram's rate instead of a
round trip's, and never holds up a reply to a customer who is talking to the bot. Each bulk row's
outcome is recorded in a unit of work of its own the moment its send returns, never with the
batch's: a crash mid-batch leaves every notification that went out marked sent, so none is sent
twice (at most the sends in flight at the crash, as for any outbox row).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.delivery.senders import (
    SEND_DEADLINE,
    BulkSender,
    PermanentFailure,
    RecipientUnreachable,
    RetryLater,
    Sender,
)
from bot.messages.actions import Address
from bot.services.outbox import (
    DocumentUnavailable,
    RecordedReply,
    StoredDocuments,
    document_action,
    stored_documents,
)
from bot.storage.models import OutboxMessage, OutboxPriority, OutboxStatus
from bot.storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
LEASE_MARGIN = timedelta(seconds=10)  # no send starts this close to the end of its row's lease
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 600.0

#: Called after a delivery succeeds, in the same unit of work that marks the row sent, so a
#: result (the id of a new forum topic) is stored exactly when the delivery is recorded; the
#: application's is `bot.services.outbox.DeliveryHooks`, which dispatches on the row's purpose.
DeliveryHook = Callable[[Any, OutboxMessage, dict[str, Any]], Awaitable[None]]
#: Called when a recipient is unreachable (blocked the bot).
UnreachableHook = Callable[[Any, OutboxMessage], Awaitable[None]]


@dataclass(frozen=True)
class _Outcome:
    """What one delivery attempt came to: a final status, or None for "try again later"."""

    status: OutboxStatus | None
    result: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    delay: float | None = None
    never_give_up: bool = False


def backoff_seconds(attempts: int) -> float:
    return float(min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS))


class OutboxDispatcher:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        senders: Mapping[str, Sender],
        clock: Clock,
        *,
        max_attempts: int = 20,
        batch_size: int = 20,
        on_delivered: DeliveryHook | None = None,
        on_unreachable: UnreachableHook | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._senders = dict(senders)
        self._clock = clock
        self._max_attempts = max_attempts
        self._batch_size = batch_size
        self._on_delivered = on_delivered
        self._on_unreachable = on_unreachable
        self._wake = asyncio.Event()
        self._only_chat: dict[str, str] = {}
        self._wake_listeners: list[Callable[[], None]] = []

    def add_sender(self, channel: str, sender: Sender, *, chat_id: str | None = None) -> None:
        """Deliver the channel's messages with `sender`; with `chat_id`, only that chat's."""
        self._senders[channel] = sender
        if chat_id is None:
            self._only_chat.pop(channel, None)
        else:
            self._only_chat[channel] = chat_id

    @property
    def scope(self) -> tuple[tuple[str, str | None], ...]:
        """The (channel, chat id or None for all) pairs this dispatcher claims messages for."""
        return tuple(sorted((channel, self._only_chat.get(channel)) for channel in self._senders))

    def nudge(self) -> None:
        """Something was just queued: deliver it now rather than at the next poll."""
        self._wake.set()
        for listener in self._wake_listeners:
            listener()

    def on_nudge(self, listener: Callable[[], None]) -> None:
        """Also call `listener` on a nudge (a runtime that runs the passes itself wakes its loop)."""
        self._wake_listeners.append(listener)

    async def run_once(self) -> int:
        """Deliver what is due now; returns how many messages were attempted."""
        async with self._uow_factory() as uow:
            claimed = await uow.outbox.claim_due(self._clock.now(), limit=self._batch_size, lease=LEASE,
                                                 scope=self.scope)
            documents = await stored_documents(uow, claimed)  # a document's bytes, read with its claim
            work = [
                (row.id, Address(row.channel, row.chat_id or "", row.thread_id), dict(row.payload),
                 row.priority >= OutboxPriority.BULK)
                for row in claimed
            ]
            await uow.commit()
        deadline = self._clock.now() + LEASE - LEASE_MARGIN
        for message_id, address, payload, bulk in work:
            if not bulk:
                await self._deliver(message_id, address, payload, deadline, documents=documents)
        # The claim holds at most one row per chat (a later one waits for the earlier), so the bulk
        # batch's concurrent sends never reorder a chat's messages.
        results = await asyncio.gather(
            *(self._deliver(message_id, address, payload, deadline, bulk=True, documents=documents)
              for message_id, address, payload, bulk in work if bulk),
            return_exceptions=True,
        )
        for failure in results:
            if isinstance(failure, BaseException):  # its row's lease runs out and it is tried again
                raise failure
        return len(work)

    async def run_forever(self, poll_seconds: float = 1.0, *, stop: asyncio.Event | None = None) -> None:
        """Deliver as messages fall due, polling every `poll_seconds`; until `stop` is set, if given."""
        while stop is None or not stop.is_set():
            try:
                attempted = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox pass failed; retrying")
                attempted = 0
            if attempted:
                continue
            self._wake.clear()
            if stop is not None and stop.is_set():
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=poll_seconds)

    @contextlib.asynccontextmanager
    async def delivering(self, poll_seconds: float) -> AsyncIterator[None]:
        """Deliver in the background while the body runs (a console chat waiting for its user's input
        still shows a staff reply); at the end the pass in hand is finished, not cut off."""
        stop = asyncio.Event()
        task = asyncio.create_task(self.run_forever(poll_seconds, stop=stop), name="outbox-delivering")
        try:
            yield
        finally:
            stop.set()
            self._wake.set()
            await task

    async def retry_chat_now(self, channel: str, chat_id: str) -> int:
        """The chat was put right (the bot added back to it): what waits for it is due at once."""
        async with self._uow_factory() as uow:
            count = await uow.outbox.due_now_for(channel, chat_id, self._clock.now())
            await uow.commit()
        if count:
            self.nudge()
        return count

    async def drain(self, *, max_passes: int = 50) -> None:
        """Deliver until nothing is due (tests and the console)."""
        for _ in range(max_passes):
            if not await self.run_once():
                return

    async def deliver_now(self, reply: RecordedReply) -> None:
        """Send a turn's reply the moment its turn has committed, in order, while this process holds
        the rows' lease (written with them, so no other dispatcher has them). A row that cannot be
        sent now, and every row after it, is left to the dispatcher's passes: released at once, and
        retried with backoff as any outbox message is."""
        if not reply.send_now:
            self.nudge()
            return
        # Half the lease is the margin: a row still being sent when the lease ends would be sent twice.
        stop_at = reply.leased_until - (reply.leased_until - self._clock.now()) / 2
        outcomes: list[tuple[int, _Outcome]] = []
        left = list(reply.message_ids)
        async with self._uow_factory() as uow:
            rows = [row for row in [await uow.outbox.get(i) for i in reply.message_ids] if row is not None]
            documents = await stored_documents(uow, rows)
            work = [(row.id, Address(row.channel, row.chat_id or "", row.thread_id), dict(row.payload))
                    for row in rows]
        for message_id, address, payload in work:
            if self._clock.now() >= stop_at:
                break
            outcome = await self._attempt(message_id, address, payload, stop_at, documents=documents)
            outcomes.append((message_id, outcome))
            left.remove(message_id)
            if outcome.status is not OutboxStatus.SENT:
                break
        async with self._uow_factory() as uow:
            for message_id, outcome in outcomes:
                await self._record(uow, message_id, outcome)
            for message_id in left:  # the dispatcher takes them now, in the chat's order
                row = await uow.outbox.get(message_id)
                if row is not None and row.status == OutboxStatus.PENDING:
                    row.locked_until = None
            await uow.commit()
        if left or any(outcome.status is None for _, outcome in outcomes):
            self.nudge()

    async def _deliver(self, message_id: int, address: Address, payload: dict[str, Any],
                       deadline: datetime, *, bulk: bool = False, documents: StoredDocuments | None = None
                       ) -> None:
        outcome = await self._attempt(message_id, address, payload, deadline, bulk=bulk, documents=documents)
        async with self._uow_factory() as uow:
            if await self._record(uow, message_id, outcome):
                await uow.commit()

    async def _attempt(self, message_id: int, address: Address, payload: dict[str, Any],
                       deadline: datetime, *, bulk: bool = False, documents: StoredDocuments | None = None
                       ) -> _Outcome:
        # The network call happens outside any transaction (the lease keeps other dispatchers off the
        # row), so a slow or flooded API never holds a database lock.
        token = SEND_DEADLINE.set(deadline)
        try:
            try:
                action = document_action(payload, (documents or {}).get(message_id))
            except DocumentUnavailable as exc:
                raise PermanentFailure(str(exc)) from exc
            sender = self._senders[address.channel]
            if bulk and isinstance(sender, BulkSender):
                result = await sender.deliver_bulk(address, action)
            else:
                result = await sender.deliver(address, action)
            return _Outcome(OutboxStatus.SENT, result=result)
        except RetryLater as exc:
            return _Outcome(None, error=f"retry later: {exc}", delay=exc.after,
                            never_give_up=exc.never_give_up)
        except RecipientUnreachable as exc:
            return _Outcome(OutboxStatus.UNREACHABLE, error=str(exc))
        except PermanentFailure as exc:
            log.error("outbox message %s rejected for good: %s", message_id, exc)
            return _Outcome(OutboxStatus.DEAD, error=str(exc))
        except Exception as exc:
            log.warning("outbox message %s failed: %r", message_id, exc)
            return _Outcome(None, error=repr(exc))
        finally:
            SEND_DEADLINE.reset(token)

    async def _record(self, uow: UnitOfWork, message_id: int, outcome: _Outcome) -> bool:
        """Write what a delivery attempt came to; False if the row was no longer pending."""
        row = await uow.outbox.get(message_id)
        if row is None or row.status != OutboxStatus.PENDING:
            return False
        row.attempts += 1
        row.locked_until = None
        if outcome.status is OutboxStatus.SENT:
            row.status, row.sent_at, row.result = outcome.status, self._clock.now(), outcome.result
            if self._on_delivered is not None:
                await self._on_delivered(uow, row, outcome.result)
        elif outcome.status is OutboxStatus.UNREACHABLE:
            row.status, row.last_error = outcome.status, outcome.error[:500]
            if self._on_unreachable is not None:
                await self._on_unreachable(uow, row)
        elif outcome.status is OutboxStatus.DEAD:
            row.status, row.last_error = outcome.status, outcome.error[:500]
        else:
            delay = outcome.delay if outcome.delay is not None else backoff_seconds(row.attempts)
            self._fail(row, outcome.error, delay, never_give_up=outcome.never_give_up)
        return True

    def _fail(self, row: OutboxMessage, error: str, delay: float, *, never_give_up: bool = False) -> None:
        row.last_error = error[:500]
        if row.attempts >= self._max_attempts and not never_give_up:
            row.status = OutboxStatus.DEAD
            log.error("outbox message %s gave up after %s attempts: %s", row.id, row.attempts, error)
            return
        row.next_attempt_at = self._clock.now() + timedelta(seconds=delay)
