"""Performing Bot API calls under Telegram's limits, for direct replies and for the outbox.

The policy is shared by both Telegram channels; each library brings a `Transport` that performs one
`Call` and turns its own errors into these. Every message goes through the one `RateLimiter`.

| Transport error (429, 5xx, 403, 400)   | direct reply                   | outbox delivery (`deliver`)      |
|----------------------------------------|--------------------------------|----------------------------------|
| FloodWait (429)                        | wait retry_after, retry (bound)| RetryLater(after=retry_after)    |
| Unavailable (network errors, 5xx)      | retry with backoff (bound)     | a few quick retries, RetryLater  |
| Blocked (403 Forbidden)                | mark unreachable, stop         | mark unreachable, RecipientUnr.  |
| Rejected (400 and other API errors)    | log, skip that action          | PermanentFailure                 |
| a group's 403, 400 chat not found or   | to the outbox                  | logged as an error, RetryLater   |
|   migrated (the staff chat's problem)  |                                |   (never_give_up)                |

Only a private chat is marked blocked: a person who blocked the bot is not written to until they
write again. A group (the staff chat) is never given up: its failure is the operator's to fix (add the
bot back, set the new id of a migrated group); until then its messages wait and are retried with
backoff, `rosee-support healthcheck` reports it, and adding the bot back retries them at once.

A direct reply that still cannot be sent when the bound is reached is not dropped: what is left of
it is written to the outbox, which delivers it once Telegram answers again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bot.channels.bot_api import CHANNEL
from bot.channels.bot_api.rate_limit import RateLimiter
from bot.channels.bot_api.rendering import Call, NotForTelegram, one_message_each, render_one
from bot.clock import Clock
from bot.delivery.senders import SEND_DEADLINE, PermanentFailure, RecipientUnreachable, RetryLater
from bot.messages.actions import Action, Address
from bot.services import reachability
from bot.services.outbox import enqueue
from bot.storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

DIRECT_MAX_WAIT = 30.0  # seconds a direct reply may wait out 429s and outages before the outbox
DIRECT_ATTEMPTS = 6
OUTBOX_ATTEMPTS = 2
BACKOFF_FIRST = 0.25


class FloodWait(Exception):
    """429: Telegram asks us to wait `after` seconds."""

    def __init__(self, after: float) -> None:
        super().__init__(f"retry after {after}s")
        self.after = after


class Blocked(Exception):
    """403: the user blocked the bot (or the bot was removed from the chat)."""


class Unavailable(Exception):
    """Telegram did not answer, or answered 5xx: trying again later may work."""


class Rejected(Exception):
    """Telegram refused the call (400 and the like): trying again will not help."""


@dataclass(frozen=True)
class Sent:
    """What a call returned that the sender needs: a message's id, or a new topic's thread id."""

    message_id: int | None = None
    chat_id: int | str | None = None
    thread_id: int | None = None


class Transport(Protocol):
    """One library's way of performing calls, raising the errors above."""

    async def perform(self, call: Call) -> Sent: ...

    async def close(self) -> None: ...


def is_private_chat(chat_id: str) -> bool:
    """Telegram gives people positive chat ids and groups, supergroups and channels negative ones."""
    try:
        return int(chat_id) > 0
    except ValueError:
        return False


#: 400 descriptions that mean the chat itself cannot be written to (Telegram's wording).
_CHAT_PROBLEMS = ("chat not found", "upgraded to a supergroup", "migrate")


