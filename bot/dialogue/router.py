"""Deciding what a turn is about: a command, a button, a contact, a file, or free text to understand.

| inbound                                | goes to                                                          |
|----------------------------------------|------------------------------------------------------------------|
| /start [payload]                       | leaves any flow; welcome, or the flow the deep link names        |
| /help, /menu, /privacy                 | help / menu / policy sections (any step)                         |
| /cancel                                | the active flow's cancel, or "nothing to cancel"                 |
| /logout                                | forget the verification and the link (audited); leaves any flow  |
| /tickets, /status                      | the customer's tickets / their latest ticket (complaint flow)    |
| /lang [<code>]                         | language choice                                                  |
| other commands                         | "unknown command", pointing to /help                             |
| `menu:<target>`                        | the main menu's targets (`menu:human`: a person)                 |
| `lang:<code>`                          | language choice                                                  |
| `intent:<name>`                        | the intent chosen after a clarifying question, if still asked    |
| other button families                  | the flow that takes the family (`Flow.BUTTONS`)                  |
| button data not of ours                | "this button is no longer active" (stale, forged or malformed)   |
| contact                                | the active flow if it takes one (verify), else verify links by it |
| file                                   | the active flow if it takes files, else as text with no flow     |
| text in a flow wanting text            | the active flow                                                  |
| text / file, no active flow            | the customer's open ticket, if any (the ticket inbox)            |
| text: order_cancel, order_change, return_refund | a person (human hand-off): the bot cannot do these      |
| text: request_status                   | the customer's tickets (as /tickets)                             |
| other text                             | understood → the intent's flow; unsure → honest fallback         |
| a file no one takes, an empty message  | a polite explanation                                             |
"""

from __future__ import annotations

from typing import Protocol

from bot.dialogue.flow import Flow, FlowRegistry
from bot.dialogue.flows.menu import choose_language, main_menu, staff_or_menu_row
from bot.dialogue.ports import TextUnderstander, UnderstandingResult
from bot.dialogue.turn import Turn
from bot.messages.buttons import (
    ComplaintButton,
    IntentButton,
    LanguageButton,
    MenuButton,
    MenuTarget,
    TicketStatusButton,
    parse_button,
)
from bot.services.identity import log_out

DEEP_LINKS = {
    "privacy": "policy",
    "orders": "order",
    "order": "order",
    "complaint": "complaint",
    "support": "complaint",
    "rights": "rights",
}
_WORD_MIN_FOR_LANGUAGE_SWITCH = 2
#: What only a person can do for now (the bot cannot cancel or change an order, or refund): a ticket.
STAFF_INTENTS = frozenset({"human_handoff", "order_cancel", "order_change", "return_refund"})
MAX_HAND_OVERS = 3  # flows handing over to each other in one turn (orders -> verify -> orders)


class TicketInbox(Protocol):
    """Takes a customer's message outside any flow while they have an open ticket (complaint flow)."""

    async def take_message(self, turn: Turn) -> bool: ...


