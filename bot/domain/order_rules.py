"""What the shop's rules allow a customer to ask of an order, and whether an order is late. Pure.

The bot cannot cancel, change or refund anything itself: each request becomes a ticket for staff
(`bot.services.order_requests`). What the rules say is told to the customer first, so that nobody
waits three days to hear that a shipped order cannot be cancelled. The rules come from the settings
(`ORDER_CANCEL_STATUSES`, `ORDER_CHANGE_STATUSES`, `RETURN_WINDOW_DAYS`):

| request       | allowed when                                   | otherwise (the reason said)            |
|---------------|------------------------------------------------|----------------------------------------|
| order_cancel  | the status is one of ORDER_CANCEL_STATUSES     | shipped, or already cancelled/returned |
| order_change  | the status is one of ORDER_CHANGE_STATUSES     | too far along, or final                |
| return_refund | delivered at most RETURN_WINDOW_DAYS days ago  | window passed, or not delivered yet    |
| return_refund | cancelled after being paid: the money back     | cancelled unpaid: nothing to refund    |

A request the rules do not allow still reaches staff when the customer sends it (they may make an
exception); the customer is told plainly that the rules do not allow it.

Late: an order with an expected delivery date that is past (in the shop's time zone) and that is
not delivered, cancelled or returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum

from bot.domain.order_status import OrderStatus
from bot.domain.payment_status import PaymentStatus
from bot.domain.ticket_category import TicketCategory

#: The statuses an order has once the courier has it.
WITH_THE_COURIER = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERING})


class OrderRequest(StrEnum):
    """What a customer may ask of an order that only staff can do; the values are the intents' names."""

    CANCEL = "order_cancel"
    CHANGE = "order_change"  # the delivery address or phone
    RETURN = "return_refund"

    @property
    def category(self) -> TicketCategory:
        return TicketCategory(self.value)


#: Every reason a decision gives (`Decision.reason`), each worded in `core.orders.rule.<reason>`.
REASONS = (
    "cancel_allowed", "cancel_already_cancelled", "cancel_shipped", "cancel_returned", "cancel_too_late",
    "change_allowed", "change_final", "change_too_late",
    "return_allowed", "return_allowed_no_date", "return_window_passed", "return_not_delivered",
    "refund_cancelled_paid", "refund_cancelled_unpaid", "refund_returned", "unknown_status",
)


@dataclass(frozen=True)
class Decision:
    """What the rules say of a request: allowed or not, why (one of `REASONS`), until when."""

    allowed: bool
    reason: str
    until: date | None = None


@dataclass(frozen=True)
class OrderRules:
    cancellable: frozenset[OrderStatus]
    changeable: frozenset[OrderStatus]
    return_days: int

    def decide(self, request: OrderRequest, status: OrderStatus, *, delivered_on: date | None,
               payment: PaymentStatus | None, today: date) -> Decision:
        if request is OrderRequest.CANCEL:
            return self._cancel(status)
        if request is OrderRequest.CHANGE:
            return self._change(status)
        return self._return(status, delivered_on, payment, today)

    def _cancel(self, status: OrderStatus) -> Decision:
        if status in self.cancellable:
            return Decision(True, "cancel_allowed")
        if status is OrderStatus.CANCELLED:
            return Decision(False, "cancel_already_cancelled")
        if status in WITH_THE_COURIER or status is OrderStatus.DELIVERED:
            return Decision(False, "cancel_shipped")
        if status is OrderStatus.RETURNED:
            return Decision(False, "cancel_returned")
        return Decision(False, "cancel_too_late")

    def _change(self, status: OrderStatus) -> Decision:
        if status in self.changeable:
            return Decision(True, "change_allowed")
        if status.is_final:
            return Decision(False, "change_final")
        return Decision(False, "change_too_late")

    def _return(self, status: OrderStatus, delivered_on: date | None, payment: PaymentStatus | None,
                today: date) -> Decision:
        if status is OrderStatus.DELIVERED:
            if delivered_on is None:  # delivered, but the history does not say when: staff check
                return Decision(True, "return_allowed_no_date")
            until = delivered_on + timedelta(days=self.return_days)
            if today <= until:
                return Decision(True, "return_allowed", until)
            return Decision(False, "return_window_passed", until)
        if status is OrderStatus.CANCELLED:
            if payment is PaymentStatus.PAID:
                return Decision(True, "refund_cancelled_paid")
            return Decision(False, "refund_cancelled_unpaid")
        if status is OrderStatus.RETURNED:
            return Decision(True, "refund_returned")  # returned: the refund is staff's to confirm
        return Decision(False, "return_not_delivered")


def is_late(status: OrderStatus, expected: date | None, today: date) -> bool:
    """Past its expected delivery day and still on its way (or not even sent)."""
    return expected is not None and today > expected and not status.is_final


def local_day(moment: datetime, zone: tzinfo) -> date:
    """The calendar day of `moment` in the shop's time zone."""
    return moment.astimezone(zone).date()
