"""A complaint or a request for a person: a guided intake that opens a ticket worked by staff.

The intake, `complaint` (`ComplaintFlow`):

| step            | event                                     | next                                        |
|-----------------|-------------------------------------------|---------------------------------------------|
| (start)         | an open ticket exists                     | say so (status, list, new); finish          |
| (start)         | complaint intent, deep link               | choose_category                             |
| (start)         | human_handoff intent, `menu:human`        | describe_short                              |
| choose_category | `complaint:cat:<category>`                | choose_order (own orders if verified)       |
| choose_category | text / file                               | remind; files come later (stays)            |
| choose_order    | `complaint:order:<code>`                  | ownership re-checked → describe             |
| choose_order    | `complaint:order:-`                       | describe (no order)                         |
| choose_order    | typed code, verified customer             | theirs → describe; else "not found" (stays) |
| choose_order    | typed code, not verified                  | kept as "typed, not checked" → describe     |
| describe        | text (≥ 5 characters)                     | attachments (confirm if 10 files are kept)  |
| describe        | shorter text / file                       | a file is kept; asks for the words (stays)  |
| attachments     | files (up to 10)                          | kept (stays); the 10th moves on to confirm  |
| attachments     | a file of another kind (voice, sticker)   | only photos, videos, documents (stays)      |
| attachments     | a file of a type or size not accepted     | what is accepted, politely (stays)          |
| attachments     | "no more" in words, `complaint:continue`  | confirm                                     |
| attachments     | other text                                | added to the description (stays)            |
| describe_short  | text (≥ 2 characters)                     | confirm                                     |
| confirm         | `complaint:submit`                        | ticket opened; number + reply time (*)      |
| confirm         | text                                      | press Send or Cancel (stays)                |
| (in flow)       | `complaint:cancel`, /cancel               | finish, nothing created                     |
| (no flow)       | text / file while a ticket is open        | relayed to that ticket                      |
| (any)           | `complaint:new`                           | a new intake, even with a ticket open       |
| (any)           | `complaint:status[:<id>]`, /status        | that ticket's status, if it is theirs       |
| (any)           | `complaint:list`, /tickets                | their recent tickets                        |
| (any)           | a button of the intake not for this step  | "this button is no longer active"           |

(*) Only when some staff destination is configured (`bot.services.staff_reach`); otherwise every
text that would promise a reply time, or that messages "go to staff", says the truth instead: the
ticket is recorded, no reply time is promised (`_honest`).

A typed order code never reveals anything about other people's orders: an unverified customer's code
is not looked up at all (staff check it; the card says so), and a verified customer's code that is not
theirs gets the same answer as one that does not exist.

The rating flow, `rate` (`TicketRatingFlow`), takes the rating buttons sent when a ticket is resolved;
ownership is checked on every press:

| step    | event                                                  | next                                  |
|---------|--------------------------------------------------------|---------------------------------------|
| (start) | nothing but its buttons leads here                     | "this button is no longer active"     |
| (any)   | `rate:<ticket_id>:<1-5>`, their resolved ticket        | rated; thanks, Skip offered → comment |
| (any)   | `rate:<ticket_id>:<1-5>`, not theirs / open / rated    | not found / not yet / already rated   |
| (any)   | `rate:<ticket_id>:skip`                                | thanks; finish                        |
| comment | text                                                   | kept with the rating; thanks; finish  |

The buttons of both flows are the classes of `bot.messages.buttons`. Both flows are built with
the `TicketDesk` (`bot.bootstrap`), and every change to a ticket goes through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from bot.dialogue.flow import Flow
from bot.dialogue.flows.menu import main_menu
from bot.dialogue.memory import note_relay_ack, relay_ack_due, step_back_in, step_out, stepped_out_of
from bot.dialogue.phrases import says_only
from bot.dialogue.ports import UnderstandingResult
from bot.dialogue.turn import Turn
from bot.domain.ticket_category import COMPLAINT_CATEGORIES, TicketCategory, TicketKind, parse_category
from bot.i18n import Markup
from bot.messages.actions import Keyboard
from bot.messages.buttons import (
    NO_ORDER,
    ButtonData,
    ComplaintButton,
    ComplaintCategoryButton,
    ComplaintOrderButton,
    RatingButton,
    TicketStatusButton,
)
from bot.messages.events import MAX_TEXT_CHARS, Attachment
from bot.messages.wording import join
from bot.services.file_policy import FileVerdict, judge_files, max_megabytes
from bot.services.identity import verified_customer
from bot.services.orders import own_order, recent_orders
from bot.services.staff_reach import customer_wording
from bot.services.ticket_desk import TicketDesk
from bot.services.ticket_rendering import category_label, format_moment
from bot.services.tickets import (
    MAX_ATTACHMENTS,
    NewTicket,
    Outcome,
    TicketView,
    customer_ticket,
    customer_tickets,
    open_ticket_of,
    source_key,
)
from intents.order_codes import find_order_codes
from intents.slots import complaint_category, stated_reason

MIN_DESCRIPTION = 5
MAX_DESCRIPTION = MAX_TEXT_CHARS  # all that was read of the message
#: A first message this long (entities aside) tells the story even when no category is recognised.
STORY_WORDS = 8
#: The summary's "correct this" buttons and the slot each one empties.
_EDITS = {"edit_category": "category", "edit_order": "order_code", "edit_description": "description"}
# A GIF or a round video is "a video" to the customer, as the prompt words it.
ACCEPTED_FILES = ("photo", "document", "video", "animation", "video_note")


def _honest(turn: Turn, key: str) -> str:
    """The text to say for `key`, without a promise nobody is there to keep."""
    return customer_wording(turn.settings, key)


def _means_done(turn: Turn, text: str) -> bool:
    """Whether the text only says "no more files" ("xong", "không có", "done")."""
    return says_only(turn.texts, "complaints.done_phrases", text)


def _files(turn: Turn) -> list[Attachment]:
    """The message's files the intake keeps: of its kinds, and allowed by RELAY_* (file_policy)."""
    return list(_verdict(turn).accepted)


