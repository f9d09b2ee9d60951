"""The contract between the outbox dispatcher and a channel that can deliver actions."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from bot.messages.actions import Action, Address


class DeliveryError(Exception):
    """Base for the outcomes a sender reports instead of success."""


class RetryLater(DeliveryError):
    """A transient failure (flood limit, outage); try again after `after` seconds or with backoff."""

    def __init__(self, reason: str, after: float | None = None) -> None:
        super().__init__(reason)
        self.after = after


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
