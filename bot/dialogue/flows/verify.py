"""Proving the user's phone number with the channel's own contact button, then carrying on.

| step              | event                       | next                                                |
|-------------------|-----------------------------|-----------------------------------------------------|
| (start)           | a flow needs identity       | ask for the contact → awaiting_contact              |
| awaiting_contact  | own contact, known number   | linked; resume the flow that asked (`then`)         |
| awaiting_contact  | own contact, unknown number | say so, offer a person; finish                      |
| awaiting_contact  | own contact, not a number   | say so; finish                                      |
| awaiting_contact  | someone else's contact      | refuse, ask again (stays)                           |
| awaiting_contact  | text / anything else        | remind how to share (stays); the third time, finish |
| awaiting_contact  | /cancel                     | finish, nothing kept                                |
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from bot.dialogue.flow import Flow
from bot.dialogue.flows.menu import main_menu
from bot.dialogue.turn import Turn
from bot.services.identity import ContactCheck, verify_contact

MAX_REMINDERS = 3


class VerifyFlow(Flow):
    name = "verify"
    STEPS: ClassVar[Mapping[str, str]] = {"awaiting_contact": "on_awaiting_contact"}

    async def start(self, turn: Turn, **options: Any) -> None:
        turn.enter(self.name, "awaiting_contact", then=options.get("then"), reminders=0)
        turn.ask_for_contact("core.verify.ask_contact")

    async def on_awaiting_contact(self, turn: Turn) -> None:
        contact = turn.event.contact
        if contact is None:
            reminders = int(turn.data.get("reminders", 0)) + 1
            if reminders >= MAX_REMINDERS:
                turn.finish()
                turn.say("core.verify.gave_up", buttons=main_menu(turn))
                return
            turn.goto("awaiting_contact", reminders=reminders)
            turn.ask_for_contact("core.verify.reminder")
            return
        result = await verify_contact(turn.uow, turn.clock, turn.user, contact)
        if result.outcome is ContactCheck.NOT_OWN_CONTACT:
            turn.ask_for_contact("core.verify.not_own_contact")
            return
        if result.outcome is ContactCheck.INVALID_NUMBER:
            turn.finish()
            turn.say("core.verify.invalid_number", buttons=main_menu(turn))
            return
        then = turn.data.get("then")
        turn.finish()
        if result.outcome is ContactCheck.UNKNOWN_NUMBER:
            turn.say_markup(turn.t("core.verify.unknown_number"), main_menu(turn), remove_reply_keyboard=True)
            return
        turn.say_markup(
            turn.t("core.verify.linked", name=result.customer_name or ""), (), remove_reply_keyboard=True
        )
        if then:
            turn.hand_over(then)

    def accepts_free_text(self, turn: Turn) -> bool:
        return False
