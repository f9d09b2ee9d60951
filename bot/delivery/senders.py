"""The contract between the outbox dispatcher and a channel that can deliver actions."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from bot.messages.actions import Action, Address

#: The moment after which a delivery must not start another send: the row's lease ends soon after,
#: and another dispatcher may then take the row and send it too. Set by the dispatcher around each
#: delivery; a sender that can wait before sending (for a rate limit) checks it after the wait and
#: raises `RetryLater` instead of sending late. None: no limit.
SEND_DEADLINE: ContextVar[datetime | None] = ContextVar("send_deadline", default=None)


class DeliveryError(Exception):
    """Base for the outcomes a sender reports instead of success."""


class RetryLater(DeliveryError):
    """A transient failure (flood limit, outage); try again after `after` seconds or with backoff.

    `never_give_up`: the chat, not the message, is at fault (the staff group removed the bot, say):
    the message is retried with backoff until the chat is put right, however many attempts it takes.
    """

    def __init__(self, reason: str, after: float | None = None, *, never_give_up: bool = False) -> None:
        super().__init__(reason)
        self.after = after
        self.never_give_up = never_give_up


class RecipientUnreachable(DeliveryError):
    """The recipient blocked the bot or left: stop sending to them."""


class PermanentFailure(DeliveryError):
    """The message itself can never be delivered (rejected by the API); retrying would not help."""


class Sender(Protocol):
    async def deliver(self, address: Address, action: Action) -> dict[str, Any]:
        """Deliver one action; return facts worth keeping (message id, thread id) or raise."""
        ...


@runtime_checkable
class BulkSender(Protocol):
    """A sender that can let bulk messages (order notifications) wait behind interactive ones: the
    dispatcher delivers bulk rows with `deliver_bulk` when the channel's sender has it."""

    async def deliver_bulk(self, address: Address, action: Action) -> dict[str, Any]:
        """As `Sender.deliver`, yielding Telegram's capacity to interactive messages first."""
        ...
