"""Order status changes from the shop's system, and the notification each one sends the customer.

Both ways in (the event endpoint, `bot.shop_api.order_events`, and `rosee-support import orders`)
record a change the same way:

| the change                                         | history | order status | notification |
|----------------------------------------------------|---------|--------------|--------------|
| a new status, at or after the latest event         | added   | changed      | yes          |
| the status the order already has                   | —       | —            | no           |
| a new status, older than the latest event (late)   | added   | —            | no           |

A notification goes to every chat account linked to the order's customer that has not turned order
notifications off ("tắt thông báo đơn hàng") and has not blocked the bot, in the language of that
chat, through the outbox with bulk priority (it drains behind interactive replies). During quiet
hours (`ORDER_QUIET_HOURS_START`–`_END`, local time) it is written as a pending row due at the end
of them: the dispatcher sends it in the morning, not at night.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.config import Settings
from bot.domain.order_status import OrderStatus
from bot.i18n import Catalog
from bot.messages.actions import Address, SendText
from bot.messages.wording import Markup
from bot.services.audit import record_access
from bot.services.outbox import queued_row
from bot.storage.models import Order, OrderStatusEvent, OutboxPriority, OutboxPurpose
from bot.storage.uow import UnitOfWork


@dataclass(frozen=True)
class StatusChange:
    status: OrderStatus
    occurred_at: datetime
    note: str | None = None


@dataclass(frozen=True)
class ChangedOrder:
    """What a notice needs of an order whose status changed (an import works on rows, not entities)."""

    code: str
    status: str
    customer_id: int


class Applied(StrEnum):
    CHANGED = "changed"  # a new status: history, status, notification
    LATE = "late"  # an older event: history only
    UNCHANGED = "unchanged"  # the status it already has: nothing


def quiet_until(moment: datetime, zone: ZoneInfo, start: time, end: time) -> datetime | None:
    """When the quiet hours `moment` falls in end (aware, UTC of `moment`'s kind), or None outside them.

    The hours may wrap midnight (21:00–08:00) or not (12:00–13:30); start == end means none.
    """
    if start == end:
        return None
    local = moment.astimezone(zone)
    now = local.time()
    inside = (start <= now < end) if start < end else (now >= start or now < end)
    if not inside:
        return None
    day = local.date() if now < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone).astimezone(moment.tzinfo)


class OrderNotifier:
    """Writes the status notifications of an order's customer into the outbox, in the caller's unit
    of work (the change and its notifications commit together)."""

    def __init__(self, texts: Catalog, settings: Settings, clock: Clock) -> None:
        self._texts = texts
        self._settings = settings
        self._clock = clock

    def not_before(self) -> datetime | None:
        """The end of the quiet hours now is in, or None when a notification may go now."""
        settings = self._settings
        return quiet_until(self._clock.now(), settings.zone, settings.order_quiet_hours_start,
                           settings.order_quiet_hours_end)

    async def status_changed(self, uow: UnitOfWork, order: Order | ChangedOrder) -> int:
        """Queue the notice of `order`'s current status to its customer's chats; how many were queued."""
        return await self.statuses_changed(uow, [ChangedOrder(order.code, order.status, order.customer_id)])

    async def statuses_changed(self, uow: UnitOfWork, orders: Sequence[ChangedOrder]) -> int:
        """Queue the notices of many orders (an import's batch) at once: one query for the chats of
        all their customers, and the rows written by the bulk path (COPY on PostgreSQL); how many
        were queued. A row a statement would cost an import of 100,000 changes minutes."""
        targets = await uow.accounts.notification_targets_of([order.customer_id for order in orders])
        now, held_until = self._clock.now(), self.not_before()
        texts: dict[tuple[str, str, str], Markup] = {}
        rows = []
        for order in orders:
            for target in targets.get(order.customer_id, ()):
                language = target.language or self._settings.default_language
                key = (language, order.code, order.status)
                if key not in texts:
                    texts[key] = self._text(language, order)
                rows.append(queued_row(now, Address(target.channel, target.chat_id), SendText(texts[key]),
                                       purpose=OutboxPurpose.ORDER_UPDATE, priority=OutboxPriority.BULK,
                                       due_at=held_until))
        await uow.outbox.add_many(rows)
        return len(rows)

    def _text(self, language: str, order: ChangedOrder) -> Markup:
        status_key = f"core.order_status.{order.status}"
        status = self._texts.text(language, status_key) if self._texts.has(status_key) else order.status
        return self._texts.text(language, "orders_notify.status_changed", code=order.code, status=status)


async def apply_status_change(
    uow: UnitOfWork, clock: Clock, notifier: OrderNotifier | None, order: Order, change: StatusChange, *,
    actor: str,
) -> Applied:
    """Record `change` on `order` (its history loaded) as the table above says, with an audit row."""
    latest = max((event.occurred_at for event in order.history), default=None)
    if change.status.value == order.status and (latest is None or change.occurred_at >= latest):
        return Applied.UNCHANGED
    known = {(event.status, event.occurred_at) for event in order.history}
    if (change.status.value, change.occurred_at) not in known:
        order.history.append(OrderStatusEvent(status=change.status.value, occurred_at=change.occurred_at,
                                              note=change.note))
    if latest is not None and change.occurred_at < latest:
        outcome = Applied.LATE
    else:
        order.status = change.status.value
        order.updated_at = clock.now()
        outcome = Applied.CHANGED
    record_access(uow, clock, actor=actor, action="order.status_event", customer_id=order.customer_id,
                  purpose="order status from the shop's system", code=order.code,
                  status=change.status.value, outcome=outcome.value)
    await uow.flush()
    if outcome is Applied.CHANGED and notifier is not None:
        await notifier.status_changed(uow, order)
    return outcome


async def set_notifications(uow: UnitOfWork, clock: Clock, account_id: int, *, on: bool, actor: str) -> bool:
    """Turn order notifications on or off for one chat account; False when it already was so."""
    account = await uow.accounts.by_id(account_id)
    if account is None or account.order_notifications == on:
        return False
    account.order_notifications = on
    record_access(uow, clock, actor=actor, action=f"order_notifications.{'on' if on else 'off'}",
                  customer_id=account.customer_id, purpose="the customer's choice of order notifications")
    return True