class BotApiSender:
    def __init__(
        self,
        transport: Transport,
        limiter: RateLimiter,
        *,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        on_enqueued: Callable[[], None] | None = None,
        direct_max_wait: float = DIRECT_MAX_WAIT,
    ) -> None:
        self.transport = transport
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
            typing = {"chat_id": int(chat_id), "action": "typing", "message_thread_id": thread_id}
            await self.transport.perform(Call("sendChatAction", typing, is_message=False))
        except (FloodWait, Blocked, Unavailable, Rejected, ValueError) as exc:
            log.debug("chat action for %s failed: %r", chat_id, exc)

    async def answer_callback(self, query_id: str) -> None:
        """answerCallbackQuery, whose failure changes nothing for the user: logged, never raised."""
        try:
            await self.transport.perform(Call("answerCallbackQuery", {"callback_query_id": query_id},
                                              is_message=False))
        except (FloodWait, Blocked, Unavailable, Rejected) as exc:
            log.info("answerCallbackQuery failed: %r", exc)

    def mark_reachable(self, chat_id: str) -> None:
        """The user wrote to us: they have not blocked the bot (any more)."""
        self._unreachable.discard(chat_id)

    # -- outbox ---------------------------------------------------------------------------------

    async def deliver_bulk(self, address: Address, action: Action) -> dict[str, Any]:
        """The outbox's `BulkSender`: as `deliver`, each send waiting while replies wait for theirs."""
        return await self.deliver(address, action, bulk=True)

    async def deliver(self, address: Address, action: Action, *, bulk: bool = False) -> dict[str, Any]:
        """The outbox `Sender`: one action, raising the dispatcher's delivery errors."""
        if address.chat_id in self._unreachable or await self._marked_unreachable(address.chat_id):
            raise RecipientUnreachable(f"chat {address.chat_id} blocked the bot")
        parts = one_message_each(action)
        result: dict[str, Any] = {}
        for index, part in enumerate(parts):
            try:
                sent = await self._perform(address, part, patient=False, bulk=bulk)
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

    async def _perform(self, address: Address, action: Action, *, patient: bool,
                       bulk: bool = False) -> dict[str, Any]:
        if address.chat_id in self._unreachable:
            raise RecipientUnreachable(f"chat {address.chat_id} blocked the bot")
        result: dict[str, Any] = {}
        for step in render_one(action, address):
            sent = await self._call(step, address, patient=patient, bulk=bulk)
            if sent.message_id is not None:
                result.setdefault("message_ids", []).append(sent.message_id)
                if step.then_keyboard is not None:
                    follow = Call("editMessageReplyMarkup", {
                        "chat_id": sent.chat_id, "message_id": sent.message_id,
                        "reply_markup": step.then_keyboard}, is_message=False)
                    await self._call(follow, address, patient=patient, bulk=bulk)
            elif sent.thread_id is not None:
                result["thread_id"] = sent.thread_id
        return result

    async def _call(self, step: Call, address: Address, *, patient: bool, bulk: bool = False) -> Sent:
        attempts = DIRECT_ATTEMPTS if patient else OUTBOX_ATTEMPTS
        waited = 0.0
        for attempt in range(1, attempts + 1):
            if step.is_message:
                await self._limiter.acquire(address.chat_id, bulk=bulk)
            deadline = SEND_DEADLINE.get()
            if deadline is not None and self._clock.now() >= deadline:
                # The wait for the rate limit outlasted the row's lease: sending now could send twice.
                raise RetryLater("the lease of the message ran out before its turn to be sent", after=0)
            try:
                return await self.transport.perform(step)
            except FloodWait as exc:
                if not patient or waited + exc.after > self._direct_max_wait:
                    raise RetryLater("flood limit (429)", after=exc.after) from None
                log.info("429 for chat %s: waiting %ss", address.chat_id, exc.after)
                waited += exc.after
                await asyncio.sleep(exc.after)
            except Blocked as exc:
                if not is_private_chat(address.chat_id):
                    raise self._group_problem(address, step, exc) from None
                await self._mark_unreachable(address.chat_id)
                raise RecipientUnreachable(str(exc)) from None
            except Unavailable as exc:
                delay = BACKOFF_FIRST * 2 ** (attempt - 1)
                if attempt == attempts or waited + delay > self._direct_max_wait:
                    raise RetryLater(f"Telegram unavailable: {exc!r}") from None
                waited += delay
                await asyncio.sleep(delay)
            except Rejected as exc:
                if not is_private_chat(address.chat_id) and any(
                        problem in str(exc).lower() for problem in _CHAT_PROBLEMS):
                    raise self._group_problem(address, step, exc) from None
                raise PermanentFailure(f"{step.method}: {exc}") from None
        raise RetryLater("still flooded after retries")

    def _group_problem(self, address: Address, step: Call, exc: Exception) -> RetryLater:
        log.error("group chat %s cannot be written to (%s: %s): its messages wait and are retried; "
                  "add the bot back or correct STAFF_CHAT_ID", address.chat_id, step.method, exc)
        return RetryLater(f"group chat unreachable: {exc}", never_give_up=True)

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
