"""One order as the customer reads it: status in words, what was bought, payment, the parcel, the timeline.

Only what the shop's data holds is said: an order with no items says no item lines, one with no
payment status says nothing about payment, a carrier with no link template gets no link
(`bot.domain.tracking`). A late order (`bot.domain.order_rules.is_late`) is said to be late first,
with an apology; the flow puts the one-press way to a person under it.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.dialogue.turn import Turn
from bot.domain.order_status import OrderStatus
from bot.domain.tracking import tracking_url
from bot.i18n import Markup
from bot.messages.wording import join
from bot.services.orders import OrderView


def money(amount: int) -> str:
    """Đồng with dots between thousands: 1.019.000."""
    return f"{amount:,}".replace(",", ".")


def day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "—"


def moment(turn: Turn, value: datetime) -> str:
    return str(value.astimezone(turn.settings.zone).strftime("%d/%m/%Y %H:%M"))


def status_words(turn: Turn, status: str) -> str:
    """The status in words; a value outside the vocabulary as it is stored."""
    if status not in set(OrderStatus):
        return status
    return turn.t(f"core.order_status.{OrderStatus(status).value}")  # markup: keeps its wording


def render_details(turn: Turn, order: OrderView, *, late: bool) -> Markup:
    parts: list[object] = [turn.t("core.orders.details", code=order.code,
                                  status=status_words(turn, order.status),
                                  placed=moment(turn, order.placed_at))]
    if late:
        parts.append(turn.t("core.orders.late", expected=day(order.expected_delivery)))
    if order.items:
        parts.append(turn.t("core.orders.items_header"))
        for item in order.items:
            if item.price_vnd is None:
                parts.append(turn.t("core.orders.item_line", name=item.name, quantity=item.quantity))
            else:
                parts.append(turn.t("core.orders.item_line_priced", name=item.name, quantity=item.quantity,
                                    price=money(item.price_vnd)))
    if order.total_vnd or order.items:
        parts.append(turn.t("core.orders.total", total=money(order.total_vnd)))
    if order.payment is not None:
        parts.append(turn.t("core.orders.payment",
                            payment=turn.t(f"core.payment_status.{order.payment.value}")))
    if order.carrier and order.tracking_code:
        parts.append(turn.t("core.orders.shipping", carrier=order.carrier, tracking=order.tracking_code))
        link = tracking_url(turn.settings.carrier_tracking_urls, order.carrier, order.tracking_code)
        if link is not None:
            parts.append(turn.t("core.orders.tracking_link", link=link))
    elif order.carrier:
        parts.append(turn.t("core.orders.shipping_carrier", carrier=order.carrier))
    if order.expected_delivery is not None and not _arrived(order):
        parts.append(turn.t("core.orders.expected", expected=day(order.expected_delivery)))
    if order.history:
        parts.append(turn.t("core.orders.timeline_header"))
        parts.extend(turn.t("core.orders.history_line", at=moment(turn, change.at),
                            status=status_words(turn, change.status)) for change in order.history)
    return join(parts)


def _arrived(order: OrderView) -> bool:
    return order.status in (OrderStatus.DELIVERED, OrderStatus.CANCELLED, OrderStatus.RETURNED)
