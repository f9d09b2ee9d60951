"""Orders: what the customer asks about their own orders, and what only staff can do for one.

A code typed in any form ("rg 2026 900002", "RG2026900002", "đơn #RG-2026-900002") is found by the
understanding layer (`intents.order_codes`) and goes straight to that order when it is the customer's;
someone else's code and one that does not exist get the same "not found" (`own_order`: one query with
the owner and the code together). Whatever was asked before verification (the code, the request, the
words) is kept in the verification goal and carried on with afterwards, never asked again.

| step            | event                                      | reply                                       |
|-----------------|--------------------------------------------|---------------------------------------------|
| (start)         | not linked                                 | verify, keeping what was asked; then below  |
| (start)         | order_status with a code, `order:<code>`   | that order if theirs, else "not found"      |
| (start)         | order_status, no code                      | their latest orders (none: say so)          |
| (start)         | order_cancel, order_change, return_refund  | with a code: the rules → confirm_request    |
| (start)         | the same, no code                          | which order? buttons → choose_order         |
| (any)           | `order:req:<request>:<code>`               | the rules for that order → confirm_request  |
| (any)           | `order:late:<code>`                        | a ticket with the order; number, reply time |
| choose_order    | text with a code of theirs                 | the rules for it → confirm_request          |
| choose_order    | a code not theirs, or no code              | "not found" / which order? (stays)          |
| confirm_request | `order:act:send`                           | ticket (rules re-read); reply time; finish  |
| confirm_request | text                                       | added to the request for staff (stays)      |
| (in flow)       | `order:act:drop`, /cancel                  | finish, nothing sent                        |

An order's details (`bot.dialogue.order_details`) come with the requests the rules allow for its
status as buttons; a late order with an apology and "a person about this order" (`order:late:`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from bot.dialogue.flow import Flow
from bot.dialogue.flows.menu import main_menu, staff_or_menu_row
from bot.dialogue.levels import require_level
from bot.dialogue.order_details import moment, render_details, status_words
from bot.dialogue.ports import UnderstandingResult
from bot.dialogue.turn import Turn
from bot.domain.order_rules import OrderRequest
from bot.i18n import Markup
from bot.messages.actions import Button, Keyboard
from bot.messages.buttons import (
    ButtonData,
    LateOrderButton,
    MenuButton,
    OrderActionButton,
    OrderButton,
    OrderRequestButton,
)
from bot.messages.wording import join
from bot.services.identity import CustomerView, Level
from bot.services.order_requests import (
    OpenedRequest,
    assess,
    decide,
    open_late_order_ticket,
    open_order_request,
    order_is_late,
    rule_slots,
)
from bot.services.orders import OrderView, own_order, recent_orders
from bot.services.staff_reach import customer_wording
from bot.services.ticket_desk import TicketDesk
from bot.services.ticket_rendering import format_moment
from intents.order_codes import find_order_codes

NOTE_MAX = 1500
REQUESTS = tuple(OrderRequest)


def named_code(options: Mapping[str, Any]) -> str | None:
    """The order code the customer named: kept from before verification, or in the message understood."""
    kept = options.get("code")
    if isinstance(kept, str) and kept:
        return kept
    understanding: UnderstandingResult | None = options.get("understanding")
    for entity in understanding.entities if understanding is not None else ():
        if entity.kind == "order_code":
            return str(entity.value)
    return None


def typed_code(text: str) -> str | None:
    found = find_order_codes(text)
    return found[0].code if found else None


class OrderFlow(Flow):
    name = "order"
    INTENTS = ("order_status", *(request.value for request in REQUESTS))
    BUTTONS = (OrderButton, OrderRequestButton, OrderActionButton, LateOrderButton)
    STEPS: ClassVar[Mapping[str, str]] = {
        "choose_order": "on_choose_order",
        "confirm_request": "on_confirm_request",
    }

    def __init__(self, tickets: TicketDesk) -> None:
        self._tickets = tickets

    async def start(self, turn: Turn, **options: Any) -> None:
        request = _request(options.get("request") or options.get("intent"))
        code = named_code(options)
        show = options.get("show")
        if request is None and isinstance(show, str):
            code = show
        text = options.get("text")
        note = text if isinstance(text, str) else (turn.event.clean_text if request is not None else "")
        point: dict[str, Any] = {}
        if request is not None:
            point = {"request": request.value, "text": note[:NOTE_MAX]}
        if code:
            point["code"] = code
        identity = await require_level(turn, Level.LINKED, flow=self.name, reason="orders", **point)
        if identity is None:
            return
        customer = identity.customer_at(Level.LINKED)
        if request is not None:
            await self._begin_request(turn, customer, request, code, note)
        elif code:
            await self._details(turn, customer, code)
        else:
            await self._list(turn, customer)

    # Steps ------------------------------------------------------------------------------------------
    async def on_choose_order(self, turn: Turn) -> None:
        request = _request(turn.data.get("request"))
        if request is None:  # a state from before an upgrade
            turn.finish()
            await self.start(turn)
            return
        customer = await self._customer(turn, request=request.value, text=turn.data.get("text", ""))
        if customer is None:
            return
        code = typed_code(turn.event.clean_text)
        if code is None:
            await self._ask_which(turn, customer, request, str(turn.data.get("text", "")), reminder=True)
            return
        await self._rules(turn, customer, request, code, str(turn.data.get("text", "")))

    async def on_confirm_request(self, turn: Turn) -> None:
        text = turn.event.clean_text
        if not text:
            turn.say("core.orders.request_press_send", buttons=self._confirm_keyboard(turn))
            return
        note = f"{turn.data.get('text', '')}\n{text}".strip()[:NOTE_MAX]
        turn.goto("confirm_request", text=note)
        turn.say("core.orders.request_note_added", buttons=self._confirm_keyboard(turn))

    def accepts_free_text(self, turn: Turn) -> bool:
        return turn.state.step in ("choose_order", "confirm_request")

    def takes_text(self, turn: Turn, understood: UnderstandingResult) -> bool:
        """Choosing an order takes a code; anything clearly else leaves the step (it is set aside).
        What is typed at the confirmation is the customer's words for staff (a new address)."""
        if turn.state.step == "choose_order":
            return typed_code(turn.event.clean_text) is not None
        return True

    async def ask(self, turn: Turn, step: str) -> None:
        """The step's question again (after /help, /lang, or when the request is taken up again)."""
        data = turn.data
        request = _request(data.get("request"))
        if request is None:
            turn.finish()
            await self.start(turn)
            return
        customer = await self._customer(turn, **data)
        if customer is None:
            return
        code = data.get("code")
        if step == "confirm_request" and isinstance(code, str):
            await self._rules(turn, customer, request, code, str(data.get("text", "")))
        else:
            await self._ask_which(turn, customer, request, str(data.get("text", "")))

    # Buttons ----------------------------------------------------------------------------------------
    async def on_button(self, turn: Turn, button: ButtonData) -> None:
        # What a button names is only a hint: ownership (and the rules) are checked again here.
        match button:
            case OrderButton(code=code):
                await self.start(turn, show=code)
            case OrderRequestButton(request=request, code=code):
                text = turn.data.get("text", "") if turn.state.flow == self.name else ""
                turn.finish()
                await self.start(turn, request=request.value, code=code, text=text)
            case LateOrderButton(code=code):
                await self._late_ticket(turn, code)
            case OrderActionButton(action="send") if turn.state.step == "confirm_request" and (
                turn.state.flow == self.name
            ):
                await self._send(turn)
            case OrderActionButton(action="drop") if turn.state.flow == self.name:
                await self.cancel(turn)
            case _:
                turn.say("core.stale_button")

    async def cancel(self, turn: Turn) -> None:
        turn.finish()
        turn.say("core.orders.request_dropped", buttons=main_menu(turn))

    # Looking up -------------------------------------------------------------------------------------
    async def _list(self, turn: Turn, customer: CustomerView) -> None:
        orders = await recent_orders(turn.uow, turn.clock, customer, actor=turn.actor)
        if not orders:
            turn.say("core.orders.none", buttons=main_menu(turn))
            return
        # One message, the buttons under the list they belong to (not under an intro above it).
        lines = [self._summary(turn, order) for order in orders]
        buttons = tuple(
            (turn.button("core.orders.details_button", OrderButton(o.code), code=o.code),) for o in orders
        )
        back = (turn.button("core.menu.back", MenuButton("main")),)
        turn.say_markup(join([turn.t("core.orders.list", count=len(orders)), *lines]), (*buttons, back))

    async def _details(self, turn: Turn, customer: CustomerView, code: str) -> None:
        order = await own_order(turn.uow, turn.clock, customer, code, actor=turn.actor)
        if order is None:
            self._not_found(turn)
            return
        late = order_is_late(turn.settings, turn.clock.now(), order)
        turn.say_markup(render_details(turn, order, late=late), self._details_keyboard(turn, order, late))

    def _details_keyboard(self, turn: Turn, order: OrderView, late: bool) -> Keyboard:
        rows: list[tuple[Button, ...]] = []
        if late:
            rows.append((turn.button("core.orders.late_button", LateOrderButton(order.code)),))
        now = turn.clock.now()
        for request in REQUESTS:
            if decide(turn.settings, now, order, request).allowed:
                rows.append((turn.button(f"core.orders.request_button.{request.value}",
                                         OrderRequestButton(request, order.code)),))
        rows.append((turn.button("core.orders.my_orders_button", MenuButton("orders")),))
        # A late order has its own way to a person, with the order attached, above.
        rows.append(staff_or_menu_row(turn)[1:] if late else staff_or_menu_row(turn))
        return tuple(rows)

    def _not_found(self, turn: Turn) -> None:
        """The one answer for someone else's code and a code that does not exist."""
        turn.say("core.orders.not_found", buttons=(
            (turn.button("core.orders.my_orders_button", MenuButton("orders")),), staff_or_menu_row(turn)))

    def _summary(self, turn: Turn, order: OrderView) -> Markup:
        late = order_is_late(turn.settings, turn.clock.now(), order)
        key = "core.orders.summary_line_late" if late else "core.orders.summary_line"
        return turn.t(key, code=order.code, status=status_words(turn, order.status),
                      placed=moment(turn, order.placed_at))

    # Requests staff carry out -----------------------------------------------------------------------
    async def _begin_request(self, turn: Turn, customer: CustomerView, request: OrderRequest,
                             code: str | None, note: str) -> None:
        if code is None:
            await self._ask_which(turn, customer, request, note)
            return
        await self._rules(turn, customer, request, code, note)

    async def _ask_which(self, turn: Turn, customer: CustomerView, request: OrderRequest, note: str, *,
                         reminder: bool = False) -> None:
        orders = await recent_orders(turn.uow, turn.clock, customer, actor=turn.actor)
        if not orders:
            turn.finish()
            turn.say("core.orders.none", buttons=main_menu(turn))
            return
        turn.enter(self.name, "choose_order", request=request.value, text=note[:NOTE_MAX])
        rows = tuple((turn.button("core.orders.choose_button", OrderRequestButton(request, o.code),
                                  code=o.code, status=status_words(turn, o.status)),) for o in orders)
        what = turn.t(f"core.orders.request_title.{request.value}")
        turn.say("core.orders.choose_reminder" if reminder else "core.orders.choose_order",
                 buttons=(*rows, self._drop_row(turn)), what=what)

    async def _rules(self, turn: Turn, customer: CustomerView, request: OrderRequest, code: str,
                     note: str) -> None:
        assessed = await assess(turn.uow, turn.clock, turn.settings, customer, code, request,
                                actor=turn.actor)
        if assessed is None:
            if turn.state.flow == self.name and turn.state.step == "choose_order":
                turn.say("core.orders.not_found", buttons=(self._drop_row(turn),))
                return
            self._not_found(turn)
            return
        order, decision = assessed.order, assessed.decision
        turn.enter(self.name, "confirm_request", request=request.value, code=order.code,
                   text=note[:NOTE_MAX])
        next_key = "core.orders.confirm_allowed" if decision.allowed else "core.orders.confirm_refused"
        what = turn.t(f"core.orders.request_title.{request.value}")
        parts = [
            turn.t("core.orders.request_intro", what=what, code=order.code,
                   status=status_words(turn, order.status)),
            turn.t(f"core.orders.rule.{decision.reason}", **rule_slots(turn.settings, decision)),
            turn.t(next_key),
        ]
        if request is OrderRequest.CHANGE:
            parts.append(turn.t("core.orders.change_details_hint"))
        turn.say_markup(join(parts), self._confirm_keyboard(turn))

    async def _send(self, turn: Turn) -> None:
        data = turn.data
        request = _request(data.get("request"))
        code = data.get("code")
        customer = await self._customer(turn, **data)
        if customer is None:
            return
        if request is None or not isinstance(code, str):
            turn.finish()
            turn.say("core.stale_button")
            return
        opened = await open_order_request(
            turn.uow, turn.clock, turn.settings, self._tickets, turn.user, customer, code, request,
            note=str(data.get("text", "")), language=turn.language, actor=turn.actor)
        turn.finish()
        if opened is None:
            self._not_found(turn)
            return
        what = turn.t(f"core.orders.request_title.{request.value}")
        turn.say(customer_wording(turn.settings, "core.orders.request_created"),
                 buttons=self._after_ticket(turn), what=what, **self._ticket_slots(turn, opened))

    async def _late_ticket(self, turn: Turn, code: str) -> None:
        identity = await require_level(turn, Level.LINKED, flow=self.name, reason="orders", show=code)
        if identity is None:
            return
        opened = await open_late_order_ticket(
            turn.uow, turn.clock, turn.settings, self._tickets, turn.user, identity.customer_at(Level.LINKED),
            code, language=turn.language, actor=turn.actor)
        turn.finish()
        if opened is None:
            self._not_found(turn)
            return
        turn.say(customer_wording(turn.settings, "core.orders.late_ticket_created"),
                 buttons=self._after_ticket(turn), **self._ticket_slots(turn, opened))

    @staticmethod
    def _ticket_slots(turn: Turn, opened: OpenedRequest) -> dict[str, object]:
        """What the customer is told of the new ticket: its number, the order, the reply times."""
        ticket = opened.ticket
        return {"number": ticket.number, "code": opened.order.code,
                "first_reply_due": format_moment(ticket.first_reply_due_at, turn.settings),
                "resolution_due": format_moment(ticket.resolution_due_at, turn.settings)}

    @staticmethod
    def _after_ticket(turn: Turn) -> Keyboard:
        return ((turn.button("core.menu.back", MenuButton("main")),),)

    # Helpers ----------------------------------------------------------------------------------------
    async def _customer(self, turn: Turn, **point: Any) -> CustomerView | None:
        """The verified customer, asked for again (keeping `point`) if the link was lost meanwhile."""
        kept = {name: value for name, value in point.items() if name in ("request", "code", "text")}
        identity = await require_level(turn, Level.LINKED, flow=self.name, reason="orders", **kept)
        return None if identity is None else identity.customer_at(Level.LINKED)

    def _confirm_keyboard(self, turn: Turn) -> Keyboard:
        return ((turn.button("core.orders.send_button", OrderActionButton("send")),
                 turn.button("core.orders.drop_button", OrderActionButton("drop"))),)

    def _drop_row(self, turn: Turn) -> tuple[Button, ...]:
        return (turn.button("core.orders.drop_button", OrderActionButton("drop")),)


def _request(value: object) -> OrderRequest | None:
    try:
        return OrderRequest(str(value)) if value else None
    except ValueError:
        return None
