"""Order questions for a verified customer, about that customer's own orders only.

| step    | event                          | reply                                              |
|---------|--------------------------------|----------------------------------------------------|
| (start) | not linked                     | verification first (bot.dialogue.levels), then back |
| (start) | linked (phone or email)        | the latest orders, one button each                 |
| (any)   | `order:<code>`, linked         | that order's status and history, if it is theirs   |
| (any)   | `order:<code>`, not linked     | verification first, then that order                |
"""

from __future__ import annotations

from typing import Any

from bot.dialogue.flow import Flow
from bot.dialogue.flows.menu import main_menu, staff_or_menu_row
from bot.dialogue.levels import require_level
from bot.dialogue.turn import Turn
from bot.i18n import Markup
from bot.messages.buttons import ButtonData, MenuButton, OrderButton
from bot.messages.wording import join
from bot.services.identity import CustomerView, Level
from bot.services.orders import OrderView, own_order, recent_orders


class OrderFlow(Flow):
    name = "order"
    INTENTS = ("order_status",)
    BUTTONS = (OrderButton,)

    async def start(self, turn: Turn, **options: Any) -> None:
        show = options.get("show")
        point = {"show": show} if isinstance(show, str) else {}
        identity = await require_level(turn, Level.LINKED, flow=self.name,
                                       reason="orders", **point)
        if identity is None:
            return
        customer = identity.customer_at(Level.LINKED)
        if isinstance(show, str):
            await self._details(turn, customer, show)
            return
        orders = await recent_orders(turn.uow, turn.clock, customer, actor=turn.actor)
        if not orders:
            turn.say("core.orders.none", buttons=main_menu(turn))
            return
        lines = [self._summary(turn, order) for order in orders]
        buttons = tuple(
            (turn.button("core.orders.details_button", OrderButton(o.code), code=o.code),) for o in orders
        )
        turn.say("core.orders.list", buttons=buttons, count=len(orders))
        turn.say_markup(join(lines), ((turn.button("core.menu.back", MenuButton("main")),),))

    async def on_button(self, turn: Turn, button: ButtonData) -> None:
        # The code in the button is only a hint: ownership is checked again here.
        if not isinstance(button, OrderButton):
            turn.say("core.stale_button")
            return
        identity = await require_level(turn, Level.LINKED, flow=self.name,
                                       reason="orders", show=button.code)
        if identity is not None:
            await self._details(turn, identity.customer_at(Level.LINKED), button.code)

    async def _details(self, turn: Turn, customer: CustomerView, code: str) -> None:
        order = await own_order(turn.uow, turn.clock, customer, code, actor=turn.actor)
        if order is None:
            turn.say("core.orders.not_found")
            return
        history = join(
            turn.t("core.orders.history_line", at=self._date(turn, change.at),
                   status=self._status(turn, change.status))
            for change in order.history
        )
        turn.say(
            "core.orders.details",
            buttons=(staff_or_menu_row(turn),),
            code=order.code,
            status=self._status(turn, order.status),
            placed=self._date(turn, order.placed_at),
            total=f"{order.total_vnd:,}".replace(",", "."),
            carrier=order.carrier or "—",
            tracking=order.tracking_code or "—",
            expected=order.expected_delivery.strftime("%d/%m/%Y") if order.expected_delivery else "—",
            history=history or "—",
        )

    def _summary(self, turn: Turn, order: OrderView) -> Markup:
        return turn.t(
            "core.orders.summary_line",
            code=order.code,
            status=self._status(turn, order.status),
            placed=self._date(turn, order.placed_at),
        )

    @staticmethod
    def _status(turn: Turn, status: str) -> str:
        key = f"core.order_status.{status}"
        return turn.t(key) if turn.texts.has(key) else status

    @staticmethod
    def _date(turn: Turn, moment: Any) -> str:
        return str(moment.astimezone(turn.settings.zone).strftime("%d/%m/%Y %H:%M"))
