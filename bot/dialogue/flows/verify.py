"""Proving who the chat user is, factor by factor, until the level a flow asked for is reached.

A flow asks with `bot.dialogue.levels.require_level`, which hands over here with a `Goal` (the
level, the flow to resume and where, why it asked). After every factor proven, `(advance)` asks
`identify` again: the next factor missing is asked for, or the level is reached and the flow that
asked resumes. The email code has its own flow (`email_code`), which hands back here.

| step                | event                                  | next                                      |
|---------------------|----------------------------------------|-------------------------------------------|
| (start)             | identity_help ("how do I verify?")     | the two ways and a person; if linked: who |
| (start)             | the level is reached                   | finish; resume the flow that asked        |
| (start)             | not linked                             | ask for the contact, offer the email way  |
| (start)             | strong needed, the phone not fresh     | ask for the contact again                 |
| (start)             | strong needed, the email not fresh     | hand over to `email_code` (strong)        |
| (start)             | strong needed, the order code missing  | ask for one → awaiting_order_code         |
| awaiting_contact    | own contact, number on file            | linked; as (start), for the next factor   |
| awaiting_contact    | own contact, number not on file        | what was checked; the email way, a person |
| awaiting_contact    | own contact, not a number              | say so, offer a person; finish            |
| awaiting_contact    | someone else's or a forwarded contact  | refuse, ask again (stays)                 |
| awaiting_contact    | an address, "no phone", `verify:email` | hand over to `email_code` (link)          |
| awaiting_contact    | other text                             | remind (stays); the third time, finish    |
| awaiting_order_code | a code of one of their orders          | as (start), for the next factor           |
| awaiting_order_code | another code, or none                  | say so, ask again; the fifth time, stop   |
| (in flow)           | locked out (too many wrong codes)      | say until when, offer a person; finish    |
| (in flow)           | /cancel                                | finish, nothing kept                      |
| (any)               | `verify:phone`                         | ask for the contact (or resume)           |
| (any)               | `verify:email`, linked already         | the email comes when a step needs it      |
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from bot.dialogue.flow import Flow
from bot.dialogue.flows.menu import main_menu, polite_name, staff_or_menu_row
from bot.dialogue.levels import Goal, current_identity, resume_goal
from bot.dialogue.turn import Turn
from bot.messages.actions import Keyboard
from bot.messages.buttons import ButtonData, VerifyButton
from bot.services.identity import ContactCheck, Factor, Identity, Level, settle_level, verify_contact
from bot.services.identity.order_factor import OrderCodeOutcome, check_order_code

MAX_REMINDERS = 3
#: Why a flow asked for verification (`Goal.reason`), as said before the first factor is asked for.
REASONS = {"orders": "core.orders.need_verification", "personal_data": "identity.reason_personal_data"}
MAX_ORDER_CODE_TRIES = 5
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
# "I won't share my phone, is there another way?": at the contact step, the way without the phone.
_ANOTHER_WAY = re.compile(
    r"\b(e-?mail|gmail|mail|thư|cách khác|không muốn|ko muốn|k muốn|không chia sẻ|ko chia sẻ|"
    r"other way|another way|don'?t want|do not want|without)\b",
    re.IGNORECASE,
)


def looks_like_email(text: str) -> bool:
    return _EMAIL.search(text) is not None


def typed_email(text: str) -> str | None:
    """The address in what was typed ("email của em là bao@example.com ạ" → bao@example.com)."""
    found = _EMAIL.search(text)
    return found.group(0).rstrip(".,;:!?)»\"'") if found else None


def locked_reply(turn: Turn, until: Any) -> None:
    """Too many wrong codes: say until when, and that a person can help."""
    turn.finish()
    turn.say_markup(turn.t("identity.locked", until=_moment(turn, until)), (staff_or_menu_row(turn),),
                    remove_reply_keyboard=True)


def _moment(turn: Turn, moment: Any) -> str:
    return str(moment.astimezone(turn.settings.zone).strftime("%H:%M %d/%m/%Y"))


class VerifyFlow(Flow):
    name = "verify"
    STEPS: ClassVar[Mapping[str, str]] = {
        "awaiting_contact": "on_awaiting_contact",
        "awaiting_order_code": "on_awaiting_order_code",
    }
    BUTTONS = (VerifyButton,)
    INTENTS = ("identity_help",)

    async def start(self, turn: Turn, **options: Any) -> None:
        goal = Goal.from_data(options.get("goal"), then=options.get("then"))
        identity = await current_identity(turn)
        if options.get("intent") == "identity_help":  # "how do I verify?", "I won't share my phone"
            if identity.customer is not None:
                turn.say("identity.already_linked", buttons=main_menu(turn), name=identity.customer.full_name)
                return
            turn.say("identity.help", buttons=(staff_or_menu_row(turn),))
        if goal.reason and not identity.at_least(goal.level):
            turn.say(REASONS.get(goal.reason, "identity.reason_other"))
        if identity.stale:
            turn.say("identity.stale")
        await self._advance(turn, goal, identity)

    async def resume(self, turn: Turn, **point: Any) -> None:
        await self.start(turn, **point)

    async def ask(self, turn: Turn, step: str) -> None:
        if step == "awaiting_order_code":
            turn.say_markup(turn.t("identity.strong.ask_order_code"), remove_reply_keyboard=True)
            return
        turn.ask_for_contact("core.verify.reminder")

    # Deciding what is next --------------------------------------------------------------------------
    async def _advance(self, turn: Turn, goal: Goal, identity: Identity | None = None) -> None:
        identity = identity or await current_identity(turn)
        if identity.at_least(goal.level):
            turn.finish()
            if goal.level is Level.STRONG and identity.strong_until is not None:
                until = _moment(turn, identity.strong_until)
                turn.say_markup(turn.t("identity.strong.reached", until=until),
                                remove_reply_keyboard=True)
            resume_goal(turn, goal)
            return
        if not identity.at_least(Level.LINKED):
            self._ask_contact(turn, goal, "core.verify.ask_contact")
            return
        missing = identity.missing_for_strong[0]
        if missing is Factor.PHONE:
            self._ask_contact(turn, goal, "identity.strong.ask_contact", offer_email=False)
        elif missing is Factor.EMAIL:
            turn.hand_over("email_code", goal=goal.to_data(), purpose="strong")
        else:
            turn.enter(self.name, "awaiting_order_code", goal=goal.to_data(), tries=0)
            turn.say_markup(turn.t("identity.strong.ask_order_code"), remove_reply_keyboard=True)

    def _ask_contact(self, turn: Turn, goal: Goal, key: str, *, offer_email: bool = True) -> None:
        turn.enter(self.name, "awaiting_contact", goal=goal.to_data(), reminders=0)
        turn.ask_for_contact(key)
        if offer_email:
            self._offer_email(turn)

    def _offer_email(self, turn: Turn) -> None:
        if turn.settings.can_send_codes():
            turn.say("identity.email_offer",
                     buttons=((turn.button("identity.email_button", VerifyButton("email")),),))

    def _goal(self, turn: Turn) -> Goal:
        return Goal.from_data(turn.data.get("goal"), then=turn.data.get("then"))

    # The phone ---------------------------------------------------------------------------------------
    async def on_awaiting_contact(self, turn: Turn) -> None:
        goal = self._goal(turn)
        if turn.event.contact is not None:
            await self._take_contact(turn, goal)
            return
        text = turn.event.clean_text
        wants_email = looks_like_email(text) or _ANOTHER_WAY.search(text) is not None
        if wants_email and turn.settings.can_send_codes() and not (await current_identity(turn)).customer:
            turn.hand_over("email_code", goal=goal.to_data(), purpose="link",
                           address=typed_email(text))
            return
        reminders = int(turn.data.get("reminders", 0)) + 1
        if reminders >= MAX_REMINDERS:
            turn.finish()
            turn.say_markup(turn.t("core.verify.gave_up"), main_menu(turn), remove_reply_keyboard=True)
            return
        turn.goto("awaiting_contact", reminders=reminders)
        turn.ask_for_contact("core.verify.reminder")
        if not (await current_identity(turn)).customer:
            self._offer_email(turn)

    async def _take_contact(self, turn: Turn, goal: Goal) -> None:
        before = (await current_identity(turn)).level
        result = await verify_contact(turn.uow, turn.clock, turn.user, turn.event.contact)  # type: ignore[arg-type]
        if result.outcome is ContactCheck.NOT_OWN_CONTACT:
            turn.enter(self.name, "awaiting_contact", goal=goal.to_data(), reminders=0)
            turn.ask_for_contact("core.verify.not_own_contact")
            return
        if result.outcome is ContactCheck.INVALID_NUMBER:
            turn.finish()
            turn.say_markup(turn.t("core.verify.invalid_number"), (staff_or_menu_row(turn),),
                            remove_reply_keyboard=True)
            return
        if result.number_changed:
            turn.say_markup(turn.t("identity.number_changed"), remove_reply_keyboard=True)
        if result.outcome is ContactCheck.UNKNOWN_NUMBER:
            # Kept in this step with the goal, so that the email way (or another contact) still
            # resumes what asked; any other message ends it.
            turn.enter(self.name, "awaiting_contact", goal=goal.to_data(), reminders=MAX_REMINDERS - 1)
            identity = await current_identity(turn)
            turn.say_markup(turn.t("identity.unknown_number", phone=result.masked_phone or ""),
                            self._other_ways(turn, identity), remove_reply_keyboard=True)
            return
        turn.say_markup(turn.t("core.verify.linked", name=polite_name(turn, result.customer_name)), (),
                        remove_reply_keyboard=True)
        identity = await settle_level(turn.uow, turn.clock, turn.settings, turn.user, before=before)
        await self._advance(turn, goal, identity)

    def _other_ways(self, turn: Turn, identity: Identity) -> Keyboard:
        rows: list[tuple[Any, ...]] = []
        if identity.customer is None and turn.settings.can_send_codes():
            rows.append((turn.button("identity.email_button", VerifyButton("email")),))
        rows.append(staff_or_menu_row(turn))
        return tuple(rows)

    # The order code ----------------------------------------------------------------------------------
    async def on_awaiting_order_code(self, turn: Turn) -> None:
        goal = self._goal(turn)
        result = await check_order_code(turn.uow, turn.clock, turn.settings, turn.texts, turn.user,
                                        turn.event.clean_text)
        if result.outcome is OrderCodeOutcome.VERIFIED:
            identity = await settle_level(turn.uow, turn.clock, turn.settings, turn.user, before=Level.LINKED)
            await self._advance(turn, goal, identity)
            return
        if result.outcome is OrderCodeOutcome.LOCKED:
            locked_reply(turn, result.until)
            return
        if result.outcome is OrderCodeOutcome.NOT_LINKED:
            await self._advance(turn, goal)
            return
        tries = int(turn.data.get("tries", 0)) + 1
        if tries >= MAX_ORDER_CODE_TRIES:
            turn.finish()
            turn.say("identity.strong.order_code_gave_up", buttons=(staff_or_menu_row(turn),))
            return
        turn.goto("awaiting_order_code", tries=tries)
        wrong = result.outcome is OrderCodeOutcome.WRONG
        turn.say("identity.strong.order_code_wrong" if wrong else "identity.strong.order_code_missing")

    # Buttons and the rest ----------------------------------------------------------------------------
    async def on_button(self, turn: Turn, button: ButtonData) -> None:
        if not isinstance(button, VerifyButton):
            turn.say("core.stale_button")
            return
        goal = self._goal(turn) if turn.state.flow in (self.name, "email_code") else Goal()
        identity = await current_identity(turn)
        if button.factor == "phone":
            if identity.at_least(goal.level):
                await self._advance(turn, goal, identity)
            else:
                self._ask_contact(turn, goal, "core.verify.ask_contact", offer_email=False)
            return
        if identity.customer is not None or not turn.settings.can_send_codes():
            # Linked already: the email factor is asked for by (advance) when the level needs it.
            turn.say("identity.email_not_needed" if identity.customer else "identity.email_unavailable",
                     buttons=(staff_or_menu_row(turn),))
            return
        turn.hand_over("email_code", goal=goal.to_data(), purpose="link")

    def accepts_contact(self, turn: Turn) -> bool:
        return turn.state.step == "awaiting_contact"

    def accepts_free_text(self, turn: Turn) -> bool:
        if turn.state.step == "awaiting_order_code":
            return True
        text = turn.event.clean_text
        return looks_like_email(text) or _ANOTHER_WAY.search(text) is not None