def _verdict(turn: Turn) -> FileVerdict:
    return judge_files(turn.settings, [a for a in turn.event.attachments if a.kind in ACCEPTED_FILES])


def _refuse_files(turn: Turn) -> bool:
    """Say politely which files are accepted when some of this message's were not; whether it did."""
    if not _verdict(turn).refused:
        return False
    turn.say("complaints.file_refused", max_mb=max_megabytes(turn.settings))
    return True


class ComplaintFlow(Flow):
    name = "complaint"
    INTENTS = ("complaint", "human_handoff")
    BUTTONS = (ComplaintButton, ComplaintCategoryButton, ComplaintOrderButton, TicketStatusButton)
    STEPS: ClassVar[Mapping[str, str]] = {
        "choose_category": "on_choose_category",
        "choose_order": "on_choose_order",
        "describe": "on_describe",
        "attachments": "on_attachments",
        "describe_short": "on_describe_short",
        "confirm": "on_confirm",
    }

    #: what each step fills (`Flow.fill_next`): a step is asked only while its slot is empty
    SLOTS: ClassVar[Mapping[str, str]] = {
        "choose_category": "category",
        "choose_order": "order_code",  # None: the customer said it is about no order
        "describe": "description",
        "attachments": "files_done",
    }
    HUMAN_SLOTS: ClassVar[Mapping[str, str]] = {"describe_short": "description"}

    def __init__(self, tickets: TicketDesk) -> None:
        self._tickets = tickets

    def slot_steps(self, turn: Turn) -> Mapping[str, str]:
        return self.HUMAN_SLOTS if turn.data.get("kind") == TicketKind.HUMAN else self.SLOTS

    async def start(self, turn: Turn, **options: Any) -> None:
        if not options.get("new"):
            existing = await open_ticket_of(turn.uow, turn.user)
            if existing is not None:
                turn.finish()
                turn.say(_honest(turn, "complaints.already_open"),
                         buttons=self._open_ticket_keyboard(turn, existing), number=existing.number)
                return
        said = str(options.get("text") or "")[:MAX_DESCRIPTION]  # the message that started the intake
        result = options.get("understanding")
        if options.get("intent") == "human_handoff":
            turn.enter(self.name, "describe_short", kind=TicketKind.HUMAN.value)
            if said and (options.get("reason_given") or stated_reason(said)):  # "… để hỏi về việc hoàn tiền"
                turn.goto("describe_short", description=said, category=TicketCategory.OTHER.value)
        else:
            turn.enter(self.name, "choose_category", kind=TicketKind.COMPLAINT.value)
            if said and result is not None:
                await self._prefill(turn, said, result)
        await self.fill_next(turn)

    async def _prefill(self, turn: Turn, said: str, result: UnderstandingResult) -> None:
        """What the first message already says: the category, the order, the story itself."""
        category = complaint_category(said)
        if category is not None and parse_category(category) is not None:
            turn.goto("choose_category", category=category)
        codes = [str(e.value) for e in result.entities if e.kind == "order_code"]
        if codes and not await self._take_order_code(turn, codes[0]):
            turn.goto(turn.state.step or "choose_category", order_typed=codes[0])  # said when asked
        story_words = len([w for w in result.masked_text.split() if not w.startswith("⟨")])
        if category is not None or story_words >= STORY_WORDS:
            turn.goto(turn.state.step or "choose_category", description=said)

    async def slots_filled(self, turn: Turn) -> None:
        self._summarise(turn)

    async def ask(self, turn: Turn, step: str) -> None:
        if step == "choose_category":
            self._ask_category(turn)
        elif step == "choose_order":
            if turn.data.get("order_typed"):  # the code in the first message is not one of theirs
                turn.enter(self.name, step, **{k: v for k, v in turn.data.items() if k != "order_typed"})
                turn.say("complaints.order_not_found")
            await self._ask_order(turn)
        elif step == "describe":
            turn.say("complaints.ask_description", buttons=self._cancel_row(turn))
        elif step == "attachments":
            turn.say("complaints.ask_attachments", buttons=self._continue_row(turn))
        elif step == "describe_short":
            turn.say("complaints.ask_description_short", buttons=self._cancel_row(turn))
        else:  # confirm
            self._summarise(turn)

    # Steps ------------------------------------------------------------------------------------------
    async def on_choose_category(self, turn: Turn) -> None:
        if turn.event.attachments:
            turn.say("complaints.files_later")
        category = complaint_category(turn.event.clean_text) if turn.event.clean_text else None
        if category is not None and parse_category(category) is not None:  # typed instead of pressed
            turn.goto("choose_category", category=category)
            await self.fill_next(turn)
            return
        self._ask_category(turn, reminder=not turn.event.attachments)

    async def on_choose_order(self, turn: Turn) -> None:
        # Only what has the shape of an order code is one: "chính sách bảo mật chia sẻ…?" is not.
        found = find_order_codes(turn.event.clean_text) if turn.event.clean_text else []
        if not found:
            turn.say("complaints.order_code_expected")
            await self._ask_order(turn)
            return
        if await self._take_order_code(turn, found[0].code):
            await self.fill_next(turn)
            return
        turn.say("complaints.order_not_found", buttons=(
            (turn.button("complaints.continue_without_order_button", ComplaintOrderButton(NO_ORDER)),),
            *self._cancel_row(turn),
        ))

    async def _take_order_code(self, turn: Turn, code: str) -> bool:
        """Fill the order slot with a typed code: a verified customer's own order, or, unverified, the
        code as typed for staff to check (nothing is looked up). False: not one of theirs."""
        customer = await verified_customer(turn.uow, turn.user)
        if customer is None:
            turn.say("complaints.order_noted_unverified", code=code)
            turn.goto(turn.state.step or "choose_order", order_code=code)
            return True
        order = await own_order(turn.uow, turn.clock, customer, code, actor=turn.actor)
        if order is None:
            return False
        turn.goto(turn.state.step or "choose_order", order_code=order.code)
        return True

    async def on_describe(self, turn: Turn) -> None:
        files = _files(turn)
        if files:
            self._keep_files(turn, files)
        _refuse_files(turn)
        text = turn.event.clean_text
        if len(text) < MIN_DESCRIPTION:
            key = "complaints.ask_description" if files else "complaints.description_too_short"
            turn.say(key, buttons=self._cancel_row(turn))
            return
        turn.goto("describe", description=text[:MAX_DESCRIPTION])
        if len(turn.data.get("attachments", [])) >= MAX_ATTACHMENTS:
            turn.goto("describe", files_done=True)
        await self.fill_next(turn)

    async def on_attachments(self, turn: Turn) -> None:
        if turn.event.attachments:
            files = _files(turn)
            if _refuse_files(turn) and not files:
                return
            if not files:
                turn.say("complaints.attachment_unsupported", buttons=self._continue_row(turn))
                return
            count = self._keep_files(turn, files)
            if count >= MAX_ATTACHMENTS:
                turn.say("complaints.attachments_full", max=MAX_ATTACHMENTS)
                turn.goto("attachments", files_done=True)
                await self.fill_next(turn)
                return
            turn.say("complaints.attachment_received", buttons=self._continue_row(turn), count=count)
            return
        text = turn.event.clean_text
        if _means_done(turn, text):  # "xong", "không có", "done": as good as pressing Continue
            turn.goto("attachments", files_done=True)
            await self.fill_next(turn)
            return
        if text:
            turn.goto("attachments", description=f"{turn.data.get('description', '')}\n{text}".strip())
        turn.say("complaints.ask_attachments", buttons=self._continue_row(turn))

    async def on_describe_short(self, turn: Turn) -> None:
        text = turn.event.clean_text
        if len(text) < 2:
            turn.say("complaints.ask_description_short", buttons=self._cancel_row(turn))
            return
        turn.goto("describe_short", description=text[:MAX_DESCRIPTION], category=TicketCategory.OTHER.value)
        await self.fill_next(turn)

    async def on_confirm(self, turn: Turn) -> None:
        turn.say("complaints.confirm_reminder", buttons=self._confirm_keyboard(turn))

    # Buttons ----------------------------------------------------------------------------------------
    async def on_button(self, turn: Turn, button: ButtonData) -> None:
        step = turn.state.step if turn.state.flow == self.name else None
        match button:
            case TicketStatusButton(ticket_id=ticket_id):
                await self._status(turn, ticket_id)
            case ComplaintButton(action="list"):
                await self._list(turn)
            case ComplaintButton(action="new"):
                turn.finish()
                await self.start(turn, new=True)
            case ComplaintCategoryButton(category=category) if (
                step == "choose_category" and category in COMPLAINT_CATEGORIES
            ):
                turn.goto("choose_category", category=category.value)
                await self.fill_next(turn)
            case ComplaintOrderButton() if step == "choose_order":
                await self._chosen_order(turn, button.order_code)
            case ComplaintButton(action="continue") if step == "attachments":
                turn.goto("attachments", files_done=True)
                await self.fill_next(turn)
            case ComplaintButton(action="submit") if step == "confirm":
                await self._submit(turn)
            case ComplaintButton(action=action) if step == "confirm" and action in _EDITS:
                await self._edit(turn, _EDITS[action])
            case ComplaintButton(action="leave"):
                await self._leave_ticket_conversation(turn)
            case ComplaintButton(action="back"):
                await self._back_to_ticket_conversation(turn)
            case ComplaintButton(action="cancel") if turn.state.flow == self.name:
                await self.cancel(turn)
            case _:
                turn.say("core.stale_button")

    async def cancel(self, turn: Turn) -> None:
        turn.finish()
        turn.say("complaints.cancelled", buttons=main_menu(turn))

    def accepts_attachments(self, turn: Turn) -> bool:
        return turn.state.step in ("choose_category", "describe", "attachments")

    def accepts_free_text(self, turn: Turn) -> bool:
        return turn.state.step in ("choose_order", "describe", "attachments", "describe_short", "confirm")

    def takes_text(self, turn: Turn, understood: UnderstandingResult) -> bool:
        # The order step takes an order code; the summary takes a press. Anything else there that is
        # clearly another request leaves the intake (suspended); the story steps take any text.
        if turn.state.step == "choose_order":
            return any(entity.kind == "order_code" for entity in understood.entities)
        return turn.state.step != "confirm"

    # While a ticket is open (the router's ticket inbox) ---------------------------------------------
    async def take_message(self, turn: Turn, *, quietly: bool = False) -> bool:
        """Add the customer's message to their open ticket; False when they have none, or when they
        stepped out of its conversation to talk to the assistant.

        `quietly`: the assistant answers the message itself (a question it can answer), so it is only
        copied to the ticket for staff to see. Otherwise the customer is told it went to staff once per
        burst, not for every message, with a way back to the assistant.
        """
        if turn.has_open_ticket is False:
            return False  # known from the turn's first read, in this transaction
        ticket = await open_ticket_of(turn.uow, turn.user)
        if ticket is None:
            return False
        if stepped_out_of(turn.state) == ticket.id:
            return False
        event = turn.event
        verdict = judge_files(turn.settings, event.attachments)
        files = list(verdict.accepted)
        if verdict.refused:
            turn.say("complaints.file_refused", max_mb=max_megabytes(turn.settings))
            if not event.clean_text and not files:
                return True
        if not event.clean_text and not files:
            return False
        result = await self._tickets.add_customer_message(
            turn.uow, ticket.id, text=event.clean_text, attachments=files,
            source=source_key(event.channel, event.chat_id, event.message_id),
            author_name=turn.display_name,
        )
        now = turn.clock.now()
        if result.outcome is Outcome.DONE and not quietly and relay_ack_due(turn.state, ticket.id, now):
            note_relay_ack(turn.state, ticket.id, now)
            leave = turn.button("complaints.leave_button", ComplaintButton("leave"))
            turn.say(_honest(turn, "complaints.relayed"), buttons=((leave,),), number=ticket.number)
        elif result.outcome is Outcome.GATHERING and not quietly:  # once per burst, not per message
            turn.say("complaints.relayed_burst", number=ticket.number)
        return True

    async def _leave_ticket_conversation(self, turn: Turn) -> None:
        """Messages stop going to staff (the ticket stays open, staff replies still arrive)."""
        ticket = await open_ticket_of(turn.uow, turn.user)
        if ticket is None:
            turn.say("core.stale_button")
            return
        step_out(turn.state, ticket.id)
        turn.say("complaints.left_ticket_conversation", buttons=(
            (turn.button("complaints.back_button", ComplaintButton("back")),),
            *main_menu(turn),
        ))

    async def _back_to_ticket_conversation(self, turn: Turn) -> None:
        ticket = await open_ticket_of(turn.uow, turn.user)
        step_back_in(turn.state)
        if ticket is None:
            turn.say("complaints.list_empty", buttons=main_menu(turn))
            return
        turn.say(_honest(turn, "complaints.back_in_ticket_conversation"), number=ticket.number)

    # Helpers ----------------------------------------------------------------------------------------
    def _ask_category(self, turn: Turn, *, reminder: bool = False) -> None:
        buttons = [turn.button(f"complaints.category.{c.value}", ComplaintCategoryButton(c))
                   for c in COMPLAINT_CATEGORIES]
        rows = tuple(tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2))
        key = "complaints.category_reminder" if reminder else "complaints.choose_category"
        turn.say(key, buttons=(*rows, *self._cancel_row(turn)))

    async def _ask_order(self, turn: Turn) -> None:
        customer = await verified_customer(turn.uow, turn.user)
        no_order = (turn.button("complaints.no_order_button", ComplaintOrderButton(NO_ORDER)),)
        if customer is None:
            turn.say("complaints.choose_order_unverified", buttons=(no_order, *self._cancel_row(turn)))
            return
        orders = await recent_orders(turn.uow, turn.clock, customer, actor=turn.actor)
        rows = tuple((turn.button("core.orders.details_button", ComplaintOrderButton(o.code), code=o.code),)
                     for o in orders)
        turn.say("complaints.choose_order_verified", buttons=(*rows, no_order, *self._cancel_row(turn)))

    async def _chosen_order(self, turn: Turn, code: str | None) -> None:
        if code is None:
            turn.goto("choose_order", order_code=None)
            await self.fill_next(turn)
            return
        customer = await verified_customer(turn.uow, turn.user)
        order = await own_order(turn.uow, turn.clock, customer, code, actor=turn.actor) if customer else None
        if order is None:  # the button named an order that is not (or no longer provably) theirs
            turn.say("complaints.order_not_found", buttons=(
                (turn.button("complaints.continue_without_order_button", ComplaintOrderButton(NO_ORDER)),),
            ))
            return
        turn.goto("choose_order", order_code=order.code)
        await self.fill_next(turn)

    async def _edit(self, turn: Turn, slot: str) -> None:
        """Correct one thing at the summary: empty its slot, ask it again, then back to the summary."""
        data = {key: value for key, value in turn.data.items() if key != slot}
        turn.enter(self.name, "confirm", **data)
        await self.fill_next(turn)

    def _keep_files(self, turn: Turn, files: list[Attachment]) -> int:
        kept = list(turn.data.get("attachments", []))
        kept.extend(a.to_dict() for a in files)
        kept = kept[:MAX_ATTACHMENTS]
        turn.goto(turn.state.step or "attachments", attachments=kept)
        return len(kept)

    def _summarise(self, turn: Turn) -> None:
        data = turn.data
        turn.goto("confirm")
        if data.get("kind") == TicketKind.HUMAN:
            turn.say(_honest(turn, "complaints.summary_human"), buttons=self._confirm_keyboard(turn),
                     description=data.get("description", ""))
            return
        count = len(data.get("attachments", []))
        turn.say(
            _honest(turn, "complaints.summary"),
            buttons=self._confirm_keyboard(turn),
            category=turn.t(f"complaints.category.{data.get('category', 'other')}"),
            order=data.get("order_code") or turn.t("complaints.no_order"),
            description=data.get("description", ""),
            attachments=str(count) if count else turn.t("complaints.no_attachments"),
        )

    async def _submit(self, turn: Turn) -> None:
        data = turn.data
        kind = TicketKind(data.get("kind", TicketKind.COMPLAINT.value))
        request = NewTicket(
            kind=kind,
            category=str(data.get("category") or TicketCategory.OTHER.value),
            description=str(data.get("description", "")),
            order_code=data.get("order_code"),
            attachments=tuple(Attachment.from_dict(item) for item in data.get("attachments", [])),
            language=turn.language,
        )
        ticket = await self._tickets.open_ticket(turn.uow, turn.user, request)
        turn.finish()
        key = "complaints.created_human" if kind is TicketKind.HUMAN else "complaints.created"
        turn.say(_honest(turn, key), buttons=self._open_ticket_keyboard(turn, ticket), number=ticket.number,
                 first_reply_due=format_moment(ticket.first_reply_due_at, turn.settings),
                 resolution_due=format_moment(ticket.resolution_due_at, turn.settings))

    async def _status(self, turn: Turn, ticket_id: int | None) -> None:
        ticket: TicketView | None
        if ticket_id is not None:
            ticket = await customer_ticket(turn.uow, turn.user, ticket_id)
        else:
            ticket = await open_ticket_of(turn.uow, turn.user)
            if ticket is None:
                recent = await customer_tickets(turn.uow, turn.user, limit=1)
                ticket = recent[0] if recent else None
        if ticket is None:
            turn.say("complaints.not_found" if ticket_id is not None else "complaints.list_empty")
            return
        turn.say(
            "complaints.status",
            buttons=((turn.button("complaints.list_button", ComplaintButton("list")),),),
            number=ticket.number,
            category=category_label(turn.texts, turn.language, ticket),
            status=turn.t(f"complaints.status_value.{ticket.status}"),
            created=format_moment(ticket.created_at, turn.settings),
            next_step=self._next_step(turn, ticket),
        )

    def _next_step(self, turn: Turn, ticket: TicketView) -> Markup:
        if ticket.resolved_at is not None:
            return turn.t("complaints.next_resolved", at=format_moment(ticket.resolved_at, turn.settings))
        if ticket.first_staff_reply_at is None:
            due = ticket.first_reply_due_at
            return turn.t(_honest(turn, "complaints.next_first_reply"), due=format_moment(due, turn.settings))
        resolution = format_moment(ticket.resolution_due_at, turn.settings)
        return turn.t(_honest(turn, "complaints.next_resolution"), due=resolution)

    async def _list(self, turn: Turn) -> None:
        tickets = await customer_tickets(turn.uow, turn.user)
        if not tickets:
            turn.say("complaints.list_empty", buttons=main_menu(turn))
            return
        lines = [
            turn.t("complaints.list_line", number=t.number,
                   category=category_label(turn.texts, turn.language, t),
                   status=turn.t(f"complaints.status_value.{t.status}"),
                   created=format_moment(t.created_at, turn.settings))
            for t in tickets
        ]
        buttons = tuple((turn.button("complaints.status_button", TicketStatusButton(t.id)),)
                        for t in tickets[:5])
        turn.say_markup(join([turn.t("complaints.list_header"), *lines]), buttons)

    def _open_ticket_keyboard(self, turn: Turn, ticket: TicketView) -> Keyboard:
        return (
            (turn.button("complaints.status_button", TicketStatusButton(ticket.id)),
             turn.button("complaints.list_button", ComplaintButton("list"))),
            (turn.button("complaints.new_ticket_button", ComplaintButton("new")),),
        )

    def _cancel_row(self, turn: Turn) -> Keyboard:
        return ((turn.button("complaints.cancel_button", ComplaintButton("cancel")),),)

    def _continue_row(self, turn: Turn) -> Keyboard:
        return ((turn.button("complaints.continue_button", ComplaintButton("continue")),
                 turn.button("complaints.cancel_button", ComplaintButton("cancel"))),)

    def _confirm_keyboard(self, turn: Turn) -> Keyboard:
        send = ((turn.button("complaints.submit_button", ComplaintButton("submit")),
                 turn.button("complaints.cancel_button", ComplaintButton("cancel"))),)
        if turn.data.get("kind") == TicketKind.HUMAN:
            return (*send, (turn.button("complaints.edit_description_button",
                                        ComplaintButton("edit_description")),))
        return (*send, (
            turn.button("complaints.edit_category_button", ComplaintButton("edit_category")),
            turn.button("complaints.edit_order_button", ComplaintButton("edit_order")),
            turn.button("complaints.edit_description_button", ComplaintButton("edit_description")),
        ))


