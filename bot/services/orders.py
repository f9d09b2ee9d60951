"""Order questions, answered only about the verified customer's own orders, as read models (`OrderView`).

The customer is the `CustomerView` that `identity.verified_customer` returned for the chat user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.clock import Clock
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
class OrderView:
    code: str
    status: str
    placed_at: datetime
    total_vnd: int
    carrier: str | None
    tracking_code: str | None
    expected_delivery: date | None
    history: tuple[StatusChange, ...]


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
    """The order with this code if, and only if, it belongs to `customer`."""
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
