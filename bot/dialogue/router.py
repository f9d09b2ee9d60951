"""Deciding what a turn is about: a command, a button, a contact, a file, or free text to understand.

| inbound                                | goes to                                                          |
|----------------------------------------|------------------------------------------------------------------|
| /start [payload]                       | leaves any flow (suspended ones too); welcome, or the deep link  |
| /help                                  | help; in a flow, its question again (the flow stays)             |
| /menu, /privacy                        | menu / policy sections (any step)                                |
| /cancel                                | the active flow's cancel, or "nothing to cancel"                 |
| /logout                                | forget the verification and the link (audited); leaves any flow  |
| /tickets, /status                      | the customer's tickets / their latest ticket (complaint flow)    |
| /requests                              | the customer's privacy requests (rights flow)                    |
| /lang [<code>]                         | language choice; in a flow, its question again in that language  |
| other commands                         | "unknown command", pointing to /help                             |
| `menu:<target>`                        | the main menu's targets (`menu:human`: a person)                 |
| `lang:<code>`                          | language choice (as /lang)                                       |
| `intent:<name>`                        | the intent chosen after a clarifying question, if still asked    |
| `resume:go:<flow>`                     | the suspended flow taken up where it was (its question again)    |
| `resume:drop:<flow>`                   | the suspended flow let go                                        |
| other button families                  | the flow that takes the family (`Flow.BUTTONS`)                  |
| button data not of ours                | "this button is no longer active" (stale, forged or malformed)   |
| contact                                | the active flow if it takes one (verify), else verify links by it |
|                                        | (the active flow is suspended, not lost)                        |
| file                                   | the active flow if it takes files, else as text with no flow     |
| text: "thôi", "không cần nữa", … in a flow | the active flow's cancel (as /cancel)                        |
| text in a flow wanting it (`takes_text`) | the active flow                                                |
| text: short, sure, other business in a story slot's step | the flow suspended, as below |
| text: greeting, thanks in a flow       | a word back, and the step's question again                      |
| text: unclear, out of scope, in a flow | the active flow (it reminds)                                     |
| text: clearly something else, in a flow | the flow suspended (offered back later); as with no flow        |
| text a question the bot answers, ticket open | answered; copied to the ticket quietly                     |
| text / file, no active flow            | the customer's open ticket, if any, unless they stepped out      |
| text: order_cancel, order_change, return_refund | the order flow: the shop's rules, then a ticket |
| text: request_status                   | the customer's privacy requests, and tickets (as /tickets)       |
| other text                             | understood → the intent's flow; unsure → honest fallback         |
| text: a shop question (prices, stock)  | "this assistant does not handle that", and a person offered      |
| a file no one takes, an empty message  | a polite explanation                                             |
| (after any of these) no active flow, a suspended one not offered yet | offered back, once      |

Every understood text is read against the previous topic (`bot.dialogue.memory`), so "vậy còn thanh
toán thì sao" continues what was asked before; the topic is then remembered for the next message.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bot.dialogue.flow import Flow, FlowRegistry
from bot.dialogue.flows.menu import choose_language, main_menu, staff_or_menu_row
from bot.dialogue.memory import (
    forget_suspended,
    previous_topic,
    remember_topic,
    suspend,
    take_suspended,
    to_offer,
)
from bot.dialogue.phrases import menu_label, says_only
from bot.dialogue.ports import TextUnderstander, UnderstandingResult
from bot.dialogue.turn import Turn
from bot.messages.buttons import (
    ComplaintButton,
    IntentButton,
    LanguageButton,
    MenuButton,
    MenuTarget,
    ResumeButton,
    TicketStatusButton,
    parse_button,
)
from bot.services.identity import log_out
from bot.services.tickets import customer_tickets

DEEP_LINKS = {
    "privacy": "policy",
    "orders": "order",
    "order": "order",
    "complaint": "complaint",
    "support": "complaint",
    "rights": "rights",
}
_WORD_MIN_FOR_LANGUAGE_SWITCH = 2
#: What goes straight to a person. Cancelling, changing or refunding an order goes to the order flow,
#: which says what the shop's rules allow and makes the ticket with the order attached.
STAFF_INTENTS = frozenset({"human_handoff"})
#: Requests about an order that only staff carry out (the order flow turns them into tickets).
ORDER_REQUEST_INTENTS = frozenset({"order_cancel", "order_change", "return_refund"})
MAX_HAND_OVERS = 3  # flows handing over to each other in one turn (orders -> verify -> orders)
#: Below this, a message in a flow is not "clearly something else": the flow takes it and reminds.
CLEAR_INTENT = 0.4
#: A message typed in a step that fills a story slot (`Flow.SLOTS`: a complaint's description, the
#: reason for a person), where any text would do, is taken as something else only when it is this
#: short, this sure, and one of these other businesses: "kiểm tra đơn hàng giúp mình" sets the story
#: aside (offered back), a story that mentions an order stays the story. Steps that expect something
#: precise (an order code, a one-time code) say so themselves (`Flow.takes_text`).
STORY_SLOTS = frozenset({"description"})
OTHER_BUSINESS_WORDS = 12
OTHER_BUSINESS_CONFIDENCE = 0.5
_OTHER_BUSINESS = frozenset(
    {"policy_question", "policy_uncovered", "order_status", "request_status", "access_request",
     "erasure_request", "objection_request", "marketing_opt_out", "identity_help"}
)
#: While a ticket is open, the assistant answers only what it is surer of; the rest goes to staff.
ANSWER_WITH_TICKET_OPEN = 0.5
#: Intents that say nothing about the flow's step: answered with a word, then the question again.
SOCIAL_IN_FLOW = frozenset({"greeting", "thanks"})
#: Not a topic to read a follow-up against.
_NO_TOPIC = frozenset({"out_of_scope", "greeting", "thanks", "goodbye", "help"})
#: Questions the assistant answers itself while a ticket is open (the message is copied to the ticket).
#: Requests ("đổi giúp em", "xoá dữ liệu") are for the staff member already on the case.
_ANSWERABLE = frozenset(
    {"policy_question", "order_status", "request_status", "identity_help", "account_security"}
)


def means_stop(turn: Turn, text: str) -> bool:
    """Whether the whole message only says "stop" ("thôi", "không cần nữa", "never mind")."""
    return says_only(turn.texts, "core.stop_phrases", text)


@runtime_checkable
class RequestLister(Protocol):
    """Lists the customer's own privacy requests (rights flow); whether there were any."""

    async def show_requests(self, turn: Turn, *, quiet_if_none: bool = False) -> bool: ...