class TicketRatingFlow(Flow):
    """Rating buttons `rate:<ticket_id>:<1-5>` and `rate:<ticket_id>:skip`, then an optional comment."""

    name = "rate"
    STEPS: ClassVar[Mapping[str, str]] = {"comment": "on_comment"}
    BUTTONS = (RatingButton,)

    def __init__(self, tickets: TicketDesk) -> None:
        self._tickets = tickets

    async def start(self, turn: Turn, **options: Any) -> None:
        turn.say("core.stale_button")

    async def on_button(self, turn: Turn, button: ButtonData) -> None:
        if not isinstance(button, RatingButton):
            turn.say("core.stale_button")
            return
        ticket_id, rating = button.ticket_id, button.rating
        if rating == "skip":
            turn.finish()
            turn.say("complaints.rating_closed", buttons=main_menu(turn))
            return
        result = await self._tickets.rate(turn.uow, turn.user, ticket_id, rating)
        if result.outcome is Outcome.NOT_FOUND:
            turn.say("complaints.not_found")
        elif result.outcome is Outcome.NOT_ALLOWED:
            turn.say("complaints.rating_not_yet")
        elif result.outcome is Outcome.ALREADY:
            turn.say("complaints.rating_already")
        else:
            turn.enter(self.name, "comment", ticket_id=ticket_id)
            skip = turn.button("complaints.skip_button", RatingButton(ticket_id, "skip"))
            turn.say("complaints.rating_thanks", buttons=((skip,),), stars="⭐" * rating)

    async def ask(self, turn: Turn, step: str) -> None:
        ticket_id = int(turn.data.get("ticket_id", 0))
        skip = turn.button("complaints.skip_button", RatingButton(ticket_id, "skip"))
        turn.say("complaints.rating_ask_comment", buttons=((skip,),))

    async def on_comment(self, turn: Turn) -> None:
        ticket_id = int(turn.data.get("ticket_id", 0))
        text = turn.event.clean_text
        turn.finish()
        if not text:
            turn.say("complaints.rating_closed", buttons=main_menu(turn))
            return
        await self._tickets.comment_on_rating(turn.uow, turn.user, ticket_id, text)
        turn.say("complaints.comment_thanks", buttons=main_menu(turn))
