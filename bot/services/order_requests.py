"""Requests about an order that only staff can carry out, passed to them as tickets with the order.

Cancel, change the delivery address or phone, return or refund (`OrderRequest`), and a late order
the customer wants a person for: the bot can do none of these itself. Here the order is found
through its owner (`own_order`, never from chat text alone), the shop's rules are read for its
status (`bot.domain.order_rules`, settings), and a ticket is opened through the `TicketDesk` in the
caller's unit of work: kind `order_request`, the request as its category (a late order: `delivery`),
the order's code attached, and a description for staff that says what was asked, the order's status,
what the rules say and the customer's own words. The ticket's deadlines are the usual ones
(`bot.services.sla`); the caller tells the customer what happens next and when.

Both `assess` and `open_order_request` re-check ownership and the rules on every call: a button
pressed a day later, or an order that shipped in between, is decided on what is stored now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock
from bot.config import Settings
from bot.domain.order_rules import Decision, OrderRequest, is_late, local_day
from bot.domain.order_status import OrderStatus
from bot.domain.ticket_category import TicketCategory, TicketKind
from bot.messages.events import ChatUser
from bot.services.identity import CustomerView
from bot.services.orders import OrderView, own_order
from bot.services.ticket_desk import TicketDesk
from bot.services.ticket_rendering import plain
from bot.services.tickets import NewTicket, TicketView
from bot.storage.uow import UnitOfWork

NOTE_MAX = 2000


@dataclass(frozen=True)
class Assessment:
    order: OrderView
    decision: Decision


@dataclass(frozen=True)
class OpenedRequest:
    order: OrderView
    decision: Decision | None  # None for a late order (no rule to read)
    ticket: TicketView


def decide(settings: Settings, now: datetime, order: OrderView, request: OrderRequest) -> Decision:
    """What the shop's rules say of `request` for this order, today in the shop's time zone."""
    status = order.order_status
    if status is None:
        return Decision(False, "unknown_status")
    delivered = order.delivered_at
    return settings.order_rules.decide(
        request, status,
        delivered_on=None if delivered is None else local_day(delivered, settings.zone),
        payment=order.payment, today=local_day(now, settings.zone),
    )


def rule_slots(settings: Settings, decision: Decision) -> dict[str, object]:
    """The values of `core.orders.rule.<reason>`: worded for the customer, and read by staff on the
    ticket too."""
    until = decision.until.strftime("%d/%m/%Y") if decision.until else "—"
    return {"until": until, "days": settings.return_window_days}


def order_is_late(settings: Settings, now: datetime, order: OrderView) -> bool:
    status = order.order_status
    return status is not None and is_late(status, order.expected_delivery, local_day(now, settings.zone))


async def assess(uow: UnitOfWork, clock: Clock, settings: Settings, customer: CustomerView, code: str,
                 request: OrderRequest, *, actor: str) -> Assessment | None:
    """The customer's order and what the rules say of the request; None when it is not theirs."""
    order = await own_order(uow, clock, customer, code, actor=actor)
    if order is None:
        return None
    return Assessment(order, decide(settings, clock.now(), order, request))


async def open_order_request(
    uow: UnitOfWork, clock: Clock, settings: Settings, desk: TicketDesk, user: ChatUser,
    customer: CustomerView, code: str, request: OrderRequest, *, note: str, language: str, actor: str,
) -> OpenedRequest | None:
    """A ticket for staff with the order and the request; None when the order is not the customer's."""
    assessed = await assess(uow, clock, settings, customer, code, request, actor=actor)
    if assessed is None:
        return None
    order, decision = assessed.order, assessed.decision
    words = desk.wording
    verdict = words.staff_catalogue_text(f"core.orders.rule.{decision.reason}",
                                         **rule_slots(settings, decision))
    title = words.staff_catalogue_text(f"core.orders.request_title.{request.value}")
    description = words.staff_text(
        "order_request.description", what=title,
        code=order.code, status=_status(desk, order), verdict=verdict, note=note.strip()[:NOTE_MAX] or "—",
    )
    ticket = await desk.open_ticket(uow, user, NewTicket(
        kind=TicketKind.ORDER_REQUEST, category=request.category.value, description=plain(description),
        order_code=order.code, language=language,
    ))
    return OpenedRequest(order, decision, ticket)


async def open_late_order_ticket(
    uow: UnitOfWork, clock: Clock, settings: Settings, desk: TicketDesk, user: ChatUser,
    customer: CustomerView, code: str, *, language: str, actor: str,
) -> OpenedRequest | None:
    """A ticket about a late order (category delivery), with the order; None when it is not theirs."""
    order = await own_order(uow, clock, customer, code, actor=actor)
    if order is None:
        return None
    words = desk.wording
    expected = order.expected_delivery.strftime("%d/%m/%Y") if order.expected_delivery else "—"
    late = order_is_late(settings, clock.now(), order)
    description = words.staff_text("order_request.late" if late else "order_request.late_no_longer",
                                   code=order.code, status=_status(desk, order), expected=expected)
    ticket = await desk.open_ticket(uow, user, NewTicket(
        kind=TicketKind.ORDER_REQUEST, category=TicketCategory.DELIVERY.value,
        description=plain(description), order_code=order.code, language=language,
    ))
    return OpenedRequest(order, None, ticket)


def _status(desk: TicketDesk, order: OrderView) -> str:
    if order.order_status is None:
        return order.status
    return str(desk.wording.staff_catalogue_text(f"core.order_status.{OrderStatus(order.status).value}"))