class TicketInbox(Protocol):
    """Takes a customer's message outside any flow while they have an open ticket (complaint flow)."""

    async def take_message(self, turn: Turn, *, quietly: bool = False) -> bool: ...


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
        self._offer_suspended(turn)

    def _offer_suspended(self, turn: Turn) -> None:
        """Back in no flow with a flow set aside earlier: offer it back, once."""
        if turn.state.flow is not None or not turn.state.memory.get("suspended"):
            return
        item = to_offer(turn.state, turn.clock.now())
        if item is None or self._flows.get(item.flow) is None:
            return
        turn.say("core.resume.offer", buttons=((
            turn.button("core.resume.go_button", ResumeButton("go", item.flow)),
            turn.button("core.resume.drop_button", ResumeButton("drop", item.flow)),
        ),), what=turn.t(f"core.resume.flow.{item.flow}"))

    def _suspend(self, turn: Turn) -> None:
        """Set the active flow aside with what it has collected (offered back once this turn is done)."""
        suspend(turn.state, turn.clock.now())
        turn.finish()

    async def _resume(self, turn: Turn, button: ResumeButton) -> None:
        item = take_suspended(turn.state, button.flow, turn.clock.now())
        flow = self._flows.get(item.flow) if item is not None else None
        if item is None or flow is None:
            turn.say("core.stale_button")
            return
        if button.action == "drop":
            turn.say("core.resume.dropped", buttons=main_menu(turn))
            return
        if turn.state.flow is not None and turn.state.flow != item.flow:
            self._suspend(turn)
        if item.step is None or item.step not in flow.STEPS:
            turn.finish()
            await flow.start(turn)
            return
        turn.enter(item.flow, item.step, **item.data)
        await flow.ask(turn, item.step)

    async def _ask_again(self, turn: Turn) -> None:
        """The active flow's question again (after /help, /lang): the flow was not left."""
        active = self._flows.get(turn.state.flow)
        if active is not None and turn.state.step in active.STEPS:
            await active.ask(turn, turn.state.step or "")

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
            forget_suspended(turn.state)
            target = self._flows.get(DEEP_LINKS.get(argument.strip().lower(), ""))
            if target is not None:
                await target.start(turn)
            else:
                await self._flow("menu").start(turn)
        elif name == "/help":
            await self._flow("menu").start(turn, intent="help")
            await self._ask_again(turn)
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
            await self._language(turn, argument.strip().lower() or None)
        elif name == "/requests" and isinstance(rights := self._flows.get("rights"), RequestLister):
            await rights.show_requests(turn)
        elif name in ("/tickets", "/status") and (desk := self._flows.get("complaint")) is not None:
            button = ComplaintButton("list") if name == "/tickets" else TicketStatusButton()
            await desk.on_button(turn, button)
        else:
            turn.say("core.unknown_command")

    async def _language(self, turn: Turn, code: str | None) -> None:
        """Switch language; a flow under way stays, and asks its question again in the new language."""
        in_flow = turn.state.flow is not None and turn.state.step is not None
        if choose_language(turn, code, in_flow=in_flow):
            await self._ask_again(turn)

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
            await self._language(turn, button.language)
        elif isinstance(button, IntentButton):
            await self._clarified(turn, button.intent)
        elif isinstance(button, ResumeButton):
            await self._resume(turn, button)
        elif button is not None and (flow := self._flows.for_button(button)) is not None:
            await flow.on_button(turn, button)
        else:
            turn.say("core.stale_button")

    async def _menu(self, turn: Turn, target: MenuTarget) -> None:
        targets = {"privacy": "policy", "orders": "order", "rights": "rights", "human": "complaint"}
        if turn.state.flow is not None:  # pressed in the middle of a flow: set aside, offered back later
            self._suspend(turn)
        if target == "human":
            await self._start_human_handoff(turn)
            return
        flow = self._flows.get(targets.get(target, ""))
        if flow is None:
            await self._flow("menu").start(turn, returning=True)
            return
        await flow.start(turn)

    async def _start_human_handoff(self, turn: Turn, *, text: str = "", reason_given: bool = False) -> None:
        desk = self._flows.get("complaint")
        if desk is None:
            turn.say("core.human_unavailable", buttons=main_menu(turn))
        else:
            await desk.start(turn, intent="human_handoff", text=text, reason_given=reason_given)

    async def _clarified(self, turn: Turn, intent: str) -> None:
        pending = turn.data.get("text") if turn.state.flow == "clarify" else None
        turn.finish()
        if pending is None:
            turn.say("core.stale_button")
            return
        result = self._understander.understand(pending, turn.language)
        await self._start_intent(turn, intent, result, pending)

    # Contacts and files -----------------------------------------------------------------------------
    async def _contact(self, turn: Turn) -> None:
        active = self._flows.get(turn.state.flow)
        if active is not None and active.accepts_contact(turn):
            await active.handle(turn)
            return
        verify = self._flow("verify")
        # A contact out of the blue links by it; during the email way it is the phone after all, and
        # what verification was for (the flow's `goal`, bot.dialogue.levels) goes along. Any other flow
        # under way (a complaint half written) is set aside, not thrown away.
        goal = turn.data.get("goal")
        if active is not None and active.name != "email_code":
            self._suspend(turn)
        turn.enter("verify", "awaiting_contact", goal=goal, reminders=0)
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
        text = turn.event.clean_text
        if active is not None and means_stop(turn, text):
            await active.cancel(turn)
            return
        label = menu_label(turn.texts, text)
        if label is not None and (active is None or not active.accepts_free_text(turn)):
            await self._menu(turn, label)
            return
        result = self._understand(turn, text)
        if active is not None:
            if (active.accepts_free_text(turn) and active.takes_text(turn, result)
                    and not self._other_business(turn, active, text, result)):
                await active.handle(turn)
                return
            if result.intent in SOCIAL_IN_FLOW and turn.state.step in active.STEPS:
                turn.say(f"core.in_flow.{result.intent}")
                await active.ask(turn, turn.state.step or "")
                return
            if result.intent == "out_of_scope" or result.ambiguous or result.confidence < CLEAR_INTENT:
                await active.handle(turn)  # the flow reminds what its step expects
                return
            self._suspend(turn)  # clearly something else: set the flow aside, offered back later
        elif self._inbox is not None:
            answerable = (result.intent in _ANSWERABLE and not result.ambiguous and result.covered
                          and result.confidence >= ANSWER_WITH_TICKET_OPEN)
            if await self._inbox.take_message(turn, quietly=answerable) and not answerable:
                return
        if result.ambiguous and len(result.alternatives) >= 1 and not self._same_way(result):
            self._ask_to_clarify(turn, text, result)
            return
        await self._start_intent(turn, result.intent, result, text)

    def _understand(self, turn: Turn, text: str) -> UnderstandingResult:
        """Understand the text against the previous topic; follow its language; remember its topic."""
        now = turn.clock.now()
        language = turn.language if turn.state.language_locked else None
        result = self._understander.understand(text, language, previous_topic(turn.state, now))
        self._follow_language(turn, text, result)
        if result.intent not in _NO_TOPIC:
            remember_topic(turn.state, result.intent, result.section, now)
        return result

    @staticmethod
    def _other_business(turn: Turn, active: Flow, text: str, result: UnderstandingResult) -> bool:
        """Whether a message typed in a story step is clearly another business, short and sure
        ("kiểm tra đơn hàng giúp mình", "how do you keep my data safe?"), not the story."""
        if active.slot_steps(turn).get(turn.state.step or "") not in STORY_SLOTS:
            return False
        return (result.intent in _OTHER_BUSINESS and result.intent not in active.INTENTS
                and not result.ambiguous and result.confidence >= OTHER_BUSINESS_CONFIDENCE
                and len(text.split()) <= OTHER_BUSINESS_WORDS)

    @staticmethod
    def _same_way(result: UnderstandingResult) -> bool:
        """Whether the meanings a clarifying question would offer all lead to a person anyway
        ("gặp nhân viên để hỏi về việc hoàn tiền": a person, or a refund, which a person handles)."""
        close = [result.intent, *(name for name, _ in result.alternatives[:1])]
        # A request about an order ends with staff too (the order flow's ticket); two such requests
        # are different things, though, and are asked about.
        return (all(name in STAFF_INTENTS | ORDER_REQUEST_INTENTS for name in close)
                and any(name in STAFF_INTENTS for name in close))

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

    async def _start_intent(self, turn: Turn, intent: str, result: UnderstandingResult, text: str) -> None:
        no_complaint_flow = intent == "complaint" and self._flows.get("complaint") is None
        if intent in STAFF_INTENTS or no_complaint_flow:
            # What the customer wrote is what they need a person for: "hủy đơn RG-… giúp tôi" says it.
            await self._start_human_handoff(turn, text=text, reason_given=intent != "human_handoff")
            return
        if intent == "request_status":
            await self._request_status(turn)
            return
        flow = self._flows.for_intent(intent)
        if flow is None:
            # A shop question understood as such (prices, stock, shipping) is not a misunderstanding:
            # the customer is told honestly this assistant does not handle it, and a person can.
            shop = intent == "out_of_scope" and result.topic == "shop"
            turn.say("core.not_handled" if shop else "core.not_sure", buttons=(staff_or_menu_row(turn),))
            return
        await flow.start(turn, intent=intent, understanding=result, text=text)

    async def _request_status(self, turn: Turn) -> None:
        """The customer's privacy requests and their tickets, whichever they have; with neither, one
        line that says so for both (not "no tickets" to someone who asked about a request)."""
        rights = self._flows.get("rights")
        shown = isinstance(rights, RequestLister) and await rights.show_requests(turn, quiet_if_none=True)
        desk = self._flows.get("complaint")
        if desk is not None and await customer_tickets(turn.uow, turn.user, limit=1):
            await desk.on_button(turn, ComplaintButton("list"))
        elif not shown:
            turn.say("privacy.none_at_all", buttons=main_menu(turn))

    def _flow(self, name: str) -> Flow:
        flow = self._flows.get(name)
        if flow is None:
            raise LookupError(f"flow {name!r} is not registered")
        return flow
