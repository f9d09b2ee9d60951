"""Order questions, answered only about the verified customer's own orders, as read models (`OrderView`).

The customer is the `CustomerView` that `identity.verified_customer` returned for the chat user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.clock import Clock
from bot.domain.order_status import OrderStatus
from bot.domain.payment_status import PaymentStatus
from bot.services.audit import record_access
from bot.services.identity import CustomerView
from bot.storage.models import Order
from bot.storage.uow import UnitOfWork


@dataclass(frozen=True)
class StatusChange:
    status: str
    at: datetime
    note: str | None


@dataclass(frozen=True)
class OrderLine:
    name: str
    quantity: int
    price_vnd: int | None


@dataclass(frozen=True)
class OrderView:
    code: str
    status: str
    placed_at: datetime
    total_vnd: int
    carrier: str | None
    tracking_code: str | None
    expected_delivery: date | None
    history: tuple[StatusChange, ...]
    items: tuple[OrderLine, ...] = ()
    payment_status: str | None = None

    @property
    def order_status(self) -> OrderStatus | None:
        """The status as the vocabulary knows it; None for a value written by something else."""
        try:
            return OrderStatus(self.status)
        except ValueError:
            return None

    @property
    def payment(self) -> PaymentStatus | None:
        try:
            return None if self.payment_status is None else PaymentStatus(self.payment_status)
        except ValueError:
            return None

    @property
    def delivered_at(self) -> datetime | None:
        """When it was last delivered, as the history says."""
        moments = [change.at for change in self.history if change.status == OrderStatus.DELIVERED]
        return max(moments) if moments else None


def _lines(items: object) -> tuple[OrderLine, ...]:
    """The stored items (JSON written by the importer); an entry of another shape is left out."""
    lines = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            quantity = item.get("quantity")
            price = item.get("price_vnd")
            lines.append(OrderLine(item["name"], quantity if isinstance(quantity, int) else 1,
                                   price if isinstance(price, int) else None))
    return tuple(lines)


def _view(order: Order) -> OrderView:
    return OrderView(
        code=order.code,
        status=order.status,
        placed_at=order.placed_at,
        total_vnd=order.total_vnd,
        carrier=order.carrier,
        tracking_code=order.tracking_code,
        expected_delivery=order.expected_delivery,
        history=tuple(StatusChange(e.status, e.occurred_at, e.note) for e in order.history),
        items=_lines(order.items),
        payment_status=order.payment_status,
    )


async def recent_orders(
    uow: UnitOfWork, clock: Clock, customer: CustomerView, *, actor: str, limit: int = 5
) -> list[OrderView]:
    orders = await uow.orders.for_customer(customer.id, limit=limit)
    record_access(
        uow,
        clock,
        actor=actor,
        action="orders.list",
        customer_id=customer.id,
        purpose="customer asked about their orders",
        count=len(orders),
    )
    return [_view(order) for order in orders]


async def own_order(
    uow: UnitOfWork, clock: Clock, customer: CustomerView, code: str, *, actor: str
) -> OrderView | None:
    """The order with this code if, and only if, it belongs to `customer`.

    Someone else's code and a code that does not exist take the same single query (owner and code
    together) and the same answer, so neither the reply nor its timing tells them apart.
    """
    order = await uow.orders.owned_by(customer.id, code)
    record_access(
        uow,
        clock,
        actor=actor,
        action="orders.read",
        customer_id=customer.id,
        purpose="customer asked about one of their orders",
        code=code[:40],
        found=order is not None,
    )
    return _view(order) if order else None
