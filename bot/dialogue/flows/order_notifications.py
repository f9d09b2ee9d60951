"""The customer's switch for order status notifications ("tắt/bật thông báo đơn hàng").

The choice belongs to the chat account (bot.services.order_updates.set_notifications) and needs no
verification: turning messages to one's own chat off or on reveals nothing and changes no one else's.

| step    | event                               | reply                                  |
|---------|-------------------------------------|----------------------------------------|
| (start) | order_notifications_off, were on    | turned off, how to turn them on again  |
| (start) | order_notifications_off, were off   | already off                            |
| (start) | order_notifications_on, were off    | turned on                              |
| (start) | order_notifications_on, were on     | already on                             |
"""

from __future__ import annotations

from typing import Any

from bot.dialogue.flow import Flow
from bot.dialogue.flows.menu import main_menu
from bot.dialogue.turn import Turn
from bot.services.order_updates import set_notifications


class OrderNotificationsFlow(Flow):
    name = "order_notifications"
    INTENTS = ("order_notifications_off", "order_notifications_on")

    async def start(self, turn: Turn, **options: Any) -> None:
        on = options.get("intent") == "order_notifications_on"
        changed = await set_notifications(turn.uow, turn.clock, turn.chat.id, on=on, actor=turn.actor)
        if on:
            turn.say("orders_notify.turned_on" if changed else "orders_notify.already_on",
                     buttons=main_menu(turn))
        else:
            turn.say("orders_notify.turned_off" if changed else "orders_notify.already_off",
                     buttons=main_menu(turn))