class TurnRouter:
    def __init__(
        self, flows: FlowRegistry, understander: TextUnderstander, inbox: TicketInbox | None = None
    ) -> None:
        self._flows = flows
        self._understander = understander
        self._inbox = inbox

    async def route(self, turn: Turn) -> None:
        event = turn.event
        if event.command is not None:
            await self._command(turn, *event.command)
        elif event.button is not None:
            await self._button(turn, event.button)
        elif event.contact is not None:
            await self._contact(turn)
        elif event.attachments:
            await self._attachments(turn)
        elif turn.event.clean_text:
            await self._text(turn)
        else:
            turn.say("core.empty_message")
        await self._hand_overs(turn)

    async def _hand_overs(self, turn: Turn) -> None:
        """Start the flows the turn's handlers handed over to (`Turn.hand_over`), in turn."""
        for _ in range(MAX_HAND_OVERS):
            if turn.handed_over is None:
                return
            (name, options), turn.handed_over = turn.handed_over, None
            resuming, turn.resuming = turn.resuming, False
            flow = self._flows.get(name)
            if flow is None:  # a name kept in a dialogue state from before an upgrade
                return
            await (flow.resume if resuming else flow.start)(turn, **options)
        raise RuntimeError(f"flows handed over more than {MAX_HAND_OVERS} times in one turn")

    # Commands ---------------------------------------------------------------------------------------
    async def _command(self, turn: Turn, name: str, argument: str) -> None:
        if name == "/start":
            turn.finish()
            target = self._flows.get(DEEP_LINKS.get(argument.strip().lower(), ""))
            if target is not None:
                await target.start(turn)
            else:
                await self._flow("menu").start(turn)
        elif name == "/help":
            await self._flow("menu").start(turn, intent="help")
        elif name == "/menu":
            await self._flow("menu").start(turn, returning=True)
        elif name == "/privacy":
            await self._flow("policy").start(turn)
        elif name == "/cancel":
            active = self._flows.get(turn.state.flow)
            if active is None:
                turn.finish()
                turn.say("core.nothing_to_cancel", buttons=main_menu(turn))
            else:
                await active.cancel(turn)
        elif name == "/logout":
            await self._log_out(turn)
        elif name == "/lang":
            choose_language(turn, argument.strip().lower() or None)
        elif name in ("/tickets", "/status") and (desk := self._flows.get("complaint")) is not None:
            button = ComplaintButton("list") if name == "/tickets" else TicketStatusButton()
            await desk.on_button(turn, button)
        else:
            turn.say("core.unknown_command")

    async def _log_out(self, turn: Turn) -> None:
        """Forget the verification and the link (audited), and whatever flow was under way."""
        turn.finish()
        forgot = await log_out(turn.uow, turn.clock, turn.user)
        turn.say_markup(turn.t("identity.logged_out" if forgot else "identity.not_logged_in"),
                        main_menu(turn), remove_reply_keyboard=True)

    # Buttons ----------------------------------------------------------------------------------------
    async def _button(self, turn: Turn, data: str) -> None:
        button = parse_button(data)
        if isinstance(button, MenuButton):
            await self._menu(turn, button.target)
        elif isinstance(button, LanguageButton):
            choose_language(turn, button.language)
        elif isinstance(button, IntentButton):
            await self._clarified(turn, button.intent)
        elif button is not None and (flow := self._flows.for_button(button)) is not None:
            await flow.on_button(turn, button)
        else:
            turn.say("core.stale_button")

    async def _menu(self, turn: Turn, target: MenuTarget) -> None:
        targets = {"privacy": "policy", "orders": "order", "rights": "rights", "human": "complaint"}
        if target == "human":
            turn.finish()
            await self._start_human_handoff(turn)
            return
        flow = self._flows.get(targets.get(target, ""))
        if flow is None:
            await self._flow("menu").start(turn, returning=True)
            return
        turn.finish()
        await flow.start(turn)

    async def _start_human_handoff(self, turn: Turn) -> None:
        desk = self._flows.get("complaint")
        if desk is None:
            turn.say("core.human_unavailable", buttons=main_menu(turn))
        else:
            await desk.start(turn, intent="human_handoff")

    async def _clarified(self, turn: Turn, intent: str) -> None:
        pending = turn.data.get("text") if turn.state.flow == "clarify" else None
        turn.finish()
        if pending is None:
            turn.say("core.stale_button")
            return
        result = self._understander.understand(pending, turn.language)
        await self._start_intent(turn, intent, result)

    # Contacts and files -----------------------------------------------------------------------------
    async def _contact(self, turn: Turn) -> None:
        active = self._flows.get(turn.state.flow)
        if active is not None and active.accepts_contact(turn):
            await active.handle(turn)
            return
        verify = self._flow("verify")
        # A contact out of the blue links by it; during the email way it is the phone after all, and
        # what verification was for (the flow's `goal`, bot.dialogue.levels) goes along.
        turn.enter("verify", "awaiting_contact", goal=turn.data.get("goal"), reminders=0)
        await verify.handle(turn)

    async def _attachments(self, turn: Turn) -> None:
        active = self._flows.get(turn.state.flow)
        if active is not None and active.accepts_attachments(turn):
            await active.handle(turn)
            return
        if active is None and self._inbox is not None and await self._inbox.take_message(turn):
            return
        kind = turn.event.attachments[0].kind
        key = "core.attachment.sticker" if kind == "sticker" else "core.attachment.unsupported"
        turn.say(key)

    # Free text --------------------------------------------------------------------------------------
    async def _text(self, turn: Turn) -> None:
        active = self._flows.get(turn.state.flow)
        if active is not None and active.accepts_free_text(turn):
            await active.handle(turn)
            return
        if active is None and self._inbox is not None and await self._inbox.take_message(turn):
            return
        text = turn.event.clean_text
        result = self._understander.understand(text, turn.language if turn.state.language_locked else None)
        self._follow_language(turn, text, result)
        if active is not None:
            # The user wrote something else than the step expects: let the flow decide, unless the
            # message clearly asks for something new.
            if result.intent in ("out_of_scope", "greeting", "thanks") or result.confidence < 0.5:
                await active.handle(turn)
                return
            turn.finish()
        if result.ambiguous and len(result.alternatives) >= 1:
            self._ask_to_clarify(turn, text, result)
            return
        await self._start_intent(turn, result.intent, result)

    def _follow_language(self, turn: Turn, text: str, result: UnderstandingResult) -> None:
        if turn.state.language_locked:
            return
        if len(text.split()) >= _WORD_MIN_FOR_LANGUAGE_SWITCH or turn.state.language is None:
            turn.state.language = result.language

    def _ask_to_clarify(self, turn: Turn, text: str, result: UnderstandingResult) -> None:
        choices = [result.intent] + [name for name, _ in result.alternatives if name != result.intent]
        choices = [name for name in choices if name != "out_of_scope"][:2]
        turn.enter("clarify", "choosing", text=text)
        rows = tuple((turn.button(f"core.intent_label.{name}", IntentButton(name)),) for name in choices)
        turn.say("core.clarify", buttons=(*rows, (turn.button("core.menu.human", MenuButton("human")),)))

    async def _start_intent(self, turn: Turn, intent: str, result: UnderstandingResult) -> None:
        no_complaint_flow = intent == "complaint" and self._flows.get("complaint") is None
        if intent in STAFF_INTENTS or no_complaint_flow:
            await self._start_human_handoff(turn)
            return
        if intent == "request_status" and (desk := self._flows.get("complaint")) is not None:
            await desk.on_button(turn, ComplaintButton("list"))
            return
        flow = self._flows.for_intent(intent)
        if flow is None:
            turn.say("core.not_sure", buttons=(staff_or_menu_row(turn),))
            return
        await flow.start(turn, intent=intent, understanding=result)

    def _flow(self, name: str) -> Flow:
        flow = self._flows.get(name)
        if flow is None:
            raise LookupError(f"flow {name!r} is not registered")
        return flow
